//! The request body of an OTLP/HTTP export: the queued spans under one resource and one
//! instrumentation scope, as protobuf or as OTLP JSON.

use super::config::OtlpProtocol;
use crate::delivery::outbox::Queued;
use crate::delivery::transport::Encoder;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use std::io::Write;

/// Makes export requests; the queue holds each span protobuf-encoded.
pub struct SpanEncoder {
    protocol: OtlpProtocol,
    resource: Resource,
    scope: InstrumentationScope,
}

impl SpanEncoder {
    /// An encoder for `protocol`, with the resource attributes of `service_name` and the SDK.
    pub fn new(protocol: OtlpProtocol, service_name: &str, sdk_name: &str, version: &str) -> Self {
        let mut a = super::attributes::Attrs::default();
        a.str("service.name", service_name);
        a.str("telemetry.sdk.name", sdk_name);
        a.str("telemetry.sdk.version", version);
        a.str("telemetry.sdk.language", "nodejs");
        SpanEncoder {
            protocol,
            resource: Resource {
                attributes: a.0,
                ..Default::default()
            },
            scope: InstrumentationScope {
                name: sdk_name.to_string(),
                version: version.to_string(),
                ..Default::default()
            },
        }
    }

    /// The export request holding `spans`.
    pub fn request(&self, spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(self.resource.clone()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(self.scope.clone()),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
    }
}

impl Encoder for SpanEncoder {
    fn content_type(&self) -> &'static str {
        match self.protocol {
            OtlpProtocol::Protobuf => "application/x-protobuf",
            OtlpProtocol::Json => "application/json",
        }
    }

    fn write_body(&self, batch: &[Queued], out: &mut dyn Write) -> std::io::Result<()> {
        // Each span was encoded by us when queued; one that does not decode would be a bug, and
        // is left out rather than failing the batch.
        let spans: Vec<Span> = batch
            .iter()
            .filter_map(|q| Span::decode(q.json.as_slice()).ok())
            .collect();
        let request = self.request(spans);
        match self.protocol {
            OtlpProtocol::Protobuf => out.write_all(&request.encode_to_vec()),
            OtlpProtocol::Json => serde_json::to_writer(out, &request).map_err(Into::into),
        }
    }

    fn reads_answers(&self) -> bool {
        true
    }

    /// OTLP's `partial_success`: `rejected_spans` and `error_message`, from a protobuf or JSON
    /// answer (the answer's encoding follows its `Content-Type`, as the specification has it). An
    /// empty or unreadable answer rejects nothing: the request was accepted.
    fn rejected_in(&self, content_type: &str, body: &[u8]) -> (u64, String) {
        if body.is_empty() {
            return (0, String::new());
        }
        if content_type.starts_with("application/json") {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
                return (0, String::new());
            };
            let p = &v["partialSuccess"];
            // int64 is a string in OTLP/JSON; a number is accepted too.
            let rejected = match &p["rejectedSpans"] {
                serde_json::Value::String(s) => s.parse().unwrap_or(0),
                n => n.as_u64().unwrap_or(0),
            };
            let message = p["errorMessage"].as_str().unwrap_or_default().to_string();
            return (rejected, message);
        }
        match ExportTraceServiceResponse::decode(body) {
            Ok(answer) => answer
                .partial_success
                .map(|p| (p.rejected_spans.max(0) as u64, p.error_message))
                .unwrap_or_default(),
            Err(_) => (0, String::new()),
        }
    }
}
