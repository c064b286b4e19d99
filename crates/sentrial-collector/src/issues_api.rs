//! `GET /api/issues`: the project's detected issues over a time range, by kind. Bearer key or
//! dashboard cookie, like the rest of the read API.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::error::AppError;
use crate::params::Params;
use crate::store::{IssueGroup, Store};
use crate::time::{now_ms, Timestamp};
use crate::views_api::time_range;

/// Query string of `GET /api/issues`.
#[derive(Debug, Default, Deserialize)]
pub struct IssuesParams {
    from: Option<String>,
    to: Option<String>,
}

/// Body of `GET /api/issues`.
#[derive(Debug, Serialize)]
pub struct Issues {
    /// Start of the range (sessions that ended at or after it).
    from: Timestamp,
    /// End of the range (sessions that ended before it).
    to: Timestamp,
    /// Each kind found in the range, by name.
    issues: Vec<IssueGroup>,
}

/// The issues of sessions that ended in `[from, to)` (default: the last 7 days), by kind.
pub async fn issues(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Params(p): Params<IssuesParams>,
) -> Result<Json<Issues>, AppError> {
    let (from, to) = time_range(p.from, p.to, now_ms())?;
    let issues = store.issue_summary(project, from, to).await?;
    Ok(Json(Issues {
        from: Timestamp(from),
        to: Timestamp(to),
        issues,
    }))
}
