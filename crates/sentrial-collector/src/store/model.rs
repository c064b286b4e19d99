//! What the read API returns, as the store produces it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::detect::{Finding, IssueKind};
use crate::store::lineage::{Lineage, Run};
use crate::store::manual::ChildSession;
use crate::store::scores::ScoreRecord;
use crate::time::Timestamp;
use sentrial_protocol::{Block, McpServer, Usage};

/// Characters of a session's input and output a list item carries (the queries' `substr`).
pub const PREVIEW_CHARS: usize = 2048;

/// The scalar fields of a session, as listed. `None` fields are `null` in JSON: the event that
/// sets them has not arrived (a placeholder session made by an early event has no agent yet).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionRecord {
    /// Session id, made by the SDK.
    pub id: String,
    /// Its name (a manual session's `createSession` `name`).
    pub name: Option<String>,
    /// The session it runs under (an orchestrator's), by id.
    pub parent_session_id: Option<String>,
    /// Claude Code's own session id.
    pub claude_session_id: Option<String>,
    /// Agent name.
    pub agent: Option<String>,
    /// End user.
    pub user_id: Option<String>,
    /// Conversation thread.
    pub convo_id: Option<String>,
    /// `running`, `completed`, `failed` or `interrupted`.
    pub status: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// How it ended, as a value to filter on (`null` for success); from the end.
    pub end_reason: Option<String>,
    /// The HTTP status of the API error that ended it.
    pub api_error_status: Option<i64>,
    /// The Claude session this run resumed (it shares that session id).
    pub resumed_from: Option<String>,
    /// The Claude session this run forked.
    pub forked_from: Option<String>,
    /// How the run was started: `query`, `startup` or `prewarm`.
    pub entry_point: Option<String>,
    /// The MCP servers the init message listed (`[]` when none).
    pub mcp_servers: Vec<McpServer>,
    /// When the wrapped function was called.
    pub started_at: Option<Timestamp>,
    /// When the session ended.
    pub ended_at: Option<Timestamp>,
    /// Wall clock, from the latest result or the end.
    pub duration_ms: Option<i64>,
    /// Time in the model API.
    pub api_duration_ms: Option<i64>,
    /// Turns reported by the SDK.
    pub num_turns: Option<i64>,
    /// Model named at init.
    pub model: Option<String>,
    /// The prompt: the start's `input`, else the streamed turns joined by a blank line.
    pub input: Option<String>,
    /// The final text.
    pub output: Option<String>,
    /// In a list (sessions, a conversation): `input` is a preview of the first
    /// [`PREVIEW_CHARS`] characters, and this is the whole input's length in characters (more
    /// than the preview's: cut). Absent from a session's own endpoint, which has the whole text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_length: Option<i64>,
    /// As `input_length`, for `output`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_length: Option<i64>,
    /// Metadata object from the start (`{}` before it).
    pub metadata: Value,
    /// Uncached input tokens.
    pub prompt_tokens: Option<i64>,
    /// Output tokens.
    pub completion_tokens: Option<i64>,
    /// All tokens.
    pub total_tokens: Option<i64>,
    /// Prompt-cache reads.
    pub cache_read_tokens: Option<i64>,
    /// Prompt-cache writes.
    pub cache_creation_tokens: Option<i64>,
    /// Cost in USD.
    pub cost_usd: Option<f64>,
    /// Whether the cost was estimated by the SDK.
    pub cost_estimated: Option<bool>,
    /// Usage per model (`{}` before any figures).
    pub model_usage: Value,
    /// What the SDK's totals carried from earlier runs of a resumed session: reported, never
    /// counted in this session's figures.
    pub carried: Option<Usage>,
    /// Number of `result` messages, from the end.
    pub results: Option<i64>,
    /// When the collector first stored an event of this session.
    pub received_at: Timestamp,
    /// Number of distinct tool calls stored.
    pub tool_call_count: i64,
    /// The kinds of its detected issues, each once, in the order found (what the list's badges
    /// show; the findings themselves are the detail's `issues`).
    pub issue_kinds: Vec<IssueKind>,
    /// Its custom metrics by name (`{}` when none).
    pub metrics: BTreeMap<String, f64>,
    /// Position in the list order, for cursors.
    #[serde(skip)]
    pub sort_ts: i64,
}

impl SessionRecord {
    /// What its lineage is made from.
    pub(crate) fn run(&self) -> Run<'_> {
        Run {
            id: &self.id,
            claude_session_id: self.claude_session_id.as_deref(),
            resumed_from: self.resumed_from.as_deref(),
            forked_from: self.forked_from.as_deref(),
        }
    }
}

/// One user turn of a streamed prompt.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnInput {
    /// 0-based turn index.
    pub turn: i64,
    /// The text.
    pub text: String,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// When the SDK passed it through.
    pub at: Timestamp,
}

/// One tool call, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ToolCallRecord {
    /// The `tool_use` block id.
    pub tool_use_id: String,
    /// Tool name.
    pub tool_name: String,
    /// Position of the call in the session.
    pub seq: i64,
    /// `success`, `error`, `interrupted`, `denied` or `not_completed`.
    pub status: String,
    /// The tool's input, as the model gave it.
    pub input: Value,
    /// The input the tool ran with, when a hook or `canUseTool` changed it.
    pub updated_input: Option<Value>,
    /// The tool's response.
    pub output: Value,
    /// Error text; for a denied call, the reason it was refused with (`null`: none given).
    pub error: Option<String>,
    /// Who refused a denied call: `hook`, `can_use_tool`, `rule`, `mode`, ...
    pub denied_by: Option<String>,
    /// The MCP server of the tool.
    pub mcp_server: Option<String>,
    /// Duration measured by the SDK.
    pub duration_ms: Option<i64>,
    /// The Task call this call was made under.
    pub parent_tool_use_id: Option<String>,
    /// When the call was first seen.
    pub started_at: Option<Timestamp>,
    /// When its outcome was seen.
    pub ended_at: Option<Timestamp>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// Why the agent made the call, as a manual session reported it.
    pub reasoning: Option<String>,
    /// For a Task call: the sub-agent it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent: Option<SubagentRecord>,
}

