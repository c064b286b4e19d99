//! Ingest: one transaction per batch, dedupe by event id, apply each new event.
//!
//! Each session field is owned by one kind of event, and a stored value is replaced only by an
//! event with a greater ordering key, so the final state is the same for any arrival order:
//! - start fields: key `(ts, id)` of the `session_start`;
//! - status, failure_reason, ended_at, results: key `(ts, id)` of the `session_end`;
//! - figures (output, durations, turns, usage): key `(ts, rank, id)`, rank = a result's index,
//!   2^32 for an end, so the end's figures win over a result of the same ts;
//! - carried usage is a figure too; end_reason and api_error_status are the end's;
//! - a tool call: key `(status != not_completed, ts, id)`, except a denied call's reason: when
//!   the call's status ends up `denied`, `error` and `denied_by` are each the newest non-null
//!   value of the stored row and the incoming event, so a denial that names no reason never
//!   erases one, whichever arrives first (an older event still adds its reason);
//! - a session input, a model call, a marker: key `(ts, id)` per turn, message id, position.

use rusqlite::{params, Connection};
use sentrial_protocol::{Event, IngestResponse, Payload, SessionStatus, ToolStatus};

use crate::store::incoming::{clamp, kind, mcp_server, tool_error, Figures, Incoming, END_RANK};
use crate::store::StoreError;

/// Stores `events` for `project_id` in `tx`; the caller commits.
pub fn ingest(
    tx: &Connection,
    project_id: &str,
    events: &[Incoming],
    now: i64,
) -> Result<IngestResponse, StoreError> {
    let mut insert_event = tx.prepare_cached(
        "INSERT INTO events (project_id, id, session_id, type, ts, received_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (project_id, id) DO NOTHING",
    )?;
    let mut out = IngestResponse::default();
    for Incoming { event, raw, json } in events {
        let stored = insert_event.execute(params![
            project_id,
            event.id,
            event.session_id,
            kind(&event.payload),
            event.ts,
            now,
            raw
        ])?;
        if stored == 0 {
            out.duplicates += 1;
            continue;
        }
        out.accepted += 1;
        apply(tx, project_id, event, json, now)?;
    }
    Ok(out)
}

