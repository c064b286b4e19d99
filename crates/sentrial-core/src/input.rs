//! A message or hook payload as the host hands it over: JSON text in whatever form was cheapest to
//! take off the host's thread, and the large strings the host lifted out of it before serializing.
//!
//! Everything here that costs a pass over the text (UTF-8 validation, transcoding from UTF-16,
//! escaping and parsing a lifted string) runs on the worker, never on the host's thread. A host
//! copies a large string once, as it is, instead of escaping it into JSON and then encoding that.

use crate::json;
use once_cell::sync::Lazy;
use serde_json::Value;
use std::sync::Mutex;

/// What an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// An SDK message.
    Message,
    /// A hook payload (PreToolUse, PostToolUse, PostToolUseFailure).
    Hook,
    /// What a permission callback the wrapper observed (a `PreToolUse` hook of the user's,
    /// `canUseTool`) answered for a tool call.
    Decision,
}

/// Text as the host could give it most cheaply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// Already UTF-8.
    Utf8(String),
    /// UTF-16 code units, as a JS engine stores a string (a copy of them costs the host one pass,
    /// where UTF-8 costs V8 two); lone surrogates become U+FFFD.
    Utf16(Vec<u16>),
}

impl Text {
    /// Bytes held (what the input backlog counts).
    pub fn byte_len(&self) -> usize {
        match self {
            Text::Utf8(s) => s.len(),
            Text::Utf16(u) => u.len() * 2,
        }
    }

    /// The text as UTF-8, validated or transcoded.
    pub fn into_string(self) -> String {
        match self {
            Text::Utf8(s) => s,
            Text::Utf16(u) => {
                let s = String::from_utf16_lossy(&u);
                recycle(u);
                s
            }
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Utf8(s)
    }
}

/// One message or hook payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The JSON document; a lifted string stands in it as [`part_marker`] followed by its index.
    pub json: Text,
    /// The lifted strings, raw (not JSON-escaped), in index order.
    pub parts: Vec<Text>,
}

impl Input {
    /// Bytes held (what the input backlog counts).
    pub fn byte_len(&self) -> u64 {
        let parts: usize = self.parts.iter().map(Text::byte_len).sum();
        (self.json.byte_len() + parts) as u64
    }

    /// Parses the document and puts the lifted strings back where their markers stand.
    pub fn parse(self) -> Result<Value, serde_json::Error> {
        let mut value = json::parse(&self.json.into_string())?;
        if !self.parts.is_empty() {
            let mut parts: Vec<Option<Text>> = self.parts.into_iter().map(Some).collect();
            restore(&mut value, part_marker(), &mut parts);
        }
        Ok(value)
    }
}

impl From<String> for Input {
    fn from(json: String) -> Input {
        Input {
            json: Text::Utf8(json),
            parts: Vec::new(),
        }
    }
}

/// Buffers of at least this many code units are recycled; smaller ones come cheaply from malloc.
const POOLED_MIN_UNITS: usize = 16 * 1024;
/// The largest buffer kept (2 MiB), and how many are kept: the pool holds at most 8 MiB.
const POOLED_MAX_UNITS: usize = 1024 * 1024;
const POOL_SIZE: usize = 4;

/// Large buffers handed back by the worker. A fresh allocation of a few hundred KB is mapped anew
/// by malloc and faults in every page as the host copies into it, which costs the host's thread
/// more than the copy itself (about 2 µs a page on a virtual machine); a recycled one is mapped.
static POOL: Mutex<Vec<Vec<u16>>> = Mutex::new(Vec::new());

/// An empty buffer for `units` code units, recycled when large: the host copies a string into it.
pub fn utf16_buffer(units: usize) -> Vec<u16> {
    if units >= POOLED_MIN_UNITS {
        if let Ok(mut pool) = POOL.lock() {
            if let Some(i) = pool.iter().position(|b| b.capacity() >= units) {
                return pool.swap_remove(i);
            }
        }
    }
    Vec::with_capacity(units)
}

