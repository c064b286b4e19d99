//! One end user of a project over a time range (`GET /api/analytics/users/{user_id}`): their
//! figures as the users list gives them and their distinct conversations, their sessions and conversations per time bucket, their
//! latest conversations, and when they were last seen at all. Written once for both stores; every
//! statement reads the sessions of one user through the `sessions_by_user` index.

use serde::Serialize;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::users::{user, UserRow};
use crate::store::value::values;
use crate::time::Timestamp;

/// Most conversations [`UserDetail::conversations`] lists.
pub const USER_CONVERSATIONS: i64 = 50;

/// What a user's page asks.
#[derive(Debug, Clone, PartialEq)]
pub struct UserQuery {
    /// Sessions that started at or after this time, ms.
    pub from: i64,
    /// ... and before this one.
    pub to: i64,
    /// Width of one bucket of the series, ms.
    pub bucket_ms: i64,
    /// The score whose average is given (empty: every numeric score).
    pub score: String,
}

/// One end user over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserDetail {
    /// Their figures over the range.
    pub totals: UserTotals,
    /// One entry per bucket in which they started sessions, oldest first.
    pub series: Vec<UserBucket>,
    /// Their conversations of the range, latest first (at most [`USER_CONVERSATIONS`]).
    pub conversations: Vec<UserConversation>,
    /// Their latest session's start, in or out of the range.
    pub last_seen_ever: Timestamp,
}

/// A user's figures over a range: their row as `GET /api/analytics/users` gives it, and how many
/// conversations their sessions belong to (which the list does not count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserTotals {
    /// The list's figures.
    #[serde(flatten)]
    pub row: UserRow,
    /// Distinct conversations of their sessions of the range.
    pub conversations: i64,
}

/// A user's sessions in one time bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserBucket {
    /// Start of the bucket.
    pub start: Timestamp,
    /// Sessions that started in it.
    pub sessions: i64,
    /// Of which failed.
    pub failed: i64,
    /// Distinct conversations of those sessions.
    pub conversations: i64,
    /// Their cost, USD.
    pub cost_usd: f64,
    /// Their tokens.
    pub total_tokens: i64,
}

/// One conversation of a user over the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserConversation {
    /// The conversation.
    pub convo_id: String,
    /// Its sessions that started in the range.
    pub sessions: i64,
    /// Of which failed.
    pub failed: i64,
    /// Their cost, USD.
    pub cost_usd: f64,
    /// Its first session's start in the range.
    pub first_at: Timestamp,
    /// Its latest session's start in the range.
    pub last_at: Timestamp,
}

/// The user's sessions of the range: project `?1`, user `?2`, `[?3, ?4)`.
macro_rules! of_user {
    () => {
        " FROM sessions s WHERE s.project_id = ?1 AND s.user_id = ?2 AND s.sort_ts >= ?3 \
           AND s.sort_ts < ?4"
    };
}

/// [`UserTotals`] of one user; `?5` names the score averaged.
static TOTALS: Sql = Sql::new(concat!(
    "SELECT CAST(?2 AS TEXT) AS user_id, COUNT(*) AS sessions,
        COUNT(*) FILTER (WHERE s.status = 'failed') AS failed,
        SUM(COALESCE(s.cost_usd, 0)) AS cost_usd, {capped_sum:s.total_tokens} AS total_tokens,
        COUNT(DISTINCT s.convo_id) AS conversations,
        AVG((SELECT AVG(sc.num) FROM scores sc
             WHERE sc.project_id = s.project_id AND sc.target_kind = 'session'
               AND sc.target = s.id AND sc.num IS NOT NULL AND (?5 = '' OR sc.name = ?5)))
          AS avg_score,
        MIN(s.sort_ts) AS first_seen, MAX(s.sort_ts) AS last_seen",
    of_user!()
));

