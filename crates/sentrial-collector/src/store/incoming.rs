//! What both stores share about an incoming event: its JSON columns made in advance, its type
//! tag, and how counts beyond a database integer are kept.

use sentrial_protocol::{Event, Payload};

/// A new event to store, with its JSON text made in advance: [`Incoming::new`] runs on the
/// request's task, so the single writer (SQLite) or the open transaction (PostgreSQL) only writes.
pub struct Incoming {
    /// The event itself.
    pub event: Event,
    /// The whole event, for the raw log.
    pub raw: String,
    /// The JSON columns of its payload: start metadata; a tool call's input and output; the
    /// figures' per-model usage.
    pub json: [String; 2],
}

impl Incoming {
    /// Serializes what `event` needs stored as JSON.
    pub fn new(event: Event) -> Result<Incoming, serde_json::Error> {
        let raw = serde_json::to_string(&event)?;
        let json = match &event.payload {
            Payload::SessionStart(s) => [serde_json::to_string(&s.metadata)?, String::new()],
            Payload::ToolCall(t) => [
                serde_json::to_string(&t.input)?,
                serde_json::to_string(&t.output)?,
            ],
            Payload::SessionResult(r) => [serde_json::to_string(&r.usage.by_model)?, String::new()],
            Payload::SessionEnd(e) => [
                serde_json::to_string(&e.usage.by_model)?,
                match &e.reconciliation {
                    Some(r) => serde_json::to_string(r)?,
                    None => String::new(),
                },
            ],
            Payload::SessionInput(_)
            | Payload::ModelCall(_)
            | Payload::Subagent(_)
            | Payload::Marker(_) => Default::default(),
        };
        Ok(Incoming { event, raw, json })
    }
}

/// The figures rank of a `session_end`: above every result index.
pub const END_RANK: i64 = 1 << 32;

/// The `type` tag of a payload.
pub fn kind(payload: &Payload) -> &'static str {
    match payload {
        Payload::SessionStart(_) => "session_start",
        Payload::SessionInput(_) => "session_input",
        Payload::ToolCall(_) => "tool_call",
        Payload::ModelCall(_) => "model_call",
        Payload::Subagent(_) => "subagent",
        Payload::Marker(_) => "marker",
        Payload::SessionResult(_) => "session_result",
        Payload::SessionEnd(_) => "session_end",
    }
}

/// Database integers are i64; a count beyond that is not real, so it is capped rather than wrapped.
pub fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
