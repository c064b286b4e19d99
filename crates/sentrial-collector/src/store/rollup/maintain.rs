//! Keeping the rollups current: after a transaction has applied a session's events (or before it
//! deletes the session), the difference between the contribution recorded for it and the one its
//! row gives now is added to the rollup rows, and the new one recorded, in that transaction.
//!
//! Exact under any arrival order and duplication: the session row is order-independent
//! (`apply.rs`), so the recorded contribution always ends as the one its final row gives, and the
//! rollups as the sum of every session's. On PostgreSQL a session's read-modify-write runs under
//! its advisory lock (taken by ingest for the whole batch, here by the other writers), so two
//! collectors never both add a difference from the same recorded contribution; additions to one
//! rollup row from different sessions commute.

use crate::store::db::{Db, Plan, Query};
use crate::store::dialect::Dialect;
use crate::store::error::StoreError;
use crate::store::rollup::contrib::{facts, tool_facts, Contribution, Counts, ToolCounts};
use crate::store::rollup::sql;
use crate::store::row::Columns;
use crate::store::value::values;

/// The metadata keys summed as dimensions when none were chosen (`--rollup-metadata-keys`).
pub const DEFAULT_METADATA_KEYS: &[&str] = &["version", "environment"];

/// The setting that holds the chosen metadata keys, as a JSON array.
pub(crate) const KEYS_SETTING: &str = "rollup_metadata_keys";

/// The metadata keys the rollups sum by, as stored (the default when none are).
pub(crate) async fn metadata_keys<D: Db>(db: &D) -> Result<Vec<String>, StoreError> {
    let stored = db
        .select(&sql::SETTING, &values![KEYS_SETTING], |r| r.string("value"))
        .await?
        .pop();
    Ok(match stored {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("setting {KEYS_SETTING}: {e}")))?,
        None => DEFAULT_METADATA_KEYS
            .iter()
            .map(|k| k.to_string())
            .collect(),
    })
}

/// Brings the contributions of `sessions` of `project` up to date with their rows, in the
/// caller's transaction (which holds their locks on PostgreSQL).
pub(crate) async fn refresh<'a, D: Db>(
    db: &D,
    project: &str,
    sessions: impl IntoIterator<Item = &'a str>,
) -> Result<(), StoreError> {
    let keys = metadata_keys(db).await?;
    // Each session's steps run in order; the sessions' run side by side (PostgreSQL pipelines
    // them; SQLite's are done when made).
    let work: Vec<_> = sessions
        .into_iter()
        .map(|id| update(db, project, id, Some(&keys)))
        .collect();
    futures_util::future::try_join_all(work).await?;
    Ok(())
}

/// The contribution recorded for session `id` of `project`.
pub(crate) async fn recorded<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Option<Contribution>, StoreError> {
    db.select(&sql::CONTRIB, &values![project, id], |r| r.string("body"))
        .await?
        .pop()
        .map(|body| serde_json::from_str::<Contribution>(&body))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("contribution of {id}: {e}")))
}

/// Adds the difference between session `id`'s recorded contribution and the one its row gives
/// with metadata keys `keys` (`None`: no contribution any more); how many recorded
/// contributions it replaced (0 or 1).
pub(crate) async fn update<D: Db>(
    db: &D,
    project: &str,
    id: &str,
    keys: Option<&[String]>,
) -> Result<u64, StoreError> {
    let key = values![project, id];
    let old = recorded(db, project, id).await?;
    let new = match keys {
        Some(keys) => match db.select(&sql::FACTS, &key, facts).await?.pop() {
            Some(f) => {
                let tools = db.select(&sql::TOOL_FACTS, &key, tool_facts).await?;
                Some(Contribution::of(f.with_tools(tools), keys))
            }
            None => None,
        },
        None => None,
    };
    if old == new {
        return Ok(0);
    }
    for ((hour, dim, val), d) in Contribution::difference(old.as_ref(), new.as_ref()) {
        add_row(db, project, hour, &dim, val, &d).await?;
    }
    update_tools(db, project, id, old.as_ref(), new.as_ref()).await?;
    match &new {
        Some(c) => {
            let body = serde_json::to_string(c).expect("a contribution serializes");
            db.run(&sql::PUT_CONTRIB, &values![project, id, body])
                .await?;
        }
        None => {
            db.run(&sql::DROP_CONTRIB, &key).await?;
        }
    }
    Ok(u64::from(old.is_some()))
}