fn apply(
    tx: &Connection,
    project: &str,
    ev: &Event,
    json: &[Option<String>; 3],
    now: i64,
) -> Result<(), StoreError> {
    let sid = &ev.session_id;
    match &ev.payload {
        Payload::SessionStart(s) => {
            tx.prepare_cached(
                "INSERT INTO sessions (project_id, id, sort_ts, received_at, agent, user_id,
                    convo_id, claude_session_id, model, input, metadata, started_at,
                    start_key_ts, start_key_id, resumed_from, forked_from, entry_point,
                    mcp_servers)
                 VALUES (?1, ?2, ?10, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11, ?10, ?12, ?13, ?14, ?15,
                    ?16, ?17)
                 ON CONFLICT (project_id, id) DO UPDATE SET
                    agent = excluded.agent, user_id = excluded.user_id,
                    convo_id = excluded.convo_id, claude_session_id = excluded.claude_session_id,
                    model = excluded.model, input = excluded.input, metadata = excluded.metadata,
                    started_at = excluded.started_at, sort_ts = excluded.sort_ts,
                    start_key_ts = excluded.start_key_ts, start_key_id = excluded.start_key_id,
                    resumed_from = excluded.resumed_from, forked_from = excluded.forked_from,
                    entry_point = excluded.entry_point, mcp_servers = excluded.mcp_servers
                 WHERE start_key_ts IS NULL
                    OR (excluded.start_key_ts, excluded.start_key_id) > (start_key_ts, start_key_id)",
            )?
            .execute(params![
                project,
                sid,
                now,
                s.agent,
                s.user_id,
                s.convo_id,
                s.claude_session_id,
                s.model,
                s.input,
                s.started_at,
                json[0],
                ev.ts,
                ev.id,
                s.resumed_from,
                s.forked_from,
                s.entry_point,
                json[1]
            ])?;
        }
        Payload::SessionInput(i) => {
            ensure_session(tx, project, ev, now)?;
            tx.prepare_cached(
                "INSERT INTO session_inputs (project_id, session_id, turn, text, key_ts, key_id,
                    position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (project_id, session_id, turn) DO UPDATE SET
                    text = excluded.text, key_ts = excluded.key_ts, key_id = excluded.key_id,
                    position = excluded.position
                 WHERE (excluded.key_ts, excluded.key_id) > (key_ts, key_id)",
            )?
            .execute(params![
                project, sid, i.turn, i.text, ev.ts, ev.id, i.position
            ])?;
        }
        Payload::ToolCall(t) => {
            ensure_session(tx, project, ev, now)?;
            let error = tool_error(t);
            let key_final = t.status != ToolStatus::NotCompleted;
            tx.prepare_cached(
                "INSERT INTO tool_calls (project_id, session_id, tool_use_id, tool_name, seq,
                    status, input, output, error, duration_ms, parent_tool_use_id, started_at,
                    ended_at, key_final, key_ts, key_id, updated_input, denied_by, mcp_server,
                    position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18, ?19, ?20)
                 ON CONFLICT (project_id, session_id, tool_use_id) DO UPDATE SET
                    tool_name = excluded.tool_name, seq = excluded.seq, status = excluded.status,
                    input = excluded.input, output = excluded.output,
                    error = CASE WHEN excluded.status = 'denied'
                                 THEN COALESCE(excluded.error, error) ELSE excluded.error END,
                    denied_by = CASE WHEN excluded.status = 'denied'
                                 THEN COALESCE(excluded.denied_by, denied_by)
                                 ELSE excluded.denied_by END,
                    duration_ms = excluded.duration_ms,
                    parent_tool_use_id = excluded.parent_tool_use_id,
                    started_at = excluded.started_at, ended_at = excluded.ended_at,
                    key_final = excluded.key_final, key_ts = excluded.key_ts,
                    key_id = excluded.key_id, updated_input = excluded.updated_input,
                    mcp_server = excluded.mcp_server, position = excluded.position
                 WHERE (excluded.key_final, excluded.key_ts, excluded.key_id)
                     > (key_final, key_ts, key_id)",
            )?
            .execute(params![
                project,
                sid,
                t.tool_use_id,
                t.tool_name,
                t.seq,
                t.status.as_str(),
                json[0],
                json[1],
                error,
                t.duration_ms.map(clamp),
                t.parent_tool_use_id,
                t.started_at,
                t.ended_at,
                key_final,
                ev.ts,
                ev.id,
                json[2],
                t.denied_by,
                mcp_server(&t.tool_name, t.mcp_server.as_deref()),
                t.position
            ])?;
            if error.is_some() || t.denied_by.is_some() {
                // An older event than the stored one still gives a denied call the reason it
                // lacks.
                tx.prepare_cached(
                    "UPDATE tool_calls SET error = COALESCE(error, ?4),
                        denied_by = COALESCE(denied_by, ?5)
                     WHERE project_id = ?1 AND session_id = ?2 AND tool_use_id = ?3
                       AND status = 'denied' AND (?6, ?7, ?8) < (key_final, key_ts, key_id)",
                )?
                .execute(params![
                    project,
                    sid,
                    t.tool_use_id,
                    error,
                    t.denied_by,
                    key_final,
                    ev.ts,
                    ev.id
                ])?;
            }
        }
        Payload::ModelCall(m) => {
            ensure_session(tx, project, ev, now)?;
            tx.prepare_cached(
                "INSERT INTO model_calls (project_id, session_id, message_id, model, stop_reason,
                    input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
                    parent_tool_use_id, started_at, ended_at, key_ts, key_id,
                    output_tokens_final, ttft_ms, position, content)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18)
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
                 WHERE (excluded.key_ts, excluded.key_id) > (key_ts, key_id)",
            )?
            .execute(params![
                project,
                sid,
                m.message_id,
                m.model,
                m.stop_reason,
                clamp(m.input_tokens),
                clamp(m.output_tokens),
                clamp(m.cache_read_tokens),
                clamp(m.cache_creation_tokens),
                m.parent_tool_use_id,
                m.started_at,
                m.ended_at,
                ev.ts,
                ev.id,
                m.output_tokens_final,
                m.ttft_ms.map(clamp),
                m.position,
                json[0]
            ])?;
        }
        Payload::Subagent(a) => {
            ensure_session(tx, project, ev, now)?;
            // Fields a record leaves out keep what an earlier or later record said; the status
            // is the latest record's.
            tx.prepare_cached(
                "INSERT INTO subagents (project_id, session_id, tool_use_id, agent_id, agent_type,
                    description, status, background, total_tokens, tool_uses, duration_ms,
                    summary, key_ts, key_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (project_id, session_id, tool_use_id) DO UPDATE SET
                    agent_id = COALESCE(agent_id, excluded.agent_id),
                    agent_type = COALESCE(agent_type, excluded.agent_type),
                    description = COALESCE(description, excluded.description),
                    background = MAX(background, excluded.background),
                    status = CASE WHEN (excluded.key_ts, excluded.key_id) > (key_ts, key_id)
                                  THEN excluded.status ELSE status END,
                    total_tokens = CASE WHEN (excluded.key_ts, excluded.key_id) > (key_ts, key_id)
                                  THEN COALESCE(excluded.total_tokens, total_tokens)
                                  ELSE COALESCE(total_tokens, excluded.total_tokens) END,
                    tool_uses = CASE WHEN (excluded.key_ts, excluded.key_id) > (key_ts, key_id)
                                  THEN COALESCE(excluded.tool_uses, tool_uses)
                                  ELSE COALESCE(tool_uses, excluded.tool_uses) END,
                    duration_ms = CASE WHEN (excluded.key_ts, excluded.key_id) > (key_ts, key_id)
                                  THEN COALESCE(excluded.duration_ms, duration_ms)
                                  ELSE COALESCE(duration_ms, excluded.duration_ms) END,
                    summary = CASE WHEN (excluded.key_ts, excluded.key_id) > (key_ts, key_id)
                                  THEN COALESCE(excluded.summary, summary)
                                  ELSE COALESCE(summary, excluded.summary) END,
                    key_ts = MAX(key_ts, excluded.key_ts),
                    key_id = CASE WHEN (excluded.key_ts, excluded.key_id) > (key_ts, key_id)
                                  THEN excluded.key_id ELSE key_id END",
            )?
            .execute(params![
                project,
                sid,
                a.tool_use_id,
                a.agent_id,
                a.agent_type,
                a.description,
                a.status,
                a.background,
                a.total_tokens.map(clamp),
                a.tool_uses.map(clamp),
                a.duration_ms.map(clamp),
                a.summary,
                ev.ts,
                ev.id
            ])?;
        }
        Payload::SessionResult(r) => {
            ensure_session(tx, project, ev, now)?;
            tx.prepare_cached(
                "INSERT INTO session_results (project_id, session_id, idx, ts, subtype, is_error,
                    output, duration_ms, prompt_tokens, completion_tokens, total_tokens,
                    cache_read_tokens, cache_creation_tokens, cost_usd, key_id, position,
                    terminal_reason, api_error_status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18)
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
                 WHERE (excluded.ts, excluded.key_id) > (ts, key_id)",
            )?
            .execute(params![
                project,
                sid,
                r.index,
                ev.ts,
                r.subtype,
                r.is_error,
                r.output,
                clamp(r.duration_ms),
                clamp(r.usage.prompt_tokens),
                clamp(r.usage.completion_tokens),
                clamp(r.usage.total_tokens),
                clamp(r.usage.cache_read_tokens),
                clamp(r.usage.cache_creation_tokens),
                r.usage.cost_usd,
                ev.id,
                r.position,
                r.terminal_reason,
                r.api_error_status
            ])?;
            let figures = Figures::of_result(r, json);
            set_figures(tx, project, ev, i64::from(r.index), &figures)?;
        }
        Payload::Marker(m) => {
            ensure_session(tx, project, ev, now)?;
            tx.prepare_cached(
                "INSERT INTO session_markers (project_id, session_id, position, kind, at,
                    parent_tool_use_id, data, key_ts, key_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (project_id, session_id, position) DO UPDATE SET
                    kind = excluded.kind, at = excluded.at,
                    parent_tool_use_id = excluded.parent_tool_use_id, data = excluded.data,
                    key_ts = excluded.key_ts, key_id = excluded.key_id
                 WHERE (excluded.key_ts, excluded.key_id) > (key_ts, key_id)",
            )?
            .execute(params![
                project,
                sid,
                m.position,
                m.kind,
                m.at,
                m.parent_tool_use_id,
                json[0],
                ev.ts,
                ev.id
            ])?;
        }
        Payload::SessionEnd(e) => {
            ensure_session(tx, project, ev, now)?;
            // An end never makes a session `running` again; it still carries its figures.
            let status = (e.status != SessionStatus::Running).then(|| e.status.as_str());
            tx.prepare_cached(
                "UPDATE sessions SET status = COALESCE(?3, status), failure_reason = ?4,
                    ended_at = ?5, results = ?6, end_key_ts = ?7, end_key_id = ?8,
                    reconciliation = ?9, end_reason = ?10, api_error_status = ?11
                 WHERE project_id = ?1 AND id = ?2
                   AND (end_key_ts IS NULL OR (?7, ?8) > (end_key_ts, end_key_id))",
            )?
            .execute(params![
                project,
                sid,
                status,
                e.failure_reason,
                e.ended_at,
                e.results,
                ev.ts,
                ev.id,
                json[2],
                e.end_reason,
                e.api_error_status
            ])?;
            set_figures(tx, project, ev, END_RANK, &Figures::of_end(e, json))?;
        }
    }
    Ok(())
}

