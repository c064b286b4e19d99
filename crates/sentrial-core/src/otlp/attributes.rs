//! Building span attributes: typed values, the GenAI message JSON and the token usage figures.

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, KeyValue};
use sentrial_protocol::otel::attr;
use serde::Serialize;
use serde_json::Value;

/// A span's attribute list under construction.
#[derive(Debug, Default)]
pub struct Attrs(pub Vec<KeyValue>);

impl Attrs {
    fn push(&mut self, key: &str, value: any_value::Value) {
        self.0.push(KeyValue {
            key: key.to_string(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        });
    }

    /// A string attribute.
    pub fn str(&mut self, key: &str, value: impl Into<String>) {
        self.push(key, any_value::Value::StringValue(value.into()));
    }

    /// A string attribute when there is a value.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// An integer attribute (values past `i64::MAX` are clamped).
    pub fn int(&mut self, key: &str, value: u64) {
        let v = i64::try_from(value).unwrap_or(i64::MAX);
        self.push(key, any_value::Value::IntValue(v));
    }

    /// A boolean attribute.
    pub fn boolean(&mut self, key: &str, value: bool) {
        self.push(key, any_value::Value::BoolValue(value));
    }

    /// An integer attribute when there is a value.
    pub fn opt_int(&mut self, key: &str, value: Option<u64>) {
        if let Some(v) = value {
            self.int(key, v);
        }
    }

    /// A floating point attribute.
    pub fn double(&mut self, key: &str, value: f64) {
        self.push(key, any_value::Value::DoubleValue(value));
    }

    /// A string array attribute.
    pub fn strings(&mut self, key: &str, values: &[&str]) {
        let values = values
            .iter()
            .map(|s| AnyValue {
                value: Some(any_value::Value::StringValue(s.to_string())),
            })
            .collect();
        self.push(key, any_value::Value::ArrayValue(ArrayValue { values }));
    }

    /// A JSON value as JSON text, unless it is `null` (a field the privacy mode removed).
    pub fn json(&mut self, key: &str, value: &Value) {
        if !value.is_null() {
            self.str(key, value.to_string());
        }
    }

    /// The four usage attributes. The GenAI conventions count cached tokens inside the input
    /// tokens; Anthropic reports them apart, so they are added back here.
    pub fn usage(&mut self, input: u64, output: u64, cache_read: u64, cache_creation: u64) {
        let whole_input = input
            .saturating_add(cache_read)
            .saturating_add(cache_creation);
        self.int(attr::USAGE_INPUT_TOKENS, whole_input);
        self.int(attr::USAGE_OUTPUT_TOKENS, output);
        self.int(attr::USAGE_CACHE_READ_INPUT_TOKENS, cache_read);
        self.int(attr::USAGE_CACHE_CREATION_INPUT_TOKENS, cache_creation);
    }
}

/// One GenAI message with one text part (fields in the order the conventions show them).
#[derive(Serialize)]
struct Message<'a> {
    role: &'a str,
    parts: [TextPart<'a>; 1],
}

#[derive(Serialize)]
struct TextPart<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    content: &'a str,
}

/// GenAI messages JSON: one message of `role` per text, each with one text part:
/// `[{"role":"user","parts":[{"type":"text","content":"..."}]}]`.
pub fn messages(role: &str, texts: &[&str]) -> String {
    let list: Vec<Message<'_>> = texts
        .iter()
        .map(|content| Message {
            role,
            parts: [TextPart {
                kind: "text",
                content,
            }],
        })
        .collect();
    serde_json::to_string(&list).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_genai_shape() {
        assert_eq!(
            messages("user", &["hi \"there\""]),
            r#"[{"role":"user","parts":[{"type":"text","content":"hi \"there\""}]}]"#
        );
        assert_eq!(messages("user", &[]), "[]");
    }

    #[test]
    fn null_json_is_left_out_and_big_ints_clamp() {
        let mut a = Attrs::default();
        a.json("k", &Value::Null);
        assert!(a.0.is_empty());
        a.int("n", u64::MAX);
        assert_eq!(
            a.0[0].value.as_ref().unwrap().value,
            Some(any_value::Value::IntValue(i64::MAX))
        );
    }
}
