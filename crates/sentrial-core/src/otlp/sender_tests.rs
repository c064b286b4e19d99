//! The exporter end to end: a real tracker fed SDK messages, exporting to a local OTLP endpoint
//! (axum on 127.0.0.1) that records each request and answers scripted statuses.

use super::*;
use crate::{Config, Ending, SessionInit, Tracker};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use flate2::read::GzDecoder;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use std::collections::VecDeque;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

/// One request the sink saw, body un-gzipped.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Default)]
struct SinkState {
    seen: Mutex<Vec<Seen>>,
    /// Statuses to answer, in order; 200 once they run out.
    script: Mutex<VecDeque<u16>>,
    /// The body (and its content type) of every 200 answer; none when unset.
    answer: Mutex<Option<(&'static str, Vec<u8>)>>,
}

struct Sink {
    url: String,
    state: Arc<SinkState>,
}

impl Sink {
    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    fn traces(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path == "/v1/traces")
            .collect()
    }
}

async fn record(
    State(state): State<Arc<SinkState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut raw = Vec::new();
    let body = if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        GzDecoder::new(&body[..])
            .read_to_end(&mut raw)
            .expect("a gzip body");
        raw
    } else {
        body.to_vec()
    };
    state.seen.lock().unwrap().push(Seen {
        path: uri.path().to_string(),
        headers,
        body,
    });
    let code = state.script.lock().unwrap().pop_front().unwrap_or(200);
    let answer = state.answer.lock().unwrap().clone();
    match answer {
        Some((content_type, body)) if code == 200 => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response(),
        _ => StatusCode::from_u16(code).unwrap().into_response(),
    }
}

/// A sink on its own thread and runtime (the tracker's runtime is the process-wide one).
fn start_sink(script: &[u16]) -> Sink {
    let state = Arc::new(SinkState {
        script: Mutex::new(script.iter().copied().collect()),
        ..Default::default()
    });
    let app = axum::Router::new()
        .fallback(record)
        .with_state(Arc::clone(&state));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    Sink {
        url: format!("http://{addr}"),
        state,
    }
}

fn otlp_config(sink: &Sink, protocol: OtlpProtocol) -> OtlpConfig {
    OtlpConfig {
        endpoint: traces_url(&sink.url),
        headers: vec![("x-backend-key".into(), "backend-secret-1".into())],
        protocol,
        service_name: "checkout-agents".into(),
    }
}

fn tracker(api_key: &str, api_url: &str, otlp: OtlpConfig) -> Tracker {
    Tracker::new(Config {
        api_key: api_key.into(),
        api_url: api_url.into(),
        delivery: crate::DeliveryConfig {
            flush_interval: Duration::from_millis(20),
            request_timeout: Duration::from_secs(2),
            ..Default::default()
        },
        otlp: Some(otlp),
        ..Config::default()
    })
    .unwrap()
}

/// A tracker exporting to `sink` only (no API key: the collector URL is never used).
fn otlp_only(sink: &Sink, protocol: OtlpProtocol) -> Tracker {
    tracker("", "http://127.0.0.1:9", otlp_config(sink, protocol))
}

/// One session as the SDK streams it: init, a model call asking for Bash (whose input holds a
/// secret under a key name), the PostToolUse hook, the result.
fn run_session(tracker: &Tracker) {
    let s = tracker.start_session(SessionInit {
        agent: "otlp-agent".into(),
        user_id: "user-1".into(),
        input: Some("list files".into()),
        started_at: crate::clock::now_ms(),
        ..Default::default()
    });
    let bash_input = r#"{"command":"ls","api_key":"FAKEapikey123456"}"#;
    s.message(
        r#"{"type":"system","subtype":"init","session_id":"claude-1","model":"claude-sonnet-4-5"}"#,
    );
    s.message(format!(
        r#"{{"type":"assistant","parent_tool_use_id":null,"message":{{"id":"msg_1","model":"claude-sonnet-4-5","content":[{{"type":"tool_use","id":"toolu_1","name":"Bash","input":{bash_input}}}],"usage":{{"input_tokens":3,"output_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":50}}}}}}"#
    ));
    s.hook(format!(
        r#"{{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"toolu_1","tool_input":{bash_input},"tool_response":{{"stdout":"a.txt"}}}}"#
    ));
    s.message(r#"{"type":"result","subtype":"success","is_error":false,"result":"a.txt","num_turns":2,"duration_api_ms":20,"total_cost_usd":0.01,"usage":{"input_tokens":3,"output_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":50}}"#);
    s.finish(Ending::Done);
}

fn str_attr(attrs: &[KeyValue], key: &str) -> Option<String> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            V::StringValue(s) => Some(s.clone()),
            _ => None,
        }
    })
}

