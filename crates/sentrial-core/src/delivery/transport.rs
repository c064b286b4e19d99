//! One HTTP request per batch, and what its answer means for the events in it.

use super::outbox::Queued;
use crate::config::Config;
use crate::error::CoreError;
use flate2::{write::GzEncoder, Compression};
use reqwest::{header, StatusCode};
use sentrial_protocol::{INGEST_PATH, PROTOCOL_VERSION};
use std::io::Write;
use std::time::Duration;

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Stored (2xx).
    Delivered,
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

/// Sends batches to one collector.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    url: String,
    auth: header::HeaderValue,
    prefix: Vec<u8>,
}

impl Transport {
    /// A transport for `config`; fails on a URL that is not http(s).
    pub fn new(config: &Config) -> Result<Self, CoreError> {
        let base = config.api_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base).map_err(|e| CoreError::InvalidUrl {
            url: config.api_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(CoreError::InvalidUrl {
                url: config.api_url.clone(),
                reason: "the scheme must be http or https".into(),
            });
        }
        let mut auth = header::HeaderValue::from_str(&format!("Bearer {}", config.api_key))
            .map_err(|_| {
                CoreError::Startup(
                    "the API key holds characters not allowed in an HTTP header".into(),
                )
            })?;
        auth.set_sensitive(true);
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(5)))
            .user_agent(format!("{}/{}", config.sdk_name, config.sdk_version))
            .build()
            .map_err(|e| CoreError::Startup(e.to_string()))?;
        let prefix = serde_json::to_vec(&serde_json::json!({
            "protocol": PROTOCOL_VERSION,
            "sdk": {"name": config.sdk_name, "version": config.sdk_version},
        }))
        .expect("static JSON serializes");
        Ok(Transport {
            client,
            url: format!("{base}{INGEST_PATH}"),
            auth,
            prefix,
        })
    }

    /// The gzip-compressed request body for `batch`.
    pub fn body(&self, batch: &[Queued]) -> Vec<u8> {
        // `{"protocol":1,"sdk":{...}` + `,"events":[` + e1,e2,... + `]}`
        let raw: usize = batch.iter().map(|q| q.json.len() + 1).sum();
        let mut enc = GzEncoder::new(Vec::with_capacity(raw / 4 + 64), Compression::fast());
        let head = &self.prefix[..self.prefix.len() - 1];
        let mut write = |bytes: &[u8]| enc.write_all(bytes).expect("writing to a Vec");
        write(head);
        write(b",\"events\":[");
        for (i, q) in batch.iter().enumerate() {
            if i > 0 {
                write(b",");
            }
            write(&q.json);
        }
        write(b"]}");
        enc.finish().expect("writing to a Vec")
    }

    /// Posts one body and classifies the answer.
    pub async fn send(&self, body: Vec<u8>) -> Sent {
        let res = self
            .client
            .post(&self.url)
            .header(header::AUTHORIZATION, self.auth.clone())
            .header(header::CONTENT_TYPE, "application/json")
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
            return Sent::Delivered;
        }
        let retry_after = res
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
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
