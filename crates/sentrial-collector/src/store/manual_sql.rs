//! The read statements of manual sessions (see `store/manual.rs`), each written once for both
//! stores (see `store/dialect.rs` for the marks).

use crate::store::dialect::Sql;

/// The sessions of project `?1` whose parent is one of `?3`, `?4`, ... (the caller writes their
/// marks between [`CHILDREN_OPEN`] and [`CHILDREN_CLOSE`]), oldest first, at most `?2`.
pub const CHILDREN_OPEN: &str =
    "SELECT id, parent_session_id, name, agent, status, started_at, cost_usd FROM sessions
     WHERE project_id = ?1 AND parent_session_id IN (";

/// The end of [`CHILDREN_OPEN`]'s statement.
pub const CHILDREN_CLOSE: &str = ") ORDER BY sort_ts, id LIMIT ?2";

/// The sessions list's filter on one custom metric, opened after the list's conditions: the
/// caller binds the name, then ` AND m.value >= ?` and ` AND m.value <= ?` as given, and closes
/// it with `)`.
pub const METRIC_FILTER_OPEN: &str = " AND EXISTS (SELECT 1 FROM session_metrics m
     WHERE m.project_id = s.project_id AND m.session_id = s.id AND m.name = ?";

/// The custom metrics of project `?1`'s sessions that started in `[?2, ?3)`, averaged per
/// bucket of `?4` ms from `?2` (by the session's start), agent and name (each row a
/// `ScoreAverage`). Read from the metrics, which only manual sessions have: `CROSS JOIN`
/// keeps SQLite from reading every session of the range first (0.24 s for 90 days at a million
/// sessions with no metric at all); PostgreSQL plans it as any inner join.
pub static OVERVIEW_METRICS: Sql = Sql::new(
    "SELECT ((s.sort_ts - ?2) / ?4) * ?4 + ?2 AS bucket_start, s.agent, m.name,
        CAST(AVG(m.value) AS DOUBLE PRECISION) AS average, COUNT(*) AS count
     FROM session_metrics m CROSS JOIN sessions s
     WHERE m.project_id = ?1 AND s.project_id = m.project_id AND s.id = m.session_id
       AND s.sort_ts >= ?2 AND s.sort_ts < ?3
     GROUP BY 1, s.agent, m.name ORDER BY 1, s.agent NULLS FIRST, m.name",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_renders_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&OVERVIEW_METRICS]);
    }
}