fn int_attr(attrs: &[KeyValue], key: &str) -> Option<i64> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            V::IntValue(i) => Some(*i),
            _ => None,
        }
    })
}

/// All spans of all export requests, by name.
fn spans_of(requests: &[ExportTraceServiceRequest]) -> Vec<Span> {
    requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| ss.spans.clone())
        .collect()
}

fn check_session_spans(requests: &[ExportTraceServiceRequest]) {
    for r in requests {
        let rs = &r.resource_spans[0];
        let res = &rs.resource.as_ref().unwrap().attributes;
        assert_eq!(
            str_attr(res, "service.name").as_deref(),
            Some("checkout-agents")
        );
        assert_eq!(
            str_attr(res, "telemetry.sdk.name").as_deref(),
            Some("@sentrial/sdk")
        );
        assert_eq!(
            str_attr(res, "telemetry.sdk.language").as_deref(),
            Some("nodejs")
        );
        assert_eq!(
            str_attr(res, "telemetry.sdk.version").as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        let scope = rs.scope_spans[0].scope.as_ref().unwrap();
        assert_eq!(scope.name, "@sentrial/sdk");
        assert_eq!(scope.version, env!("CARGO_PKG_VERSION"));
    }
    let spans = spans_of(requests);
    let mut names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "chat claude-sonnet-4-5",
            "execute_tool Bash",
            "invoke_agent otlp-agent"
        ]
    );
    let root = spans.iter().find(|s| s.parent_span_id.is_empty()).unwrap();
    let session = str_attr(&root.attributes, "sentrial.session.id").unwrap();
    let uuid: String = root.trace_id.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        uuid,
        session.replace('-', ""),
        "the trace id is the session UUID"
    );
    assert_eq!(
        int_attr(&root.attributes, "gen_ai.usage.input_tokens"),
        Some(153)
    );
    for sp in &spans {
        assert_eq!(sp.trace_id, root.trace_id);
        if sp.span_id != root.span_id {
            assert_eq!(sp.parent_span_id, root.span_id, "{}", sp.name);
        }
    }
    let bash = spans
        .iter()
        .find(|s| s.name == "execute_tool Bash")
        .unwrap();
    let args = str_attr(&bash.attributes, "gen_ai.tool.call.arguments").unwrap();
    assert_eq!(args, r#"{"api_key":"[REDACTED:api_key]","command":"ls"}"#);
    assert_eq!(
        str_attr(&bash.attributes, "gen_ai.tool.call.result").as_deref(),
        Some(r#"{"stdout":"a.txt"}"#)
    );
}

#[test]
fn protobuf_spans_reach_the_endpoint_gzipped_with_headers_and_redacted() {
    let sink = start_sink(&[]);
    let t = otlp_only(&sink, OtlpProtocol::Protobuf);
    run_session(&t);
    let report = t.flush_blocking(Duration::from_secs(5));
    assert!(!report.timed_out, "{report:?}");
    assert_eq!((report.delivered, report.pending), (3, 0));
    let seen = sink.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|s| s.path == "/v1/traces"),
        "OTLP only: no collector request"
    );
    for s in &seen {
        assert_eq!(s.headers["content-type"], "application/x-protobuf");
        assert_eq!(s.headers["content-encoding"], "gzip");
        assert_eq!(s.headers["x-backend-key"], "backend-secret-1");
        assert!(s.headers.get("authorization").is_none());
    }
    let requests: Vec<ExportTraceServiceRequest> = seen
        .iter()
        .map(|s| ExportTraceServiceRequest::decode(s.body.as_slice()).expect("protobuf"))
        .collect();
    check_session_spans(&requests);
    let otlp = t.otlp_stats().unwrap();
    assert_eq!(
        (otlp.produced, otlp.delivered, otlp.pending, otlp.dropped),
        (3, 3, 0, 0)
    );
    assert_eq!(t.stats().produced, 0, "nothing made for a collector");
}

