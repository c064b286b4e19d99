//! The statements of alert rules, their states and their deliveries, written once for both
//! stores (see `dialect.rs`; tables in `ddl.rs`).

use crate::store::dialect::Sql;

/// The columns of a stored rule (`alerts::rule` reads them).
macro_rules! rule_columns {
    () => {
        "SELECT project_id, id, name, metric, metric_arg, group_by, window_minutes, op, threshold,
                webhook_url, cooldown_minutes, paused, created_at FROM alert_rules"
    };
}

/// The group of session `s` under grouping `?4` (`''`: not grouped, every session in group
/// `''`); NULL for a session without the grouped column, which the windows leave out.
macro_rules! group_of {
    () => {
        "(CASE ?4 WHEN 'user_id' THEN s.user_id WHEN 'agent' THEN s.agent ELSE '' END)"
    };
}

/// The columns of a session in a window (`alerts::sample` reads them).
macro_rules! sample_columns {
    () => {
        concat!(
            "SELECT s.id AS session, ",
            group_of!(),
            " AS grp, s.status AS status, s.ended_at AS ended_at, s.cost_usd AS cost_usd,
             s.duration_ms AS duration_ms, s.sort_ts AS sort_ts"
        )
    };
}

/// Rule `?2` of project `?1`: name `?3`, metric `?4` (with `?5`), grouped by `?6`, over `?7`
/// minutes, `?8` threshold `?9`, to `?10`, cooldown `?11` minutes, paused `?12`, made at `?13`.
pub static ADD_RULE: Sql = Sql::new(
    "INSERT INTO alert_rules (project_id, id, name, metric, metric_arg, group_by, window_minutes,
        op, threshold, webhook_url, cooldown_minutes, paused, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
);

/// The rules of project `?1` (`''`: of every project), oldest first.
pub static RULES: Sql = Sql::new(concat!(
    rule_columns!(),
    " WHERE ?1 = '' OR project_id = ?1 ORDER BY created_at, id"
));

/// The rules not paused, of every project.
pub static ACTIVE_RULES: Sql = Sql::new(concat!(
    rule_columns!(),
    " WHERE NOT paused ORDER BY project_id, id"
));

/// Pauses (`?3` true) or resumes rule `?2` of project `?1` (`''`: any).
pub static SET_PAUSED: Sql =
    Sql::new("UPDATE alert_rules SET paused = ?3 WHERE id = ?2 AND (?1 = '' OR project_id = ?1)");

/// Deletes rule `?2` of project `?1` (`''`: any).
pub static DELETE_RULE: Sql =
    Sql::new("DELETE FROM alert_rules WHERE id = ?2 AND (?1 = '' OR project_id = ?1)");

/// The states of rule `?2` of project `?1`.
pub static DELETE_STATES: Sql =
    Sql::new("DELETE FROM alert_states WHERE rule_id = ?2 AND (?1 = '' OR project_id = ?1)");

/// The deliveries of rule `?2` of project `?1` (pending ones too: a deleted rule sends nothing).
pub static DELETE_DELIVERIES: Sql =
    Sql::new("DELETE FROM alert_deliveries WHERE rule_id = ?2 AND (?1 = '' OR project_id = ?1)");

/// The states of the rules of project `?1` (`''`: every project), or of rule `?2` (`''`: all).
pub static STATES: Sql = Sql::new(
    "SELECT project_id, rule_id, grp, state, value, changed_at, fired_at, resolved_at
     FROM alert_states WHERE (?1 = '' OR project_id = ?1) AND (?2 = '' OR rule_id = ?2)
     ORDER BY project_id, rule_id, grp",
);

