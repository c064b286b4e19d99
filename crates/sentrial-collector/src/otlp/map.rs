//! GenAI spans back to protocol events: `invoke_agent` to a session's start and end, `chat` (and
//! `text_completion`, `generate_content`) to a model call, `execute_tool` to a tool call. The
//! names and attributes are those of [`sentrial_protocol::otel`], which the SDK's exporter writes.
//!
//! Event ids come from the trace and span ids (`otlp:{trace}:{span}:{kind}`), so a span sent
//! twice is stored once.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use sentrial_protocol::otel::{self, attr, OP_CHAT, OP_EXECUTE_TOOL, OP_INVOKE_AGENT};
use sentrial_protocol::{
    Event, ModelCall, Payload, SessionEnd, SessionStart, SessionStatus, ToolCall, ToolStatus, Usage,
};
use serde_json::Value;

use super::attrs::{messages_text, Attrs};
use super::reject::{Reject, Rejected};

/// Operations other GenAI sources use for a model call; `chat` is the one the SDK writes.
const MODEL_OPS: [&str; 3] = [OP_CHAT, "text_completion", "generate_content"];

/// What a request's spans became.
#[derive(Debug, Default)]
pub struct Mapped {
    /// The events, in the order of the spans.
    pub events: Vec<Event>,
    /// The spans that became none, by reason.
    pub rejected: Rejected,
}

/// Maps every span of the request; a span that cannot be mapped is counted, never an error.
pub fn request(req: &ExportTraceServiceRequest) -> Mapped {
    let mut out = Mapped::default();
    let spans = req
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans);
    for span in spans {
        match span_events(span) {
            Ok(events) => out.events.extend(events),
            Err(reason) => out.rejected.add(reason),
        }
    }
    out
}

/// The events of one span, or why it has none.
pub fn span_events(span: &Span) -> Result<Vec<Event>, Reject> {
    let attrs = Attrs(&span.attributes);
    let op = attrs.str(attr::OPERATION_NAME).ok_or(Reject::NotGenAi)?;
    let is_model = MODEL_OPS.contains(&op);
    if !(is_model || op == OP_INVOKE_AGENT || op == OP_EXECUTE_TOOL) {
        return Err(Reject::Operation(op.to_string()));
    }
    let view = SpanView::new(span, attrs, op)?;
    Ok(if op == OP_INVOKE_AGENT {
        session(&view).to_vec()
    } else if op == OP_EXECUTE_TOOL {
        vec![tool_call(&view)]
    } else {
        vec![model_call(&view)]
    })
}

/// A span checked for what every mapping needs, with what they all derive from it.
struct SpanView<'a> {
    span: &'a Span,
    attrs: Attrs<'a>,
    op: &'a str,
    trace_hex: String,
    span_hex: String,
    session_id: String,
    start_ms: i64,
    end_ms: i64,
    duration_ms: u64,
}

impl<'a> SpanView<'a> {
    fn new(span: &'a Span, attrs: Attrs<'a>, op: &'a str) -> Result<Self, Reject> {
        let valid = |id: &[u8], len: usize| id.len() == len && id.iter().any(|&b| b != 0);
        if !valid(&span.trace_id, 16) || !valid(&span.span_id, 8) {
            return Err(Reject::Ids);
        }
        if span.start_time_unix_nano == 0 {
            return Err(Reject::StartTime);
        }
        // An end before the start (clock trouble at the source) reads as no time spent.
        let end_nanos = span.end_time_unix_nano.max(span.start_time_unix_nano);
        let trace_hex = hex::encode(&span.trace_id);
        let session_id = attrs
            .string(attr::SESSION_ID)
            .unwrap_or_else(|| trace_hex.clone());
        Ok(SpanView {
            span,
            attrs,
            op,
            span_hex: hex::encode(&span.span_id),
            trace_hex,
            session_id,
            start_ms: nanos_to_ms(span.start_time_unix_nano),
            end_ms: nanos_to_ms(end_nanos),
            duration_ms: (end_nanos - span.start_time_unix_nano) / 1_000_000,
        })
    }

