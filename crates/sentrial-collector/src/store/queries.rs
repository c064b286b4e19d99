//! The read statements of both stores, each written once (see `store/dialect.rs` for the marks)
//! and naming its columns as `row.rs` reads them. Text search, where the engines differ, is
//! `store/search.rs`.

use crate::store::dialect::Sql;

/// The columns `row::session` reads; `s` is the sessions table. A session's input is the
/// start's, else its streamed turns joined by a blank line. `full` gives the whole input and
/// output; `preview` their first [`PREVIEW_CHARS`](crate::store::PREVIEW_CHARS) characters
/// with their whole lengths (`input_length`, `output_length`), so a page of sessions does not
/// carry (nor read into memory) megabytes each.
macro_rules! session_columns {
    (full) => {
        session_columns!(
            "COALESCE(s.input, (SELECT string_agg(i.text, '\n\n' ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id)) AS input,
    s.output, CAST(NULL AS BIGINT) AS input_length, CAST(NULL AS BIGINT) AS output_length"
        )
    };
    (preview) => {
        session_columns!(
            "substr(COALESCE(s.input, (SELECT string_agg(i.text, '\n\n' ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id)), 1, 2048)
        AS input,
    substr(s.output, 1, 2048) AS output,
    CAST(length(COALESCE(s.input, (SELECT string_agg(i.text, '\n\n' ORDER BY i.turn)
                       FROM session_inputs i
                       WHERE i.project_id = s.project_id AND i.session_id = s.id))) AS BIGINT)
        AS input_length,
    CAST(length(s.output) AS BIGINT) AS output_length"
        )
    };
    ($texts:literal) => {
        concat!(
            "s.id, s.name, s.parent_session_id, s.claude_session_id, s.agent, s.user_id, s.convo_id, s.status, s.failure_reason,
    s.end_reason, s.api_error_status, s.resumed_from, s.forked_from, s.entry_point,
    s.mcp_servers, s.started_at, s.ended_at, s.duration_ms, s.api_duration_ms, s.num_turns,
    s.model, ",
            $texts,
            ", s.metadata, s.prompt_tokens, s.completion_tokens, s.total_tokens,
    s.cache_read_tokens, s.cache_creation_tokens, s.cost_usd, s.cost_estimated, s.model_usage,
    s.carried, s.results, s.received_at,
    (SELECT COUNT(*) FROM tool_calls t
     WHERE t.project_id = s.project_id AND t.session_id = s.id) AS tool_call_count,
    (SELECT string_agg(i.kind, ',' ORDER BY i.idx) FROM session_issues i
     WHERE i.project_id = s.project_id AND i.session_id = s.id) AS issue_kinds,
    (SELECT {json_object_agg:m.name, m.value} FROM session_metrics m
     WHERE m.project_id = s.project_id AND m.session_id = s.id) AS metrics,
    s.sort_ts"
        )
    };
}

/// The sessions of project `?1`, before the filters, order and limit of a page (`read.rs`
/// appends them); input and output as previews.
pub static SESSIONS: Sql = Sql::new(concat!(
    "SELECT ",
    session_columns!(preview),
    " FROM sessions s WHERE s.project_id = ?1"
));

/// Session `?2` of project `?1`, with its whole input and output.
pub static SESSION: Sql = Sql::new(concat!(
    "SELECT ",
    session_columns!(full),
    " FROM sessions s WHERE s.project_id = ?1 AND s.id = ?2"
));

/// The streamed turns of session `?2` of project `?1`, in turn order.
pub static INPUTS: Sql = Sql::new(
    "SELECT turn, text, position, key_ts AS at FROM session_inputs
     WHERE project_id = ?1 AND session_id = ?2 ORDER BY turn",
);

/// The tool calls of session `?2` of project `?1` with their sub-agents, in call order (`seq`,
/// then start, calls without one first, then id).
pub static TOOL_CALLS: Sql = Sql::new(
    "SELECT t.tool_use_id, t.tool_name, t.seq, t.status, t.input,
        t.updated_input, t.output, t.error, t.denied_by, t.mcp_server, t.duration_ms,
        t.parent_tool_use_id, t.started_at, t.ended_at, t.position, t.reasoning,
        a.status AS sub_status, a.agent_id AS sub_agent_id, a.agent_type AS sub_agent_type,
        a.description AS sub_description, a.background AS sub_background,
        a.total_tokens AS sub_total_tokens, a.tool_uses AS sub_tool_uses,
        a.duration_ms AS sub_duration_ms, a.summary AS sub_summary
     FROM tool_calls t
     LEFT JOIN subagents a ON a.project_id = t.project_id
          AND a.session_id = t.session_id AND a.tool_use_id = t.tool_use_id
     WHERE t.project_id = ?1 AND t.session_id = ?2
     ORDER BY t.seq, t.started_at IS NOT NULL, t.started_at, t.tool_use_id",
);

