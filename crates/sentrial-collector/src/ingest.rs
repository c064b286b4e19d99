//! `POST /v1/batch`: decode a batch, check its version, hand its events to the store.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use sentrial_protocol::{
    metric_problem, Batch, IngestResponse, Payload, METRICS_MAX, READABLE_PROTOCOL_VERSIONS,
};
use serde::Deserialize;

use crate::auth::Project;
use crate::config::MAX_BODY_BYTES;
use crate::error::AppError;
use crate::ingest_limit::{IngestLimit, IngestSlot};
use crate::store::Store;
use crate::value_count::{self, MAX_JSON_VALUES};

/// Bodies above this size are decoded on the blocking pool rather than on a runtime worker.
pub(crate) const INLINE_DECODE_BYTES: usize = 512 * 1024;

/// Stores a batch and says how many of its events were new.
pub async fn post_batch(
    _slot: IngestSlot,
    State(store): State<Arc<dyn Store>>,
    State(limit): State<IngestLimit>,
    Project(project): Project,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestResponse>, AppError> {
    let body = read_body(body)?;
    if value_count::exceeds(&body, MAX_JSON_VALUES) {
        return Err(AppError::PayloadTooLarge(format!(
            "batch holds over {MAX_JSON_VALUES} JSON values (items of arrays and objects); \
             send fewer events per batch"
        )));
    }
    let _room = limit.decoding(body.len()).await?;
    let batch = if body.len() > INLINE_DECODE_BYTES {
        tokio::task::spawn_blocking(move || decode(&body))
            .await
            .map_err(|_| AppError::Internal)??
    } else {
        decode(&body)?
    };
    let response = store.ingest(project, batch.events).await?;
    Ok(Json(response))
}

/// The body as read (decompressed, within [`MAX_BODY_BYTES`]), or 413 / 400 saying why not.
/// Shared with `POST /v1/traces`, so both ingest paths answer alike.
pub(crate) fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(format!(
                "request body exceeds {} MiB (counted after decompression)",
                MAX_BODY_BYTES >> 20
            ))
        } else {
            AppError::BadRequest(format!(
                "cannot read request body: {}",
                rejection.body_text()
            ))
        }
    })
}

/// Just the version field, to name the real problem when a batch of another version fails to
/// decode as v1.
#[derive(Deserialize)]
struct VersionOnly {
    protocol: u32,
}

/// Decodes and checks a batch; errors name the field and what is wrong with it.
pub fn decode(body: &[u8]) -> Result<Batch, AppError> {
    let batch = match serde_json::from_slice::<Batch>(body) {
        Ok(batch) => batch,
        Err(err) => {
            if let Ok(VersionOnly { protocol }) = serde_json::from_slice(body) {
                check_version(protocol)?;
            }
            return Err(AppError::BadRequest(format!(
                "invalid batch: {}",
                describe_error(body, err)
            )));
        }
    };
    check_version(batch.protocol)?;
    for (i, ev) in batch.events.iter().enumerate() {
        if ev.id.is_empty() || ev.session_id.is_empty() {
            return Err(AppError::BadRequest(format!(
                "invalid batch: events[{i}]: `id` and `session_id` must not be empty"
            )));
        }
        let problem = match &ev.payload {
            Payload::Score(score) => score.problem(),
            Payload::SessionEnd(end) => metrics_problem(&end.metrics),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(AppError::BadRequest(format!(
                "invalid batch: events[{i}].data: {problem}"
            )));
        }
    }
    Ok(batch)
}

/// Why an end's custom metrics cannot be stored, if they cannot: too many, or one of them.
fn metrics_problem(metrics: &BTreeMap<String, f64>) -> Option<String> {
    if metrics.len() > METRICS_MAX {
        return Some(format!("at most {METRICS_MAX} custom metrics a session"));
    }
    metrics
        .iter()
        .find_map(|(name, v)| metric_problem(name, *v))
}

fn check_version(protocol: u32) -> Result<(), AppError> {
    if READABLE_PROTOCOL_VERSIONS.contains(&protocol) {
        Ok(())
    } else {
        let mut speaks: Vec<String> = READABLE_PROTOCOL_VERSIONS
            .iter()
            .map(u32::to_string)
            .collect();
        let last = speaks.pop().unwrap_or_default();
        Err(AppError::BadRequest(format!(
            "unsupported protocol version {protocol}; this collector speaks {} and {last}",
            speaks.join(", ")
        )))
    }
}

/// serde's message, prefixed with the path of the offending field when serde_path_to_error can
/// tell it. Only run on failure, so a good batch is decoded once, at full speed.
fn describe_error(body: &[u8], err: serde_json::Error) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, Batch>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if matches!(path.as_str(), "" | "." | "?") {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            }
        }
        Ok(_) => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> String {
        match decode(body.as_bytes()) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected 400, got {other:?}"),
        }
    }

    #[test]
    fn names_the_bad_field() {
        let m = message(
            r#"{"protocol":1,"events":[{"id":"e","session_id":"s","ts":"soon",
                "type":"session_input","data":{"turn":0,"text":"x"}}]}"#,
        );
        assert!(m.contains("events[0]"), "{m}");
        assert!(m.contains("invalid type: string \"soon\""), "{m}");
    }

    #[test]
    fn names_the_version_even_when_v1_cannot_decode_it() {
        let m = message(r#"{"protocol":5,"events":[{"whatever":true}]}"#);
        assert_eq!(
            m,
            "unsupported protocol version 5; this collector speaks 1, 2, 3 and 4"
        );
        let m = message(r#"{"protocol":0,"events":[]}"#);
        assert_eq!(
            m,
            "unsupported protocol version 0; this collector speaks 1, 2, 3 and 4"
        );
    }

    #[test]
    fn rejects_syntax_errors_and_empty_ids() {
        assert!(message("{nope").contains("key must be a string"));
        let m = message(
            r#"{"protocol":1,"events":[{"id":"","session_id":"s","ts":1,
                "type":"session_input","data":{"turn":0,"text":"x"}}]}"#,
        );
        assert!(m.contains("must not be empty"), "{m}");
    }
}
