//! The wire protocol between the SDK and the collector, version 2.
//!
//! The SDK sends [`Batch`]es of [`Event`]s to `POST /v1/batch`. Every event carries an id made when
//! the event was born (a UUIDv7 string) and kept across retries, so the collector can drop duplicates
//! and at-least-once delivery shows as exactly once. `docs/protocol.md` is the human-readable form of
//! this module; the two must change together.

mod calls;
mod end_reasons;
mod manual;
mod marker;
pub mod otel;
mod score;
mod session;
pub mod url;
mod usage;

pub use calls::{Block, ModelCall, Subagent, ToolCall, ToolStatus};
pub use end_reasons::*;
pub use manual::{
    metric_problem, Decision, LlmCall, SessionError, ENTRY_MANUAL, MANUAL_PROTOCOL_VERSION,
    METRICS_MAX, METRIC_NAME_MAX,
};
pub use marker::*;
pub use score::*;
pub use session::{
    McpServer, SessionEnd, SessionInput, SessionResult, SessionStart, SessionStatus,
};
pub use usage::{ModelUsage, Reconciliation, Usage};

use serde::{Deserialize, Serialize};

/// The protocol version this crate writes for a batch without scores. Version 2 added the
/// `marker` event (and optional fields a version-1 reader ignores); version 1 is the same without
/// markers.
pub const PROTOCOL_VERSION: u32 = 2;

/// The version of a batch that holds a `score` event (version 3 added it), so only scoring needs
/// a collector that reads it.
pub const SCORE_PROTOCOL_VERSION: u32 = 3;

/// The versions a collector of this crate reads; a batch of another version is refused with 400.
pub const READABLE_PROTOCOL_VERSIONS: &[u32] = &[1, 2, 3, 4];

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
    /// A score of the session (or of every session of a Claude session id): see [`Score`].
    Score(Score),
    /// A decision a manual session reported (protocol 4).
    Decision(Decision),
    /// An error a manual session reported (protocol 4).
    Error(SessionError),
    /// A model call a manual session reported (protocol 4).
    LlmCall(LlmCall),
}

impl Payload {
    /// Its `type` tag on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Payload::SessionStart(_) => "session_start",
            Payload::SessionInput(_) => "session_input",
            Payload::ToolCall(_) => "tool_call",
            Payload::ModelCall(_) => "model_call",
            Payload::Subagent(_) => "subagent",
            Payload::Marker(_) => "marker",
            Payload::SessionResult(_) => "session_result",
            Payload::SessionEnd(_) => "session_end",
            Payload::Score(_) => "score",
            Payload::Decision(_) => "decision",
            Payload::Error(_) => "error",
            Payload::LlmCall(_) => "llm_call",
        }
    }
}

/// The lowest protocol version of a batch that holds an event of type `type_name`: a writer
/// sends the highest of its events', so an older collector refuses only what it cannot read.
pub fn protocol_of_type(type_name: &str) -> u32 {
    match type_name {
        "score" => SCORE_PROTOCOL_VERSION,
        "decision" | "error" | "llm_call" => MANUAL_PROTOCOL_VERSION,
        _ => PROTOCOL_VERSION,
    }
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
mod tests;
