//! How Sentrial sessions map onto OpenTelemetry traces (OTLP), following the OpenTelemetry GenAI
//! semantic conventions. The SDK's exporter writes spans with these names and ids, and the
//! collector's `/v1/traces` endpoint reads them back; both sides use this module so they cannot
//! drift apart. `docs/scaling.md` is the human-readable form.
//!
//! - A session is one trace. Its trace id is the session id's 16 bytes when the session id is a
//!   UUID (so the id a user sees in the dashboard finds the trace in any OTel backend), else the
//!   first 16 bytes of its SHA-256.
//! - The session is an `invoke_agent {agent}` span; each model call a `chat {model}` span; each
//!   tool call an `execute_tool {tool}` span. Span ids are derived from what identifies the record
//!   (see [`session_span_id`], [`tool_span_id`], [`model_span_id`]), so a span sent twice has the
//!   same ids, and a child's parent id is known without keeping state.
//! - A model or tool call made inside a sub-agent has the Task call's `execute_tool` span as its
//!   parent; any other call has the session's span.

use crate::Block;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `gen_ai.operation.name` of a session span.
pub const OP_INVOKE_AGENT: &str = "invoke_agent";
/// `gen_ai.operation.name` of a model call span.
pub const OP_CHAT: &str = "chat";
/// `gen_ai.operation.name` of a tool call span.
pub const OP_EXECUTE_TOOL: &str = "execute_tool";
/// `gen_ai.provider.name` of every span the SDK exports.
pub const PROVIDER_ANTHROPIC: &str = "anthropic";

/// Attribute names: the GenAI semantic conventions' where one exists, `sentrial.*` for the rest.
pub mod attr {
    /// The operation: [`super::OP_INVOKE_AGENT`], [`super::OP_CHAT`] or [`super::OP_EXECUTE_TOOL`].
    pub const OPERATION_NAME: &str = "gen_ai.operation.name";
    /// `anthropic`.
    pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
    /// The agent's name (a session's `agent`).
    pub const AGENT_NAME: &str = "gen_ai.agent.name";
    /// The conversation thread (a session's `convoId`).
    pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
    /// The model asked for.
    pub const REQUEST_MODEL: &str = "gen_ai.request.model";
    /// The model that answered.
    pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
    /// The model response's id (an assistant message id).
    pub const RESPONSE_ID: &str = "gen_ai.response.id";
    /// Why the model stopped, as a one-element string array.
    pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
    /// Input tokens, Anthropic's way made whole: input + cache read + cache write.
    pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
    /// Output tokens.
    pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
    /// Of the input tokens, those read from the prompt cache.
    pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
    /// Of the input tokens, those written to the prompt cache.
    pub const USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
    /// The tool's name.
    pub const TOOL_NAME: &str = "gen_ai.tool.name";
    /// The tool call's id (`tool_use_id`).
    pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
    /// `function` for every Claude Agent SDK tool.
    pub const TOOL_TYPE: &str = "gen_ai.tool.type";
    /// The tool's input, as JSON text.
    pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
    /// The tool's output, as JSON text.
    pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
    /// The session's prompt, as GenAI input messages JSON
    /// (`[{"role":"user","parts":[{"type":"text","content":"..."}]}]`).
    pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
    /// The session's final output, as GenAI output messages JSON
    /// (`[{"role":"assistant","parts":[{"type":"text","content":"..."}]}]`).
    pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
    /// The end user.
    pub const USER_ID: &str = "user.id";
    /// The class of error of a failed session or tool call.
    pub const ERROR_TYPE: &str = "error.type";

    /// The Sentrial session id (on every span the SDK exports).
    pub const SESSION_ID: &str = "sentrial.session.id";
    /// The session's final status: `completed`, `failed`, `interrupted`, ...
    pub const SESSION_STATUS: &str = "sentrial.session.status";
    /// The Claude Code session id.
    pub const CLAUDE_SESSION_ID: &str = "sentrial.claude_session_id";
    /// The session's metadata, as JSON text.
    pub const METADATA: &str = "sentrial.metadata";
    /// Cost in USD (no GenAI convention exists for it).
    pub const COST_USD: &str = "sentrial.cost_usd";
    /// Time spent in the model API, in milliseconds.
    pub const API_DURATION_MS: &str = "sentrial.api_duration_ms";
    /// Turns the session took.
    pub const NUM_TURNS: &str = "sentrial.num_turns";
    /// A tool call's status: `success`, `error`, `interrupted`, `not_completed`, `denied`.
    pub const TOOL_STATUS: &str = "sentrial.tool.status";
    /// A tool call's position in its session.
    pub const TOOL_SEQ: &str = "sentrial.tool.seq";
    /// The Task call a model or tool call of a sub-agent ran under.
    pub const PARENT_TOOL_USE_ID: &str = "sentrial.parent_tool_use_id";
    /// A model or tool call's place in its session's transcript.
    pub const POSITION: &str = "sentrial.position";
    /// The input a tool call ran with when a hook or `canUseTool` changed it, as JSON text.
    pub const TOOL_UPDATED_INPUT: &str = "sentrial.tool.updated_input";
    /// Who refused a denied tool call (`hook`, `can_use_tool`, `rule`, ...).
    pub const TOOL_DENIED_BY: &str = "sentrial.tool.denied_by";
    /// The MCP server that serves a tool.
    pub const TOOL_MCP_SERVER: &str = "sentrial.tool.mcp_server";
    /// Whether a model call's output count is final (`true`) or as the call started.
    pub const OUTPUT_TOKENS_FINAL: &str = "sentrial.usage.output_tokens_final";
    /// A model call's time to first token, in milliseconds.
    pub const TTFT_MS: &str = "sentrial.ttft_ms";
}