    /// An event of this span's session; `kind` makes its id unique among the span's events.
    fn event(&self, kind: &str, ts: i64, payload: Payload) -> Event {
        Event {
            id: format!("otlp:{}:{}:{kind}", self.trace_hex, self.span_hex),
            session_id: self.session_id.clone(),
            ts,
            payload,
        }
    }

    /// What follows the operation in the span's name (`chat claude-sonnet-4-5`: the model).
    fn name_suffix(&self) -> Option<&'a str> {
        let rest = self.span.name.strip_prefix(self.op)?.strip_prefix(' ')?;
        Some(rest.trim()).filter(|s| !s.is_empty())
    }

    /// The span's status is ERROR.
    fn failed(&self) -> bool {
        self.span
            .status
            .as_ref()
            .is_some_and(|s| s.code == StatusCode::Error as i32)
    }

    /// Why it failed: the status message, else `error.type`.
    fn error_text(&self) -> Option<String> {
        self.span
            .status
            .as_ref()
            .map(|s| s.message.clone())
            .filter(|m| !m.is_empty())
            .or_else(|| self.attrs.string(attr::ERROR_TYPE))
    }

    fn parent_tool_use_id(&self) -> Option<String> {
        self.attrs.string(attr::PARENT_TOOL_USE_ID)
    }

    fn position(&self) -> Option<u32> {
        self.attrs
            .u64(attr::POSITION)
            .and_then(|p| u32::try_from(p).ok())
    }
}

/// OTLP nanoseconds to protocol milliseconds (u64::MAX ns is about year 2554: it fits).
fn nanos_to_ms(nanos: u64) -> i64 {
    (nanos / 1_000_000) as i64
}

/// The usage attributes. `gen_ai.usage.input_tokens` counts cache reads and writes too (the
/// GenAI convention); the protocol's input figures are the uncached ones.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Tokens {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    /// At least one of the four was given.
    any: bool,
}

impl Tokens {
    fn of(attrs: Attrs<'_>) -> Tokens {
        let get = |key| attrs.u64(key);
        let all = [
            get(attr::USAGE_INPUT_TOKENS),
            get(attr::USAGE_OUTPUT_TOKENS),
            get(attr::USAGE_CACHE_READ_INPUT_TOKENS),
            get(attr::USAGE_CACHE_CREATION_INPUT_TOKENS),
        ];
        Tokens {
            input: all[0].unwrap_or(0),
            output: all[1].unwrap_or(0),
            cache_read: all[2].unwrap_or(0),
            cache_creation: all[3].unwrap_or(0),
            any: all.iter().any(Option::is_some),
        }
    }

    fn uncached_input(&self) -> u64 {
        self.input
            .saturating_sub(self.cache_read)
            .saturating_sub(self.cache_creation)
    }
}

/// An `invoke_agent` span: the session's start, and its end with the final figures.
fn session(v: &SpanView<'_>) -> [Event; 2] {
    let a = v.attrs;
    let start = SessionStart {
        agent: a
            .string(attr::AGENT_NAME)
            .or_else(|| v.name_suffix().map(String::from))
            .unwrap_or_else(|| "unknown".into()),
        user_id: a.string(attr::USER_ID).unwrap_or_default(),
        convo_id: a.string(attr::CONVERSATION_ID),
        claude_session_id: a.string(attr::CLAUDE_SESSION_ID),
        model: a.string(attr::REQUEST_MODEL),
        input: messages_text(a, attr::INPUT_MESSAGES),
        metadata: match a.json(attr::METADATA) {
            Some(Value::Object(map)) => map,
            _ => Default::default(),
        },
        started_at: v.start_ms,
        ..Default::default()
    };
    let status = match a.str(attr::SESSION_STATUS) {
        Some("completed") => SessionStatus::Completed,
        Some("failed") => SessionStatus::Failed,
        Some("interrupted") => SessionStatus::Interrupted,
        _ if v.failed() => SessionStatus::Failed,
        _ => SessionStatus::Completed,
    };
    let tokens = Tokens::of(a);
    let cost = a.f64(attr::COST_USD);
    let output = messages_text(a, attr::OUTPUT_MESSAGES);
    let results = u32::from(output.is_some() || tokens.any || cost.is_some());
    let end = SessionEnd {
        status,
        failure_reason: if status == SessionStatus::Completed {
            None
        } else {
            v.error_text()
        },
        output,
        ended_at: v.end_ms,
        duration_ms: v.duration_ms,
        api_duration_ms: a.u64(attr::API_DURATION_MS),
        num_turns: a.u64(attr::NUM_TURNS),
        usage: Usage {
            prompt_tokens: tokens.uncached_input(),
            completion_tokens: tokens.output,
            total_tokens: tokens.input.saturating_add(tokens.output),
            cache_read_tokens: tokens.cache_read,
            cache_creation_tokens: tokens.cache_creation,
            cost_usd: cost.unwrap_or(0.0),
            cost_estimated: false,
            by_model: Default::default(),
        },
        results,
        reconciliation: None,
        ..Default::default()
    };
    [
        v.event("start", v.start_ms, Payload::SessionStart(start)),
        v.event("end", v.end_ms, Payload::SessionEnd(end)),
    ]
}

