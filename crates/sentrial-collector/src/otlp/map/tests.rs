use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Status};
use sentrial_protocol::Block;
use serde_json::json;

use super::*;

const TRACE: [u8; 16] = [0xab; 16];
const SPAN: [u8; 8] = [0xcd; 8];
const T0: u64 = 1_700_000_000_000_000_000;

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

fn i(n: i64) -> Any {
    Any::IntValue(n)
}

/// A span of `name` from T0 to T0 + 1.5 s with these attributes.
fn span(name: &str, attrs: Vec<KeyValue>) -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: SPAN.to_vec(),
        name: name.into(),
        start_time_unix_nano: T0,
        end_time_unix_nano: T0 + 1_500_000_000,
        attributes: attrs,
        ..Default::default()
    }
}

fn error(span: Span, message: &str) -> Span {
    Span {
        status: Some(Status {
            message: message.into(),
            code: StatusCode::Error as i32,
        }),
        ..span
    }
}

fn one(span: &Span) -> Payload {
    let mut events = span_events(span).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0).payload
}

const MS0: i64 = 1_700_000_000_000;
const TRACE_HEX: &str = "abababababababababababababababab";

#[test]
fn invoke_agent_is_a_start_and_an_end_with_every_field() {
    let messages = |role: &str, text: &str| {
        json!([{"role": role, "parts": [{"type": "text", "content": text}]}]).to_string()
    };
    let sp = error(
        span(
            "invoke_agent support-bot",
            vec![
                kv(attr::OPERATION_NAME, s("invoke_agent")),
                kv(attr::AGENT_NAME, s("support-bot")),
                kv(attr::CONVERSATION_ID, s("convo-1")),
                kv(attr::USER_ID, s("user-1")),
                kv(attr::REQUEST_MODEL, s("claude-sonnet-4-5")),
                kv(attr::USAGE_INPUT_TOKENS, i(130)),
                kv(attr::USAGE_OUTPUT_TOKENS, s("7")),
                kv(attr::USAGE_CACHE_READ_INPUT_TOKENS, i(20)),
                kv(attr::USAGE_CACHE_CREATION_INPUT_TOKENS, i(10)),
                kv(attr::INPUT_MESSAGES, s(&messages("user", "fix the build"))),
                kv(attr::OUTPUT_MESSAGES, s(&messages("assistant", "partly"))),
                kv(attr::SESSION_ID, s("sess-1")),
                kv(attr::SESSION_STATUS, s("failed")),
                kv(attr::CLAUDE_SESSION_ID, s("claude-abc")),
                kv(attr::METADATA, s(r#"{"cwd":"/repo"}"#)),
                kv(attr::COST_USD, Any::DoubleValue(0.009644999999999999)),
                kv(attr::API_DURATION_MS, i(900)),
                kv(attr::NUM_TURNS, i(3)),
                kv(attr::ERROR_TYPE, s("error_max_turns")),
            ],
        ),
        "max turns reached",
    );
    let events = span_events(&sp).unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            format!("otlp:{TRACE_HEX}:cdcdcdcdcdcdcdcd:start"),
            format!("otlp:{TRACE_HEX}:cdcdcdcdcdcdcdcd:end"),
        ]
    );
    assert!(events.iter().all(|e| e.session_id == "sess-1"));
    assert_eq!((events[0].ts, events[1].ts), (MS0, MS0 + 1500));
    assert_eq!(
        events[0].payload,
        Payload::SessionStart(SessionStart {
            agent: "support-bot".into(),
            user_id: "user-1".into(),
            convo_id: Some("convo-1".into()),
            claude_session_id: Some("claude-abc".into()),
            model: Some("claude-sonnet-4-5".into()),
            input: Some("fix the build".into()),
            metadata: json!({"cwd": "/repo"}).as_object().unwrap().clone(),
            started_at: MS0,
            ..Default::default()
        })
    );
    assert_eq!(
        events[1].payload,
        Payload::SessionEnd(SessionEnd {
            status: SessionStatus::Failed,
            failure_reason: Some("max turns reached".into()),
            output: Some("partly".into()),
            ended_at: MS0 + 1500,
            duration_ms: 1500,
            api_duration_ms: Some(900),
            num_turns: Some(3),
            usage: Usage {
                prompt_tokens: 100,
                completion_tokens: 7,
                total_tokens: 137,
                cache_read_tokens: 20,
                cache_creation_tokens: 10,
                cost_usd: 0.009644999999999999,
                cost_estimated: false,
                by_model: Default::default(),
            },
            results: 1,
            reconciliation: None,
            ..Default::default()
        })
    );
}

