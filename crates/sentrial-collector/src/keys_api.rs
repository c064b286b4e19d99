//! The admin API of keys, for a key with `admin` in its own project: `GET /api/keys` (the
//! listing), `POST /api/keys` (mint; body `{"scopes": ["read"]}`, default `ingest`),
//! `POST /api/keys/{id}/revoke` and `POST /api/keys/{id}/rotate` (a new key with the same
//! project and scopes; the old one revoked at once). A minted key is in the answer once and
//! never again.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Admin, Auth};
use crate::error::AppError;
use crate::keyring;
use crate::scope::{Scope, Scopes};
use crate::store::StoredKey;

/// The admin API's routes, on a router whose state gives [`Auth`].
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Auth>: FromRef<S>,
{
    Router::new()
        .route("/api/keys", get(list).post(create))
        .route("/api/keys/{id}/revoke", post(revoke))
        .route("/api/keys/{id}/rotate", post(rotate))
}

/// `GET /api/keys`: the project's keys, revoked ones included.
async fn list(State(auth): State<Arc<Auth>>, Admin(caller): Admin) -> Result<Response, AppError> {
    let keys = auth.store().list_keys(Some(caller.project)).await?;
    Ok(Json(json!({ "keys": keys })).into_response())
}

/// Body of `POST /api/keys`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    scopes: Option<Vec<String>>,
}

/// `POST /api/keys`: mints a key in the caller's project.
async fn create(
    State(auth): State<Arc<Auth>>,
    Admin(caller): Admin,
    body: Bytes,
) -> Result<Response, AppError> {
    let form: NewKey = if body.iter().all(u8::is_ascii_whitespace) {
        NewKey::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("bad key request: {e}")))?
    };
    let scopes = match form.scopes {
        None => Scopes::only(Scope::Ingest),
        Some(names) => Scopes::parse(&names).map_err(AppError::BadRequest)?,
    };
    let (key, stored) = keyring::mint(auth.store().as_ref(), &caller.project, scopes).await?;
    Ok((StatusCode::CREATED, Json(minted(&key, &stored, None))).into_response())
}

/// `POST /api/keys/{id}/revoke`: the key stops working on every collector within seconds, and
/// its dashboard sessions end.
async fn revoke(
    State(auth): State<Arc<Auth>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let key = live(&auth, &caller.project, &id).await?;
    auth.revoke(&key.key_hash).await?;
    let key = keyring::find(auth.store().as_ref(), &key.id, Some(&caller.project)).await?;
    Ok(Json(json!({ "revoked": key })).into_response())
}

/// `POST /api/keys/{id}/rotate`: a new key with the same project and scopes; the old one is
/// revoked.
async fn rotate(
    State(auth): State<Arc<Auth>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let old = live(&auth, &caller.project, &id).await?;
    let (key, stored) = keyring::successor(auth.store().as_ref(), &old).await?;
    auth.revoke(&old.key_hash).await?;
    Ok(Json(minted(&key, &stored, Some(&old.id))).into_response())
}

/// The live key `id` of `project`, or 404.
async fn live(auth: &Auth, project: &str, id: &str) -> Result<StoredKey, AppError> {
    keyring::find(auth.store().as_ref(), id, Some(project))
        .await?
        .filter(|k| k.revoked_at.is_none())
        .ok_or_else(|| AppError::NotFound(format!("no live key `{id}` in this project")))
}

/// The answer that shows a minted key, this once: the key and its listing's fields (and the id
/// of the key it replaces).
fn minted(key: &str, stored: &StoredKey, replaces: Option<&str>) -> serde_json::Value {
    let mut body = serde_json::to_value(stored).unwrap_or_default();
    body["key"] = json!(key);
    if let Some(old) = replaces {
        body["revoked"] = json!(old);
    }
    body
}
