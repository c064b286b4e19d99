//! Queries of the read API. Filters are bound parameters; only fixed SQL fragments are joined.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde_json::Value;

use crate::store::model::{escape_like, turns_from_results, ResultRow};
use crate::store::{
    EventRef, ListQuery, ModelCallRecord, SessionDetail, SessionPage, SessionRecord, StoreError,
    SubagentRecord, ToolCallRecord, TurnInput, TurnRecord,
};
use crate::time::Timestamp;

/// The columns [`session_from_row`] reads, in its order; `s` is the sessions table.
pub(super) const SESSION_COLUMNS: &str =
    "s.id, s.claude_session_id, s.agent, s.user_id, s.convo_id,
    s.status, s.failure_reason, s.started_at, s.ended_at, s.duration_ms, s.api_duration_ms,
    s.num_turns, s.model,
    COALESCE(s.input, (SELECT group_concat(i.text, char(10) || char(10) ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id)),
    s.output, s.metadata, s.prompt_tokens, s.completion_tokens, s.total_tokens,
    s.cache_read_tokens, s.cache_creation_tokens, s.cost_usd, s.cost_estimated, s.model_usage,
    s.results, s.received_at,
    (SELECT COUNT(*) FROM tool_calls t WHERE t.project_id = s.project_id AND t.session_id = s.id),
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

    let mut stmt = conn.prepare_cached(&sql)?;
    let sessions = stmt
        .query_map(params_from_iter(args), session_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SessionPage::from_rows(sessions, q.limit))
}

