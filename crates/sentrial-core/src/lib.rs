//! The tracking core of `@sentrial/sdk`.
//!
//! The host (the Node binding, or any Rust caller) makes a [`Tracker`], starts a [`Session`] per
//! call of the wrapped `query()`, and hands it each SDK message and hook payload as JSON text. All
//! reading, session state and delivery happen on one background runtime shared by the process
//! ([`runtime`]), so the host's thread only ever pays for queueing the input: a short one is
//! written straight into a buffer the worker takes a batch at a time.
//!
//! ```no_run
//! use sentrial_core::{Config, Ending, SessionInit, Tracker};
//! let tracker = Tracker::new(Config { api_key: "key".into(), ..Config::default() }).unwrap();
//! let session = tracker.start_session(SessionInit { agent: "my-agent".into(), ..Default::default() });
//! session.message(r#"{"type":"system","subtype":"init","session_id":"abc","model":"claude-sonnet-4-5"}"#);
//! session.finish(Ending::Done);
//! tracker.flush_blocking(std::time::Duration::from_secs(5));
//! ```

pub mod clock;
pub mod collector;
mod command;
pub mod config;
pub mod delivery;
pub mod error;
mod inbox;
pub mod input;
pub mod json;
pub mod manual;
pub mod otlp;
pub mod pricing;
pub mod redact;
pub mod runtime;
pub mod session;
pub mod sinks;
pub mod stats;
pub mod tls;
pub mod tracker;
pub mod truncate;
pub mod usage;
mod worker;

pub use config::{Config, DEFAULT_API_URL};
pub use delivery::{DeliveryConfig, FlushReport, DEFAULT_FLUSH_TIMEOUT};
pub use error::CoreError;
pub use input::{Input, InputKind, Text};
pub use otlp::{OtlpConfig, OtlpProtocol, OtlpStatsSnapshot};
pub use session::{Ending, SessionInit};
pub use stats::{DropReason, StatsSnapshot};
pub use tracker::{Session, Tracker};
