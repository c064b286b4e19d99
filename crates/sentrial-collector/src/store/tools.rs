//! The tools of a project over a time range (`GET /api/analytics/tools`): per tool, or per MCP
//! server, its calls, failures, denials, duration percentiles, share of the sessions' time and
//! calls per day; and for one tool its slowest and latest failing calls. Written once for both
//! stores. Percentiles are nearest-rank, read by rank from the calls ordered by duration.

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
    /// Calls that started in the range.
    pub calls: i64,
    /// Of which failed (`status` `error`).
    pub failures: i64,
    /// `failures / calls`.
    pub error_rate: f64,
    /// Calls the permission system refused.
    pub denials: i64,
    /// Median duration of the calls that have one, ms (nearest rank).
    pub p50_ms: Option<i64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<i64>,
    /// Longest, ms.
    pub max_ms: Option<i64>,
    /// Its calls' time over the time of the sessions that started in the range.
    pub share_of_session_time: f64,
    /// Calls per UTC day (`[day start, calls]`, days with calls only), oldest first.
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

macro_rules! grouped {
    ($column:literal) => {
        Sql::new(concat!(
            "SELECT ",
            $column,
            " AS name, COUNT(*) AS calls,
                COUNT(*) FILTER (WHERE status = 'error') AS failures,
                COUNT(*) FILTER (WHERE status = 'denied') AS denials,
                COUNT(duration_ms) AS timed, MAX(duration_ms) AS max_ms,
                {capped_sum:duration_ms} AS total_ms
             FROM tool_calls WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3
               AND ",
            $column,
            " IS NOT NULL GROUP BY ",
            $column,
            " ORDER BY calls DESC, name"
        ))
    };
}
static BY_TOOL: Sql = grouped!("tool_name");
static BY_SERVER: Sql = grouped!("mcp_server");

macro_rules! at_rank {
    ($column:literal) => {
        Sql::new(concat!(
            "SELECT duration_ms AS v FROM tool_calls
             WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND ",
            $column,
            " = ?4 AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT 1 OFFSET ?5"
        ))
    };
}
static TOOL_AT_RANK: Sql = at_rank!("tool_name");
static SERVER_AT_RANK: Sql = at_rank!("mcp_server");

macro_rules! per_day {
    ($column:literal) => {
        Sql::new(concat!(
            "SELECT ",
            $column,
            " AS name, (started_at / 86400000) * 86400000 AS day, COUNT(*) AS calls
             FROM tool_calls WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND ",
            $column,
            " IS NOT NULL GROUP BY ",
            $column,
            ", (started_at / 86400000) * 86400000 ORDER BY day"
        ))
    };
}
static TOOL_DAYS: Sql = per_day!("tool_name");
static SERVER_DAYS: Sql = per_day!("mcp_server");

static SESSION_TIME: Sql = Sql::new(
    "SELECT {capped_sum:duration_ms} AS total_ms FROM sessions
     WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3",
);

static SLOWEST: Sql = Sql::new(
    "SELECT session_id, tool_use_id, status, duration_ms, error, started_at FROM tool_calls
     WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND tool_name = ?4
       AND duration_ms IS NOT NULL
     ORDER BY duration_ms DESC, tool_use_id LIMIT ?5",
);

static FAILING: Sql = Sql::new(
    "SELECT session_id, tool_use_id, status, duration_ms, error, started_at FROM tool_calls
     WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND tool_name = ?4
       AND status = 'error'
     ORDER BY started_at DESC, tool_use_id LIMIT ?5",
);

/// Every tool (or MCP server) with calls that started in `[from, to)`, most called first.
pub async fn tools<D: Db>(
    db: &D,
    project_id: &str,
    from: i64,
    to: i64,
    group: ToolGroup,
) -> Result<Vec<ToolRow>, StoreError> {
    let (grouped, at_rank, days) = match group {
        ToolGroup::Tool => (&BY_TOOL, &TOOL_AT_RANK, &TOOL_DAYS),
        ToolGroup::McpServer => (&BY_SERVER, &SERVER_AT_RANK, &SERVER_DAYS),
    };
    let range = values![project_id, from, to];
    let session_ms = db
        .select(&SESSION_TIME, &range, |r| r.int("total_ms"))
        .await?
        .pop()
        .flatten()
        .unwrap_or(0);
    let days: Vec<(String, i64, i64)> = db
        .select(days, &range, |r| {
            Ok((r.string("name")?, r.integer("day")?, r.integer("calls")?))
        })
        .await?;
    let groups = db
        .select(grouped, &range, |r| {
            Ok((
                r.string("name")?,
                r.integer("calls")?,
                r.integer("failures")?,
                r.integer("denials")?,
                r.integer("timed")?,
                r.int("max_ms")?,
                r.int("total_ms")?.unwrap_or(0),
            ))
        })
        .await?;
    let mut rows = Vec::with_capacity(groups.len());
    for (name, calls, failures, denials, timed, max_ms, total_ms) in groups {
        let at = |p: i64| {
            let rank = ((timed * p + 99) / 100).max(1) - 1;
            nearest(
                db,
                at_rank,
                values![project_id, from, to, name.as_str(), rank],
                timed,
            )
        };
        let (p50_ms, p95_ms) = (at(50).await?, at(95).await?);
        rows.push(ToolRow {
            p50_ms,
            p95_ms,
            max_ms,
            error_rate: failures as f64 / calls.max(1) as f64,
            share_of_session_time: if session_ms > 0 {
                total_ms as f64 / session_ms as f64
            } else {
                0.0
            },
            per_day: days
                .iter()
                .filter(|(n, _, _)| *n == name)
                .map(|(_, day, n)| (Timestamp(*day), *n))
                .collect(),
            name,
            calls,
            failures,
            denials,
        });
    }
    Ok(rows)
}

/// The duration at a rank (`args`' last), of a group with `timed` calls that have one.
async fn nearest<D: Db>(
    db: &D,
    at_rank: &'static Sql,
    args: [crate::store::value::Value<'_>; 5],
    timed: i64,
) -> Result<Option<i64>, StoreError> {
    if timed == 0 {
        return Ok(None);
    }
    Ok(db
        .select(at_rank, &args, |r| r.int("v"))
        .await?
        .pop()
        .flatten())
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
        crate::store::dialect::assert_renders(&[
            &BY_TOOL,
            &BY_SERVER,
            &TOOL_AT_RANK,
            &SERVER_AT_RANK,
            &TOOL_DAYS,
            &SERVER_DAYS,
            &SESSION_TIME,
            &SLOWEST,
            &FAILING,
        ]);
    }
}
