//! One tool call's two halves (the `tool_use` block that names it, the outcome that ends it) and
//! the protocol's [`ToolCall`] they make together.

use crate::json::{string_of, take, u64_of};
use sentrial_protocol::{ToolCall, ToolStatus};
use serde_json::Value;

/// What ended a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Success, error or interrupted.
    pub status: ToolStatus,
    /// Tool name as the hook reports it.
    pub tool_name: Option<String>,
    /// Tool input as the hook reports it (what actually ran).
    pub input: Option<Value>,
    /// The tool's response.
    pub output: Value,
    /// Error text for failures.
    pub error: Option<String>,
    /// Duration measured by the SDK.
    pub duration_ms: Option<u64>,
    /// When the outcome was seen.
    pub ended_at: i64,
    /// The MCP server the hook named.
    pub mcp_server: Option<String>,
}

impl Outcome {
    /// What a PostToolUse or PostToolUseFailure `hook` payload (taken apart) reports, seen `now`.
    pub fn of_hook(status: ToolStatus, hook: &mut Value, now: i64) -> Outcome {
        let error = match hook.get("error") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        Outcome {
            status,
            tool_name: string_of(hook, "tool_name"),
            input: Some(take(hook, "tool_input")),
            output: take(hook, "tool_response"),
            error,
            duration_ms: u64_of(hook, "duration_ms"),
            ended_at: now,
            mcp_server: hook.get("mcp_server").and_then(|m| string_of(m, "name")),
        }
    }
}

/// Why a call was refused, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denial {
    /// The reason given (`None`: nothing said why).
    pub reason: Option<String>,
    /// Who refused: `hook`, `can_use_tool`, or what the CLI named (`rule`, `mode`, ...).
    pub by: Option<String>,
}

impl Denial {
    /// What a permission callback the wrapper observed said when it refused (`message`, `source`).
    pub fn of_decision(decision: &Value) -> Denial {
        Denial {
            reason: string_of(decision, "message").filter(|m| !m.is_empty()),
            by: string_of(decision, "source"),
        }
    }

    /// What a `system/permission_denied` message says.
    pub fn of_permission_denied(msg: &Value) -> Denial {
        Denial {
            reason: string_of(msg, "decision_reason")
                .or_else(|| string_of(msg, "message"))
                .filter(|m| !m.is_empty()),
            by: string_of(msg, "decision_reason_type"),
        }
    }
}

/// The `tool_use` half of a call.
#[derive(Debug, Clone, Default)]
pub(super) struct Named {
    /// Its place in call order.
    pub seq: u32,
    /// The tool the model asked for.
    pub tool_name: String,
    /// The Task call of the sub-agent that made it.
    pub parent: Option<String>,
    /// When it started (its PreToolUse hook, else the block).
    pub started_at: i64,
    /// Its place in the transcript.
    pub position: Option<u32>,
}

/// The outcome of a refused call: no output, no duration (it never ran).
pub(super) fn denied_outcome(at: i64) -> Outcome {
    Outcome {
        status: ToolStatus::Denied,
        tool_name: None,
        input: None,
        output: Value::Null,
        error: None,
        duration_ms: None,
        ended_at: at,
        mcp_server: None,
    }
}

/// The outcome of a call the stream ended before it finished.
pub(super) fn not_completed(at: i64) -> Outcome {
    Outcome {
        status: ToolStatus::NotCompleted,
        tool_name: None,
        input: None,
        output: Value::Null,
        error: Some("the stream ended before this tool call finished".into()),
        duration_ms: None,
        ended_at: at,
        mcp_server: None,
    }
}

/// The protocol's record of call `id` from its two halves (and why it was refused, if it was).
pub(super) fn build(
    id: &str,
    named: &Named,
    block_input: Value,
    outcome: Outcome,
    denial: Option<Denial>,
) -> ToolCall {
    let tool_name = outcome
        .tool_name
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| named.tool_name.clone());
    let mcp_server = outcome
        .mcp_server
        .or_else(|| ToolCall::mcp_server_of(&tool_name).map(str::to_owned));
    // What the model asked for is the block's input; what ran is the hook's. They differ when a
    // hook or canUseTool changed it (updatedInput).
    let (input, updated_input) = match (block_input, outcome.input) {
        (Value::Null, ran) => (ran.unwrap_or(Value::Null), None),
        (asked, Some(ran)) if ran != asked => (asked, Some(ran)),
        (asked, _) => (asked, None),
    };
    let (error, denied_by) = match (outcome.status, denial) {
        (ToolStatus::Denied, Some(d)) => (d.reason.or(outcome.error), d.by),
        (_, _) => (outcome.error, None),
    };
    ToolCall {
        tool_use_id: id.to_owned(),
        tool_name,
        seq: named.seq,
        status: outcome.status,
        input,
        updated_input,
        output: outcome.output,
        error,
        denied_by,
        duration_ms: outcome.duration_ms,
        parent_tool_use_id: named.parent.clone(),
        mcp_server,
        started_at: Some(named.started_at),
        ended_at: Some(outcome.ended_at),
        position: named.position,
        reasoning: None,
    }
}
