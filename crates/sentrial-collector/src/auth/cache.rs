//! Stored keys already looked up, kept for a few seconds only: a key revoked on any collector
//! (or in the database by any process) stops working everywhere within [`KEY_CACHE_TTL`].

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::auth::Caller;

/// How long a looked-up key is trusted before it is looked up again: the longest a revoked key
/// keeps working on a collector that saw it just before.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// Past this many entries the cache is emptied: it holds live keys only, so it only grows this
/// large with that many keys in use at once.
const MAX_ENTRIES: usize = 10_000;

/// Live keys by digest, each with when it was looked up.
#[derive(Default)]
pub(super) struct KeyCache {
    entries: RwLock<HashMap<String, (Caller, Instant)>>,
}

impl KeyCache {
    /// The caller of key digest `hash` if it was looked up less than [`KEY_CACHE_TTL`] ago.
    pub fn get(&self, hash: &str, now: Instant) -> Option<Caller> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (caller, at) = entries.get(hash)?;
        (now.saturating_duration_since(*at) < KEY_CACHE_TTL).then(|| caller.clone())
    }

    /// Remembers that `hash` is `caller`'s key, as of `now`.
    pub fn put(&self, hash: &str, caller: Caller, now: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash.to_string(), (caller, now));
    }

    /// Forgets `hash` (revoked here: no need to wait).
    pub fn forget(&self, hash: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.remove(hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scopes;

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let cache = KeyCache::default();
        let caller = Caller {
            project: "p".into(),
            scopes: Scopes::FULL,
            key_hash: Some("h".into()),
        };
        let t0 = Instant::now();
        cache.put("h", caller.clone(), t0);
        assert_eq!(cache.get("h", t0 + Duration::from_secs(4)), Some(caller));
        assert_eq!(cache.get("h", t0 + KEY_CACHE_TTL), None);
        cache.forget("h");
        assert_eq!(cache.get("h", t0), None);
    }
}
