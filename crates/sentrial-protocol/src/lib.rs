//! The wire protocol between the SDK and the collector, version 1.
//!
//! The SDK sends [`Batch`]es of [`Event`]s to `POST /v1/batch`. Every event carries an id made when
//! the event was born (a UUIDv7 string) and kept across retries, so the collector can drop duplicates
//! and at-least-once delivery shows as exactly once. `docs/protocol.md` is the human-readable form of
//! this module; the two must change together.

pub mod otel;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The protocol version this crate speaks. A batch with another version is refused with 400.
pub const PROTOCOL_VERSION: u32 = 1;

/// The path batches are posted to.
pub const INGEST_PATH: &str = "/v1/batch";

/// One HTTP request body: events in the order they were produced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Must equal [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// Who sent the batch; informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk: Option<SdkInfo>,
    /// The events, oldest first. The collector applies them in this order.
    pub events: Vec<Event>,
}

/// Name and version of the sending SDK.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SdkInfo {
    /// Package name, e.g. `@sentrial/sdk`.
    pub name: String,
    /// Package version.
    pub version: String,
}

/// One event of one session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Unique id made at the event's birth (UUIDv7); the collector stores each id once.
    pub id: String,
    /// The session this event belongs to (a UUID made by the SDK when the wrapped function is called).
    pub session_id: String,
    /// When the event was produced, in milliseconds since the Unix epoch.
    pub ts: i64,
    /// What happened.
    #[serde(flatten)]
    pub payload: Payload,
}

/// The kinds of event, tagged by `type` with their fields under `data`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Payload {
    /// A session began. Always the first event of a session the SDK sends.
    SessionStart(SessionStart),
    /// A user turn of a streamed (AsyncIterable) prompt passed through.
    SessionInput(SessionInput),
    /// A tool call finished (or was closed when the stream ended).
    ToolCall(ToolCall),
    /// A model call (one assistant message id) finished.
    ModelCall(ModelCall),
    /// A sub-agent started by a Task call began or ended.
    Subagent(Subagent),
    /// A `result` message arrived; its figures are cumulative, so the latest one wins.
    SessionResult(SessionResult),
    /// The session ended. Carries the final status and figures.
    SessionEnd(SessionEnd),
}

/// Fields of [`Payload::SessionStart`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionStart {
    /// Agent name (`defaultAgent`).
    pub agent: String,
    /// End user the run is for (`userId`).
    pub user_id: String,
    /// Conversation thread (`convoId`), if any.
    #[serde(default)]
    pub convo_id: Option<String>,
    /// The Claude Code session id from the `system`/`init` message.
    #[serde(default)]
    pub claude_session_id: Option<String>,
    /// The model named by the `system`/`init` message.
    #[serde(default)]
    pub model: Option<String>,
    /// The prompt, when it was a string. Streamed prompts arrive as [`SessionInput`] events.
    #[serde(default)]
    pub input: Option<String>,
    /// `extraMetadata` merged with what the SDK knows (cwd, tools, SDK versions, ...).
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// When the wrapped function was called, ms since the epoch.
    pub started_at: i64,
}

/// Fields of [`Payload::SessionInput`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionInput {
    /// 0-based index of the user turn within the session.
    pub turn: u32,
    /// The text of the user message.
    pub text: String,
}

/// Outcome of one tool call.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// PostToolUse: the tool ran and returned.
    #[default]
    Success,
    /// PostToolUseFailure, or a tool_result with `is_error`.
    Error,
    /// The call was interrupted (`is_interrupt`).
    Interrupted,
    /// The stream ended while the call was still open.
    NotCompleted,
    /// The permission system refused the call (the result's `permission_denials`).
    Denied,
}

impl ToolStatus {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolStatus::Success => "success",
            ToolStatus::Error => "error",
            ToolStatus::Interrupted => "interrupted",
            ToolStatus::NotCompleted => "not_completed",
            ToolStatus::Denied => "denied",
        }
    }
}

/// Fields of [`Payload::ToolCall`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ToolCall {
    /// The `tool_use` block id that names this call.
    pub tool_use_id: String,
    /// Tool name (`Bash`, `Read`, `Task`, `mcp__...`).
    pub tool_name: String,
    /// Position of the call in the session, in the order the calls were made (0-based).
    pub seq: u32,
    /// Outcome.
    pub status: ToolStatus,
    /// The tool's input as the model gave it.
    #[serde(default)]
    pub input: Value,
    /// The tool's response (an object or a string, as the SDK reports it).
    #[serde(default)]
    pub output: Value,
    /// Error text when the call failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Duration as the SDK measured it.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// The Task call this call was made under, for calls of sub-agents.
    #[serde(default)]
    pub parent_tool_use_id: Option<String>,
    /// When the call was first seen (its `tool_use` block), ms since the epoch.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// When its outcome was seen, ms since the epoch.
    #[serde(default)]
    pub ended_at: Option<i64>,
}

