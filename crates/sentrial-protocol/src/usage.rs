//! Token counts and costs: a session's, per model, and how the stream's model calls compare with
//! the result's totals.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the model calls the stream showed compare with the result's totals.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Reconciliation {
    /// Model calls seen in the stream.
    pub model_calls: u32,
    /// Sum of their tokens: input, output, cache read, cache creation.
    pub stream_tokens: [u64; 4],
    /// The same four figures from the result's `modelUsage`.
    pub result_tokens: [u64; 4],
    /// True when the two agree.
    pub matches: bool,
    /// What differs and why, when they do not agree. The session keeps the result's totals.
    #[serde(default)]
    pub note: Option<String>,
}

/// Token counts and cost of one model, as in the `result` message's `modelUsage`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ModelUsage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
    /// Cost in USD.
    pub cost_usd: f64,
}

/// Cumulative token and cost figures of a session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Usage {
    /// Uncached input tokens, all models.
    pub prompt_tokens: u64,
    /// Output tokens, all models.
    pub completion_tokens: u64,
    /// prompt + completion + cache read + cache creation.
    pub total_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// True when the cost was estimated from the pricing table because the SDK gave none.
    #[serde(default)]
    pub cost_estimated: bool,
    /// Per model.
    #[serde(default)]
    pub by_model: BTreeMap<String, ModelUsage>,
}
