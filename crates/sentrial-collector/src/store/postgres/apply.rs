//! Ingest into PostgreSQL: one transaction per batch, dedupe by event id, apply each new event.
//!
//! The rules are the SQLite store's (see `store/sqlite/apply.rs`): each session field is owned by
//! one kind of event and replaced only by an event with a greater ordering key, so the final state
//! does not depend on arrival order. Here that also makes concurrent collectors agree: every
//! upsert is one statement whose `WHERE` compares keys on the row as committed, and a duplicate
//! event id inserted by another collector waits for that collector's commit and is then skipped.

use std::borrow::Cow;

use deadpool_postgres::Transaction;
use sentrial_protocol::{IngestResponse, Payload, SessionStatus, ToolStatus};
use tokio_postgres::types::ToSql;

use super::text::Clean;
use crate::store::incoming::{clamp, kind, mcp_server, tool_error, Figures, Incoming, END_RANK};
use crate::store::StoreError;

/// Stores `events` for `project` in `tx`; the caller commits.
///
/// Three round trips whatever the batch size, plus the steps of the longest event: the session
/// locks; every event into the log in one statement, which says which ids were new; then the
/// new events' statements, pipelined on the connection (sent without waiting for each answer).
/// Their order does not matter: every write is keyed (see the module doc), and each event's own
/// statements still run in order.
pub async fn ingest(
    tx: &Transaction<'_>,
    project: &str,
    events: &[Incoming],
    now: i64,
) -> Result<IngestResponse, StoreError> {
    lock_sessions(tx, project, events).await?;
    // serde_json writes a NUL as `\u0000`: without one in the raw text there is none to clean.
    let cleaned: Vec<Cow<'_, sentrial_protocol::Event>> = events
        .iter()
        .map(|incoming| {
            if incoming.raw.contains("\\u0000") {
                Clean::event(&incoming.event)
            } else {
                Cow::Borrowed(&incoming.event)
            }
        })
        .collect();
    let ids: Vec<&str> = cleaned.iter().map(|e| e.id.as_str()).collect();
    let sessions: Vec<&str> = cleaned.iter().map(|e| e.session_id.as_str()).collect();
    let kinds: Vec<&str> = cleaned.iter().map(|e| kind(&e.payload)).collect();
    let ts: Vec<i64> = cleaned.iter().map(|e| e.ts).collect();
    let raw: Vec<&str> = events.iter().map(|e| e.raw.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO events (project_id, id, session_id, type, ts, received_at, payload)
             SELECT $1, u.id, u.session_id, u.type, u.ts, $2, u.payload
             FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
                  WITH ORDINALITY AS u (id, session_id, type, ts, payload, n)
             ORDER BY u.n
             ON CONFLICT (project_id, id) DO NOTHING
             RETURNING id",
        )
        .await?;
    let mut new: std::collections::HashSet<String> = tx
        .query(&stmt, &[&project, &now, &ids, &sessions, &kinds, &ts, &raw])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut out = IngestResponse::default();
    let mut writes = Vec::new();
    for (incoming, ev) in events.iter().zip(&cleaned) {
        // An id is new once: a second copy in the same batch is a duplicate.
        if !new.remove(&ev.id) {
            out.duplicates += 1;
            continue;
        }
        out.accepted += 1;
        // JSON text holds no raw NUL (it is escaped), so it is stored as made.
        writes.push(apply(tx, project, ev, &incoming.json, now));
    }
    futures_util::future::try_join_all(writes).await?;
    Ok(out)
}

/// Takes a transaction-scoped advisory lock on each session the batch touches, in one order for
/// everyone. Two collectors writing batches that share sessions then queue on the first shared
/// session instead of each locking rows the other needs next (a deadlock PostgreSQL would break
/// by aborting one of them). A batch's own order, which is the ingest order, is kept.
async fn lock_sessions(
    tx: &Transaction<'_>,
    project: &str,
    events: &[Incoming],
) -> Result<(), StoreError> {
    let mut keys: Vec<i64> = events
        .iter()
        .map(|e| session_lock_key(project, &e.event.session_id))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    run(
        tx,
        "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k ORDER BY k",
        &[&keys],
    )
    .await
}

