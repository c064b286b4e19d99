//! The statements the aggregate reads run over the rollups (`?2`..`?3`: whole hours) and over the
//! sessions of the partial hours at a range's edges, each pair giving the same columns so their
//! rows merge (`rollup/overview.rs`).

use crate::store::dialect::Sql;

/// The rollups' sums of a count column, as `row::totals_sums` and the others read them.
macro_rules! sums {
    () => {
        "{capped_sum:sessions} AS sessions, {capped_sum:failed} AS failed,
         CAST({capped_sum:cost_nanos} AS DOUBLE PRECISION) / 1000000000.0 AS cost_usd"
    };
}

/// The sessions' equivalent of [`sums`].
macro_rules! session_sums {
    () => {
        "COUNT(*) AS sessions, COUNT(*) FILTER (WHERE status = 'failed') AS failed,
         COALESCE(SUM(cost_usd), 0) AS cost_usd"
    };
}

/// The figures of project `?1`'s hours in [`?2`, `?3`) (`overview::sums`).
pub static TOTALS: Sql = Sql::new(concat!(
    "SELECT ",
    sums!(),
    ", {capped_sum:running} AS running, {capped_sum:tokens} AS total_tokens,
        {capped_sum:durations} AS durations, {capped_sum:duration_ms} AS duration_ms
     FROM rollups WHERE project_id = ?1 AND dim = '' AND hour >= ?2 AND hour < ?3"
));

/// [`TOTALS`] of the sessions that started in [`?2`, `?3`).
pub static SESSION_TOTALS: Sql = Sql::new(concat!(
    "SELECT ",
    session_sums!(),
    ", COUNT(*) FILTER (WHERE status = 'running') AS running,
        {capped_sum:total_tokens} AS total_tokens, COUNT(duration_ms) AS durations,
        {capped_sum:duration_ms} AS duration_ms
     FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3"
));

/// Whether the rollup row of `hour` (at or after `?4`) falls in one bucket of `?5` ms from `?4`:
/// the hours a bucket boundary cuts are read from their quarter hours' rows or the sessions
/// instead (`overview::Cut`).
macro_rules! uncut {
    () => {
        " AND ((hour - ?4) % ?5) + 3600000 <= ?5"
    };
}

/// [`TOTALS`] in buckets of `?5` ms from `?4` (`row::bucket`), of the hours no bucket boundary
/// cuts.
pub static SERIES: Sql = Sql::new(concat!(
    "SELECT ((hour - ?4) / ?5) * ?5 + ?4 AS bucket_start, ",
    sums!(),
    ", {capped_sum:tokens} AS total_tokens
     FROM rollups WHERE project_id = ?1 AND dim = '' AND hour >= ?2 AND hour < ?3",
    uncut!(),
    " GROUP BY 1 ORDER BY 1"
));

/// [`SERIES`] of the quarter-hour rows of dimension `?5` (`contrib::QUARTER_DIM`) whose starts
/// are the JSON array `?2`, in buckets of `?4` ms from `?3`: each row is looked up by its key.
pub static QUARTER_SERIES: Sql = Sql::new(concat!(
    "SELECT ((r.hour - ?3) / ?4) * ?4 + ?3 AS bucket_start, ",
    sums!(),
    ", {capped_sum:tokens} AS total_tokens
     FROM {json_texts:?2} CROSS JOIN rollups r
     WHERE r.project_id = ?1 AND r.dim = ?5 AND r.hour = CAST(j.value AS BIGINT)
     GROUP BY 1 ORDER BY 1"
));

/// [`SERIES`] of the sessions that started in the periods of `?5` ms whose starts are the JSON
/// array `?2`, in buckets of `?4` ms from `?3`.
pub static CUT_SERIES: Sql = Sql::new(concat!(
    "SELECT ((s.sort_ts - ?3) / ?4) * ?4 + ?3 AS bucket_start, ",
    session_sums!(),
    ", {capped_sum:total_tokens} AS total_tokens
     FROM {json_texts:?2} CROSS JOIN sessions s
     WHERE s.project_id = ?1 AND s.sort_ts >= CAST(j.value AS BIGINT)
       AND s.sort_ts < CAST(j.value AS BIGINT) + ?5
     GROUP BY 1 ORDER BY 1"
));

/// [`SERIES`] of the sessions that started in [`?2`, `?3`).
pub static SESSION_SERIES: Sql = Sql::new(concat!(
    "SELECT ((sort_ts - ?4) / ?5) * ?5 + ?4 AS bucket_start, ",
    session_sums!(),
    ", {capped_sum:total_tokens} AS total_tokens
     FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3
     GROUP BY 1 ORDER BY 1"
));

