//! The end users of a project over a time range (`GET /api/analytics/users`): per user, their
//! sessions, failures, cost, tokens, average score, first and last seen; sorted, searched and
//! paged in the database. (A user's conversations are counted on their own page,
//! `user_detail.rs`: a distinct count over many users' sessions is what a list cannot afford.) Written once for both stores. Read from the rollups
//! (`rollup/users.rs`) but for the average of one named score, which only the sessions and their
//! scores hold (read here).

use serde::Serialize;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::time::Timestamp;

/// What `GET /api/analytics/users` asks.
#[derive(Debug, Clone, PartialEq)]
pub struct UsersQuery {
    /// Sessions that started at or after this time, ms.
    pub from: i64,
    /// ... and before this one.
    pub to: i64,
    /// Only users whose id contains this (case-insensitive for ASCII letters); empty: all.
    pub search: String,
    /// The score whose average is given (empty: every numeric score).
    pub score: String,
    /// What the users are ordered by.
    pub sort: UserSort,
    /// Largest first (`true`) or smallest first.
    pub descending: bool,
    /// Page size.
    pub limit: i64,
    /// Users skipped before the page.
    pub offset: i64,
}

/// What the users can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    /// Number of sessions.
    Sessions,
    /// Total cost.
    Cost,
    /// Total tokens.
    Tokens,
    /// Failed sessions over sessions.
    FailureRate,
    /// Average score.
    Score,
    /// Latest session start.
    LastSeen,
}

impl UserSort {
    /// Every value, as the API names them.
    pub const ALL: [UserSort; 6] = [
        UserSort::Sessions,
        UserSort::Cost,
        UserSort::Tokens,
        UserSort::FailureRate,
        UserSort::Score,
        UserSort::LastSeen,
    ];

    /// Its name in the API (and in the statement's `CASE`).
    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Sessions => "sessions",
            UserSort::Cost => "cost",
            UserSort::Tokens => "tokens",
            UserSort::FailureRate => "failure_rate",
            UserSort::Score => "score",
            UserSort::LastSeen => "last_seen",
        }
    }
}

/// One end user's figures over the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRow {
    /// The end user.
    pub user_id: String,
    /// Sessions that started in the range.
    pub sessions: i64,
    /// Of which failed.
    pub failed: i64,
    /// `failed / sessions`.
    pub failure_rate: f64,
    /// Their cost, USD.
    pub cost_usd: f64,
    /// Their tokens.
    pub total_tokens: i64,
    /// The average of their sessions' average scores (numbers; a boolean is 1 or 0); `null`
    /// without scores.
    pub avg_score: Option<f64>,
    /// Their first session's start in the range.
    pub first_seen: Option<Timestamp>,
    /// Their latest session's start in the range.
    pub last_seen: Option<Timestamp>,
}

/// A page of users, and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsersPage {
    /// The users of the page, in the order asked.
    pub users: Vec<UserRow>,
    /// Users matching the range and search.
    pub total: i64,
}

/// The sessions of the range and search (`?1` to `?4`, [`like_pattern`]).
macro_rules! users_where {
    () => {
        " WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND s.user_id IS NOT NULL
           AND (?4 = '' OR lower(s.user_id) LIKE lower(?4) ESCAPE '\\')"
    };
}

/// [`users_where!`]'s sessions with each one's average score (scores given to the session by its
/// id; `?5` names the score, or is empty).
macro_rules! user_sessions {
    () => {
        concat!(
            "FROM sessions s
             LEFT JOIN (SELECT target, AVG(num) AS avg FROM scores
                        WHERE project_id = ?1 AND target_kind = 'session' AND num IS NOT NULL
                          AND (?5 = '' OR name = ?5)
                        GROUP BY target) sc ON sc.target = s.id",
            users_where!()
        )
    };
}

/// The sort key of a user row: `?6` names it.
macro_rules! sort_key {
    () => {
        "CASE ?6 WHEN 'sessions' THEN CAST(COUNT(*) AS DOUBLE PRECISION)
                 WHEN 'cost' THEN SUM(COALESCE(s.cost_usd, 0))
                 WHEN 'tokens' THEN CAST({capped_sum:s.total_tokens} AS DOUBLE PRECISION)
                 WHEN 'failure_rate' THEN CAST(COUNT(*) FILTER (WHERE s.status = 'failed') AS DOUBLE PRECISION) / COUNT(*)
                 WHEN 'score' THEN AVG(sc.avg)
                 ELSE CAST(MAX(s.sort_ts) AS DOUBLE PRECISION) END"
    };
}

static USERS: Sql = Sql::new(concat!(
    "SELECT s.user_id AS user_id, COUNT(*) AS sessions,
        COUNT(*) FILTER (WHERE s.status = 'failed') AS failed,
        SUM(COALESCE(s.cost_usd, 0)) AS cost_usd, {capped_sum:s.total_tokens} AS total_tokens,
        AVG(sc.avg) AS avg_score,
        MIN(s.sort_ts) AS first_seen, MAX(s.sort_ts) AS last_seen ",
    user_sessions!(),
    " GROUP BY s.user_id ORDER BY (",
    sort_key!(),
    ") IS NULL, (",
    sort_key!(),
    ") * ?7 DESC, s.user_id LIMIT ?8 OFFSET ?9"
));

/// How many users match, over every page (no scores needed).
static TOTAL: Sql = Sql::new(concat!(
    "SELECT COUNT(DISTINCT s.user_id) AS total FROM sessions s",
    users_where!()
));

/// One row of [`USERS`] (also of a user's page, `user_detail.rs`).
pub(crate) fn user(r: &dyn Columns) -> Result<UserRow, StoreError> {
    let sessions = r.integer("sessions")?;
    let failed = r.integer("failed")?;
    Ok(UserRow {
        user_id: r.string("user_id")?,
        sessions,
        failed,
        failure_rate: if sessions > 0 {
            failed as f64 / sessions as f64
        } else {
            0.0
        },
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
        total_tokens: r.int("total_tokens")?.unwrap_or(0),
        avg_score: r.real("avg_score")?,
        first_seen: r.time("first_seen")?,
        last_seen: r.time("last_seen")?,
    })
}

/// The LIKE pattern (escaped with `\\`) of the user ids that hold `search`; empty for an empty
/// search. The search is text, not a pattern: LIKE's wildcards in it match themselves.
pub(crate) fn like_pattern(search: &str) -> String {
    if search.is_empty() {
        return String::new();
    }
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The page of users `q` asks for in `project_id`.
pub async fn users<D: Db>(
    db: &D,
    project_id: &str,
    q: &UsersQuery,
) -> Result<UsersPage, StoreError> {
    if q.score.is_empty() {
        return crate::store::rollup::users::users(db, project_id, q).await;
    }
    let sign: f64 = if q.descending { 1.0 } else { -1.0 };
    let search = like_pattern(&q.search);
    let args = values![
        project_id,
        q.from,
        q.to,
        search.as_str(),
        q.score.as_str(),
        q.sort.as_str(),
        sign,
        q.limit,
        q.offset
    ];
    let users = db.select(&USERS, &args, user).await?;
    let total = db
        .select(&TOTAL, &args[..4], |r| r.integer("total"))
        .await?
        .first()
        .copied()
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
