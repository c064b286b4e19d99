//! `GET /api/issue-settings` (the read API's credentials) and `PUT /api/issue-settings` (a
//! Bearer key with `admin`): a project's thresholds for the issue rules. The body of a `PUT` is
//! the thresholds the project sets, by name (`{}` goes back to the defaults); each is checked
//! and a bad one refused with its name, nothing stored. Sessions are checked with the new
//! thresholds from the next batch on; stored findings stay until their session changes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde_json::{Map, Value};

use crate::auth::{Admin, Reader};
use crate::detect::Thresholds;
use crate::error::AppError;
use crate::params::{NoParams, Params};
use crate::store::{IssueSettings, Store};

/// The project's thresholds: `thresholds` (in force), `overrides`, `defaults`, `updated_at`.
pub async fn get_settings(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    _: Params<NoParams>,
) -> Result<Json<IssueSettings>, AppError> {
    Ok(Json(store.issue_settings(project).await?))
}

/// Replaces the project's overrides with the body's; answers the settings as they now are.
pub async fn put_settings(
    State(store): State<Arc<dyn Store>>,
    Admin(caller): Admin,
    _: Params<NoParams>,
    body: Bytes,
) -> Result<Json<IssueSettings>, AppError> {
    let overrides: Map<String, Value> = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "invalid issue settings: {e}; expected a JSON object of thresholds by name"
        ))
    })?;
    Thresholds::with_overrides(&overrides)
        .map_err(|problem| AppError::BadRequest(format!("invalid issue settings: {problem}")))?;
    store
        .set_issue_settings(caller.project.clone(), overrides)
        .await?;
    Ok(Json(store.issue_settings(caller.project).await?))
}