/// Makes the session row exist (a placeholder, `running`, when the start has not arrived) and,
/// until the start arrives, keeps its sort time at the earliest event ts seen.
fn ensure_session(tx: &Connection, project: &str, ev: &Event, now: i64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO sessions (project_id, id, sort_ts, received_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (project_id, id) DO UPDATE SET sort_ts = MIN(sort_ts, excluded.sort_ts)
         WHERE started_at IS NULL AND excluded.sort_ts < sort_ts",
    )?
    .execute(params![project, ev.session_id, ev.ts, now])?;
    Ok(())
}

fn set_figures(
    tx: &Connection,
    project: &str,
    ev: &Event,
    rank: i64,
    f: &Figures<'_>,
) -> Result<(), StoreError> {
    let u = f.usage;
    tx.prepare_cached(
        "UPDATE sessions SET output = ?3, duration_ms = ?4, api_duration_ms = ?5, num_turns = ?6,
            prompt_tokens = ?7, completion_tokens = ?8, total_tokens = ?9,
            cache_read_tokens = ?10, cache_creation_tokens = ?11, cost_usd = ?12,
            cost_estimated = ?13, model_usage = ?14,
            fig_key_ts = ?15, fig_key_rank = ?16, fig_key_id = ?17, carried = ?18
         WHERE project_id = ?1 AND id = ?2
           AND (fig_key_ts IS NULL
                OR (?15, ?16, ?17) > (fig_key_ts, fig_key_rank, fig_key_id))",
    )?
    .execute(params![
        project,
        ev.session_id,
        f.output,
        f.duration_ms.map(clamp),
        f.api_duration_ms.map(clamp),
        f.num_turns.map(clamp),
        clamp(u.prompt_tokens),
        clamp(u.completion_tokens),
        clamp(u.total_tokens),
        clamp(u.cache_read_tokens),
        clamp(u.cache_creation_tokens),
        u.cost_usd,
        u.cost_estimated,
        f.model_usage,
        ev.ts,
        rank,
        ev.id,
        f.carried
    ])?;
    Ok(())
}
