//! The users list from the rollups (`store/users.rs`): the users' weekly rows of the range's whole
//! weeks, their daily rows of its other whole UTC days, and the sessions of the rest (less than a
//! day at either edge), summed per user, then sorted, searched and paged in the database. The
//! average of one named score comes from that name's rows per user (`user_id@<name>`,
//! `user_id/week@<name>`, `contrib::score_dim`) instead of the users' own, which sum every
//! numeric score.

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::rollup::contrib::{score_dim, weeks_days_and_edges, DAILY_DIM, WEEKLY_DIM};
use crate::store::users::{like_pattern, user, UsersPage, UsersQuery};
use crate::store::value::values;

/// The sessions of one edge of the range (`?A` to `?B`) as rows of the users' rollups, for the
/// users matching search `?10`, their scores those named `?12` (empty: every numeric score).
macro_rules! edge {
    ($from:literal, $to:literal) => {
        concat!(
            "SELECT user_id, 1 AS sessions,
                CASE WHEN status = 'failed' THEN 1 ELSE 0 END AS failed,
                CAST(ROUND(COALESCE(cost_usd, 0) * 1000000000.0) AS BIGINT) AS cost_nanos,
                COALESCE(total_tokens, 0) AS tokens,
                CASE WHEN score IS NULL THEN 0 ELSE 1 END AS scored,
                CAST(ROUND(COALESCE(score, 0) * 1000000000.0) AS BIGINT) AS score_nanos,
                sort_ts AS first_ts, sort_ts AS last_ts
             FROM (SELECT s.user_id, s.status, s.cost_usd, s.total_tokens, s.sort_ts,
                     (SELECT AVG(sc.num) FROM scores sc
                      WHERE sc.project_id = s.project_id AND sc.target_kind = 'session'
                        AND sc.target = s.id AND sc.num IS NOT NULL
                        AND (?12 = '' OR sc.name = ?12)) AS score
                   FROM sessions s
                   WHERE s.project_id = ?1 AND s.sort_ts >= ",
            $from,
            " AND s.sort_ts < ",
            $to,
            " AND s.user_id IS NOT NULL
                     AND (?10 = '' OR lower(s.user_id) LIKE lower(?10) ESCAPE '\\')) e"
        )
    };
}

/// The `$columns` of the rows of dimension `$dim` starting in [`$from`, `$to`) whose user
/// matches `?10`.
macro_rules! rollup_rows {
    ($columns:literal, $dim:literal, $from:literal, $to:literal) => {
        concat!(
            "SELECT ",
            $columns,
            " FROM rollups WHERE project_id = ?1 AND dim = ",
            $dim,
            " AND known AND hour >= ",
            $from,
            " AND hour < ",
            $to,
            " AND (?10 = '' OR lower(val) LIKE lower(?10) ESCAPE '\\')"
        )
    };
}

/// The users' rows of dimension `$dim` starting in [`$from`, `$to`); with a score name `?12`,
/// without their scores.
macro_rules! user_rows {
    ($dim:literal, $from:literal, $to:literal) => {
        rollup_rows!(
            "val AS user_id, sessions, failed, cost_nanos, tokens,
                CASE WHEN ?12 = '' THEN scored ELSE 0 END AS scored,
                CASE WHEN ?12 = '' THEN score_nanos ELSE 0 END AS score_nanos, first_ts, last_ts",
            $dim,
            $from,
            $to
        )
    };
}

/// The rows of score dimension `$dim` (a name's, `contrib::score_dim`) starting in [`$from`,
/// `$to`), when a score name `?12` is asked: only their scores.
macro_rules! score_rows {
    ($dim:literal, $from:literal, $to:literal) => {
        concat!(
            rollup_rows!(
                "val AS user_id, 0 AS sessions, 0 AS failed, 0 AS cost_nanos, 0 AS tokens,
                    scored, score_nanos, CAST(NULL AS BIGINT) AS first_ts,
                    CAST(NULL AS BIGINT) AS last_ts",
                $dim,
                $from,
                $to
            ),
            " AND ?12 <> ''"
        )
    };
}

/// The ids of the users of the rows of dimension `$dim` starting in [`$from`, `$to`).
macro_rules! id_rows {
    ($dim:literal, $from:literal, $to:literal) => {
        rollup_rows!("val AS user_id", $dim, $from, $to)
    };
}

/// The rows `$rows!` selects of the range's whole periods: daily dimension `$daily`'s of
/// [`?2`, `?3`) and [`?4`, `?5`), weekly dimension `$weekly`'s of [`?3`, `?4`).
macro_rules! by_period {
    ($rows:ident, $daily:literal, $weekly:literal) => {
        concat!(
            $rows!($daily, "?2", "?3"),
            " UNION ALL ",
            $rows!($weekly, "?3", "?4"),
            " UNION ALL ",
            $rows!($daily, "?4", "?5")
        )
    };
}

