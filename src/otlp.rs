//! The `otlp` option of a native client, converted for `sentrial-core`, and the exporter's
//! counters.

use napi::{Error, Result, Status};
use napi_derive::napi;
use sentrial_core::otlp::{self as core_otlp, traces_url, OtlpConfig, DEFAULT_SERVICE_NAME};
use sentrial_core::OtlpStatsSnapshot;
use std::collections::HashMap;

/// How spans are encoded, by the names of `OTEL_EXPORTER_OTLP_PROTOCOL`. The one list of them: a
/// name not listed is refused when the options are read (`InvalidArg`).
#[napi(string_enum)]
pub enum OtlpProtocol {
    /// `application/x-protobuf`, the OTLP default every receiver accepts.
    #[napi(value = "http/protobuf")]
    HttpProtobuf,
    /// `application/json`, OTLP's JSON mapping.
    #[napi(value = "http/json")]
    HttpJson,
}

impl From<OtlpProtocol> for core_otlp::OtlpProtocol {
    fn from(p: OtlpProtocol) -> core_otlp::OtlpProtocol {
        match p {
            OtlpProtocol::HttpProtobuf => core_otlp::OtlpProtocol::Protobuf,
            OtlpProtocol::HttpJson => core_otlp::OtlpProtocol::Json,
        }
    }
}

/// Where and how sessions are exported as OTLP/HTTP traces. The JS layer resolves the
/// `OTEL_EXPORTER_OTLP_*` environment variables before this point.
#[napi(object)]
pub struct OtlpOptions {
    /// Base URL: spans go to `{endpoint}/v1/traces` (as is when it already ends so).
    pub endpoint: Option<String>,
    /// Full traces URL, used as is (from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `endpoint` wins.
    pub traces_endpoint: Option<String>,
    /// Request headers (a backend's key); never logged.
    pub headers: Option<HashMap<String, String>>,
    /// How spans are encoded (default `http/protobuf`).
    pub protocol: Option<OtlpProtocol>,
    /// The resource's `service.name` (default `sentrial-agent`).
    pub service_name: Option<String>,
}

fn invalid(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

/// The core's settings from the options; anything that can never work is an `InvalidArg` error.
pub(crate) fn config(o: OtlpOptions) -> Result<OtlpConfig> {
    let endpoint = match (o.endpoint, o.traces_endpoint) {
        (Some(base), _) => traces_url(&base),
        (None, Some(url)) => url,
        (None, None) => return Err(invalid("otlp needs an endpoint".into())),
    };
    let protocol = o.protocol.map(Into::into).unwrap_or_default();
    let mut headers: Vec<(String, String)> = o.headers.unwrap_or_default().into_iter().collect();
    headers.sort();
    Ok(OtlpConfig {
        endpoint,
        headers,
        protocol,
        service_name: o
            .service_name
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_SERVICE_NAME.into()),
    })
}

/// The OTLP exporter's counters; `produced == delivered + pending + dropped` (spans).
#[napi(object)]
pub struct NativeOtlpStats {
    /// Spans made.
    pub produced: f64,
    /// Spans the endpoint accepted.
    pub delivered: f64,
    /// Spans queued or in flight.
    pub pending: f64,
    /// Spans dropped, all reasons.
    pub dropped: f64,
    /// Dropped because the queue was full.
    pub dropped_queue_full: f64,
    /// Dropped because the endpoint refused them (4xx).
    pub dropped_rejected: f64,
    /// Dropped because the endpoint refused the credentials (401, 403).
    pub dropped_unauthorized: f64,
    /// Dropped because too large (413) even alone.
    pub dropped_too_large: f64,
    /// Dropped at shutdown.
    pub dropped_shutdown: f64,
    /// Requests retried.
    pub retried: f64,
    /// Sessions that got no session span (more than 10,000 ran at once).
    pub sessions_dropped: f64,
    /// Events that could not be made into spans.
    pub events_skipped: f64,
}

impl From<OtlpStatsSnapshot> for NativeOtlpStats {
    fn from(s: OtlpStatsSnapshot) -> Self {
        NativeOtlpStats {
            produced: s.produced as f64,
            delivered: s.delivered as f64,
            pending: s.pending as f64,
            dropped: s.dropped as f64,
            dropped_queue_full: s.dropped_queue_full as f64,
            dropped_rejected: s.dropped_rejected as f64,
            dropped_unauthorized: s.dropped_unauthorized as f64,
            dropped_too_large: s.dropped_too_large as f64,
            dropped_shutdown: s.dropped_shutdown as f64,
            retried: s.retried as f64,
            sessions_dropped: s.sessions_dropped as f64,
            events_skipped: s.events_skipped as f64,
        }
    }
}
