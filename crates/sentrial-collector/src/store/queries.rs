//! The read queries both stores run alike, written once in SQLite's parameter syntax (`?1`); the
//! PostgreSQL store numbers them its way (`$1`). Each names its columns as `row.rs` reads them.
//! Where the two engines differ (text aggregation, search), each store writes its own SQL.

/// The streamed turns of session `?2` of project `?1`, in turn order.
pub const INPUTS: &str = "SELECT turn, text, position, key_ts AS at FROM session_inputs
     WHERE project_id = ?1 AND session_id = ?2 ORDER BY turn";

/// The tool calls of session `?2` of project `?1` with their sub-agents, in call order (`seq`,
/// then start, calls without one first, then id).
pub const TOOL_CALLS: &str = "SELECT t.tool_use_id, t.tool_name, t.seq, t.status, t.input,
        t.updated_input, t.output, t.error, t.denied_by, t.mcp_server, t.duration_ms,
        t.parent_tool_use_id, t.started_at, t.ended_at, t.position,
        a.status AS sub_status, a.agent_id AS sub_agent_id, a.agent_type AS sub_agent_type,
        a.description AS sub_description, a.background AS sub_background,
        a.total_tokens AS sub_total_tokens, a.tool_uses AS sub_tool_uses,
        a.duration_ms AS sub_duration_ms, a.summary AS sub_summary
     FROM tool_calls t
     LEFT JOIN subagents a ON a.project_id = t.project_id
          AND a.session_id = t.session_id AND a.tool_use_id = t.tool_use_id
     WHERE t.project_id = ?1 AND t.session_id = ?2
     ORDER BY t.seq, t.started_at IS NOT NULL, t.started_at, t.tool_use_id";

/// The model calls of session `?2` of project `?1`, in the order they started.
pub const MODEL_CALLS: &str = "SELECT message_id, model, stop_reason, input_tokens,
        output_tokens, output_tokens_final, cache_read_tokens, cache_creation_tokens,
        parent_tool_use_id, started_at, ended_at, ttft_ms, position, content
     FROM model_calls WHERE project_id = ?1 AND session_id = ?2
     ORDER BY started_at, message_id";

/// The markers of session `?2` of project `?1`, in position order.
pub const MARKERS: &str = "SELECT position, kind, at, parent_tool_use_id, data
     FROM session_markers WHERE project_id = ?1 AND session_id = ?2 ORDER BY position";

/// The results of session `?2` of project `?1`, in index order, with cumulative figures.
pub const RESULTS: &str = "SELECT idx, ts, subtype, is_error, terminal_reason, api_error_status,
        position, output, duration_ms, prompt_tokens, completion_tokens, total_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd
     FROM session_results WHERE project_id = ?1 AND session_id = ?2 ORDER BY idx";

/// The usage reconciliation of session `?2` of project `?1`.
pub const RECONCILIATION: &str =
    "SELECT reconciliation FROM sessions WHERE project_id = ?1 AND id = ?2";

/// Whether project `?1` has session `?2`.
pub const EXISTS: &str = "SELECT 1 FROM sessions WHERE project_id = ?1 AND id = ?2";

/// The stored events of session `?2` of project `?1`, in ingest order.
pub const EVENTS: &str = "SELECT id, type, ts, seq FROM events
     WHERE project_id = ?1 AND session_id = ?2 ORDER BY seq";

/// The columns `row::run` reads.
macro_rules! run_columns {
    () => {
        "id, claude_session_id, resumed_from, forked_from, started_at, status, cost_usd"
    };
}

/// The run a session continued: of project `?1`, the latest started run of Claude session `?2`
/// that sorts before (`sort_ts`, `id`) = (`?3`, `?4`).
pub const PREVIOUS_RUN: &str = concat!(
    "SELECT ",
    run_columns!(),
    " FROM sessions
     WHERE project_id = ?1 AND claude_session_id = ?2 AND started_at IS NOT NULL
       AND (sort_ts, id) < (?3, ?4)
     ORDER BY sort_ts DESC, id DESC LIMIT 1"
);

/// The runs that continued a session: of project `?1`, the started runs that resumed or forked
/// its Claude session `?2` and sort after it (`?3`, `?4`), with no run of `?2` between it and
/// them (that run is the one they continued); oldest first, at most `?5`.
pub const CONTINUED_BY: &str = concat!(
    "SELECT ",
    run_columns!(),
    " FROM sessions y
     WHERE y.project_id = ?1 AND (y.resumed_from = ?2 OR y.forked_from = ?2)
       AND y.started_at IS NOT NULL AND (y.sort_ts, y.id) > (?3, ?4)
       AND NOT EXISTS (
           SELECT 1 FROM sessions z
           WHERE z.project_id = ?1 AND z.claude_session_id = ?2 AND z.started_at IS NOT NULL
             AND (z.sort_ts, z.id) > (?3, ?4) AND (z.sort_ts, z.id) < (y.sort_ts, y.id))
     ORDER BY y.sort_ts, y.id LIMIT ?5"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_mark_is_a_numbered_parameter() {
        // The PostgreSQL store turns each `?` into `$`: no other `?` may appear.
        for sql in [
            INPUTS,
            TOOL_CALLS,
            MODEL_CALLS,
            MARKERS,
            RESULTS,
            RECONCILIATION,
            EXISTS,
            EVENTS,
            PREVIOUS_RUN,
            CONTINUED_BY,
        ] {
            let bytes = sql.as_bytes();
            for (i, _) in sql.match_indices('?') {
                assert!(bytes.get(i + 1).is_some_and(u8::is_ascii_digit), "{sql}");
            }
        }
    }
}
