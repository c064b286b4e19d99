//! `GET /api/analytics/values?by=<agent|model|metadata.KEY>`: the values a dimension of
//! `GET /api/analytics/compare` took over a time range, most sessions first, each with its
//! session count: what the Compare page offers to pick. Needs `read`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::compare_api::dimension;
use crate::error::AppError;
use crate::params::Params;
use crate::store::{Store, ValueCount};
use crate::time::{iso8601, now_ms};
use crate::views_api::time_range;

/// Query string of `GET /api/analytics/values`.
#[derive(Debug, Default, Deserialize)]
pub struct ValuesParams {
    by: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// Body of `GET /api/analytics/values`.
#[derive(Debug, Serialize)]
pub struct ValuesAnswer {
    by: String,
    from: String,
    to: String,
    values: Vec<ValueCount>,
}

/// The values seen.
pub async fn values(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Params(p): Params<ValuesParams>,
) -> Result<Json<ValuesAnswer>, AppError> {
    let by = p.by.unwrap_or_default();
    let dim = dimension(&by)?;
    let (from, to) = time_range(p.from, p.to, now_ms())?;
    let values = store.dimension_values(project, dim, from, to).await?;
    Ok(Json(ValuesAnswer {
        by,
        from: iso8601(from),
        to: iso8601(to),
        values,
    }))
}
