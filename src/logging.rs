//! Diagnostics to stderr: warnings always, everything the SDK does with `SENTRIAL_DEBUG=1` or
//! `DEBUG=sentrial`. Keys never reach a log line: nothing logged carries a header or a key.

use std::sync::Once;

static INIT: Once = Once::new();

/// Whether the user asked for debug output.
pub fn debug_enabled() -> bool {
    let flag = std::env::var("SENTRIAL_DEBUG").unwrap_or_default();
    let debug = std::env::var("DEBUG").unwrap_or_default();
    matches!(flag.as_str(), "1" | "true" | "yes")
        || debug
            .split(',')
            .any(|d| matches!(d.trim(), "sentrial" | "sentrial:*" | "*"))
}

/// Installs the process-wide subscriber once; a host that installed its own keeps it.
pub fn init() {
    INIT.call_once(|| {
        let level = if debug_enabled() {
            tracing::Level::DEBUG
        } else {
            tracing::Level::WARN
        };
        let _ = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .with_target(false)
            .without_time()
            .with_ansi(false)
            .try_init();
    });
}
