//! OTLP/JSON through `opentelemetry-proto`'s serde types, after mending what the OTLP JSON
//! encoding (the proto3 JSON mapping, with hex ids and integer enums) allows and those types
//! refuse:
//!
//! - `null` for any field means its default (proto3); the types refuse it for strings, numbers,
//!   ids and lists. Null members are dropped.
//! - An empty `arrayValue` / `kvlistValue` may omit `values` (proto3 omits empty lists); the types
//!   require it. An empty list is put in.
//! - 32-bit integers and enums may be strings (`"kind": "3"`); the types want numbers.
//! - `doubleValue` may be a string, including `"NaN"`, `"Infinity"`, `"-Infinity"`; the types want
//!   a number. A numeric string becomes its number; the three special values cannot be held by
//!   JSON numbers and are dropped (the attribute stays, with no value).
//! - `bytesValue` may be URL-safe base64 without padding; the types want standard base64.
//!
//! What the types already do right: lowerCamelCase names, hex trace and span ids (either case),
//! 64-bit integers as strings or numbers, unknown fields ignored. The tests below show each gap.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use serde_json::{Map, Value};

/// Fields of trace requests holding a 32-bit integer or an enum.
const INT32_FIELDS: [&str; 6] = [
    "kind",
    "code",
    "flags",
    "droppedAttributesCount",
    "droppedEventsCount",
    "droppedLinksCount",
];

