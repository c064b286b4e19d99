//! Cutting an event down to a size, visibly: a too-large event is shortened, never lost.
//!
//! The largest strings are cut first, each to what the budget allows (never below
//! [`MIN_KEPT_BYTES`]), and end with a marker giving the original size in bytes. Long arrays (a Glob
//! that matched a million files) are then shortened the same way.

use serde_json::Value;

/// Start of the marker that ends every cut string.
pub const MARKER: &str = "…[truncated by sentrial: ";

/// A cut string keeps at least this many bytes.
pub const MIN_KEPT_BYTES: usize = 256;

/// Largest event the SDK sends, serialized (1 MiB); larger events are cut to fit.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Shortens the serialized event `json` to at most `max_bytes`, cutting inside its `data`. Returns
/// `None` when it is already small enough or cannot be made so.
pub fn shrink(json: &[u8], max_bytes: usize) -> Option<Vec<u8>> {
    if json.len() <= max_bytes {
        return None;
    }
    let mut event: Value = serde_json::from_slice(json).ok()?;
    let data = event.get_mut("data")?;
    let overhead = json
        .len()
        .saturating_sub(serde_json::to_vec(&*data).ok()?.len());
    let mut excess = json.len() - max_bytes;
    // Strings first, largest first; each cut frees what it removes minus its marker.
    let mut strings = Vec::new();
    collect_strings(data, String::new(), &mut strings);
    strings.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (len, pointer) in strings {
        if excess == 0 {
            break;
        }
        if let Some(Value::String(s)) = data.pointer_mut(&pointer) {
            let keep = len.saturating_sub(excess + 64).max(MIN_KEPT_BYTES);
            if let Some(cut) = cut_string(s, keep) {
                excess = excess.saturating_sub(len - cut);
            }
        }
    }
    if excess > 0 {
        let mut arrays = Vec::new();
        collect_arrays(data, String::new(), &mut arrays);
        arrays.sort_by_key(|a| std::cmp::Reverse(a.0));
        let fits =
            |data: &Value| serde_json::to_vec(data).is_ok_and(|v| v.len() + overhead <= max_bytes);
        'arrays: for (n, pointer) in arrays {
            let mut keep = n;
            while keep > 1 {
                keep /= 4;
                let Some(Value::Array(items)) = data.pointer_mut(&pointer) else {
                    continue 'arrays;
                };
                items.truncate(keep.max(1));
                items.push(Value::String(format!(
                    "{MARKER}{} more items]",
                    n - keep.max(1)
                )));
                if fits(data) {
                    break 'arrays;
                }
                if let Some(Value::Array(items)) = data.pointer_mut(&pointer) {
                    items.pop();
                }
            }
        }
    }
    let out = serde_json::to_vec(&event).ok()?;
    (out.len() <= max_bytes).then_some(out)
}

/// Cuts one text to at most `max_bytes` bytes (at a character boundary) followed by the marker
/// giving its original size (the size before an earlier cut, when it was cut before). Returns
/// whether it was cut.
pub fn cut_text(s: &mut String, max_bytes: usize) -> bool {
    cut_string(s, max_bytes).is_some()
}

/// Cuts `s` to at most `keep_bytes` bytes (at a character boundary) plus the marker; returns the
/// new byte length, or `None` when it is not longer than that.
fn cut_string(s: &mut String, keep_bytes: usize) -> Option<usize> {
    if s.len() <= keep_bytes {
        return None;
    }
    // A string cut before (an event cut again after a 413) keeps the size of the real original.
    let (text_len, original) = earlier_cut(s).unwrap_or((s.len(), s.len()));
    let end = (0..=keep_bytes.min(text_len))
        .rev()
        .find(|&i| s.is_char_boundary(i))?;
    s.truncate(end);
    s.push_str(&format!("{MARKER}{original} bytes]"));
    Some(s.len())
}

/// For a string that already ends with a cut's marker: where the marker starts, and the original
/// size it gives.
fn earlier_cut(s: &str) -> Option<(usize, usize)> {
    let rest = s.strip_suffix(" bytes]")?;
    let at = rest.rfind(MARKER)?;
    let original = rest[at + MARKER.len()..].parse().ok()?;
    Some((at, original))
}