/// The model calls of session `?2` of project `?1`, in the order they started.
pub static MODEL_CALLS: Sql = Sql::new(
    "SELECT message_id, model, stop_reason, input_tokens, output_tokens, output_tokens_final,
        cache_read_tokens, cache_creation_tokens, parent_tool_use_id, started_at, ended_at,
        ttft_ms, position, content, prompt, cost_usd, cost_estimated FROM model_calls WHERE project_id = ?1 AND session_id = ?2
     ORDER BY started_at, message_id",
);

/// The markers of session `?2` of project `?1`, in position order.
pub static MARKERS: Sql = Sql::new(
    "SELECT position, kind, at, parent_tool_use_id, data
     FROM session_markers WHERE project_id = ?1 AND session_id = ?2 ORDER BY position",
);

/// The scores of session `?2` of project `?1` whose Claude session id is `?3` (NULL: none),
/// oldest first.
pub static SCORES: Sql = Sql::new(
    "SELECT id, target_kind, name, kind, num, label, comment, source, at
     FROM scores WHERE project_id = ?1
       AND ((target_kind = 'session' AND target = ?2)
         OR (target_kind = 'claude_session' AND target = ?3))
     ORDER BY at, id",
);

/// The results of session `?2` of project `?1`, in index order, with cumulative figures.
pub static RESULTS: Sql = Sql::new(
    "SELECT idx, ts, subtype, is_error, terminal_reason, api_error_status,
        position, output, duration_ms, prompt_tokens, completion_tokens, total_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd
     FROM session_results WHERE project_id = ?1 AND session_id = ?2 ORDER BY idx",
);

/// The usage reconciliation of session `?2` of project `?1`.
pub static RECONCILIATION: Sql =
    Sql::new("SELECT reconciliation FROM sessions WHERE project_id = ?1 AND id = ?2");

/// Whether project `?1` has session `?2`.
pub static EXISTS: Sql =
    Sql::new("SELECT 1 AS found FROM sessions WHERE project_id = ?1 AND id = ?2");

/// The stored events of session `?2` of project `?1`, in ingest order.
pub static EVENTS: Sql = Sql::new(
    "SELECT id, type, ts, seq FROM events
     WHERE project_id = ?1 AND session_id = ?2 ORDER BY seq",
);

/// The columns `row::run` reads.
macro_rules! run_columns {
    () => {
        "id, claude_session_id, resumed_from, forked_from, started_at, status, cost_usd"
    };
}

/// The run a session continued: of project `?1`, the latest started run of Claude session `?2`
/// that sorts before (`sort_ts`, `id`) = (`?3`, `?4`).
pub static PREVIOUS_RUN: Sql = Sql::new(concat!(
    "SELECT ",
    run_columns!(),
    " FROM sessions
     WHERE project_id = ?1 AND claude_session_id = ?2 AND started_at IS NOT NULL
       AND (sort_ts, id) < (?3, ?4)
     ORDER BY sort_ts DESC, id DESC LIMIT 1"
));

/// The runs that continued a session: of project `?1`, the started runs that resumed or forked
/// its Claude session `?2` and sort after it (`?3`, `?4`), with no run of `?2` between it and
/// them (that run is the one they continued); oldest first, at most `?5`.
pub static CONTINUED_BY: Sql = Sql::new(concat!(
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
));

/// The totals of conversation `?2` of project `?1`, with its id as stored (PostgreSQL's without
/// NUL) (`row::conversation_totals`).
pub static CONVERSATION_TOTALS: Sql = Sql::new(
    "SELECT ?2 AS convo_id, COUNT(*) AS session_count,
        COALESCE(SUM(cost_usd), 0) AS total_cost_usd,
        {capped_sum:total_tokens} AS total_tokens, {capped_sum:duration_ms} AS total_duration_ms
     FROM sessions WHERE project_id = ?1 AND convo_id = ?2",
);

