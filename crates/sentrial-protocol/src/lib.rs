//! The wire protocol between the SDK and the collector, version 1.
//!
//! The SDK sends [`Batch`]es of [`Event`]s to `POST /v1/batch`. Every event carries an id made when
//! the event was born (a UUIDv7 string) and kept across retries, so the collector can drop duplicates
//! and at-least-once delivery shows as exactly once. `docs/protocol.md` is the human-readable form of
//! this module; the two must change together.

pub mod otel;
pub mod url;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The protocol version this crate writes. Version 2 added the `marker` event (and optional fields
/// a version-1 reader ignores); version 1 is the same without markers.
pub const PROTOCOL_VERSION: u32 = 2;

/// The versions a collector of this crate reads; a batch of another version is refused with 400.
pub const READABLE_PROTOCOL_VERSIONS: &[u32] = &[1, 2];

/// The path batches are posted to.
pub const INGEST_PATH: &str = "/v1/batch";

/// One HTTP request body: events in the order they were produced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// One of [`READABLE_PROTOCOL_VERSIONS`]; a writer sends [`PROTOCOL_VERSION`].
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
    /// Something that changes how the run reads: a compaction, an API retry, a model fallback, ...
    Marker(Marker),
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
    /// The Claude session this run resumed and went on with (`options.resume`, or the session
    /// `options.continue` picked): this run's Claude session is that same one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<String>,
    /// The Claude session this run forked (`options.resume` with `forkSession: true`): this run
    /// has a Claude session of its own that starts from that one's conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from: Option<String>,
    /// How the run was started: `query`, `startup` (a WarmQuery) or `prewarm` (a claimed
    /// SpareProcess).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<String>,
    /// The MCP servers the `system`/`init` message listed, with their connection status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mcp_servers: Vec<McpServer>,
}

/// An MCP server as the `system`/`init` message lists it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct McpServer {
    /// Its name (the key it was configured under; `calc` serves the tools `mcp__calc__*`).
    pub name: String,
    /// `connected`, `failed`, `needs-auth`, `pending`, ... as the CLI reports it.
    #[serde(default)]
    pub status: String,
}

/// Fields of [`Payload::SessionInput`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionInput {
    /// 0-based index of the user turn within the session.
    pub turn: u32,
    /// The text of the user message.
    pub text: String,
    /// Place in the session's transcript (see [`ModelCall::position`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
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
    /// The permission system refused the call: a `PreToolUse` hook, `canUseTool`, a rule or the
    /// permission mode.
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
    /// The tool's input as the model gave it (its `tool_use` block), or as the hook reported it
    /// when no block was seen.
    #[serde(default)]
    pub input: Value,
    /// The input the tool ran with, when a `PreToolUse` hook or `canUseTool` changed it
    /// (`updatedInput`); absent when it ran with [`ToolCall::input`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_input: Option<Value>,
    /// The tool's response (an object or a string, as the SDK reports it).
    #[serde(default)]
    pub output: Value,
    /// Error text when the call failed; for a denied call, the reason it was refused with (the
    /// hook's `permissionDecisionReason`, the `message` of `canUseTool`'s deny), or
    /// `permission denied` when nothing said why.
    #[serde(default)]
    pub error: Option<String>,
    /// Who refused a denied call: `hook` (a `PreToolUse` hook), `can_use_tool`, or what the CLI
    /// named (`rule`, `mode`, `classifier`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<String>,
    /// Duration as the SDK measured it.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// The Task call this call was made under, for calls of sub-agents.
    #[serde(default)]
    pub parent_tool_use_id: Option<String>,
    /// The MCP server that serves the tool (`calc` for `mcp__calc__add`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_server: Option<String>,
    /// When the call was first seen (its `tool_use` block), ms since the epoch.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// When its outcome was seen, ms since the epoch.
    #[serde(default)]
    pub ended_at: Option<i64>,
    /// Place in the session's transcript (see [`ModelCall::position`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

impl ToolCall {
    /// The MCP server of an MCP tool name (`mcp__calc__add` → `calc`), if it is one.
    pub fn mcp_server_of(tool_name: &str) -> Option<&str> {
        let rest = tool_name.strip_prefix("mcp__")?;
        let (server, tool) = rest.split_once("__")?;
        (!server.is_empty() && !tool.is_empty()).then_some(server)
    }
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
    /// Output tokens as the stream showed them: the final count when
    /// [`ModelCall::output_tokens_final`], else the count as the call started (1).
    pub output_tokens: u64,
    /// Whether [`ModelCall::output_tokens`] is the call's final count: the stream's
    /// `message_delta` brought it (partial messages on). Without it the count is unknown.
    #[serde(default)]
    pub output_tokens_final: bool,
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
    /// Time to first token as the SDK measured it (its `message_start` stream event; partial
    /// messages on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<u64>,
    /// Place in the session's transcript: user turns, model calls, tool calls, markers and
    /// results are numbered from 0 in the order the SDK showed them, one counter per session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// What the model said and thought, in order (kept under redaction, the privacy mode and a
    /// budget of text per session).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<Block>,
}

/// One content block of a model call, as the transcript keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Text the model wrote.
    Text {
        /// The text.
        text: String,
    },
    /// The model's thinking (its signature is not kept).
    Thinking {
        /// The thinking text.
        thinking: String,
    },
    /// Thinking the API returned encrypted: only the fact is kept.
    RedactedThinking,
    /// A tool call the model made; the call itself is a [`ToolCall`] with this id.
    ToolUse {
        /// The `tool_use` id.
        id: String,
        /// The tool's name.
        name: String,
    },
    /// Text left out because the session's transcript budget was spent.
    Omitted {
        /// What the block held: `text` or `thinking`.
        kind: String,
        /// Its size in bytes.
        bytes: u64,
    },
    /// A block of a type the SDK sends that the transcript does not keep (`server_tool_use`,
    /// `image`, ...), named.
    Unsupported {
        /// The block's `type`.
        kind: String,
    },
    /// A block type this build does not know (from a newer SDK).
    #[serde(other)]
    Unknown,
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

