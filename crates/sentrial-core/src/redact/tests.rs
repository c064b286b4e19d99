use super::*;
use sentrial_protocol::{Payload, SessionStart, ToolCall};
use serde_json::json;

fn default() -> Redactor {
    Redactor::new(&RedactConfig::default(), Privacy::Full).unwrap()
}

fn event(kind: &str, data: Value) -> Value {
    json!({"id": "e", "session_id": "s", "ts": 1, "type": kind, "data": data})
}

fn applied(r: &Redactor, kind: &str, data: Value) -> Value {
    let mut ev = event(kind, data);
    r.apply_event(&mut ev);
    ev["data"].take()
}

const ANT: &str = "sk-ant-api03-FAKEfake0123456789abcdefghijklmnop";
const GH: &str = "ghp_FAKEfake0123456789abcdefghijklmnopqr";

#[test]
fn secrets_anywhere_in_a_tool_call_become_markers() {
    let data = applied(
        &default(),
        "tool_call",
        json!({
            "tool_use_id": "toolu_1", "tool_name": "Bash", "seq": 0, "status": "success",
            "input": {"command": format!("curl -H 'x-api-key: {ANT}' https://api"), "env": {"GITHUB_TOKEN": GH}},
            "output": {"stdout": format!("ANTHROPIC_API_KEY={ANT}\nDB_PASSWORD=FAKEhunter2\n"), "stderr": ""},
            "error": null, "duration_ms": 12
        }),
    );
    let text = data.to_string();
    assert!(!text.contains("FAKEfake0123456789"), "{text}");
    assert!(!text.contains("FAKEhunter2"), "{text}");
    assert_eq!(data["input"]["env"]["GITHUB_TOKEN"], "[REDACTED:token]");
    assert_eq!(
        data["output"]["stdout"],
        "ANTHROPIC_API_KEY=[REDACTED:anthropic_key]\nDB_PASSWORD=[REDACTED:secret_value]\n"
    );
    assert_eq!(data["tool_use_id"], "toolu_1");
    assert_eq!(data["duration_ms"], 12);
    assert_eq!(data["output"]["stderr"], "");
}

#[test]
fn key_rules_reach_nested_objects_and_arrays_but_not_numbers() {
    let data = applied(
        &default(),
        "session_start",
        json!({"agent": "a", "user_id": "u", "started_at": 1, "metadata": {
            "deploy": {"credentials": {"user": "bob", "pass": "FAKEpw"}, "tokens": ["t1"]},
            "headers": [{"Authorization": "Basic FAKE"}, {"Cookie": "sid=FAKE"}],
            "token": 123456, "max_tokens": 4096, "apiKeySource": "user"
        }}),
    );
    let m = &data["metadata"];
    assert_eq!(
        m["deploy"]["credentials"],
        json!({"user": "[REDACTED:credentials]", "pass": "[REDACTED:credentials]"})
    );
    assert_eq!(m["deploy"]["tokens"], json!(["t1"]));
    assert_eq!(m["headers"][0]["Authorization"], "[REDACTED:authorization]");
    assert_eq!(m["headers"][1]["Cookie"], "[REDACTED:cookie]");
    assert_eq!(m["token"], 123456);
    assert_eq!(m["max_tokens"], 4096);
    assert_eq!(m["apiKeySource"], "user");
}

#[test]
fn usage_figures_are_never_touched() {
    let usage = json!({"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30,
        "cache_read_tokens": 0, "cache_creation_tokens": 0, "cost_usd": 0.5, "cost_estimated": false,
        "by_model": {"claude-sonnet-4-5": {"input_tokens": 10, "output_tokens": 20,
        "cache_read_tokens": 0, "cache_creation_tokens": 0, "cost_usd": 0.5}}});
    let data = json!({"index": 0, "subtype": "success", "is_error": false, "output": "done",
        "duration_ms": 5, "usage": usage});
    assert_eq!(applied(&default(), "session_result", data.clone()), data);
}

#[test]
fn object_keys_that_are_secrets_are_redacted() {
    let data = applied(&default(), "tool_call", json!({"output": {GH: "x"}}));
    assert_eq!(data["output"], json!({"[REDACTED:github_token]": "x"}));
}

