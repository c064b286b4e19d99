//! What a manual session (`SentrialClient.createSession` / `begin`) reports beyond a wrapped run's
//! events: the agent's decisions, its errors and the model calls it made itself. A batch that
//! holds one of these is protocol [`MANUAL_PROTOCOL_VERSION`].

use crate::{Block, ModelCall};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The version of a batch that holds a `decision`, `error` or `llm_call` event (version 4 added
/// them), so only manual sessions need a collector that reads it.
pub const MANUAL_PROTOCOL_VERSION: u32 = 4;

/// How a manual session is started, as its start's `entry_point`.
pub const ENTRY_MANUAL: &str = "manual";

/// Fields of [`crate::Payload::Decision`]: a choice the agent made, in its transcript.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Decision {
    /// Place in the session's transcript (see [`crate::ModelCall::position`]).
    pub position: u32,
    /// When it was made, ms since the epoch.
    pub at: i64,
    /// Why.
    pub reasoning: String,
    /// What else was considered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// What was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
}

/// Fields of [`crate::Payload::Error`]: an error the agent reported, in its transcript. It does
/// not end the session (`completeSession` with `success: false` does).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionError {
    /// Place in the session's transcript.
    pub position: u32,
    /// When it happened, ms since the epoch.
    pub at: i64,
    /// The error's message.
    pub message: String,
    /// Its type (`TypeError`, `RateLimitError`, ...), when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// Its stack, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// What the agent was doing, as the caller described it.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub context: Map<String, Value>,
}

/// Fields of [`crate::Payload::LlmCall`]: a model call a manual session made and reported
/// itself (any provider), stored beside the model calls of wrapped runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LlmCall {
    /// Its id within the session (made by the SDK).
    pub call_id: String,
    /// Place in the session's transcript.
    pub position: u32,
    /// The model that answered.
    pub model: String,
    /// Uncached input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    #[serde(default)]
    pub cache_creation_tokens: u64,
    /// Its cost in USD: as the caller gave it, else estimated from the pricing table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// True when [`LlmCall::cost_usd`] was estimated from the pricing table.
    #[serde(default)]
    pub cost_estimated: bool,
    /// What was sent to the model, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// What it answered, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// When the call began, ms since the epoch (its end minus its duration).
    pub started_at: i64,
    /// When it was reported.
    pub ended_at: i64,
}

impl LlmCall {
    /// The call as a wrapped run's model call would be: its id the message id, its output tokens
    /// final, its output one text block (none without output). What the collector stores and the
    /// OTLP export sends of it; its prompt and cost are this type's own.
    pub fn model_call(&self) -> ModelCall {
        ModelCall {
            message_id: self.call_id.clone(),
            model: self.model.clone(),
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            output_tokens_final: true,
            cache_read_tokens: self.cache_read_tokens,
            cache_creation_tokens: self.cache_creation_tokens,
            started_at: self.started_at,
            ended_at: self.ended_at,
            position: Some(self.position),
            content: self
                .output
                .iter()
                .map(|text| Block::Text { text: text.clone() })
                .collect(),
            ..Default::default()
        }
    }
}

/// Longest custom metric name, in characters.
pub const METRIC_NAME_MAX: usize = 100;

/// Most custom metrics one session may carry.
pub const METRICS_MAX: usize = 100;

/// Why custom metric `name` = `value` cannot be stored, if it cannot: an empty or too long name,
/// a value that is not a finite number.
pub fn metric_problem(name: &str, value: f64) -> Option<String> {
    let chars = name.chars().count();
    if chars == 0 || chars > METRIC_NAME_MAX {
        return Some(format!(
            "a custom metric name must be 1 to {METRIC_NAME_MAX} characters"
        ));
    }
    (!value.is_finite()).then(|| format!("custom metric '{name}' must be a finite number"))
}
