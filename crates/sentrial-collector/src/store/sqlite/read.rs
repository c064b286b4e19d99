//! Queries of the read API. Filters are bound parameters; only fixed SQL fragments are joined.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Params};

use crate::store::lineage::CONTINUED_BY_LIMIT;
use crate::store::model::{escape_like, DetailRows};
use crate::store::queries;
use crate::store::row::{self, Columns};
use crate::store::{EventRef, ListQuery, SessionDetail, SessionPage, StoreError};

/// The columns [`row::session`] reads; `s` is the sessions table.
pub(super) const SESSION_COLUMNS: &str = "s.id, s.claude_session_id, s.agent, s.user_id,
    s.convo_id, s.status, s.failure_reason, s.end_reason, s.api_error_status, s.resumed_from,
    s.forked_from, s.entry_point, s.mcp_servers, s.started_at, s.ended_at, s.duration_ms,
    s.api_duration_ms, s.num_turns, s.model,
    COALESCE(s.input, (SELECT group_concat(i.text, char(10) || char(10) ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id)) AS input,
    s.output, s.metadata, s.prompt_tokens, s.completion_tokens, s.total_tokens,
    s.cache_read_tokens, s.cache_creation_tokens, s.cost_usd, s.cost_estimated, s.model_usage,
    s.carried, s.results, s.received_at,
    (SELECT COUNT(*) FROM tool_calls t
     WHERE t.project_id = s.project_id AND t.session_id = s.id) AS tool_call_count,
    s.sort_ts";

/// One page of a project's sessions, newest first.
pub fn list_sessions(
    conn: &Connection,
    project: &str,
    q: &ListQuery,
) -> Result<SessionPage, StoreError> {
    let mut sql = format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = ?");
    let mut args: Vec<SqlValue> = vec![project.to_string().into()];
    let filters = [
        ("s.user_id", q.user_id.clone()),
        ("s.agent", q.agent.clone()),
        ("s.convo_id", q.convo_id.clone()),
        ("s.status", q.status.map(|s| s.as_str().to_string())),
        ("s.end_reason", q.end_reason.clone()),
        ("s.claude_session_id", q.claude_session_id.clone()),
    ];
    for (column, value) in filters {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ?"));
            args.push(value.into());
        }
    }
    if let Some(from) = q.from {
        sql.push_str(" AND s.sort_ts >= ?");
        args.push(from.into());
    }
    if let Some(to) = q.to {
        sql.push_str(" AND s.sort_ts < ?");
        args.push(to.into());
    }
    if let Some(text) = &q.text {
        // Trigram FTS: a quoted phrase matches that substring anywhere, case-insensitively, once
        // it has three characters; shorter text falls back to LIKE over the same index table.
        if text.chars().count() >= 3 {
            sql.push_str(
                " AND s.rowid IN (SELECT rowid FROM session_text WHERE session_text MATCH ?)",
            );
            args.push(format!("\"{}\"", text.replace('"', "\"\"")).into());
        } else {
            sql.push_str(
                " AND s.rowid IN (SELECT rowid FROM session_text WHERE text LIKE ? ESCAPE '\\')",
            );
            args.push(format!("%{}%", escape_like(text)).into());
        }
    }
    if let Some(after) = &q.after {
        sql.push_str(" AND (s.sort_ts, s.id) < (?, ?)");
        args.push(after.sort_ts.into());
        args.push(after.id.clone().into());
    }
    sql.push_str(" ORDER BY s.sort_ts DESC, s.id DESC LIMIT ?");
    args.push(i64::from(q.limit + 1).into());
    let sessions = rows(conn, &sql, params_from_iter(args), row::session)?;
    Ok(SessionPage::from_rows(sessions, q.limit))
}

/// Every row `sql` answers for `params`, made by `make`.
pub(super) fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    make: fn(&dyn Columns) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    conn.prepare_cached(sql)?
        .query_and_then(params, |r| make(r))?
        .collect()
}

/// One session with everything it holds.
pub fn get_session(
    conn: &Connection,
    project: &str,
    id: &str,
) -> Result<Option<SessionDetail>, StoreError> {
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = ?1 AND s.id = ?2");
    let Some(session) = rows(conn, &sql, params![project, id], row::session)?.pop() else {
        return Ok(None);
    };
    let key = params![project, id];
    let (previous_of, continued_of) = crate::store::lineage::Lineage::lookups(&session);
    let previous = match previous_of {
        Some(c) => rows(
            conn,
            queries::PREVIOUS_RUN,
            params![project, c, session.sort_ts, id],
            row::run,
        )?
        .pop(),
        None => None,
    };
    let continued_by = match continued_of {
        Some(c) => rows(
            conn,
            queries::CONTINUED_BY,
            params![project, c, session.sort_ts, id, CONTINUED_BY_LIMIT],
            row::run,
        )?,
        None => Vec::new(),
    };
    let reconciliation = conn
        .prepare_cached(queries::RECONCILIATION)?
        .query_row(key, |r| r.get::<_, Option<String>>("reconciliation"))?;
    let rows = DetailRows {
        inputs: rows(conn, queries::INPUTS, key, row::input)?,
        tool_calls: rows(conn, queries::TOOL_CALLS, key, row::tool_call)?,
        model_calls: rows(conn, queries::MODEL_CALLS, key, row::model_call)?,
        results: rows(conn, queries::RESULTS, key, row::result)?,
        markers: rows(conn, queries::MARKERS, key, row::marker)?,
        reconciliation,
        session,
        previous,
        continued_by,
    };
    Ok(Some(rows.assemble()?))
}

/// A session's events in ingest order; `None` when the project has no such session.
pub fn session_events(
    conn: &Connection,
    project: &str,
    id: &str,
) -> Result<Option<Vec<EventRef>>, StoreError> {
    let exists = conn
        .prepare_cached(queries::EXISTS)?
        .query_row(params![project, id], |_| Ok(()))
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    Ok(Some(rows(
        conn,
        queries::EVENTS,
        params![project, id],
        row::event,
    )?))
}