fn collect_strings(v: &Value, at: String, out: &mut Vec<(usize, String)>) {
    match v {
        Value::String(s) if s.len() > MIN_KEPT_BYTES * 4 => out.push((s.len(), at)),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                collect_strings(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                collect_strings(x, format!("{at}/{}", escape(k)), out);
            }
        }
        _ => {}
    }
}

fn collect_arrays(v: &Value, at: String, out: &mut Vec<(usize, String)>) {
    match v {
        Value::Array(items) => {
            if items.len() > 8 {
                out.push((items.len(), at.clone()));
            }
            for (i, x) in items.iter().enumerate() {
                collect_arrays(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                collect_arrays(x, format!("{at}/{}", escape(k)), out);
            }
        }
        _ => {}
    }
}

/// JSON Pointer escaping of one key.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(data: Value) -> Vec<u8> {
        serde_json::to_vec(
            &json!({"id": "e", "session_id": "s", "ts": 1, "type": "tool_call", "data": data}),
        )
        .unwrap()
    }

    #[test]
    fn small_events_are_left_alone() {
        assert!(shrink(&event(json!({"output": "x"})), 1000).is_none());
    }

    #[test]
    fn a_huge_output_is_cut_with_its_original_size() {
        let big = "é".repeat(3_000_000); // 6,000,000 bytes
        let json =
            event(json!({"tool_name": "Read", "input": {"file_path": "/a/b"}, "output": big}));
        let cut = shrink(&json, MAX_EVENT_BYTES).unwrap();
        assert!(cut.len() <= MAX_EVENT_BYTES);
        let v: Value = serde_json::from_slice(&cut).unwrap();
        let out = v["data"]["output"].as_str().unwrap();
        assert!(out.starts_with("éé"));
        assert!(
            out.ends_with("…[truncated by sentrial: 6000000 bytes]"),
            "{}",
            &out[out.len() - 60..]
        );
        assert!(
            out.len() > MAX_EVENT_BYTES - 1000,
            "keeps as much as fits: {}",
            out.len()
        );
        assert_eq!(v["data"]["input"]["file_path"], "/a/b");
        assert_eq!(v["type"], "tool_call");
    }

    #[test]
    fn several_large_strings_are_cut_largest_first() {
        let json = event(
            json!({"input": {"content": "a".repeat(600_000)}, "output": "b".repeat(900_000)}),
        );
        let cut = shrink(&json, MAX_EVENT_BYTES).unwrap();
        assert!(cut.len() <= MAX_EVENT_BYTES);
        let v: Value = serde_json::from_slice(&cut).unwrap();
        assert!(v["data"]["output"]
            .as_str()
            .unwrap()
            .contains("truncated by sentrial: 900000 bytes"));
    }

    #[test]
    fn long_arrays_of_small_items_are_shortened() {
        let names: Vec<String> = (0..200_000).map(|i| format!("src/file{i}.rs")).collect();
        let json = event(json!({"output": {"filenames": names}}));
        let cut = shrink(&json, 100_000).unwrap();
        assert!(cut.len() <= 100_000);
        let v: Value = serde_json::from_slice(&cut).unwrap();
        let kept = v["data"]["output"]["filenames"].as_array().unwrap();
        assert!(kept
            .last()
            .unwrap()
            .as_str()
            .unwrap()
            .contains("more items]"));
    }

    #[test]
    fn a_string_cut_again_keeps_the_original_size() {
        // After a 413 the core cuts an event to half its size, again and again.
        let json = event(json!({"output": "x".repeat(200_000)}));
        let once = shrink(&json, json.len() / 2).unwrap();
        let twice = shrink(&once, once.len() / 2).unwrap();
        assert!(twice.len() <= once.len() / 2);
        let v: Value = serde_json::from_slice(&twice).unwrap();
        let out = v["data"]["output"].as_str().unwrap();
        assert!(
            out.ends_with("x…[truncated by sentrial: 200000 bytes]"),
            "{}",
            &out[out.len() - 60..]
        );
        assert_eq!(out.matches(MARKER).count(), 1);
    }

    #[test]
    fn impossible_budgets_give_none() {
        assert!(shrink(&event(json!({"output": "x".repeat(10_000)})), 50).is_none());
    }
}
