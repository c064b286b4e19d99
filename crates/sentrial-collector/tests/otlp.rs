//! `POST /v1/traces` end to end: OTLP/HTTP (protobuf, gzipped protobuf, JSON) into a collector on
//! 127.0.0.1:0 with a temporary SQLite file, read back through `/api/sessions/{id}`.

mod common;

use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;
use sentrial_protocol::otel::{self, attr};
use serde_json::{json, Value};

/// 2023-11-14T22:13:20.000Z, in ns.
const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;

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

fn messages(role: &str, text: &str) -> Any {
    s(&json!([{"role": role, "parts": [{"type": "text", "content": text}]}]).to_string())
}

fn usage(input: i64, output: i64, read: i64, write: i64) -> Vec<KeyValue> {
    vec![
        kv(attr::USAGE_INPUT_TOKENS, i(input + read + write)),
        kv(attr::USAGE_OUTPUT_TOKENS, i(output)),
        kv(attr::USAGE_CACHE_READ_INPUT_TOKENS, i(read)),
        kv(attr::USAGE_CACHE_CREATION_INPUT_TOKENS, i(write)),
    ]
}

/// A span of the SDK's session `sid`, from `start` to `end` ms after T0.
fn sdk_span(
    sid: &str,
    span_id: [u8; 8],
    parent: Option<[u8; 8]>,
    name: &str,
    kind: SpanKind,
    (start, end): (u64, u64),
    attributes: Vec<KeyValue>,
) -> Span {
    let mut attributes = attributes;
    attributes.push(kv(attr::SESSION_ID, s(sid)));
    Span {
        trace_id: otel::trace_id(sid).to_vec(),
        span_id: span_id.to_vec(),
        parent_span_id: parent.map(|p| p.to_vec()).unwrap_or_default(),
        name: name.into(),
        kind: kind as i32,
        start_time_unix_nano: T0 + start * MS,
        end_time_unix_nano: T0 + end * MS,
        attributes,
        ..Default::default()
    }
}

fn failed(span: Span, message: &str) -> Span {
    Span {
        status: Some(Status {
            message: message.into(),
            code: StatusCode::Error as i32,
        }),
        ..span
    }
}

fn chat(sid: &str, msg: &str, task: Option<&str>, times: (u64, u64), stop: &str) -> Span {
    let mut attrs = vec![
        kv(attr::OPERATION_NAME, s(otel::OP_CHAT)),
        kv(attr::PROVIDER_NAME, s(otel::PROVIDER_ANTHROPIC)),
        kv(attr::REQUEST_MODEL, s("claude-sonnet-4-5")),
        kv(attr::RESPONSE_MODEL, s("claude-sonnet-4-5-20250929")),
        kv(attr::RESPONSE_ID, s(msg)),
        kv(
            attr::RESPONSE_FINISH_REASONS,
            Any::ArrayValue(ArrayValue {
                values: vec![AnyValue {
                    value: Some(s(stop)),
                }],
            }),
        ),
    ];
    attrs.extend(usage(3, 40, 1000, 200));
    if let Some(task) = task {
        attrs.push(kv(attr::PARENT_TOOL_USE_ID, s(task)));
    }
    sdk_span(
        sid,
        otel::model_span_id(sid, msg),
        Some(otel::parent_span_id(sid, task)),
        "chat claude-sonnet-4-5",
        SpanKind::Client,
        times,
        attrs,
    )
}

struct Tool<'a> {
    id: &'a str,
    name: &'a str,
    seq: i64,
    args: Value,
    result: Value,
    status: &'a str,
    task: Option<&'a str>,
    times: (u64, u64),
}

fn tool(sid: &str, t: Tool<'_>) -> Span {
    let mut attrs = vec![
        kv(attr::OPERATION_NAME, s(otel::OP_EXECUTE_TOOL)),
        kv(attr::TOOL_NAME, s(t.name)),
        kv(attr::TOOL_CALL_ID, s(t.id)),
        kv(attr::TOOL_TYPE, s("function")),
        kv(attr::TOOL_CALL_ARGUMENTS, s(&t.args.to_string())),
        kv(attr::TOOL_STATUS, s(t.status)),
        kv(attr::TOOL_SEQ, i(t.seq)),
    ];
    if !t.result.is_null() {
        attrs.push(kv(attr::TOOL_CALL_RESULT, s(&t.result.to_string())));
    }
    if let Some(task) = t.task {
        attrs.push(kv(attr::PARENT_TOOL_USE_ID, s(task)));
    }
    sdk_span(
        sid,
        otel::tool_span_id(sid, t.id),
        Some(otel::parent_span_id(sid, t.task)),
        &format!("execute_tool {}", t.name),
        SpanKind::Internal,
        t.times,
        attrs,
    )
}

