//! The dashboard's aggregate views on PostgreSQL: a conversation, and the overview of a range.
//!
//! Integer sums are `numeric` in PostgreSQL and cannot overflow; they are capped at `i64::MAX`
//! when read, as the SQLite store does.

use deadpool_postgres::Object;
use tokio_postgres::Row;

use super::read::SESSION_COLUMNS;
use super::text::Clean;
use crate::store::row;
use crate::store::{
    Bucket, Conversation, Group, Overview, OverviewQuery, StoreError, ToolStat, Totals,
    CONVERSATION_LIMIT,
};
use crate::time::Timestamp;

/// Rows of each ranking (agents, users); NULL keys first among equals, as SQLite orders them.
const TOP: i64 = 10;

/// A `numeric` sum as a capped bigint.
macro_rules! capped_sum {
    ($col:literal) => {
        concat!(
            "LEAST(COALESCE(SUM(",
            $col,
            "), 0), 9223372036854775807)::bigint"
        )
    };
}

/// The sessions of `convo_id`, oldest first; `None` when the project has none.
pub async fn conversation(
    conn: &Object,
    project: &str,
    convo_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let convo_id = Clean::text(convo_id);
    let convo: &str = &convo_id;
    let stmt = conn
        .prepare_cached(concat!(
            "SELECT COUNT(*), COALESCE(SUM(cost_usd), 0), ",
            capped_sum!("total_tokens"),
            ", ",
            capped_sum!("duration_ms"),
            " FROM sessions WHERE project_id = $1 AND convo_id = $2"
        ))
        .await?;
    let row = conn.query_one(&stmt, &[&project, &convo]).await?;
    let count: i64 = row.try_get(0)?;
    if count == 0 {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = $1 AND s.convo_id = $2
         ORDER BY s.sort_ts, s.id LIMIT $3"
    );
    let stmt = conn.prepare_cached(&sql).await?;
    let sessions = conn
        .query(&stmt, &[&project, &convo, &(CONVERSATION_LIMIT as i64)])
        .await?
        .iter()
        .map(|r| row::session(r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Conversation {
        convo_id: convo.to_string(),
        session_count: count,
        total_cost_usd: row.try_get(1)?,
        total_tokens: row.try_get(2)?,
        total_duration_ms: row.try_get(3)?,
        sessions,
    }))
}

/// Sessions and cost over `q`'s range, by agent and user, and the tools' figures.
pub async fn overview(
    conn: &Object,
    project: &str,
    q: &OverviewQuery,
) -> Result<Overview, StoreError> {
    let stmt = conn
        .prepare_cached(concat!(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'failed'),
                    COUNT(*) FILTER (WHERE status = 'running'), COALESCE(SUM(cost_usd), 0), ",
            capped_sum!("total_tokens"),
            ", AVG(duration_ms)::float8
             FROM sessions WHERE project_id = $1 AND sort_ts >= $2 AND sort_ts < $3"
        ))
        .await?;
    let r = conn.query_one(&stmt, &[&project, &q.from, &q.to]).await?;
    let totals = Totals {
        sessions: r.try_get(0)?,
        failed: r.try_get(1)?,
        running: r.try_get(2)?,
        cost_usd: r.try_get(3)?,
        total_tokens: r.try_get(4)?,
        avg_duration_ms: r.try_get(5)?,
    };
    let stmt = conn
        .prepare_cached(concat!(
            "SELECT ((sort_ts - $2) / $4) * $4 + $2 AS b, COUNT(*),
                    COUNT(*) FILTER (WHERE status = 'failed'), COALESCE(SUM(cost_usd), 0), ",
            capped_sum!("total_tokens"),
            " FROM sessions WHERE project_id = $1 AND sort_ts >= $2 AND sort_ts < $3
             GROUP BY b ORDER BY b"
        ))
        .await?;
    let series = conn
        .query(&stmt, &[&project, &q.from, &q.to, &q.bucket_ms])
        .await?
        .iter()
        .map(|r| {
            Ok(Bucket {
                start: Timestamp(r.try_get(0)?),
                sessions: r.try_get(1)?,
                failed: r.try_get(2)?,
                cost_usd: r.try_get(3)?,
                total_tokens: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let by_agent = groups(conn, "agent", project, q).await?;
    let by_user = groups(conn, "user_id", project, q).await?;
    let stmt = conn
        .prepare_cached(
            "SELECT tool_name, COUNT(*), COUNT(*) FILTER (WHERE status = 'error'),
                    AVG(duration_ms)::float8, MAX(duration_ms)
             FROM tool_calls WHERE project_id = $1 AND started_at >= $2 AND started_at < $3
             GROUP BY tool_name",
        )
        .await?;
    let all_tools = conn
        .query(&stmt, &[&project, &q.from, &q.to])
        .await?
        .iter()
        .map(|r| {
            Ok(ToolStat {
                tool_name: r.try_get(0)?,
                calls: r.try_get(1)?,
                failures: r.try_get(2)?,
                avg_duration_ms: r.try_get(3)?,
                max_duration_ms: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Overview::new(
        q, totals, series, by_agent, by_user, all_tools,
    ))
}

/// The top agents or users (`column`) of the range by number of sessions.
async fn groups(
    conn: &Object,
    column: &str,
    project: &str,
    q: &OverviewQuery,
) -> Result<Vec<Group>, StoreError> {
    let sql = format!(
        "SELECT {column}, COUNT(*), COUNT(*) FILTER (WHERE status = 'failed'),
                COALESCE(SUM(cost_usd), 0)
         FROM sessions WHERE project_id = $1 AND sort_ts >= $2 AND sort_ts < $3
         GROUP BY {column} ORDER BY 2 DESC, 1 NULLS FIRST LIMIT {TOP}"
    );
    let stmt = conn.prepare_cached(&sql).await?;
    conn.query(&stmt, &[&project, &q.from, &q.to])
        .await?
        .iter()
        .map(group_from_row)
        .collect()
}

fn group_from_row(r: &Row) -> Result<Group, StoreError> {
    Ok(Group {
        key: r.try_get(0)?,
        sessions: r.try_get(1)?,
        failed: r.try_get(2)?,
        cost_usd: r.try_get(3)?,
    })
}
