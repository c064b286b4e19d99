//! What a `tool_result` block and its `tool_result_meta` entry say about a refused call: that it
//! was refused, by whom, and why.

use crate::json::str_of;
use serde_json::Value;

/// Whether a `tool_result_meta` entry says the call was refused rather than run.
pub(super) fn is_refusal(meta: &Value) -> bool {
    let decision = meta
        .get("permission_decision")
        .and_then(|d| str_of(d, "decision"));
    decision == Some("reject")
        || matches!(
            str_of(meta, "non_execution_kind"),
            Some("permission-rule" | "user-rejected")
        )
}

/// Who refused, by a `tool_result_meta` entry: `hook`, `can_use_tool` (the SDK host's answer), or
/// the CLI's own name for the source (`config`, `rule`, `classifier`, ...).
pub(super) fn refused_by(meta: &Value) -> Option<String> {
    let source = str_of(meta, "refused_by").or_else(|| {
        meta.get("permission_decision")
            .and_then(|d| str_of(d, "source"))
    })?;
    Some(match source {
        "user_reject" => "can_use_tool".to_owned(),
        other => other.to_owned(),
    })
}

/// A tool_result's text: a string, or its text blocks joined.
pub(super) fn text_of(content: &Value) -> Option<&str> {
    match content {
        Value::String(s) => Some(s),
        Value::Array(blocks) => blocks.iter().find_map(|b| str_of(b, "text")),
        _ => None,
    }
}

/// The reason a `PreToolUse` hook gave, without the prefix the CLI puts before it in the
/// tool_result (`PreToolUse:Bash hook error: <reason>`).
pub(super) fn strip_hook_prefix(text: &str) -> &str {
    text.strip_prefix("PreToolUse:")
        .and_then(|rest| rest.split_once(" hook error: "))
        .map_or(text, |(_, reason)| reason)
}