/// Group `?3` of rule `?2` of project `?1` is in state `?4` with value `?5` since `?6`, last fired
/// at `?7` and resolved at `?8`.
pub static PUT_STATE: Sql = Sql::new(
    "INSERT INTO alert_states AS o
        (project_id, rule_id, grp, state, value, changed_at, fired_at, resolved_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
     ON CONFLICT (project_id, rule_id, grp) DO UPDATE SET state = excluded.state,
        value = excluded.value, changed_at = excluded.changed_at, fired_at = excluded.fired_at,
        resolved_at = excluded.resolved_at",
);

/// A pending delivery: id `?2` of project `?1`, rule `?3`, group `?4`, change `?5`, value `?6`,
/// to `?7`, body `?8`, made (and due) at `?9`.
pub static ADD_DELIVERY: Sql = Sql::new(
    "INSERT INTO alert_deliveries (project_id, id, rule_id, grp, state, value, webhook_url, body,
        created_at, status, attempts, next_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', 0, ?9)",
);

/// The latest `?3` deliveries of project `?1` (`''`: every project), of rule `?2` (`''`: all).
pub static HISTORY: Sql = Sql::new(
    "SELECT project_id, id, rule_id, grp, state, value, body, created_at, status, attempts,
            response_status, last_error, done_at
     FROM alert_deliveries WHERE (?1 = '' OR project_id = ?1) AND (?2 = '' OR rule_id = ?2)
     ORDER BY created_at DESC, id DESC LIMIT ?3",
);

/// Up to `?2` pending deliveries due at `?1`, the longest waiting first.
pub static DUE: Sql = Sql::new(
    "SELECT project_id, id, webhook_url, body, attempts, next_at FROM alert_deliveries
     WHERE status = 'pending' AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
);

/// Claims delivery `?2` of project `?1` until `?3`, if it is still as read (`next_at` `?4`,
/// `attempts` `?5`): of several senders, one changes the row.
pub static CLAIM: Sql = Sql::new(
    "UPDATE alert_deliveries SET next_at = ?3, attempts = attempts + 1
     WHERE project_id = ?1 AND id = ?2 AND status = 'pending' AND next_at = ?4 AND attempts = ?5",
);

/// The outcome of an attempt at delivery `?2` of project `?1`: status `?3`, next try at `?4`,
/// the answer's status `?5`, the error `?6`, done at `?7`.
pub static FINISH: Sql = Sql::new(
    "UPDATE alert_deliveries SET status = ?3, next_at = ?4, response_status = ?5,
        last_error = ?6, done_at = ?7
     WHERE project_id = ?1 AND id = ?2",
);

/// The sessions of project `?1` in window `[?2, ?3)` (ended in it; a running one: started in
/// it), grouped by `?4`, newest first. Two index ranges (by end, by start), not one `OR`.
pub static SESSION_SAMPLES: Sql = Sql::new(concat!(
    sample_columns!(),
    " FROM sessions s WHERE s.project_id = ?1 AND s.ended_at >= ?2 AND s.ended_at < ?3 AND ",
    group_of!(),
    " IS NOT NULL UNION ALL ",
    sample_columns!(),
    " FROM sessions s WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3
       AND s.ended_at IS NULL AND ",
    group_of!(),
    " IS NOT NULL ORDER BY sort_ts DESC, session DESC"
));

/// The sessions of project `?1` with an issue of kind `?5` found in `[?2, ?3)`, grouped by `?4`,
/// newest first: from the issues' index to each session's key.
pub static ISSUE_SAMPLES: Sql = Sql::new(concat!(
    sample_columns!(),
    " FROM (SELECT DISTINCT i.session_id FROM session_issues i
           WHERE i.project_id = ?1 AND i.kind = ?5 AND i.at >= ?2 AND i.at < ?3) iss
     JOIN sessions s ON s.project_id = ?1 AND s.id = iss.session_id WHERE ",
    group_of!(),
    " IS NOT NULL ORDER BY sort_ts DESC, session DESC"
));

/// The numeric scores named `?5` given in `[?2, ?3)` to sessions of project `?1`, with their
/// sessions grouped by `?4`: those naming a session by its id, then those naming its Claude
/// session id (each an index lookup; one `OR` would scan the sessions per score).
pub static SCORE_SAMPLES: Sql = Sql::new(concat!(
    sample_columns!(),
    ", sc.num AS num FROM scores sc JOIN sessions s
       ON s.project_id = sc.project_id AND s.id = sc.target
     WHERE sc.project_id = ?1 AND sc.name = ?5 AND sc.at >= ?2 AND sc.at < ?3
       AND sc.target_kind = 'session' AND sc.num IS NOT NULL AND ",
    group_of!(),
    " IS NOT NULL UNION ALL ",
    sample_columns!(),
    ", sc.num AS num FROM scores sc JOIN sessions s
       ON s.project_id = sc.project_id AND s.claude_session_id = sc.target
     WHERE sc.project_id = ?1 AND sc.name = ?5 AND sc.at >= ?2 AND sc.at < ?3
       AND sc.target_kind = 'claude_session' AND sc.num IS NOT NULL AND ",
    group_of!(),
    " IS NOT NULL"
));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_renders_in_both_dialects() {
        crate::store::dialect::assert_renders(&[
            &ADD_RULE,
            &RULES,
            &ACTIVE_RULES,
            &SET_PAUSED,
            &DELETE_RULE,
            &DELETE_STATES,
            &DELETE_DELIVERIES,
            &STATES,
            &PUT_STATE,
            &ADD_DELIVERY,
            &HISTORY,
            &DUE,
            &CLAIM,
            &FINISH,
            &SESSION_SAMPLES,
            &ISSUE_SAMPLES,
            &SCORE_SAMPLES,
        ]);
    }
}