/// The sub-agent of a Task call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubagentRecord {
    /// The SDK's id of the sub-agent.
    pub agent_id: Option<String>,
    /// Its type.
    pub agent_type: Option<String>,
    /// What it was asked to do.
    pub description: Option<String>,
    /// `running`, `completed`, `failed`, ...
    pub status: String,
    /// Ran in the background.
    pub background: bool,
    /// Its tokens as the SDK counted them.
    pub total_tokens: Option<i64>,
    /// Tools it called.
    pub tool_uses: Option<i64>,
    /// How long it ran.
    pub duration_ms: Option<i64>,
    /// Its final report.
    pub summary: Option<String>,
}

/// One model call (one assistant message id), as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelCallRecord {
    /// The assistant message id.
    pub message_id: String,
    /// The model.
    pub model: String,
    /// Why it stopped, when the stream told.
    pub stop_reason: Option<String>,
    /// Uncached input tokens.
    pub input_tokens: i64,
    /// Output tokens as the stream showed them: final when `output_tokens_final`.
    pub output_tokens: i64,
    /// Whether `output_tokens` is the call's final count (else only the count as it started).
    pub output_tokens_final: bool,
    /// Cache read tokens.
    pub cache_read_tokens: i64,
    /// Cache write tokens.
    pub cache_creation_tokens: i64,
    /// The Task call whose sub-agent made it.
    pub parent_tool_use_id: Option<String>,
    /// First block seen.
    pub started_at: Timestamp,
    /// Last block (or final usage) seen.
    pub ended_at: Timestamp,
    /// Time to first token.
    pub ttft_ms: Option<i64>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// What the model said and thought, in order (`[]` when not kept).
    pub content: Vec<Block>,
    /// What was sent to the model, as a manual session reported it.
    pub prompt: Option<String>,
    /// Its cost in USD, as a manual session reported it.
    pub cost_usd: Option<f64>,
    /// Whether that cost was estimated from the pricing table.
    pub cost_estimated: Option<bool>,
}

/// One turn: what one `result` added to the session (its figures minus the previous result's).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnRecord {
    /// 0-based result index.
    pub index: i64,
    /// The user input of this turn, when the prompt was streamed (or the prompt, for turn 0).
    pub input: Option<String>,
    /// The result's text.
    pub output: Option<String>,
    /// The result's subtype.
    pub subtype: String,
    /// The result's is_error.
    pub is_error: bool,
    /// Why the SDK's loop ended the turn.
    pub terminal_reason: Option<String>,
    /// The HTTP status of the API error that ended the turn.
    pub api_error_status: Option<i64>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// Wall clock of this turn (from the previous result, or from the call for the first).
    pub duration_ms: i64,
    /// Tokens of this turn: prompt, completion, cache read, cache write, total.
    pub prompt_tokens: i64,
    /// Completion tokens of this turn.
    pub completion_tokens: i64,
    /// Cache read tokens of this turn.
    pub cache_read_tokens: i64,
    /// Cache write tokens of this turn.
    pub cache_creation_tokens: i64,
    /// All tokens of this turn.
    pub total_tokens: i64,
    /// Cost of this turn (the change in the cumulative total).
    pub cost_usd: f64,
    /// The session's cumulative cost at this result.
    pub cumulative_cost_usd: f64,
    /// When the result arrived.
    pub at: Timestamp,
}

/// A session with everything it holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionDetail {
    /// The scalar fields.
    #[serde(flatten)]
    pub session: SessionRecord,
    /// The streamed prompt's turns, in turn order.
    pub inputs: Vec<TurnInput>,
    /// Tool calls in call order (`seq`, then `started_at`).
    pub tool_calls: Vec<ToolCallRecord>,
    /// Model calls in the order they started.
    pub model_calls: Vec<ModelCallRecord>,
    /// One entry per `result`, with its own cost.
    pub turns: Vec<TurnRecord>,
    /// How the stream's model calls compare with the result's totals (`null` before the end).
    pub usage_reconciliation: Value,
    /// Markers in position order.
    pub markers: Vec<MarkerRecord>,
    /// How many markers of each kind.
    pub marker_counts: BTreeMap<String, i64>,
    /// Its scores, oldest first: its own and those of its Claude session id.
    pub scores: Vec<ScoreRecord>,
    /// The run this one continued, and the runs that continued it.
    pub lineage: Lineage,
    /// What the detected-issue rules found in it (`[]` while it runs).
    pub issues: Vec<Finding>,
    /// The sessions started under it, oldest first, each with its own (a bounded tree).
    pub children: Vec<ChildSession>,
}

/// Something that happened to a run and changes how it reads (a compaction, an API retry, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerRecord {
    /// Place in the transcript; one marker per position.
    pub position: i64,
    /// `compact`, `api_retry`, ... (a newer SDK may send others).
    pub kind: String,
    /// When it was seen.
    pub at: Timestamp,
    /// The Task call whose sub-agent it happened in.
    pub parent_tool_use_id: Option<String>,
    /// What the SDK said of it; fields depend on the kind.
    pub data: Value,
}

/// One stored event, for checking ingest order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRef {
    /// Event id.
    pub id: String,
    /// Event type (`session_start`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// When the SDK produced it.
    pub ts: Timestamp,
    /// Position in the collector's ingest order: strictly increasing across all stored events.
    pub ingest_seq: i64,
}
