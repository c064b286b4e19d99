//! Property tests (proptest) of what the core reads from the host: SDK messages, hook payloads and
//! user turns of any shape (as a future SDK, a bug or an attacker might send them) never panic the
//! session state machine, and every event it makes, once redacted, is one the collector accepts.
//! The redactor never panics on any text and removes a known secret wherever it sits.
//!
//! Case counts: `PROPTEST_CASES` when set, else the figure in each `config(..)` below.

use proptest::prelude::*;
use proptest::sample::select;
use sentrial_core::redact::{
    PiiConfig, PiiKind, PiiMode, Privacy, RedactConfig, Redactor, MAX_TEXT_BYTES,
};
use sentrial_core::session::{Ending, SessionInit, SessionState};
use sentrial_protocol::{Event, Payload};
use serde_json::{Map, Value};
use std::sync::OnceLock;

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    // A fixed seed unless PROPTEST_RNG_SEED says otherwise, so CI runs the same cases each time.
    let rng_seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(proptest::test_runner::RngSeed::Fixed(20261124), |n| {
            proptest::test_runner::RngSeed::Fixed(n)
        });
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed,
        ..ProptestConfig::default()
    }
}

/// Field names the SDK uses, so generated objects reach deep into the readers.
const KEYS: &[&str] = &[
    "type",
    "subtype",
    "message",
    "content",
    "id",
    "name",
    "input",
    "text",
    "tool_use_id",
    "is_error",
    "result",
    "usage",
    "modelUsage",
    "total_cost_usd",
    "duration_ms",
    "duration_api_ms",
    "num_turns",
    "session_id",
    "model",
    "parent_tool_use_id",
    "errors",
    "hook_event_name",
    "tool_name",
    "tool_input",
    "tool_response",
    "error",
    "is_interrupt",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "inputTokens",
    "outputTokens",
    "costUSD",
    "permission_denials",
    "stop_reason",
    "role",
];

/// String values the SDK uses.
const WORDS: &[&str] = &[
    "system",
    "init",
    "assistant",
    "user",
    "result",
    "success",
    "error_max_turns",
    "error_during_execution",
    "tool_use",
    "tool_result",
    "text",
    "thinking",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "Bash",
    "Read",
    "Task",
    "toolu_1",
    "toolu_2",
    "toolu_3",
    "claude-sonnet-4-5",
    "claude-opus-4-1",
    "permission_denied",
    "",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        select(WORDS).prop_map(|w| Value::String(w.into())),
        any::<String>().prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => select(KEYS).prop_map(String::from), 1 => any::<String>()]
}

/// An object with a `type` (messages) or a `hook_event_name` (hooks) and SDK-like fields.
fn shaped(tag: &'static str, tags: &'static [&'static str]) -> impl Strategy<Value = Value> {
    (
        select(tags),
        prop::collection::vec((key(), json()), 0..10),
        any::<bool>(),
    )
        .prop_map(move |(t, fields, with_id)| {
            let mut m: Map<String, Value> = fields.into_iter().collect();
            m.insert(tag.into(), Value::String(t.into()));
            if with_id {
                m.insert("tool_use_id".into(), Value::String("toolu_1".into()));
            }
            Value::Object(m)
        })
}

#[derive(Debug, Clone)]
enum Input {
    Message(Value),
    Hook(Value),
    Turn(String),
    Interrupting,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => shaped("type", &["system", "assistant", "user", "result", "stream_event", "future"]).prop_map(Input::Message),
        2 => shaped("hook_event_name", &["PreToolUse", "PostToolUse", "PostToolUseFailure", "Stop"]).prop_map(Input::Hook),
        2 => json().prop_map(Input::Message),
        1 => json().prop_map(Input::Hook),
        1 => any::<String>().prop_map(Input::Turn),
        1 => Just(Input::Interrupting),
    ]
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        Just(Ending::Done),
        Just(Ending::Stopped),
        Just(Ending::Interrupted),
        (any::<String>(), any::<bool>())
            .prop_map(|(message, aborted)| Ending::Threw { message, aborted }),
    ]
}

