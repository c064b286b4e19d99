//! Alert rules over HTTP: `GET /api/alert-rules` (the read API's credentials: each rule with its
//! state and groups), `POST /api/alert-rules` (a rule, see `alert/rule.rs`), `PATCH
//! /api/alert-rules/{id}` (`{"paused": bool}`), `DELETE /api/alert-rules/{id}`, and `GET
//! /api/alerts` (the webhook deliveries with their outcome, newest first; `rule=` for one rule's,
//! `limit=` up to 500). Changing a rule needs `admin` ([`Manager`]: a key, or a dashboard session
//! from the dashboard's own pages).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::alert::NewRule;
use crate::auth::{Manager, Reader};
use crate::error::AppError;
use crate::params::{NoParams, Params};
use crate::state::AppState;
use crate::store::Store;
use crate::time::now_ms;

/// The most deliveries `GET /api/alerts` answers at once, and its default.
const MAX_HISTORY: i64 = 500;
const DEFAULT_HISTORY: i64 = 100;

/// The routes of alert rules and their history.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/alert-rules", get(list).post(create))
        .route("/api/alert-rules/{id}", patch(change).delete(delete))
        .route("/api/alerts", get(history))
}

/// `GET /api/alert-rules`: `{"rules": [...]}`, oldest first.
async fn list(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    _: Params<NoParams>,
) -> Result<Response, AppError> {
    let rules = store.alert_rules(Some(project)).await?;
    Ok(Json(json!({ "rules": rules })).into_response())
}

/// `POST /api/alert-rules`: stores a rule of the caller's project; 201 with it.
async fn create(
    State(store): State<Arc<dyn Store>>,
    Manager(project): Manager,
    _: Params<NoParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form: NewRule = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "invalid alert rule: {e}; expected {{\"name\", \"metric\", \"window_minutes\", \
             \"op\", \"threshold\", \"webhook_url\"}} and optionally \"issue_kind\", \
             \"score_name\", \"group_by\", \"cooldown_minutes\", \"paused\""
        ))
    })?;
    let id = hex::encode(rand::random::<[u8; 8]>());
    let rule = form
        .check(&project, id.clone(), now_ms())
        .map_err(|e| AppError::BadRequest(format!("invalid alert rule: {e}")))?;
    store.add_alert_rule(rule).await?;
    let view = store
        .alert_rules(Some(project))
        .await?
        .into_iter()
        .find(|r| r.rule.id == id)
        .ok_or(AppError::Internal)?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Body of `PATCH /api/alert-rules/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    paused: bool,
}

/// `PATCH /api/alert-rules/{id}`: pauses or resumes a rule.
async fn change(
    State(store): State<Arc<dyn Store>>,
    Manager(project): Manager,
    Path(id): Path<String>,
    _: Params<NoParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form: Change = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "invalid change: {e}; expected {{\"paused\": true | false}}"
        ))
    })?;
    if !store
        .set_alert_paused(Some(project), id.clone(), form.paused)
        .await?
    {
        return Err(not_found(&id));
    }
    Ok(Json(json!({ "id": id, "paused": form.paused })).into_response())
}

/// `DELETE /api/alert-rules/{id}`: the rule, its states and its deliveries (pending ones are not
/// sent).
async fn delete(
    State(store): State<Arc<dyn Store>>,
    Manager(project): Manager,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> Result<Response, AppError> {
    if !store.delete_alert_rule(Some(project), id.clone()).await? {
        return Err(not_found(&id));
    }
    Ok(Json(json!({ "deleted": id })).into_response())
}

/// Query of `GET /api/alerts`.
#[derive(Debug, Default, Deserialize)]
struct HistoryParams {
    rule: Option<String>,
    limit: Option<String>,
}

/// `GET /api/alerts`: `{"deliveries": [...]}`, newest first.
async fn history(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Params(p): Params<HistoryParams>,
) -> Result<Response, AppError> {
    let limit = match p.limit.as_deref().filter(|l| !l.is_empty()) {
        None => DEFAULT_HISTORY,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_HISTORY).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!("invalid limit `{l}`: expected 1 to {MAX_HISTORY}"))
            })?,
    };
    let rule = p.rule.filter(|r| !r.is_empty());
    let deliveries = store.alert_history(Some(project), rule, limit).await?;
    Ok(Json(json!({ "deliveries": deliveries })).into_response())
}

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no alert rule `{id}` in this project"))
}