/// A session's advisory lock key: 64 bits of SHA-256 over project and session id. Two sessions
/// sharing a key only wait for each other.
fn session_lock_key(project: &str, session_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(project.as_bytes());
    hasher.update([0u8]);
    hasher.update(session_id.as_bytes());
    let digest = hasher.finalize();
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

async fn run(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached(sql).await?;
    tx.execute(&stmt, params).await?;
    Ok(())
}

async fn apply(
    tx: &Transaction<'_>,
    project: &str,
    ev: &sentrial_protocol::Event,
    json: &[Option<String>; 3],
    now: i64,
) -> Result<(), StoreError> {
    let sid = &ev.session_id;
    match &ev.payload {
        Payload::SessionStart(s) => {
            run(
                tx,
                "INSERT INTO sessions AS o (project_id, id, sort_ts, received_at, agent, user_id,
                    convo_id, claude_session_id, model, input, metadata, started_at,
                    start_key_ts, start_key_id, resumed_from, forked_from, entry_point,
                    mcp_servers)
                 VALUES ($1, $2, $10, $3, $4, $5, $6, $7, $8, $9, $11, $10, $12, $13, $14, $15,
                    $16, $17)
                 ON CONFLICT (project_id, id) DO UPDATE SET
                    agent = excluded.agent, user_id = excluded.user_id,
                    convo_id = excluded.convo_id, claude_session_id = excluded.claude_session_id,
                    model = excluded.model, input = excluded.input, metadata = excluded.metadata,
                    started_at = excluded.started_at, sort_ts = excluded.sort_ts,
                    start_key_ts = excluded.start_key_ts, start_key_id = excluded.start_key_id,
                    resumed_from = excluded.resumed_from, forked_from = excluded.forked_from,
                    entry_point = excluded.entry_point, mcp_servers = excluded.mcp_servers
                 WHERE o.start_key_ts IS NULL
                    OR (excluded.start_key_ts, excluded.start_key_id)
                       > (o.start_key_ts, o.start_key_id)",
                &[
                    &project,
                    sid,
                    &now,
                    &s.agent,
                    &s.user_id,
                    &s.convo_id,
                    &s.claude_session_id,
                    &s.model,
                    &s.input,
                    &s.started_at,
                    &json[0],
                    &ev.ts,
                    &ev.id,
                    &s.resumed_from,
                    &s.forked_from,
                    &s.entry_point,
                    &json[1],
                ],
            )
            .await?;
        }
        Payload::SessionInput(i) => {
            ensure_session(tx, project, ev, now).await?;
            run(
                tx,
                "INSERT INTO session_inputs AS o (project_id, session_id, turn, text, key_ts,
                    key_id, position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (project_id, session_id, turn) DO UPDATE SET
                    text = excluded.text, key_ts = excluded.key_ts, key_id = excluded.key_id,
                    position = excluded.position
                 WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)",
                &[
                    &project,
                    sid,
                    &i64::from(i.turn),
                    &i.text,
                    &ev.ts,
                    &ev.id,
                    &i.position.map(i64::from),
                ],
            )
            .await?;
        }
        Payload::ToolCall(t) => {
            ensure_session(tx, project, ev, now).await?;
            let error = tool_error(t);
            let key_final = t.status != ToolStatus::NotCompleted;
            run(
                tx,
                "INSERT INTO tool_calls AS o (project_id, session_id, tool_use_id, tool_name, seq,
                    status, input, output, error, duration_ms, parent_tool_use_id, started_at,
                    ended_at, key_final, key_ts, key_id, updated_input, denied_by, mcp_server,
                    position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18, $19, $20)
                 ON CONFLICT (project_id, session_id, tool_use_id) DO UPDATE SET
                    tool_name = excluded.tool_name, seq = excluded.seq, status = excluded.status,
                    input = excluded.input, output = excluded.output,
                    error = CASE WHEN excluded.status = 'denied'
                                 THEN COALESCE(excluded.error, o.error) ELSE excluded.error END,
                    denied_by = CASE WHEN excluded.status = 'denied'
                                 THEN COALESCE(excluded.denied_by, o.denied_by)
                                 ELSE excluded.denied_by END,
                    duration_ms = excluded.duration_ms,
                    parent_tool_use_id = excluded.parent_tool_use_id,
                    started_at = excluded.started_at, ended_at = excluded.ended_at,
                    key_final = excluded.key_final, key_ts = excluded.key_ts,
                    key_id = excluded.key_id, updated_input = excluded.updated_input,
                    mcp_server = excluded.mcp_server, position = excluded.position
                 WHERE (excluded.key_final, excluded.key_ts, excluded.key_id)
                     > (o.key_final, o.key_ts, o.key_id)",
                &[
                    &project,
                    sid,
                    &t.tool_use_id,
                    &t.tool_name,
                    &i64::from(t.seq),
                    &t.status.as_str(),
                    &json[0],
                    &json[1],
                    &error,
                    &t.duration_ms.map(clamp),
                    &t.parent_tool_use_id,
                    &t.started_at,
                    &t.ended_at,
                    &key_final,
                    &ev.ts,
                    &ev.id,
                    &json[2],
                    &t.denied_by,
                    &mcp_server(&t.tool_name, t.mcp_server.as_deref()),
                    &t.position.map(i64::from),
                ],
            )
            .await?;
            if error.is_some() || t.denied_by.is_some() {
                // An older event than the stored one still gives a denied call the reason it
                // lacks.
                run(
                    tx,
                    "UPDATE tool_calls SET error = COALESCE(error, $4),
                        denied_by = COALESCE(denied_by, $5)
                     WHERE project_id = $1 AND session_id = $2 AND tool_use_id = $3
                       AND status = 'denied' AND ($6, $7, $8) < (key_final, key_ts, key_id)",
                    &[
                        &project,
                        sid,
                        &t.tool_use_id,
                        &error,
                        &t.denied_by,
                        &key_final,
                        &ev.ts,
                        &ev.id,
                    ],
                )
                .await?;
            }
        }
        Payload::ModelCall(m) => {
            ensure_session(tx, project, ev, now).await?;
            run(
                tx,
                "INSERT INTO model_calls AS o (project_id, session_id, message_id, model,
                    stop_reason, input_tokens, output_tokens, cache_read_tokens,
                    cache_creation_tokens, parent_tool_use_id, started_at, ended_at, key_ts,
                    key_id, output_tokens_final, ttft_ms, position, content)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18)
                 ON CONFLICT (project_id, session_id, message_id) DO UPDATE SET
                    model = excluded.model, stop_reason = excluded.stop_reason,
                    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
                    cache_read_tokens = excluded.cache_read_tokens,
                    cache_creation_tokens = excluded.cache_creation_tokens,
                    parent_tool_use_id = excluded.parent_tool_use_id,
                    started_at = excluded.started_at, ended_at = excluded.ended_at,
                    key_ts = excluded.key_ts, key_id = excluded.key_id,
                    output_tokens_final = excluded.output_tokens_final,
                    ttft_ms = excluded.ttft_ms, position = excluded.position,
                    content = excluded.content
                 WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)",
                &[
                    &project,
                    sid,
                    &m.message_id,
                    &m.model,
                    &m.stop_reason,
                    &clamp(m.input_tokens),
                    &clamp(m.output_tokens),
                    &clamp(m.cache_read_tokens),
                    &clamp(m.cache_creation_tokens),
                    &m.parent_tool_use_id,
                    &m.started_at,
                    &m.ended_at,
                    &ev.ts,
                    &ev.id,
                    &m.output_tokens_final,
                    &m.ttft_ms.map(clamp),
                    &m.position.map(i64::from),
                    &json[0],
                ],
            )
            .await?;
        }
        Payload::Subagent(a) => {
            ensure_session(tx, project, ev, now).await?;
            // Fields a record leaves out keep what an earlier or later record said; the status
            // is the latest record's.
            run(
                tx,
                "INSERT INTO subagents AS o (project_id, session_id, tool_use_id, agent_id,
                    agent_type, description, status, background, total_tokens, tool_uses,
                    duration_ms, summary, key_ts, key_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (project_id, session_id, tool_use_id) DO UPDATE SET
                    agent_id = COALESCE(o.agent_id, excluded.agent_id),
                    agent_type = COALESCE(o.agent_type, excluded.agent_type),
                    description = COALESCE(o.description, excluded.description),
                    background = o.background OR excluded.background,
                    status = CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)
                                  THEN excluded.status ELSE o.status END,
                    total_tokens = CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)
                                  THEN COALESCE(excluded.total_tokens, o.total_tokens)
                                  ELSE COALESCE(o.total_tokens, excluded.total_tokens) END,
                    tool_uses = CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)
                                  THEN COALESCE(excluded.tool_uses, o.tool_uses)
                                  ELSE COALESCE(o.tool_uses, excluded.tool_uses) END,
                    duration_ms = CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)
                                  THEN COALESCE(excluded.duration_ms, o.duration_ms)
                                  ELSE COALESCE(o.duration_ms, excluded.duration_ms) END,
                    summary = CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)
                                  THEN COALESCE(excluded.summary, o.summary)
                                  ELSE COALESCE(o.summary, excluded.summary) END,
                    key_ts = GREATEST(o.key_ts, excluded.key_ts),
                    key_id = CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)
                                  THEN excluded.key_id ELSE o.key_id END",
                &[
                    &project,
                    sid,
                    &a.tool_use_id,
                    &a.agent_id,
                    &a.agent_type,
                    &a.description,
                    &a.status,
                    &a.background,
                    &a.total_tokens.map(clamp),
                    &a.tool_uses.map(clamp),
                    &a.duration_ms.map(clamp),
                    &a.summary,
                    &ev.ts,
                    &ev.id,
                ],
            )
            .await?;
        }
        Payload::SessionResult(r) => {
            ensure_session(tx, project, ev, now).await?;
            run(
                tx,
                "INSERT INTO session_results AS o (project_id, session_id, idx, ts, subtype,
                    is_error, output, duration_ms, prompt_tokens, completion_tokens,
                    total_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, key_id,
                    position, terminal_reason, api_error_status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18)
                 ON CONFLICT (project_id, session_id, idx) DO UPDATE SET
                    ts = excluded.ts, subtype = excluded.subtype, is_error = excluded.is_error,
                    output = excluded.output, duration_ms = excluded.duration_ms,
                    prompt_tokens = excluded.prompt_tokens,
                    completion_tokens = excluded.completion_tokens,
                    total_tokens = excluded.total_tokens,
                    cache_read_tokens = excluded.cache_read_tokens,
                    cache_creation_tokens = excluded.cache_creation_tokens,
                    cost_usd = excluded.cost_usd, key_id = excluded.key_id,
                    position = excluded.position, terminal_reason = excluded.terminal_reason,
                    api_error_status = excluded.api_error_status
                 WHERE (excluded.ts, excluded.key_id) > (o.ts, o.key_id)",
                &[
                    &project,
                    sid,
                    &i64::from(r.index),
                    &ev.ts,
                    &r.subtype,
                    &r.is_error,
                    &r.output,
                    &clamp(r.duration_ms),
                    &clamp(r.usage.prompt_tokens),
                    &clamp(r.usage.completion_tokens),
                    &clamp(r.usage.total_tokens),
                    &clamp(r.usage.cache_read_tokens),
                    &clamp(r.usage.cache_creation_tokens),
                    &r.usage.cost_usd,
                    &ev.id,
                    &r.position.map(i64::from),
                    &r.terminal_reason,
                    &r.api_error_status.map(i64::from),
                ],
            )
            .await?;
            let figures = Figures::of_result(r, json);
            set_figures(tx, project, ev, i64::from(r.index), &figures).await?;
        }
        Payload::Marker(m) => {
            ensure_session(tx, project, ev, now).await?;
            run(
                tx,
                "INSERT INTO session_markers AS o (project_id, session_id, position, kind, at,
                    parent_tool_use_id, data, key_ts, key_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (project_id, session_id, position) DO UPDATE SET
                    kind = excluded.kind, at = excluded.at,
                    parent_tool_use_id = excluded.parent_tool_use_id, data = excluded.data,
                    key_ts = excluded.key_ts, key_id = excluded.key_id
                 WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)",
                &[
                    &project,
                    sid,
                    &i64::from(m.position),
                    &m.kind,
                    &m.at,
                    &m.parent_tool_use_id,
                    &json[0],
                    &ev.ts,
                    &ev.id,
                ],
            )
            .await?;
        }
        Payload::SessionEnd(e) => {
            ensure_session(tx, project, ev, now).await?;
            // An end never makes a session `running` again; it still carries its figures.
            let status = (e.status != SessionStatus::Running).then(|| e.status.as_str());
            run(
                tx,
                "UPDATE sessions SET status = COALESCE($3, status), failure_reason = $4,
                    ended_at = $5, results = $6, end_key_ts = $7, end_key_id = $8,
                    reconciliation = $9, end_reason = $10, api_error_status = $11
                 WHERE project_id = $1 AND id = $2
                   AND (end_key_ts IS NULL OR ($7, $8) > (end_key_ts, end_key_id))",
                &[
                    &project,
                    sid,
                    &status,
                    &e.failure_reason,
                    &e.ended_at,
                    &i64::from(e.results),
                    &ev.ts,
                    &ev.id,
                    &json[2],
                    &e.end_reason,
                    &e.api_error_status.map(i64::from),
                ],
            )
            .await?;
            set_figures(tx, project, ev, END_RANK, &Figures::of_end(e, json)).await?;
        }
    }
    Ok(())
}

