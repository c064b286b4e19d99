//! The tools page from the rollups (`store/tools.rs`): the calls made by the sessions of the
//! range's whole UTC days from `tool_rollups` (their sums per day) and `tool_durations` (their
//! calls per duration bucket), and the calls of the sessions of the rest (at most a day at either
//! edge) from `tool_calls`, counted the same way (`contrib::ToolCounts`). Percentiles are the
//! middle of the bucket holding the nearest rank: within 3.1% of it.

use std::collections::BTreeMap;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::rollup::compare::percentile;
use crate::store::rollup::contrib::{days_and_edges, ToolCounts, DAY_MS};
use crate::store::rollup::read_sql::{SESSION_TOTALS, TOTALS};
use crate::store::tools::{ToolGroup, ToolRow};
use crate::store::value::values;
use crate::time::Timestamp;

/// Per tool, MCP server and day, the calls of project `?1`'s sessions of the days in
/// [`?2`, `?3`).
static DAYS: Sql = Sql::new(
    "SELECT tool_name, mcp_server, (hour / 86400000) * 86400000 AS day,
        {capped_sum:calls} AS calls, {capped_sum:failures} AS failures,
        {capped_sum:denials} AS denials, {capped_sum:durations} AS durations,
        {capped_sum:duration_ms} AS duration_ms, MAX(max_ms) AS max_ms
     FROM tool_rollups WHERE project_id = ?1 AND hour >= ?2 AND hour < ?3
     GROUP BY tool_name, mcp_server, (hour / 86400000) * 86400000",
);

/// Per tool, MCP server and duration bucket, the calls of project `?1`'s sessions of the days in
/// [`?2`, `?3`).
static BUCKETS: Sql = Sql::new(
    "SELECT tool_name, mcp_server, bucket, {capped_sum:calls} AS calls FROM tool_durations
     WHERE project_id = ?1 AND day >= ?2 AND day < ?3
     GROUP BY tool_name, mcp_server, bucket",
);

/// The calls of project `?1`'s sessions that started in [`?2`, `?3`), one row each (counting
/// them per tool, day, status and duration in the database took three times as long on SQLite:
/// 74 ms against 22 ms for half a day at a million sessions).
pub(crate) static EDGE_CALLS: Sql = Sql::new(
    "SELECT t.tool_name, t.mcp_server, t.status, t.duration_ms, s.sort_ts
     FROM sessions s
     JOIN tool_calls t ON t.project_id = s.project_id AND t.session_id = s.id
     WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3",
);

/// One row of the page while it is summed: its calls, and its calls per UTC day.
#[derive(Default)]
struct Sum {
    counts: ToolCounts,
    days: BTreeMap<i64, i64>,
}

impl Sum {
    fn add(&mut self, day: i64, c: &ToolCounts) {
        self.counts.add(c, 1);
        self.counts.max_ms = self.counts.max_ms.max(c.max_ms);
        *self.days.entry(day).or_default() += c.calls;
    }
}

/// Every tool (or MCP server) called by the sessions that started in [`from`, `to`), most
/// called first.
pub(crate) async fn tools<D: Db>(
    db: &D,
    project: &str,
    from: i64,
    to: i64,
    group: ToolGroup,
) -> Result<Vec<ToolRow>, StoreError> {
    let (days, edges) = days_and_edges(from, to);
    // The row of a tool and its server, if it has one here.
    let key = |tool: String, server: String| match group {
        ToolGroup::Tool => Some(tool),
        ToolGroup::McpServer => Some(server).filter(|s| !s.is_empty()),
    };
    let mut sums: BTreeMap<String, Sum> = BTreeMap::new();
    let whole_days = values![project, days.0, days.1];
    for (tool, server, day, c) in db
        .select(&DAYS, &whole_days, |r| {
            let c = ToolCounts {
                calls: r.integer("calls")?,
                failures: r.integer("failures")?,
                denials: r.integer("denials")?,
                durations: r.integer("durations")?,
                duration_ms: r.integer("duration_ms")?,
                max_ms: r.int("max_ms")?,
                ..ToolCounts::default()
            };
            Ok((
                r.string("tool_name")?,
                r.string("mcp_server")?,
                r.integer("day")?,
                c,
            ))
        })
        .await?
    {
        if let Some(k) = key(tool, server) {
            sums.entry(k).or_default().add(day, &c);
        }
    }
    for (tool, server, bucket, calls) in db
        .select(&BUCKETS, &whole_days, |r| {
            Ok((
                r.string("tool_name")?,
                r.string("mcp_server")?,
                r.integer("bucket")?,
                r.integer("calls")?,
            ))
        })
        .await?
    {
        if let Some(k) = key(tool, server) {
            *sums
                .entry(k)
                .or_default()
                .counts
                .buckets
                .entry(bucket)
                .or_default() += calls;
        }
    }
    let mut session_ms = db
        .select(&TOTALS, &values![project, days.0, days.1], |r| {
            r.int("duration_ms")
        })
        .await?
        .pop()
        .flatten()
        .unwrap_or(0);
    for (a, b) in edges {
        let edge = values![project, a, b];
        for (tool, server, status, duration_ms, ts) in db
            .select(&EDGE_CALLS, &edge, |r| {
                Ok((
                    r.string("tool_name")?,
                    r.text("mcp_server")?.unwrap_or_default(),
                    r.string("status")?,
                    r.int("duration_ms")?,
                    r.integer("sort_ts")?,
                ))
            })
            .await?
        {
            if let Some(k) = key(tool, server) {
                let mut one = ToolCounts::default();
                one.count(&status, duration_ms);
                sums.entry(k)
                    .or_default()
                    .add(ts - ts.rem_euclid(DAY_MS), &one);
            }
        }
        session_ms += db
            .select(&SESSION_TOTALS, &edge, |r| r.int("duration_ms"))
            .await?
            .pop()
            .flatten()
            .unwrap_or(0);
    }
    let mut rows: Vec<ToolRow> = sums
        .into_iter()
        .filter(|(_, s)| s.counts.calls > 0)
        .map(|(name, s)| {
            let c = &s.counts;
            let timed: i64 = c.buckets.values().sum();
            ToolRow {
                calls: c.calls,
                failures: c.failures,
                error_rate: c.failures as f64 / c.calls.max(1) as f64,
                denials: c.denials,
                p50_ms: percentile(&c.buckets, timed, 50),
                p95_ms: percentile(&c.buckets, timed, 95),
                max_ms: c.max_ms,
                share_of_session_time: if session_ms > 0 {
                    c.duration_ms as f64 / session_ms as f64
                } else {
                    0.0
                },
                per_day: s
                    .days
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(day, n)| (Timestamp(*day), *n))
                    .collect(),
                name,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&DAYS, &BUCKETS, &EDGE_CALLS]);
    }
}
