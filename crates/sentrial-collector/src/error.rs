//! Errors: [`CollectorError`] for starting and running a collector, [`AppError`] for answering one
//! request. Every status code the API answers with an error is chosen in [`AppError::status`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::store::StoreError;

/// Why a collector could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    /// The listening socket could not be bound or served.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The database could not be opened, migrated or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The command line asked for something that cannot be done (an unknown scope or key id, an
    /// unreadable key file); the message says what.
    #[error("{0}")]
    Usage(String),
    /// Any other I/O failure (runtime, signals).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// An error answered to a request as `{"error": "message"}` with the matching status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed; the message says what is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// 401: the API key is missing, malformed or unknown.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller is known but may not do this (a key without the scope it needs, a
    /// sign-in posted from another site); the message says why.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing there (or it belongs to another project).
    #[error("{0}")]
    NotFound(String),
    /// 413: the body exceeds [`crate::config::MAX_BODY_BYTES`] after decompression.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body's `Content-Type` is not one this endpoint reads; the message names those it does.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: the key made too many requests; retry after this many seconds.
    #[error("too many requests for this API key; retry after {0} s")]
    TooManyRequests(u64),
    /// 429: this client address failed to authenticate too often; retry after this many seconds.
    #[error("too many failed authentications from this address; retry after {0} s")]
    TooManyFailures(u64),
    /// 421: the `Host` header names no host this collector answers for (DNS rebinding).
    #[error("{0}")]
    MisdirectedRequest(String),
    /// 503: the store is shutting down.
    #[error("{0}")]
    Unavailable(String),
    /// 503: the collector has no room for this request now; retry after this many seconds.
    #[error("the collector is busy; retry after {0} s")]
    Busy(u64),
    /// 500: a failure of ours; the detail is logged, not sent.
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests(_) | AppError::TooManyFailures(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::MisdirectedRequest(_) => StatusCode::MISDIRECTED_REQUEST,
            AppError::Unavailable(_) | AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Closed => AppError::Unavailable("the collector is shutting down".into()),
            err => {
                tracing::error!(error = %err, "store failure");
                AppError::Internal
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        match self {
            AppError::TooManyRequests(secs)
            | AppError::TooManyFailures(secs)
            | AppError::Busy(secs) => (
                status,
                [(axum::http::header::RETRY_AFTER, secs.to_string())],
                body,
            )
                .into_response(),
            _ => (status, body).into_response(),
        }
    }
}