#[test]
fn the_json_protocol_posts_otlp_json() {
    let sink = start_sink(&[]);
    let t = otlp_only(&sink, OtlpProtocol::Json);
    run_session(&t);
    assert!(!t.flush_blocking(Duration::from_secs(5)).timed_out);
    let seen = sink.traces();
    let requests: Vec<ExportTraceServiceRequest> = seen
        .iter()
        .map(|s| {
            assert_eq!(s.headers["content-type"], "application/json");
            serde_json::from_slice(&s.body).expect("OTLP JSON")
        })
        .collect();
    check_session_spans(&requests);
    // OTLP JSON: ids as hex strings, enums as numbers, 64-bit times as strings.
    let raw: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    let span = &raw["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert!(
        span["traceId"].as_str().is_some_and(|s| s.len() == 32),
        "{span}"
    );
    assert!(span["spanId"].as_str().is_some_and(|s| s.len() == 16));
    assert!(span["kind"].is_number());
    assert!(span["startTimeUnixNano"].is_string());
}

#[test]
fn a_503_is_retried_then_delivered() {
    let sink = start_sink(&[503]);
    let t = otlp_only(&sink, OtlpProtocol::Protobuf);
    run_session(&t);
    let report = t.flush_blocking(Duration::from_secs(5));
    assert!(!report.timed_out, "{report:?}");
    let otlp = t.otlp_stats().unwrap();
    assert_eq!((otlp.delivered, otlp.dropped, otlp.pending), (3, 0, 0));
    assert!(otlp.retried >= 1);
    let seen = sink.traces();
    assert!(seen.len() >= 2);
    // The retry sends the same spans again.
    let first = ExportTraceServiceRequest::decode(seen[0].body.as_slice()).unwrap();
    let second = ExportTraceServiceRequest::decode(seen[1].body.as_slice()).unwrap();
    assert_eq!(spans_of(&[first]), spans_of(&[second]));
}

#[test]
fn a_partial_success_counts_the_refused_spans_as_rejected_and_sends_nothing_again() {
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTracePartialSuccess, ExportTraceServiceResponse,
    };
    let protobuf = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 2,
            error_message: "2 spans had no name".into(),
        }),
    }
    .encode_to_vec();
    let json = br#"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"2 spans had no name"}}"#;
    for (protocol, answer) in [
        (OtlpProtocol::Protobuf, ("application/x-protobuf", protobuf)),
        (OtlpProtocol::Json, ("application/json", json.to_vec())),
    ] {
        let sink = start_sink(&[]);
        *sink.state.answer.lock().unwrap() = Some(answer);
        let t = otlp_only(&sink, protocol);
        run_session(&t);
        let report = t.flush_blocking(Duration::from_secs(5));
        assert!(!report.timed_out, "{protocol:?}: {report:?}");
        let otlp = t.otlp_stats().unwrap();
        // Each request's answer refuses 2 of its spans (all of them when it had fewer).
        let per_request: Vec<u64> = sink
            .traces()
            .iter()
            .map(|seen| match protocol {
                OtlpProtocol::Protobuf => {
                    let r = ExportTraceServiceRequest::decode(seen.body.as_slice()).unwrap();
                    spans_of(&[r]).len() as u64
                }
                OtlpProtocol::Json => {
                    let v: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
                    v["resourceSpans"][0]["scopeSpans"][0]["spans"]
                        .as_array()
                        .unwrap()
                        .len() as u64
                }
            })
            .collect();
        // Each span sent once: a partial success is not retried.
        assert_eq!(per_request.iter().sum::<u64>(), 3, "{protocol:?}");
        let refused: u64 = per_request.iter().map(|&n| n.min(2)).sum();
        assert_eq!(
            (
                otlp.delivered,
                otlp.dropped_rejected,
                otlp.pending,
                otlp.retried
            ),
            (3 - refused, refused, 0, 0),
            "{protocol:?}: {otlp:?}"
        );
    }
}

