//! `GET /api/analytics/users/{user_id}` (needs `read`): one end user over a time range, for
//! their page: their figures as the users list gives them, their sessions and conversations per
//! bucket (`bucket` as the overview takes it), their latest conversations, and when they were
//! last seen at all. 404 when the project has no session of theirs.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::error::AppError;
use crate::params::Params;
use crate::store::{Store, UserDetail, UserQuery};
use crate::time::{iso8601, now_ms};
use crate::views_api::bucketed;

/// Query string of `GET /api/analytics/users/{user_id}`.
#[derive(Debug, Default, Deserialize)]
pub struct UserParams {
    from: Option<String>,
    to: Option<String>,
    bucket: Option<String>,
    score: Option<String>,
}

/// Body of `GET /api/analytics/users/{user_id}`.
#[derive(Debug, Serialize)]
pub struct UserAnswer {
    user_id: String,
    from: String,
    to: String,
    bucket_ms: i64,
    #[serde(flatten)]
    detail: UserDetail,
}

/// The end user's page.
pub async fn user(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(user_id): Path<String>,
    Params(p): Params<UserParams>,
) -> Result<Json<UserAnswer>, AppError> {
    let range = bucketed(p.from, p.to, p.bucket, now_ms())?;
    let query = UserQuery {
        from: range.from,
        to: range.to,
        bucket_ms: range.bucket_ms,
        score: p.score.unwrap_or_default(),
    };
    let detail = store
        .user_detail(project, user_id.clone(), query)
        .await?
        .ok_or_else(|| AppError::NotFound("no session of this user".into()))?;
    Ok(Json(UserAnswer {
        user_id,
        from: iso8601(range.from),
        to: iso8601(range.to),
        bucket_ms: range.bucket_ms,
        detail,
    }))
}
