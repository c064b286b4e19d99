//! `GET /api/retention` (the read API's credentials) and `PUT /api/retention` (a Bearer key
//! with `admin`): how long the project's sessions are kept. The body of a `PUT` is
//! `{"days": N}` (1 to 36,500: the project's own retention, overriding `--retention-days`) or
//! `{"days": null}` (back to the collector's); anything else is refused, nothing stored. The
//! retention task of every collector of the database applies it from its next round.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::{Admin, Reader};
use crate::error::AppError;
use crate::params::{NoParams, Params};
use crate::retention::RetentionDays;
use crate::store::{Store, MAX_RETENTION_DAYS};
use crate::time::Timestamp;

/// Body of `GET` and `PUT /api/retention`.
#[derive(Debug, Serialize)]
pub struct RetentionAnswer {
    /// Days sessions are kept in this project (its own, else the collector's); `null`: until
    /// deleted.
    days: Option<u32>,
    /// The project's own retention; `null`: none, the collector's applies.
    project_days: Option<u32>,
    /// The collector's (`--retention-days`); `null`: none.
    default_days: Option<u32>,
    /// When the project's own was set; `null` without one.
    updated_at: Option<Timestamp>,
}

/// How long `project`'s sessions are kept, as `GET /api/retention` and the overview say it.
pub(crate) async fn of_project(
    store: &dyn Store,
    global: RetentionDays,
    project: String,
) -> Result<RetentionAnswer, AppError> {
    let own = store.project_retention(project).await?;
    Ok(RetentionAnswer {
        days: own.as_ref().map(|r| r.days).or(global.0),
        project_days: own.as_ref().map(|r| r.days),
        default_days: global.0,
        updated_at: own.map(|r| r.updated_at),
    })
}

impl RetentionAnswer {
    /// Days sessions are kept (`None`: until deleted).
    pub(crate) fn days(&self) -> Option<u32> {
        self.days
    }
}

/// The project's retention.
pub async fn get_retention(
    State(store): State<Arc<dyn Store>>,
    State(global): State<RetentionDays>,
    Reader(project): Reader,
    _: Params<NoParams>,
) -> Result<Json<RetentionAnswer>, AppError> {
    Ok(Json(of_project(store.as_ref(), global, project).await?))
}

/// Sets or removes the project's own retention; answers the retention as it now is.
pub async fn put_retention(
    State(store): State<Arc<dyn Store>>,
    State(global): State<RetentionDays>,
    Admin(caller): Admin,
    _: Params<NoParams>,
    body: Bytes,
) -> Result<Json<RetentionAnswer>, AppError> {
    let days = parse_body(&body)?;
    store
        .set_project_retention(caller.project.clone(), days)
        .await?;
    tracing::info!(project = %caller.project, ?days, "project retention set");
    Ok(Json(
        of_project(store.as_ref(), global, caller.project).await?,
    ))
}

/// The days of a `PUT` body, checked: an object with `days` alone, a whole number or null.
fn parse_body(body: &[u8]) -> Result<Option<u32>, AppError> {
    let expected =
        format!("expected {{\"days\": 1 to {MAX_RETENTION_DAYS}}} or {{\"days\": null}}");
    let parsed: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("invalid retention: {e}; {expected}")))?;
    let days = match parsed.get("days") {
        Some(days) if parsed.len() == 1 => days,
        _ => {
            return Err(AppError::BadRequest(format!(
                "invalid retention: {expected}"
            )))
        }
    };
    if days.is_null() {
        return Ok(None);
    }
    match days.as_u64().map(u32::try_from) {
        Some(Ok(d)) if (1..=MAX_RETENTION_DAYS).contains(&d) => Ok(Some(d)),
        _ => Err(AppError::BadRequest(format!(
            "invalid retention: `days` must be a whole number of days, 1 to \
             {MAX_RETENTION_DAYS}, or null for the collector's"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_days_or_null_and_nothing_else() {
        assert_eq!(parse_body(br#"{"days": 30}"#).unwrap(), Some(30));
        assert_eq!(parse_body(br#"{"days": null}"#).unwrap(), None);
        for bad in [
            &br#"{"days": 0}"#[..],
            br#"{"days": 36501}"#,
            br#"{"days": -1}"#,
            br#"{"days": 1.5}"#,
            br#"{"days": "30"}"#,
            br#"{"day": 30}"#,
            br#"{"days": 30, "more": 1}"#,
            br#"{}"#,
            br#"[]"#,
            b"",
        ] {
            assert!(
                matches!(parse_body(bad), Err(AppError::BadRequest(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