#[test]
fn a_bare_invoke_agent_falls_back_on_name_trace_id_and_span_status() {
    let sp = span(
        "invoke_agent helper",
        vec![
            kv(attr::OPERATION_NAME, s("invoke_agent")),
            kv(attr::METADATA, s("[1]")),
            kv(attr::SESSION_STATUS, s("running")),
            kv(attr::ERROR_TYPE, s("timeout")),
        ],
    );
    let events = span_events(&sp).unwrap();
    assert_eq!(events[0].session_id, TRACE_HEX);
    let Payload::SessionStart(start) = &events[0].payload else {
        panic!()
    };
    assert_eq!(
        (start.agent.as_str(), start.user_id.as_str()),
        ("helper", "")
    );
    assert!(start.metadata.is_empty() && start.input.is_none() && start.convo_id.is_none());
    let Payload::SessionEnd(end) = &events[1].payload else {
        panic!()
    };
    // `running` is not an end status, and the span's status is not ERROR.
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!((end.failure_reason.as_deref(), end.results), (None, 0));
    assert_eq!(end.usage, Usage::default());

    let failed = span_events(&error(sp.clone(), "")).unwrap();
    let Payload::SessionEnd(end) = &failed[1].payload else {
        panic!()
    };
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(end.failure_reason.as_deref(), Some("timeout"));

    let nameless = Span {
        name: "invoke_agent".into(),
        ..sp
    };
    let Payload::SessionStart(start) = &span_events(&nameless).unwrap()[0].payload else {
        panic!()
    };
    assert_eq!(start.agent, "unknown");
}

#[test]
fn chat_is_a_model_call() {
    let sp = span(
        "chat claude-sonnet-4-5",
        vec![
            kv(attr::OPERATION_NAME, s("chat")),
            kv(attr::REQUEST_MODEL, s("claude-sonnet-4-5")),
            kv(attr::RESPONSE_MODEL, s("claude-sonnet-4-5-20250929")),
            kv(attr::RESPONSE_ID, s("msg_1")),
            kv(
                attr::RESPONSE_FINISH_REASONS,
                Any::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(s("tool_use")),
                    }],
                }),
            ),
            kv(attr::USAGE_INPUT_TOKENS, i(5)),
            kv(attr::USAGE_OUTPUT_TOKENS, i(9)),
            kv(attr::USAGE_CACHE_READ_INPUT_TOKENS, i(20)),
            kv(attr::SESSION_ID, s("sess-1")),
            kv(attr::PARENT_TOOL_USE_ID, s("toolu_task")),
        ],
    );
    let events = span_events(&sp).unwrap();
    assert_eq!(
        events[0].id,
        format!("otlp:{TRACE_HEX}:cdcdcdcdcdcdcdcd:model")
    );
    assert_eq!(events[0].ts, MS0 + 1500);
    assert_eq!(
        events[0].payload,
        Payload::ModelCall(ModelCall {
            message_id: "msg_1".into(),
            model: "claude-sonnet-4-5-20250929".into(),
            stop_reason: Some("tool_use".into()),
            // 5 in all with 20 read from cache: a source that counted them apart saturates at 0.
            input_tokens: 0,
            output_tokens: 9,
            cache_read_tokens: 20,
            cache_creation_tokens: 0,
            parent_tool_use_id: Some("toolu_task".into()),
            started_at: MS0,
            ended_at: MS0 + 1500,
            ..Default::default()
        })
    );
}

