//! Deleting sessions with everything stored about them, written once for both stores: an end
//! user's sessions (a data-protection request) and the sessions past the retention. A batch of at
//! most [`BATCH`] sessions is one transaction, so neither stalls ingest for long.
//!
//! What is deleted: each session's row (its text index entry goes with it), every row of
//! [`SESSION_TABLES`] that names it, and the scores that name it or its Claude session id.
//! Each session's contribution to the rollups is taken out of them first (`store/rollup/`), under
//! the session's lock on PostgreSQL. Detected-issue baselines are not per session and are kept.

use std::collections::BTreeMap;

use crate::store::db::{Db, Plan, Query};
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::rollup::maintain::{lock_sessions, refresh};
use crate::store::rollup::withdraw::{after_delete, withdraw};
use crate::store::row::Columns;
use crate::store::value::values;

/// Sessions deleted per transaction.
pub const BATCH: i64 = 500;

/// The tables whose rows belong to one session, by `(project_id, session_id)`, each with the
/// statement deleting one session's rows of it: [`SESSION_TABLES`] and [`ROWS_OF`], written from
/// one list. A table added for sessions is added here (the deletion tests read every table of the
/// schema).
macro_rules! session_tables {
    ($($table:literal),* $(,)?) => {
        /// The tables whose rows belong to one session.
        pub const SESSION_TABLES: &[&str] = &[$($table),*];
        /// Per table of [`SESSION_TABLES`], in its order: deleting session `?2` of project `?1`.
        static ROWS_OF: [Sql; SESSION_TABLES.len()] = [$(Sql::new(concat!(
            "DELETE FROM ", $table, " WHERE project_id = ?1 AND session_id = ?2"
        ))),*];
    };
}
session_tables!(
    "events",
    "session_inputs",
    "tool_calls",
    "model_calls",
    "session_results",
    "subagents",
    "session_markers",
    "session_issues",
    "session_metrics",
    "rollup_contrib",
);

/// How many rows were deleted, by table (`sessions`, `scores` and each of [`SESSION_TABLES`]).
pub type Deleted = BTreeMap<&'static str, u64>;

/// A session picked for deletion.
struct Picked {
    project_id: String,
    id: String,
    claude_session_id: Option<String>,
}

fn picked(r: &dyn Columns) -> Result<Picked, StoreError> {
    Ok(Picked {
        project_id: r.string("project_id")?,
        id: r.string("id")?,
        claude_session_id: r.text("claude_session_id")?,
    })
}