/// Makes the session row exist (a placeholder, `running`, when the start has not arrived) and,
/// until the start arrives, keeps its sort time at the earliest event ts seen.
async fn ensure_session(
    tx: &Transaction<'_>,
    project: &str,
    ev: &sentrial_protocol::Event,
    now: i64,
) -> Result<(), StoreError> {
    run(
        tx,
        "INSERT INTO sessions AS o (project_id, id, sort_ts, received_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, id) DO UPDATE SET sort_ts = excluded.sort_ts
         WHERE o.started_at IS NULL AND excluded.sort_ts < o.sort_ts",
        &[&project, &ev.session_id, &ev.ts, &now],
    )
    .await
}

async fn set_figures(
    tx: &Transaction<'_>,
    project: &str,
    ev: &sentrial_protocol::Event,
    rank: i64,
    f: &Figures<'_>,
) -> Result<(), StoreError> {
    let u = f.usage;
    run(
        tx,
        "UPDATE sessions SET output = $3, duration_ms = $4, api_duration_ms = $5, num_turns = $6,
            prompt_tokens = $7, completion_tokens = $8, total_tokens = $9,
            cache_read_tokens = $10, cache_creation_tokens = $11, cost_usd = $12,
            cost_estimated = $13, model_usage = $14,
            fig_key_ts = $15, fig_key_rank = $16, fig_key_id = $17, carried = $18
         WHERE project_id = $1 AND id = $2
           AND (fig_key_ts IS NULL
                OR ($15, $16, $17) > (fig_key_ts, fig_key_rank, fig_key_id))",
        &[
            &project,
            &ev.session_id,
            &f.output,
            &f.duration_ms.map(clamp),
            &f.api_duration_ms.map(clamp),
            &f.num_turns.map(clamp),
            &clamp(u.prompt_tokens),
            &clamp(u.completion_tokens),
            &clamp(u.total_tokens),
            &clamp(u.cache_read_tokens),
            &clamp(u.cache_creation_tokens),
            &u.cost_usd,
            &u.cost_estimated,
            &f.model_usage,
            &ev.ts,
            &rank,
            &ev.id,
            &f.carried,
        ],
    )
    .await
}
