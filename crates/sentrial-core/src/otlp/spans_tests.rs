use super::*;
use opentelemetry_proto::tonic::common::v1::{any_value::Value as V, AnyValue, ArrayValue};
use sentrial_protocol::{Block, LlmCall, SessionInput, Subagent, Usage};
use serde_json::json;
use std::collections::BTreeMap;

const SID: &str = "01937a3e-5f2b-7c4d-8e9f-0a1b2c3d4e5f";
const T0: i64 = 1_700_000_000_000;

fn ev(ts: i64, payload: Payload) -> Event {
    Event {
        id: format!("e-{ts}"),
        session_id: SID.into(),
        ts,
        payload,
    }
}

fn start() -> SessionStart {
    SessionStart {
        agent: "support-bot".into(),
        user_id: "user-7".into(),
        convo_id: Some("convo-9".into()),
        claude_session_id: Some("claude-abc".into()),
        model: Some("claude-sonnet-4-5".into()),
        input: Some("What is 2+2?".into()),
        metadata: json!({"env": "test", "n": 1}).as_object().unwrap().clone(),
        started_at: T0,
        ..Default::default()
    }
}

fn end(status: SessionStatus, reason: Option<&str>) -> SessionEnd {
    SessionEnd {
        status,
        failure_reason: reason.map(str::to_owned),
        output: Some("4".into()),
        ended_at: T0 + 2_500,
        duration_ms: 2_400,
        api_duration_ms: Some(1_800),
        num_turns: Some(3),
        usage: Usage {
            prompt_tokens: 3,
            completion_tokens: 42,
            total_tokens: 195,
            cache_read_tokens: 100,
            cache_creation_tokens: 50,
            cost_usd: 0.0123,
            ..Default::default()
        },
        results: 1,
        reconciliation: None,
        ..Default::default()
    }
}

/// The spans `events` make, in order.
fn run(events: Vec<Event>) -> Vec<Span> {
    let mut b = SpanBuilder::default();
    let mut out = Vec::new();
    for e in &events {
        assert!(b.event(e, &mut out));
    }
    assert_eq!(
        b.open_sessions(),
        0,
        "a session's state must go with its end"
    );
    out
}

fn attrs(span: &Span) -> BTreeMap<String, V> {
    let mut map = BTreeMap::new();
    for kv in &span.attributes {
        let v = kv.value.clone().and_then(|v| v.value).expect("a value");
        assert!(map.insert(kv.key.clone(), v).is_none(), "{} twice", kv.key);
    }
    map
}

fn s(v: &str) -> V {
    V::StringValue(v.into())
}

fn i(v: i64) -> V {
    V::IntValue(v)
}

fn strings(values: &[&str]) -> V {
    V::ArrayValue(ArrayValue {
        values: values
            .iter()
            .map(|v| AnyValue { value: Some(s(v)) })
            .collect(),
    })
}

fn by_name<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name}"))
}

fn model(id: &str, parent: Option<&str>) -> ModelCall {
    ModelCall {
        message_id: id.into(),
        model: "claude-sonnet-4-5".into(),
        stop_reason: Some("tool_use".into()),
        input_tokens: 3,
        output_tokens: 20,
        cache_read_tokens: 100,
        cache_creation_tokens: 50,
        parent_tool_use_id: parent.map(str::to_owned),
        started_at: T0 + 100,
        ended_at: T0 + 900,
        ..Default::default()
    }
}

fn tool(id: &str, name: &str, seq: u32, parent: Option<&str>) -> ToolCall {
    ToolCall {
        tool_use_id: id.into(),
        tool_name: name.into(),
        seq,
        status: ToolStatus::Success,
        input: json!({"command": "echo hi"}),
        output: json!({"stdout": "hi"}),
        error: None,
        duration_ms: Some(7),
        parent_tool_use_id: parent.map(str::to_owned),
        started_at: Some(T0 + 1_000),
        ended_at: Some(T0 + 1_200),
        ..Default::default()
    }
}

