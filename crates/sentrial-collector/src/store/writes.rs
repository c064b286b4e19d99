//! The write statements of both stores, each written once (see `store/dialect.rs` for the
//! marks). `apply.rs` says which run for an event and binds their parameters; the ordering keys
//! they compare are explained there.
//!
//! Every upsert names the stored row `o` and compares keys on it in its `WHERE`: one statement,
//! so on PostgreSQL concurrent collectors agree as well (the row as committed is compared).

use crate::store::dialect::Sql;

/// A session's start: its fields, replaced by a start with a greater key `(ts, id)`.
pub static SESSION_START: Sql = Sql::new(
    "INSERT INTO sessions AS o (project_id, id, sort_ts, received_at, agent, user_id,
        convo_id, claude_session_id, model, input, metadata, started_at,
        start_key_ts, start_key_id, resumed_from, forked_from, entry_point, mcp_servers,
        name, parent_session_id)
     VALUES (?1, ?2, ?10, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11, ?10, ?12, ?13, ?14, ?15, ?16, ?17,
        ?18, ?19)
     ON CONFLICT (project_id, id) DO UPDATE SET
        agent = excluded.agent, user_id = excluded.user_id,
        convo_id = excluded.convo_id, claude_session_id = excluded.claude_session_id,
        model = excluded.model, input = excluded.input, metadata = excluded.metadata,
        started_at = excluded.started_at, sort_ts = excluded.sort_ts,
        start_key_ts = excluded.start_key_ts, start_key_id = excluded.start_key_id,
        resumed_from = excluded.resumed_from, forked_from = excluded.forked_from,
        entry_point = excluded.entry_point, mcp_servers = excluded.mcp_servers,
        name = excluded.name, parent_session_id = excluded.parent_session_id
     WHERE o.start_key_ts IS NULL
        OR (excluded.start_key_ts, excluded.start_key_id) > (o.start_key_ts, o.start_key_id)",
);

/// A session row for an event of a session whose start has not arrived (a placeholder,
/// `running`); until the start arrives, its sort time is the earliest event ts seen.
pub static ENSURE_SESSION: Sql = Sql::new(
    "INSERT INTO sessions AS o (project_id, id, sort_ts, received_at) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (project_id, id) DO UPDATE SET sort_ts = excluded.sort_ts
     WHERE o.started_at IS NULL AND excluded.sort_ts < o.sort_ts",
);

/// A streamed turn, keyed `(ts, id)` per turn.
pub static SESSION_INPUT: Sql = Sql::new(
    "INSERT INTO session_inputs AS o (project_id, session_id, turn, text, key_ts, key_id,
        position)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (project_id, session_id, turn) DO UPDATE SET
        text = excluded.text, key_ts = excluded.key_ts, key_id = excluded.key_id,
        position = excluded.position
     WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)",
);

/// A tool call, keyed `(final, ts, id)`; a denied call keeps a reason it already has when the
/// newer event names none.
pub static TOOL_CALL: Sql = Sql::new(
    "INSERT INTO tool_calls AS o (project_id, session_id, tool_use_id, tool_name, seq,
        status, input, output, error, duration_ms, parent_tool_use_id, started_at,
        ended_at, key_final, key_ts, key_id, updated_input, denied_by, mcp_server, position,
        reasoning)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
        ?19, ?20, ?21)
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
        mcp_server = excluded.mcp_server, position = excluded.position,
        reasoning = excluded.reasoning
     WHERE (excluded.key_final, excluded.key_ts, excluded.key_id)
         > (o.key_final, o.key_ts, o.key_id)",
);

/// The reason `?4`, `?5` of a denied call `?3` from an event older (`?6`, `?7`, `?8`) than the
/// stored one, where the stored one has none.
pub static TOOL_CALL_REASON: Sql = Sql::new(
    "UPDATE tool_calls SET error = COALESCE(error, ?4), denied_by = COALESCE(denied_by, ?5)
     WHERE project_id = ?1 AND session_id = ?2 AND tool_use_id = ?3
       AND status = 'denied' AND (?6, ?7, ?8) < (key_final, key_ts, key_id)",
);