/// One redactor per privacy mode, built once (compiling the patterns is the costly part).
fn redactor(privacy: Privacy) -> &'static Redactor {
    static ALL: OnceLock<Vec<(Privacy, Redactor)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        [
            Privacy::Full,
            Privacy::NoInputs,
            Privacy::NoOutputs,
            Privacy::MetadataOnly,
        ]
        .into_iter()
        .map(|p| (p, Redactor::new(&RedactConfig::default(), p).unwrap()))
        .collect()
    });
    &all.iter().find(|(p, _)| *p == privacy).unwrap().1
}

proptest! {
    #![proptest_config(config(2000))]

    /// Any inputs in any order, then an end: no panic, a start first and an end last, and every
    /// event, redacted and serialized, decodes as the protocol's `Event` (the collector takes it).
    #[test]
    fn session_state_takes_anything(
        inputs in prop::collection::vec(input(), 0..16),
        ends in ending(),
        privacy in select(&[Privacy::Full, Privacy::NoInputs, Privacy::NoOutputs, Privacy::MetadataOnly][..]),
        metadata in json(),
    ) {
        let metadata = match metadata { Value::Object(m) => m, _ => Map::new() };
        let mut state = SessionState::new(SessionInit {
            agent: "fuzz".into(),
            user_id: "u".into(),
            metadata,
            input: Some("prompt".into()),
            started_at: 1_700_000_000_000,
            ..Default::default()
        });
        let mut out = Vec::new();
        let mut now = 1_700_000_000_000;
        for i in inputs {
            now += 7;
            match i {
                Input::Message(v) => state.on_message(v, now, &mut out),
                Input::Hook(v) => state.on_hook(v, now, &mut out),
                Input::Turn(t) => state.on_user_turn(t, &mut out),
                Input::Interrupting => state.interrupting(),
            }
        }
        state.finish(ends, now + 1, &mut out);
        prop_assert!(matches!(out.first(), Some(Payload::SessionStart(_))));
        prop_assert!(matches!(out.last(), Some(Payload::SessionEnd(_))));
        let r = redactor(privacy);
        for payload in out {
            let ev = Event { id: "e".into(), session_id: "s".into(), ts: now, payload };
            let json = r.event_json(&ev).unwrap();
            let back: Result<Event, _> = serde_json::from_slice(&json);
            prop_assert!(back.is_ok(), "{:?}: {}", back.err(), String::from_utf8_lossy(&json));
        }
    }

    /// Text the lenient reader gets (what JSON.stringify may write, or garbage): no panic.
    #[test]
    fn the_json_reader_takes_any_text(text in any::<String>(), v in json()) {
        let _ = sentrial_core::json::parse(&text);
        let written = serde_json::to_string(&v).unwrap();
        prop_assert_eq!(sentrial_core::json::parse(&written).unwrap(), v);
    }
}

/// Fake keys in the providers' formats, as the secret property inserts them.
const SECRETS: &[&str] = &[
    "sk-ant-api03-FAKEfake0123456789abcdefghijklmnop",
    "sk-proj-FAKEfake0123456789_abcdefghijklmnop",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_FAKEfake0123456789abcdefghijklmnopqr",
    "github_pat_11AAAAAAA0FAKEfake0123_abcdefghijklmnopqrstuvwxyz",
    "xoxb-0000000000-0000000000000-FAKEfakeFAKE",
    "sk_live_FAKEfake0123456789abcdef",
    "AIzaSyFAKE_fake-0123456789abcdefghijklm",
    "ya29.a0FAKEfake0123456789abcdefghij",
    "npm_FAKEfake0123456789abcdefghijklmnopqr",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.FAKEsig_0123456789",
    "hf_FAKEfake0123456789abcdefghijklmnop",
    "glpat-FAKEfake0123456789ab",
];

