//! The stored API key digests and the signing secret, once for both stores.

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::value::values;
use crate::store::{row, writes};

/// The project of the key with digest `key_hash`, if it is stored.
pub(crate) async fn project_for_key<D: Db>(
    db: &D,
    key_hash: &str,
) -> Result<Option<String>, StoreError> {
    let mut found = db
        .select(&writes::PROJECT_FOR_KEY, &values![key_hash], row::project)
        .await?;
    Ok(found.pop())
}

/// Stores digest `key_hash` for `project` at `now` (a stored digest keeps its project).
pub(crate) async fn add_key<D: Db>(
    db: &D,
    key_hash: &str,
    project: &str,
    now: i64,
) -> Result<(), StoreError> {
    db.run(&writes::ADD_KEY, &values![key_hash, project, now])
        .await?;
    Ok(())
}

/// How many keys are stored.
pub(crate) async fn key_count<D: Db>(db: &D) -> Result<u64, StoreError> {
    let n = db.select(&writes::KEY_COUNT, &[], row::count).await?;
    Ok(n.first().copied().unwrap_or(0) as u64)
}

/// The database's signing secret, made on first use (the first collector wins, so all agree).
pub(crate) async fn signing_secret<D: Db>(db: &D) -> Result<Vec<u8>, StoreError> {
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    db.run(&writes::PUT_SECRET, &values![fresh]).await?;
    let value = db.select(&writes::SECRET, &[], row::setting).await?.pop();
    let value = value.ok_or_else(|| StoreError::Corrupt("no signing secret stored".into()))?;
    hex::decode(value).map_err(|e| StoreError::Io(std::io::Error::other(e)))
}