/// A model call, keyed `(ts, id)` per message id (a manual session's `llm_call` too, by its
/// call id, with its prompt and cost).
pub static MODEL_CALL: Sql = Sql::new(
    "INSERT INTO model_calls AS o (project_id, session_id, message_id, model, stop_reason,
        input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
        parent_tool_use_id, started_at, ended_at, key_ts, key_id,
        output_tokens_final, ttft_ms, position, content, prompt, cost_usd, cost_estimated)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
        ?19, ?20, ?21)
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
        content = excluded.content, prompt = excluded.prompt, cost_usd = excluded.cost_usd,
        cost_estimated = excluded.cost_estimated
     WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)",
);

/// `THEN` the incoming value `ELSE` the stored one when the incoming record is the newer.
macro_rules! newer {
    ($then:literal, $else:literal) => {
        concat!(
            "CASE WHEN (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id) THEN ",
            $then,
            " ELSE ",
            $else,
            " END"
        )
    };
}

/// A sub-agent record. Fields a record leaves out keep what an earlier or later record said;
/// the status is the latest record's.
pub static SUBAGENT: Sql = Sql::new(concat!(
    "INSERT INTO subagents AS o (project_id, session_id, tool_use_id, agent_id, agent_type,
        description, status, background, total_tokens, tool_uses, duration_ms, summary, key_ts,
        key_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
     ON CONFLICT (project_id, session_id, tool_use_id) DO UPDATE SET
        agent_id = COALESCE(o.agent_id, excluded.agent_id),
        agent_type = COALESCE(o.agent_type, excluded.agent_type),
        description = COALESCE(o.description, excluded.description),
        background = o.background OR excluded.background,
        status = ",
    newer!("excluded.status", "o.status"),
    ",
        total_tokens = ",
    newer!(
        "COALESCE(excluded.total_tokens, o.total_tokens)",
        "COALESCE(o.total_tokens, excluded.total_tokens)"
    ),
    ",
        tool_uses = ",
    newer!(
        "COALESCE(excluded.tool_uses, o.tool_uses)",
        "COALESCE(o.tool_uses, excluded.tool_uses)"
    ),
    ",
        duration_ms = ",
    newer!(
        "COALESCE(excluded.duration_ms, o.duration_ms)",
        "COALESCE(o.duration_ms, excluded.duration_ms)"
    ),
    ",
        summary = ",
    newer!(
        "COALESCE(excluded.summary, o.summary)",
        "COALESCE(o.summary, excluded.summary)"
    ),
    ",
        key_ts = {greatest:o.key_ts, excluded.key_ts},
        key_id = ",
    newer!("excluded.key_id", "o.key_id"),
));

/// A result, keyed `(ts, id)` per index.
pub static SESSION_RESULT: Sql = Sql::new(
    "INSERT INTO session_results AS o (project_id, session_id, idx, ts, subtype, is_error,
        output, duration_ms, prompt_tokens, completion_tokens, total_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd, key_id, position,
        terminal_reason, api_error_status)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
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
);

/// A marker, keyed `(ts, id)` per position.
pub static MARKER: Sql = Sql::new(
    "INSERT INTO session_markers AS o (project_id, session_id, position, kind, at,
        parent_tool_use_id, data, key_ts, key_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (project_id, session_id, position) DO UPDATE SET
        kind = excluded.kind, at = excluded.at,
        parent_tool_use_id = excluded.parent_tool_use_id, data = excluded.data,
        key_ts = excluded.key_ts, key_id = excluded.key_id
     WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)",
);

/// A score, by the id it names; its event id is its key (stored once, as events are).
pub static SCORE: Sql = Sql::new(
    "INSERT INTO scores (project_id, id, target_kind, target, name, kind, num, label,
        comment, source, at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
     ON CONFLICT (project_id, id) DO NOTHING",
);

/// A session's end, keyed `(ts, id)`; a NULL status `?3` keeps the stored one.
pub static SESSION_END: Sql = Sql::new(
    "UPDATE sessions SET status = COALESCE(?3, status), failure_reason = ?4,
        ended_at = ?5, results = ?6, end_key_ts = ?7, end_key_id = ?8,
        reconciliation = ?9, end_reason = ?10, api_error_status = ?11
     WHERE project_id = ?1 AND id = ?2
       AND (end_key_ts IS NULL OR (?7, ?8) > (end_key_ts, end_key_id))",
);

