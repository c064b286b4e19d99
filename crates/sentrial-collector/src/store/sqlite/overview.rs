//! Queries of the dashboard's aggregate views: a conversation, and the overview of a time range.

use rusqlite::{params, Connection, Row};

use super::read::{rows, SESSION_COLUMNS};
use crate::store::row;
use crate::store::{
    Bucket, Conversation, Group, Overview, OverviewQuery, StoreError, ToolStat, Totals,
    CONVERSATION_LIMIT,
};
use crate::time::Timestamp;

/// Rows of each ranking (agents, users).
///
/// Integer columns are summed with `TOTAL` (a float) and cast back, which saturates at
/// `i64::MAX`: SQLite's `SUM` fails the whole query with "integer overflow" instead, and a
/// single session reporting absurd counts must not take the overview down.
const TOP: usize = 10;

/// The sessions of `convo_id`, oldest first; `None` when the project has none.
pub fn conversation(
    conn: &Connection,
    project: &str,
    convo_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let (count, cost, tokens, duration): (i64, f64, i64, i64) = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(cost_usd), 0), CAST(TOTAL(total_tokens) AS INTEGER),
                    CAST(TOTAL(duration_ms) AS INTEGER)
             FROM sessions WHERE project_id = ?1 AND convo_id = ?2",
        )?
        .query_row(params![project, convo_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    if count == 0 {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = ?1 AND s.convo_id = ?2
         ORDER BY s.sort_ts, s.id LIMIT ?3"
    );
    let sessions = rows(
        conn,
        &sql,
        params![project, convo_id, CONVERSATION_LIMIT],
        row::session,
    )?;
    Ok(Some(Conversation {
        convo_id: convo_id.to_string(),
        session_count: count,
        total_cost_usd: cost,
        total_tokens: tokens,
        total_duration_ms: duration,
        sessions,
    }))
}

/// Sessions and cost over `q`'s range, by agent and user, and the tools' figures.
pub fn overview(
    conn: &Connection,
    project: &str,
    q: &OverviewQuery,
) -> Result<Overview, StoreError> {
    let range = params![project, q.from, q.to];
    let totals = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(status = 'failed'), 0),
                    COALESCE(SUM(status = 'running'), 0), COALESCE(SUM(cost_usd), 0),
                    CAST(TOTAL(total_tokens) AS INTEGER), AVG(duration_ms)
             FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3",
        )?
        .query_row(range, |r| {
            Ok(Totals {
                sessions: r.get(0)?,
                failed: r.get(1)?,
                running: r.get(2)?,
                cost_usd: r.get(3)?,
                total_tokens: r.get(4)?,
                avg_duration_ms: r.get(5)?,
            })
        })?;
    let series = conn
        .prepare_cached(
            "SELECT ((sort_ts - ?2) / ?4) * ?4 + ?2 AS b, COUNT(*),
                    COALESCE(SUM(status = 'failed'), 0), COALESCE(SUM(cost_usd), 0),
                    CAST(TOTAL(total_tokens) AS INTEGER)
             FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3
             GROUP BY b ORDER BY b",
        )?
        .query_map(params![project, q.from, q.to, q.bucket_ms], |r| {
            Ok(Bucket {
                start: Timestamp(r.get(0)?),
                sessions: r.get(1)?,
                failed: r.get(2)?,
                cost_usd: r.get(3)?,
                total_tokens: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let by_agent = groups(conn, "agent", project, q)?;
    let by_user = groups(conn, "user_id", project, q)?;
    // Tool calls count by their own start (an index range, no join); tools are few, so one
    // pass gives every tool and the rankings are made in memory.
    let all_tools = conn
        .prepare_cached(
            "SELECT tool_name, COUNT(*), COALESCE(SUM(status = 'error'), 0), AVG(duration_ms),
                    MAX(duration_ms)
             FROM tool_calls WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3
             GROUP BY tool_name",
        )?
        .query_map(range, |r| {
            Ok(ToolStat {
                tool_name: r.get(0)?,
                calls: r.get(1)?,
                failures: r.get(2)?,
                avg_duration_ms: r.get(3)?,
                max_duration_ms: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Overview::new(
        q, totals, series, by_agent, by_user, all_tools,
    ))
}

/// The top agents or users (`column`) of the range by number of sessions.
fn groups(
    conn: &Connection,
    column: &str,
    project: &str,
    q: &OverviewQuery,
) -> Result<Vec<Group>, StoreError> {
    let sql = format!(
        "SELECT {column}, COUNT(*), COALESCE(SUM(status = 'failed'), 0), COALESCE(SUM(cost_usd), 0)
         FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3
         GROUP BY {column} ORDER BY 2 DESC, 1 LIMIT {TOP}"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![project, q.from, q.to], group_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

fn group_from_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        key: r.get(0)?,
        sessions: r.get(1)?,
        failed: r.get(2)?,
        cost_usd: r.get(3)?,
    })
}
