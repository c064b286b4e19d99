//! The dashboard's aggregate read endpoints: `GET /api/conversations/{convo_id}` and
//! `GET /api/overview`. Bearer key or dashboard cookie, like the rest of the read API.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::error::AppError;
use crate::params::{NoParams, Params};
use crate::read_api::time_param;
use crate::retention::RetentionDays;
use crate::store::{Conversation, Overview, OverviewQuery, Store};
use crate::time::now_ms;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Range of the overview when `from` is not given: the last 7 days.
const DEFAULT_RANGE_MS: i64 = 7 * DAY_MS;

/// Most buckets one overview may have.
const MAX_BUCKETS: i64 = 5000;

/// The sessions of one conversation, oldest first, with their totals.
pub async fn conversation(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(convo_id): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<Conversation>, AppError> {
    store
        .conversation(project, convo_id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound("conversation not found".into()))
}

/// Query string of `GET /api/overview`.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewParams {
    from: Option<String>,
    to: Option<String>,
    bucket: Option<String>,
}

/// Sessions and cost over a time range, by agent and user, and the tools' figures.
pub async fn overview(
    State(store): State<Arc<dyn Store>>,
    State(retention): State<RetentionDays>,
    Reader(project): Reader,
    Params(params): Params<OverviewParams>,
) -> Result<Json<OverviewAnswer>, AppError> {
    let query = parse_overview(params, now_ms())?;
    let retention =
        crate::retention_api::of_project(store.as_ref(), retention, project.clone()).await?;
    Ok(Json(OverviewAnswer {
        overview: store.overview(project, query).await?,
        retention_days: retention.days(),
        retention,
    }))
}

/// Body of `GET /api/overview`: the figures, and how long sessions are kept.
#[derive(Debug, Serialize)]
pub struct OverviewAnswer {
    #[serde(flatten)]
    overview: Overview,
    /// The project's retention (its own, else `--retention-days`): sessions older are deleted;
    /// `null`: kept until deleted.
    retention_days: Option<u32>,
    /// Where it comes from, as `GET /api/retention` says it.
    retention: crate::retention_api::RetentionAnswer,
}

/// Checks the query string: `to` defaults to now, `from` to 7 days before `to`; `bucket` is
/// `hour`, `day` or `auto` (hours up to two days, days beyond).
fn parse_overview(p: OverviewParams, now: i64) -> Result<OverviewQuery, AppError> {
    bucketed(p.from, p.to, p.bucket, now)
}

/// The `from`, `to` and `bucket` parameters of a view over time in buckets, as the overview
/// takes them.
pub(crate) fn bucketed(
    from: Option<String>,
    to: Option<String>,
    bucket: Option<String>,
    now: i64,
) -> Result<OverviewQuery, AppError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let (from, to) = time_range(from, to, now)?;
    let bucket_ms = match given(bucket).as_deref() {
        None | Some("auto") if to - from <= 2 * DAY_MS => HOUR_MS,
        None | Some("auto") => DAY_MS,
        Some("hour") => HOUR_MS,
        Some("day") => DAY_MS,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "invalid bucket `{other}`: expected hour, day or auto"
            )))
        }
    };
    if (to - from) / bucket_ms > MAX_BUCKETS {
        return Err(AppError::BadRequest(format!(
            "invalid range: more than {MAX_BUCKETS} buckets; use a larger bucket or a shorter range"
        )));
    }
    Ok(OverviewQuery {
        from,
        to,
        bucket_ms,
    })
}

/// The `from` and `to` parameters of a view over time: `to` defaults to `now`, `from` to 7 days
/// before `to`, and `from` must be before `to`.
pub(crate) fn time_range(
    from: Option<String>,
    to: Option<String>,
    now: i64,
) -> Result<(i64, i64), AppError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let to = match given(to) {
        Some(raw) => time_param("to", &raw)?,
        None => now,
    };
    let from = match given(from) {
        Some(raw) => time_param("from", &raw)?,
        None => to - DEFAULT_RANGE_MS,
    };
    if from >= to {
        return Err(AppError::BadRequest(
            "invalid range: `from` must be before `to`".into(),
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(from: Option<&str>, to: Option<&str>, bucket: Option<&str>) -> OverviewParams {
        OverviewParams {
            from: from.map(Into::into),
            to: to.map(Into::into),
            bucket: bucket.map(Into::into),
        }
    }

    #[test]
    fn defaults_to_the_last_week_by_day() {
        let q = parse_overview(params(None, None, None), 10 * DAY_MS).unwrap();
        assert_eq!(
            (q.from, q.to, q.bucket_ms),
            (3 * DAY_MS, 10 * DAY_MS, DAY_MS)
        );
        let q = parse_overview(params(Some("0"), Some("3600000"), Some("")), 0).unwrap();
        assert_eq!(q.bucket_ms, HOUR_MS);
    }

    #[test]
    fn refuses_bad_ranges_and_buckets() {
        for p in [
            params(Some("5"), Some("5"), None),
            params(Some("x"), None, None),
            params(None, None, Some("minute")),
            params(Some("0"), Some("1000000000000"), Some("hour")),
        ] {
            assert!(matches!(parse_overview(p, 0), Err(AppError::BadRequest(_))));
        }
    }
}
