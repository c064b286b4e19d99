//! The rollups' statements, written once for both stores (see `store/dialect.rs`).

use crate::store::dialect::Sql;

/// What the sessions of project `?1` whose ids are in the JSON array `?2` contribute is made of
/// (`contrib::facts`), besides their calls and scores.
pub static FACTS: Sql = Sql::new(
    "SELECT s.id, s.sort_ts, s.status, s.agent, s.user_id, s.model, s.metadata, s.cost_usd,
        s.total_tokens, s.duration_ms, s.num_turns
     FROM sessions s
     WHERE s.project_id = ?1 AND s.id IN (SELECT j.value FROM {json_texts:?2})",
);

/// The calls of the sessions of project `?1` whose ids are in the JSON array `?2`
/// (`contrib::tool_facts`).
pub static TOOL_FACTS: Sql = Sql::new(
    "SELECT session_id, tool_name, mcp_server, status, duration_ms FROM tool_calls
     WHERE project_id = ?1 AND session_id IN (SELECT j.value FROM {json_texts:?2})",
);

/// The numeric scores of the sessions of project `?1` whose ids are in the JSON array `?2` that
/// name the session itself, one row each (`contrib::given_facts`).
pub static SCORES_GIVEN: Sql = Sql::new(
    "SELECT target AS session_id, at, name, num FROM scores
     WHERE project_id = ?1 AND target_kind = 'session' AND num IS NOT NULL
       AND target IN (SELECT j.value FROM {json_texts:?2})",
);

/// Adds to the `tool_rollups` rows of project `?1` the calls in JSON array `?2`, one array per
/// row (`[hour, tool, server, calls, failures, denials, durations, duration_ms, max_ms]`, no
/// row twice), keeping each `max_ms` as the row's longest call when longer.
pub static TOOL_ADD: Sql = Sql::new(
    "INSERT INTO tool_rollups AS o (project_id, hour, tool_name, mcp_server, calls, failures,
        denials, durations, duration_ms, max_ms)
     SELECT ?1, CAST({json_at:0} AS BIGINT), CAST({json_at:1} AS TEXT),
        CAST({json_at:2} AS TEXT), CAST({json_at:3} AS BIGINT), CAST({json_at:4} AS BIGINT),
        CAST({json_at:5} AS BIGINT), CAST({json_at:6} AS BIGINT), CAST({json_at:7} AS BIGINT),
        CAST({json_at:8} AS BIGINT)
     FROM {json_rows:?2} WHERE true
     ON CONFLICT (project_id, hour, tool_name, mcp_server) DO UPDATE SET
        calls = o.calls + excluded.calls, failures = o.failures + excluded.failures,
        denials = o.denials + excluded.denials,
        durations = o.durations + excluded.durations,
        duration_ms = o.duration_ms + excluded.duration_ms,
        max_ms = CASE WHEN excluded.max_ms IS NULL THEN o.max_ms
                      WHEN o.max_ms IS NULL THEN excluded.max_ms
                      ELSE {greatest:o.max_ms, excluded.max_ms} END",
);

/// Sets the longest call of the `tool_rollups` row of project `?1`, hour `?2`, tool `?3`, MCP
/// server `?4` to the longest among the calls of that tool by the hour's sessions (once the one
/// that held it left).
pub static TOOL_MAX_AGAIN: Sql = Sql::new(
    "UPDATE tool_rollups SET max_ms = (
        SELECT MAX(t.duration_ms) FROM sessions s
        JOIN tool_calls t ON t.project_id = s.project_id AND t.session_id = s.id
        WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?2 + 3600000
          AND t.tool_name = ?3 AND COALESCE(t.mcp_server, '') = ?4)
     WHERE project_id = ?1 AND hour = ?2 AND tool_name = ?3 AND mcp_server = ?4",
);

/// Deletes the `tool_rollups` row of project `?1`, hour `?2`, tool `?3`, MCP server `?4` when
/// no call is left in it.
pub static TOOL_PRUNE: Sql = Sql::new(
    "DELETE FROM tool_rollups WHERE project_id = ?1 AND hour = ?2 AND tool_name = ?3
       AND mcp_server = ?4 AND calls = 0",
);

/// Every tool rollup row, for a rebuild.
pub static CLEAR_TOOLS: Sql = Sql::new("DELETE FROM tool_rollups");

/// Adds to the `tool_durations` rows of project `?1` the calls in JSON array `?2`, one array
/// per row (`[day, tool, server, bucket, calls]`, no row twice).
pub static TOOL_DURATIONS_ADD: Sql = Sql::new(
    "INSERT INTO tool_durations AS o (project_id, day, tool_name, mcp_server, bucket, calls)
     SELECT ?1, CAST({json_at:0} AS BIGINT), CAST({json_at:1} AS TEXT),
        CAST({json_at:2} AS TEXT), CAST({json_at:3} AS BIGINT), CAST({json_at:4} AS BIGINT)
     FROM {json_rows:?2} WHERE true
     ON CONFLICT (project_id, day, tool_name, mcp_server, bucket) DO UPDATE SET
        calls = o.calls + excluded.calls",
);

