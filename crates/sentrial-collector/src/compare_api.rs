//! `GET /api/analytics/compare?by=<agent|model|metadata.KEY>&values=A,B[,...]`: two or more values
//! of one dimension side by side over a time range, with each figure's difference from the first
//! value (`docs/protocol.md`). Needs `read`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::error::AppError;
use crate::params::Params;
use crate::store::{CompareRow, Dimension, Store};
use crate::time::{iso8601, now_ms};
use crate::views_api::time_range;

/// Most values compared at once.
pub const MAX_VALUES: usize = 10;

/// Query string of `GET /api/analytics/compare`.
#[derive(Debug, Default, Deserialize)]
pub struct CompareParams {
    by: Option<String>,
    values: Option<String>,
    score: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// One value's figures and how they differ from the first value's.
#[derive(Debug, Serialize)]
pub struct Compared {
    #[serde(flatten)]
    row: CompareRow,
    /// Each figure's change from the first value's, relative (`0.25`: 25% more); `null` where the
    /// first value has none or zero. Empty for the first value.
    change: serde_json::Map<String, serde_json::Value>,
}

/// Body of `GET /api/analytics/compare`.
#[derive(Debug, Serialize)]
pub struct CompareAnswer {
    by: String,
    from: String,
    to: String,
    values: Vec<Compared>,
}

/// The figures compared.
const FIGURES: [&str; 7] = [
    "failure_rate",
    "cost_per_session",
    "duration_p50_ms",
    "duration_p95_ms",
    "avg_turns",
    "tool_calls_per_session",
    "avg_score",
];

/// The values side by side.
pub async fn compare(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Params(p): Params<CompareParams>,
) -> Result<Json<CompareAnswer>, AppError> {
    let by = p.by.unwrap_or_default();
    let dim = dimension(&by)?;
    let values: Vec<String> = p
        .values
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if !(2..=MAX_VALUES).contains(&values.len()) {
        return Err(AppError::BadRequest(format!(
            "invalid values: expected 2 to {MAX_VALUES} comma-separated values, e.g. values=1.2.0,1.3.0"
        )));
    }
    let (from, to) = time_range(p.from, p.to, now_ms())?;
    let rows = store
        .compare(project, dim, values, p.score.unwrap_or_default(), from, to)
        .await?;
    let first = serde_json::to_value(&rows[0]).unwrap_or_default();
    let values = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut change = serde_json::Map::new();
            if i > 0 {
                let this = serde_json::to_value(&row).unwrap_or_default();
                for f in FIGURES {
                    let ratio = match (first[f].as_f64(), this[f].as_f64()) {
                        (Some(a), Some(b)) if a != 0.0 => serde_json::json!((b - a) / a),
                        _ => serde_json::Value::Null,
                    };
                    change.insert(f.to_string(), ratio);
                }
            }
            Compared { row, change }
        })
        .collect();
    Ok(Json(CompareAnswer {
        by,
        from: iso8601(from),
        to: iso8601(to),
        values,
    }))
}

/// `by`: `agent`, `model` or `metadata.KEY` (a key of letters, digits, `_`, `-` and `.`).
pub(crate) fn dimension(by: &str) -> Result<Dimension, AppError> {
    match by {
        "agent" => Ok(Dimension::Agent),
        "model" => Ok(Dimension::Model),
        _ => match by.strip_prefix("metadata.") {
            Some(key) if is_metadata_key(key) => {
                Ok(Dimension::Metadata(key.to_string()))
            }
            _ => Err(AppError::BadRequest(format!(
                "invalid by `{by}`: expected agent, model or metadata.<key> (letters, digits, _, - and .)"
            ))),
        },
    }
}

/// Whether `key` can be compared by (and summed by the rollups): 1 to 64 ASCII letters, digits,
/// `_`, `-` and `.`.
pub(crate) fn is_metadata_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}
