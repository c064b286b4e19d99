//! `sentrial rollup rebuild`: every rollup recomputed from the stored sessions, and the start's
//! fill of rollups that are pending (after the migration that made them, or a change of the
//! metadata keys).
//!
//! Safe while collectors serve: the first transaction clears every rollup row and recorded
//! contribution (on PostgreSQL holding every session lock, so no batch is halfway through a
//! session), then the sessions are brought up to date [`BATCH`] per transaction in key order,
//! each under its lock, exactly as ingest does; a session ingest reaches first is simply already
//! current when the rebuild reaches it. Until the rebuild ends, reads see part of the sums.

use crate::store::db::Db;
use crate::store::delete::in_transaction;
use crate::store::error::StoreError;
use crate::store::rollup::maintain::{
    lock_all, lock_sessions, metadata_keys, update, KEYS_SETTING,
};
use crate::store::rollup::sql;
use crate::store::value::values;

/// Sessions brought up to date per transaction of a rebuild.
pub const BATCH: i64 = 1000;

/// The setting present while the rollups are to be filled from the sessions.
const PENDING: &str = "rollups_pending";

/// Recomputes every rollup from the stored sessions; how many sessions it counted.
pub(crate) async fn rebuild<D: Db>(db: &D) -> Result<u64, StoreError> {
    in_transaction(db, async {
        lock_all(db).await?;
        db.run(&sql::CLEAR, &[]).await?;
        db.run(&sql::CLEAR_TOOLS, &[]).await?;
        db.run(&sql::CLEAR_DURATIONS, &[]).await?;
        db.run(&sql::CLEAR_TOOL_DURATIONS, &[]).await?;
        db.run(&sql::CLEAR_CONTRIB, &[]).await?;
        Ok(())
    })
    .await?;
    let mut after = (String::new(), String::new());
    let mut counted = 0;
    loop {
        let batch = in_transaction(db, async {
            let keys = metadata_keys(db).await?;
            let batch = db
                .select(
                    &sql::SESSIONS_AFTER,
                    &values![&after.0, &after.1, BATCH],
                    |r| Ok((r.string("project_id")?, r.string("id")?)),
                )
                .await?;
            lock_sessions(db, batch.iter().map(|(p, id)| (p.as_str(), id.as_str()))).await?;
            for same in batch.chunk_by(|a, b| a.0 == b.0) {
                let ids: Vec<&str> = same.iter().map(|(_, id)| id.as_str()).collect();
                update(db, &same[0].0, &ids, &keys).await?;
            }
            if (batch.len() as i64) < BATCH {
                db.run(&sql::DROP_SETTING, &values![PENDING]).await?;
            }
            Ok(batch)
        })
        .await?;
        let full = batch.len() as i64 == BATCH;
        counted += batch.len() as u64;
        match batch.into_iter().last() {
            Some(last) if full => after = last,
            _ => return Ok(counted),
        }
    }
}

/// Makes the rollups sum by metadata keys `keys` and, when they are pending (never filled, or
/// summed by other keys until now), rebuilds them; how many sessions a rebuild counted.
pub(crate) async fn prepare<D: Db>(db: &D, keys: &[String]) -> Result<Option<u64>, StoreError> {
    let changed = in_transaction(db, async {
        let changed = metadata_keys(db).await? != keys;
        if changed {
            let json = serde_json::to_string(keys).expect("strings serialize");
            db.run(&sql::PUT_SETTING, &values![KEYS_SETTING, json])
                .await?;
            db.run(&sql::PUT_SETTING, &values![PENDING, "1"]).await?;
        }
        Ok(changed)
    })
    .await?;
    let pending = changed
        || !db
            .select(&sql::SETTING, &values![PENDING], |_| Ok(()))
            .await?
            .is_empty();
    if pending {
        Ok(Some(rebuild(db).await?))
    } else {
        Ok(None)
    }
}
