//! The sub-agents of a run, as its task messages report them.

use crate::json::{bool_of, str_of, string_of, u64_of};
use sentrial_protocol::Subagent;
use serde_json::Value;

/// A sub-agent record from a `task_started` or `task_notification` message (other task kinds,
/// such as background shell commands, are not sub-agents).
pub(super) fn subagent_of(msg: &Value) -> Option<Subagent> {
    let tool_use_id = string_of(msg, "tool_use_id")?;
    let started = str_of(msg, "subtype") == Some("task_started");
    if started && str_of(msg, "task_type").is_some_and(|t| t != "local_agent") {
        return None;
    }
    let usage = msg.get("usage").unwrap_or(&Value::Null);
    Some(Subagent {
        tool_use_id,
        agent_id: string_of(msg, "task_id"),
        agent_type: string_of(msg, "subagent_type"),
        description: string_of(msg, "description"),
        status: if started {
            "running".into()
        } else {
            string_of(msg, "status").unwrap_or_else(|| "completed".into())
        },
        background: bool_of(msg, "is_backgrounded").unwrap_or(false),
        total_tokens: u64_of(usage, "total_tokens"),
        tool_uses: u64_of(usage, "tool_uses"),
        duration_ms: u64_of(usage, "duration_ms"),
        summary: string_of(msg, "summary"),
    })
}
