//! What the host hands a manual session, as the JSON the JS layer writes from the caller's own
//! objects (camelCase, the product docs' names): its creation, its steps and its completion.
//! Parsed on the worker, never on the host's thread.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `createSession`'s fields (`begin`'s, renamed by the JS layer).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualStart {
    /// The session's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The agent's name.
    #[serde(default)]
    pub agent_name: String,
    /// The end user.
    #[serde(default)]
    pub user_id: String,
    /// The conversation thread.
    #[serde(default)]
    pub convo_id: Option<String>,
    /// The session it runs under.
    #[serde(default)]
    pub parent_session_id: Option<String>,
    /// Anything else to keep with it.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The user's input.
    #[serde(default)]
    pub input: Option<String>,
}

/// One step of a manual session, in the order the host reported them.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// `trackToolCall`.
    ToolCall(ManualToolCall),
    /// `trackDecision`.
    Decision(ManualDecision),
    /// `trackError`.
    Error(ManualError),
    /// `trackLLMCall`.
    LlmCall(ManualLlmCall),
}

/// `trackToolCall`'s fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualToolCall {
    /// The tool's name.
    pub tool_name: String,
    /// Its input.
    #[serde(default)]
    pub tool_input: Value,
    /// Its output.
    #[serde(default)]
    pub tool_output: Value,
    /// Its error, when it failed.
    #[serde(default)]
    pub tool_error: Option<String>,
    /// Why the agent called it.
    #[serde(default)]
    pub reasoning: Option<String>,
    /// How long it ran.
    #[serde(default, deserialize_with = "count")]
    pub duration_ms: Option<u64>,
    /// The caller's id of the call (a `tool_use` id); one is made when none is given.
    #[serde(default)]
    pub tool_use_id: Option<String>,
}

/// `trackDecision`'s fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualDecision {
    /// Why.
    pub reasoning: String,
    /// What else was considered.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// What was chosen.
    #[serde(default)]
    pub chosen: Option<String>,
}

/// `trackError`'s fields (the JS layer reads an `Error`'s message, name and stack).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualError {
    /// The error's message.
    pub message: String,
    /// Its type (`TypeError`, ...).
    #[serde(default)]
    pub error_type: Option<String>,
    /// Its stack.
    #[serde(default)]
    pub stack: Option<String>,
    /// What the agent was doing.
    #[serde(default)]
    pub context: Map<String, Value>,
}

/// `trackLLMCall`'s fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualLlmCall {
    /// The model.
    pub model: String,
    /// Uncached input tokens.
    #[serde(default, deserialize_with = "count")]
    pub prompt_tokens: Option<u64>,
    /// Output tokens.
    #[serde(default, deserialize_with = "count")]
    pub completion_tokens: Option<u64>,
    /// Tokens read from the prompt cache.
    #[serde(default, deserialize_with = "count")]
    pub cache_read_tokens: Option<u64>,
    /// Tokens written to the prompt cache.
    #[serde(default, deserialize_with = "count")]
    pub cache_creation_tokens: Option<u64>,
    /// Its cost in USD, when the caller knows it.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// What was sent, as text.
    #[serde(default)]
    pub input: Option<String>,
    /// What came back, as text.
    #[serde(default)]
    pub output: Option<String>,
    /// How long the call took.
    #[serde(default, deserialize_with = "count")]
    pub duration_ms: Option<u64>,
}

/// `completeSession`'s fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManualEnd {
    /// Whether the agent succeeded (default true).
    pub success: bool,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Its final output.
    pub output: Option<String>,
    /// The user's input, when the session was created without it.
    pub user_input: Option<String>,
    /// The session's cost as the caller estimated it; replaces the sum of its model calls.
    pub estimated_cost: Option<f64>,
    /// Input tokens, replacing the sum of its model calls'.
    #[serde(deserialize_with = "count")]
    pub prompt_tokens: Option<u64>,
    /// Output tokens, replacing the sum of its model calls'.
    #[serde(deserialize_with = "count")]
    pub completion_tokens: Option<u64>,
    /// Custom metrics by name.
    pub custom_metrics: BTreeMap<String, f64>,
}

impl Default for ManualEnd {
    fn default() -> Self {
        ManualEnd {
            success: true,
            failure_reason: None,
            output: None,
            user_input: None,
            estimated_cost: None,
            prompt_tokens: None,
            completion_tokens: None,
            custom_metrics: BTreeMap::new(),
        }
    }
}

/// A count as JavaScript gives it: any non-negative number, its fraction dropped.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let n = Option::<f64>::deserialize(d)?;
    Ok(n.filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64))
}
