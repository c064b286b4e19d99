//! Events to spans, following `sentrial_protocol::otel` (names, ids, attributes) and the
//! OpenTelemetry GenAI semantic conventions.
//!
//! A model call or a tool call becomes its span as soon as its event arrives: its ids are derived
//! from what identifies it, so nothing about its parent has to be known. The session's
//! `invoke_agent` span needs the session's start fields and its end, so the start (and streamed
//! user turns) are kept from `session_start` until `session_end`, for at most
//! [`MAX_OPEN_SESSIONS`] sessions at once. Sub-agent and result events carry nothing a span needs
//! (the end repeats the latest result's figures).

use super::attributes::{messages, Attrs};
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode, Span, Status};
use sentrial_protocol::otel::{self, attr};
use sentrial_protocol::{
    Event, LlmCall, ModelCall, Payload, SessionEnd, SessionStart, SessionStatus, ToolCall,
    ToolStatus,
};
use std::collections::HashMap;

/// Most sessions whose start is kept while they run; a session started past it gets no session
/// span (its model and tool call spans are still sent) and is counted.
pub const MAX_OPEN_SESSIONS: usize = 10_000;

/// W3C trace flags "sampled", with the OTLP bit saying whether the parent is remote (it is not).
const SPAN_FLAGS: u32 = 0x01 | 0x100;

/// What is kept of a running session.
#[derive(Debug)]
struct Open {
    start: SessionStart,
    /// Streamed user turns, in order.
    turns: Vec<String>,
}

/// Turns one tracker's events into spans; one per exporter, fed in event order.
#[derive(Debug)]
pub struct SpanBuilder {
    open: HashMap<String, Open>,
    max_open: usize,
}

impl Default for SpanBuilder {
    fn default() -> Self {
        SpanBuilder::new(MAX_OPEN_SESSIONS)
    }
}

impl SpanBuilder {
    /// A builder keeping at most `max_open` running sessions.
    pub fn new(max_open: usize) -> Self {
        SpanBuilder {
            open: HashMap::new(),
            max_open,
        }
    }

    /// Sessions whose start is kept now.
    pub fn open_sessions(&self) -> usize {
        self.open.len()
    }

    /// Takes one event (after redaction) and pushes the spans it completes. Returns false when a
    /// session ended whose start was not kept, so its session span could not be made.
    pub fn event(&mut self, event: &Event, out: &mut Vec<Span>) -> bool {
        let session = event.session_id.as_str();
        match &event.payload {
            Payload::SessionStart(start) => {
                if let Some(open) = self.open.get_mut(session) {
                    // Sent again once the SDK's init message told more (model, Claude session).
                    open.start = start.clone();
                } else if self.open.len() < self.max_open {
                    let open = Open {
                        start: start.clone(),
                        turns: Vec::new(),
                    };
                    self.open.insert(session.to_string(), open);
                }
            }
            Payload::SessionInput(input) => {
                if let Some(open) = self.open.get_mut(session) {
                    open.turns.push(input.text.clone());
                }
            }
            Payload::ModelCall(call) => out.push(model_span(
                session,
                call,
                Some(otel::PROVIDER_ANTHROPIC),
                None,
            )),
            Payload::LlmCall(call) => out.push(reported_model_span(session, call)),
            Payload::ToolCall(call) => out.push(tool_span(session, call, event.ts)),
            Payload::SessionEnd(end) => match self.open.remove(session) {
                Some(open) => out.push(session_span(session, &open, end)),
                None => return false,
            },
            Payload::Subagent(_)
            | Payload::SessionResult(_)
            | Payload::Marker(_)
            | Payload::Score(_)
            | Payload::Decision(_)
            | Payload::Error(_) => {}
        }
        true
    }
}

fn nanos(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0).saturating_mul(1_000_000)
}

fn span(session: &str, span_id: [u8; 8], parent: Option<[u8; 8]>) -> Span {
    Span {
        trace_id: otel::trace_id(session).to_vec(),
        span_id: span_id.to_vec(),
        parent_span_id: parent.map(|p| p.to_vec()).unwrap_or_default(),
        flags: SPAN_FLAGS,
        // Unset, but present: OTLP JSON would otherwise carry `"status": null`.
        status: Some(Status::default()),
        ..Default::default()
    }
}

