//! What a [`Delivery`](super::Delivery) is given: its bounds, its timer and its request timeout.
//! The collector's delivery and the OTLP exporter's take the same settings, and nothing else of
//! the tracker's configuration (its key, its receivers) reaches them.

use std::time::Duration;

/// Bounds and timings of one delivery queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Longest time an event waits before its batch is sent.
    pub flush_interval: Duration,
    /// Most events in one request.
    pub max_batch_events: usize,
    /// Most bytes (uncompressed JSON) in one request.
    pub max_batch_bytes: usize,
    /// Most events waiting in memory; past it, new events are dropped and counted (never a
    /// session's start or end).
    pub max_queue_events: usize,
    /// Most bytes waiting in memory, same rule.
    pub max_queue_bytes: usize,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            flush_interval: Duration::from_millis(500),
            max_batch_events: 500,
            max_batch_bytes: 1024 * 1024,
            max_queue_events: 10_000,
            max_queue_bytes: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
        }
    }
}