/// A result's or an end's figures, keyed `(ts, rank, id)`.
pub static FIGURES: Sql = Sql::new(
    "UPDATE sessions SET output = ?3, duration_ms = ?4, api_duration_ms = ?5, num_turns = ?6,
        prompt_tokens = ?7, completion_tokens = ?8, total_tokens = ?9,
        cache_read_tokens = ?10, cache_creation_tokens = ?11, cost_usd = ?12,
        cost_estimated = ?13, model_usage = ?14,
        fig_key_ts = ?15, fig_key_rank = ?16, fig_key_id = ?17, carried = ?18
     WHERE project_id = ?1 AND id = ?2
       AND (fig_key_ts IS NULL
            OR (?15, ?16, ?17) > (fig_key_ts, fig_key_rank, fig_key_id))",
);

// ---- Issue 19 (manual sessions): custom metrics. ----
/// The session's end that holds key `(?3, ?4)` is its newest (`SESSION_END` just ran): what
/// makes the two statements below apply only an end's own metrics, whatever the arrival order.
macro_rules! newest_end {
    () => {
        "EXISTS (SELECT 1 FROM sessions s WHERE s.project_id = ?1 AND s.id = ?2
                 AND s.end_key_ts = ?3 AND s.end_key_id = ?4)"
    };
}

/// Deletes the metrics of session `?2` of project `?1` set by an end older than `(?3, ?4)`,
/// when that end is the session's newest: an end's metrics replace the older end's.
pub static METRICS_CLEAR: Sql = Sql::new(concat!(
    "DELETE FROM session_metrics
     WHERE project_id = ?1 AND session_id = ?2 AND (key_ts, key_id) < (?3, ?4) AND ",
    newest_end!()
));

/// Custom metric `?5` = `?6` of session `?2`'s end `(?3, ?4)`, when that end is the newest.
pub static METRIC: Sql = Sql::new(concat!(
    "INSERT INTO session_metrics AS o (project_id, session_id, name, value, key_ts, key_id)
     SELECT ?1, ?2, ?5, CAST(?6 AS DOUBLE PRECISION), CAST(?3 AS BIGINT), ?4 WHERE ",
    newest_end!(),
    "
     ON CONFLICT (project_id, session_id, name) DO UPDATE SET value = excluded.value,
        key_ts = excluded.key_ts, key_id = excluded.key_id
     WHERE (excluded.key_ts, excluded.key_id) > (o.key_ts, o.key_id)"
));
// ---- end of issue 19's statements ----

/// Deletes the detected issues of session `?2` of project `?1`, before they are found again.
pub static DELETE_ISSUES: Sql =
    Sql::new("DELETE FROM session_issues WHERE project_id = ?1 AND session_id = ?2");

/// One detected issue of a session: its place `?3`, kind, severity, summary, evidence (JSON),
/// the session's end `?8`, its agent `?9` and the finding's main tool `?10`.
pub static ISSUE: Sql = Sql::new(
    "INSERT INTO session_issues (project_id, session_id, idx, kind, severity, summary, evidence,
        at, agent, tool)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
);

/// Baseline `?3` of scope `?2` of project `?1`: its p95 `?4` over `?5` values in the 7 days
/// before `?6`.
pub static ISSUE_BASELINE: Sql = Sql::new(
    "INSERT INTO issue_baselines AS o (project_id, scope, name, p95, samples, window_end)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (project_id, scope, name) DO UPDATE SET p95 = excluded.p95,
        samples = excluded.samples, window_end = excluded.window_end",
);

/// Project `?1`'s thresholds `?2` (a JSON object), set at `?3`.
pub static ISSUE_SETTINGS: Sql = Sql::new(
    "INSERT INTO issue_settings AS o (project_id, thresholds, updated_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (project_id) DO UPDATE SET thresholds = excluded.thresholds,
        updated_at = excluded.updated_at",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_renders_in_both_dialects() {
        crate::store::dialect::assert_renders(&[
            &SESSION_START,
            &ENSURE_SESSION,
            &SESSION_INPUT,
            &TOOL_CALL,
            &TOOL_CALL_REASON,
            &MODEL_CALL,
            &SUBAGENT,
            &SESSION_RESULT,
            &MARKER,
            &SCORE,
            &SESSION_END,
            &FIGURES,
            &METRICS_CLEAR,
            &METRIC,
            &DELETE_ISSUES,
            &ISSUE,
            &ISSUE_BASELINE,
            &ISSUE_SETTINGS,
        ]);
    }
}