proptest! {
    #![proptest_config(config(5000))]

    /// Any text: no panic, and a result no longer than the cap plus its marker.
    #[test]
    fn the_redactor_takes_any_text(text in any::<String>()) {
        let r = redactor(Privacy::Full);
        let mut v = Value::String(text.clone());
        r.apply(&mut v);
        prop_assert!(v.as_str().unwrap().len() <= text.len().max(MAX_TEXT_BYTES + 64) + 64);
        let _ = r.redact_text(&text);
    }

    /// A known secret between any two texts (separated by whitespace) never survives, in a
    /// string value or as an object key.
    #[test]
    fn a_secret_anywhere_is_removed(
        before in any::<String>(),
        after in any::<String>(),
        secret in select(SECRETS),
        sep in select(&[" ", "\n", "\t", "\"", "="][..]),
    ) {
        let r = redactor(Privacy::Full);
        let text = format!("{before}{sep}{secret}{sep}{after}");
        let mut v = serde_json::json!({"output": text.clone(), "nested": [{(text.clone()): 1}]});
        r.apply(&mut v);
        let out = v.to_string();
        prop_assert!(!out.contains(secret), "{} survived in {}", secret, out);
    }
}

/// Every PII kind on, hash mode.
fn pii_redactor() -> &'static Redactor {
    static PII: OnceLock<Redactor> = OnceLock::new();
    PII.get_or_init(|| {
        let pii = PiiConfig {
            kinds: PiiKind::ALL.to_vec(),
            mode: PiiMode::Hash,
            hash_key: Some(b"fuzz".to_vec()),
        };
        let config = RedactConfig {
            pii: Some(pii),
            ..RedactConfig::default()
        };
        Redactor::new(&config, Privacy::Full).unwrap()
    })
}

/// PII values of every kind (made up; the cards are the networks' test numbers).
const PII: &[&str] = &[
    "jane.doe@example.com",
    "(415) 555-0123",
    "+44 20 7946 0958",
    "4111 1111 1111 1111",
    "378282246310005",
    "123-45-6789",
    "192.168.1.20",
    "2001:db8::8a2e:370:7334",
];

proptest! {
    #![proptest_config(config(3000))]

    /// Any text, and text made of the characters PII is written with: no panic, and what comes
    /// out has nothing left to redact (a hash's digits are never taken for a number).
    #[test]
    fn the_pii_redactor_takes_any_text(
        text in prop_oneof![any::<String>(), "[0-9 .:+()@a-fx\\-\\[\\]]{0,80}"],
    ) {
        let r = pii_redactor();
        let mut v = Value::String(text.clone());
        r.apply(&mut v);
        let out = v.as_str().unwrap();
        prop_assert_eq!(r.redact_text(out), None, "{:?} -> {:?}", text, out);
    }

    /// A PII value between any two texts (separated by whitespace or a quote) never survives.
    #[test]
    fn a_pii_value_anywhere_is_removed(
        before in any::<String>(),
        after in any::<String>(),
        value in select(PII),
        sep in select(&[" ", "\n", "\t", "\""][..]),
    ) {
        let text = format!("{before}{sep}{value}{sep}{after}");
        let mut v = serde_json::json!({"output": text.clone(), "nested": [{(text.clone()): 1}]});
        pii_redactor().apply(&mut v);
        let out = v.to_string();
        prop_assert!(!out.contains(value), "{} survived in {}", value, out);
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// Texts over the cap (any content repeated past 256 KiB): cut, with the marker, no panic.
    #[test]
    fn texts_over_the_cap_are_cut(text in "\\PC{1,64}") {
        let text = text.repeat(MAX_TEXT_BYTES / text.len() + 2);
        let mut v = Value::String(text.clone());
        redactor(Privacy::Full).apply(&mut v);
        let out = v.as_str().unwrap();
        prop_assert!(out.len() <= MAX_TEXT_BYTES + 64);
        let marker = format!("[truncated by sentrial: {} bytes]", text.len());
        prop_assert!(out.ends_with(&marker), "{}", &out[out.len().saturating_sub(80)..]);
    }
}
