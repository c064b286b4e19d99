//! Errors of the tracking core. Only set-up can fail; delivery problems are counted in
//! [`crate::Stats`], never returned to the host.

/// What can go wrong when a tracker is made.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The collector URL does not parse or is not http(s).
    #[error("invalid apiUrl {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The OTLP exporter's settings can never work (a URL, header or protocol that is wrong).
    #[error("{0}")]
    InvalidOtlp(String),
    /// A user redaction pattern does not compile.
    #[error("{0}")]
    InvalidPattern(String),
    /// The background runtime or HTTP client could not be built.
    #[error("could not start the delivery worker: {0}")]
    Startup(String),
}
