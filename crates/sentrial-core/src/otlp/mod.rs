//! Sessions as OTLP/HTTP traces, for any OpenTelemetry backend (Jaeger, Tempo, Honeycomb,
//! Datadog, Langfuse, Phoenix, ...), following `sentrial_protocol::otel` and the GenAI semantic
//! conventions.
//!
//! The worker hands each event, after redaction and the privacy mode (the very bytes queued for
//! the collector), to the [`Exporter`]. Its [`spans::SpanBuilder`] turns events into spans; each
//! span is protobuf-encoded and queued on a [`Delivery`] of its own, so the exporter has the
//! collector's queue bounds, batching, gzip, backoff with jitter and `Retry-After`, no retry of a
//! refused request, flush and shutdown, and counters ([`OtlpStats`]). The collector's session gate
//! does not apply: span order does not matter to an OTLP receiver.

pub mod attributes;
pub mod config;
pub mod encode;
pub mod spans;

pub use config::{traces_url, OtlpConfig, OtlpProtocol, DEFAULT_SERVICE_NAME};

use crate::delivery::outbox::Kind;
use crate::delivery::transport::{HttpTransport, Peer};
use crate::delivery::{Delivery, DeliveryConfig};
use crate::error::CoreError;
use crate::stats::Stats;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use sentrial_protocol::{Event, SdkInfo};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Counters of the exporter. Spans follow the identity of [`Stats`]: `produced == delivered +
/// pending + dropped`.
#[derive(Debug, Default)]
pub struct OtlpStats {
    spans: Arc<Stats>,
    sessions_dropped: AtomicU64,
    events_skipped: AtomicU64,
}

/// A reading of [`OtlpStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OtlpStatsSnapshot {
    /// Spans made.
    pub produced: u64,
    /// Spans the endpoint accepted.
    pub delivered: u64,
    /// Spans queued or in flight.
    pub pending: u64,
    /// Spans dropped, all reasons.
    pub dropped: u64,
    /// Dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Dropped because the endpoint refused them (4xx other than 401/403/413).
    pub dropped_rejected: u64,
    /// Dropped because the endpoint refused the credentials (401, 403).
    pub dropped_unauthorized: u64,
    /// Dropped because too large (413) even alone.
    pub dropped_too_large: u64,
    /// Dropped at shutdown.
    pub dropped_shutdown: u64,
    /// Requests retried.
    pub retried: u64,
    /// Sessions that got no session span because more than
    /// [`spans::MAX_OPEN_SESSIONS`] ran at once.
    pub sessions_dropped: u64,
    /// Events that could not be read back into spans (none are expected).
    pub events_skipped: u64,
}

impl OtlpStats {
    /// Reads all counters.
    pub fn snapshot(&self) -> OtlpStatsSnapshot {
        let s = self.spans.snapshot();
        OtlpStatsSnapshot {
            produced: s.produced,
            delivered: s.delivered,
            pending: s.pending,
            dropped: s.dropped,
            dropped_queue_full: s.dropped_queue_full,
            dropped_rejected: s.dropped_rejected,
            dropped_unauthorized: s.dropped_unauthorized,
            dropped_too_large: s.dropped_too_large,
            dropped_shutdown: s.dropped_shutdown,
            retried: s.retried,
            sessions_dropped: self.sessions_dropped.load(Relaxed),
            events_skipped: self.events_skipped.load(Relaxed),
        }
    }
}

/// The transport of an exporter: checks `otlp` (URL, headers) without starting anything. Its
/// requests time out after `timeout`; `sdk` is the resource's and the user agent's.
pub fn transport(
    otlp: &OtlpConfig,
    timeout: Duration,
    sdk: &SdkInfo,
) -> Result<HttpTransport, CoreError> {
    let headers = otlp.checked_headers()?;
    let service = match otlp.service_name.trim() {
        "" => DEFAULT_SERVICE_NAME,
        name => name,
    };
    let encoder = encode::SpanEncoder::new(otlp.protocol, service, &sdk.name, &sdk.version);
    HttpTransport::new(
        Peer::Otlp,
        otlp.endpoint.clone(),
        headers,
        Arc::new(encoder),
        timeout,
        sdk,
    )
}

/// The exporter of one tracker, living in its worker task.
pub struct Exporter {
    builder: spans::SpanBuilder,
    delivery: Arc<Delivery>,
    stats: Arc<OtlpStats>,
    spans: Vec<Span>,
}

impl Exporter {
    /// An exporter queueing on a new delivery with `config`'s bounds and timings (never
    /// spooled: spans are made again from events, and OTLP receivers do not dedupe). The caller
    /// runs its sender task.
    pub fn new(config: DeliveryConfig) -> Exporter {
        let stats = Arc::new(OtlpStats::default());
        Exporter {
            builder: spans::SpanBuilder::default(),
            delivery: Delivery::new(config, None, stats.spans.clone()),
            stats,
            spans: Vec::new(),
        }
    }

    /// The delivery spans are queued on.
    pub fn delivery(&self) -> &Arc<Delivery> {
        &self.delivery
    }

    /// The exporter's counters.
    pub fn stats(&self) -> &Arc<OtlpStats> {
        &self.stats
    }

    /// Takes one event as queued for the collector (redacted JSON) and queues the spans it makes.
    pub fn event(&mut self, session: &Arc<str>, json: &[u8]) {
        let event: Event = match serde_json::from_slice(json) {
            Ok(e) => e,
            Err(e) => {
                self.stats.events_skipped.fetch_add(1, Relaxed);
                tracing::debug!(error = %e, "an event could not be read into spans");
                return;
            }
        };
        if !self.builder.event(&event, &mut self.spans) {
            self.stats.sessions_dropped.fetch_add(1, Relaxed);
        }
        for span in self.spans.drain(..) {
            // The session span is never dropped for room, as a session's end is not.
            let kind = if span.parent_span_id.is_empty() {
                Kind::End
            } else {
                Kind::Other
            };
            self.delivery.push(session, kind, span.encode_to_vec());
        }
    }
}

#[cfg(test)]
mod sender_tests;
