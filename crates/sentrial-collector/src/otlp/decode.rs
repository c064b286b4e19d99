//! OTLP/HTTP bodies: the encoding a request names in its `Content-Type`, the request decoded from
//! it, and the answer encoded the same way.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use super::json;
use crate::error::AppError;

/// `Content-Type` of OTLP/HTTP protobuf bodies.
pub const PROTOBUF: &str = "application/x-protobuf";

/// `Content-Type` of OTLP/HTTP JSON bodies.
pub const JSON: &str = "application/json";

/// How a request's body (and so its answer) is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Binary protobuf.
    Protobuf,
    /// OTLP/JSON.
    Json,
}

impl Encoding {
    /// The encoding the `Content-Type` names (parameters such as `charset` aside, any case), or
    /// 415 saying which types are read.
    pub fn of(headers: &HeaderMap) -> Result<Encoding, AppError> {
        let Some(value) = headers.get(CONTENT_TYPE) else {
            return Err(AppError::UnsupportedMediaType(format!(
                "missing Content-Type; OTLP/HTTP bodies are {PROTOBUF} or {JSON}"
            )));
        };
        let text = String::from_utf8_lossy(value.as_bytes());
        let mime = text.split(';').next().unwrap_or("").trim();
        if mime.eq_ignore_ascii_case(PROTOBUF) {
            Ok(Encoding::Protobuf)
        } else if mime.eq_ignore_ascii_case(JSON) {
            Ok(Encoding::Json)
        } else {
            let shown: String = mime.chars().take(100).collect();
            Err(AppError::UnsupportedMediaType(format!(
                "unsupported Content-Type `{shown}`; OTLP/HTTP bodies are {PROTOBUF} or {JSON}"
            )))
        }
    }

    /// The `Content-Type` of this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => PROTOBUF,
            Encoding::Json => JSON,
        }
    }
}

/// Decodes a trace export request, or 400 saying what is wrong with the body.
pub fn request(encoding: Encoding, body: &[u8]) -> Result<ExportTraceServiceRequest, AppError> {
    match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body)
            .map_err(|e| AppError::BadRequest(format!("invalid OTLP protobuf: {e}"))),
        Encoding::Json => {
            json::decode(body).map_err(|e| AppError::BadRequest(format!("invalid OTLP JSON: {e}")))
        }
    }
}

/// The 200 answer: an `ExportTraceServiceResponse` in the request's encoding. In JSON a full
/// success is `{}`; `rejectedSpans` is a number, which every OTLP/JSON reader accepts (the proto3
/// mapping reads int64s as numbers or strings) and which the crate's own types read back (they
/// refuse the string form).
pub fn response(encoding: Encoding, partial: Option<ExportTracePartialSuccess>) -> Response {
    let message = ExportTraceServiceResponse {
        partial_success: partial,
    };
    let body = match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        Encoding::Json if message.partial_success.is_none() => b"{}".to_vec(),
        // Serializing plain strings and integers cannot fail.
        Encoding::Json => serde_json::to_vec(&message).unwrap_or_else(|_| b"{}".to_vec()),
    };
    ([(CONTENT_TYPE, encoding.content_type())], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn encoding(content_type: Option<&str>) -> Result<Encoding, String> {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        Encoding::of(&headers).map_err(|e| match e {
            AppError::UnsupportedMediaType(m) => m,
            other => panic!("expected 415, got {other:?}"),
        })
    }

    #[test]
    fn content_types_pick_the_encoding_and_others_are_named() {
        assert_eq!(encoding(Some(PROTOBUF)), Ok(Encoding::Protobuf));
        assert_eq!(
            encoding(Some("Application/JSON; charset=utf-8")),
            Ok(Encoding::Json)
        );
        assert_eq!(
            encoding(Some("text/plain")),
            Err(
                "unsupported Content-Type `text/plain`; OTLP/HTTP bodies are \
                 application/x-protobuf or application/json"
                    .into()
            )
        );
        assert!(encoding(None)
            .unwrap_err()
            .starts_with("missing Content-Type"));
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let err = |enc, body: &[u8]| match request(enc, body) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected 400, got {other:?}"),
        };
        let m = err(Encoding::Protobuf, b"\x0a\xff\xff\xff\xff\x0f");
        assert!(m.starts_with("invalid OTLP protobuf: "), "{m}");
        let m = err(Encoding::Json, b"not json");
        assert!(m.starts_with("invalid OTLP JSON: expected ident"), "{m}");
        // Empty bodies are valid empty requests in protobuf, not in JSON.
        assert_eq!(
            request(Encoding::Protobuf, b"").unwrap(),
            Default::default()
        );
        assert!(request(Encoding::Json, b"").is_err());
    }

    #[tokio::test]
    async fn answers_in_the_request_encoding() {
        use axum::body::to_bytes;
        let partial = ExportTracePartialSuccess {
            rejected_spans: 2,
            error_message: "why".into(),
        };
        let body = |r: Response| async move {
            let ct = r.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
            (ct, to_bytes(r.into_body(), 1 << 20).await.unwrap())
        };
        let (ct, bytes) = body(response(Encoding::Protobuf, Some(partial.clone()))).await;
        assert_eq!(ct, PROTOBUF);
        let decoded = ExportTraceServiceResponse::decode(bytes).unwrap();
        assert_eq!(decoded.partial_success, Some(partial.clone()));
        let (ct, bytes) = body(response(Encoding::Json, Some(partial.clone()))).await;
        assert_eq!(ct, JSON);
        assert_eq!(
            &bytes[..],
            br#"{"partialSuccess":{"rejectedSpans":2,"errorMessage":"why"}}"#
        );
        let decoded: ExportTraceServiceResponse = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(decoded.partial_success, Some(partial));
        let (_, bytes) = body(response(Encoding::Json, None)).await;
        assert_eq!(&bytes[..], b"{}");
        // The crate refuses the int64-as-string form the proto3 mapping also allows.
        assert!(serde_json::from_str::<ExportTraceServiceResponse>(
            r#"{"partialSuccess":{"rejectedSpans":"2"}}"#
        )
        .is_err());
    }
}
