//! Minting, finding and rotating stored keys: what `sentrial key ...` and `/api/keys` share.

use crate::auth::{hash_key, new_key};
use crate::scope::Scopes;
use crate::store::{Store, StoreError, StoredKey};

/// Mints a key for `project` with `scopes`, stores its digest, and returns the key (the only
/// time it is seen) with its listing.
pub async fn mint(
    store: &dyn Store,
    project: &str,
    scopes: Scopes,
) -> Result<(String, StoredKey), StoreError> {
    let key = new_key();
    let hash = hash_key(&key);
    store
        .add_key(hash.clone(), project.to_string(), scopes)
        .await?;
    let stored = store.live_key(hash).await?;
    let stored = stored.ok_or_else(|| StoreError::Corrupt("a minted key is not stored".into()))?;
    Ok((key, stored))
}

/// The stored key with public id `id` in `project` (`None`: any), live ones first.
pub async fn find(
    store: &dyn Store,
    id: &str,
    project: Option<&str>,
) -> Result<Option<StoredKey>, StoreError> {
    let mut found = store
        .keys_by_id(id.trim().to_ascii_lowercase(), project.map(str::to_string))
        .await?;
    found.sort_by_key(|k| k.revoked_at.is_some());
    Ok(found.into_iter().next())
}

/// A new key with `old`'s project and scopes; `old` itself is left for the caller to revoke
/// (at once, so the new key works before the old one stops).
pub async fn successor(
    store: &dyn Store,
    old: &StoredKey,
) -> Result<(String, StoredKey), StoreError> {
    mint(store, &old.project, old.scopes).await
}
