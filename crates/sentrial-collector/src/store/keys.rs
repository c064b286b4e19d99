//! Keys, dashboard sessions and sign-in links, once for both stores (statements in
//! `key_sql.rs`). Every id, key and token is stored as a SHA-256 hex digest only.

use crate::scope::Scopes;
use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::key_model::{DashboardSession, StoredKey, TakenLink};
use crate::store::key_sql as sql;
use crate::store::row::{self, Columns};
use crate::store::value::values;

/// The live key with digest `key_hash`, if it is stored and not revoked.
pub(crate) async fn live_key<D: Db>(
    db: &D,
    key_hash: &str,
) -> Result<Option<StoredKey>, StoreError> {
    Ok(db
        .select(&sql::LIVE_KEY, &values![key_hash], stored_key)
        .await?
        .pop())
}

/// Stores digest `key_hash` for `project` with `scopes` at `now` (a stored digest keeps its own).
pub(crate) async fn add_key<D: Db>(
    db: &D,
    key_hash: &str,
    project: &str,
    scopes: Scopes,
    now: i64,
) -> Result<(), StoreError> {
    let scopes = scopes.to_string();
    db.run(&sql::ADD_KEY, &values![key_hash, project, now, &scopes])
        .await?;
    Ok(())
}

/// How many live keys are stored.
pub(crate) async fn key_count<D: Db>(db: &D) -> Result<u64, StoreError> {
    let n = db.select(&sql::KEY_COUNT, &[], row::count).await?;
    Ok(n.first().copied().unwrap_or(0) as u64)
}

/// The keys of `project` (`None`: all), revoked ones included, oldest first.
pub(crate) async fn list_keys<D: Db>(
    db: &D,
    project: Option<&str>,
) -> Result<Vec<StoredKey>, StoreError> {
    db.select(&sql::LIST_KEYS, &values![project.unwrap_or("")], stored_key)
        .await
}

/// The keys whose public id is `id` in `project` (`None`: any); more than one only if two
/// digests share their first 12 hex digits.
pub(crate) async fn keys_by_id<D: Db>(
    db: &D,
    id: &str,
    project: Option<&str>,
) -> Result<Vec<StoredKey>, StoreError> {
    db.select(
        &sql::KEY_BY_ID,
        &values![id, project.unwrap_or("")],
        stored_key,
    )
    .await
}

/// Revokes key digest `key_hash` at `now` and ends the dashboard sessions it opened; whether it
/// was live.
pub(crate) async fn revoke_key<D: Db>(
    db: &D,
    key_hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = db.run(&sql::REVOKE_KEY, &values![key_hash, now]).await?;
    db.run(&sql::CLOSE_KEY_SESSIONS, &values![key_hash]).await?;
    Ok(changed > 0)
}

/// Opens a dashboard session (purging ended ones first).
pub(crate) async fn open_session<D: Db>(
    db: &D,
    id_hash: &str,
    session: &DashboardSession,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    db.run(&sql::PURGE_SESSIONS, &values![now]).await?;
    let key = session.key_hash.as_deref();
    db.run(
        &sql::OPEN_SESSION,
        &values![id_hash, &session.project, key, now, expires_at],
    )
    .await?;
    Ok(())
}

/// The dashboard session with id digest `id_hash`, if live at `now` and made to last at most
/// `max_ms`.
pub(crate) async fn session<D: Db>(
    db: &D,
    id_hash: &str,
    now: i64,
    max_ms: i64,
) -> Result<Option<DashboardSession>, StoreError> {
    let found = db
        .select(&sql::SESSION, &values![id_hash, now, max_ms], |r| {
            Ok(DashboardSession {
                project: r.string("project_id")?,
                key_hash: r.text("key_hash")?,
            })
        })
        .await?;
    Ok(found.into_iter().next())
}

/// Ends dashboard session `id_hash`.
pub(crate) async fn close_session<D: Db>(db: &D, id_hash: &str) -> Result<(), StoreError> {
    db.run(&sql::CLOSE_SESSION, &values![id_hash]).await?;
    Ok(())
}

/// Stores a sign-in link (purging ended ones first).
pub(crate) async fn add_link<D: Db>(
    db: &D,
    token_hash: &str,
    project: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    db.run(&sql::PURGE_LINKS, &values![now]).await?;
    db.run(
        &sql::ADD_LINK,
        &values![token_hash, project, now, expires_at],
    )
    .await?;
    Ok(())
}

/// Takes (deletes) the link with digest `token_hash`; the caller judges its times.
pub(crate) async fn take_link<D: Db>(
    db: &D,
    token_hash: &str,
) -> Result<Option<TakenLink>, StoreError> {
    let found = db
        .select(&sql::TAKE_LINK, &values![token_hash], |r| {
            Ok(TakenLink {
                project: r.string("project_id")?,
                created_at: r.integer("created_at")?,
                expires_at: r.integer("expires_at")?,
            })
        })
        .await?;
    Ok(found.into_iter().next())
}

/// Ends every dashboard session and voids every link; how many sessions ended.
pub(crate) async fn sign_out_all<D: Db>(db: &D) -> Result<u64, StoreError> {
    db.run(&sql::VOID_ALL_LINKS, &[]).await?;
    db.run(&sql::CLOSE_ALL_SESSIONS, &[]).await
}

fn stored_key(r: &dyn Columns) -> Result<StoredKey, StoreError> {
    let key_hash = r.string("key_hash")?;
    let stored_scopes = r.text("scopes")?;
    Ok(StoredKey {
        id: key_hash.chars().take(12).collect(),
        scopes: Scopes::from_stored(stored_scopes.as_deref()),
        made_before_scopes: stored_scopes.is_none(),
        key_hash,
        project: r.string("project_id")?,
        created_at: crate::time::Timestamp(r.integer("created_at")?),
        revoked_at: r.time("revoked_at")?,
    })
}
