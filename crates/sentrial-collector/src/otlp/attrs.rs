//! Reading span attributes: typed getters over OTLP `KeyValue`s that accept what other GenAI
//! sources send (an int as a string, a number where text was expected), and `AnyValue` as JSON.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use serde_json::{Map, Value};

/// A span's attributes, looked up by name. Keys should be unique; when one repeats, the first wins.
#[derive(Debug, Clone, Copy)]
pub struct Attrs<'a>(pub &'a [KeyValue]);

impl<'a> Attrs<'a> {
    /// The value under `key`, when there is one and it holds a value.
    pub fn get(&self, key: &str) -> Option<&'a Any> {
        self.0
            .iter()
            .find(|kv| kv.key == key)?
            .value
            .as_ref()?
            .value
            .as_ref()
    }

    /// A string attribute, not copied; `None` for another type and for an empty string.
    pub fn str(&self, key: &str) -> Option<&'a str> {
        match self.get(key)? {
            Any::StringValue(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// A text attribute: a string, or a number or boolean in its usual text form (some sources
    /// send ids as ints). `None` for an empty string, an array or a map.
    pub fn string(&self, key: &str) -> Option<String> {
        let text = match self.get(key)? {
            Any::StringValue(s) => s.clone(),
            Any::IntValue(i) => i.to_string(),
            Any::DoubleValue(d) if d.is_finite() => d.to_string(),
            Any::BoolValue(b) => b.to_string(),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// A count: a non-negative int, a string holding one (OTLP/JSON int64s are often strings),
    /// or a finite non-negative double (rounded down).
    pub fn u64(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            Any::IntValue(i) => u64::try_from(*i).ok(),
            Any::StringValue(s) => s.trim().parse().ok(),
            // `as` saturates: a double past u64::MAX reads as u64::MAX.
            Any::DoubleValue(d) if d.is_finite() && *d >= 0.0 => Some(*d as u64),
            _ => None,
        }
    }

    /// A boolean: a bool, or the string `true` / `false`.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Any::BoolValue(b) => Some(*b),
            Any::StringValue(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A finite number: a double, an int, or a string holding one.
    pub fn f64(&self, key: &str) -> Option<f64> {
        let n = match self.get(key)? {
            Any::DoubleValue(d) => *d,
            Any::IntValue(i) => *i as f64,
            Any::StringValue(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        n.is_finite().then_some(n)
    }

    /// A list of texts: an array's text elements (see [`Attrs::string`]); a string holding a JSON
    /// array of strings is read as that array, any other string as a list of one.
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Any::ArrayValue(array)) => array
                .values
                .iter()
                .filter_map(|v| match v.value.as_ref()? {
                    Any::StringValue(s) => Some(s.clone()),
                    Any::IntValue(i) => Some(i.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Any::StringValue(s)) => match serde_json::from_str::<Vec<String>>(s) {
                Ok(list) => list,
                Err(_) => vec![s.clone()],
            },
            _ => Vec::new(),
        }
    }

    /// The value as JSON: a string holding JSON text is parsed (GenAI attributes carry JSON as
    /// text), any other string stays a JSON string, and structured values convert as
    /// [`any_to_json`] does.
    pub fn json(&self, key: &str) -> Option<Value> {
        match self.get(key)? {
            Any::StringValue(s) => {
                Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())))
            }
            other => Some(any_to_json(other)),
        }
    }
}

/// An `AnyValue` as JSON: maps as objects, arrays as arrays, bytes as lowercase hex. Values JSON
/// cannot hold (a NaN or infinite double, a profiles-only string index) are `null`.
pub fn any_to_json(value: &Any) -> Value {
    let opt = |v: &AnyValue| v.value.as_ref().map_or(Value::Null, any_to_json);
    match value {
        Any::StringValue(s) => Value::String(s.clone()),
        Any::BoolValue(b) => Value::Bool(*b),
        Any::IntValue(i) => Value::from(*i),
        Any::DoubleValue(d) => serde_json::Number::from_f64(*d).map_or(Value::Null, Value::Number),
        Any::ArrayValue(array) => Value::Array(array.values.iter().map(opt).collect()),
        Any::KvlistValue(list) => Value::Object(
            list.values
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, opt)))
                .collect::<Map<String, Value>>(),
        ),
        Any::BytesValue(bytes) => Value::String(hex::encode(bytes)),
        Any::StringValueStrindex(_) => Value::Null,
    }
}

