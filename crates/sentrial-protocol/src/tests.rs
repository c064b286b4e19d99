use super::*;

#[test]
fn event_round_trips_with_type_and_data() {
    let ev = Event {
        id: "0190-a".into(),
        session_id: "s1".into(),
        ts: 42,
        payload: Payload::SessionInput(SessionInput {
            turn: 1,
            text: "hi".into(),
            position: Some(3),
        }),
    };
    let json = serde_json::to_value(&ev).unwrap();
    assert_eq!(json["type"], "session_input");
    assert_eq!(json["data"]["text"], "hi");
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back, ev);
}

#[test]
fn unknown_event_type_is_an_error() {
    let err = serde_json::from_str::<Event>(
        r#"{"id":"a","session_id":"s","ts":1,"type":"nope","data":{}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown variant"), "{err}");
}

#[test]
fn blocks_round_trip_and_an_unknown_kind_is_kept_as_unknown() {
    let blocks = vec![
        Block::Text { text: "hi".into() },
        Block::Thinking {
            thinking: "hmm".into(),
        },
        Block::RedactedThinking,
        Block::ToolUse {
            id: "toolu_1".into(),
            name: "Bash".into(),
        },
        Block::Omitted {
            kind: "text".into(),
            bytes: 9,
        },
        Block::Unsupported {
            kind: "image".into(),
        },
    ];
    let json = serde_json::to_string(&blocks).unwrap();
    assert!(json.contains(r#"{"type":"redacted_thinking"}"#), "{json}");
    let back: Vec<Block> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, blocks);
    let newer: Vec<Block> = serde_json::from_str(r#"[{"type":"hologram","depth":3}]"#).unwrap();
    assert_eq!(newer, vec![Block::Unknown]);
}

#[test]
fn mcp_tool_names_name_their_server() {
    assert_eq!(ToolCall::mcp_server_of("mcp__calc__add"), Some("calc"));
    assert_eq!(
        ToolCall::mcp_server_of("mcp__my-server__do__it"),
        Some("my-server")
    );
    for plain in ["Bash", "mcp__", "mcp__calc", "mcp____add", "mcp__calc__"] {
        assert_eq!(ToolCall::mcp_server_of(plain), None, "{plain}");
    }
}

#[test]
fn new_fields_are_optional_on_the_wire() {
    // An event of an SDK that predates them still reads, with the defaults.
    let call: ToolCall =
        serde_json::from_str(r#"{"tool_use_id":"t","tool_name":"Bash","seq":0,"status":"denied"}"#)
            .unwrap();
    assert_eq!(
        (call.updated_input, call.denied_by, call.position),
        (None, None, None)
    );
    let end: SessionEnd = serde_json::from_str(
            r#"{"status":"failed","ended_at":1,"duration_ms":0,"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0,"cache_read_tokens":0,"cache_creation_tokens":0,"cost_usd":0},"results":0}"#,
        )
        .unwrap();
    assert_eq!((end.end_reason, end.carried), (None, None));
}

#[test]
fn a_score_round_trips_with_each_kind_of_value_and_is_checked() {
    let json = r#"{"id":"e","session_id":"claude-1","ts":5,"type":"score","data":
        {"name":"helpful","value":true,"source":"sdk","at":4,"of":"claude_session"}}"#;
    let ev: Event = serde_json::from_str(json).unwrap();
    let Payload::Score(s) = &ev.payload else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (s.of, s.value.number(), s.value.kind()),
        (ScoreOf::ClaudeSession, Some(1.0), "boolean")
    );
    assert_eq!(s.problem(), None);
    let back: Event = serde_json::from_value(serde_json::to_value(&ev).unwrap()).unwrap();
    assert_eq!(back, ev);
    for (value, kind) in [("0.5", "number"), ("\"good\"", "label")] {
        let v: ScoreValue = serde_json::from_str(value).unwrap();
        assert_eq!(v.kind(), kind);
    }
    let bad = |f: &dyn Fn(&mut Score)| {
        let mut s = s.clone();
        f(&mut s);
        s.problem().unwrap()
    };
    assert!(bad(&|s| s.name = " ".into()).contains("`name`"));
    assert!(bad(&|s| s.value = ScoreValue::Number(f64::NAN)).contains("finite"));
    assert!(bad(&|s| s.value = ScoreValue::Label(String::new())).contains("label"));
    assert!(bad(&|s| s.source = "me".into()).contains("`source`"));
    assert!(bad(&|s| s.comment = Some("x".repeat(SCORE_COMMENT_MAX + 1))).contains("`comment`"));
    assert!(serde_json::from_str::<ScoreValue>("{}").is_err());
}

#[test]
fn manual_events_round_trip_with_their_types() {
    let events = [
        Payload::Decision(Decision {
            position: 2,
            at: 5,
            reasoning: "cheaper".into(),
            alternatives: vec!["a".into(), "b".into()],
            chosen: Some("b".into()),
        }),
        Payload::Error(SessionError {
            position: 3,
            at: 6,
            message: "boom".into(),
            error_type: Some("TypeError".into()),
            ..Default::default()
        }),
        Payload::LlmCall(LlmCall {
            call_id: "c1".into(),
            model: "gpt-4o".into(),
            input_tokens: 10,
            cost_usd: Some(0.5),
            ..Default::default()
        }),
    ];
    for (payload, kind) in events.into_iter().zip(["decision", "error", "llm_call"]) {
        let ev = Event {
            id: "e".into(),
            session_id: "s".into(),
            ts: 1,
            payload,
        };
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["type"], kind);
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), ev);
    }
}

#[test]
fn a_metric_needs_a_name_and_a_finite_value() {
    assert_eq!(metric_problem("satisfaction", 4.0), None);
    assert!(metric_problem("", 1.0).unwrap().contains("1 to 100"));
    assert!(metric_problem(&"x".repeat(101), 1.0).is_some());
    assert!(metric_problem("x", f64::NAN).unwrap().contains("finite"));
}

#[test]
fn a_batch_is_the_version_of_its_newest_kind_of_event() {
    assert_eq!(protocol_of_type("tool_call"), PROTOCOL_VERSION);
    assert_eq!(protocol_of_type("score"), SCORE_PROTOCOL_VERSION);
    for kind in ["decision", "error", "llm_call"] {
        assert_eq!(protocol_of_type(kind), MANUAL_PROTOCOL_VERSION);
    }
    let end = Payload::SessionEnd(SessionEnd::default());
    assert_eq!(end.type_name(), "session_end");
}
