//! One request per batch, and what its answer means for the events in it.
//!
//! The send loop ([`Delivery::run`](super::Delivery::run)) sees a receiver only through the
//! [`Transport`] trait, as sentry-rust's transports do: [`HttpTransport`] posts with reqwest, and
//! the loop's tests script the answers. The HTTP transport is shared by the two kinds of receiver:
//! the Sentrial collector (`/v1/batch`, a JSON batch of events; see `crate::collector`) and an
//! OTLP endpoint (`/v1/traces`, spans; see `crate::otlp`). What differs between them is the
//! [`Encoder`] that makes the body, the headers, and the [`Peer`] named in warnings.

use super::backoff;
use super::outbox::Queued;
use crate::error::CoreError;
use flate2::{write::GzEncoder, Compression};
use reqwest::{header, StatusCode};
use sentrial_protocol::SdkInfo;
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How long an idle connection is kept for the next batch.
const IDLE_CONNECTION: Duration = Duration::from_secs(5);

/// Sends one batch to a receiver and says what became of it.
pub trait Transport: Send + Sync + 'static {
    /// Who receives the batches, for what warnings say.
    fn peer(&self) -> Peer;
    /// Sends `batch` as one request.
    fn send(&self, batch: &[Queued]) -> impl Future<Output = Sent> + Send;
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted (2xx). `rejected` of the batch's items the receiver said it refused in a partial
    /// success (OTLP), with its message; not to be sent again.
    Delivered {
        /// Items refused within the accepted request.
        rejected: u64,
        /// The receiver's reason, when it gave one.
        message: String,
    },
    /// Worth trying again: network error, timeout, 408, 429, 5xx. `retry_after` from the answer.
    Retry {
        /// The server's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
        /// What went wrong, for the debug log.
        why: String,
    },
    /// 413: the batch is too large for the collector.
    TooLarge,
    /// 401/403: the key is wrong.
    Unauthorized(u16),
    /// Another 4xx: the collector will never take this batch.
    Rejected(u16, String),
}

impl Sent {
    /// What an answer with a `status` that is not a success means for its batch, with the wait the
    /// answer's `Retry-After` asked for. `None`: the receiver refused the batch for good
    /// ([`Sent::Rejected`], whose text is the answer's body).
    pub fn of_status(status: StatusCode, retry_after: Option<Duration>) -> Option<Sent> {
        let retry = || Sent::Retry {
            retry_after,
            why: format!("HTTP {}", status.as_u16()),
        };
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Some(Sent::TooLarge),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Some(Sent::Unauthorized(status.as_u16()))
            }
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => Some(retry()),
            s if s.is_server_error() => Some(retry()),
            _ => None,
        }
    }
}

/// How a batch of queued items becomes one request body.
pub trait Encoder: Send + Sync {
    /// The `Content-Type` of the bodies.
    fn content_type(&self) -> &'static str;
    /// Writes the uncompressed body for `batch` to `out` (the transport gzips it).
    fn write_body(&self, batch: &[Queued], out: &mut dyn Write) -> std::io::Result<()>;
    /// Whether a 2xx answer's body says something (OTLP's partial success); if not, it is not read.
    fn reads_answers(&self) -> bool {
        false
    }
    /// How many items a 2xx answer with this body says were refused, and why.
    fn rejected_in(&self, _content_type: &str, _body: &[u8]) -> (u64, String) {
        (0, String::new())
    }
}

/// Who receives the requests, for what warnings say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// The Sentrial collector.
    Collector,
    /// An OTLP/HTTP traces endpoint.
    Otlp,
}

impl Peer {
    /// The warning logged once when the receiver refuses our credentials.
    pub fn refused_warning(self, code: u16) -> String {
        match self {
            Peer::Collector => format!(
                "the collector refused the API key (HTTP {code}); events are dropped until the key \
                 is fixed: check SENTRIAL_API_KEY"
            ),
            Peer::Otlp => format!(
                "the OTLP endpoint refused the request (HTTP {code}); spans are dropped until its \
                 credentials are fixed: check otlp.headers or OTEL_EXPORTER_OTLP_HEADERS"
            ),
        }
    }

    /// What log lines call the receiver.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Collector => "the collector",
            Peer::Otlp => "the OTLP endpoint",
        }
    }
}