/// Decodes an OTLP/JSON trace request; the error names the offending field's path.
pub fn decode(body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    // serde's derived structs also read arrays (fields by position): `[]` would pass as empty.
    if !value.is_object() {
        return Err("expected a JSON object (an ExportTraceServiceRequest)".into());
    }
    mend(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if matches!(path.as_str(), "" | "." | "?") {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// Rewrites `value` in place into the form the serde types read (see the module's doc). The
/// recursion is bounded by serde_json's nesting limit (128) on what it parsed.
fn mend(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (key, v) in map.iter_mut() {
                mend_field(key, v);
                mend(v);
            }
            map.retain(|_, v| !v.is_null());
        }
        Value::Array(items) => items.iter_mut().for_each(mend),
        _ => {}
    }
}

/// Mends one member by its name; a member set to `null` here is dropped by the caller.
fn mend_field(key: &str, v: &mut Value) {
    match (key, &mut *v) {
        (k, Value::String(s)) if INT32_FIELDS.contains(&k) => {
            if let Ok(n) = s.trim().parse::<i64>() {
                *v = Value::from(n);
            }
        }
        ("doubleValue", Value::String(s)) => match s.as_str() {
            "NaN" | "Infinity" | "-Infinity" => *v = Value::Null,
            text => {
                if let Some(n) = text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                {
                    *v = Value::Number(n);
                }
            }
        },
        ("bytesValue", Value::String(s)) => {
            let mut b64: String = s
                .chars()
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            let padding = (4 - b64.len() % 4) % 4;
            b64.extend(std::iter::repeat_n('=', padding));
            *s = b64;
        }
        ("arrayValue" | "kvlistValue", Value::Object(inner)) => {
            ensure_values(inner);
        }
        _ => {}
    }
}

fn ensure_values(inner: &mut Map<String, Value>) {
    if inner.get("values").is_none_or(Value::is_null) {
        inner.insert("values".into(), Value::Array(Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use opentelemetry_proto::tonic::trace::v1::Span;
    use serde_json::json;

    /// A request of one span with these extra fields.
    fn body(extra: Value) -> Value {
        let mut span = json!({
            "traceId": "5B8EFFF798038103D269B633813FC60C",
            "spanId": "eee19b7ec3c1b174",
            "name": "chat m",
            "kind": 3,
            "startTimeUnixNano": "1700000000000000000",
            "endTimeUnixNano": 1700000001000000000u64,
        });
        span.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})
    }

    fn span(extra: Value) -> Span {
        let req = decode(body(extra).to_string().as_bytes()).unwrap();
        req.resource_spans[0].scope_spans[0].spans[0].clone()
    }

    /// What the crate's own deserializer says of the same body, unmended.
    fn crate_alone(extra: Value) -> Result<ExportTraceServiceRequest, serde_json::Error> {
        serde_json::from_value(body(extra))
    }

    fn attr(span: &Span) -> Option<Any> {
        span.attributes[0].value.clone()?.value
    }

    #[test]
    fn the_crate_reads_hex_ids_int64_strings_and_ignores_unknown_fields() {
        let extra = json!({"somethingNew": {"x": 1}, "attributes": [
            {"key": "n", "value": {"intValue": "42"}}]});
        let s =
            crate_alone(extra.clone()).unwrap().resource_spans[0].scope_spans[0].spans[0].clone();
        assert_eq!(hex::encode(&s.trace_id), "5b8efff798038103d269b633813fc60c");
        assert_eq!(s.start_time_unix_nano, 1_700_000_000_000_000_000);
        assert_eq!(s.end_time_unix_nano, 1_700_000_001_000_000_000);
        assert_eq!(attr(&s), Some(Any::IntValue(42)));
        assert_eq!(span(extra), s);
    }

    #[test]
    fn nulls_mean_defaults() {
        let extra = json!({"parentSpanId": null, "traceState": null, "flags": null,
            "attributes": null, "events": null, "status": null});
        assert!(crate_alone(extra.clone()).is_err());
        let s = span(extra);
        assert!(s.parent_span_id.is_empty() && s.attributes.is_empty() && s.status.is_none());
        let top = br#"{"resourceSpans": [{"resource": null, "scopeSpans": [{"scope": null, "spans": null}]}]}"#;
        assert!(serde_json::from_slice::<ExportTraceServiceRequest>(top).is_err());
        assert!(decode(top).unwrap().resource_spans[0].scope_spans[0]
            .spans
            .is_empty());
    }

    #[test]
    fn empty_lists_may_omit_values() {
        let extra = json!({"attributes": [{"key": "a", "value": {"arrayValue": {}}},
            {"key": "b", "value": {"kvlistValue": {"values": null}}}]});
        assert!(crate_alone(extra.clone()).is_err());
        let s = span(extra);
        assert!(matches!(attr(&s), Some(Any::ArrayValue(a)) if a.values.is_empty()));
    }

    #[test]
    fn int32s_and_enums_may_be_strings() {
        let extra = json!({"kind": "2", "flags": "1", "droppedAttributesCount": "3",
            "status": {"code": "2", "message": "boom"}});
        assert!(crate_alone(extra.clone()).is_err());
        let s = span(extra);
        assert_eq!((s.kind, s.flags, s.dropped_attributes_count), (2, 1, 3));
        assert_eq!(s.status.unwrap().code, 2);
    }

    #[test]
    fn doubles_may_be_strings_and_special_values_are_dropped() {
        let attrs = |v: &str| json!({"attributes": [{"key": "d", "value": {"doubleValue": v}}]});
        assert!(crate_alone(attrs("1.5")).is_err());
        assert!(crate_alone(attrs("NaN")).is_err());
        assert_eq!(attr(&span(attrs("1.5"))), Some(Any::DoubleValue(1.5)));
        for special in ["NaN", "Infinity", "-Infinity"] {
            assert_eq!(attr(&span(attrs(special))), None, "{special}");
        }
    }

    #[test]
    fn bytes_may_be_url_safe_base64_without_padding() {
        let extra = json!({"attributes": [{"key": "b", "value": {"bytesValue": "_-8"}}]});
        assert!(crate_alone(extra.clone()).is_err());
        assert_eq!(attr(&span(extra)), Some(Any::BytesValue(vec![0xff, 0xef])));
    }

    #[test]
    fn errors_name_the_field() {
        let err = decode(body(json!({"spanId": "zz"})).to_string().as_bytes()).unwrap_err();
        assert!(
            err.starts_with("resourceSpans[0].scopeSpans[0].spans[0].spanId: "),
            "{err}"
        );
        let err = decode(body(json!({"kind": "client"})).to_string().as_bytes()).unwrap_err();
        assert!(err.contains("spans[0].kind: invalid type: string"), "{err}");
        assert!(decode(b"{\"resourceSpans\": [")
            .unwrap_err()
            .contains("EOF"));
        assert_eq!(
            decode(b"[]").unwrap_err(),
            "expected a JSON object (an ExportTraceServiceRequest)"
        );
    }
}
