//! `POST /v1/traces`: OTLP/HTTP trace export, protobuf or JSON. GenAI spans (the SDK's exporter,
//! or any source following the OpenTelemetry GenAI conventions) become protocol events and are
//! stored through the same [`crate::store::Store::ingest`] as `POST /v1/batch`, with the same key,
//! rate limit, gzip handling and size limit. Spans that cannot be mapped are counted in the
//! answer's `partial_success`.

mod attrs;
mod decode;
mod json;
mod map;
mod reject;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::Project;
use crate::error::AppError;
use crate::ingest::{read_body, INLINE_DECODE_BYTES};
use crate::store::Store;
use decode::Encoding;
use map::Mapped;

/// The path OTLP/HTTP exporters post traces to.
pub const TRACES_PATH: &str = "/v1/traces";

/// Stores a trace export's GenAI spans and answers an `ExportTraceServiceResponse` in the
/// request's encoding.
pub async fn post_traces(
    _slot: crate::ingest_limit::IngestSlot,
    State(store): State<Arc<dyn Store>>,
    State(limit): State<crate::ingest_limit::IngestLimit>,
    Project(project): Project,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let encoding = Encoding::of(&headers)?;
    let body = read_body(body)?;
    let _room = limit.decoding(body.len()).await?;
    let mapped = if body.len() > INLINE_DECODE_BYTES {
        tokio::task::spawn_blocking(move || decode_and_map(encoding, &body))
            .await
            .map_err(|_| AppError::Internal)??
    } else {
        decode_and_map(encoding, &body)?
    };
    if !mapped.events.is_empty() {
        store.ingest(project, mapped.events).await?;
    }
    Ok(decode::response(
        encoding,
        mapped.rejected.partial_success(),
    ))
}

fn decode_and_map(encoding: Encoding, body: &[u8]) -> Result<Mapped, AppError> {
    let request = decode::request(encoding, body)?;
    Ok(map::request(&request))
}
