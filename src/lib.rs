//! The Node binding of `@sentrial/sdk`: converts, calls into `sentrial-core` and
//! `sentrial-collector`, and maps errors. No tracking logic lives here.
//!
//! Every export catches panics (`catch_unwind`), so a bug in tracking surfaces as a JS error that
//! the JS layer swallows and counts, never as a crash of the host.

mod client;
mod logging;
mod otlp;
mod redact;
mod score;
mod session;
mod text;

pub use client::{ClientOptions, FlushResult, NativeClient, NativeStats};
pub use otlp::{NativeOtlpStats, OtlpOptions, OtlpProtocol};
pub use redact::{PiiKind, PiiMode, PiiOptions, PrivacyMode, RedactOptions, RedactPattern};
pub use score::NativeScore;
pub use session::{part_marker, NativeSession, RunEnd, SessionOptions};

use napi_derive::napi;

/// Runs the `sentrial` command line (`sentrial serve ...`) and returns its exit code.
///
/// It blocks the calling thread until the command ends: it is meant for the `sentrial` bin script,
/// whose whole job is to run it, never for a host application's thread.
#[napi(catch_unwind)]
pub fn run_cli(args: Vec<String>) -> i32 {
    sentrial_collector::run_cli(args)
}
