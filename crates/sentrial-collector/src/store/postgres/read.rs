//! Queries of the read API on PostgreSQL. Filters are bound parameters; only fixed SQL fragments
//! are joined. Answers are the SQLite store's, field for field (the shared store suite checks).

use deadpool_postgres::Object;
use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::text::Clean;
use crate::store::model::{escape_like, turns_from_results, ResultRow};
use crate::store::{
    EventRef, ListQuery, ModelCallRecord, SessionDetail, SessionPage, SessionRecord, StoreError,
    SubagentRecord, ToolCallRecord, TurnInput, TurnRecord,
};
use crate::time::Timestamp;

/// The columns [`session_from_row`] reads, in its order; `s` is the sessions table.
pub(super) const SESSION_COLUMNS: &str = "s.id, s.claude_session_id, s.agent, s.user_id,
    s.convo_id, s.status, s.failure_reason, s.started_at, s.ended_at, s.duration_ms,
    s.api_duration_ms, s.num_turns, s.model,
    COALESCE(s.input, (SELECT string_agg(i.text, E'\\n\\n' ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id)),
    s.output, s.metadata, s.prompt_tokens, s.completion_tokens, s.total_tokens,
    s.cache_read_tokens, s.cache_creation_tokens, s.cost_usd, s.cost_estimated, s.model_usage,
    s.results, s.received_at,
    (SELECT COUNT(*) FROM tool_calls t WHERE t.project_id = s.project_id AND t.session_id = s.id),
    s.sort_ts";

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
    rows.iter().map(session_from_row).collect()
}