/// The sessions of conversation `?2` of project `?1`, oldest first, at most `?3`; input and
/// output as previews.
pub static CONVERSATION: Sql = Sql::new(concat!(
    "SELECT ",
    session_columns!(preview),
    " FROM sessions s WHERE s.project_id = ?1 AND s.convo_id = ?2
     ORDER BY s.sort_ts, s.id LIMIT ?3"
));

/// The figures of the sessions of project `?1` that started in [`?2`, `?3`) (`row::totals`).
pub static OVERVIEW_TOTALS: Sql = Sql::new(
    "SELECT COUNT(*) AS sessions, COUNT(*) FILTER (WHERE status = 'failed') AS failed,
        COUNT(*) FILTER (WHERE status = 'running') AS running,
        COALESCE(SUM(cost_usd), 0) AS cost_usd, {capped_sum:total_tokens} AS total_tokens,
        CAST(AVG(duration_ms) AS DOUBLE PRECISION) AS avg_duration_ms
     FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3",
);

/// The same range in buckets of `?4` ms from `?2`, oldest first (`row::bucket`).
pub static OVERVIEW_SERIES: Sql = Sql::new(
    "SELECT ((sort_ts - ?2) / ?4) * ?4 + ?2 AS bucket_start, COUNT(*) AS sessions,
        COUNT(*) FILTER (WHERE status = 'failed') AS failed,
        COALESCE(SUM(cost_usd), 0) AS cost_usd, {capped_sum:total_tokens} AS total_tokens
     FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3
     GROUP BY bucket_start ORDER BY bucket_start",
);

/// Sums per bucket of `$bucket` ms from `$origin`, agent and name of the scores the rows of its
/// other arguments give (`at`, `name`, `num`, `agent`), as `rollup::overview_scores` merges them.
macro_rules! score_sums {
    ($origin:literal, $bucket:literal; $($rows:expr),+) => {
        Sql::new(concat!(
            "SELECT ((x.at - ", $origin, ") / ", $bucket, ") * ", $bucket, " + ", $origin,
            " AS bucket_start, x.agent, x.name, SUM(x.num) AS total, COUNT(*) AS count FROM (",
            $($rows),+,
            ") x GROUP BY 1, x.agent, x.name"
        ))
    };
}

/// The numeric scores of project `?1` given in `[?2, ?3)` that name a session which has arrived,
/// with its agent (one that has not arrived has none yet: its scores wait for it).
macro_rules! session_scores {
    () => {
        "SELECT sc.at, sc.name, sc.num, s.agent FROM scores sc
         JOIN sessions s ON s.project_id = sc.project_id AND s.id = sc.target
         WHERE sc.project_id = ?1 AND sc.target_kind = 'session'
           AND sc.at >= ?2 AND sc.at < ?3 AND sc.num IS NOT NULL"
    };
}

/// The numeric scores of project `?1` given in `[?2, ?3)` that name a Claude session id, with
/// the agent of its first run (none while no run has arrived).
macro_rules! claude_session_scores {
    () => {
        "SELECT sc.at, sc.name, sc.num,
            (SELECT s.agent FROM sessions s
             WHERE s.project_id = sc.project_id AND s.claude_session_id = sc.target
             ORDER BY s.sort_ts, s.id LIMIT 1) AS agent
         FROM scores sc
         WHERE sc.project_id = ?1 AND sc.target_kind = 'claude_session'
           AND sc.at >= ?2 AND sc.at < ?3 AND sc.num IS NOT NULL"
    };
}

/// The overview's score series over `[?2, ?3)` from the scores: both kinds, summed per bucket of
/// `?5` ms from `?4`, agent and name.
pub static OVERVIEW_SCORES: Sql = score_sums!("?4", "?5";
    session_scores!(), " UNION ALL ", claude_session_scores!());

/// [`OVERVIEW_SCORES`] of the scores that name a Claude session id only: the rollups hold the
/// others (`rollup::contrib::GIVEN_DIM`).
pub static CLAUDE_SESSION_SCORES: Sql = score_sums!("?4", "?5"; claude_session_scores!());

