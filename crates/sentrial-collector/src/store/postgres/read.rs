//! Queries of the read API on PostgreSQL. Filters are bound parameters; only fixed SQL fragments
//! are joined. Answers are the SQLite store's, field for field (the shared store suite checks):
//! the queries both run alike are `store/queries.rs`'s, numbered here for PostgreSQL.

use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;

use super::text::Clean;
use crate::store::lineage::{Lineage, RunRow, CONTINUED_BY_LIMIT};
use crate::store::model::{escape_like, DetailRows};
use crate::store::queries;
use crate::store::row::{self, Columns};
use crate::store::{EventRef, ListQuery, SessionDetail, SessionPage, SessionRecord, StoreError};

/// The columns [`row::session`] reads; `s` is the sessions table.
pub(super) const SESSION_COLUMNS: &str = "s.id, s.claude_session_id, s.agent, s.user_id,
    s.convo_id, s.status, s.failure_reason, s.end_reason, s.api_error_status, s.resumed_from,
    s.forked_from, s.entry_point, s.mcp_servers, s.started_at, s.ended_at, s.duration_ms,
    s.api_duration_ms, s.num_turns, s.model,
    COALESCE(s.input, (SELECT string_agg(i.text, E'\\n\\n' ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id)) AS input,
    s.output, s.metadata, s.prompt_tokens, s.completion_tokens, s.total_tokens,
    s.cache_read_tokens, s.cache_creation_tokens, s.cost_usd, s.cost_estimated, s.model_usage,
    s.carried, s.results, s.received_at,
    (SELECT COUNT(*) FROM tool_calls t
     WHERE t.project_id = s.project_id AND t.session_id = s.id) AS tool_call_count,
    s.sort_ts";

/// A query of `store/queries.rs` with PostgreSQL's parameters: `?1` becomes `$1`.
fn numbered(sql: &str) -> String {
    sql.replace('?', "$")
}

/// Every row `sql` answers for `params`, made by `make`.
pub(super) async fn rows<T>(
    conn: &Object,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    make: fn(&dyn Columns) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let stmt = conn.prepare_cached(sql).await?;
    conn.query(&stmt, params)
        .await?
        .iter()
        .map(|r| make(r))
        .collect()
}

/// Where a text search looks: each is its own query, so the planner can pick, per pattern,
/// between a trigram index (a rare text) and walking the newest-first index (a common one).
#[derive(Clone, Copy, PartialEq)]
enum TextArm {
    /// The session's input and output (the trigram index's expression).
    InputOutput,
    /// The streamed turns of a session that has no input (a partial index holds those).
    StreamedTurns,
}

/// One page of a project's sessions, newest first.
pub async fn list_sessions(
    conn: &Object,
    project: &str,
    q: &ListQuery,
) -> Result<SessionPage, StoreError> {
    let sessions = match &q.text {
        None => page_rows(conn, project, q, None).await?,
        Some(_) => {
            let mut rows = page_rows(conn, project, q, Some(TextArm::InputOutput)).await?;
            rows.extend(page_rows(conn, project, q, Some(TextArm::StreamedTurns)).await?);
            rows.sort_by(|a, b| (b.sort_ts, &b.id).cmp(&(a.sort_ts, &a.id)));
            rows.dedup_by(|a, b| a.id == b.id);
            rows.truncate(q.limit as usize + 1);
            rows
        }
    };
    Ok(SessionPage::from_rows(sessions, q.limit))
}

/// Up to `q.limit + 1` sessions matching `q`, newest first; with `arm`, those whose text there
/// matches `q.text`.
async fn page_rows(
    conn: &Object,
    project: &str,
    q: &ListQuery,
    arm: Option<TextArm>,
) -> Result<Vec<SessionRecord>, StoreError> {
    let mut sql = format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = $1");
    let mut args: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(project.to_string())];
    // Appends `fragment` with each `?` bound to `value` (the same parameter when it is repeated).
    let mut bind = |sql: &mut String, fragment: &str, value: Box<dyn ToSql + Sync + Send>| {
        args.push(value);
        sql.push_str(&fragment.replace('?', &format!("${}", args.len())));
    };
    let filters = [
        ("s.user_id", &q.user_id),
        ("s.agent", &q.agent),
        ("s.convo_id", &q.convo_id),
        ("s.end_reason", &q.end_reason),
        ("s.claude_session_id", &q.claude_session_id),
    ];
    for (column, value) in filters {
        if let Some(value) = value {
            let text = Clean::text(value).into_owned();
            bind(&mut sql, &format!(" AND {column} = ?"), Box::new(text));
        }
    }
    if let Some(status) = q.status {
        bind(&mut sql, " AND s.status = ?", Box::new(status.as_str()));
    }
    if let Some(from) = q.from {
        bind(&mut sql, " AND s.sort_ts >= ?", Box::new(from));
    }
    if let Some(to) = q.to {
        bind(&mut sql, " AND s.sort_ts < ?", Box::new(to));
    }
    if let (Some(arm), Some(text)) = (arm, &q.text) {
        let pattern = format!("%{}%", escape_like(&Clean::text(text)));
        let fragment = match arm {
            TextArm::InputOutput => {
                " AND (COALESCE(s.input, '') || E'\\n' || COALESCE(s.output, '')) ILIKE ?"
            }
            TextArm::StreamedTurns => {
                " AND s.input IS NULL AND EXISTS (
                     SELECT 1 FROM session_inputs i
                     WHERE i.project_id = s.project_id AND i.session_id = s.id
                       AND i.text ILIKE ?)"
            }
        };
        bind(&mut sql, fragment, Box::new(pattern));
    }
    if let Some(after) = &q.after {
        bind(
            &mut sql,
            " AND (s.sort_ts, s.id) < (?",
            Box::new(after.sort_ts),
        );
        let id = Clean::text(&after.id).into_owned();
        bind(&mut sql, ", ?)", Box::new(id));
    }
    bind(
        &mut sql,
        " ORDER BY s.sort_ts DESC, s.id DESC LIMIT ?",
        Box::new(i64::from(q.limit) + 1),
    );
    let params: Vec<&(dyn ToSql + Sync)> = args
        .iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let rows = if arm.is_some() {
        // Planned for this pattern each time: a cached generic plan cannot tell a rare text
        // from a common one.
        conn.query(sql.as_str(), &params).await?
    } else {
        let stmt = conn.prepare_cached(&sql).await?;
        conn.query(&stmt, &params).await?
    };
    rows.iter().map(|r| row::session(r)).collect()
}

