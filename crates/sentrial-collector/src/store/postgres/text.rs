//! PostgreSQL text cannot hold U+0000, which JSON strings (and so events) may. Every string bound
//! to a query goes through [`Clean`] (in `db.rs`, and for the raw event log, `ingest.rs`), which
//! replaces it by U+FFFD. The raw event log keeps the
//! event exactly: its JSON spells the character as the escape `\u0000`, which is plain text.

use std::borrow::Cow;

use sentrial_protocol::Event;
use serde_json::Value;

/// What a NUL becomes in a column.
const REPLACEMENT: char = '\u{FFFD}';

/// Makes values storable in PostgreSQL text columns.
pub struct Clean;

impl Clean {
    /// `s` without NULs (borrowed when it has none, which is nearly always).
    pub fn text(s: &str) -> Cow<'_, str> {
        if s.contains('\0') {
            Cow::Owned(s.replace('\0', &REPLACEMENT.to_string()))
        } else {
            Cow::Borrowed(s)
        }
    }

    /// `event` with NULs replaced in every string and object key it holds.
    pub fn event(event: &Event) -> Cow<'_, Event> {
        let Ok(mut value) = serde_json::to_value(event) else {
            return Cow::Borrowed(event);
        };
        if !clean_value(&mut value) {
            return Cow::Borrowed(event);
        }
        match serde_json::from_value(value) {
            Ok(cleaned) => Cow::Owned(cleaned),
            Err(_) => Cow::Borrowed(event),
        }
    }
}

/// Cleans `value` in place; true when anything changed.
fn clean_value(value: &mut Value) -> bool {
    match value {
        Value::String(s) if s.contains('\0') => {
            *s = s.replace('\0', &REPLACEMENT.to_string());
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |c, v| clean_value(v) | c),
        Value::Object(map) => {
            let mut changed = false;
            if map.keys().any(|k| k.contains('\0')) {
                let old = std::mem::take(map);
                for (k, v) in old {
                    map.insert(k.replace('\0', &REPLACEMENT.to_string()), v);
                }
                changed = true;
            }
            map.values_mut().fold(changed, |c, v| clean_value(v) | c)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentrial_protocol::{Payload, SessionInput};

    #[test]
    fn nul_becomes_the_replacement_character_everywhere() {
        assert_eq!(Clean::text("a\0b"), "a\u{FFFD}b");
        assert!(matches!(Clean::text("plain"), Cow::Borrowed(_)));
        let ev = Event {
            id: "e\0".into(),
            session_id: "s".into(),
            ts: 1,
            payload: Payload::SessionInput(SessionInput {
                turn: 0,
                text: "x\0y".into(),
                ..Default::default()
            }),
        };
        let clean = Clean::event(&ev);
        assert_eq!(clean.id, "e\u{FFFD}");
        match &clean.payload {
            Payload::SessionInput(i) => assert_eq!(i.text, "x\u{FFFD}y"),
            other => panic!("{other:?}"),
        }
    }
}
