//! Messages that change how a run reads (a compaction, an API retry, a model fallback, ...) as
//! transcript markers. Each kind keeps the few fields a person reading the run needs, copied by
//! name; the rest of the message is not kept.

use crate::json::{bool_of, str_of};
use sentrial_protocol::{
    MARKER_API_ERROR, MARKER_API_RETRY, MARKER_COMPACT, MARKER_INTERRUPT, MARKER_MODEL_FALLBACK,
    MARKER_RATE_LIMIT, MARKER_REFUSAL, MARKER_TOOL_SUMMARY,
};
use serde_json::{Map, Value};

/// The text the CLI puts in a user message when the user interrupted the run.
const INTERRUPTED_PREFIX: &str = "[Request interrupted by user";

/// A marker's kind and data, before it is placed in the transcript.
pub type MarkerOf = (&'static str, Map<String, Value>);

/// Copies the fields `names` of `from` (those present and not null) as `(from, to)` pairs.
fn pick(from: &Value, names: &[(&str, &str)]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|(src, dst)| {
            from.get(*src)
                .filter(|v| !v.is_null())
                .map(|v| ((*dst).to_owned(), v.clone()))
        })
        .collect()
}

/// The marker of a `system` message of subtype `subtype`, if it makes one.
pub fn of_system(subtype: &str, msg: &Value) -> Option<MarkerOf> {
    match subtype {
        "compact_boundary" => {
            let meta = msg.get("compact_metadata").unwrap_or(&Value::Null);
            Some((
                MARKER_COMPACT,
                pick(
                    meta,
                    &[
                        ("trigger", "trigger"),
                        ("pre_tokens", "pre_tokens"),
                        ("post_tokens", "post_tokens"),
                        ("duration_ms", "duration_ms"),
                    ],
                ),
            ))
        }
        "api_retry" => Some((
            MARKER_API_RETRY,
            pick(
                msg,
                &[
                    ("attempt", "attempt"),
                    ("max_retries", "max_retries"),
                    ("retry_delay_ms", "retry_delay_ms"),
                    ("error_status", "error_status"),
                    ("error", "error"),
                ],
            ),
        )),
        "model_refusal_fallback" => Some((
            MARKER_MODEL_FALLBACK,
            pick(
                msg,
                &[
                    ("original_model", "original_model"),
                    ("fallback_model", "fallback_model"),
                    ("api_refusal_category", "category"),
                    ("scope", "scope"),
                ],
            ),
        )),
        "model_refusal_no_fallback" => Some((
            MARKER_REFUSAL,
            pick(
                msg,
                &[
                    ("original_model", "model"),
                    ("api_refusal_category", "category"),
                    ("api_refusal_explanation", "explanation"),
                ],
            ),
        )),
        _ => None,
    }
}

/// The marker of a `rate_limit_event`: only a warning or a refusal, not the routine `allowed`.
pub fn of_rate_limit(msg: &Value) -> Option<MarkerOf> {
    let info = msg.get("rate_limit_info")?;
    if str_of(info, "status") == Some("allowed") {
        return None;
    }
    Some((
        MARKER_RATE_LIMIT,
        pick(
            info,
            &[
                ("status", "status"),
                ("rateLimitType", "rate_limit_type"),
                ("resetsAt", "resets_at"),
                ("utilization", "utilization"),
            ],
        ),
    ))
}

/// The marker of a `tool_use_summary` message.
pub fn of_tool_summary(msg: &Value) -> Option<MarkerOf> {
    Some((
        MARKER_TOOL_SUMMARY,
        pick(
            msg,
            &[
                ("summary", "summary"),
                ("preceding_tool_use_ids", "tool_use_ids"),
            ],
        ),
    ))
}

/// The marker of an assistant message the CLI made up to report an API error (`<synthetic>`
/// model, `api_error_status`), with its status and text.
pub fn of_synthetic(msg: &Value, message: &Value) -> Option<MarkerOf> {
    let is_error = bool_of(msg, "is_api_error_message") == Some(true)
        || msg.get("api_error_status").is_some_and(Value::is_number)
        || msg.get("error").is_some_and(Value::is_string);
    if !is_error {
        return None;
    }
    let mut data = pick(msg, &[("api_error_status", "status"), ("error", "error")]);
    let text: Vec<&str> = message
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| str_of(b, "text"))
        .collect();
    if !text.is_empty() {
        data.insert("message".into(), Value::String(text.join("\n")));
    }
    Some((MARKER_API_ERROR, data))
}

/// The marker of a user message's text block, when it is the CLI's note of an interrupt.
pub fn of_user_text(text: &str) -> Option<MarkerOf> {
    text.starts_with(INTERRUPTED_PREFIX).then(|| {
        let mut data = Map::new();
        data.insert("text".into(), Value::String(text.to_owned()));
        (MARKER_INTERRUPT, data)
    })
}

#[cfg(test)]
#[path = "markers_tests.rs"]
mod tests;
