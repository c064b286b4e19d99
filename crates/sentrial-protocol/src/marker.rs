//! Markers: what happened to a run and changes how it reads, placed in its transcript, and the
//! kinds this version sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Something that happened to a run and changes how it reads, placed in its transcript.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    /// Place in the session's transcript (see [`ModelCall::position`](crate::ModelCall::position)); one marker per position.
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
