//! The tools of a project over a time range (`GET /api/analytics/tools`): per tool, or per MCP
//! server, the calls made by the sessions that started in the range, their failures, denials,
//! duration percentiles (within 3.1% of the nearest rank), share of the sessions' time and calls
//! per day of their sessions' start (`rollup/tools.rs`); and for one tool its slowest and latest
//! failing calls that started in the range. Written once for both stores.

use serde::Serialize;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::time::Timestamp;

/// Calls listed per list of one tool (slowest, failing).
pub const CALLS_LISTED: i64 = 20;

/// What the rows are made of: each tool, or each MCP server (calls of no server left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolGroup {
    /// By `tool_name`.
    Tool,
    /// By `mcp_server`.
    McpServer,
}

/// One tool's (or MCP server's) figures over the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolRow {
    /// The tool's name, or the MCP server's.
    pub name: String,
    /// Calls made by the sessions that started in the range.
    pub calls: i64,
    /// Of which failed (`status` `error`).
    pub failures: i64,
    /// `failures / calls`.
    pub error_rate: f64,
    /// Calls the permission system refused.
    pub denials: i64,
    /// Median duration of the calls that have one, ms (the middle of the duration bucket of the
    /// nearest rank: within 3.1% of it).
    pub p50_ms: Option<i64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<i64>,
    /// Longest, ms.
    pub max_ms: Option<i64>,
    /// Its calls' time over the time of the sessions that started in the range.
    pub share_of_session_time: f64,
    /// Calls per UTC day of their session's start (`[day start, calls]`, days with calls only),
    /// oldest first.
    pub per_day: Vec<(Timestamp, i64)>,
}

/// One tool's calls worth a look: its slowest, and its latest failing ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCalls {
    /// The slowest calls, slowest first.
    pub slowest: Vec<CallRef>,
    /// The latest failing calls, latest first.
    pub failing: Vec<CallRef>,
}

/// A call listed under one tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRef {
    /// Its session.
    pub session_id: String,
    /// Its id.
    pub tool_use_id: String,
    /// `success`, `error`, ...
    pub status: String,
    /// How long it ran, ms.
    pub duration_ms: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it started.
    pub started_at: Option<Timestamp>,
}

/// Walks the calls from the longest (`tool_calls_by_duration`), so that it reads about as many
/// as it lists, whatever the range.
pub(crate) static SLOWEST: Sql = Sql::new(
    "SELECT session_id, tool_use_id, status, duration_ms, error, started_at
     FROM tool_calls {indexed_by:tool_calls_by_duration}
     WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND tool_name = ?4
       AND duration_ms IS NOT NULL
     ORDER BY duration_ms DESC, started_at DESC LIMIT ?5",
);

/// Walks the range's calls from the latest (`tool_calls_overview`).
pub(crate) static FAILING: Sql = Sql::new(
    "SELECT session_id, tool_use_id, status, duration_ms, error, started_at FROM tool_calls
     WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND tool_name = ?4
       AND status = 'error'
     ORDER BY started_at DESC LIMIT ?5",
);

/// Every tool (or MCP server) called by the sessions that started in `[from, to)`, most called
/// first (read from the rollups: `rollup/tools.rs`).
pub async fn tools<D: Db>(
    db: &D,
    project_id: &str,
    from: i64,
    to: i64,
    group: ToolGroup,
) -> Result<Vec<ToolRow>, StoreError> {
    crate::store::rollup::tools::tools(db, project_id, from, to, group).await
}

/// Tool `name`'s slowest calls and latest failing calls that started in `[from, to)`.
pub async fn tool_calls<D: Db>(
    db: &D,
    project_id: &str,
    name: &str,
    from: i64,
    to: i64,
) -> Result<ToolCalls, StoreError> {
    let args = values![project_id, from, to, name, CALLS_LISTED];
    let slowest = db.select(&SLOWEST, &args, call).await?;
    let failing = db.select(&FAILING, &args, call).await?;
    Ok(ToolCalls { slowest, failing })
}

fn call(r: &dyn Columns) -> Result<CallRef, StoreError> {
    Ok(CallRef {
        session_id: r.string("session_id")?,
        tool_use_id: r.string("tool_use_id")?,
        status: r.string("status")?,
        duration_ms: r.int("duration_ms")?,
        error: r.text("error")?,
        started_at: r.time("started_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&SLOWEST, &FAILING]);
    }
}