/// One session with its inputs and tool calls.
pub fn get_session(
    conn: &Connection,
    project: &str,
    id: &str,
) -> Result<Option<SessionDetail>, StoreError> {
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = ?1 AND s.id = ?2");
    let Some(session) = conn
        .prepare_cached(&sql)?
        .query_row(params![project, id], session_from_row)
        .optional()?
    else {
        return Ok(None);
    };
    let inputs = conn
        .prepare_cached(
            "SELECT turn, text FROM session_inputs
             WHERE project_id = ?1 AND session_id = ?2 ORDER BY turn",
        )?
        .query_map(params![project, id], |r| {
            Ok(TurnInput {
                turn: r.get(0)?,
                text: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let tool_calls = conn
        .prepare_cached(
            "SELECT t.tool_use_id, t.tool_name, t.seq, t.status, t.input, t.output, t.error,
                    t.duration_ms, t.parent_tool_use_id, t.started_at, t.ended_at,
                    a.status, a.agent_id, a.agent_type, a.description, a.background,
                    a.total_tokens, a.tool_uses, a.duration_ms, a.summary
             FROM tool_calls t
             LEFT JOIN subagents a ON a.project_id = t.project_id
                  AND a.session_id = t.session_id AND a.tool_use_id = t.tool_use_id
             WHERE t.project_id = ?1 AND t.session_id = ?2
             ORDER BY t.seq, t.started_at, t.tool_use_id",
        )?
        .query_map(params![project, id], |r| {
            Ok(ToolCallRecord {
                tool_use_id: r.get(0)?,
                tool_name: r.get(1)?,
                seq: r.get(2)?,
                status: r.get(3)?,
                input: json_column(r, 4)?,
                output: json_column(r, 5)?,
                error: r.get(6)?,
                duration_ms: r.get(7)?,
                parent_tool_use_id: r.get(8)?,
                started_at: r.get::<_, Option<i64>>(9)?.map(Timestamp),
                ended_at: r.get::<_, Option<i64>>(10)?.map(Timestamp),
                subagent: match r.get::<_, Option<String>>(11)? {
                    None => None,
                    Some(status) => Some(SubagentRecord {
                        status,
                        agent_id: r.get(12)?,
                        agent_type: r.get(13)?,
                        description: r.get(14)?,
                        background: r.get(15)?,
                        total_tokens: r.get(16)?,
                        tool_uses: r.get(17)?,
                        duration_ms: r.get(18)?,
                        summary: r.get(19)?,
                    }),
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let model_calls = conn
        .prepare_cached(
            "SELECT message_id, model, stop_reason, input_tokens, output_tokens,
                    cache_read_tokens, cache_creation_tokens, parent_tool_use_id, started_at,
                    ended_at
             FROM model_calls WHERE project_id = ?1 AND session_id = ?2
             ORDER BY started_at, message_id",
        )?
        .query_map(params![project, id], |r| {
            Ok(ModelCallRecord {
                message_id: r.get(0)?,
                model: r.get(1)?,
                stop_reason: r.get(2)?,
                input_tokens: r.get(3)?,
                output_tokens: r.get(4)?,
                cache_read_tokens: r.get(5)?,
                cache_creation_tokens: r.get(6)?,
                parent_tool_use_id: r.get(7)?,
                started_at: Timestamp(r.get(8)?),
                ended_at: Timestamp(r.get(9)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let turns = turns(conn, project, id, &session, &inputs)?;
    let usage_reconciliation = conn
        .prepare_cached("SELECT reconciliation FROM sessions WHERE project_id = ?1 AND id = ?2")?
        .query_row(params![project, id], |r| r.get::<_, Option<String>>(0))?
        .map_or(Ok(Value::Null), |text| parse_json(0, &text))?;
    Ok(Some(SessionDetail {
        session,
        inputs,
        tool_calls,
        model_calls,
        turns,
        usage_reconciliation,
    }))
}

/// The session's results as turns (see [`turns_from_results`]).
fn turns(
    conn: &Connection,
    project: &str,
    id: &str,
    session: &SessionRecord,
    inputs: &[TurnInput],
) -> Result<Vec<TurnRecord>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT idx, ts, subtype, is_error, output, duration_ms, prompt_tokens,
                    completion_tokens, total_tokens, cache_read_tokens, cache_creation_tokens,
                    cost_usd
             FROM session_results WHERE project_id = ?1 AND session_id = ?2 ORDER BY idx",
        )?
        .query_map(params![project, id], |r| {
            let mut figures = [0i64; 6];
            for (i, f) in figures.iter_mut().enumerate() {
                *f = r.get(5 + i)?;
            }
            Ok(ResultRow {
                index: r.get(0)?,
                ts: r.get(1)?,
                subtype: r.get(2)?,
                is_error: r.get(3)?,
                output: r.get(4)?,
                figures,
                cost_usd: r.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(turns_from_results(rows, session, inputs))
}

/// A session's events in ingest order; `None` when the project has no such session.
pub fn session_events(
    conn: &Connection,
    project: &str,
    id: &str,
) -> Result<Option<Vec<EventRef>>, StoreError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM sessions WHERE project_id = ?1 AND id = ?2")?
        .exists(params![project, id])?;
    if !exists {
        return Ok(None);
    }
    let events = conn
        .prepare_cached(
            "SELECT id, type, ts, seq FROM events
             WHERE project_id = ?1 AND session_id = ?2 ORDER BY seq",
        )?
        .query_map(params![project, id], |r| {
            Ok(EventRef {
                id: r.get(0)?,
                kind: r.get(1)?,
                ts: Timestamp(r.get(2)?),
                ingest_seq: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(events))
}

pub(super) fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(0)?,
        claude_session_id: r.get(1)?,
        agent: r.get(2)?,
        user_id: r.get(3)?,
        convo_id: r.get(4)?,
        status: r.get(5)?,
        failure_reason: r.get(6)?,
        started_at: r.get::<_, Option<i64>>(7)?.map(Timestamp),
        ended_at: r.get::<_, Option<i64>>(8)?.map(Timestamp),
        duration_ms: r.get(9)?,
        api_duration_ms: r.get(10)?,
        num_turns: r.get(11)?,
        model: r.get(12)?,
        input: r.get(13)?,
        output: r.get(14)?,
        metadata: json_object(r, 15)?,
        prompt_tokens: r.get(16)?,
        completion_tokens: r.get(17)?,
        total_tokens: r.get(18)?,
        cache_read_tokens: r.get(19)?,
        cache_creation_tokens: r.get(20)?,
        cost_usd: r.get(21)?,
        cost_estimated: r.get(22)?,
        model_usage: json_object(r, 23)?,
        results: r.get(24)?,
        received_at: Timestamp(r.get(25)?),
        tool_call_count: r.get(26)?,
        sort_ts: r.get(27)?,
    })
}

/// A JSON column that is always set.
fn json_column(r: &Row<'_>, idx: usize) -> rusqlite::Result<Value> {
    let text: String = r.get(idx)?;
    parse_json(idx, &text)
}

/// A JSON object column that is NULL until its event arrives; NULL reads as `{}`.
fn json_object(r: &Row<'_>, idx: usize) -> rusqlite::Result<Value> {
    match r.get::<_, Option<String>>(idx)? {
        Some(text) => parse_json(idx, &text),
        None => Ok(Value::Object(Default::default())),
    }
}

fn parse_json(idx: usize, text: &str) -> rusqlite::Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}
