//! [`IngestLimit`]: how much ingest work runs at once, so the memory of a collector is bounded
//! whatever the mix of valid requests.
//!
//! Decoding a batch builds a tree of every JSON value in it, which is much larger than the body
//! when the values are small: a 10 MiB body whose tool input is an array of zeros took about
//! 330 MB in flight (issue 15). Two bounds, each answered 503 with `Retry-After` (the SDK waits
//! and sends the batch again, losing nothing):
//! - requests: at most `requests` ingest requests hold a body at once ([`IngestSlot`], counted
//!   before the body is read, so one over the limit costs no memory);
//! - decoding: the bodies being decoded and written add up to at most
//!   `decode_bytes`; a body waits for room up to [`DECODE_WAIT`].

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{DEFAULT_DECODE_BYTES, DEFAULT_INGEST_REQUESTS, MAX_BODY_BYTES};
use crate::error::AppError;

/// How long a read body waits for room to be decoded before it is answered 503.
pub const DECODE_WAIT: Duration = Duration::from_secs(5);

/// The `Retry-After` of a 503 for lack of room, seconds.
const RETRY_AFTER_SECS: u64 = 1;

/// The accounting unit of [`IngestLimit::decode_bytes`].
const UNIT: usize = 1024;

/// The two bounds of the module doc.
#[derive(Debug, Clone)]
pub struct IngestLimit {
    requests: Arc<Semaphore>,
    decoding: Arc<Semaphore>,
    decode_units: usize,
}

impl IngestLimit {
    /// `requests` ingest requests at once, bodies of `decode_bytes` in all being decoded (at
    /// least one largest body, so any valid body can pass).
    pub fn new(requests: usize, decode_bytes: usize) -> IngestLimit {
        let decode_units = decode_bytes.max(MAX_BODY_BYTES).div_ceil(UNIT);
        IngestLimit {
            requests: Arc::new(Semaphore::new(requests.max(1))),
            decoding: Arc::new(Semaphore::new(decode_units)),
            decode_units,
        }
    }

    /// Room to decode and write a body of `len` bytes, held until the answer; 503 when none
    /// came within [`DECODE_WAIT`].
    pub async fn decoding(&self, len: usize) -> Result<OwnedSemaphorePermit, AppError> {
        let units =
            u32::try_from(len.div_ceil(UNIT).clamp(1, self.decode_units)).unwrap_or(u32::MAX);
        match tokio::time::timeout(DECODE_WAIT, self.decoding.clone().acquire_many_owned(units))
            .await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy(RETRY_AFTER_SECS)),
        }
    }
}

impl Default for IngestLimit {
    fn default() -> Self {
        IngestLimit::new(DEFAULT_INGEST_REQUESTS, DEFAULT_DECODE_BYTES)
    }
}

/// An ingest request's slot, held until it is answered: the first extractor of the ingest
/// handlers, so it is taken before the body is read; 503 when none is free.
pub struct IngestSlot(#[allow(dead_code)] OwnedSemaphorePermit);

impl<S> FromRequestParts<S> for IngestSlot
where
    S: Send + Sync,
    IngestLimit: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, AppError> {
        IngestLimit::from_ref(state)
            .requests
            .try_acquire_owned()
            .map(IngestSlot)
            .map_err(|_| AppError::Busy(RETRY_AFTER_SECS))
    }
}
