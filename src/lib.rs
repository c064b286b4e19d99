//! The Node binding of `@sentrial/sdk`: converts, calls into `sentrial-core`, and maps errors. No
//! tracking logic lives here. (The collector is its own executable, `sentrial-collector`.)
//!
//! Every export catches panics (`catch_unwind`), so a bug in tracking surfaces as a JS error that
//! the JS layer swallows and counts, never as a crash of the host.

mod client;
mod logging;
mod manual;
mod otlp;
mod redact;
mod score;
mod session;
mod text;

pub use client::{ClientOptions, FlushResult, NativeClient, NativeStats};
pub use manual::NativeManualSession;
pub use otlp::{NativeOtlpStats, OtlpOptions, OtlpProtocol};
pub use redact::{PiiKind, PiiMode, PiiOptions, PrivacyMode, RedactOptions, RedactPattern};
pub use score::NativeScore;
pub use session::{part_marker, NativeSession, RunEnd, SessionOptions};
