//! Applying one new event, the same on both stores (the statements are `writes.rs`'s).
//!
//! Each session field is owned by one kind of event, and a stored value is replaced only by an
//! event with a greater ordering key, so the final state is the same for any arrival order (and,
//! on PostgreSQL, for collectors writing at once):
//! - start fields: key `(ts, id)` of the `session_start`;
//! - status, failure_reason, ended_at, results: key `(ts, id)` of the `session_end`;
//! - figures (output, durations, turns, usage): key `(ts, rank, id)`, rank = a result's index,
//!   2^32 for an end, so the end's figures win over a result of the same ts;
//! - carried usage is a figure too; end_reason and api_error_status are the end's;
//! - a tool call: key `(status != not_completed, ts, id)`, except a denied call's reason: when
//!   the call's status ends up `denied`, `error` and `denied_by` are each the newest non-null
//!   value of the stored row and the incoming event, so a denial that names no reason never
//!   erases one, whichever arrives first (an older event still adds its reason);
//! - a session input, a model call, a marker: key `(ts, id)` per turn, message id, position;
//! - a score: its own row per event id, never changed (no session row is made for it);
//! - name and parent are start fields; custom metrics are the newest end's; a decision, an
//!   error, a reported model call: as a marker, a model call (see `manual.rs`).
//!
//! Dedupe by event id is each store's (its raw event log), before this runs.

use sentrial_protocol::{
    Event, LlmCall, ModelCall, Payload, ScoreValue, SessionStatus, ToolStatus,
};

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::incoming::{clamp, mcp_server, tool_error, Figures, Json, END_RANK};
use crate::store::value::values;
use crate::store::{manual, scores, writes};

/// Applies new event `ev` of `project`, whose JSON columns are `json`, received at `now`.
pub(crate) async fn apply<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    json: &Json,
    now: i64,
) -> Result<(), StoreError> {
    let sid = &ev.session_id;
    match (&ev.payload, json) {
        (
            Payload::SessionStart(s),
            Json::SessionStart {
                metadata,
                mcp_servers,
            },
        ) => {
            db.run(
                &writes::SESSION_START,
                &values![
                    project,
                    sid,
                    now,
                    &s.agent,
                    &s.user_id,
                    &s.convo_id,
                    &s.claude_session_id,
                    &s.model,
                    &s.input,
                    s.started_at,
                    metadata,
                    ev.ts,
                    &ev.id,
                    &s.resumed_from,
                    &s.forked_from,
                    &s.entry_point,
                    mcp_servers,
                    &s.name,
                    &s.parent_session_id,
                ],
            )
            .await?;
        }
        (Payload::SessionInput(i), Json::None) => {
            ensure_session(db, project, ev, now).await?;
            db.run(
                &writes::SESSION_INPUT,
                &values![project, sid, i.turn, &i.text, ev.ts, &ev.id, i.position],
            )
            .await?;
        }
        (
            Payload::ToolCall(t),
            Json::ToolCall {
                input,
                output,
                updated_input,
            },
        ) => {
            ensure_session(db, project, ev, now).await?;
            let error = tool_error(t);
            let key_final = t.status != ToolStatus::NotCompleted;
            db.run(
                &writes::TOOL_CALL,
                &values![
                    project,
                    sid,
                    &t.tool_use_id,
                    &t.tool_name,
                    t.seq,
                    t.status.as_str(),
                    input,
                    output,
                    error,
                    t.duration_ms.map(clamp),
                    &t.parent_tool_use_id,
                    t.started_at,
                    t.ended_at,
                    key_final,
                    ev.ts,
                    &ev.id,
                    updated_input,
                    &t.denied_by,
                    mcp_server(&t.tool_name, t.mcp_server.as_deref()),
                    t.position,
                    &t.reasoning,
                ],
            )
            .await?;
            if error.is_some() || t.denied_by.is_some() {
                // An older event than the stored one still gives a denied call the reason it
                // lacks.
                db.run(
                    &writes::TOOL_CALL_REASON,
                    &values![
                        project,
                        sid,
                        &t.tool_use_id,
                        error,
                        &t.denied_by,
                        key_final,
                        ev.ts,
                        &ev.id,
                    ],
                )
                .await?;
            }
        }
        (Payload::ModelCall(m), Json::ModelCall { content }) => {
            ensure_session(db, project, ev, now).await?;
            write_model_call(db, project, ev, m, content, None).await?;
        }
        (Payload::Subagent(a), Json::None) => {
            ensure_session(db, project, ev, now).await?;
            db.run(
                &writes::SUBAGENT,
                &values![
                    project,
                    sid,
                    &a.tool_use_id,
                    &a.agent_id,
                    &a.agent_type,
                    &a.description,
                    &a.status,
                    a.background,
                    a.total_tokens.map(clamp),
                    a.tool_uses.map(clamp),
                    a.duration_ms.map(clamp),
                    &a.summary,
                    ev.ts,
                    &ev.id,
                ],
            )
            .await?;
        }
        (
            Payload::SessionResult(r),
            Json::Figures {
                model_usage,
                carried,
                ..
            },
        ) => {
            ensure_session(db, project, ev, now).await?;
            db.run(
                &writes::SESSION_RESULT,
                &values![
                    project,
                    sid,
                    r.index,
                    ev.ts,
                    &r.subtype,
                    r.is_error,
                    &r.output,
                    clamp(r.duration_ms),
                    clamp(r.usage.prompt_tokens),
                    clamp(r.usage.completion_tokens),
                    clamp(r.usage.total_tokens),
                    clamp(r.usage.cache_read_tokens),
                    clamp(r.usage.cache_creation_tokens),
                    r.usage.cost_usd,
                    &ev.id,
                    r.position,
                    &r.terminal_reason,
                    r.api_error_status,
                ],
            )
            .await?;
            let figures = Figures::of_result(r, model_usage, carried.as_deref());
            set_figures(db, project, ev, i64::from(r.index), &figures).await?;
        }
        (Payload::Marker(m), Json::Marker { data }) => {
            ensure_session(db, project, ev, now).await?;
            let parent = m.parent_tool_use_id.as_deref();
            write_marker(db, project, ev, (m.position, &m.kind, m.at, parent), data).await?;
        }
        (Payload::Score(sc), Json::None) => {
            // No placeholder session: a score waits for its session (see `scores.rs`).
            let label = match &sc.value {
                ScoreValue::Label(l) => Some(l.as_str()),
                _ => None,
            };
            db.run(
                &writes::SCORE,
                &values![
                    project,
                    &ev.id,
                    scores::target_kind(sc.of),
                    sid,
                    &sc.name,
                    sc.value.kind(),
                    sc.value.number(),
                    label,
                    &sc.comment,
                    &sc.source,
                    sc.at,
                ],
            )
            .await?;
        }
        (
            Payload::SessionEnd(e),
            Json::Figures {
                model_usage,
                carried,
                reconciliation,
            },
        ) => {
            ensure_session(db, project, ev, now).await?;
            // An end never makes a session `running` again; it still carries its figures.
            let status = (e.status != SessionStatus::Running).then(|| e.status.as_str());
            db.run(
                &writes::SESSION_END,
                &values![
                    project,
                    sid,
                    status,
                    &e.failure_reason,
                    e.ended_at,
                    e.results,
                    ev.ts,
                    &ev.id,
                    reconciliation,
                    &e.end_reason,
                    e.api_error_status,
                ],
            )
            .await?;
            let figures = Figures::of_end(e, model_usage, carried.as_deref());
            set_figures(db, project, ev, END_RANK, &figures).await?;
            manual::set_metrics(db, project, ev, &e.metrics).await?;
        }
        (Payload::Decision(_) | Payload::Error(_) | Payload::LlmCall(_), _) => {
            ensure_session(db, project, ev, now).await?;
            manual::apply(db, project, ev, json).await?;
        }
        _ => {
            return Err(StoreError::Corrupt(format!(
                "event {}: its JSON columns were made for another type",
                ev.id
            )))
        }
    }
    Ok(())
}

