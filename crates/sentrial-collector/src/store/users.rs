//! The end users of a project over a time range (`GET /api/analytics/users`): per user, their
//! sessions, failures, cost, tokens, average score, first and last seen; sorted, searched and
//! paged in the database, from the rollups (`rollup/users.rs`), for both stores. A user's
//! conversations are counted on their own page (`user_detail.rs`): a distinct count over the
//! sessions of many users is what a list cannot afford at volume.

use serde::Serialize;

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::row::Columns;
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

/// One row of the users list (also of a user's page, `user_detail.rs`).
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
    crate::store::rollup::users::users(db, project_id, q).await
}
