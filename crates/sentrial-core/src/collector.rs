//! The Sentrial collector as a receiver: each batch is one `POST {api_url}/v1/batch` of JSON
//! events, behind the tracker's API key. (The OTLP endpoint, the other receiver, is in
//! `crate::otlp`.)

use crate::config::Config;
use crate::delivery::outbox::{Kind, Queued};
use crate::delivery::transport::{parse_http_url, Encoder, HttpTransport, Peer};
use crate::error::CoreError;
use reqwest::header;
use sentrial_protocol::{INGEST_PATH, PROTOCOL_VERSION, SCORE_PROTOCOL_VERSION};
use std::io::Write;
use std::sync::Arc;

/// The collector's body: `{"protocol":2,"sdk":{...},"events":[...]}` around the queued events
/// (protocol 3 when the batch holds a score, so only scoring needs a collector that reads it).
struct BatchEncoder {
    /// `{"protocol":2,"sdk":{...}}`, serialized once.
    prefix: Vec<u8>,
    /// The same with protocol 3.
    score_prefix: Vec<u8>,
}

impl Encoder for BatchEncoder {
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    fn write_body(&self, batch: &[Queued], out: &mut dyn Write) -> std::io::Result<()> {
        // `{"protocol":2,"sdk":{...}` + `,"events":[` + e1,e2,... + `]}`
        let prefix = match batch.iter().any(|q| q.kind == Kind::Score) {
            true => &self.score_prefix,
            false => &self.prefix,
        };
        out.write_all(&prefix[..prefix.len() - 1])?;
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

/// The transport to the collector of `config`; fails on a URL that is not http(s) or a key that
/// cannot be a header.
pub fn transport(config: &Config) -> Result<HttpTransport, CoreError> {
    let base = config.api_url.trim_end_matches('/');
    parse_http_url(base).map_err(|reason| CoreError::InvalidUrl {
        url: config.api_url.clone(),
        reason,
    })?;
    let mut auth =
        header::HeaderValue::from_str(&format!("Bearer {}", config.api_key)).map_err(|_| {
            CoreError::Startup("the API key holds characters not allowed in an HTTP header".into())
        })?;
    auth.set_sensitive(true);
    let mut headers = header::HeaderMap::new();
    headers.insert(header::AUTHORIZATION, auth);
    let sdk = config.sdk();
    let prefix = |protocol: u32| {
        serde_json::to_vec(&serde_json::json!({
            "protocol": protocol,
            "sdk": {"name": sdk.name, "version": sdk.version},
        }))
        .expect("static JSON serializes")
    };
    HttpTransport::new(
        Peer::Collector,
        format!("{base}{INGEST_PATH}"),
        headers,
        Arc::new(BatchEncoder {
            prefix: prefix(PROTOCOL_VERSION),
            score_prefix: prefix(SCORE_PROTOCOL_VERSION),
        }),
        config.delivery.request_timeout,
        &sdk,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(kinds: &[Kind]) -> serde_json::Value {
        let encoder = BatchEncoder {
            prefix: br#"{"protocol":2}"#.to_vec(),
            score_prefix: br#"{"protocol":3}"#.to_vec(),
        };
        let batch: Vec<Queued> = kinds
            .iter()
            .map(|&kind| Queued {
                seq: 0,
                session: Arc::from("s"),
                kind,
                json: b"{}".to_vec(),
                segment: None,
            })
            .collect();
        let mut out = Vec::new();
        encoder.write_body(&batch, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn only_a_batch_holding_a_score_is_protocol_3() {
        assert_eq!(body(&[Kind::Start, Kind::Other])["protocol"], 2);
        assert_eq!(body(&[Kind::Start, Kind::Score])["protocol"], 3);
        assert_eq!(body(&[Kind::Score])["events"].as_array().unwrap().len(), 1);
    }
}
