//! Who is calling: API keys (minting, hashing, looking up their project and scopes), the rate
//! limits (per key; failed authentications per client address), the dashboard's sign-ins, and
//! the extractors (`extract.rs`) that turn a request's credentials into the project every query
//! is scoped by. Keys are compared and stored as SHA-256 hex digests only. The extractors reach
//! [`Auth`] through the router's state (`FromRef`).

mod cache;
mod extract;
pub mod signin;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::rate_limit::{retry_after_secs, RateLimit, RateLimiter};
use crate::scope::{Scope, Scopes};
use crate::store::{DashboardSession, Store};
use crate::time::now_ms;
use cache::KeyCache;
use signin::{new_token, token_hash, CookieJar, COOKIE_TTL_MS, LINK_TTL_MS};

pub use cache::KEY_CACHE_TTL;
pub use extract::{Admin, ClientIp, Manager, Project, Reader, Reviewer};

/// The project keys given on the command line belong to.
pub const DEFAULT_PROJECT: &str = "default";

/// Prefix of minted keys, so a leaked key is recognizable in a secret scanner.
const KEY_PREFIX: &str = "sk_sentrial_";

/// A fresh random key: `sk_sentrial_` and 48 hex digits (192 bits).
pub fn new_key() -> String {
    format!("{KEY_PREFIX}{}", hex::encode(rand::random::<[u8; 24]>()))
}

/// The SHA-256 hex digest a key is stored and looked up by.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Who a request comes from: a project, what it may do there, and the key it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The project every query is scoped by.
    pub project: String,
    /// What the caller may do.
    pub scopes: Scopes,
    /// The digest of the key it showed or signed in with; `None` for a sign-in link's session.
    pub key_hash: Option<String>,
}

impl Caller {
    /// The caller, or 403 naming the scope it lacks.
    pub fn require(self, scope: Scope) -> Result<Caller, AppError> {
        if self.scopes.has(scope) {
            Ok(self)
        } else {
            Err(AppError::Forbidden(format!(
                "this key lacks the '{}' scope",
                scope.name()
            )))
        }
    }
}

/// What decides who a request is: the accepted keys, the rate limits, and the dashboard's
/// sign-ins. Clones share their caches and buckets.
#[derive(Clone)]
pub struct Auth {
    /// Where stored keys and sign-ins are looked up.
    store: Arc<dyn Store>,
    /// Digests of the keys given in the config (full rights in project `default`); never
    /// written to the store.
    given_keys: Arc<HashMap<String, String>>,
    /// Stored keys looked up in the last [`KEY_CACHE_TTL`].
    known_keys: Arc<KeyCache>,
    rate_limiter: Option<Arc<RateLimiter>>,
    /// Failed authentications per client address.
    failures: Option<Arc<RateLimiter>>,
    cookie: CookieJar,
}

impl Auth {
    /// Accepting the keys stored in `store` plus `api_keys` (full rights in project `default`),
    /// without a rate limit; failed authentications are limited per client address by
    /// [`crate::rate_limit::DEFAULT_FAILURE_LIMIT`].
    pub fn new(store: Arc<dyn Store>, api_keys: &[String]) -> Auth {
        let given_keys = api_keys
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
            .map(|k| (hash_key(k), DEFAULT_PROJECT.to_string()))
            .collect();
        Auth {
            store,
            given_keys: Arc::new(given_keys),
            known_keys: Arc::default(),
            rate_limiter: None,
            failures: Some(Arc::new(RateLimiter::new(
                crate::rate_limit::DEFAULT_FAILURE_LIMIT,
            ))),
            cookie: CookieJar::default(),
        }
    }

    /// The same, limiting each key to `limit` (`None`: no limit).
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Auth {
        self.rate_limiter = limit.map(|l| Arc::new(RateLimiter::new(l)));
        self
    }

    /// The same, limiting failed authentications per client address to `limit` (`None`: none).
    pub fn with_failure_limit(mut self, limit: Option<RateLimit>) -> Auth {
        self.failures = limit.map(|l| Arc::new(RateLimiter::new(l)));
        self
    }

    /// The same, with this cookie for the dashboard.
    pub fn with_cookie(mut self, cookie: CookieJar) -> Auth {
        self.cookie = cookie;
        self
    }

    /// How many keys the config gave.
    pub fn given_key_count(&self) -> usize {
        self.given_keys.len()
    }

    /// The dashboard's cookie.
    pub fn cookie(&self) -> &CookieJar {
        &self.cookie
    }

    /// The store keys and sign-ins live in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Takes one request from the budget of the key with this digest: 429 when it has none left.
    pub fn check_rate(&self, key_hash: &str) -> Result<(), AppError> {
        match &self.rate_limiter {
            Some(rl) => rl
                .check(key_hash, Instant::now())
                .map_err(|wait| AppError::TooManyRequests(retry_after_secs(wait))),
            None => Ok(()),
        }
    }