/// One session with its inputs, tool calls, model calls and turns.
pub async fn get_session(
    conn: &Object,
    project: &str,
    id: &str,
) -> Result<Option<SessionDetail>, StoreError> {
    let id = Clean::text(id);
    let id: &str = &id;
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.project_id = $1 AND s.id = $2");
    let stmt = conn.prepare_cached(&sql).await?;
    let Some(row) = conn.query_opt(&stmt, &[&project, &id]).await? else {
        return Ok(None);
    };
    let session = session_from_row(&row)?;
    let stmt = conn
        .prepare_cached(
            "SELECT turn, text FROM session_inputs
             WHERE project_id = $1 AND session_id = $2 ORDER BY turn",
        )
        .await?;
    let inputs = conn
        .query(&stmt, &[&project, &id])
        .await?
        .iter()
        .map(|r| {
            Ok(TurnInput {
                turn: r.try_get(0)?,
                text: r.try_get(1)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let stmt = conn
        .prepare_cached(
            "SELECT t.tool_use_id, t.tool_name, t.seq, t.status, t.input, t.output, t.error,
                    t.duration_ms, t.parent_tool_use_id, t.started_at, t.ended_at,
                    a.status, a.agent_id, a.agent_type, a.description, a.background,
                    a.total_tokens, a.tool_uses, a.duration_ms, a.summary
             FROM tool_calls t
             LEFT JOIN subagents a ON a.project_id = t.project_id
                  AND a.session_id = t.session_id AND a.tool_use_id = t.tool_use_id
             WHERE t.project_id = $1 AND t.session_id = $2
             ORDER BY t.seq, t.started_at, t.tool_use_id",
        )
        .await?;
    let tool_calls = conn
        .query(&stmt, &[&project, &id])
        .await?
        .iter()
        .map(tool_call_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let stmt = conn
        .prepare_cached(
            "SELECT message_id, model, stop_reason, input_tokens, output_tokens,
                    cache_read_tokens, cache_creation_tokens, parent_tool_use_id, started_at,
                    ended_at
             FROM model_calls WHERE project_id = $1 AND session_id = $2
             ORDER BY started_at, message_id",
        )
        .await?;
    let model_calls = conn
        .query(&stmt, &[&project, &id])
        .await?
        .iter()
        .map(|r| {
            Ok(ModelCallRecord {
                message_id: r.try_get(0)?,
                model: r.try_get(1)?,
                stop_reason: r.try_get(2)?,
                input_tokens: r.try_get(3)?,
                output_tokens: r.try_get(4)?,
                cache_read_tokens: r.try_get(5)?,
                cache_creation_tokens: r.try_get(6)?,
                parent_tool_use_id: r.try_get(7)?,
                started_at: Timestamp(r.try_get(8)?),
                ended_at: Timestamp(r.try_get(9)?),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let turns = turns(conn, project, id, &session, &inputs).await?;
    let stmt = conn
        .prepare_cached("SELECT reconciliation FROM sessions WHERE project_id = $1 AND id = $2")
        .await?;
    let usage_reconciliation = match conn
        .query_one(&stmt, &[&project, &id])
        .await?
        .try_get::<_, Option<String>>(0)?
    {
        Some(text) => serde_json::from_str(&text)?,
        None => Value::Null,
    };
    Ok(Some(SessionDetail {
        session,
        inputs,
        tool_calls,
        model_calls,
        turns,
        usage_reconciliation,
    }))
}

fn tool_call_from_row(r: &Row) -> Result<ToolCallRecord, StoreError> {
    Ok(ToolCallRecord {
        tool_use_id: r.try_get(0)?,
        tool_name: r.try_get(1)?,
        seq: r.try_get(2)?,
        status: r.try_get(3)?,
        input: serde_json::from_str(r.try_get::<_, &str>(4)?)?,
        output: serde_json::from_str(r.try_get::<_, &str>(5)?)?,
        error: r.try_get(6)?,
        duration_ms: r.try_get(7)?,
        parent_tool_use_id: r.try_get(8)?,
        started_at: r.try_get::<_, Option<i64>>(9)?.map(Timestamp),
        ended_at: r.try_get::<_, Option<i64>>(10)?.map(Timestamp),
        subagent: match r.try_get::<_, Option<String>>(11)? {
            None => None,
            Some(status) => Some(SubagentRecord {
                status,
                agent_id: r.try_get(12)?,
                agent_type: r.try_get(13)?,
                description: r.try_get(14)?,
                background: r.try_get(15)?,
                total_tokens: r.try_get(16)?,
                tool_uses: r.try_get(17)?,
                duration_ms: r.try_get(18)?,
                summary: r.try_get(19)?,
            }),
        },
    })
}

/// The session's results as turns (see [`turns_from_results`]).
async fn turns(
    conn: &Object,
    project: &str,
    id: &str,
    session: &SessionRecord,
    inputs: &[TurnInput],
) -> Result<Vec<TurnRecord>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT idx, ts, subtype, is_error, output, duration_ms, prompt_tokens,
                    completion_tokens, total_tokens, cache_read_tokens, cache_creation_tokens,
                    cost_usd
             FROM session_results WHERE project_id = $1 AND session_id = $2 ORDER BY idx",
        )
        .await?;
    let rows = conn
        .query(&stmt, &[&project, &id])
        .await?
        .iter()
        .map(|r| {
            let mut figures = [0i64; 6];
            for (i, f) in figures.iter_mut().enumerate() {
                *f = r.try_get(5 + i)?;
            }
            Ok(ResultRow {
                index: r.try_get(0)?,
                ts: r.try_get(1)?,
                subtype: r.try_get(2)?,
                is_error: r.try_get(3)?,
                output: r.try_get(4)?,
                figures,
                cost_usd: r.try_get(11)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(turns_from_results(rows, session, inputs))
}

/// A session's events in ingest order; `None` when the project has no such session.
pub async fn session_events(
    conn: &Object,
    project: &str,
    id: &str,
) -> Result<Option<Vec<EventRef>>, StoreError> {
    let id = Clean::text(id);
    let id: &str = &id;
    let stmt = conn
        .prepare_cached("SELECT 1 FROM sessions WHERE project_id = $1 AND id = $2")
        .await?;
    if conn.query_opt(&stmt, &[&project, &id]).await?.is_none() {
        return Ok(None);
    }
    let stmt = conn
        .prepare_cached(
            "SELECT id, type, ts, seq FROM events
             WHERE project_id = $1 AND session_id = $2 ORDER BY seq",
        )
        .await?;
    let events = conn
        .query(&stmt, &[&project, &id])
        .await?
        .iter()
        .map(|r| {
            Ok(EventRef {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                ts: Timestamp(r.try_get(2)?),
                ingest_seq: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(events))
}

/// A session row read with [`SESSION_COLUMNS`].
pub(super) fn session_from_row(r: &Row) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: r.try_get(0)?,
        claude_session_id: r.try_get(1)?,
        agent: r.try_get(2)?,
        user_id: r.try_get(3)?,
        convo_id: r.try_get(4)?,
        status: r.try_get(5)?,
        failure_reason: r.try_get(6)?,
        started_at: r.try_get::<_, Option<i64>>(7)?.map(Timestamp),
        ended_at: r.try_get::<_, Option<i64>>(8)?.map(Timestamp),
        duration_ms: r.try_get(9)?,
        api_duration_ms: r.try_get(10)?,
        num_turns: r.try_get(11)?,
        model: r.try_get(12)?,
        input: r.try_get(13)?,
        output: r.try_get(14)?,
        metadata: json_object(r, 15)?,
        prompt_tokens: r.try_get(16)?,
        completion_tokens: r.try_get(17)?,
        total_tokens: r.try_get(18)?,
        cache_read_tokens: r.try_get(19)?,
        cache_creation_tokens: r.try_get(20)?,
        cost_usd: r.try_get(21)?,
        cost_estimated: r.try_get(22)?,
        model_usage: json_object(r, 23)?,
        results: r.try_get(24)?,
        received_at: Timestamp(r.try_get(25)?),
        tool_call_count: r.try_get(26)?,
        sort_ts: r.try_get(27)?,
    })
}

/// A JSON object column that is NULL until its event arrives; NULL reads as `{}`.
fn json_object(r: &Row, idx: usize) -> Result<Value, StoreError> {
    Ok(match r.try_get::<_, Option<&str>>(idx)? {
        Some(text) => serde_json::from_str(text)?,
        None => Value::Object(Default::default()),
    })
}