/// Something that happened to a run and changes how it reads, placed in its transcript.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    /// Place in the session's transcript (see [`ModelCall::position`]); one marker per position.
    pub position: u32,
    /// What happened: one of the `MARKER_*` kinds (`compact`, `api_retry`, ...); a newer SDK may
    /// send others.
    pub kind: String,
    /// When it was seen, ms since the epoch.
    pub at: i64,
    /// The Task call whose sub-agent it happened in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
    /// What the SDK said of it; the fields depend on the kind (`docs/protocol.md`).
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// The context was compacted (`compact_boundary`): `trigger`, `pre_tokens`, `post_tokens`.
pub const MARKER_COMPACT: &str = "compact";
/// An API request failed and is retried (`api_retry`): `attempt`, `max_retries`,
/// `retry_delay_ms`, `error_status`, `error`.
pub const MARKER_API_RETRY: &str = "api_retry";
/// The API answered with an error that ended the turn: `status`, `message`.
pub const MARKER_API_ERROR: &str = "api_error";
/// A rate-limit event: `status`, `rate_limit_type`, `resets_at`, `utilization`.
pub const MARKER_RATE_LIMIT: &str = "rate_limit";
/// The model refused and the turn was retried on another model: `original_model`,
/// `fallback_model`, `category`.
pub const MARKER_MODEL_FALLBACK: &str = "model_fallback";
/// The model refused and nothing retried it: `model`, `category`, `explanation`.
pub const MARKER_REFUSAL: &str = "refusal";
/// The run was interrupted by the user while a tool ran: `text`.
pub const MARKER_INTERRUPT: &str = "interrupt";
/// The SDK summed up the tool calls before it: `summary`, `tool_use_ids`.
pub const MARKER_TOOL_SUMMARY: &str = "tool_summary";

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
    /// What this run spent so far: tokens and cost since the wrapped function was called,
    /// cumulative over the results of the run (never what earlier runs of a resumed session
    /// spent).
    pub usage: Usage,
    /// What the SDK's totals carried over from earlier runs of a resumed or forked Claude
    /// session, left out of [`SessionResult::usage`]; absent when nothing was carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Usage>,
    /// Why the SDK's loop ended the turn (`completed`, `max_turns`, `api_error`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_reason: Option<String>,
    /// The HTTP status of the API error that ended the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_error_status: Option<u16>,
    /// Place in the session's transcript (see [`ModelCall::position`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
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
    /// How the run ended, as a value to filter on: `null` for success, else one of the
    /// `END_*` constants or an `error_*` result subtype of a newer SDK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// The HTTP status of the API error that ended the run (`end_reason` `api_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_error_status: Option<u16>,
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
    /// What this run spent (the latest result's run figures, never a sum of results).
    pub usage: Usage,
    /// What the SDK's totals carried over from earlier runs (see [`SessionResult::carried`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Usage>,
    /// How many `result` messages the stream carried.
    pub results: u32,
    /// Model calls seen against the result's totals.
    #[serde(default)]
    pub reconciliation: Option<Reconciliation>,
}

/// The run reached `maxTurns` (result subtype `error_max_turns`).
pub const END_MAX_TURNS: &str = "error_max_turns";
/// The run reached `maxBudgetUsd` (result subtype `error_max_budget_usd`).
pub const END_MAX_BUDGET: &str = "error_max_budget_usd";
/// The SDK's loop failed (result subtype `error_during_execution`; also after a denial with
/// `interrupt: true`).
pub const END_DURING_EXECUTION: &str = "error_during_execution";
/// Structured output could not be produced (result subtype `error_max_structured_output_retries`).
pub const END_STRUCTURED_OUTPUT: &str = "error_max_structured_output_retries";
/// The model API answered with an error that ended the run (see `api_error_status`).
pub const END_API_ERROR: &str = "api_error";
/// An error result of another kind (its `terminal_reason` when the SDK gave one).
pub const END_ERROR_RESULT: &str = "error_result";
/// `options.abortController` aborted the run.
pub const END_ABORTED: &str = "aborted";
/// `interrupt()` was called.
pub const END_INTERRUPTED: &str = "interrupted";
/// The iterator threw without an error result before it (a crash, a refused claim, ...).
pub const END_EXCEPTION: &str = "exception";
/// The caller stopped iterating (`break`, `return()`) before any result.
pub const END_STOPPED: &str = "stopped";
/// The stream ended by itself without a result.
pub const END_NO_RESULT: &str = "no_result";
/// The tracker was shut down while the run went on.
pub const END_SHUTDOWN: &str = "shutdown";

/// Every end reason this version sends (result subtypes of a newer SDK may add `error_*` ones).
pub const END_REASONS: &[&str] = &[
    END_MAX_TURNS,
    END_MAX_BUDGET,
    END_DURING_EXECUTION,
    END_STRUCTURED_OUTPUT,
    END_API_ERROR,
    END_ERROR_RESULT,
    END_ABORTED,
    END_INTERRUPTED,
    END_EXCEPTION,
    END_STOPPED,
    END_NO_RESULT,
    END_SHUTDOWN,
];

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
        let call: ToolCall = serde_json::from_str(
            r#"{"tool_use_id":"t","tool_name":"Bash","seq":0,"status":"denied"}"#,
        )
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
}