/// The sessions of each value of dimension `?4` in the hours of [`?2`, `?3`) (`row::group`).
pub static GROUPS: Sql = Sql::new(concat!(
    "SELECT CASE WHEN known THEN val END AS group_key, ",
    sums!(),
    " FROM rollups WHERE project_id = ?1 AND dim = ?4 AND hour >= ?2 AND hour < ?3
     GROUP BY val, known"
));

/// [`GROUPS`] of a sessions column, over the sessions that started in [`?2`, `?3`).
macro_rules! session_groups {
    ($column:literal) => {
        Sql::new(concat!(
            "SELECT ",
            $column,
            " AS group_key, ",
            session_sums!(),
            " FROM sessions WHERE project_id = ?1 AND sort_ts >= ?2 AND sort_ts < ?3
             GROUP BY ",
            $column
        ))
    };
}

/// [`GROUPS`] by agent, of sessions.
pub static SESSION_AGENTS: Sql = session_groups!("agent");

/// [`GROUPS`] by user, of sessions.
pub static SESSION_USERS: Sql = session_groups!("user_id");

/// Every tool's calls made by project `?1`'s sessions of the hours in [`?2`, `?3`)
/// (`overview::tool_sums`).
pub static TOOLS: Sql = Sql::new(
    "SELECT tool_name, {capped_sum:calls} AS calls, {capped_sum:failures} AS failures,
        {capped_sum:durations} AS durations, {capped_sum:duration_ms} AS duration_ms,
        MAX(max_ms) AS max_ms
     FROM tool_rollups WHERE project_id = ?1 AND hour >= ?2 AND hour < ?3
     GROUP BY tool_name",
);

/// [`TOOLS`] of the calls of the sessions that started in [`?2`, `?3`).
pub static SESSION_TOOLS: Sql = Sql::new(
    "SELECT t.tool_name, COUNT(*) AS calls, COUNT(*) FILTER (WHERE t.status = 'error') AS failures,
        COUNT(t.duration_ms) AS durations, {capped_sum:t.duration_ms} AS duration_ms,
        MAX(t.duration_ms) AS max_ms
     FROM sessions s
     JOIN tool_calls t ON t.project_id = s.project_id AND t.session_id = s.id
     WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3
     GROUP BY t.tool_name",
);

/// The scores given in the hours of [`?2`, `?3`) that no bucket boundary cuts, per bucket of `?5`
/// ms from `?4` and value of dimension `?6` (`contrib::GIVEN_DIM`: score name and agent), their
/// number and sum in billionths (`overview_scores::given_sums`).
pub static GIVEN: Sql = Sql::new(concat!(
    "SELECT ((hour - ?4) / ?5) * ?5 + ?4 AS bucket_start, val, {capped_sum:scored} AS count,
        {capped_sum:score_nanos} AS nanos
     FROM rollups WHERE project_id = ?1 AND dim = ?6 AND hour >= ?2 AND hour < ?3",
    uncut!(),
    " GROUP BY 1, val"
));

/// [`GIVEN`] of the quarter-hour rows of dimension `?5` (`contrib::GIVEN_QUARTER_DIM`) whose
/// starts are the JSON array `?2`, in buckets of `?4` ms from `?3`.
pub static QUARTER_GIVEN: Sql = Sql::new(
    "SELECT ((r.hour - ?3) / ?4) * ?4 + ?3 AS bucket_start, r.val,
        {capped_sum:r.scored} AS count, {capped_sum:r.score_nanos} AS nanos
     FROM {json_texts:?2} CROSS JOIN rollups r
     WHERE r.project_id = ?1 AND r.dim = ?5 AND r.hour = CAST(j.value AS BIGINT)
     GROUP BY 1, r.val",
);

#[cfg(test)]
mod tests {
    #[test]
    fn every_statement_renders_in_both_dialects() {
        use super::*;
        crate::store::dialect::assert_renders(&[
            &TOTALS,
            &SESSION_TOTALS,
            &SERIES,
            &SESSION_SERIES,
            &CUT_SERIES,
            &QUARTER_SERIES,
            &GROUPS,
            &SESSION_AGENTS,
            &SESSION_USERS,
            &TOOLS,
            &SESSION_TOOLS,
            &GIVEN,
            &QUARTER_GIVEN,
        ]);
    }
}