/// [`OVERVIEW_SCORES`] of the scores that name a session, given in the periods of `?5` ms whose
/// starts are the JSON array `?2`, in buckets of `?4` ms from `?3` (those a bucket boundary cuts:
/// `rollup::overview::Cut`). Each score's session is looked up by its key, once (`tag`:
/// null when it has not arrived, `''` when it has no agent, else `+` and its agent), after the
/// scores are read (`MATERIALIZED`): PostgreSQL cannot tell how few rows the hours give, and a
/// join would hash every session.
pub static CUT_SESSION_SCORES: Sql = score_sums!("?3", "?4";
    "WITH cut AS MATERIALIZED (
         SELECT sc.project_id, sc.target, sc.at, sc.name, sc.num
         FROM {json_texts:?2} CROSS JOIN scores sc
         WHERE sc.project_id = ?1 AND sc.target_kind = 'session'
           AND sc.at >= CAST(j.value AS BIGINT) AND sc.at < CAST(j.value AS BIGINT) + ?5
           AND sc.num IS NOT NULL),
     tagged AS MATERIALIZED (
         SELECT cut.at, cut.name, cut.num,
            (SELECT CASE WHEN s.agent IS NULL THEN '' ELSE '+' || s.agent END FROM sessions s
             WHERE s.project_id = cut.project_id AND s.id = cut.target) AS tag
         FROM cut)
     SELECT at, name, num, CASE WHEN tag <> '' THEN SUBSTR(tag, 2) END AS agent
     FROM tagged WHERE tag IS NOT NULL");

/// The top 10 values of a sessions column in the range by number of sessions, NULL first among
/// equals (`row::group`).
macro_rules! top_groups {
    ($column:literal) => {
        Sql::new(concat!(
            "SELECT ",
            $column,
            " AS group_key, COUNT(*) AS sessions,
                COUNT(*) FILTER (WHERE status = 'failed') AS failed,
                COALESCE(SUM(cost_usd), 0) AS cost_usd
             FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3
             GROUP BY ",
            $column,
            " ORDER BY 2 DESC, 1 NULLS FIRST LIMIT 10"
        ))
    };
}

/// The top agents of the range.
pub static TOP_AGENTS: Sql = top_groups!("agent");

/// The top users of the range.
pub static TOP_USERS: Sql = top_groups!("user_id");

/// What the issue rules read of session `?2` of project `?1` besides its calls, results and
/// markers (`store/issues.rs`): a small row, so detection on ingest stays cheap.
pub static ISSUE_FACTS: Sql = Sql::new(
    "SELECT status, end_reason, api_error_status, num_turns, ended_at, sort_ts, agent, cost_usd,
        entry_point FROM sessions WHERE project_id = ?1 AND id = ?2",
);

/// The tool calls of session `?2` of project `?1` as the issue rules read them: `TOOL_CALLS`'s
/// order, without the outputs and figures no rule reads.
pub static ISSUE_CALLS: Sql = Sql::new(
    "SELECT t.tool_use_id, t.tool_name, t.seq, t.status, t.input, t.parent_tool_use_id,
        t.duration_ms, a.status AS sub_status
     FROM tool_calls t
     LEFT JOIN subagents a ON a.project_id = t.project_id
          AND a.session_id = t.session_id AND a.tool_use_id = t.tool_use_id
     WHERE t.project_id = ?1 AND t.session_id = ?2
     ORDER BY t.seq, t.started_at IS NOT NULL, t.started_at, t.tool_use_id",
);

/// Baseline `?3` of scope `?2` (`store/baselines.rs`) of project `?1`.
pub static ISSUE_BASELINE: Sql = Sql::new(
    "SELECT p95, samples, window_end FROM issue_baselines
     WHERE project_id = ?1 AND scope = ?2 AND name = ?3",
);

/// The timed calls of tool `?2` of project `?1` that started in `[?3, ?4]`, as `n` (a scan of
/// the range's calls in `tool_calls_overview`, which holds the tool and the duration: no index
/// is kept for this alone, since one more index on every call cost ingest more than the scan).
pub static TOOL_DURATIONS: Sql = Sql::new(
    "SELECT COUNT(*) AS n FROM tool_calls
     WHERE project_id = ?1 AND tool_name = ?2 AND started_at >= ?3 AND started_at <= ?4
       AND duration_ms IS NOT NULL",
);

/// The duration of rank `?5` (from 0, shortest first) among `TOOL_DURATIONS`'s calls, as `v`.
pub static TOOL_DURATION_AT: Sql = Sql::new(
    "SELECT CAST(duration_ms AS DOUBLE PRECISION) AS v FROM tool_calls
     WHERE project_id = ?1 AND tool_name = ?2 AND started_at >= ?3 AND started_at <= ?4
       AND duration_ms IS NOT NULL
     ORDER BY duration_ms LIMIT 1 OFFSET ?5",
);