#[test]
fn a_50_mb_output_is_capped_with_its_original_size_and_a_secret_on_the_cut_is_removed() {
    // The secret straddles the cap: it must not survive as a prefix.
    let mut big = "x".repeat(MAX_TEXT_BYTES - 10);
    big.push_str(ANT);
    big.push_str(&"y".repeat(50 * 1024 * 1024 - big.len()));
    let data = applied(&default(), "tool_call", json!({"output": big}));
    let out = data["output"].as_str().unwrap();
    assert!(
        out.ends_with("…[truncated by sentrial: 52428800 bytes]"),
        "{}",
        &out[out.len() - 60..]
    );
    assert!(!out.contains("sk-ant"), "a prefix of the key leaked");
    assert!(out.len() <= MAX_TEXT_BYTES + 64, "{}", out.len());
    // Strings under the cap are kept whole.
    let data = applied(
        &default(),
        "tool_call",
        json!({"output": "z".repeat(MAX_TEXT_BYTES)}),
    );
    assert_eq!(data["output"].as_str().unwrap().len(), MAX_TEXT_BYTES);
}

#[test]
fn the_cap_applies_even_with_redaction_off() {
    let off = Redactor::new(
        &RedactConfig {
            pii: None,
            enabled: false,
            patterns: vec![],
        },
        Privacy::Full,
    )
    .unwrap();
    let data = applied(
        &off,
        "tool_call",
        json!({"input": {"password": "FAKEkept"}, "output": "q".repeat(MAX_TEXT_BYTES * 2)}),
    );
    assert_eq!(data["input"]["password"], "FAKEkept");
    assert!(data["output"].as_str().unwrap().ends_with(&format!(
        "[truncated by sentrial: {} bytes]",
        MAX_TEXT_BYTES * 2
    )));
}

#[test]
fn user_patterns_run_first_with_their_name_and_bad_ones_are_refused() {
    let r = Redactor::new(
        &RedactConfig {
            pii: None,
            enabled: true,
            patterns: vec![
                ("employee_id".into(), r"EMP-\d{6}".into()),
                ("".into(), r"(?i)internal-([a-z]+)".into()),
            ],
        },
        Privacy::Full,
    )
    .unwrap();
    assert_eq!(
        r.redact_text("ask EMP-123456 about Internal-Phoenix")
            .unwrap(),
        "ask [REDACTED:employee_id] about Internal-[REDACTED:custom]"
    );
    let err = Redactor::new(
        &RedactConfig {
            pii: None,
            enabled: true,
            patterns: vec![("x".into(), "(?<=a)b".into())],
        },
        Privacy::Full,
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().starts_with("invalid redact pattern"),
        "{err}"
    );
}

