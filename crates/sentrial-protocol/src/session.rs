//! A session's own events: its start, the user turns of a streamed prompt, its results and its
//! end.

use crate::usage::{Reconciliation, Usage};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Fields of [`crate::Payload::SessionStart`].
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
    /// The session's name (`createSession`'s `name`), when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Sentrial session this one runs under (an orchestrator's session), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_session_id: Option<String>,
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

/// Fields of [`crate::Payload::SessionInput`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionInput {
    /// 0-based index of the user turn within the session.
    pub turn: u32,
    /// The text of the user message.
    pub text: String,
    /// Place in the session's transcript (see [`ModelCall::position`](crate::ModelCall::position)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

/// Fields of [`crate::Payload::SessionResult`].
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
    /// Place in the session's transcript (see [`ModelCall::position`](crate::ModelCall::position)).
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

/// Fields of [`crate::Payload::SessionEnd`].
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
    /// Custom metrics by name (`completeSession`'s `customMetrics`): finite numbers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
}