/// The priced, ended sessions of agent `?2` of project `?1` that started in `[?3, ?4]`, as `n`
/// (by start: `sessions_by_agent` bounds it, and no index is kept for this alone).
pub static AGENT_COSTS: Sql = Sql::new(
    "SELECT COUNT(*) AS n FROM sessions
     WHERE project_id = ?1 AND agent = ?2 AND sort_ts >= ?3 AND sort_ts <= ?4
       AND cost_usd IS NOT NULL AND status <> 'running'",
);

/// The cost of rank `?5` (from 0, cheapest first) among `AGENT_COSTS`'s sessions, as `v`.
pub static AGENT_COST_AT: Sql = Sql::new(
    "SELECT cost_usd AS v FROM sessions
     WHERE project_id = ?1 AND agent = ?2 AND sort_ts >= ?3 AND sort_ts <= ?4
       AND cost_usd IS NOT NULL AND status <> 'running'
     ORDER BY cost_usd LIMIT 1 OFFSET ?5",
);

/// Project `?1`'s thresholds (a JSON object of the ones it sets), if it set any.
pub static ISSUE_SETTINGS: Sql =
    Sql::new("SELECT thresholds, updated_at FROM issue_settings WHERE project_id = ?1");

/// The detected issues of session `?2` of project `?1`, in the order they were found.
pub static SESSION_ISSUES: Sql = Sql::new(
    "SELECT kind, severity, summary, evidence FROM session_issues
     WHERE project_id = ?1 AND session_id = ?2 ORDER BY idx",
);

/// The detected issues of project `?1` in sessions that ended in `[?2, ?3)`, by kind, UTC day
/// and agent (`store/issue_summary.rs`).
pub static ISSUE_GROUPS: Sql = Sql::new(
    "SELECT kind, at / 86400000 AS day, agent AS name, COUNT(*) AS count,
        COUNT(DISTINCT session_id) AS sessions, MIN(at) AS first_seen, MAX(at) AS last_seen
     FROM session_issues WHERE project_id = ?1 AND at >= ?2 AND at < ?3
     GROUP BY kind, at / 86400000, agent",
);

/// `ISSUE_GROUPS`'s findings that point at a tool, by kind and tool.
pub static ISSUE_TOOLS: Sql = Sql::new(
    "SELECT kind, CAST(NULL AS BIGINT) AS day, tool AS name, COUNT(*) AS count,
        COUNT(DISTINCT session_id) AS sessions, CAST(NULL AS BIGINT) AS first_seen,
        CAST(NULL AS BIGINT) AS last_seen
     FROM session_issues WHERE project_id = ?1 AND at >= ?2 AND at < ?3 AND tool IS NOT NULL
     GROUP BY kind, tool",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dialect::Dialect;

    #[test]
    fn previews_are_cut_at_preview_chars() {
        let cut = format!("1, {})", crate::store::PREVIEW_CHARS);
        for q in [&SESSIONS, &CONVERSATION] {
            for d in [Dialect::Sqlite, Dialect::Postgres] {
                assert_eq!(q.text(d).matches(&cut).count(), 2, "{}", q.text(d));
            }
        }
    }

    #[test]
    fn every_statement_renders_in_both_dialects() {
        crate::store::dialect::assert_renders(&[
            &SESSIONS,
            &SESSION,
            &INPUTS,
            &TOOL_CALLS,
            &MODEL_CALLS,
            &MARKERS,
            &RESULTS,
            &RECONCILIATION,
            &EXISTS,
            &EVENTS,
            &PREVIOUS_RUN,
            &CONTINUED_BY,
            &CONVERSATION_TOTALS,
            &CONVERSATION,
            &OVERVIEW_TOTALS,
            &OVERVIEW_SERIES,
            &OVERVIEW_SCORES,
            &CLAUDE_SESSION_SCORES,
            &CUT_SESSION_SCORES,
            &TOP_AGENTS,
            &TOP_USERS,
            &ISSUE_FACTS,
            &ISSUE_CALLS,
            &SESSION_ISSUES,
            &ISSUE_GROUPS,
            &ISSUE_TOOLS,
            &ISSUE_BASELINE,
            &TOOL_DURATIONS,
            &TOOL_DURATION_AT,
            &AGENT_COSTS,
            &AGENT_COST_AT,
            &ISSUE_SETTINGS,
        ]);
    }
}