/// One session with everything it holds.
pub async fn get_session(
    conn: &Object,
    project: &str,
    id: &str,
) -> Result<Option<SessionDetail>, StoreError> {
    let id = Clean::text(id);
    let id: &str = &id;
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = $1 AND s.id = $2");
    let Some(session) = rows(conn, &sql, &[&project, &id], row::session)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let key: &[&(dyn ToSql + Sync)] = &[&project, &id];
    let (previous, continued_by) = lineage(conn, project, &session).await?;
    let stmt = conn
        .prepare_cached(&numbered(queries::RECONCILIATION))
        .await?;
    let reconciliation = conn
        .query_one(&stmt, key)
        .await?
        .try_get("reconciliation")?;
    let rows = DetailRows {
        inputs: rows(conn, &numbered(queries::INPUTS), key, row::input).await?,
        tool_calls: rows(conn, &numbered(queries::TOOL_CALLS), key, row::tool_call).await?,
        model_calls: rows(conn, &numbered(queries::MODEL_CALLS), key, row::model_call).await?,
        results: rows(conn, &numbered(queries::RESULTS), key, row::result).await?,
        markers: rows(conn, &numbered(queries::MARKERS), key, row::marker).await?,
        reconciliation,
        session,
        previous,
        continued_by,
    };
    Ok(Some(rows.assemble()?))
}

/// The runs [`Lineage::from_rows`] needs for `session`.
async fn lineage(
    conn: &Object,
    project: &str,
    session: &SessionRecord,
) -> Result<(Option<RunRow>, Vec<RunRow>), StoreError> {
    let (previous_of, continued_of) = Lineage::lookups(session);
    let id: &str = &session.id;
    let previous = match previous_of.map(Clean::text) {
        Some(c) => {
            let c: &str = &c;
            rows(
                conn,
                &numbered(queries::PREVIOUS_RUN),
                &[&project, &c, &session.sort_ts, &id],
                row::run,
            )
            .await?
            .pop()
        }
        None => None,
    };
    let continued_by = match continued_of.map(Clean::text) {
        Some(c) => {
            let c: &str = &c;
            rows(
                conn,
                &numbered(queries::CONTINUED_BY),
                &[
                    &project,
                    &c,
                    &session.sort_ts,
                    &id,
                    &i64::from(CONTINUED_BY_LIMIT),
                ],
                row::run,
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok((previous, continued_by))
}

/// A session's events in ingest order; `None` when the project has no such session.
pub async fn session_events(
    conn: &Object,
    project: &str,
    id: &str,
) -> Result<Option<Vec<EventRef>>, StoreError> {
    let id = Clean::text(id);
    let id: &str = &id;
    let key: &[&(dyn ToSql + Sync)] = &[&project, &id];
    let stmt = conn.prepare_cached(&numbered(queries::EXISTS)).await?;
    if conn.query_opt(&stmt, key).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        rows(conn, &numbered(queries::EVENTS), key, row::event).await?,
    ))
}