#[test]
fn privacy_modes_blank_their_fields_and_keep_the_figures() {
    let tool = json!({"tool_use_id": "t", "tool_name": "Read", "seq": 0, "status": "error",
        "input": {"file_path": "/etc/x"}, "output": "contents", "error": "EACCES", "duration_ms": 3});
    let start = json!({"agent": "a", "user_id": "u", "input": "the prompt", "metadata": {"k": "v"}, "started_at": 1});
    let end = json!({"status": "failed", "failure_reason": "error_during_execution: it said stuff",
        "output": "final", "ended_at": 2, "duration_ms": 1, "usage": {"total_tokens": 7}, "results": 1});
    let run = |p: Privacy, kind: &str, data: &Value| {
        applied(
            &Redactor::new(&RedactConfig::default(), p).unwrap(),
            kind,
            data.clone(),
        )
    };

    let t = run(Privacy::NoInputs, "tool_call", &tool);
    assert_eq!(
        (t["input"].clone(), t["output"].clone()),
        (Value::Null, json!("contents"))
    );
    assert_eq!(
        run(Privacy::NoInputs, "session_start", &start)["input"],
        Value::Null
    );
    assert_eq!(
        run(
            Privacy::NoInputs,
            "session_input",
            &json!({"turn": 0, "text": "hi"})
        )["text"],
        ""
    );

    let t = run(Privacy::NoOutputs, "tool_call", &tool);
    assert_eq!(t["input"]["file_path"], "/etc/x");
    assert_eq!(
        (t["output"].clone(), t["error"].clone()),
        (Value::Null, Value::Null)
    );
    let e = run(Privacy::NoOutputs, "session_end", &end);
    assert_eq!(
        (e["output"].clone(), e["failure_reason"].clone()),
        (Value::Null, json!("error_during_execution"))
    );
    assert_eq!(
        run(Privacy::NoOutputs, "session_start", &start)["input"],
        "the prompt"
    );

    let t = run(Privacy::MetadataOnly, "tool_call", &tool);
    assert_eq!(
        (t["input"].clone(), t["output"].clone(), t["error"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(
        (
            t["tool_name"].clone(),
            t["status"].clone(),
            t["duration_ms"].clone()
        ),
        (json!("Read"), json!("error"), json!(3))
    );
    let s = run(Privacy::MetadataOnly, "session_start", &start);
    assert_eq!(
        (
            s["input"].clone(),
            s["metadata"].clone(),
            s["agent"].clone()
        ),
        (Value::Null, json!({}), json!("a"))
    );
    assert_eq!(
        run(Privacy::MetadataOnly, "session_end", &end)["usage"]["total_tokens"],
        7
    );
    // The modes' names (and the refusal of an unknown one) are the binding's PrivacyMode:
    // __test__/native-enums.test.mjs.
}

#[test]
fn privacy_modes_reach_the_transcript_markers_and_changed_inputs() {
    let call = json!({"message_id": "m", "model": "claude", "input_tokens": 1, "output_tokens": 2,
        "cache_read_tokens": 0, "cache_creation_tokens": 0, "started_at": 1, "ended_at": 2,
        "content": [{"type": "thinking", "thinking": "secret plan"}, {"type": "redacted_thinking"},
                    {"type": "text", "text": "I will look"}, {"type": "tool_use", "id": "t", "name": "Bash"},
                    {"type": "omitted", "kind": "text", "bytes": 9}]});
    let marker = json!({"position": 3, "kind": "api_error", "at": 1,
        "data": {"status": 529, "error": "overloaded", "message": "API Error: 529 the prompt said x"}});
    let tool = json!({"tool_use_id": "t", "tool_name": "Bash", "seq": 0, "status": "success",
        "input": {"command": "rm -rf /"}, "updated_input": {"command": "echo safe"}, "output": "safe"});
    let run = |p: Privacy, kind: &str, data: &Value| {
        applied(
            &Redactor::new(&RedactConfig::default(), p).unwrap(),
            kind,
            data.clone(),
        )
    };
    for p in [Privacy::Full, Privacy::NoInputs] {
        assert_eq!(
            run(p, "model_call", &call)["content"],
            call["content"],
            "{p:?}"
        );
        assert_eq!(run(p, "marker", &marker)["data"], marker["data"], "{p:?}");
    }
    for p in [Privacy::NoOutputs, Privacy::MetadataOnly] {
        let kept = run(p, "model_call", &call);
        assert_eq!(
            kept["content"],
            json!([{"type": "redacted_thinking"}, {"type": "tool_use", "id": "t", "name": "Bash"}]),
            "{p:?}"
        );
        assert_eq!(kept["output_tokens"], 2);
        assert_eq!(
            run(p, "marker", &marker)["data"],
            json!({"status": 529, "error": "overloaded"}),
            "{p:?}"
        );
    }
    for p in [Privacy::NoInputs, Privacy::MetadataOnly] {
        let t = run(p, "tool_call", &tool);
        assert_eq!(
            (t["input"].clone(), t["updated_input"].clone()),
            (Value::Null, Value::Null)
        );
    }
    assert_eq!(
        run(Privacy::NoOutputs, "tool_call", &tool)["updated_input"],
        json!({"command": "echo safe"})
    );
}

#[test]
fn event_json_serializes_typed_events_and_they_still_decode() {
    let r = default();
    let ev = Event {
        id: "e1".into(),
        session_id: "s1".into(),
        ts: 5,
        payload: Payload::ToolCall(ToolCall {
            tool_use_id: "t".into(),
            tool_name: "Bash".into(),
            input: json!({"command": format!("echo {GH}")}),
            ..Default::default()
        }),
    };
    let json = r.event_json(&ev).unwrap();
    let back: Event = serde_json::from_slice(&json).unwrap();
    let Payload::ToolCall(call) = back.payload else {
        panic!()
    };
    assert_eq!(call.input["command"], "echo [REDACTED:github_token]");
    let start = Event {
        id: "e0".into(),
        session_id: "s1".into(),
        ts: 1,
        payload: Payload::SessionStart(SessionStart {
            input: Some(format!("my key is {ANT}")),
            ..Default::default()
        }),
    };
    let back: Event = serde_json::from_slice(&r.event_json(&start).unwrap()).unwrap();
    let Payload::SessionStart(s) = back.payload else {
        panic!()
    };
    assert_eq!(
        s.input.as_deref(),
        Some("my key is [REDACTED:anthropic_key]")
    );
}

#[test]
fn scrub_for_log_redacts_and_bounds() {
    let line = Redactor::scrub_for_log(
        &format!(
            "events[0]: invalid type: string \"{ANT}\"{}",
            "p".repeat(1000)
        ),
        200,
    );
    assert!(!line.contains("FAKEfake"), "{line}");
    assert!(line.contains("[REDACTED:anthropic_key]"));
    assert!(line.len() < 300);
}

/// `\w`, `\d` and `(?i)` in a user's pattern know every script (the addon carries Unicode's Perl
/// classes and case folding; that it refuses property classes is tested on the addon itself, in
/// `__test__/security.test.mjs`, as test builds link them in through proptest).
#[test]
fn user_patterns_are_unicode_aware() {
    let config = RedactConfig {
        pii: None,
        enabled: true,
        patterns: vec![("name".into(), r"(?i)ΚΩΔΙΚΟΣ-\w+-\d+".into())],
    };
    let r = Redactor::new(&config, Privacy::Full).unwrap();
    assert_eq!(
        r.redact_text("see κωδικος-αβγ-٣٤ now").unwrap(),
        "see [REDACTED:name] now"
    );
}

#[test]
fn privacy_modes_reach_what_a_manual_session_reports() {
    let run = |p: Privacy, kind: &str, data: Value| {
        applied(
            &Redactor::new(&RedactConfig::default(), p).unwrap(),
            kind,
            data,
        )
    };
    let llm = json!({"call_id": "c", "position": 0, "model": "m", "input": "the prompt",
        "output": "the answer", "input_tokens": 5, "started_at": 1, "ended_at": 2});
    let l = run(Privacy::NoInputs, "llm_call", llm.clone());
    assert_eq!(
        (l.get("input"), l["output"].clone()),
        (None, json!("the answer"))
    );
    let l = run(Privacy::NoOutputs, "llm_call", llm.clone());
    assert_eq!(
        (l["input"].clone(), l.get("output")),
        (json!("the prompt"), None)
    );
    assert_eq!(
        run(Privacy::MetadataOnly, "llm_call", llm)["input_tokens"],
        5
    );

    let decision = json!({"position": 1, "at": 3, "reasoning": "secret plan",
        "alternatives": ["a"], "chosen": "a"});
    assert_eq!(
        run(Privacy::NoOutputs, "decision", decision.clone()),
        json!({"position": 1, "at": 3, "reasoning": ""})
    );
    assert_eq!(run(Privacy::NoInputs, "decision", decision)["chosen"], "a");

    let error = json!({"position": 2, "at": 4, "message": "user bob@x.io not found",
        "error_type": "NotFound", "stack": "at f", "context": {"user": "bob"}});
    assert_eq!(
        run(Privacy::MetadataOnly, "error", error),
        json!({"position": 2, "at": 4, "message": "", "error_type": "NotFound"})
    );
    let tool = json!({"tool_use_id": "t", "tool_name": "book", "seq": 0, "status": "success",
        "reasoning": "the user asked"});
    assert_eq!(
        run(Privacy::NoOutputs, "tool_call", tool).get("reasoning"),
        None
    );
}
