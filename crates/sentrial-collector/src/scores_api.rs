//! Scores over HTTP: `POST /api/sessions/{id}/scores` (a Bearer key with `ingest`, as the SDK
//! sends scores: writing a score is sending data, not reading it; its source is `api`; or the
//! dashboard's cookie on a same-origin JSON request, a reviewer's grade: source `dashboard`),
//! `GET /api/sessions/{id}/scores` (the read API's credentials), and the sessions list's score
//! filter (`score=`, `score_min=`, `score_max=`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts};
use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sentrial_protocol::{
    Event, Payload, Score, ScoreOf, ScoreValue, SCORE_SOURCE_API, SCORE_SOURCE_DASHBOARD,
};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Auth, Project, Reader, Reviewer};
use crate::error::AppError;
use crate::params::{NoParams, Params};
use crate::store::{ScoreFilter, ScoreRecord, Store};
use crate::time::{now_ms, Timestamp};

/// Body of `POST /api/sessions/{id}/scores`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewScore {
    name: String,
    value: ScoreValue,
    #[serde(default)]
    comment: Option<String>,
}

/// Who writes a score: a Bearer key with `ingest` (source `api`) when the request has an
/// `Authorization` header, else the dashboard ([`Reviewer`], source `dashboard`).
pub struct ScoreAuthor {
    project: String,
    source: &'static str,
}

impl<S> FromRequestParts<S> for ScoreAuthor
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if parts.headers.contains_key(AUTHORIZATION) {
            let Project(project) = Project::from_request_parts(parts, state).await?;
            return Ok(ScoreAuthor {
                project,
                source: SCORE_SOURCE_API,
            });
        }
        let Reviewer(project) = Reviewer::from_request_parts(parts, state).await?;
        Ok(ScoreAuthor {
            project,
            source: SCORE_SOURCE_DASHBOARD,
        })
    }
}

/// Adds a score to a session the project has (404 otherwise); answers 201 with the score.
pub async fn post_score(
    State(store): State<Arc<dyn Store>>,
    ScoreAuthor { project, source }: ScoreAuthor,
    Path(id): Path<String>,
    _: Params<NoParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form: NewScore = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "invalid score: {e}; expected {{\"name\": string, \"value\": number | boolean | \
             string, \"comment\"?: string}}"
        ))
    })?;
    let score = Score {
        name: form.name,
        value: form.value,
        comment: form.comment,
        source: source.into(),
        at: now_ms(),
        of: ScoreOf::Session,
    };
    if let Some(problem) = score.problem() {
        return Err(AppError::BadRequest(format!("invalid score: {problem}")));
    }
    if store
        .session_scores(project.clone(), id.clone())
        .await?
        .is_none()
    {
        return Err(AppError::NotFound("session not found".into()));
    }
    let event = Event {
        id: format!("score-{}", hex::encode(rand::random::<[u8; 16]>())),
        session_id: id,
        ts: score.at,
        payload: Payload::Score(score.clone()),
    };
    let record = ScoreRecord {
        id: event.id.clone(),
        name: score.name,
        value: score.value,
        comment: score.comment,
        source: score.source,
        at: Timestamp(score.at),
        of: score.of,
    };
    store.ingest(project, vec![event]).await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

/// A session's scores, oldest first: `{"scores": [...]}`.
pub async fn get_scores(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> Result<Response, AppError> {
    let scores = store
        .session_scores(project, id)
        .await?
        .ok_or_else(|| AppError::NotFound("session not found".into()))?;
    Ok(Json(json!({ "scores": scores })).into_response())
}

/// The list's score filter from `score`, `score_min`, `score_max` (empty values: not given);
/// `None` when none is given. A bound must be a finite number, and `score_min` at most
/// `score_max`.
pub fn filter(
    name: Option<String>,
    min: Option<String>,
    max: Option<String>,
) -> Result<Option<ScoreFilter>, AppError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let bound = |param: &str, raw: Option<String>| {
        given(raw)
            .map(|raw| {
                raw.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "invalid {param} `{raw}`: expected a number (a boolean score is 1 or 0)"
                        ))
                    })
            })
            .transpose()
    };
    let f = ScoreFilter {
        name: given(name),
        min: bound("score_min", min)?,
        max: bound("score_max", max)?,
    };
    if let (Some(min), Some(max)) = (f.min, f.max) {
        if min > max {
            return Err(AppError::BadRequest(
                "invalid score range: `score_min` is above `score_max`".into(),
            ));
        }
    }
    Ok((f != ScoreFilter::default()).then_some(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: Option<&str>, min: Option<&str>, max: Option<&str>) -> Option<ScoreFilter> {
        let s = |v: Option<&str>| v.map(String::from);
        filter(s(name), s(min), s(max)).unwrap()
    }

    #[test]
    fn the_score_filter_takes_a_name_and_a_range() {
        assert_eq!(parse(None, Some(""), None), None);
        let f = parse(Some("helpful"), Some("0.5"), Some("1")).unwrap();
        assert_eq!(
            (f.name.as_deref(), f.min, f.max),
            (Some("helpful"), Some(0.5), Some(1.0))
        );
        for (min, max) in [
            (Some("x"), None),
            (Some("NaN"), None),
            (Some("2"), Some("1")),
        ] {
            let err = filter(None, min.map(Into::into), max.map(Into::into));
            assert!(matches!(err, Err(AppError::BadRequest(_))));
        }
    }
}