/// Writes model call `m` of event `ev` with its content blocks' JSON; `reported` is the call a
/// manual session reported it as (`LlmCall::model_call`), whose prompt and cost the row keeps too.
pub(crate) async fn write_model_call<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    m: &ModelCall,
    content: &Option<String>,
    reported: Option<&LlmCall>,
) -> Result<(), StoreError> {
    db.run(
        &writes::MODEL_CALL,
        &values![
            project,
            &ev.session_id,
            &m.message_id,
            &m.model,
            &m.stop_reason,
            clamp(m.input_tokens),
            clamp(m.output_tokens),
            clamp(m.cache_read_tokens),
            clamp(m.cache_creation_tokens),
            &m.parent_tool_use_id,
            m.started_at,
            m.ended_at,
            ev.ts,
            &ev.id,
            m.output_tokens_final,
            m.ttft_ms.map(clamp),
            m.position,
            content,
            reported.and_then(|c| c.input.as_deref()),
            reported.and_then(|c| c.cost_usd),
            reported.map(|c| c.cost_estimated),
        ],
    )
    .await?;
    Ok(())
}

/// Writes a transcript marker of event `ev`: its place, kind, time and parent Task call, and its
/// data's JSON.
pub(crate) async fn write_marker<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    (position, kind, at, parent): (u32, &str, i64, Option<&str>),
    data: &str,
) -> Result<(), StoreError> {
    db.run(
        &writes::MARKER,
        &values![
            project,
            &ev.session_id,
            position,
            kind,
            at,
            parent,
            data,
            ev.ts,
            &ev.id
        ],
    )
    .await?;
    Ok(())
}

/// Makes the session row exist (a placeholder, `running`, when the start has not arrived) and,
/// until the start arrives, keeps its sort time at the earliest event ts seen.
async fn ensure_session<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    now: i64,
) -> Result<(), StoreError> {
    db.run(
        &writes::ENSURE_SESSION,
        &values![project, &ev.session_id, ev.ts, now],
    )
    .await?;
    Ok(())
}

async fn set_figures<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    rank: i64,
    f: &Figures<'_>,
) -> Result<(), StoreError> {
    let u = f.usage;
    db.run(
        &writes::FIGURES,
        &values![
            project,
            &ev.session_id,
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
            &ev.id,
            f.carried,
        ],
    )
    .await?;
    Ok(())
}