fn error_status(message: Option<&str>) -> Option<Status> {
    Some(Status {
        message: message.unwrap_or_default().to_string(),
        code: StatusCode::Error as i32,
    })
}

/// The `invoke_agent {agent}` span of a session.
fn session_span(session: &str, open: &Open, end: &SessionEnd) -> Span {
    let start = &open.start;
    let mut a = Attrs::default();
    a.str(attr::OPERATION_NAME, otel::OP_INVOKE_AGENT);
    a.str(attr::PROVIDER_NAME, otel::PROVIDER_ANTHROPIC);
    a.str(attr::AGENT_NAME, &start.agent);
    a.opt_str(attr::CONVERSATION_ID, start.convo_id.as_deref());
    a.str(attr::USER_ID, &start.user_id);
    a.opt_str(attr::REQUEST_MODEL, start.model.as_deref());
    let u = &end.usage;
    a.usage(
        u.prompt_tokens,
        u.completion_tokens,
        u.cache_read_tokens,
        u.cache_creation_tokens,
    );
    let inputs: Vec<&str> = start
        .input
        .as_deref()
        .into_iter()
        .chain(open.turns.iter().map(String::as_str))
        .collect();
    if !inputs.is_empty() {
        a.str(attr::INPUT_MESSAGES, messages("user", &inputs));
    }
    if let Some(output) = end.output.as_deref() {
        a.str(attr::OUTPUT_MESSAGES, messages("assistant", &[output]));
    }
    a.str(attr::SESSION_ID, session);
    a.str(attr::SESSION_STATUS, end.status.as_str());
    a.opt_str(attr::CLAUDE_SESSION_ID, start.claude_session_id.as_deref());
    a.str(
        attr::METADATA,
        serde_json::Value::Object(start.metadata.clone()).to_string(),
    );
    a.double(attr::COST_USD, u.cost_usd);
    if let Some(ms) = end.api_duration_ms {
        a.int(attr::API_DURATION_MS, ms);
    }
    if let Some(turns) = end.num_turns {
        a.int(attr::NUM_TURNS, turns);
    }
    let mut span = span(session, otel::session_span_id(session), None);
    if matches!(
        end.status,
        SessionStatus::Failed | SessionStatus::Interrupted
    ) {
        let reason = end.failure_reason.as_deref();
        let class = match &end.end_reason {
            Some(end_reason) => end_reason.clone(),
            None => session_error_type(end.status, reason),
        };
        a.str(attr::ERROR_TYPE, class);
        span.status = error_status(reason);
    }
    span.name = format!("{} {}", otel::OP_INVOKE_AGENT, start.agent);
    span.kind = SpanKind::Internal as i32;
    span.start_time_unix_nano = nanos(start.started_at);
    span.end_time_unix_nano = nanos(end.ended_at.max(start.started_at));
    span.attributes = a.0;
    span
}

/// The class of a session's failure when its end names no `end_reason` (which is the class when it
/// does): the result subtype (`error_max_turns`, `error_during_execution`, ...) or `aborted` that
/// starts the failure reason, `interrupted` for an interrupted session, else `_OTHER` (the
/// conventions' value for an unknown class).
pub fn session_error_type(status: SessionStatus, reason: Option<&str>) -> String {
    if status == SessionStatus::Interrupted {
        return "interrupted".into();
    }
    let head = reason
        .map(|r| r.split(": ").next().unwrap_or(r))
        .unwrap_or_default();
    let is_class = (head.starts_with("error_") || head == "aborted")
        && head.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if is_class {
        head.to_string()
    } else {
        "_OTHER".into()
    }
}