/// Deletes the `tool_durations` row of project `?1`, day `?2`, tool `?3`, MCP server `?4`,
/// bucket `?5` when no call is left in it.
pub static TOOL_DURATIONS_PRUNE: Sql = Sql::new(
    "DELETE FROM tool_durations WHERE project_id = ?1 AND day = ?2 AND tool_name = ?3
       AND mcp_server = ?4 AND bucket = ?5 AND calls = 0",
);

/// Every `tool_durations` row, for a rebuild.
pub static CLEAR_TOOL_DURATIONS: Sql = Sql::new("DELETE FROM tool_durations");

/// The contributions last added for the sessions of project `?1` whose ids are in the JSON array
/// `?2`, as `session_id` and `body`.
pub static CONTRIB: Sql = Sql::new(
    "SELECT session_id, body FROM rollup_contrib
     WHERE project_id = ?1 AND session_id IN (SELECT j.value FROM {json_texts:?2})",
);

/// Records the contributions added for sessions of project `?1`: JSON array `?2` of
/// `[session id, body]`.
pub static PUT_CONTRIB: Sql = Sql::new(
    "INSERT INTO rollup_contrib AS o (project_id, session_id, body)
     SELECT ?1, CAST({json_at:0} AS TEXT), CAST({json_at:1} AS TEXT)
     FROM {json_rows:?2} WHERE true
     ON CONFLICT (project_id, session_id) DO UPDATE SET body = excluded.body",
);

/// Forgets the contribution of session `?2` of project `?1`.
pub static DROP_CONTRIB: Sql =
    Sql::new("DELETE FROM rollup_contrib WHERE project_id = ?1 AND session_id = ?2");

/// Adds to the rollup rows of project `?1` the counts in JSON array `?2`, one array per row
/// (`[dim, hour, val ('' when null), known, sessions, failed, running, cost_nanos, priced,
/// tokens, durations, duration_ms, turns, tool_calls, tool_errors, turned, scored,
/// score_nanos, first_ts, last_ts]`, no row twice; the times null but for the users' rows).
/// Additions commute, and so do the earliest and latest times, so collectors adding at once
/// agree.
pub static ADD: Sql = Sql::new(
    "INSERT INTO rollups AS o (project_id, dim, hour, val, known, sessions, failed, running,
        cost_nanos, priced, tokens, durations, duration_ms, turns, tool_calls, tool_errors,
        turned, scored, score_nanos, first_ts, last_ts)
     SELECT ?1, CAST({json_at:0} AS TEXT), CAST({json_at:1} AS BIGINT),
        CAST({json_at:2} AS TEXT), CAST({json_at:3} AS BOOLEAN), CAST({json_at:4} AS BIGINT),
        CAST({json_at:5} AS BIGINT), CAST({json_at:6} AS BIGINT), CAST({json_at:7} AS BIGINT),
        CAST({json_at:8} AS BIGINT), CAST({json_at:9} AS BIGINT), CAST({json_at:10} AS BIGINT),
        CAST({json_at:11} AS BIGINT), CAST({json_at:12} AS BIGINT),
        CAST({json_at:13} AS BIGINT), CAST({json_at:14} AS BIGINT),
        CAST({json_at:15} AS BIGINT), CAST({json_at:16} AS BIGINT),
        CAST({json_at:17} AS BIGINT), CAST({json_at:18} AS BIGINT),
        CAST({json_at:19} AS BIGINT)
     FROM {json_rows:?2} WHERE true
     ON CONFLICT (project_id, dim, hour, val, known) DO UPDATE SET
        sessions = o.sessions + excluded.sessions, failed = o.failed + excluded.failed,
        running = o.running + excluded.running,
        cost_nanos = o.cost_nanos + excluded.cost_nanos, priced = o.priced + excluded.priced,
        tokens = o.tokens + excluded.tokens, durations = o.durations + excluded.durations,
        duration_ms = o.duration_ms + excluded.duration_ms, turns = o.turns + excluded.turns,
        tool_calls = o.tool_calls + excluded.tool_calls,
        tool_errors = o.tool_errors + excluded.tool_errors,
        turned = o.turned + excluded.turned, scored = o.scored + excluded.scored,
        score_nanos = o.score_nanos + excluded.score_nanos,
        first_ts = CASE WHEN excluded.first_ts IS NULL THEN o.first_ts
                        WHEN o.first_ts IS NULL THEN excluded.first_ts
                        ELSE {least:o.first_ts, excluded.first_ts} END,
        last_ts = CASE WHEN excluded.last_ts IS NULL THEN o.last_ts
                       WHEN o.last_ts IS NULL THEN excluded.last_ts
                       ELSE {greatest:o.last_ts, excluded.last_ts} END",
);