    /// Pays for one authentication attempt of `client` from its failure budget: 429 when the
    /// budget is spent, and nothing is checked, right or wrong, until it refills. An attempt
    /// that succeeds gets its token back ([`Auth::succeeded`]), so only failures spend it; paying
    /// first means concurrent guesses cannot all pass before the first one fails.
    pub fn attempt(&self, client: Option<IpAddr>) -> Result<(), AppError> {
        match &self.failures {
            Some(failures) => failures
                .check(&client_key(client), Instant::now())
                .map_err(|wait| AppError::TooManyFailures(retry_after_secs(wait))),
            None => Ok(()),
        }
    }

    /// Gives back the token of an attempt of `client` that succeeded (see [`Auth::attempt`]).
    pub fn succeeded(&self, client: Option<IpAddr>) {
        if let Some(failures) = &self.failures {
            failures.give_back(&client_key(client));
        }
    }

    /// The caller of a key digest: given keys first, then live stored keys (looked up again
    /// after [`KEY_CACHE_TTL`], so a revoked key stops working within it).
    pub async fn caller_for_key(&self, key_hash: &str) -> Result<Option<Caller>, AppError> {
        if let Some(project) = self.given_keys.get(key_hash) {
            return Ok(Some(Caller {
                project: project.clone(),
                scopes: Scopes::FULL,
                key_hash: Some(key_hash.to_string()),
            }));
        }
        let now = Instant::now();
        if let Some(caller) = self.known_keys.get(key_hash, now) {
            return Ok(Some(caller));
        }
        let found = self.store.live_key(key_hash.to_string()).await?;
        Ok(found.map(|key| {
            let caller = Caller {
                project: key.project,
                scopes: key.scopes,
                key_hash: Some(key.key_hash),
            };
            self.known_keys.put(key_hash, caller.clone(), now);
            caller
        }))
    }

    /// Revokes stored key digest `key_hash` (ending its dashboard sessions) and forgets it here
    /// at once; whether it was live.
    pub async fn revoke(&self, key_hash: &str) -> Result<bool, AppError> {
        let revoked = self.store.revoke_key(key_hash.to_string()).await?;
        self.known_keys.forget(key_hash);
        Ok(revoked)
    }

    /// Opens a read-only dashboard session for `caller`; the cookie's value.
    pub async fn open_session(&self, caller: &Caller) -> Result<String, AppError> {
        let value = new_token();
        let session = DashboardSession {
            project: caller.project.clone(),
            key_hash: caller.key_hash.clone(),
        };
        self.store
            .open_session(token_hash(&value), session, now_ms() + COOKIE_TTL_MS)
            .await?;
        Ok(value)
    }

    /// The caller of a dashboard cookie's value: a live session whose key (if it was signed in
    /// with one) still works; it may read, nothing else.
    pub async fn session_caller(&self, value: &str) -> Result<Option<Caller>, AppError> {
        let found = self.store.session(token_hash(value), COOKIE_TTL_MS).await?;
        let Some(session) = found else {
            return Ok(None);
        };
        // A session reads; it manages alert rules too when its key holds `admin`, or when it
        // came from a sign-in link (printed for whoever runs the collector or holds its
        // database). The key API stays Bearer-only whatever a session holds.
        let mut scopes = Scopes::only(Scope::Read).with(Scope::Admin);
        if let Some(key) = &session.key_hash {
            let live = self.caller_for_key(key).await?;
            let Some(k) =
                live.filter(|k| k.scopes.has(Scope::Read) && k.project == session.project)
            else {
                return Ok(None);
            };
            if !k.scopes.has(Scope::Admin) {
                scopes = Scopes::only(Scope::Read);
            }
        }
        Ok(Some(Caller {
            project: session.project,
            scopes,
            key_hash: session.key_hash,
        }))
    }

    /// Ends the session of a cookie's value.
    pub async fn close_session(&self, value: &str) -> Result<(), AppError> {
        Ok(self.store.close_session(token_hash(value)).await?)
    }

    /// The caller a link token signs in, using it up; `None` when unknown, used or expired.
    pub async fn take_link(&self, token: &str) -> Result<Option<Caller>, AppError> {
        let Some(link) = self.store.take_link(token_hash(token)).await? else {
            return Ok(None);
        };
        let now = now_ms();
        let live = link.created_at <= now
            && now < link.expires_at
            && link.expires_at - link.created_at <= LINK_TTL_MS;
        Ok(live.then(|| Caller {
            project: link.project,
            scopes: Scopes::only(Scope::Read),
            key_hash: None,
        }))
    }
}

/// The failure bucket of a client address; requests whose address is not known share one.
fn client_key(client: Option<IpAddr>) -> String {
    client.map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hash_to_sha256_hex() {
        let (a, b) = (new_key(), new_key());
        assert_ne!(a, b);
        assert!(
            a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 48,
            "{a}"
        );
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_caller_without_the_scope_gets_403_naming_it() {
        let caller = Caller {
            project: "p".into(),
            scopes: Scopes::only(Scope::Ingest),
            key_hash: None,
        };
        assert!(caller.clone().require(Scope::Ingest).is_ok());
        let err = caller.require(Scope::Read).unwrap_err();
        assert_eq!(err.status(), 403);
        assert_eq!(err.to_string(), "this key lacks the 'read' scope");
    }
}
