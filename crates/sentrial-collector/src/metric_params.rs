//! The sessions list's custom metric filters: `metric.<name>_min=` and `metric.<name>_max=`
//! (e.g. `metric.satisfaction_min=4`), parameter names made of the metric's name, so they are
//! read from the query string here rather than from a parameter struct.

use axum::extract::Query;
use axum::http::Uri;

use crate::error::AppError;
use crate::params::bad_query;
use crate::store::MetricFilter;

/// How the list's known parameters name the metric filters (`params::check_names` takes a
/// trailing `*` as any name with that start).
pub const METRIC_PARAMS: &str = "metric.*";

/// Most metrics one list query filters on.
pub const MAX_METRIC_FILTERS: usize = 10;

/// The metric filters of `uri`'s query string, by metric name in the order first given; an empty
/// value counts as not given. A 400 for a name without `_min` or `_max`, a value that is not a
/// finite number, a minimum above the maximum, or more than [`MAX_METRIC_FILTERS`] metrics.
pub fn metric_filters(uri: &Uri) -> Result<Vec<MetricFilter>, AppError> {
    let Query(given) = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(bad_query)?;
    let mut out: Vec<MetricFilter> = Vec::new();
    for (param, raw) in &given {
        let Some(rest) = param.strip_prefix("metric.") else {
            continue;
        };
        let (name, is_min) = match (rest.strip_suffix("_min"), rest.strip_suffix("_max")) {
            (Some(name), _) => (name, true),
            (_, Some(name)) => (name, false),
            _ => {
                return Err(AppError::BadRequest(format!(
                    "invalid parameter `{}`: a metric filter is metric.<name>_min or \
                     metric.<name>_max",
                    quoted(param)
                )))
            }
        };
        if name.is_empty() || raw.is_empty() {
            continue;
        }
        let value = raw
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "invalid {} `{}`: expected a number",
                    quoted(param),
                    quoted(raw)
                ))
            })?;
        let at = match out.iter().position(|f| f.name == name) {
            Some(at) => at,
            None => {
                out.push(MetricFilter {
                    name: name.to_string(),
                    ..MetricFilter::default()
                });
                out.len() - 1
            }
        };
        let filter = &mut out[at];
        *(if is_min {
            &mut filter.min
        } else {
            &mut filter.max
        }) = Some(value);
    }
    if out.len() > MAX_METRIC_FILTERS {
        return Err(AppError::BadRequest(format!(
            "too many metric filters: at most {MAX_METRIC_FILTERS} metrics"
        )));
    }
    if let Some(f) = out
        .iter()
        .find(|f| matches!((f.min, f.max), (Some(min), Some(max)) if min > max))
    {
        return Err(AppError::BadRequest(format!(
            "invalid range of metric `{}`: its _min is above its _max",
            quoted(&f.name)
        )));
    }
    Ok(out)
}

/// Longest text quoted back in an error.
const MAX_QUOTED: usize = 64;

fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<Vec<MetricFilter>, AppError> {
        metric_filters(&format!("/?{q}").parse().unwrap())
    }

    #[test]
    fn bounds_are_gathered_by_name() {
        let f = parse(
            "agent=x&metric.satisfaction_min=4&metric.a%20b_max=2.5&metric.satisfaction_max=5",
        )
        .unwrap();
        assert_eq!(
            f,
            [
                MetricFilter {
                    name: "satisfaction".into(),
                    min: Some(4.0),
                    max: Some(5.0)
                },
                MetricFilter {
                    name: "a b".into(),
                    min: None,
                    max: Some(2.5)
                },
            ]
        );
        assert!(parse("metric.x_min=").unwrap().is_empty());
    }

    #[test]
    fn bad_filters_are_refused() {
        for q in [
            "metric.x_min=abc",
            "metric.x=1",
            "metric.x_min=NaN",
            "metric.x_min=3&metric.x_max=2",
        ] {
            assert!(matches!(parse(q), Err(AppError::BadRequest(_))), "{q}");
        }
    }
}
