//! Lenient reading of the JSON the SDK hands us.
//!
//! Messages come from a JS `JSON.stringify`, which writes lone UTF-16 surrogates as `\udXXX`
//! escapes; serde_json refuses those. Rather than lose the message, such escapes are replaced by
//! U+FFFD and the text is parsed again. Fields are read through small accessors that return `None`
//! for a missing field or a field of an unexpected type, so a future SDK that changes a shape
//! degrades one field, never the whole message.

use serde_json::Value;

/// Parses `text`, repairing lone surrogate escapes if that is what made it fail.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(e) if text.contains("\\u") => {
            let repaired = repair_lone_surrogates(text);
            serde_json::from_str(&repaired).map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// Replaces `\uD800`-`\uDFFF` escapes that are not part of a valid pair with `\uFFFD`.
fn repair_lone_surrogates(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i + 6 <= bytes.len() {
        if bytes[i] == b'\\' {
            if bytes[i + 1] == b'u' {
                if let Some(unit) = hex4(&bytes[i + 2..i + 6]) {
                    if (0xD800..0xDC00).contains(&unit) {
                        let paired = i + 12 <= bytes.len()
                            && bytes[i + 6] == b'\\'
                            && bytes[i + 7] == b'u'
                            && hex4(&bytes[i + 8..i + 12])
                                .is_some_and(|lo| (0xDC00..0xE000).contains(&lo));
                        if paired {
                            i += 12;
                            continue;
                        }
                    }
                    if (0xD800..0xE000).contains(&unit) {
                        out.push_str(&text[last..i]);
                        out.push_str("\\uFFFD");
                        i += 6;
                        last = i;
                        continue;
                    }
                }
            }
            // Skip the escaped character so `\\u` is not read as an escape.
            i += 2;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[last..]);
    out
}

fn hex4(b: &[u8]) -> Option<u16> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| u16::from_str_radix(s, 16).ok())
}

/// A string field.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A string field, owned.
pub fn string_of(v: &Value, key: &str) -> Option<String> {
    str_of(v, key).map(str::to_owned)
}

/// A non-negative integer field (floats are truncated, negatives and other types are `None`).
pub fn u64_of(v: &Value, key: &str) -> Option<u64> {
    let f = v.get(key)?;
    f.as_u64().or_else(|| {
        f.as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| x as u64)
    })
}

/// A finite number field.
pub fn f64_of(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64).filter(|x| x.is_finite())
}

/// A boolean field.
pub fn bool_of(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// Takes a field out of an object, leaving `null`; avoids copying large values.
pub fn take(v: &mut Value, key: &str) -> Value {
    v.get_mut(key).map(Value::take).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_json() {
        assert_eq!(parse(r#"{"a":1}"#).unwrap()["a"], 1);
    }

    #[test]
    fn repairs_lone_surrogates_and_keeps_pairs() {
        let v = parse(r#"{"a":"x\ud800y","b":"\ud83d\ude00","c":"\\ud800"}"#).unwrap();
        assert_eq!(v["a"], "x\u{FFFD}y");
        assert_eq!(v["b"], "\u{1F600}");
        assert_eq!(v["c"], "\\ud800");
    }

    #[test]
    fn lone_low_surrogate_at_end() {
        let v = parse(r#"["\udc00"]"#).unwrap();
        assert_eq!(v[0], "\u{FFFD}");
    }

    #[test]
    fn invalid_json_still_errors() {
        assert!(parse("{nope").is_err());
    }

    #[test]
    fn accessors_tolerate_wrong_types() {
        let v = parse(r#"{"n":"1","f":1.5,"neg":-1,"s":3,"b":"true"}"#).unwrap();
        assert_eq!(u64_of(&v, "n"), None);
        assert_eq!(u64_of(&v, "f"), Some(1));
        assert_eq!(u64_of(&v, "neg"), None);
        assert_eq!(str_of(&v, "s"), None);
        assert_eq!(bool_of(&v, "b"), None);
        assert_eq!(f64_of(&v, "missing"), None);
    }
}