#[test]
fn an_empty_or_foreign_answer_to_an_accepted_request_rejects_nothing() {
    for answer in [
        ("application/x-protobuf", Vec::new()),
        ("application/json", b"{}".to_vec()),
        ("text/plain", b"ok".to_vec()),
        ("application/x-protobuf", b"\xff\xff not protobuf".to_vec()),
    ] {
        let sink = start_sink(&[]);
        *sink.state.answer.lock().unwrap() = Some(answer.clone());
        let t = otlp_only(&sink, OtlpProtocol::Protobuf);
        run_session(&t);
        t.flush_blocking(Duration::from_secs(5));
        let otlp = t.otlp_stats().unwrap();
        assert_eq!(
            (otlp.delivered, otlp.dropped),
            (3, 0),
            "{answer:?}: {otlp:?}"
        );
    }
}

#[test]
fn a_401_is_dropped_and_not_retried() {
    let sink = start_sink(&[401, 401, 401]);
    let t = otlp_only(&sink, OtlpProtocol::Protobuf);
    run_session(&t);
    let report = t.flush_blocking(Duration::from_secs(5));
    assert!(!report.timed_out);
    assert_eq!(report.pending, 0);
    let otlp = t.otlp_stats().unwrap();
    assert_eq!(
        (
            otlp.produced,
            otlp.delivered,
            otlp.dropped_unauthorized,
            otlp.retried
        ),
        (3, 0, 3, 0)
    );
    assert_eq!(
        sink.traces().len(),
        1,
        "a refused request is not sent again"
    );
}

#[test]
fn collector_and_otlp_both_receive_and_one_flush_covers_both() {
    let sink = start_sink(&[]);
    let t = tracker("k-1", &sink.url, otlp_config(&sink, OtlpProtocol::Protobuf));
    run_session(&t);
    let report = t.flush_blocking(Duration::from_secs(5));
    assert!(!report.timed_out);
    let events = t.stats();
    let otlp = t.otlp_stats().unwrap();
    assert!(events.produced >= 4, "{events:?}");
    assert_eq!(events.delivered, events.produced);
    assert_eq!(otlp.delivered, 3);
    assert_eq!(report.delivered, events.delivered + otlp.delivered);
    assert_eq!(report.pending, 0);
    let seen = sink.seen();
    let batches: Vec<&Seen> = seen.iter().filter(|s| s.path == "/v1/batch").collect();
    assert!(!batches.is_empty());
    for b in batches {
        assert_eq!(b.headers["authorization"], "Bearer k-1");
        assert!(
            b.headers.get("x-backend-key").is_none(),
            "OTLP headers stay on OTLP requests"
        );
    }
    let requests: Vec<ExportTraceServiceRequest> = sink
        .traces()
        .iter()
        .map(|s| ExportTraceServiceRequest::decode(s.body.as_slice()).unwrap())
        .collect();
    check_session_spans(&requests);
}

#[test]
fn an_unusable_endpoint_is_refused_when_the_tracker_is_made() {
    let err = Tracker::new(Config {
        otlp: Some(OtlpConfig {
            endpoint: "localhost:4318".into(),
            ..Default::default()
        }),
        ..Config::default()
    })
    .err()
    .expect("an error");
    assert!(matches!(err, CoreError::InvalidOtlp(_)), "{err}");
}
