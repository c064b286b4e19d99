//! Settings of a tracker, with the defaults documented in the README.

use std::time::Duration;

/// Where and how a tracker delivers its events.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bearer key for the collector. Empty with [`Config::otlp`] set: no collector, spans go to the
    /// OTLP endpoint only.
    pub api_key: String,
    /// Base URL of the collector, e.g. `http://127.0.0.1:7878`.
    pub api_url: String,
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
    /// Directory where undelivered events are also written, to be sent after a restart. `None`
    /// (the default) keeps them in memory only.
    pub spool_dir: Option<std::path::PathBuf>,
    /// Secret redaction (on by default) and extra patterns; see `docs/security.md`.
    pub redact: crate::redact::RedactConfig,
    /// Which fields of a session are kept at all.
    pub privacy: crate::redact::Privacy,
    /// Name of the SDK package, sent with each batch.
    pub sdk_name: String,
    /// Version of the SDK package.
    pub sdk_version: String,
    /// Sessions also sent as OTLP/HTTP traces (off by default).
    pub otlp: Option<crate::otlp::OtlpConfig>,
}

/// The collector `sentrial serve` starts by default.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:7878";

impl Default for Config {
    fn default() -> Self {
        Config {
            api_key: String::new(),
            api_url: DEFAULT_API_URL.into(),
            flush_interval: Duration::from_millis(500),
            max_batch_events: 500,
            max_batch_bytes: 1024 * 1024,
            max_queue_events: 10_000,
            max_queue_bytes: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            spool_dir: None,
            redact: Default::default(),
            privacy: Default::default(),
            sdk_name: "@sentrial/sdk".into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            otlp: None,
        }
    }
}