/// The text of a GenAI messages attribute (`gen_ai.input.messages`, `gen_ai.output.messages`):
/// the `text` parts of every message, joined by a newline (a message with a plain `content`
/// string, the older form, counts as one text part). An attribute that is not a messages array
/// is kept as it came, as text; a messages array without text gives `None`.
pub fn messages_text(attrs: Attrs<'_>, key: &str) -> Option<String> {
    let messages = match attrs.get(key)? {
        Any::StringValue(s) => match serde_json::from_str::<Value>(s) {
            Ok(value) if is_messages(&value) => value,
            _ => return (!s.is_empty()).then(|| s.clone()),
        },
        other => match any_to_json(other) {
            value if is_messages(&value) => value,
            Value::Null => return None,
            value => return Some(value.to_string()),
        },
    };
    let mut texts = Vec::new();
    for message in messages.as_array().into_iter().flatten() {
        match message.get("parts") {
            Some(Value::Array(parts)) => texts.extend(
                parts
                    .iter()
                    .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                    .filter_map(|p| p.get("content").and_then(Value::as_str)),
            ),
            _ => texts.extend(message.get("content").and_then(Value::as_str)),
        }
    }
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// A JSON array of objects: the shape of GenAI messages.
fn is_messages(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|messages| messages.iter().all(Value::is_object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};
    use serde_json::json;

    fn kv(key: &str, value: Any) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    fn s(text: &str) -> Any {
        Any::StringValue(text.into())
    }

    fn array(values: Vec<Any>) -> Any {
        Any::ArrayValue(ArrayValue {
            values: values
                .into_iter()
                .map(|v| AnyValue { value: Some(v) })
                .collect(),
        })
    }

    #[test]
    fn counts_accept_ints_strings_and_whole_doubles() {
        let kvs = [
            kv("int", Any::IntValue(5)),
            kv("neg", Any::IntValue(-5)),
            kv("text", s(" 42 ")),
            kv("junk", s("4x")),
            kv("double", Any::DoubleValue(7.9)),
            kv("nan", Any::DoubleValue(f64::NAN)),
            kv("huge", Any::DoubleValue(1e300)),
            kv("bool", Any::BoolValue(true)),
        ];
        let a = Attrs(&kvs);
        assert_eq!(a.u64("int"), Some(5));
        assert_eq!(a.u64("neg"), None);
        assert_eq!(a.u64("text"), Some(42));
        assert_eq!(a.u64("junk"), None);
        assert_eq!(a.u64("double"), Some(7));
        assert_eq!(a.u64("nan"), None);
        assert_eq!(a.u64("huge"), Some(u64::MAX));
        assert_eq!(a.u64("bool"), None);
        assert_eq!(a.u64("missing"), None);
        assert_eq!(a.f64("int"), Some(5.0));
        assert_eq!(a.f64("text"), Some(42.0));
        assert_eq!(a.f64("nan"), None);
    }

    #[test]
    fn texts_take_scalars_first_key_wins_and_empty_is_absent() {
        let kvs = [
            kv("id", Any::IntValue(12)),
            kv("name", s("a")),
            kv("name", s("b")),
            kv("empty", s("")),
            kv("list", array(vec![s("x")])),
            KeyValue {
                key: "none".into(),
                value: None,
                ..Default::default()
            },
        ];
        let a = Attrs(&kvs);
        assert_eq!(a.string("id").as_deref(), Some("12"));
        assert_eq!(a.str("id"), None);
        assert_eq!(a.str("name"), Some("a"));
        assert_eq!(a.string("empty"), None);
        assert_eq!(a.string("list"), None);
        assert_eq!(a.string("none"), None);
    }

    #[test]
    fn string_lists_from_arrays_json_text_or_one_string() {
        let kvs = [
            kv("arr", array(vec![s("end_turn"), Any::IntValue(3)])),
            kv("json", s(r#"["tool_use","stop"]"#)),
            kv("one", s("stop")),
        ];
        let a = Attrs(&kvs);
        assert_eq!(a.strings("arr"), ["end_turn", "3"]);
        assert_eq!(a.strings("json"), ["tool_use", "stop"]);
        assert_eq!(a.strings("one"), ["stop"]);
        assert!(a.strings("missing").is_empty());
    }

    #[test]
    fn json_parses_json_text_keeps_other_text_and_converts_structures() {
        let map = Any::KvlistValue(KeyValueList {
            values: vec![
                kv("n", Any::IntValue(1)),
                kv("b", Any::BytesValue(vec![0xab, 0x01])),
            ],
        });
        let kvs = [
            kv("obj", s(r#"{"command":"ls"}"#)),
            kv("text", s("plain output")),
            kv("map", map),
            kv("inf", Any::DoubleValue(f64::INFINITY)),
        ];
        let a = Attrs(&kvs);
        assert_eq!(a.json("obj"), Some(json!({"command": "ls"})));
        assert_eq!(a.json("text"), Some(json!("plain output")));
        assert_eq!(a.json("map"), Some(json!({"n": 1, "b": "ab01"})));
        assert_eq!(a.json("inf"), Some(Value::Null));
        assert_eq!(a.json("missing"), None);
    }

    #[test]
    fn messages_text_joins_text_parts_and_keeps_other_text() {
        let input = json!([
            {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
            {"role": "user", "parts": [
                {"type": "text", "content": "fix the build"},
                {"type": "tool_call_response", "id": "t", "response": "ok"},
                {"type": "text", "content": "please"}
            ]},
            {"role": "user", "content": "old form"}
        ]);
        let structured = array(vec![Any::KvlistValue(KeyValueList {
            values: vec![
                kv("role", s("assistant")),
                kv(
                    "parts",
                    array(vec![Any::KvlistValue(KeyValueList {
                        values: vec![kv("type", s("text")), kv("content", s("done"))],
                    })]),
                ),
            ],
        })]);
        let kvs = [
            kv("in", s(&input.to_string())),
            kv("plain", s("just a prompt")),
            kv("not_messages", s("[1, 2]")),
            kv(
                "no_text",
                s(r#"[{"role":"user","parts":[{"type":"blob"}]}]"#),
            ),
            kv("structured", structured),
        ];
        let a = Attrs(&kvs);
        assert_eq!(
            messages_text(a, "in").as_deref(),
            Some("be brief\nfix the build\nplease\nold form")
        );
        assert_eq!(messages_text(a, "plain").as_deref(), Some("just a prompt"));
        assert_eq!(messages_text(a, "not_messages").as_deref(), Some("[1, 2]"));
        assert_eq!(messages_text(a, "no_text"), None);
        assert_eq!(messages_text(a, "structured").as_deref(), Some("done"));
        assert_eq!(messages_text(a, "missing"), None);
    }
}