/// One call to the model: one assistant message id, however many content blocks it streamed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ModelCall {
    /// The assistant message id.
    pub message_id: String,
    /// The model that answered.
    pub model: String,
    /// Why it stopped (`end_turn`, `tool_use`, ...), when the stream told (partial messages on).
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens as the stream showed them (the final count needs partial messages on).
    pub output_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
    /// The Task call whose sub-agent made this call.
    #[serde(default)]
    pub parent_tool_use_id: Option<String>,
    /// When its first block was seen, ms since the epoch.
    pub started_at: i64,
    /// When its last block (or its final usage) was seen.
    pub ended_at: i64,
}

/// The sub-agent of one Task call: the node its model and tool calls hang under.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Subagent {
    /// The Task (`Agent`) call that started it.
    pub tool_use_id: String,
    /// The SDK's id of the sub-agent (`task_id` / `agentId`).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Its type (`general-purpose`, a custom agent's name).
    #[serde(default)]
    pub agent_type: Option<String>,
    /// What it was asked to do.
    #[serde(default)]
    pub description: Option<String>,
    /// `running`, then how it ended (`completed`, `failed`, ...).
    pub status: String,
    /// True when it ran in the background (it may finish after a result).
    #[serde(default)]
    pub background: bool,
    /// Its tokens, all models, as the SDK counted them.
    #[serde(default)]
    pub total_tokens: Option<u64>,
    /// How many tools it called.
    #[serde(default)]
    pub tool_uses: Option<u64>,
    /// How long it ran.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// Its final report.
    #[serde(default)]
    pub summary: Option<String>,
}

/// How the model calls the stream showed compare with the result's totals.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Reconciliation {
    /// Model calls seen in the stream.
    pub model_calls: u32,
    /// Sum of their tokens: input, output, cache read, cache creation.
    pub stream_tokens: [u64; 4],
    /// The same four figures from the result's `modelUsage`.
    pub result_tokens: [u64; 4],
    /// True when the two agree.
    pub matches: bool,
    /// What differs and why, when they do not agree. The session keeps the result's totals.
    #[serde(default)]
    pub note: Option<String>,
}

/// Token counts and cost of one model, as in the `result` message's `modelUsage`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ModelUsage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
    /// Cost in USD.
    pub cost_usd: f64,
}

/// Cumulative token and cost figures of a session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Usage {
    /// Uncached input tokens, all models.
    pub prompt_tokens: u64,
    /// Output tokens, all models.
    pub completion_tokens: u64,
    /// prompt + completion + cache read + cache creation.
    pub total_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// True when the cost was estimated from the pricing table because the SDK gave none.
    #[serde(default)]
    pub cost_estimated: bool,
    /// Per model.
    #[serde(default)]
    pub by_model: BTreeMap<String, ModelUsage>,
}

/// Fields of [`Payload::SessionResult`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionResult {
    /// 0-based index of this result within the session.
    pub index: u32,
    /// The result's `subtype` (`success`, `error_max_turns`, ...).
    pub subtype: String,
    /// The result's `is_error`.
    pub is_error: bool,
    /// The final text.
    #[serde(default)]
    pub output: Option<String>,
    /// Number of turns the SDK reports.
    #[serde(default)]
    pub num_turns: Option<u64>,
    /// Wall clock from the call of the wrapped function to this result.
    pub duration_ms: u64,
    /// Time spent in the model API, as the SDK reports it.
    #[serde(default)]
    pub api_duration_ms: Option<u64>,
    /// Cumulative tokens and cost.
    pub usage: Usage,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Still going (only ever stored, never sent in [`SessionEnd`]).
    #[default]
    Running,
    /// The last result was a success.
    Completed,
    /// An error result, an iterator that threw, or an abort.
    Failed,
    /// Stopped through `interrupt()`.
    Interrupted,
}

impl SessionStatus {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Running => "running",
            SessionStatus::Completed => "completed",
            SessionStatus::Failed => "failed",
            SessionStatus::Interrupted => "interrupted",
        }
    }
}

/// Fields of [`Payload::SessionEnd`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionEnd {
    /// Final status; never `running`.
    pub status: SessionStatus,
    /// Why the session failed, when it did.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The final text (from the latest result).
    #[serde(default)]
    pub output: Option<String>,
    /// When the session ended, ms since the epoch.
    pub ended_at: i64,
    /// Wall clock from the call to the latest result (to the end when there was no result).
    pub duration_ms: u64,
    /// Time spent in the model API, from the latest result.
    #[serde(default)]
    pub api_duration_ms: Option<u64>,
    /// Number of turns, from the latest result.
    #[serde(default)]
    pub num_turns: Option<u64>,
    /// Final cumulative tokens and cost (the latest result's, never a sum of results).
    pub usage: Usage,
    /// How many `result` messages the stream carried.
    pub results: u32,
    /// Model calls seen against the result's totals.
    #[serde(default)]
    pub reconciliation: Option<Reconciliation>,
}

/// The collector's answer to an accepted batch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IngestResponse {
    /// Events stored by this request.
    pub accepted: u64,
    /// Events already stored before (same id), ignored.
    pub duplicates: u64,
}

#[cfg(test)]
mod tests {
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
}