static OF_USER: Sql = Sql::new(
    "SELECT project_id, id, claude_session_id FROM sessions \
     WHERE project_id = ?1 AND user_id = ?2 LIMIT ?3",
);
/// Sessions past the collector's retention: of the projects without one of their own.
static BEFORE: Sql = Sql::new(
    "SELECT project_id, id, claude_session_id FROM sessions WHERE sort_ts < ?1 \
     AND project_id NOT IN (SELECT project_id FROM project_retention) LIMIT ?2",
);
/// Sessions of project `?1` past its own retention.
static BEFORE_IN: Sql = Sql::new(
    "SELECT project_id, id, claude_session_id FROM sessions \
     WHERE project_id = ?1 AND sort_ts < ?2 LIMIT ?3",
);
static SESSION: Sql = Sql::new("DELETE FROM sessions WHERE project_id = ?1 AND id = ?2");
/// The session's scores, and those of its Claude session id unless another session (a resumed
/// run) still has that id.
static SCORES_OF: Sql = Sql::new(
    "DELETE FROM scores WHERE project_id = ?1 AND \
     ((target_kind = 'session' AND target = ?2) OR (target_kind = 'claude_session' AND target = ?3 \
       AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.project_id = ?1 AND s.claude_session_id = ?3 \
                       AND s.id <> ?2)))",
);
/// The raw events of scores given to the session's Claude session id (the event names that id as
/// its session), on the same terms.
static EVENTS_OF_CLAUDE: Sql = Sql::new(
    "DELETE FROM events WHERE project_id = ?1 AND session_id = ?3 \
     AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.project_id = ?1 AND s.claude_session_id = ?3 \
                     AND s.id <> ?2)",
);
static SCORES_BEFORE: Sql = Sql::new(
    "DELETE FROM scores WHERE at < ?1 \
     AND project_id NOT IN (SELECT project_id FROM project_retention)",
);
static SCORES_BEFORE_IN: Sql = Sql::new("DELETE FROM scores WHERE project_id = ?1 AND at < ?2");
/// The stored sessions given a score of their own before `?1` ([`SCORES_BEFORE`]'s): a score
/// given before its session started (a skewed clock) leaves while the session stays, and its
/// contribution to the rollups (which sum the sessions' scores) changes.
static SCORED_BEFORE: Sql = Sql::new(
    "SELECT DISTINCT s.project_id, s.id FROM scores sc
     JOIN sessions s ON s.project_id = sc.project_id AND s.id = sc.target
     WHERE sc.target_kind = 'session' AND sc.at < ?1
       AND sc.project_id NOT IN (SELECT project_id FROM project_retention)
     ORDER BY s.project_id, s.id",
);
/// [`SCORED_BEFORE`] of project `?2`.
static SCORED_BEFORE_IN: Sql = Sql::new(
    "SELECT DISTINCT s.project_id, s.id FROM scores sc
     JOIN sessions s ON s.project_id = sc.project_id AND s.id = sc.target
     WHERE sc.target_kind = 'session' AND sc.at < ?1 AND sc.project_id = ?2
     ORDER BY s.project_id, s.id",
);

/// Deletes up to [`BATCH`] sessions of `user_id` in `project_id`: how many sessions it picked
/// (fewer than [`BATCH`]: none are left) and the rows it deleted.
pub async fn user_batch<D: Db>(
    db: &D,
    project_id: &str,
    user_id: &str,
) -> Result<(u64, Deleted), StoreError> {
    in_transaction(db, async {
        let mut deleted = Deleted::new();
        let sessions = db
            .select(&OF_USER, &values![project_id, user_id, BATCH], picked)
            .await?;
        let n = delete_sessions(db, &sessions, &mut deleted).await?;
        Ok((n, deleted))
    })
    .await
}

/// Deletes up to [`BATCH`] sessions that started before `cutoff` (ms), of `project` or (`None`)
/// of every project without a retention of its own, and, with the last batch, the scores given
/// before it; as [`user_batch`].
pub async fn expired_batch<D: Db>(
    db: &D,
    project: Option<&str>,
    cutoff: i64,
) -> Result<(u64, Deleted), StoreError> {
    in_transaction(db, async {
        let mut deleted = Deleted::new();
        let sessions = match project {
            Some(p) => {
                db.select(&BEFORE_IN, &values![p, cutoff, BATCH], picked)
                    .await?
            }
            None => db.select(&BEFORE, &values![cutoff, BATCH], picked).await?,
        };
        let n = delete_sessions(db, &sessions, &mut deleted).await?;
        if n < BATCH as u64 {
            let scored = match project {
                Some(p) => {
                    db.select(&SCORED_BEFORE_IN, &values![cutoff, p], project_and_id)
                        .await?
                }
                None => {
                    db.select(&SCORED_BEFORE, &values![cutoff], project_and_id)
                        .await?
                }
            };
            let keys: Vec<(&str, &str)> = scored
                .iter()
                .map(|(p, id)| (p.as_str(), id.as_str()))
                .collect();
            lock_sessions(db, keys.iter().copied()).await?;
            *deleted.entry("scores").or_default() += match project {
                Some(p) => db.run(&SCORES_BEFORE_IN, &values![p, cutoff]).await?,
                None => db.run(&SCORES_BEFORE, &values![cutoff]).await?,
            };
            for same in keys.chunk_by(|a, b| a.0 == b.0) {
                refresh(db, same[0].0, same.iter().map(|k| k.1)).await?;
            }
        }
        Ok((n, deleted))
    })
    .await
}