/// A `chat` span (or another source's model call span).
fn model_call(v: &SpanView<'_>) -> Event {
    let a = v.attrs;
    let tokens = Tokens::of(a);
    let call = ModelCall {
        message_id: a
            .string(attr::RESPONSE_ID)
            .unwrap_or_else(|| v.span_hex.clone()),
        model: a
            .string(attr::RESPONSE_MODEL)
            .or_else(|| a.string(attr::REQUEST_MODEL))
            .or_else(|| v.name_suffix().map(String::from))
            .unwrap_or_else(|| "unknown".into()),
        stop_reason: a
            .strings(attr::RESPONSE_FINISH_REASONS)
            .into_iter()
            .find(|r| !r.is_empty()),
        input_tokens: tokens.uncached_input(),
        output_tokens: tokens.output,
        cache_read_tokens: tokens.cache_read,
        cache_creation_tokens: tokens.cache_creation,
        output_tokens_final: a.bool(attr::OUTPUT_TOKENS_FINAL).unwrap_or(false),
        ttft_ms: a.u64(attr::TTFT_MS),
        parent_tool_use_id: v.parent_tool_use_id(),
        started_at: v.start_ms,
        ended_at: v.end_ms,
        position: v.position(),
        content: a
            .json(attr::OUTPUT_MESSAGES)
            .map(|m| otel::blocks_of_output_messages(&m))
            .unwrap_or_default(),
    };
    v.event("model", v.end_ms, Payload::ModelCall(call))
}

/// An `execute_tool` span.
fn tool_call(v: &SpanView<'_>) -> Event {
    let a = v.attrs;
    let status = match a.str(attr::TOOL_STATUS) {
        Some("success") => ToolStatus::Success,
        Some("error") => ToolStatus::Error,
        Some("interrupted") => ToolStatus::Interrupted,
        Some("not_completed") => ToolStatus::NotCompleted,
        Some("denied") => ToolStatus::Denied,
        _ if v.failed() => ToolStatus::Error,
        _ => ToolStatus::Success,
    };
    let call = ToolCall {
        tool_use_id: a
            .string(attr::TOOL_CALL_ID)
            .unwrap_or_else(|| v.span_hex.clone()),
        tool_name: a
            .string(attr::TOOL_NAME)
            .or_else(|| v.name_suffix().map(String::from))
            .unwrap_or_else(|| "unknown".into()),
        seq: a
            .u64(attr::TOOL_SEQ)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        status,
        input: a.json(attr::TOOL_CALL_ARGUMENTS).unwrap_or(Value::Null),
        updated_input: a.json(attr::TOOL_UPDATED_INPUT),
        output: a.json(attr::TOOL_CALL_RESULT).unwrap_or(Value::Null),
        denied_by: a.string(attr::TOOL_DENIED_BY),
        mcp_server: a.string(attr::TOOL_MCP_SERVER),
        position: v.position(),
        reasoning: None,
        error: if status == ToolStatus::Success {
            None
        } else {
            v.error_text()
        },
        duration_ms: Some(v.duration_ms),
        parent_tool_use_id: v.parent_tool_use_id(),
        started_at: Some(v.start_ms),
        ended_at: Some(v.end_ms),
    };
    v.event("tool", v.end_ms, Payload::ToolCall(call))
}

#[cfg(test)]
mod tests;
