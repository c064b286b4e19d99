//! `NativeClient`: the binding of [`sentrial_core::Tracker`].

use crate::logging;
use crate::otlp::{NativeOtlpStats, OtlpOptions};
use crate::score::NativeScore;
use crate::session::{self, NativeSession, SessionOptions};
use napi::bindgen_prelude::Object;
use napi::{Env, Result};
use napi_derive::napi;
use sentrial_core::{
    Config, DeliveryConfig, FlushReport, StatsSnapshot, Tracker, DEFAULT_FLUSH_TIMEOUT,
};
use std::time::Duration;

/// Settings of a native client. The JS layer resolves environment fallbacks before this point.
#[napi(object)]
pub struct ClientOptions {
    /// Bearer key for the collector; empty turns tracking off, or with `otlp` exports to OTLP only.
    pub api_key: String,
    /// Base URL of the collector.
    pub api_url: Option<String>,
    /// Longest time an event waits before it is sent, in ms (default 500).
    pub flush_interval_ms: Option<u32>,
    /// Most events held in memory (default 10,000).
    pub max_queue_events: Option<u32>,
    /// Timeout of one HTTP request, in ms (default 10,000).
    pub request_timeout_ms: Option<u32>,
    /// SDK package version, sent with each batch.
    pub sdk_version: Option<String>,
    /// Directory for undelivered events, sent after a restart (default: none, memory only).
    pub spool_dir: Option<String>,
    /// Secret redaction (on by default) and extra patterns.
    pub redact: Option<crate::redact::RedactOptions>,
    /// What of a session is kept (default `full`).
    pub privacy: Option<crate::redact::PrivacyMode>,
    /// Sessions also exported as OTLP/HTTP traces.
    pub otlp: Option<OtlpOptions>,
}

/// What a flush did.
#[napi(object)]
pub struct FlushResult {
    /// Events delivered while the flush waited.
    pub delivered: f64,
    /// Events still waiting when it returned.
    pub pending: f64,
    /// True when the timeout passed first.
    pub timed_out: bool,
}

impl From<FlushReport> for FlushResult {
    fn from(r: FlushReport) -> Self {
        FlushResult {
            delivered: r.delivered as f64,
            pending: r.pending as f64,
            timed_out: r.timed_out,
        }
    }
}

/// Delivery counters; `produced == delivered + pending + dropped` always holds.
#[napi(object)]
pub struct NativeStats {
    /// Events made.
    pub produced: f64,
    /// Events the collector accepted.
    pub delivered: f64,
    /// Events queued or in flight.
    pub pending: f64,
    /// Events dropped, all reasons.
    pub dropped: f64,
    /// Dropped because the queue was full.
    pub dropped_queue_full: f64,
    /// Dropped because the collector refused them as malformed.
    pub dropped_rejected: f64,
    /// Dropped because the collector refused the key.
    pub dropped_unauthorized: f64,
    /// Dropped because an event was too large.
    pub dropped_too_large: f64,
    /// Dropped at shutdown.
    pub dropped_shutdown: f64,
    /// Requests retried.
    pub retried: f64,
    /// Events read back from the spool directory at start (also in `produced`).
    pub recovered: f64,
    /// Times the spool directory could not be used.
    pub spool_errors: f64,
    /// Inputs given (session starts and ends, messages, hook payloads, user turns).
    pub inputs: f64,
    /// Inputs ignored (tracking off, session over).
    pub inputs_ignored: f64,
    /// Inputs refused because the worker was too far behind.
    pub inputs_overload: f64,
    /// Inputs that were not readable JSON.
    pub bad_inputs: f64,
    /// The OTLP exporter's counters, when `otlp` is set.
    pub otlp: Option<NativeOtlpStats>,
}

impl From<StatsSnapshot> for NativeStats {
    fn from(s: StatsSnapshot) -> Self {
        NativeStats {
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
            inputs: s.inputs as f64,
            recovered: s.recovered as f64,
            spool_errors: s.spool_errors as f64,
            inputs_ignored: s.inputs_ignored as f64,
            inputs_overload: s.inputs_overload as f64,
            bad_inputs: s.bad_inputs as f64,
            otlp: None,
        }
    }
}

/// A tracker delivering to one collector.
#[napi]
pub struct NativeClient {
    tracker: Tracker,
}