/// A model call's content as GenAI output messages JSON: one assistant message whose parts are
/// its blocks (`text`, `reasoning` for thinking, `tool_call`; the transcript's own kinds, such as
/// `redacted_thinking`, as parts of that type). [`blocks_of_output_messages`] reads it back.
pub fn output_messages_of_blocks(blocks: &[Block]) -> Value {
    let parts: Vec<Value> = blocks
        .iter()
        .map(|b| match b {
            Block::Text { text } => json!({"type": "text", "content": text}),
            Block::Thinking { thinking } => json!({"type": "reasoning", "content": thinking}),
            Block::ToolUse { id, name } => json!({"type": "tool_call", "id": id, "name": name}),
            other => serde_json::to_value(other).unwrap_or(Value::Null),
        })
        .collect();
    json!([{"role": "assistant", "parts": parts}])
}

/// The blocks of GenAI output messages JSON (of every message, in order). Parts this crate does
/// not write are read by their type as the transcript knows them, else as unsupported.
pub fn blocks_of_output_messages(messages: &Value) -> Vec<Block> {
    let parts = messages
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("parts").and_then(Value::as_array))
        .flatten();
    let text = |p: &Value| {
        p.get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    parts
        .map(|p| match p.get("type").and_then(Value::as_str) {
            Some("text") => Block::Text { text: text(p) },
            Some("reasoning") => Block::Thinking { thinking: text(p) },
            Some("tool_call") => Block::ToolUse {
                id: p
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                name: p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            },
            kind => serde_json::from_value(p.clone())
                .ok()
                .filter(|b| *b != Block::Unknown)
                .unwrap_or_else(|| Block::Unsupported {
                    kind: kind.unwrap_or("unknown").to_owned(),
                }),
        })
        .collect()
}

/// The trace id of a session.
pub fn trace_id(session_id: &str) -> [u8; 16] {
    if let Some(bytes) = parse_uuid(session_id) {
        return bytes;
    }
    let digest = Sha256::digest(session_id.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The span id of a session's `invoke_agent` span.
pub fn session_span_id(session_id: &str) -> [u8; 8] {
    span_id(&["session", session_id])
}

/// The span id of a tool call's `execute_tool` span.
pub fn tool_span_id(session_id: &str, tool_use_id: &str) -> [u8; 8] {
    span_id(&["tool", session_id, tool_use_id])
}

/// The span id of a model call's `chat` span.
pub fn model_span_id(session_id: &str, message_id: &str) -> [u8; 8] {
    span_id(&["model", session_id, message_id])
}

/// The parent span id of a model or tool call: its Task call's span inside a sub-agent, else the
/// session's span.
pub fn parent_span_id(session_id: &str, parent_tool_use_id: Option<&str>) -> [u8; 8] {
    match parent_tool_use_id {
        Some(task) => tool_span_id(session_id, task),
        None => session_span_id(session_id),
    }
}

/// First 8 bytes of SHA-256 over the parts, each followed by a NUL (no two part lists collide);
/// never all zero, which OTLP reserves for "no span".
fn span_id(parts: &[&str]) -> [u8; 8] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    if out == [0; 8] {
        out[7] = 1;
    }
    out
}

/// The 16 bytes of a UUID in its hyphenated form (any version), or `None`.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    (out != [0; 16]).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_goes_through_genai_messages_and_back() {
        let blocks = vec![
            Block::Thinking {
                thinking: "plan".into(),
            },
            Block::RedactedThinking,
            Block::Text { text: "hi".into() },
            Block::ToolUse {
                id: "t1".into(),
                name: "Bash".into(),
            },
            Block::Omitted {
                kind: "text".into(),
                bytes: 7,
            },
            Block::Unsupported {
                kind: "image".into(),
            },
        ];
        let messages = output_messages_of_blocks(&blocks);
        assert_eq!(
            messages[0]["parts"][0],
            json!({"type": "reasoning", "content": "plan"})
        );
        assert_eq!(messages[0]["role"], "assistant");
        assert_eq!(blocks_of_output_messages(&messages), blocks);
        // Another source's parts: a file is unsupported, a message without parts gives nothing.
        let other = json!([{"role": "assistant", "parts": [{"type": "blob", "mime_type": "x"}]}, {"role": "x"}]);
        assert_eq!(
            blocks_of_output_messages(&other),
            vec![Block::Unsupported {
                kind: "blob".into()
            }]
        );
    }

    #[test]
    fn a_uuid_session_id_is_its_own_trace_id() {
        let id = "01937a3e-5f2b-7c4d-8e9f-0a1b2c3d4e5f";
        let hex: String = trace_id(id).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, id.replace('-', ""));
    }

    #[test]
    fn other_session_ids_hash_and_ids_are_stable_and_distinct() {
        assert_eq!(trace_id("s1"), trace_id("s1"));
        assert_ne!(trace_id("s1"), trace_id("s2"));
        assert_ne!(trace_id("not-a-uuid-but-thirty-six-chars-long!"), [0; 16]);
        assert_ne!(session_span_id("s"), tool_span_id("s", ""));
        assert_ne!(tool_span_id("a", "bc"), tool_span_id("ab", "c"));
        assert_ne!(tool_span_id("s", "t"), model_span_id("s", "t"));
        assert_eq!(parent_span_id("s", None), session_span_id("s"));
        assert_eq!(parent_span_id("s", Some("t")), tool_span_id("s", "t"));
    }
}