/// What the SDK's exporter sends for one session: the session span, three model calls (one in
/// a sub-agent), a Task call, a Bash call of its sub-agent, and a Read call that failed.
fn sdk_session(sid: &str) -> Vec<Span> {
    let mut session_attrs = vec![
        kv(attr::OPERATION_NAME, s(otel::OP_INVOKE_AGENT)),
        kv(attr::PROVIDER_NAME, s(otel::PROVIDER_ANTHROPIC)),
        kv(attr::AGENT_NAME, s("support-bot")),
        kv(attr::CONVERSATION_ID, s("convo-1")),
        kv(attr::USER_ID, s("user-1")),
        kv(attr::REQUEST_MODEL, s("claude-sonnet-4-5")),
        kv(attr::INPUT_MESSAGES, messages("user", "fix the build")),
        kv(attr::OUTPUT_MESSAGES, messages("assistant", "fixed it")),
        kv(attr::SESSION_STATUS, s("completed")),
        kv(attr::CLAUDE_SESSION_ID, s("claude-abc")),
        kv(
            attr::METADATA,
            s(r#"{"cwd":"/repo","tools":["Bash","Read"]}"#),
        ),
        kv(attr::COST_USD, Any::DoubleValue(0.009644999999999999)),
        kv(attr::API_DURATION_MS, i(1800)),
        kv(attr::NUM_TURNS, i(4)),
    ];
    session_attrs.extend(usage(9, 120, 3000, 600));
    let task = "toolu_task";
    vec![
        sdk_span(
            sid,
            otel::session_span_id(sid),
            None,
            "invoke_agent support-bot",
            SpanKind::Internal,
            (0, 2500),
            session_attrs,
        ),
        chat(sid, "msg_1", None, (10, 400), "tool_use"),
        tool(
            sid,
            Tool {
                id: task,
                name: "Task",
                seq: 0,
                args: json!({"description": "look around", "prompt": "list files"}),
                result: json!({"content": [{"type": "text", "text": "two files"}]}),
                status: "success",
                task: None,
                times: (400, 1500),
            },
        ),
        chat(sid, "msg_sub", Some(task), (450, 700), "tool_use"),
        tool(
            sid,
            Tool {
                id: "toolu_bash",
                name: "Bash",
                seq: 1,
                args: json!({"command": "ls"}),
                result: json!({"stdout": "a\nb", "stderr": ""}),
                status: "success",
                task: Some(task),
                times: (700, 900),
            },
        ),
        failed(
            tool(
                sid,
                Tool {
                    id: "toolu_read",
                    name: "Read",
                    seq: 2,
                    args: json!({"file_path": "/nope"}),
                    result: Value::Null,
                    status: "error",
                    task: None,
                    times: (1600, 1650),
                },
            ),
            "File does not exist.",
        ),
        chat(sid, "msg_2", None, (1700, 2400), "end_turn"),
    ]
}

fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// POSTs `body` to /v1/traces; returns the status, the Content-Type and the body.
async fn post(
    srv: &TestServer,
    key: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
    gzipped: bool,
) -> (u16, String, Vec<u8>) {
    let mut req = srv
        .client
        .post(format!("{}/v1/traces", srv.url))
        .header("content-type", content_type)
        .body(if gzipped { gzip(&body) } else { body });
    if gzipped {
        req = req.header("content-encoding", "gzip");
    }
    if let Some(key) = key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

/// POSTs `req` as protobuf with [`KEY`] and decodes the 200 answer.
async fn post_proto(
    srv: &TestServer,
    req: &ExportTraceServiceRequest,
) -> ExportTraceServiceResponse {
    let (status, ct, body) = post(
        srv,
        Some(KEY),
        "application/x-protobuf",
        req.encode_to_vec(),
        false,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "application/x-protobuf"));
    ExportTraceServiceResponse::decode(&body[..]).unwrap()
}

/// Fails unless `actual` has every field of `expected` (recursively, arrays item by item) with
/// the same value; fields `expected` does not name are not checked.
fn assert_fields(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (key, ev) in e {
                let path = format!("{path}.{key}");
                let av = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}: missing in {actual}"));
                assert_fields(av, ev, &path);
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{path}: length of {actual}");
            for (n, (av, ev)) in a.iter().zip(e).enumerate() {
                assert_fields(av, ev, &format!("{path}[{n}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

const SID: &str = "01937a3e-5f2b-7c4d-8e9f-0a1b2c3d4e5f";

/// The session [`sdk_session`] must read back as.
fn expected_sdk_session() -> Value {
    let model_call = |msg: &str, parent: Option<&str>, start: &str, end: &str, stop: &str| {
        json!({"message_id": msg, "model": "claude-sonnet-4-5-20250929", "stop_reason": stop,
            "input_tokens": 3, "output_tokens": 40, "cache_read_tokens": 1000,
            "cache_creation_tokens": 200, "parent_tool_use_id": parent,
            "started_at": start, "ended_at": end})
    };
    let tool_calls = json!([
        {"tool_use_id": "toolu_task", "tool_name": "Task", "seq": 0, "status": "success",
         "input": {"description": "look around", "prompt": "list files"},
         "output": {"content": [{"type": "text", "text": "two files"}]},
         "error": null, "duration_ms": 1100, "parent_tool_use_id": null,
         "started_at": "2023-11-14T22:13:20.400Z", "ended_at": "2023-11-14T22:13:21.500Z"},
        {"tool_use_id": "toolu_bash", "tool_name": "Bash", "seq": 1, "status": "success",
         "input": {"command": "ls"}, "output": {"stdout": "a\nb", "stderr": ""},
         "error": null, "duration_ms": 200, "parent_tool_use_id": "toolu_task",
         "started_at": "2023-11-14T22:13:20.700Z", "ended_at": "2023-11-14T22:13:20.900Z"},
        {"tool_use_id": "toolu_read", "tool_name": "Read", "seq": 2, "status": "error",
         "input": {"file_path": "/nope"}, "output": null,
         "error": "File does not exist.", "duration_ms": 50, "parent_tool_use_id": null,
         "started_at": "2023-11-14T22:13:21.600Z", "ended_at": "2023-11-14T22:13:21.650Z"},
    ]);
    let model_calls = json!([
        model_call(
            "msg_1",
            None,
            "2023-11-14T22:13:20.010Z",
            "2023-11-14T22:13:20.400Z",
            "tool_use"
        ),
        model_call(
            "msg_sub",
            Some("toolu_task"),
            "2023-11-14T22:13:20.450Z",
            "2023-11-14T22:13:20.700Z",
            "tool_use"
        ),
        model_call(
            "msg_2",
            None,
            "2023-11-14T22:13:21.700Z",
            "2023-11-14T22:13:22.400Z",
            "end_turn"
        ),
    ]);
    json!({
        "id": SID,
        "agent": "support-bot",
        "user_id": "user-1",
        "convo_id": "convo-1",
        "claude_session_id": "claude-abc",
        "model": "claude-sonnet-4-5",
        "input": "fix the build",
        "output": "fixed it",
        "metadata": {"cwd": "/repo", "tools": ["Bash", "Read"]},
        "status": "completed",
        "failure_reason": null,
        "started_at": "2023-11-14T22:13:20.000Z",
        "ended_at": "2023-11-14T22:13:22.500Z",
        "duration_ms": 2500,
        "api_duration_ms": 1800,
        "num_turns": 4,
        "prompt_tokens": 9,
        "completion_tokens": 120,
        "total_tokens": 3729,
        "cache_read_tokens": 3000,
        "cache_creation_tokens": 600,
        "cost_usd": 0.009644999999999999,
        "cost_estimated": false,
        "model_usage": {},
        "results": 1,
        "tool_call_count": 3,
        "inputs": [],
        "tool_calls": tool_calls,
        "model_calls": model_calls,
        "turns": [],
    })
}

#[tokio::test]
async fn an_sdk_session_as_protobuf_reads_back_field_for_field() {
    let srv = TestServer::start(&[]).await;
    let answer = post_proto(&srv, &request(sdk_session(SID))).await;
    assert_eq!(answer.partial_success, None);
    let (status, detail) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_fields(&detail, &expected_sdk_session(), "session");
}

#[tokio::test]
async fn gzipped_protobuf_and_json_read_back_the_same() {
    let srv = TestServer::start(&[]).await;
    let req = request(sdk_session(SID));
    let (status, ct, body) = post(
        &srv,
        Some(KEY),
        "application/x-protobuf",
        req.encode_to_vec(),
        true,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "application/x-protobuf"));
    assert_eq!(
        ExportTraceServiceResponse::decode(&body[..]).unwrap(),
        Default::default()
    );
    let (_, detail) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    assert_fields(&detail, &expected_sdk_session(), "gzipped protobuf");

    // The same spans as OTLP/JSON (hex ids, int64s as strings), gzipped too, to a fresh server.
    let srv = TestServer::start(&[]).await;
    let json_body = serde_json::to_vec(&req).unwrap();
    assert!(String::from_utf8_lossy(&json_body)
        .contains(r#""startTimeUnixNano":"1700000000000000000""#));
    for gzipped in [false, true] {
        let (status, ct, body) = post(
            &srv,
            Some(KEY),
            "application/json",
            json_body.clone(),
            gzipped,
        )
        .await;
        assert_eq!((status, ct.as_str()), (200, "application/json"));
        assert_eq!(body, b"{}");
    }
    let (_, from_json) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    assert_fields(&from_json, &expected_sdk_session(), "json");
}

#[tokio::test]
async fn a_foreign_genai_source_lands_as_a_session_keyed_by_its_trace_id() {
    let srv = TestServer::start(&[]).await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    // Hand-written OTLP/JSON as another GenAI instrumentation sends it: no `sentrial.*` attribute,
    // ints as numbers here and strings there, an uppercase span id, and an HTTP span beside.
    let span = |id: &str, name: &str, start: u64, end: u64, attrs: Value| {
        json!({"traceId": trace, "spanId": id, "name": name, "kind": 1,
            "startTimeUnixNano": (T0 + start * MS).to_string(), "endTimeUnixNano": T0 + end * MS,
            "attributes": attrs})
    };
    let string = |key: &str, v: &str| json!({"key": key, "value": {"stringValue": v}});
    let int = |key: &str, v: Value| json!({"key": key, "value": {"intValue": v}});
    let mut agent = span(
        "00F067AA0BA902B7",
        "invoke_agent Researcher",
        0,
        900,
        json!([
            string("gen_ai.operation.name", "invoke_agent"),
            string("gen_ai.agent.name", "Researcher"),
            string("gen_ai.provider.name", "openai"),
            int("gen_ai.usage.input_tokens", json!(50)),
            int("gen_ai.usage.output_tokens", json!("20")),
            string("error.type", "RateLimitError"),
        ]),
    );
    agent["status"] = json!({"code": 2});
    let body = json!({"resourceSpans": [{
        "resource": {"attributes": [string("service.name", "research-app")]},
        "scopeSpans": [{"scope": {"name": "openai-agents"}, "spans": [
            span("1111111111111111", "GET /research", 0, 950, json!([string("http.method", "GET")])),
            agent,
            span("2222222222222222", "text_completion gpt-4o", 10, 300, json!([
                string("gen_ai.operation.name", "text_completion"),
                string("gen_ai.request.model", "gpt-4o"),
                string("gen_ai.response.id", "chatcmpl-1"),
                json!({"key": "gen_ai.response.finish_reasons",
                       "value": {"arrayValue": {"values": [{"stringValue": "tool_calls"}]}}}),
                int("gen_ai.usage.input_tokens", json!(50)),
                int("gen_ai.usage.output_tokens", json!(20)),
            ])),
            span("3333333333333333", "execute_tool get_weather", 300, 320, json!([
                string("gen_ai.operation.name", "execute_tool"),
                string("gen_ai.tool.name", "get_weather"),
                string("gen_ai.tool.call.id", "call_1"),
                json!({"key": "gen_ai.tool.call.arguments",
                       "value": {"kvlistValue": {"values": [string("city", "Paris")]}}}),
            ])),
        ]}],
    }]});
    let (status, _, answer) = post(
        &srv,
        Some(KEY),
        "application/json",
        body.to_string().into(),
        false,
    )
    .await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], 1, "{answer}");

    let (status, detail) = srv.get(KEY, &format!("/api/sessions/{trace}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_fields(
        &detail,
        &json!({
            "id": trace, "agent": "Researcher", "user_id": "", "convo_id": null, "model": null,
            "input": null, "output": null, "metadata": {},
            "status": "failed", "failure_reason": "RateLimitError",
            "started_at": "2023-11-14T22:13:20.000Z", "ended_at": "2023-11-14T22:13:20.900Z",
            "duration_ms": 900, "prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70,
            "cost_usd": 0.0, "results": 1,
            "tool_calls": [{"tool_use_id": "call_1", "tool_name": "get_weather", "seq": 0,
                "status": "success", "input": {"city": "Paris"}, "output": null, "error": null,
                "duration_ms": 20, "parent_tool_use_id": null}],
            "model_calls": [{"message_id": "chatcmpl-1", "model": "gpt-4o",
                "stop_reason": "tool_calls", "input_tokens": 50, "output_tokens": 20,
                "cache_read_tokens": 0, "cache_creation_tokens": 0, "parent_tool_use_id": null}],
        }),
        "foreign",
    );
}

#[tokio::test]
async fn the_same_spans_twice_are_stored_once() {
    let srv = TestServer::start(&[]).await;
    let req = request(sdk_session(SID));
    post_proto(&srv, &req).await;
    let (_, first) = srv.get(KEY, &format!("/api/sessions/{SID}/events")).await;
    // Session span: start and end; six more spans: one event each.
    assert_eq!(first.as_array().unwrap().len(), 8, "{first}");
    post_proto(&srv, &req).await;
    let (status, again) = srv.get(KEY, &format!("/api/sessions/{SID}/events")).await;
    assert_eq!((status, &again), (200, &first));
    let (_, detail) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    assert_fields(&detail, &expected_sdk_session(), "after a resend");
}

#[tokio::test]
async fn non_genai_spans_are_rejected_in_partial_success() {
    let srv = TestServer::start(&[]).await;
    let mut spans = sdk_session(SID);
    spans.push(Span {
        name: "SELECT sessions".into(),
        attributes: vec![kv("db.system", s("sqlite"))],
        ..spans[0].clone()
    });
    spans.push(Span {
        name: "embeddings m".into(),
        attributes: vec![kv(attr::OPERATION_NAME, s("embeddings"))],
        ..spans[0].clone()
    });
    let answer = post_proto(&srv, &request(spans)).await;
    let partial = answer.partial_success.unwrap();
    assert_eq!(partial.rejected_spans, 2);
    assert_eq!(
        partial.error_message,
        "2 spans rejected: 1 without gen_ai.operation.name (not GenAI spans; ignored); \
         1 with gen_ai.operation.name `embeddings` (not mapped: only invoke_agent, chat, \
         text_completion, generate_content and execute_tool are)"
    );
    // The GenAI spans of the same request were stored.
    let (_, detail) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    assert_fields(&detail, &expected_sdk_session(), "beside rejected spans");
}

#[tokio::test]
async fn refusals_say_what_is_wrong() {
    let srv = TestServer::start(&[]).await;
    let body = request(sdk_session(SID)).encode_to_vec();
    let error = |body: &[u8]| -> String {
        let v: Value = serde_json::from_slice(body).unwrap();
        v["error"].as_str().unwrap().to_string()
    };

    let (status, _, err) = post(&srv, Some(KEY), "text/plain", body.clone(), false).await;
    assert_eq!(status, 415);
    assert_eq!(
        error(&err),
        "unsupported Content-Type `text/plain`; OTLP/HTTP bodies are application/x-protobuf \
         or application/json"
    );
    let (status, _, _) = post(&srv, Some(KEY), "application/json", body.clone(), false).await;
    assert_eq!(status, 400);

    let garbage = b"\x0a\xff\xff\xff\xff\x0fnot protobuf".to_vec();
    let (status, _, err) = post(&srv, Some(KEY), "application/x-protobuf", garbage, false).await;
    assert_eq!(status, 400);
    assert!(
        error(&err).starts_with("invalid OTLP protobuf: "),
        "{}",
        error(&err)
    );
    let (status, _, err) = post(
        &srv,
        Some(KEY),
        "application/json",
        b"{\"resourceSpans\": [{".to_vec(),
        false,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error(&err).starts_with("invalid OTLP JSON: EOF"),
        "{}",
        error(&err)
    );
    let bad_id = json!({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xy"}]}]}]});
    let (status, _, err) = post(
        &srv,
        Some(KEY),
        "application/json",
        bad_id.to_string().into(),
        false,
    )
    .await;
    assert_eq!(
        (status, error(&err).as_str()),
        (
            400,
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].traceId: invalid \
             character 'x' at position 0"
        )
    );

    let (status, _, err) = post(&srv, None, "application/x-protobuf", body.clone(), false).await;
    assert_eq!(status, 401);
    assert!(error(&err).starts_with("missing Authorization header"));
    let (status, _, err) = post(&srv, Some("nope"), "application/x-protobuf", body, false).await;
    assert_eq!((status, error(&err).as_str()), (401, "unknown API key"));

    // Nothing of the refused requests was stored.
    let (_, list) = srv.get(KEY, "/api/sessions").await;
    assert_eq!(list["sessions"], json!([]));
}

#[tokio::test]
async fn damaged_bodies_get_200_or_400_never_5xx() {
    let srv = TestServer::start(&[]).await;
    let whole = request(sdk_session(SID)).encode_to_vec();
    let json_whole = serde_json::to_vec(&request(sdk_session(SID))).unwrap();
    for (ct, whole) in [
        ("application/x-protobuf", &whole),
        ("application/json", &json_whole),
    ] {
        for n in (0..whole.len()).step_by(97) {
            let mut cut = whole[..n].to_vec();
            let (status, _, _) = post(&srv, Some(KEY), ct, cut.clone(), false).await;
            assert!(status == 200 || status == 400, "{ct} cut at {n}: {status}");
            if let Some(b) = cut.last_mut() {
                *b ^= 0x5a;
            }
            cut.extend_from_slice(&whole[n..]);
            let (status, _, _) = post(&srv, Some(KEY), ct, cut, false).await;
            assert!(
                status == 200 || status == 400,
                "{ct} flipped at {n}: {status}"
            );
        }
    }
}

#[tokio::test]
async fn another_projects_key_cannot_see_the_session() {
    let other = "key-of-project-b-0123456789";
    let srv = TestServer::start(&[(other, "project-b")]).await;
    post_proto(&srv, &request(sdk_session(SID))).await;
    let (status, _) = srv.get(other, &format!("/api/sessions/{SID}")).await;
    assert_eq!(status, 404);
    let (_, list) = srv.get(other, "/api/sessions").await;
    assert_eq!(list["sessions"], json!([]));
    let (status, _) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn huge_attributes_are_kept_and_the_size_limit_is_the_batch_one() {
    let srv = TestServer::start(&[]).await;
    // 3 MiB of tool output: past the size decoded inline, well within the 10 MiB limit.
    let stdout = "x".repeat(3 << 20);
    let mut spans = sdk_session(SID);
    spans[4] = tool(
        SID,
        Tool {
            id: "toolu_bash",
            name: "Bash",
            seq: 1,
            args: json!({"command": "yes x"}),
            result: json!({ "stdout": stdout }),
            status: "success",
            task: Some("toolu_task"),
            times: (700, 900),
        },
    );
    for ct in ["application/x-protobuf", "application/json"] {
        let body = match ct {
            "application/json" => serde_json::to_vec(&request(spans.clone())).unwrap(),
            _ => request(spans.clone()).encode_to_vec(),
        };
        let (status, _, _) = post(&srv, Some(KEY), ct, body, true).await;
        assert_eq!(status, 200, "{ct}");
    }
    let (_, detail) = srv.get(KEY, &format!("/api/sessions/{SID}")).await;
    let out = detail["tool_calls"][1]["output"]["stdout"]
        .as_str()
        .unwrap();
    assert_eq!(out.len(), 3 << 20);

    // 11 MiB that gzip to a few KiB: refused once decompressed past 10 MiB.
    let bomb = vec![0u8; 11 << 20];
    let (status, _, err) = post(&srv, Some(KEY), "application/x-protobuf", bomb, true).await;
    let err: Value = serde_json::from_slice(&err).unwrap();
    assert_eq!(
        (status, err["error"].as_str().unwrap()),
        (
            413,
            "request body exceeds 10 MiB (counted after decompression)"
        )
    );
}