fn project_and_id(r: &dyn Columns) -> Result<(String, String), StoreError> {
    Ok((r.string("project_id")?, r.string("id")?))
}

async fn delete_sessions<D: Db>(
    db: &D,
    sessions: &[Picked],
    deleted: &mut Deleted,
) -> Result<u64, StoreError> {
    let keys: Vec<(&str, &str)> = sessions
        .iter()
        .map(|s| (s.project_id.as_str(), s.id.as_str()))
        .collect();
    lock_sessions(db, keys.iter().copied()).await?;
    // Their figures leave the rollups with them (their recorded contributions are a table of
    // `SESSION_TABLES`).
    let withdrawn = withdraw(db, &keys).await?;
    for s in sessions {
        let (project, id) = (s.project_id.as_str(), s.id.as_str());
        for (table, sql) in SESSION_TABLES.iter().zip(&ROWS_OF) {
            *deleted.entry(table).or_default() += db.run(sql, &values![project, id]).await?;
        }
        let claude = s.claude_session_id.as_deref();
        *deleted.entry("scores").or_default() +=
            db.run(&SCORES_OF, &values![project, id, claude]).await?;
        if claude.is_some() {
            *deleted.entry("events").or_default() += db
                .run(&EVENTS_OF_CLAUDE, &values![project, id, claude])
                .await?;
        }
        *deleted.entry("sessions").or_default() += db.run(&SESSION, &values![project, id]).await?;
    }
    after_delete(db, withdrawn).await?;
    Ok(sessions.len() as u64)
}

/// Runs `work` in a transaction of its own: committed when it succeeds, rolled back when not.
pub(crate) async fn in_transaction<D: Db, T>(
    db: &D,
    work: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    db.execute(D::DIALECT.begin_write(), &[]).await?;
    match work.await {
        Ok(out) => {
            db.execute("COMMIT", &[]).await?;
            if let Some(reclaim) = D::DIALECT.after_delete() {
                // SQLite answers it with a row per step; nothing to read in them.
                let query = Query {
                    sql: reclaim,
                    args: &[],
                    plan: Plan::Kept,
                    make: |_| Ok(()),
                };
                db.rows(query).await?;
            }
            Ok(out)
        }
        Err(err) => {
            let _ = db.execute("ROLLBACK", &[]).await;
            Err(err)
        }
    }
}

/// Expands, inside an `impl Store for ...`, to the deletion and rollup rebuild methods; `$write`
/// lends a connection that may write, as for [`store_access`](crate::store::access::store_access).
macro_rules! store_deletes {
    ($write:ident) => {
        fn delete_user_batch(
            &self,
            project_id: String,
            user_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<(u64, $crate::store::Deleted), $crate::store::StoreError>,
        > {
            $write!(self, |db| $crate::store::delete::user_batch(
                db,
                &project_id,
                &user_id
            ))
        }

        fn delete_expired_batch(
            &self,
            project_id: Option<String>,
            cutoff: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<(u64, $crate::store::Deleted), $crate::store::StoreError>,
        > {
            $write!(self, |db| $crate::store::delete::expired_batch(
                db,
                project_id.as_deref(),
                cutoff
            ))
        }

        fn rebuild_rollups(
            &self,
        ) -> $crate::store::api::BoxFuture<'_, Result<u64, $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::rollup::rebuild::rebuild(db))
        }

        fn prepare_rollups(
            &self,
            keys: Vec<String>,
        ) -> $crate::store::api::BoxFuture<'_, Result<Option<u64>, $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::rollup::rebuild::prepare(
                db, &keys
            ))
        }
    };
}
pub(crate) use store_deletes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        let mut all = vec![
            &OF_USER,
            &BEFORE,
            &BEFORE_IN,
            &SESSION,
            &SCORES_OF,
            &EVENTS_OF_CLAUDE,
            &SCORES_BEFORE,
            &SCORES_BEFORE_IN,
            &SCORED_BEFORE,
            &SCORED_BEFORE_IN,
        ];
        all.extend(&ROWS_OF);
        crate::store::dialect::assert_renders(&all);
    }
}