/// The `chat {model}` span of a model call.
fn model_span(session: &str, call: &ModelCall, provider: Option<&str>, cost: Option<f64>) -> Span {
    let mut a = Attrs::default();
    a.str(attr::OPERATION_NAME, otel::OP_CHAT);
    a.opt_str(attr::PROVIDER_NAME, provider);
    if let Some(cost) = cost {
        a.double(attr::COST_USD, cost);
    }
    a.str(attr::REQUEST_MODEL, &call.model);
    a.str(attr::RESPONSE_MODEL, &call.model);
    a.str(attr::RESPONSE_ID, &call.message_id);
    if let Some(reason) = call.stop_reason.as_deref() {
        a.strings(attr::RESPONSE_FINISH_REASONS, &[reason]);
    }
    a.usage(
        call.input_tokens,
        call.output_tokens,
        call.cache_read_tokens,
        call.cache_creation_tokens,
    );
    a.boolean(attr::OUTPUT_TOKENS_FINAL, call.output_tokens_final);
    a.opt_int(attr::TTFT_MS, call.ttft_ms);
    if !call.content.is_empty() {
        let messages = otel::output_messages_of_blocks(&call.content);
        a.json(attr::OUTPUT_MESSAGES, &messages);
    }
    a.str(attr::SESSION_ID, session);
    a.opt_str(attr::PARENT_TOOL_USE_ID, call.parent_tool_use_id.as_deref());
    a.opt_int(attr::POSITION, call.position.map(u64::from));
    let parent = otel::parent_span_id(session, call.parent_tool_use_id.as_deref());
    let mut span = span(
        session,
        otel::model_span_id(session, &call.message_id),
        Some(parent),
    );
    span.name = format!("{} {}", otel::OP_CHAT, call.model);
    span.kind = SpanKind::Client as i32;
    span.start_time_unix_nano = nanos(call.started_at);
    span.end_time_unix_nano = nanos(call.ended_at.max(call.started_at));
    span.attributes = a.0;
    span
}

/// The `chat {model}` span of a model call a manual session reported (any provider): a model
/// call's span with its cost; its provider is named only for a model the pricing table knows (a
/// Claude model), as nothing else says which provider answered.
fn reported_model_span(session: &str, call: &LlmCall) -> Span {
    let provider = crate::pricing::price_of(&call.model).map(|_| otel::PROVIDER_ANTHROPIC);
    model_span(session, &call.model_call(), provider, call.cost_usd)
}

/// The `execute_tool {tool}` span of a tool call; `ts` (the event's time) stands in for a
/// missing end, and the end for a missing start.
fn tool_span(session: &str, call: &ToolCall, ts: i64) -> Span {
    let mut a = Attrs::default();
    a.str(attr::OPERATION_NAME, otel::OP_EXECUTE_TOOL);
    a.str(attr::PROVIDER_NAME, otel::PROVIDER_ANTHROPIC);
    a.str(attr::TOOL_NAME, &call.tool_name);
    a.str(attr::TOOL_CALL_ID, &call.tool_use_id);
    a.str(attr::TOOL_TYPE, "function");
    a.json(attr::TOOL_CALL_ARGUMENTS, &call.input);
    a.json(attr::TOOL_CALL_RESULT, &call.output);
    if let Some(ran) = &call.updated_input {
        a.json(attr::TOOL_UPDATED_INPUT, ran);
    }
    a.str(attr::TOOL_STATUS, call.status.as_str());
    a.opt_str(attr::TOOL_DENIED_BY, call.denied_by.as_deref());
    a.opt_str(attr::TOOL_MCP_SERVER, call.mcp_server.as_deref());
    a.int(attr::TOOL_SEQ, call.seq.into());
    a.str(attr::SESSION_ID, session);
    a.opt_str(attr::PARENT_TOOL_USE_ID, call.parent_tool_use_id.as_deref());
    a.opt_int(attr::POSITION, call.position.map(u64::from));
    let parent = otel::parent_span_id(session, call.parent_tool_use_id.as_deref());
    let mut span = span(
        session,
        otel::tool_span_id(session, &call.tool_use_id),
        Some(parent),
    );
    // A failed call, or one that did not run as asked (interrupted, denied) with the reason why;
    // the class is its status. A call merely still open at the end carries no error.
    let failed = call.status == ToolStatus::Error
        || (call.status != ToolStatus::Success && call.error.is_some());
    if failed {
        a.str(attr::ERROR_TYPE, call.status.as_str());
        span.status = error_status(call.error.as_deref());
    }
    let ended = call.ended_at.unwrap_or(ts);
    let started = call.started_at.unwrap_or(ended).min(ended);
    span.name = format!("{} {}", otel::OP_EXECUTE_TOOL, call.tool_name);
    span.kind = SpanKind::Internal as i32;
    span.start_time_unix_nano = nanos(started);
    span.end_time_unix_nano = nanos(ended);
    span.attributes = a.0;
    span
}

#[cfg(test)]
#[path = "spans_tests.rs"]
mod tests;