#[napi]
impl NativeClient {
    /// Starts a tracker. Throws only for settings that can never work (a malformed URL).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: ClientOptions) -> Result<Self> {
        logging::init();
        if options.api_key.is_empty() && options.otlp.is_none() {
            return Ok(NativeClient {
                tracker: Tracker::disabled(),
            });
        }
        let (redact, privacy) = crate::redact::config(options.redact, options.privacy);
        let otlp = options.otlp.map(crate::otlp::config).transpose()?;
        let defaults = Config::default();
        let ms = |v: Option<u32>, d: Duration| v.map_or(d, |ms| Duration::from_millis(ms.into()));
        let delivery = DeliveryConfig {
            flush_interval: ms(options.flush_interval_ms, defaults.delivery.flush_interval),
            max_queue_events: options
                .max_queue_events
                .map_or(defaults.delivery.max_queue_events, |n| n.max(1) as usize),
            request_timeout: ms(
                options.request_timeout_ms,
                defaults.delivery.request_timeout,
            ),
            ..defaults.delivery
        };
        let config = Config {
            api_key: options.api_key,
            api_url: options.api_url.unwrap_or(defaults.api_url),
            delivery,
            sdk_version: options.sdk_version.unwrap_or(defaults.sdk_version),
            spool_dir: options.spool_dir.filter(|d| !d.is_empty()).map(Into::into),
            redact,
            privacy,
            otlp,
            ..defaults
        };
        let url = match config.api_key.is_empty() {
            true => "none (OTLP only)".to_string(),
            false => sentrial_core::config::safe_url(&config.api_url),
        };
        let (flush_ms, queue) = (
            config.delivery.flush_interval.as_millis(),
            config.delivery.max_queue_events,
        );
        // The endpoint without credentials or query, the header names only: values hold keys.
        let otlp = config.otlp.as_ref().map(|o| format!("{o:?}"));
        let tracker = Tracker::new(config).map_err(|e| match e {
            sentrial_core::CoreError::InvalidPattern(m)
            | sentrial_core::CoreError::InvalidOtlp(m) => {
                napi::Error::new(napi::Status::InvalidArg, m)
            }
            e => napi::Error::from_reason(e.to_string()),
        })?;
        tracing::debug!(collector = %url, otlp = otlp.as_deref().unwrap_or("off"), flush_interval_ms = flush_ms, max_queue_events = queue, "client started");
        Ok(NativeClient { tracker })
    }

    /// Whether this client records anything.
    #[napi(getter)]
    pub fn enabled(&self) -> bool {
        self.tracker.is_enabled()
    }

    /// Begins the session of one call of the wrapped `query()`.
    #[napi(catch_unwind)]
    pub fn start_session(&self, options: SessionOptions) -> NativeSession {
        session::start(&self.tracker, options)
    }

    /// Creates a manual session from `createSession`'s fields as JSON; null when tracking is off.
    #[napi(catch_unwind)]
    pub fn create_session(&self, json: String) -> Option<crate::manual::NativeManualSession> {
        crate::manual::create(&self.tracker, json)
    }

    /// Queues a score of a run through the same delivery as sessions'. Never throws: answers
    /// what is wrong with a score it does not queue (counted in `badInputs`), else null.
    #[napi(catch_unwind)]
    pub fn score(&self, score: NativeScore) -> Option<String> {
        crate::score::send(&self.tracker, score)
    }

    /// Resolves once everything queued so far is delivered or dropped, or after `timeoutMs`
    /// (default 5000). Never rejects.
    #[napi(catch_unwind, ts_return_type = "Promise<FlushResult>")]
    pub fn flush<'env>(&self, env: &'env Env, timeout_ms: Option<u32>) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        self.tracker.flush(timeout(timeout_ms), move |report| {
            deferred.resolve(move |_| Ok(FlushResult::from(report)));
        });
        Ok(promise)
    }

    /// Flushes, then stops; later sessions are ignored. Never rejects.
    #[napi(catch_unwind, ts_return_type = "Promise<FlushResult>")]
    pub fn shutdown<'env>(&self, env: &'env Env, timeout_ms: Option<u32>) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        self.tracker.shutdown(timeout(timeout_ms), move |report| {
            deferred.resolve(move |_| Ok(FlushResult::from(report)));
        });
        Ok(promise)
    }

    /// Flushes while blocking the calling thread, for at most `timeoutMs`. Only for process exit
    /// (`process.on('exit')`, a signal), where nothing asynchronous can run any more.
    #[napi(catch_unwind)]
    pub fn flush_sync(&self, timeout_ms: u32) -> FlushResult {
        self.tracker
            .flush_blocking(Duration::from_millis(timeout_ms.into()))
            .into()
    }

    /// The delivery counters (with the OTLP exporter's under `otlp`).
    #[napi(catch_unwind)]
    pub fn stats(&self) -> NativeStats {
        NativeStats {
            otlp: self.tracker.otlp_stats().map(Into::into),
            ..self.tracker.stats().into()
        }
    }
}

fn timeout(ms: Option<u32>) -> Duration {
    ms.map_or(DEFAULT_FLUSH_TIMEOUT, |ms| Duration::from_millis(ms.into()))
}
