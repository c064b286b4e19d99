//! The rollups' statements, written once for both stores (see `store/dialect.rs`).

use crate::store::dialect::Sql;

/// What session `?2` of project `?1` contributes is made of (`contrib::facts`).
pub static FACTS: Sql = Sql::new(
    "SELECT s.sort_ts, s.status, s.agent, s.user_id, s.model, s.metadata, s.cost_usd,
        s.total_tokens, s.duration_ms, s.num_turns,
        (SELECT COUNT(*) FROM tool_calls t
         WHERE t.project_id = s.project_id AND t.session_id = s.id) AS tool_calls,
        (SELECT COUNT(*) FROM tool_calls t
         WHERE t.project_id = s.project_id AND t.session_id = s.id
           AND t.status = 'error') AS tool_errors
     FROM sessions s WHERE s.project_id = ?1 AND s.id = ?2",
);

/// The contribution last added for session `?2` of project `?1`, as `body`.
pub static CONTRIB: Sql =
    Sql::new("SELECT body FROM rollup_contrib WHERE project_id = ?1 AND session_id = ?2");

/// Records `?3` as the contribution added for session `?2` of project `?1`.
pub static PUT_CONTRIB: Sql = Sql::new(
    "INSERT INTO rollup_contrib AS o (project_id, session_id, body) VALUES (?1, ?2, ?3)
     ON CONFLICT (project_id, session_id) DO UPDATE SET body = excluded.body",
);

/// Forgets the contribution of session `?2` of project `?1`.
pub static DROP_CONTRIB: Sql =
    Sql::new("DELETE FROM rollup_contrib WHERE project_id = ?1 AND session_id = ?2");

/// Adds counts `?6`... to the rollup row of project `?1`, dimension `?2`, hour `?3`, value `?4`
/// (`''` when null), known `?5`. Additions commute, so collectors adding at once agree.
pub static ADD: Sql = Sql::new(
    "INSERT INTO rollups AS o (project_id, dim, hour, val, known, sessions, failed, running,
        cost_nanos, priced, tokens, durations, duration_ms, turns, tool_calls, tool_errors)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
     ON CONFLICT (project_id, dim, hour, val, known) DO UPDATE SET
        sessions = o.sessions + excluded.sessions, failed = o.failed + excluded.failed,
        running = o.running + excluded.running,
        cost_nanos = o.cost_nanos + excluded.cost_nanos, priced = o.priced + excluded.priced,
        tokens = o.tokens + excluded.tokens, durations = o.durations + excluded.durations,
        duration_ms = o.duration_ms + excluded.duration_ms, turns = o.turns + excluded.turns,
        tool_calls = o.tool_calls + excluded.tool_calls,
        tool_errors = o.tool_errors + excluded.tool_errors",
);

/// Deletes `ADD`'s row when no session is left in it (then every count is zero).
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
            &CONTRIB,
            &PUT_CONTRIB,
            &DROP_CONTRIB,
            &ADD,
            &PRUNE,
            &SETTING,
            &PUT_SETTING,
            &DROP_SETTING,
            &CLEAR,
            &CLEAR_CONTRIB,
            &SESSIONS_AFTER,
        ]);
    }
}