/// Keeps a large buffer the worker is done with for [`utf16_buffer`], while the pool has room.
fn recycle(mut buf: Vec<u16>) {
    if !(POOLED_MIN_UNITS..=POOLED_MAX_UNITS).contains(&buf.capacity()) {
        return;
    }
    if let Ok(mut pool) = POOL.lock() {
        if pool.len() < POOL_SIZE {
            buf.clear();
            pool.push(buf);
        }
    }
}

static MARKER: Lazy<String> =
    Lazy::new(|| format!("\u{0}sentrial-part:{}:", uuid::Uuid::new_v4().as_simple()));

/// What a lifted string is replaced by in the document, followed by the part's index. Random per
/// process (and starting with NUL), so no string of a real payload is taken for a marker.
pub fn part_marker() -> &'static str {
    &MARKER
}

/// Replaces each string `marker` + index with that part (each part is used at most once).
fn restore(value: &mut Value, marker: &str, parts: &mut [Option<Text>]) {
    match value {
        Value::String(s) => {
            let part = s
                .strip_prefix(marker)
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| parts.get_mut(i))
                .and_then(Option::take);
            if let Some(part) = part {
                *s = part.into_string();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| restore(v, marker, parts)),
        Value::Object(map) => map.values_mut().for_each(|v| restore(v, marker, parts)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn utf16(s: &str) -> Text {
        Text::Utf16(s.encode_utf16().collect())
    }

    #[test]
    fn every_form_reads_the_same() {
        let doc = r#"{"a":"é → ok"}"#;
        for text in [Text::Utf8(doc.into()), utf16(doc)] {
            let input = Input {
                json: text,
                parts: vec![],
            };
            assert_eq!(input.parse().unwrap(), json!({"a": "é → ok"}));
        }
    }

    #[test]
    fn bad_text_is_repaired_not_trusted() {
        assert_eq!(
            Text::Utf16(vec![0x61, 0xD800, 0x62]).into_string(),
            "a\u{FFFD}b"
        );
    }

    #[test]
    fn lifted_strings_go_back_where_they_were() {
        let m = part_marker();
        let doc = json!({"tool_response": {"file": {"content": format!("{m}0")}}, "list": [format!("{m}1"), "x"]});
        let big = "line \"one\"\n\tline two\u{1}".repeat(1000);
        let input = Input {
            json: Text::Utf8(doc.to_string()),
            parts: vec![utf16(&big), Text::Utf8("second".into())],
        };
        assert_eq!(
            input.parse().unwrap(),
            json!({"tool_response": {"file": {"content": big}}, "list": ["second", "x"]})
        );
    }

    #[test]
    fn a_marker_without_its_part_stays_as_it_is() {
        let m = part_marker();
        let doc = json!({"a": format!("{m}0"), "b": format!("{m}0"), "c": format!("{m}7"), "d": "\u{0}sentrial-part:0:0"});
        let input = Input {
            json: Text::Utf8(doc.to_string()),
            parts: vec![Text::Utf8("p".into())],
        };
        let v = input.parse().unwrap();
        assert_eq!(v["a"], "p");
        assert_eq!(v["b"], format!("{m}0"));
        assert_eq!(v["c"], format!("{m}7"));
        assert_eq!(v["d"], "\u{0}sentrial-part:0:0");
    }

    #[test]
    fn large_buffers_are_recycled_small_ones_not() {
        let mut big = utf16_buffer(POOLED_MIN_UNITS);
        big.extend("x".encode_utf16());
        assert_eq!(Text::Utf16(big).into_string(), "x");
        // Whichever buffer comes back (tests run in parallel), it comes back empty.
        let again = utf16_buffer(POOLED_MIN_UNITS);
        assert!(again.is_empty() && again.capacity() >= POOLED_MIN_UNITS);
        recycle(Vec::with_capacity(16));
        assert!(POOL
            .lock()
            .unwrap()
            .iter()
            .all(|b| b.capacity() >= POOLED_MIN_UNITS));
    }

    #[test]
    fn bad_json_is_an_error() {
        let input = Input {
            json: utf16("{not json"),
            parts: vec![Text::Utf8("p".into())],
        };
        assert!(input.parse().is_err());
        assert_eq!(
            Input::from("{}".to_string()).byte_len(),
            2,
            "the backlog counts bytes"
        );
    }
}
