//! What both stores share about an incoming event: its JSON columns made in advance, its type
//! tag, how counts beyond a database integer are kept, and the values a tool call is stored with.

use sentrial_protocol::{Event, Payload, SessionEnd, SessionResult, ToolCall, ToolStatus, Usage};
use serde::Serialize;

/// A new event to store, with its JSON text made in advance: [`Incoming::new`] runs on the
/// request's task, so the single writer (SQLite) or the open transaction (PostgreSQL) only writes.
pub struct Incoming {
    /// The event itself.
    pub event: Event,
    /// The whole event, for the raw log.
    pub raw: String,
    /// The JSON columns of its payload.
    pub json: Json,
}

/// The JSON columns of an event's payload, by event type; `None` where the column stays NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// A `session_input`, a `subagent` or a `score`: no JSON column.
    None,
    /// A `session_start`.
    SessionStart {
        /// The metadata object.
        metadata: String,
        /// The MCP servers (none when the list is empty).
        mcp_servers: Option<String>,
    },
    /// A `tool_call`.
    ToolCall {
        /// The input, as the model gave it.
        input: String,
        /// The tool's response.
        output: String,
        /// The input the tool ran with, when it was changed.
        updated_input: Option<String>,
    },
    /// A `model_call` or an `llm_call`.
    ModelCall {
        /// The content blocks (none when empty).
        content: Option<String>,
    },
    /// A `marker`, a `decision` or an `error` (stored as markers of those kinds).
    Marker {
        /// What the SDK said of it.
        data: String,
    },
    /// A `session_result` or a `session_end`: figures.
    Figures {
        /// The usage by model.
        model_usage: String,
        /// The usage carried from earlier runs.
        carried: Option<String>,
        /// How the stream's model calls reconcile with the totals (an end's only).
        reconciliation: Option<String>,
    },
}

impl Incoming {
    /// Serializes what `event` needs stored as JSON.
    pub fn new(event: Event) -> Result<Incoming, serde_json::Error> {
        let raw = serde_json::to_string(&event)?;
        let json = match &event.payload {
            Payload::SessionStart(s) => Json::SessionStart {
                metadata: json(&s.metadata)?,
                mcp_servers: list(&s.mcp_servers)?,
            },
            Payload::ToolCall(t) => Json::ToolCall {
                input: json(&t.input)?,
                output: json(&t.output)?,
                updated_input: opt(&t.updated_input)?,
            },
            Payload::ModelCall(m) => Json::ModelCall {
                content: list(&m.content)?,
            },
            Payload::Marker(m) => Json::Marker {
                data: json(&m.data)?,
            },
            Payload::SessionResult(r) => Json::Figures {
                model_usage: json(&r.usage.by_model)?,
                carried: opt(&r.carried)?,
                reconciliation: None,
            },
            Payload::SessionEnd(e) => Json::Figures {
                model_usage: json(&e.usage.by_model)?,
                carried: opt(&e.carried)?,
                reconciliation: opt(&e.reconciliation)?,
            },
            Payload::Decision(d) => Json::Marker {
                data: marker_data(d)?,
            },
            Payload::Error(e) => Json::Marker {
                data: marker_data(e)?,
            },
            Payload::LlmCall(c) => Json::ModelCall {
                content: list(&c.model_call().content)?,
            },
            Payload::SessionInput(_) | Payload::Subagent(_) | Payload::Score(_) => Json::None,
        };
        Ok(Incoming { event, raw, json })
    }

    /// Every event of a batch, serialized (on the request's task: see [`Incoming`]).
    pub fn all(events: Vec<Event>) -> Result<Vec<Incoming>, serde_json::Error> {
        events.into_iter().map(Incoming::new).collect()
    }
}

/// A decision's or an error's fields as a marker's data: all of them but its place and time,
/// which are the marker's own columns.
fn marker_data<T: Serialize>(fields: &T) -> Result<String, serde_json::Error> {
    let mut data = serde_json::to_value(fields)?;
    if let Some(object) = data.as_object_mut() {
        object.remove("position");
        object.remove("at");
    }
    json(&data)
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(value)
}

