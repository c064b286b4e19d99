//! The Sentrial collector as a receiver: each batch is one `POST {api_url}/v1/batch` of JSON
//! events, behind the tracker's API key. (The OTLP endpoint, the other receiver, is in
//! `crate::otlp`.)

use crate::config::Config;
use crate::delivery::outbox::Queued;
use crate::delivery::transport::{parse_http_url, Encoder, HttpTransport, Peer};
use crate::error::CoreError;
use reqwest::header;
use sentrial_protocol::{
    INGEST_PATH, MANUAL_PROTOCOL_VERSION, PROTOCOL_VERSION, SCORE_PROTOCOL_VERSION,
};
use std::io::Write;
use std::sync::Arc;

/// The collector's body: `{"protocol":2,"sdk":{...},"events":[...]}` around the queued events,
/// the batch's version the highest its events need ([`Kind::protocol`]: 3 for a score, 4 for a
/// manual session's decision, error or model call), so only what is new needs a newer collector.
struct BatchEncoder {
    /// `{"protocol":N,"sdk":{...}}` for each version written, serialized once.
    prefixes: Vec<(u32, Vec<u8>)>,
}

impl Encoder for BatchEncoder {
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    fn write_body(&self, batch: &[Queued], out: &mut dyn Write) -> std::io::Result<()> {
        // `{"protocol":2,"sdk":{...}` + `,"events":[` + e1,e2,... + `]}`
        let version = batch.iter().map(|q| q.kind.protocol()).max();
        let version = version.unwrap_or(PROTOCOL_VERSION);
        let prefix = self
            .prefixes
            .iter()
            .find(|(v, _)| *v >= version)
            .map_or(&self.prefixes[self.prefixes.len() - 1].1, |(_, p)| p);
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
            prefixes: [
                PROTOCOL_VERSION,
                SCORE_PROTOCOL_VERSION,
                MANUAL_PROTOCOL_VERSION,
            ]
            .map(|v| (v, prefix(v)))
            .into(),
        }),
        config.delivery.request_timeout,
        &sdk,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::outbox::Kind;

    fn body(kinds: &[Kind]) -> serde_json::Value {
        let encoder = BatchEncoder {
            prefixes: [2, 3, 4]
                .map(|v| (v, format!(r#"{{"protocol":{v}}}"#).into_bytes()))
                .into(),
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
    fn a_batch_is_the_version_its_newest_kind_of_event_needs() {
        assert_eq!(body(&[Kind::Start, Kind::Other])["protocol"], 2);
        assert_eq!(body(&[Kind::Start, Kind::Score])["protocol"], 3);
        assert_eq!(body(&[Kind::Manual, Kind::Score, Kind::End])["protocol"], 4);
        assert_eq!(body(&[Kind::Score])["events"].as_array().unwrap().len(), 1);
    }
}
