//! The users list from the rollups (`store/users.rs`): the users' daily rows of the range's whole
//! UTC days, and the sessions of the rest (at most a day at either edge), summed per user, then
//! sorted, searched and paged in the database. The average of one named score comes from that
//! name's daily rows per user (`user_id@<name>`, `contrib::score_dim`) instead of the users' own,
//! which sum every numeric score.

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::rollup::contrib::{days_and_edges, score_dim, DAILY_DIM};
use crate::store::users::{like_pattern, user, UsersPage, UsersQuery};
use crate::store::value::values;

/// The sessions of one edge of the range (`?A` to `?B`) as rows of the users' rollups, for the
/// users matching search `?8`, their scores those named `?9` (empty: every numeric score).
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
                        AND (?9 = '' OR sc.name = ?9)) AS score
                   FROM sessions s
                   WHERE s.project_id = ?1 AND s.sort_ts >= ",
            $from,
            " AND s.sort_ts < ",
            $to,
            " AND s.user_id IS NOT NULL
                     AND (?8 = '' OR lower(s.user_id) LIKE lower(?8) ESCAPE '\\')) e"
        )
    };
}

/// Per user: the daily rows of project `?1`'s days in [`?2`, `?3`) and the sessions of
/// [`?4`, `?5`) and [`?6`, `?7`), of the users whose id matches LIKE pattern `?8` (case-insensitive for
/// ASCII letters; empty: every user). With a score name `?9` (and `?10` its dimension), the scores
/// are that name's: the users' rows give none, that name's rows give theirs.
macro_rules! parts {
    () => {
        concat!(
            "(SELECT val AS user_id, sessions, failed, cost_nanos, tokens,
                CASE WHEN ?9 = '' THEN scored ELSE 0 END AS scored,
                CASE WHEN ?9 = '' THEN score_nanos ELSE 0 END AS score_nanos, first_ts, last_ts
              FROM rollups WHERE project_id = ?1 AND dim = 'user_id' AND known
                AND hour >= ?2 AND hour < ?3
                AND (?8 = '' OR lower(val) LIKE lower(?8) ESCAPE '\\')
              UNION ALL
              SELECT val AS user_id, 0 AS sessions, 0 AS failed, 0 AS cost_nanos, 0 AS tokens,
                scored, score_nanos, CAST(NULL AS BIGINT) AS first_ts,
                CAST(NULL AS BIGINT) AS last_ts
              FROM rollups WHERE ?9 <> '' AND project_id = ?1 AND dim = ?10 AND known
                AND hour >= ?2 AND hour < ?3
                AND (?8 = '' OR lower(val) LIKE lower(?8) ESCAPE '\\')
              UNION ALL ",
            edge!("?4", "?5"),
            " UNION ALL ",
            edge!("?6", "?7"),
            ") u"
        )
    };
}

/// The sort key of a user row: `?11` names it.
macro_rules! sort_key {
    () => {
        "CASE ?11 WHEN 'sessions' THEN CAST({capped_sum:sessions} AS DOUBLE PRECISION)
                 WHEN 'cost' THEN CAST({capped_sum:cost_nanos} AS DOUBLE PRECISION)
                 WHEN 'tokens' THEN CAST({capped_sum:tokens} AS DOUBLE PRECISION)
                 WHEN 'failure_rate' THEN CAST({capped_sum:failed} AS DOUBLE PRECISION)
                                          / {capped_sum:sessions}
                 WHEN 'score' THEN CAST({capped_sum:score_nanos} AS DOUBLE PRECISION)
                                   / NULLIF({capped_sum:scored}, 0)
                 ELSE CAST(MAX(last_ts) AS DOUBLE PRECISION) END"
    };
}

/// A page of [`parts`]' users: sorted by [`sort_key`] times `?12`, `?13` of them after `?14`.
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
    ") * ?12 DESC, user_id LIMIT ?13 OFFSET ?14"
));

/// The ids of the users of project `?1` in the range (the users' daily rows of [`?2`, `?3`), the
/// sessions of [`?4`, `?5`) and [`?6`, `?7`)) whose id matches `?8`.
macro_rules! user_ids {
    () => {
        "(SELECT val AS user_id FROM rollups WHERE project_id = ?1 AND dim = 'user_id' AND known
            AND hour >= ?2 AND hour < ?3 AND (?8 = '' OR lower(val) LIKE lower(?8) ESCAPE '\\')
          UNION ALL
          SELECT user_id FROM sessions WHERE project_id = ?1 AND sort_ts >= ?4 AND sort_ts < ?5
            AND user_id IS NOT NULL AND (?8 = '' OR lower(user_id) LIKE lower(?8) ESCAPE '\\')
          UNION ALL
          SELECT user_id FROM sessions WHERE project_id = ?1 AND sort_ts >= ?6 AND sort_ts < ?7
            AND user_id IS NOT NULL AND (?8 = '' OR lower(user_id) LIKE lower(?8) ESCAPE '\\')) u"
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
    let (days, edges) = days_and_edges(q.from, q.to);
    let pattern = like_pattern(&q.search);
    let score_dim = score_dim(DAILY_DIM, &q.score);
    let sign: f64 = if q.descending { 1.0 } else { -1.0 };
    let args = values![
        project,
        days.0,
        days.1,
        edges[0].0,
        edges[0].1,
        edges[1].0,
        edges[1].1,
        pattern.as_str(),
        q.score.as_str(),
        score_dim.as_str(),
        q.sort.as_str(),
        sign,
        q.limit,
        q.offset
    ];
    let users = db.select(&USERS, &args, user).await?;
    let total = db
        .select(&TOTAL, &args[..8], |r| r.integer("total"))
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
