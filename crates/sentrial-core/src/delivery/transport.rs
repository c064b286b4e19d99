//! One HTTP request per batch, and what its answer means for the events in it.
//!
//! The transport is shared by the two kinds of receiver: the Sentrial collector (`/v1/batch`, a
//! JSON batch of events) and an OTLP endpoint (`/v1/traces`, spans). What differs between them is
//! the [`Encoder`] that makes the body, the headers, and the [`Peer`] named in warnings.

use super::backoff;
use super::outbox::Queued;
use crate::config::Config;
use crate::error::CoreError;
use flate2::{write::GzEncoder, Compression};
use reqwest::{header, StatusCode};
use sentrial_protocol::{INGEST_PATH, PROTOCOL_VERSION};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

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

/// The collector's body: `{"protocol":2,"sdk":{...},"events":[...]}` around the queued events.
struct BatchEncoder {
    /// `{"protocol":2,"sdk":{...}}`, serialized once.
    prefix: Vec<u8>,
}

impl Encoder for BatchEncoder {
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    fn write_body(&self, batch: &[Queued], out: &mut dyn Write) -> std::io::Result<()> {
        // `{"protocol":2,"sdk":{...}` + `,"events":[` + e1,e2,... + `]}`
        out.write_all(&self.prefix[..self.prefix.len() - 1])?;
        out.write_all(b",\"events\":[")?;
        for (i, q) in batch.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(&q.json)?;
        }
        out.write_all(b"]}")
    }
}

/// Sends batches to one receiver.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    url: String,
    headers: header::HeaderMap,
    encoder: Arc<dyn Encoder>,
    peer: Peer,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the headers: they hold keys.
        f.debug_struct("Transport")
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

impl Transport {
    /// A transport to the collector of `config`; fails on a URL that is not http(s).
    pub fn new(config: &Config) -> Result<Self, CoreError> {
        let base = config.api_url.trim_end_matches('/');
        parse_http_url(base).map_err(|reason| CoreError::InvalidUrl {
            url: config.api_url.clone(),
            reason,
        })?;
        let mut auth = header::HeaderValue::from_str(&format!("Bearer {}", config.api_key))
            .map_err(|_| {
                CoreError::Startup(
                    "the API key holds characters not allowed in an HTTP header".into(),
                )
            })?;
        auth.set_sensitive(true);
        let mut headers = header::HeaderMap::new();
        headers.insert(header::AUTHORIZATION, auth);
        let prefix = serde_json::to_vec(&serde_json::json!({
            "protocol": PROTOCOL_VERSION,
            "sdk": {"name": config.sdk_name, "version": config.sdk_version},
        }))
        .expect("static JSON serializes");
        Transport::with_encoder(
            config,
            format!("{base}{INGEST_PATH}"),
            headers,
            Arc::new(BatchEncoder { prefix }),
            Peer::Collector,
        )
    }

    /// A transport posting to `url` with `headers` (already checked), bodies made by `encoder`.
    pub fn with_encoder(
        config: &Config,
        url: String,
        headers: header::HeaderMap,
        encoder: Arc<dyn Encoder>,
        peer: Peer,
    ) -> Result<Self, CoreError> {
        let tls = crate::tls::client_config().map_err(CoreError::Startup)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(5)))
            .user_agent(format!("{}/{}", config.sdk_name, config.sdk_version))
            .build()
            .map_err(|e| CoreError::Startup(e.to_string()))?;
        Ok(Transport {
            client,
            url,
            headers,
            encoder,
            peer,
        })
    }

    /// Who receives the requests.
    pub fn peer(&self) -> Peer {
        self.peer
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
    pub async fn send(&self, body: Vec<u8>) -> Sent {
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
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Sent::TooLarge,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Sent::Unauthorized(status.as_u16()),
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => Sent::Retry {
                retry_after,
                why: format!("HTTP {}", status.as_u16()),
            },
            s if s.is_server_error() => Sent::Retry {
                retry_after,
                why: format!("HTTP {}", s.as_u16()),
            },
            s => {
                let text = res.text().await.unwrap_or_default();
                Sent::Rejected(s.as_u16(), text.chars().take(300).collect())
            }
        }
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
