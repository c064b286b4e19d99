//! Privacy modes: which fields of an event are kept at all.

use serde_json::{Map, Value};

/// What of a session is kept. Whatever the mode, identifiers (agent, user, conversation, model,
/// tool names, `tool_use_id`s), statuses, counts, timings, tokens and cost are kept. (The names
/// users give the modes are the binding's `PrivacyMode`.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Privacy {
    /// Everything (after redaction). The default.
    #[default]
    Full,
    /// No inputs: the prompt (`session_start.input`), streamed user turns (`session_input.text`,
    /// sent empty), tool inputs (`tool_call.input`, `tool_call.updated_input`) and what a manual
    /// session sent its model (`llm_call.input`) are sent as `null`.
    NoInputs,
    /// No outputs: tool outputs and errors (`tool_call.output`, `tool_call.error`), the final text
    /// (`session_result.output`, `session_end.output`), what the model wrote and thought (the
    /// text and thinking blocks of `model_call.content`) and the texts of markers (`message`,
    /// `explanation`, `summary`, `text`) are left out; `failure_reason` keeps only what precedes
    /// its first `": "` (the result subtype, e.g. `error_max_turns`). Of a manual session: a tool
    /// call's `reasoning`, what its model answered (`llm_call.output`), its decisions (sent with
    /// an empty `reasoning`, no alternatives or choice) and its errors (an empty `message`, no
    /// stack or context; `error_type` stays).
    NoOutputs,
    /// Only counts, timings, tokens and cost: both of the above, and `metadata` is `{}`.
    MetadataOnly,
}

/// The fields of a marker's data that hold text the model or the API wrote.
const MARKER_TEXTS: &[&str] = &["message", "explanation", "summary", "text"];

impl Privacy {
    fn inputs(self) -> bool {
        matches!(self, Privacy::Full | Privacy::NoOutputs)
    }

    fn outputs(self) -> bool {
        matches!(self, Privacy::Full | Privacy::NoInputs)
    }

    /// Blanks the fields this mode keeps out of the `data` of an event of type `kind`.
    pub fn apply(self, kind: &str, data: &mut Value) {
        if self == Privacy::Full {
            return;
        }
        let Value::Object(d) = data else { return };
        let null = |d: &mut Map<String, Value>, field: &str| {
            if let Some(v) = d.get_mut(field) {
                *v = Value::Null;
            }
        };
        match kind {
            "session_start" => {
                if !self.inputs() {
                    null(d, "input");
                }
                if self == Privacy::MetadataOnly {
                    d.insert("metadata".into(), Value::Object(Map::new()));
                }
            }
            "session_input" if !self.inputs() => {
                d.insert("text".into(), Value::String(String::new()));
            }
            "tool_call" => {
                if !self.inputs() {
                    null(d, "input");
                    null(d, "updated_input");
                }
                if !self.outputs() {
                    null(d, "output");
                    null(d, "error");
                    d.remove("reasoning");
                }
            }
            "llm_call" => {
                if !self.inputs() {
                    d.remove("input");
                }
                if !self.outputs() {
                    d.remove("output");
                }
            }
            "decision" if !self.outputs() => {
                d.insert("reasoning".into(), Value::String(String::new()));
                d.remove("alternatives");
                d.remove("chosen");
            }
            "error" if !self.outputs() => {
                d.insert("message".into(), Value::String(String::new()));
                d.remove("stack");
                d.remove("context");
            }
            "session_result" if !self.outputs() => null(d, "output"),
            "model_call" if !self.outputs() => {
                // Which tools it called and that it thought stay; what it wrote and thought go.
                if let Some(Value::Array(blocks)) = d.get_mut("content") {
                    blocks.retain(|b| {
                        !matches!(
                            b.get("type").and_then(Value::as_str),
                            Some("text" | "thinking" | "omitted")
                        )
                    });
                }
            }
            "marker" if !self.outputs() => {
                if let Some(Value::Object(data)) = d.get_mut("data") {
                    for field in MARKER_TEXTS {
                        data.remove(*field);
                    }
                }
            }
            "session_end" if !self.outputs() => {
                null(d, "output");
                if let Some(Value::String(reason)) = d.get_mut("failure_reason") {
                    if let Some(at) = reason.find(": ") {
                        reason.truncate(at);
                    }
                }
            }
            _ => {}
        }
    }
}