/// Per user, of project `?1` (`contrib::weeks_days_and_edges`): the daily rows (dimension `?11`'s
/// days) of [`?2`, `?3`) and [`?4`, `?5`), the weekly rows of [`?3`, `?4`), and the sessions of
/// [`?6`, `?7`) and [`?8`, `?9`), of the users whose id matches LIKE pattern `?10`
/// (case-insensitive for ASCII letters; empty: every user). With a score name `?12` (`?13` its
/// daily dimension, `?14` its weekly one), the scores are that name's: the users' rows give none,
/// that name's rows give theirs.
macro_rules! parts {
    () => {
        concat!(
            "(",
            by_period!(user_rows, "'user_id'", "?11"),
            " UNION ALL ",
            by_period!(score_rows, "?13", "?14"),
            " UNION ALL ",
            edge!("?6", "?7"),
            " UNION ALL ",
            edge!("?8", "?9"),
            ") u"
        )
    };
}

/// The sort key of a user row: `?15` names it.
macro_rules! sort_key {
    () => {
        "CASE ?15 WHEN 'sessions' THEN CAST({capped_sum:sessions} AS DOUBLE PRECISION)
                 WHEN 'cost' THEN CAST({capped_sum:cost_nanos} AS DOUBLE PRECISION)
                 WHEN 'tokens' THEN CAST({capped_sum:tokens} AS DOUBLE PRECISION)
                 WHEN 'failure_rate' THEN CAST({capped_sum:failed} AS DOUBLE PRECISION)
                                          / {capped_sum:sessions}
                 WHEN 'score' THEN CAST({capped_sum:score_nanos} AS DOUBLE PRECISION)
                                   / NULLIF({capped_sum:scored}, 0)
                 ELSE CAST(MAX(last_ts) AS DOUBLE PRECISION) END"
    };
}

/// A page of [`parts`]' users: sorted by [`sort_key`] times `?16`, `?17` of them after `?18`.
static USERS: Sql = Sql::new(concat!(
    "SELECT user_id, {capped_sum:sessions} AS sessions, {capped_sum:failed} AS failed,
        CAST({capped_sum:cost_nanos} AS DOUBLE PRECISION) / 1000000000.0 AS cost_usd,
        {capped_sum:tokens} AS total_tokens,
        CAST({capped_sum:score_nanos} AS DOUBLE PRECISION) / 1000000000.0
            / NULLIF({capped_sum:scored}, 0) AS avg_score,
        MIN(first_ts) AS first_seen, MAX(last_ts) AS last_seen
     FROM ",
    parts!(),
    " GROUP BY user_id ORDER BY (",
    sort_key!(),
    ") IS NULL, (",
    sort_key!(),
    ") * ?16 DESC, user_id LIMIT ?17 OFFSET ?18"
));

/// The ids of the users [`parts`] holds (the users' rows and the edges' sessions, without
/// scores), whose id matches `?10`.
macro_rules! user_ids {
    () => {
        concat!(
            "(",
            by_period!(id_rows, "'user_id'", "?11"),
            " UNION ALL
             SELECT user_id FROM sessions WHERE project_id = ?1 AND sort_ts >= ?6 AND sort_ts < ?7
               AND user_id IS NOT NULL AND (?10 = '' OR lower(user_id) LIKE lower(?10) ESCAPE '\\')
             UNION ALL
             SELECT user_id FROM sessions WHERE project_id = ?1 AND sort_ts >= ?8 AND sort_ts < ?9
               AND user_id IS NOT NULL AND (?10 = '' OR lower(user_id) LIKE lower(?10) ESCAPE '\\')
            ) u"
        )
    };
}

/// How many users [`parts`] holds: counted from their ids alone ([`user_ids`]), which spares
/// the figures and the edges' scores.
static TOTAL: Sql = Sql::new(concat!(
    "SELECT COUNT(DISTINCT user_id) AS total FROM ",
    user_ids!()
));

/// The page of users `q` asks for in `project` (its `score` empty: every numeric score).
pub(crate) async fn users<D: Db>(
    db: &D,
    project: &str,
    q: &UsersQuery,
) -> Result<UsersPage, StoreError> {
    let ([d0, w0, w1, d1], edges) = weeks_days_and_edges(q.from, q.to);
    let pattern = like_pattern(&q.search);
    let daily_score = score_dim(DAILY_DIM, &q.score);
    let weekly_score = score_dim(WEEKLY_DIM, &q.score);
    let sign: f64 = if q.descending { 1.0 } else { -1.0 };
    let args = values![
        project,
        d0,
        w0,
        w1,
        d1,
        edges[0].0,
        edges[0].1,
        edges[1].0,
        edges[1].1,
        pattern.as_str(),
        WEEKLY_DIM,
        q.score.as_str(),
        daily_score.as_str(),
        weekly_score.as_str(),
        q.sort.as_str(),
        sign,
        q.limit,
        q.offset
    ];
    let users = db.select(&USERS, &args, user).await?;
    let total = db
        .select(&TOTAL, &args[..11], |r| r.integer("total"))
        .await?
        .pop()
        .unwrap_or(0);
    Ok(UsersPage { users, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&USERS, &TOTAL]);
    }
}