/// Sets the first and last sort times of the users' row of project `?1`, dimension `?4`
/// (daily or weekly), start `?2`, user `?3` to those of the user's sessions of its `?5` ms as
/// they are now (once one that may have held them left).
pub static BOUNDS_AGAIN: Sql = Sql::new(
    "UPDATE rollups SET
        first_ts = (SELECT MIN(sort_ts) FROM sessions WHERE project_id = ?1 AND user_id = ?3
                      AND sort_ts >= ?2 AND sort_ts < ?2 + ?5),
        last_ts = (SELECT MAX(sort_ts) FROM sessions WHERE project_id = ?1 AND user_id = ?3
                     AND sort_ts >= ?2 AND sort_ts < ?2 + ?5)
     WHERE project_id = ?1 AND dim = ?4 AND hour = ?2 AND val = ?3 AND known",
);

/// Adds to the `rollup_durations` rows of project `?1` the sessions in JSON array `?2`, one
/// array per row (`[dim, day, val, bucket, sessions]`, no row twice).
pub static DURATIONS_ADD: Sql = Sql::new(
    "INSERT INTO rollup_durations AS o (project_id, dim, val, day, bucket, sessions)
     SELECT ?1, CAST({json_at:0} AS TEXT), CAST({json_at:2} AS TEXT),
        CAST({json_at:1} AS BIGINT), CAST({json_at:3} AS BIGINT), CAST({json_at:4} AS BIGINT)
     FROM {json_rows:?2} WHERE true
     ON CONFLICT (project_id, dim, val, day, bucket) DO UPDATE SET
        sessions = o.sessions + excluded.sessions",
);

/// Deletes the `rollup_durations` row of project `?1`, dimension `?2`, day `?3`, value `?4`,
/// bucket `?5` when no session is left in it.
pub static DURATIONS_PRUNE: Sql = Sql::new(
    "DELETE FROM rollup_durations WHERE project_id = ?1 AND dim = ?2 AND val = ?4 AND day = ?3
       AND bucket = ?5 AND sessions = 0",
);

/// Every `rollup_durations` row, for a rebuild.
pub static CLEAR_DURATIONS: Sql = Sql::new("DELETE FROM rollup_durations");

/// Deletes the rollup row of project `?1`, dimension `?2`, hour `?3`, value `?4`, known `?5`
/// when no session is left in it (then every count is zero).
pub static PRUNE: Sql = Sql::new(
    "DELETE FROM rollups WHERE project_id = ?1 AND dim = ?2 AND hour = ?3 AND val = ?4
       AND known = ?5 AND sessions = 0",
);

/// A setting's value (`settings`).
pub static SETTING: Sql = Sql::new("SELECT value FROM settings WHERE name = ?1");

/// Sets a setting.
pub static PUT_SETTING: Sql = Sql::new(
    "INSERT INTO settings AS o (name, value) VALUES (?1, ?2)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
);

/// Deletes a setting.
pub static DROP_SETTING: Sql = Sql::new("DELETE FROM settings WHERE name = ?1");

/// Every rollup row, for a rebuild.
pub static CLEAR: Sql = Sql::new("DELETE FROM rollups");

/// Every recorded contribution, for a rebuild.
pub static CLEAR_CONTRIB: Sql = Sql::new("DELETE FROM rollup_contrib");

/// Up to `?3` sessions after `(?1, ?2)` in `(project_id, id)` order, for a rebuild.
pub static SESSIONS_AFTER: Sql = Sql::new(
    "SELECT project_id, id FROM sessions WHERE (project_id, id) > (?1, ?2)
     ORDER BY project_id, id LIMIT ?3",
);

#[cfg(test)]
mod tests {
    #[test]
    fn every_statement_renders_in_both_dialects() {
        use super::*;
        crate::store::dialect::assert_renders(&[
            &FACTS,
            &TOOL_FACTS,
            &SCORES_GIVEN,
            &TOOL_ADD,
            &TOOL_MAX_AGAIN,
            &TOOL_PRUNE,
            &CLEAR_TOOLS,
            &TOOL_DURATIONS_ADD,
            &TOOL_DURATIONS_PRUNE,
            &CLEAR_TOOL_DURATIONS,
            &BOUNDS_AGAIN,
            &CONTRIB,
            &PUT_CONTRIB,
            &DROP_CONTRIB,
            &ADD,
            &PRUNE,
            &DURATIONS_ADD,
            &DURATIONS_PRUNE,
            &CLEAR_DURATIONS,
            &SETTING,
            &PUT_SETTING,
            &DROP_SETTING,
            &CLEAR,
            &CLEAR_CONTRIB,
            &SESSIONS_AFTER,
        ]);
    }
}
