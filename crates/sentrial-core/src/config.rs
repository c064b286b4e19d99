//! Settings of a tracker, with the defaults documented in the README.

use crate::delivery::DeliveryConfig;
use sentrial_protocol::SdkInfo;

/// Where and how a tracker delivers its events.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bearer key for the collector. Empty with [`Config::otlp`] set: no collector, spans go to the
    /// OTLP endpoint only.
    pub api_key: String,
    /// Base URL of the collector, e.g. `http://127.0.0.1:7878`.
    pub api_url: String,
    /// Bounds, batching and timings of delivery (the collector's, and the OTLP exporter's).
    pub delivery: DeliveryConfig,
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

impl Config {
    /// The SDK's name and version, as batches and requests carry them.
    pub fn sdk(&self) -> SdkInfo {
        SdkInfo {
            name: self.sdk_name.clone(),
            version: self.sdk_version.clone(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_key: String::new(),
            api_url: DEFAULT_API_URL.into(),
            delivery: DeliveryConfig::default(),
            spool_dir: None,
            redact: Default::default(),
            privacy: Default::default(),
            sdk_name: "@sentrial/sdk".into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            otlp: None,
        }
    }
}

/// `url` as it may appear in a log line or an error: no userinfo, no query, no fragment. For the
/// collector's URL and the OTLP endpoint alike.
pub fn safe_url(url: &str) -> String {
    use sentrial_protocol::url::{redacted, Userinfo};
    redacted(url, Userinfo::Hidden).unwrap_or_else(|| "(not a URL)".into())
}