#[test]
fn a_session_is_an_invoke_agent_span_with_every_attribute() {
    let spans = run(vec![
        ev(T0, Payload::SessionStart(start())),
        ev(
            T0 + 2_500,
            Payload::SessionEnd(end(SessionStatus::Completed, None)),
        ),
    ]);
    assert_eq!(spans.len(), 1);
    let sp = &spans[0];
    assert_eq!(sp.name, "invoke_agent support-bot");
    assert_eq!(sp.kind, SpanKind::Internal as i32);
    assert_eq!(sp.trace_id, hex("01937a3e5f2b7c4d8e9f0a1b2c3d4e5f"));
    assert_eq!(sp.span_id, otel::session_span_id(SID).to_vec());
    assert!(sp.parent_span_id.is_empty(), "the root of the trace");
    assert_eq!(sp.start_time_unix_nano, 1_700_000_000_000_000_000);
    assert_eq!(sp.end_time_unix_nano, 1_700_000_002_500_000_000);
    assert_eq!(sp.status, Some(Status::default()), "completed: unset");
    let expected: BTreeMap<String, V> = [
        ("gen_ai.operation.name", s("invoke_agent")),
        ("gen_ai.provider.name", s("anthropic")),
        ("gen_ai.agent.name", s("support-bot")),
        ("gen_ai.conversation.id", s("convo-9")),
        ("user.id", s("user-7")),
        ("gen_ai.request.model", s("claude-sonnet-4-5")),
        // prompt 3 + cache read 100 + cache write 50
        ("gen_ai.usage.input_tokens", i(153)),
        ("gen_ai.usage.output_tokens", i(42)),
        ("gen_ai.usage.cache_read.input_tokens", i(100)),
        ("gen_ai.usage.cache_creation.input_tokens", i(50)),
        (
            "gen_ai.input.messages",
            s(r#"[{"role":"user","parts":[{"type":"text","content":"What is 2+2?"}]}]"#),
        ),
        (
            "gen_ai.output.messages",
            s(r#"[{"role":"assistant","parts":[{"type":"text","content":"4"}]}]"#),
        ),
        ("sentrial.session.id", s(SID)),
        ("sentrial.session.status", s("completed")),
        ("sentrial.claude_session_id", s("claude-abc")),
        ("sentrial.metadata", s(r#"{"env":"test","n":1}"#)),
        ("sentrial.cost_usd", V::DoubleValue(0.0123)),
        ("sentrial.api_duration_ms", i(1_800)),
        ("sentrial.num_turns", i(3)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(attrs(sp), expected);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn unknown_fields_are_left_out_not_sent_empty() {
    let bare = SessionStart {
        convo_id: None,
        claude_session_id: None,
        model: None,
        input: None,
        metadata: Default::default(),
        ..start()
    };
    let mut e = end(SessionStatus::Completed, None);
    e.output = None;
    e.api_duration_ms = None;
    e.num_turns = None;
    let spans = run(vec![
        ev(T0, Payload::SessionStart(bare)),
        ev(T0 + 1, Payload::SessionEnd(e)),
    ]);
    let a = attrs(&spans[0]);
    for absent in [
        "gen_ai.conversation.id",
        "gen_ai.request.model",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "sentrial.claude_session_id",
        "sentrial.api_duration_ms",
        "sentrial.num_turns",
    ] {
        assert!(!a.contains_key(absent), "{absent} must be absent");
    }
    assert_eq!(a["sentrial.metadata"], s("{}"));
}

#[test]
fn a_streamed_prompt_is_one_user_message_per_turn_and_a_resent_start_updates() {
    let early = SessionStart {
        input: None,
        model: None,
        claude_session_id: None,
        ..start()
    };
    let turn = |n: u32, text: &str| {
        Payload::SessionInput(SessionInput {
            turn: n,
            text: text.into(),
            ..Default::default()
        })
    };
    let spans = run(vec![
        ev(T0, Payload::SessionStart(early)),
        ev(T0 + 1, turn(0, "first")),
        // The SDK's init arrived after a hook: the start is sent again, fuller.
        ev(
            T0 + 2,
            Payload::SessionStart(SessionStart {
                input: None,
                ..start()
            }),
        ),
        ev(T0 + 3, turn(1, "second")),
        ev(
            T0 + 4,
            Payload::SessionEnd(end(SessionStatus::Completed, None)),
        ),
    ]);
    let a = attrs(&spans[0]);
    assert_eq!(
        a["gen_ai.input.messages"],
        s(concat!(
            r#"[{"role":"user","parts":[{"type":"text","content":"first"}]},"#,
            r#"{"role":"user","parts":[{"type":"text","content":"second"}]}]"#
        ))
    );
    assert_eq!(a["gen_ai.request.model"], s("claude-sonnet-4-5"));
    assert_eq!(a["sentrial.claude_session_id"], s("claude-abc"));
}

#[test]
fn a_model_call_a_manual_session_reported_is_a_chat_span_with_its_cost() {
    let call = |id: &str, model: &str, cost| {
        Payload::LlmCall(LlmCall {
            call_id: id.into(),
            position: 0,
            model: model.into(),
            input_tokens: 1200,
            output_tokens: 300,
            cost_usd: Some(cost),
            output: Some("search flights first".into()),
            started_at: T0 + 100,
            ended_at: T0 + 520,
            ..Default::default()
        })
    };
    let spans = run(vec![
        ev(T0 + 520, call("c1", "gpt-4o", 0.0105)),
        ev(T0 + 600, call("c2", "claude-haiku-4-5", 0.0025)),
    ]);
    let gpt = by_name(&spans, "chat gpt-4o");
    assert_eq!(gpt.span_id, otel::model_span_id(SID, "c1").to_vec());
    assert_eq!(gpt.parent_span_id, otel::session_span_id(SID).to_vec());
    assert_eq!(
        (gpt.start_time_unix_nano, gpt.end_time_unix_nano),
        (nanos(T0 + 100), nanos(T0 + 520))
    );
    let a = attrs(gpt);
    assert_eq!(
        a.get("gen_ai.provider.name"),
        None,
        "nothing says who served gpt-4o"
    );
    assert_eq!(a["gen_ai.usage.input_tokens"], i(1200));
    assert_eq!(a["gen_ai.usage.output_tokens"], i(300));
    assert_eq!(a["sentrial.usage.output_tokens_final"], V::BoolValue(true));
    assert_eq!(a["sentrial.cost_usd"], V::DoubleValue(0.0105));
    assert!(format!("{:?}", a["gen_ai.output.messages"]).contains("search flights first"));
    let claude = attrs(by_name(&spans, "chat claude-haiku-4-5"));
    assert_eq!(claude["gen_ai.provider.name"], s("anthropic"));
}

#[test]
fn a_model_call_is_a_chat_client_span_under_the_session() {
    let spans = run(vec![ev(T0 + 900, Payload::ModelCall(model("msg_1", None)))]);
    let sp = by_name(&spans, "chat claude-sonnet-4-5");
    assert_eq!(sp.kind, SpanKind::Client as i32);
    assert_eq!(sp.trace_id, otel::trace_id(SID).to_vec());
    assert_eq!(sp.span_id, otel::model_span_id(SID, "msg_1").to_vec());
    assert_eq!(sp.parent_span_id, otel::session_span_id(SID).to_vec());
    assert_eq!(sp.start_time_unix_nano, nanos(T0 + 100));
    assert_eq!(sp.end_time_unix_nano, nanos(T0 + 900));
    let expected: BTreeMap<String, V> = [
        ("gen_ai.operation.name", s("chat")),
        ("gen_ai.provider.name", s("anthropic")),
        ("gen_ai.request.model", s("claude-sonnet-4-5")),
        ("gen_ai.response.model", s("claude-sonnet-4-5")),
        ("gen_ai.response.id", s("msg_1")),
        ("gen_ai.response.finish_reasons", strings(&["tool_use"])),
        ("gen_ai.usage.input_tokens", i(153)),
        ("gen_ai.usage.output_tokens", i(20)),
        ("gen_ai.usage.cache_read.input_tokens", i(100)),
        ("gen_ai.usage.cache_creation.input_tokens", i(50)),
        ("sentrial.usage.output_tokens_final", V::BoolValue(false)),
        ("sentrial.session.id", s(SID)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(attrs(sp), expected);

    // What the transcript keeps of it: its place, its final count and time to first token, and
    // its content as GenAI output messages.
    let full = ModelCall {
        output_tokens_final: true,
        ttft_ms: Some(87),
        position: Some(4),
        content: vec![
            Block::Thinking {
                thinking: "plan".into(),
            },
            Block::Text { text: "ok".into() },
        ],
        ..model("msg_3", None)
    };
    let spans = run(vec![ev(T0, Payload::ModelCall(full))]);
    let a = attrs(&spans[0]);
    assert_eq!(a["sentrial.usage.output_tokens_final"], V::BoolValue(true));
    assert_eq!(a["sentrial.ttft_ms"], i(87));
    assert_eq!(a["sentrial.position"], i(4));
    assert_eq!(
        a["gen_ai.output.messages"],
        s(
            r#"[{"parts":[{"content":"plan","type":"reasoning"},{"content":"ok","type":"text"}],"role":"assistant"}]"#
        )
    );

    let mut no_reason = model("msg_2", None);
    no_reason.stop_reason = None;
    let spans = run(vec![ev(T0, Payload::ModelCall(no_reason))]);
    assert!(!attrs(&spans[0]).contains_key("gen_ai.response.finish_reasons"));
}

#[test]
fn a_tool_call_is_an_execute_tool_span_with_its_input_and_output() {
    let spans = run(vec![ev(
        T0 + 1_200,
        Payload::ToolCall(tool("toolu_1", "Bash", 0, None)),
    )]);
    let sp = by_name(&spans, "execute_tool Bash");
    assert_eq!(sp.kind, SpanKind::Internal as i32);
    assert_eq!(sp.span_id, otel::tool_span_id(SID, "toolu_1").to_vec());
    assert_eq!(sp.parent_span_id, otel::session_span_id(SID).to_vec());
    assert_eq!(sp.start_time_unix_nano, nanos(T0 + 1_000));
    assert_eq!(sp.end_time_unix_nano, nanos(T0 + 1_200));
    assert_eq!(sp.status, Some(Status::default()));
    let expected: BTreeMap<String, V> = [
        ("gen_ai.operation.name", s("execute_tool")),
        ("gen_ai.provider.name", s("anthropic")),
        ("gen_ai.tool.name", s("Bash")),
        ("gen_ai.tool.call.id", s("toolu_1")),
        ("gen_ai.tool.type", s("function")),
        ("gen_ai.tool.call.arguments", s(r#"{"command":"echo hi"}"#)),
        ("gen_ai.tool.call.result", s(r#"{"stdout":"hi"}"#)),
        ("sentrial.tool.status", s("success")),
        ("sentrial.tool.seq", i(0)),
        ("sentrial.session.id", s(SID)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(attrs(sp), expected);

    let denied = ToolCall {
        status: ToolStatus::Denied,
        error: Some("no".into()),
        denied_by: Some("hook".into()),
        updated_input: Some(json!({"command": "echo safe"})),
        mcp_server: Some("calc".into()),
        position: Some(2),
        ..tool("toolu_9", "Bash", 1, None)
    };
    let spans = run(vec![ev(T0, Payload::ToolCall(denied))]);
    let a = attrs(&spans[0]);
    assert_eq!(a["sentrial.tool.denied_by"], s("hook"));
    assert_eq!(
        a["sentrial.tool.updated_input"],
        s(r#"{"command":"echo safe"}"#)
    );
    assert_eq!(a["sentrial.tool.mcp_server"], s("calc"));
    assert_eq!(a["sentrial.position"], i(2));
}

#[test]
fn a_failed_tool_call_has_an_error_status_and_class() {
    let mut call = tool("toolu_2", "Read", 4, None);
    call.status = ToolStatus::Error;
    call.output = json!("File does not exist.");
    call.error = Some("File does not exist.".into());
    let spans = run(vec![ev(T0 + 5, Payload::ToolCall(call))]);
    let sp = &spans[0];
    assert_eq!(
        sp.status,
        Some(Status {
            message: "File does not exist.".into(),
            code: StatusCode::Error as i32,
        })
    );
    let a = attrs(sp);
    assert_eq!(a["error.type"], s("error"));
    assert_eq!(a["sentrial.tool.status"], s("error"));
    assert_eq!(a["sentrial.tool.seq"], i(4));
    // A string output is still JSON text.
    assert_eq!(a["gen_ai.tool.call.result"], s(r#""File does not exist.""#));
}

#[test]
fn a_tool_call_without_times_uses_the_event_time_and_privacy_nulls_are_left_out() {
    let mut call = tool("toolu_3", "Glob", 1, None);
    call.started_at = None;
    call.ended_at = None;
    call.input = serde_json::Value::Null;
    call.output = serde_json::Value::Null;
    call.status = ToolStatus::NotCompleted;
    let spans = run(vec![ev(T0 + 777, Payload::ToolCall(call))]);
    let sp = &spans[0];
    assert_eq!(sp.start_time_unix_nano, nanos(T0 + 777));
    assert_eq!(sp.end_time_unix_nano, nanos(T0 + 777));
    let a = attrs(sp);
    assert!(!a.contains_key("gen_ai.tool.call.arguments"));
    assert!(!a.contains_key("gen_ai.tool.call.result"));
    assert_eq!(a["sentrial.tool.status"], s("not_completed"));
    assert!(!a.contains_key("error.type"), "no reason, no error");
    assert_eq!(sp.status, Some(Status::default()));
}

#[test]
fn a_denied_or_interrupted_call_with_a_reason_is_an_error_of_that_class() {
    for status in [ToolStatus::Denied, ToolStatus::Interrupted] {
        let mut call = tool("toolu_4", "Write", 2, None);
        call.status = status;
        call.error = Some("not allowed".into());
        let spans = run(vec![ev(T0, Payload::ToolCall(call))]);
        assert_eq!(attrs(&spans[0])["error.type"], s(status.as_str()));
        assert_eq!(spans[0].status.as_ref().unwrap().message, "not allowed");
        assert_eq!(
            spans[0].status.as_ref().unwrap().code,
            StatusCode::Error as i32
        );
    }
}

#[test]
fn a_sub_agents_calls_hang_under_its_task_span() {
    let task = "toolu_task";
    let spans = run(vec![
        ev(T0, Payload::SessionStart(start())),
        ev(
            T0 + 10,
            Payload::Subagent(Subagent {
                tool_use_id: task.into(),
                status: "running".into(),
                ..Default::default()
            }),
        ),
        ev(T0 + 20, Payload::ModelCall(model("msg_sub", Some(task)))),
        ev(
            T0 + 30,
            Payload::ToolCall(tool("toolu_sub", "Bash", 1, Some(task))),
        ),
        ev(T0 + 40, Payload::ToolCall(tool(task, "Task", 0, None))),
        ev(
            T0 + 50,
            Payload::SessionEnd(end(SessionStatus::Completed, None)),
        ),
    ]);
    assert_eq!(spans.len(), 4, "sub-agent events make no span of their own");
    let task_span = by_name(&spans, "execute_tool Task");
    let session_span = by_name(&spans, "invoke_agent support-bot");
    assert_eq!(task_span.parent_span_id, session_span.span_id);
    let sub_model = by_name(&spans, "chat claude-sonnet-4-5");
    let sub_tool = by_name(&spans, "execute_tool Bash");
    for sp in [sub_model, sub_tool] {
        assert_eq!(sp.parent_span_id, task_span.span_id, "{}", sp.name);
        assert_eq!(attrs(sp)["sentrial.parent_tool_use_id"], s(task));
        assert_eq!(sp.trace_id, session_span.trace_id);
    }
    assert!(!attrs(task_span).contains_key("sentrial.parent_tool_use_id"));
}

#[test]
fn a_failed_session_has_an_error_status_with_its_reason_and_class() {
    let cases = [
        (
            SessionStatus::Failed,
            "error_max_turns: reached 3 turns",
            "error_max_turns",
        ),
        (
            SessionStatus::Failed,
            "error_during_execution",
            "error_during_execution",
        ),
        (
            SessionStatus::Failed,
            "aborted: This operation was aborted",
            "aborted",
        ),
        (SessionStatus::Failed, "boom", "_OTHER"),
        (
            SessionStatus::Failed,
            "the stream ended without a result",
            "_OTHER",
        ),
        (
            SessionStatus::Interrupted,
            "interrupted through query.interrupt()",
            "interrupted",
        ),
    ];
    for (status, reason, class) in cases {
        let spans = run(vec![
            ev(T0, Payload::SessionStart(start())),
            ev(T0 + 1, Payload::SessionEnd(end(status, Some(reason)))),
        ]);
        let sp = &spans[0];
        assert_eq!(
            sp.status,
            Some(Status {
                message: reason.into(),
                code: StatusCode::Error as i32
            }),
            "{reason}"
        );
        let a = attrs(sp);
        assert_eq!(a["error.type"], s(class), "{reason}");
        assert_eq!(a["sentrial.session.status"], s(status.as_str()));
    }
}

#[test]
fn open_sessions_are_bounded_and_a_session_past_the_bound_is_reported() {
    let mut b = SpanBuilder::new(2);
    let mut out = Vec::new();
    let of = |id: &str, payload: Payload| Event {
        session_id: id.into(),
        ..ev(T0, payload)
    };
    for id in ["a", "b", "c"] {
        assert!(b.event(&of(id, Payload::SessionStart(start())), &mut out));
    }
    assert_eq!(b.open_sessions(), 2, "the third start is not kept");
    // The third session's calls are still spans; its end cannot make a session span.
    assert!(b.event(&of("c", Payload::ModelCall(model("m", None))), &mut out));
    assert_eq!(out.len(), 1);
    let ended = |id| of(id, Payload::SessionEnd(end(SessionStatus::Completed, None)));
    assert!(!b.event(&ended("c"), &mut out));
    assert_eq!(out.len(), 1);
    assert!(b.event(&ended("a"), &mut out));
    assert_eq!(out.len(), 2);
    assert_eq!(attrs(&out[1])["sentrial.session.id"], s("a"));
    // Room again: a new session is kept.
    assert!(b.event(&of("d", Payload::SessionStart(start())), &mut out));
    assert_eq!(b.open_sessions(), 2);
    // A non-UUID session id hashes to a trace id of its own.
    assert_eq!(out[1].trace_id, otel::trace_id("a").to_vec());
}

#[test]
fn a_session_ending_with_an_end_reason_has_it_as_its_error_type() {
    for (status, end_reason) in [
        (SessionStatus::Failed, "api_error"),
        (SessionStatus::Failed, "no_result"),
        (SessionStatus::Interrupted, "stopped"),
    ] {
        let e = SessionEnd {
            end_reason: Some(end_reason.into()),
            ..end(status, Some("whatever it said"))
        };
        let spans = run(vec![
            ev(T0, Payload::SessionStart(start())),
            ev(T0 + 1, Payload::SessionEnd(e)),
        ]);
        assert_eq!(attrs(&spans[0])["error.type"], s(end_reason));
    }
}

#[test]
fn session_error_types() {
    assert_eq!(
        session_error_type(SessionStatus::Failed, Some("error_max_turns")),
        "error_max_turns"
    );
    assert_eq!(
        session_error_type(SessionStatus::Failed, Some("Error: x")),
        "_OTHER"
    );
    assert_eq!(session_error_type(SessionStatus::Failed, None), "_OTHER");
}