#[test]
fn other_sources_model_calls_fall_back_on_span_id_and_name() {
    for op in ["text_completion", "generate_content", "chat"] {
        let sp = span(
            &format!("{op} gpt-4o"),
            vec![kv(attr::OPERATION_NAME, s(op))],
        );
        let Payload::ModelCall(call) = one(&sp) else {
            panic!("{op}")
        };
        assert_eq!(call.message_id, "cdcdcdcdcdcdcdcd");
        assert_eq!(call.model, "gpt-4o");
        assert_eq!((call.stop_reason, call.parent_tool_use_id), (None, None));
        let with_request = span(
            "chat",
            vec![
                kv(attr::OPERATION_NAME, s(op)),
                kv(attr::REQUEST_MODEL, s("m")),
            ],
        );
        let Payload::ModelCall(call) = one(&with_request) else {
            panic!()
        };
        assert_eq!(call.model, "m");
    }
}

#[test]
fn execute_tool_is_a_tool_call() {
    let sp = span(
        "execute_tool Bash",
        vec![
            kv(attr::OPERATION_NAME, s("execute_tool")),
            kv(attr::TOOL_NAME, s("Bash")),
            kv(attr::TOOL_CALL_ID, s("toolu_1")),
            kv(attr::TOOL_TYPE, s("function")),
            kv(attr::TOOL_CALL_ARGUMENTS, s(r#"{"command":"ls"}"#)),
            kv(attr::TOOL_CALL_RESULT, s("not json")),
            kv(attr::TOOL_STATUS, s("denied")),
            kv(attr::TOOL_SEQ, i(4)),
            kv(attr::SESSION_ID, s("sess-1")),
            kv(attr::PARENT_TOOL_USE_ID, s("toolu_task")),
            kv(attr::ERROR_TYPE, s("permission_denied")),
        ],
    );
    let events = span_events(&sp).unwrap();
    assert_eq!(
        events[0].id,
        format!("otlp:{TRACE_HEX}:cdcdcdcdcdcdcdcd:tool")
    );
    assert_eq!(
        events[0].payload,
        Payload::ToolCall(ToolCall {
            tool_use_id: "toolu_1".into(),
            tool_name: "Bash".into(),
            seq: 4,
            status: ToolStatus::Denied,
            input: json!({"command": "ls"}),
            output: json!("not json"),
            error: Some("permission_denied".into()),
            duration_ms: Some(1500),
            parent_tool_use_id: Some("toolu_task".into()),
            started_at: Some(MS0),
            ended_at: Some(MS0 + 1500),
            ..Default::default()
        })
    );
}

#[test]
fn a_bare_execute_tool_takes_its_status_from_the_span() {
    let sp = span(
        "execute_tool Read",
        vec![kv(attr::OPERATION_NAME, s("execute_tool"))],
    );
    let Payload::ToolCall(ok) = one(&sp) else {
        panic!()
    };
    assert_eq!(
        (ok.tool_use_id.as_str(), ok.tool_name.as_str(), ok.seq),
        ("cdcdcdcdcdcdcdcd", "Read", 0)
    );
    assert_eq!((ok.status, ok.error), (ToolStatus::Success, None));
    assert_eq!((ok.input, ok.output), (Value::Null, Value::Null));
    let Payload::ToolCall(failed) = one(&error(sp, "no such file")) else {
        panic!()
    };
    assert_eq!(failed.status, ToolStatus::Error);
    assert_eq!(failed.error.as_deref(), Some("no such file"));
}

#[test]
fn unmappable_spans_say_why() {
    let op = |name: &str| vec![kv(attr::OPERATION_NAME, s(name))];
    assert_eq!(span_events(&span("GET /", vec![])), Err(Reject::NotGenAi));
    assert_eq!(
        span_events(&span("x", vec![kv(attr::OPERATION_NAME, s(""))])),
        Err(Reject::NotGenAi)
    );
    assert_eq!(
        span_events(&span("embeddings m", op("embeddings"))),
        Err(Reject::Operation("embeddings".into()))
    );
    assert_eq!(
        span_events(&span("create_agent a", op("create_agent"))),
        Err(Reject::Operation("create_agent".into()))
    );
    let bad_ids = [
        (vec![0; 16], SPAN.to_vec()),
        (TRACE.to_vec(), vec![0; 8]),
        (vec![1; 15], SPAN.to_vec()),
        (TRACE.to_vec(), Vec::new()),
    ];
    for (trace_id, span_id) in bad_ids {
        let sp = Span {
            trace_id,
            span_id,
            ..span("chat", op("chat"))
        };
        assert_eq!(span_events(&sp), Err(Reject::Ids));
    }
    let no_start = Span {
        start_time_unix_nano: 0,
        ..span("chat", op("chat"))
    };
    assert_eq!(span_events(&no_start), Err(Reject::StartTime));
}

#[test]
fn an_end_before_the_start_is_no_time_spent() {
    let sp = Span {
        end_time_unix_nano: T0 - 5,
        ..span(
            "execute_tool Bash",
            vec![kv(attr::OPERATION_NAME, s("execute_tool"))],
        )
    };
    let Payload::ToolCall(call) = one(&sp) else {
        panic!()
    };
    assert_eq!((call.started_at, call.ended_at), (Some(MS0), Some(MS0)));
    assert_eq!(call.duration_ms, Some(0));
}

#[test]
fn a_request_maps_what_it_can_and_counts_the_rest() {
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![
                ScopeSpans {
                    spans: vec![
                        span("GET /", vec![]),
                        span("chat m", vec![kv(attr::OPERATION_NAME, s("chat"))]),
                    ],
                    ..Default::default()
                },
                ScopeSpans {
                    spans: vec![span(
                        "invoke_agent a",
                        vec![kv(attr::OPERATION_NAME, s("invoke_agent"))],
                    )],
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
    };
    let mapped = request(&req);
    let kinds: Vec<_> = mapped
        .events
        .iter()
        .map(|e| e.id.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(kinds, ["model", "start", "end"]);
    assert_eq!(mapped.rejected.total(), 1);
    // The same request maps to the same ids: the store keeps one copy.
    assert_eq!(request(&req).events, mapped.events);
}

#[test]
fn the_transcript_fields_of_calls_come_back() {
    let chat = span(
        "chat claude-sonnet-4-5",
        vec![
            kv(attr::OPERATION_NAME, s("chat")),
            kv(attr::RESPONSE_ID, s("msg_1")),
            kv(attr::OUTPUT_TOKENS_FINAL, Any::BoolValue(true)),
            kv(attr::TTFT_MS, i(87)),
            kv(attr::POSITION, i(3)),
            kv(
                attr::OUTPUT_MESSAGES,
                s(
                    r#"[{"role":"assistant","parts":[{"type":"reasoning","content":"plan"},{"type":"redacted_thinking"},{"type":"tool_call","id":"t1","name":"Bash"}]}]"#,
                ),
            ),
        ],
    );
    let Payload::ModelCall(call) = one(&chat) else {
        panic!("a model call")
    };
    assert!(call.output_tokens_final);
    assert_eq!((call.ttft_ms, call.position), (Some(87), Some(3)));
    assert_eq!(
        call.content,
        vec![
            Block::Thinking {
                thinking: "plan".into()
            },
            Block::RedactedThinking,
            Block::ToolUse {
                id: "t1".into(),
                name: "Bash".into()
            }
        ]
    );
    let tool = span(
        "execute_tool Bash",
        vec![
            kv(attr::OPERATION_NAME, s("execute_tool")),
            kv(attr::TOOL_CALL_ID, s("t1")),
            kv(attr::TOOL_STATUS, s("denied")),
            kv(attr::TOOL_DENIED_BY, s("hook")),
            kv(attr::TOOL_UPDATED_INPUT, s(r#"{"command":"echo safe"}"#)),
            kv(attr::TOOL_MCP_SERVER, s("calc")),
            kv(attr::POSITION, i(4)),
        ],
    );
    let Payload::ToolCall(call) = one(&tool) else {
        panic!("a tool call")
    };
    assert_eq!(call.denied_by.as_deref(), Some("hook"));
    assert_eq!(call.updated_input, Some(json!({"command": "echo safe"})));
    assert_eq!(
        (call.mcp_server.as_deref(), call.position),
        (Some("calc"), Some(4))
    );
}