/// A list's JSON, none when it is empty.
fn list<T: Serialize>(items: &[T]) -> Result<Option<String>, serde_json::Error> {
    match items {
        [] => Ok(None),
        _ => json(items).map(Some),
    }
}

fn opt<T: Serialize>(value: &Option<T>) -> Result<Option<String>, serde_json::Error> {
    value.as_ref().map(json).transpose()
}

/// The cumulative figures a result or an end carries, as the session row keeps them.
pub struct Figures<'a> {
    /// The final text.
    pub output: Option<&'a str>,
    /// Wall clock.
    pub duration_ms: Option<u64>,
    /// Time in the model API.
    pub api_duration_ms: Option<u64>,
    /// Turns the SDK reports.
    pub num_turns: Option<u64>,
    /// This run's tokens and cost.
    pub usage: &'a Usage,
    /// The usage by model, as JSON.
    pub model_usage: &'a str,
    /// What earlier runs spent, as JSON (never added to `usage`).
    pub carried: Option<&'a str>,
}

impl<'a> Figures<'a> {
    /// The figures of a result, with its usage by model and carried usage as JSON.
    pub fn of_result(
        r: &'a SessionResult,
        model_usage: &'a str,
        carried: Option<&'a str>,
    ) -> Figures<'a> {
        Figures {
            output: r.output.as_deref(),
            duration_ms: Some(r.duration_ms),
            api_duration_ms: r.api_duration_ms,
            num_turns: r.num_turns,
            usage: &r.usage,
            model_usage,
            carried,
        }
    }

    /// The figures of an end, with its usage by model and carried usage as JSON.
    pub fn of_end(
        e: &'a SessionEnd,
        model_usage: &'a str,
        carried: Option<&'a str>,
    ) -> Figures<'a> {
        Figures {
            output: e.output.as_deref(),
            duration_ms: Some(e.duration_ms),
            api_duration_ms: e.api_duration_ms,
            num_turns: e.num_turns,
            usage: &e.usage,
            model_usage,
            carried,
        }
    }
}

/// The figures rank of a `session_end`: above every result index.
pub const END_RANK: i64 = 1 << 32;

/// The `type` tag of a payload.
pub fn kind(payload: &Payload) -> &'static str {
    payload.type_name()
}

/// Database integers are i64; a count beyond that is not real, so it is capped rather than wrapped.
pub fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What SDKs before denial reasons sent as the error of every denied call: it says no more than
/// the status, so it counts as no reason.
pub const GENERIC_DENIAL: &str = "permission denied";

/// The error a tool call is stored with: its own, except [`GENERIC_DENIAL`] on a denied call.
pub fn tool_error(t: &ToolCall) -> Option<&str> {
    let error = t.error.as_deref();
    match t.status {
        ToolStatus::Denied if error == Some(GENERIC_DENIAL) => None,
        _ => error,
    }
}

/// The MCP server of a tool call: as the SDK named it, else as its tool name says
/// (`mcp__calc__add` → `calc`; SDKs before the field sent only the name).
pub fn mcp_server<'a>(tool_name: &'a str, given: Option<&'a str>) -> Option<&'a str> {
    given.or_else(|| ToolCall::mcp_server_of(tool_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generic_denial_is_no_reason_and_other_errors_are_kept() {
        let call = |status, error: &str| ToolCall {
            status,
            error: Some(error.into()),
            ..Default::default()
        };
        assert_eq!(tool_error(&call(ToolStatus::Denied, GENERIC_DENIAL)), None);
        assert_eq!(
            tool_error(&call(ToolStatus::Denied, "not in prod")),
            Some("not in prod")
        );
        // An OS error of a tool that ran says what it says.
        assert_eq!(
            tool_error(&call(ToolStatus::Error, GENERIC_DENIAL)),
            Some(GENERIC_DENIAL)
        );
    }

    #[test]
    fn the_mcp_server_is_the_given_one_else_the_tool_names() {
        assert_eq!(mcp_server("mcp__calc__add", None), Some("calc"));
        assert_eq!(mcp_server("mcp__calc__add", Some("other")), Some("other"));
        assert_eq!(mcp_server("Bash", None), None);
    }
}