/// Per bucket of `?5` ms from `?3`.
static SERIES: Sql = Sql::new(concat!(
    "SELECT ((s.sort_ts - ?3) / ?5) * ?5 + ?3 AS bucket_start, COUNT(*) AS sessions,
        COUNT(*) FILTER (WHERE s.status = 'failed') AS failed,
        COUNT(DISTINCT s.convo_id) AS conversations,
        COALESCE(SUM(s.cost_usd), 0) AS cost_usd, {capped_sum:s.total_tokens} AS total_tokens",
    of_user!(),
    " GROUP BY bucket_start ORDER BY bucket_start"
));

/// The latest `?5` conversations.
static CONVERSATIONS: Sql = Sql::new(concat!(
    "SELECT s.convo_id AS convo_id, COUNT(*) AS sessions,
        COUNT(*) FILTER (WHERE s.status = 'failed') AS failed,
        COALESCE(SUM(s.cost_usd), 0) AS cost_usd, MIN(s.sort_ts) AS first_at,
        MAX(s.sort_ts) AS last_at",
    of_user!(),
    " AND s.convo_id IS NOT NULL GROUP BY s.convo_id ORDER BY last_at DESC, s.convo_id LIMIT ?5"
));

/// The user's latest start of all.
static LAST_SEEN: Sql = Sql::new(
    "SELECT MAX(sort_ts) AS last_seen FROM sessions WHERE project_id = ?1 AND user_id = ?2",
);

fn totals(r: &dyn Columns) -> Result<UserTotals, StoreError> {
    Ok(UserTotals {
        row: user(r)?,
        conversations: r.integer("conversations")?,
    })
}

fn bucket(r: &dyn Columns) -> Result<UserBucket, StoreError> {
    Ok(UserBucket {
        start: Timestamp(r.integer("bucket_start")?),
        sessions: r.integer("sessions")?,
        failed: r.integer("failed")?,
        conversations: r.integer("conversations")?,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
        total_tokens: r.int("total_tokens")?.unwrap_or(0),
    })
}

fn conversation(r: &dyn Columns) -> Result<UserConversation, StoreError> {
    Ok(UserConversation {
        convo_id: r.string("convo_id")?,
        sessions: r.integer("sessions")?,
        failed: r.integer("failed")?,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
        first_at: Timestamp(r.integer("first_at")?),
        last_at: Timestamp(r.integer("last_at")?),
    })
}

/// End user `user_id` of `project` over `q`; `None` when they have no session at all.
pub(crate) async fn user_detail<D: Db>(
    db: &D,
    project: &str,
    user_id: &str,
    q: &UserQuery,
) -> Result<Option<UserDetail>, StoreError> {
    let last = db
        .select(&LAST_SEEN, &values![project, user_id], |r| {
            r.int("last_seen")
        })
        .await?;
    let Some(last_seen_ever) = last.first().copied().flatten() else {
        return Ok(None);
    };
    let (from, to) = (q.from, q.to);
    let score = q.score.as_str();
    let totals = db
        .select(&TOTALS, &values![project, user_id, from, to, score], totals)
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a count answered no row".into()))?;
    let series = db
        .select(
            &SERIES,
            &values![project, user_id, from, to, q.bucket_ms],
            bucket,
        )
        .await?;
    let conversations = db
        .select(
            &CONVERSATIONS,
            &values![project, user_id, from, to, USER_CONVERSATIONS],
            conversation,
        )
        .await?;
    Ok(Some(UserDetail {
        totals,
        series,
        conversations,
        last_seen_ever: Timestamp(last_seen_ever),
    }))
}

/// Expands, inside an `impl Store for ...`, to [`Store::user_detail`]; `$lend` lends a
/// connection for a read, as for [`store_reads`](crate::store::reads::store_reads).
///
/// [`Store::user_detail`]: crate::store::Store::user_detail
macro_rules! store_user_detail {
    ($lend:ident) => {
        fn user_detail(
            &self,
            project_id: String,
            user_id: String,
            query: $crate::store::UserQuery,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<$crate::store::UserDetail>, $crate::store::StoreError>,
        > {
            $lend!(self, |db| $crate::store::user_detail::user_detail(
                db,
                &project_id,
                &user_id,
                &query
            ))
        }
    };
}
pub(crate) use store_user_detail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&TOTALS, &SERIES, &CONVERSATIONS, &LAST_SEEN]);
    }
}
