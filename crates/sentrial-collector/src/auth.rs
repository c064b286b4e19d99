//! API keys: minting, hashing, and the extractors that turn a request's credentials into the
//! project every query is scoped by: [`Project`] (a Bearer key: ingest) and [`Reader`] (a Bearer
//! key or the dashboard's sign-in cookie: the read API). Keys are compared and stored as SHA-256
//! hex digests only.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::server::AppState;
use crate::signin::{cookie_value, TokenKind, COOKIE_NAME};
use crate::time::now_ms;

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

/// The project of the request's API key. Rejects with 401 when the key is missing or unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project(pub String);

impl FromRequestParts<AppState> for Project {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
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
        state.check_rate(&digest)?;
        match state.project_for_key(&digest).await? {
            Some(project) => Ok(Project(project)),
            None => Err(AppError::Unauthorized("unknown API key".into())),
        }
    }
}

/// The project of a read request: from its Bearer key when it has an `Authorization` header,
/// else from a valid dashboard cookie. Rejects with 401 otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader(pub String);

impl FromRequestParts<AppState> for Reader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
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
            Some(token) => state
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
