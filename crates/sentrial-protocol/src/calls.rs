//! What a run did: its tool calls, its model calls (with their content blocks) and its
//! sub-agents.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// Fields of [`crate::Payload::ToolCall`].
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
    /// Why the agent called the tool, as a manual session reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
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
