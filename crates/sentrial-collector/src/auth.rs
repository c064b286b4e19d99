//! Who is calling: API keys (minting, hashing, looking up their project), the per-key rate
//! limit, the dashboard's signer, and the extractors that turn a request's credentials into the
//! project every query is scoped by: [`Project`] (a Bearer key: ingest) and [`Reader`] (a Bearer
//! key or the dashboard's sign-in cookie: the read API). Keys are compared and stored as SHA-256
//! hex digests only. The extractors reach [`Auth`] through the router's state (`FromRef`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::rate_limit::{retry_after_secs, RateLimit, RateLimiter};
use crate::signin::{cookie_value, Signer, TokenKind, COOKIE_NAME};
use crate::store::Store;
use crate::time::now_ms;

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

/// What decides who a request is: the accepted keys and their projects, the rate limit per key,
/// and the signer of dashboard sign-ins. Clones share their caches and buckets.
#[derive(Clone)]
pub struct Auth {
    /// Where stored keys are looked up.
    store: Arc<dyn Store>,
    /// Digests of the keys given in the config, to their project; never written to the store.
    given_keys: Arc<HashMap<String, String>>,
    /// Digests of stored keys already looked up, to their project, to spare a query per request.
    known_keys: Arc<RwLock<HashMap<String, String>>>,
    signer: Signer,
    rate_limiter: Option<Arc<RateLimiter>>,
}

impl Auth {
    /// Accepting the keys stored in `store` plus `api_keys` (for project `default`), without a
    /// rate limit; dashboard sign-ins are signed with the store's secret.
    pub fn new(store: Arc<dyn Store>, api_keys: &[String]) -> Auth {
        let given_keys = api_keys
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
            .map(|k| (hash_key(k), DEFAULT_PROJECT.to_string()))
            .collect();
        let signer = Signer::new(store.signing_secret());
        Auth {
            store,
            given_keys: Arc::new(given_keys),
            known_keys: Arc::default(),
            signer,
            rate_limiter: None,
        }
    }

    /// The same, limiting each key to `limit` (`None`: no limit).
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Auth {
        self.rate_limiter = limit.map(|l| Arc::new(RateLimiter::new(l)));
        self
    }

    /// How many keys the config gave.
    pub fn given_key_count(&self) -> usize {
        self.given_keys.len()
    }

    /// Takes one request from the budget of the key with this digest: 429 when it has none left.
    pub fn check_rate(&self, key_hash: &str) -> Result<(), AppError> {
        match &self.rate_limiter {
            Some(rl) => rl
                .check(key_hash, std::time::Instant::now())
                .map_err(|wait| AppError::TooManyRequests(retry_after_secs(wait))),
            None => Ok(()),
        }
    }

    /// Signs and checks the dashboard's sign-in links and cookies.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The project of a key digest: given keys first, then stored keys (cached once found, so a
    /// key minted by `sentrial key new` while the collector runs works at once).
    pub async fn project_for_key(&self, key_hash: &str) -> Result<Option<String>, AppError> {
        if let Some(project) = self.given_keys.get(key_hash) {
            return Ok(Some(project.clone()));
        }
        if let Some(project) = self.known_keys.read().unwrap().get(key_hash) {
            return Ok(Some(project.clone()));
        }
        let found = self.store.project_for_key(key_hash.to_string()).await?;
        if let Some(project) = &found {
            self.known_keys
                .write()
                .unwrap()
                .insert(key_hash.to_string(), project.clone());
        }
        Ok(found)
    }
}

/// The project of the request's API key. Rejects with 401 when the key is missing or unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project(pub String);

impl<S> FromRequestParts<S> for Project
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = Arc::<Auth>::from_ref(state);
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            AppError::Unauthorized(
                "missing Authorization header; send `Authorization: Bearer <api key>`".into(),
            )
        })?;
        let key = header
            .to_str()
            .ok()
            .and_then(|h| {
                let (scheme, key) = h.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
            })
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "malformed Authorization header; expected `Bearer <api key>`".into(),
                )
            })?;
        let digest = hash_key(key);
        auth.check_rate(&digest)?;
        match auth.project_for_key(&digest).await? {
            Some(project) => Ok(Project(project)),
            None => Err(AppError::Unauthorized("unknown API key".into())),
        }
    }
}

/// The project of a read request: from its Bearer key when it has an `Authorization` header,
/// else from a valid dashboard cookie. Rejects with 401 otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader(pub String);

impl<S> FromRequestParts<S> for Reader
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if parts.headers.contains_key(AUTHORIZATION) {
            return Project::from_request_parts(parts, state)
                .await
                .map(|Project(p)| Reader(p));
        }
        let cookie = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .find_map(|h| cookie_value(h, COOKIE_NAME));
        match cookie {
            None => Err(AppError::Unauthorized(
                "missing Authorization header; send `Authorization: Bearer <api key>`, or sign \
                 in to the dashboard"
                    .into(),
            )),
            Some(token) => Arc::<Auth>::from_ref(state)
                .signer()
                .verify(TokenKind::Cookie, token, now_ms())
                .map(Reader)
                .ok_or_else(|| {
                    AppError::Unauthorized("dashboard sign-in expired or invalid".into())
                }),
        }
    }
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
}