/// Adds `d` to the rollup row of `project`, `hour`, `dim` and `val`, deleting it when no session
/// is left in it.
pub(crate) async fn add_row<D: Db>(
    db: &D,
    project: &str,
    hour: i64,
    dim: &str,
    val: Option<String>,
    d: &Counts,
) -> Result<(), StoreError> {
    let (val, known) = match val {
        Some(v) => (v, true),
        None => (String::new(), false),
    };
    db.run(
        &sql::ADD,
        &values![
            project,
            dim,
            hour,
            &val,
            known,
            d.sessions,
            d.failed,
            d.running,
            d.cost_nanos,
            d.priced,
            d.tokens,
            d.durations,
            d.duration_ms,
            d.turns,
            d.tool_calls,
            d.tool_errors,
        ],
    )
    .await?;
    if d.sessions < 0 {
        db.run(&sql::PRUNE, &values![project, dim, hour, &val, known])
            .await?;
    }
    Ok(())
}

/// Brings the `tool_rollups` rows from `old` to `new`, contributions of session `id`. A row whose
/// longest call was the session's and no longer is has it found again among the hour's other
/// sessions' calls first (the session's own, if any, are then kept by the addition).
async fn update_tools<D: Db>(
    db: &D,
    project: &str,
    id: &str,
    old: Option<&Contribution>,
    new: Option<&Contribution>,
) -> Result<(), StoreError> {
    for ((hour, tool), c) in Contribution::tool_difference(old, new) {
        if let Some(lost) = c.lost_max {
            db.run(
                &sql::TOOL_MAX_AGAIN,
                &values![project, hour, &tool, id, lost],
            )
            .await?;
        }
        add_tool(db, project, hour, &tool, &c.delta, c.max_ms).await?;
    }
    Ok(())
}

/// Adds `d` to the `tool_rollups` row of `project`, `hour` and `tool`, keeping `max_ms` as its
/// longest call when longer, and deletes it when no call is left in it.
pub(crate) async fn add_tool<D: Db>(
    db: &D,
    project: &str,
    hour: i64,
    tool: &str,
    d: &ToolCounts,
    max_ms: Option<i64>,
) -> Result<(), StoreError> {
    db.run(
        &sql::TOOL_ADD,
        &values![
            project,
            hour,
            tool,
            d.calls,
            d.failures,
            d.durations,
            d.duration_ms,
            max_ms
        ],
    )
    .await?;
    if d.calls < 0 {
        db.run(&sql::TOOL_PRUNE, &values![project, hour, tool])
            .await?;
    }
    Ok(())
}

/// On PostgreSQL, takes the advisory locks ingest takes for `sessions` (project, id), all at
/// once and in ingest's order (so a writer and a batch never wait for each other in a circle),
/// until the transaction ends; SQLite has one writer at a time and needs none.
pub(crate) async fn lock_sessions<'a, D: Db>(
    db: &D,
    sessions: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), StoreError> {
    if D::DIALECT != Dialect::Postgres {
        return Ok(());
    }
    let keys: Vec<i64> = sessions
        .into_iter()
        .map(|(project, id)| crate::store::postgres::session_lock_key(project, id))
        .collect();
    lock_keys(db, keys).await
}

/// On PostgreSQL, takes every session lock (see [`lock_sessions`]).
pub(crate) async fn lock_all<D: Db>(db: &D) -> Result<(), StoreError> {
    if D::DIALECT != Dialect::Postgres {
        return Ok(());
    }
    lock_keys(
        db,
        crate::store::postgres::all_session_lock_keys().collect(),
    )
    .await
}

async fn lock_keys<D: Db>(db: &D, mut keys: Vec<i64>) -> Result<(), StoreError> {
    keys.sort_unstable();
    keys.dedup();
    for k in keys {
        let args = values![k];
        db.rows(Query {
            sql: "SELECT pg_advisory_xact_lock($1)",
            args: &args,
            plan: Plan::Kept,
            make: |_: &dyn Columns| Ok(()),
        })
        .await?;
    }
    Ok(())
}