/// Sends batches to one receiver over HTTP: one gzipped POST per batch.
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    url: String,
    headers: header::HeaderMap,
    encoder: Arc<dyn Encoder>,
    peer: Peer,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the headers: they hold keys.
        f.debug_struct("HttpTransport")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

/// `url` parsed, when it is an http(s) URL.
pub fn parse_http_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("the scheme must be http or https".into());
    }
    Ok(parsed)
}

impl HttpTransport {
    /// A transport posting to `url` with `headers` (already checked), bodies made by `encoder`;
    /// each request times out after `timeout` and names `sdk` as its user agent.
    pub fn new(
        peer: Peer,
        url: String,
        headers: header::HeaderMap,
        encoder: Arc<dyn Encoder>,
        timeout: Duration,
        sdk: &SdkInfo,
    ) -> Result<Self, CoreError> {
        let tls = crate::tls::client_config().map_err(CoreError::Startup)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            // Shorter than the collector's idle close (10 s) and most proxies', so a batch is
            // not written into a connection the other side is closing (a wasted attempt).
            .pool_idle_timeout(IDLE_CONNECTION)
            .user_agent(format!("{}/{}", sdk.name, sdk.version))
            .build()
            .map_err(|e| CoreError::Startup(e.to_string()))?;
        Ok(HttpTransport {
            client,
            url,
            headers,
            encoder,
            peer,
        })
    }

    /// The gzip-compressed request body for `batch`.
    pub fn body(&self, batch: &[Queued]) -> Vec<u8> {
        let raw: usize = batch.iter().map(|q| q.json.len() + 1).sum();
        let mut enc = GzEncoder::new(Vec::with_capacity(raw / 4 + 64), Compression::fast());
        self.encoder
            .write_body(batch, &mut enc)
            .expect("writing to a Vec");
        enc.finish().expect("writing to a Vec")
    }

    /// Posts one body and classifies the answer.
    async fn post(&self, body: Vec<u8>) -> Sent {
        let res = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .header(header::CONTENT_TYPE, self.encoder.content_type())
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body)
            .send()
            .await;
        let res = match res {
            Ok(res) => res,
            Err(e) => {
                return Sent::Retry {
                    retry_after: None,
                    why: describe(e),
                }
            }
        };
        let status = res.status();
        if status.is_success() {
            let (rejected, message) = if self.encoder.reads_answers() {
                let content_type = res
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                match res.bytes().await {
                    Ok(body) => self.encoder.rejected_in(&content_type, &body),
                    // Accepted; only the detail of the answer was lost.
                    Err(_) => (0, String::new()),
                }
            } else {
                (0, String::new())
            };
            return Sent::Delivered { rejected, message };
        }
        let retry_after = res
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| backoff::parse_retry_after(v, SystemTime::now()));
        match Sent::of_status(status, retry_after) {
            Some(sent) => sent,
            None => {
                let text = res.text().await.unwrap_or_default();
                Sent::Rejected(status.as_u16(), text.chars().take(300).collect())
            }
        }
    }
}

impl Transport for HttpTransport {
    fn peer(&self) -> Peer {
        self.peer
    }

    async fn send(&self, batch: &[Queued]) -> Sent {
        let body = self.body(batch);
        self.post(body).await
    }
}

/// A network error in one line, without the URL's query or any header.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        e.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_class_means_what_the_send_loop_does_with_it() {
        let wait = Some(Duration::from_secs(7));
        let of = |code: u16| Sent::of_status(StatusCode::from_u16(code).unwrap(), wait);
        for code in [408, 429, 500, 502, 503, 504, 599] {
            let why = format!("HTTP {code}");
            assert_eq!(
                of(code),
                Some(Sent::Retry {
                    retry_after: wait,
                    why
                })
            );
        }
        assert_eq!(of(413), Some(Sent::TooLarge));
        assert_eq!(of(401), Some(Sent::Unauthorized(401)));
        assert_eq!(of(403), Some(Sent::Unauthorized(403)));
        // Refused for good; the answer's body says why.
        for code in [400, 404, 405, 409, 410, 422, 304, 101] {
            assert_eq!(of(code), None, "{code}");
        }
    }
}
