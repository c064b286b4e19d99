//! A manual session's figures: the sum of the model calls it reported, each call's cost as
//! given or else estimated from the pricing table (and then marked as estimated).

use super::steps::ManualEnd;
use crate::pricing;
use sentrial_protocol::{LlmCall, ModelUsage, Usage};

/// What the model calls of one manual session add up to.
#[derive(Debug, Default)]
pub(super) struct Totals {
    usage: Usage,
    calls: u64,
    api_ms: Option<u64>,
}

impl Totals {
    /// Counts `call` (of `duration_ms`), pricing it when the caller gave no cost; gives it back
    /// with its cost.
    pub fn add(&mut self, mut call: LlmCall, duration_ms: Option<u64>) -> LlmCall {
        let tokens = ModelUsage {
            input_tokens: call.input_tokens,
            output_tokens: call.output_tokens,
            cache_read_tokens: call.cache_read_tokens,
            cache_creation_tokens: call.cache_creation_tokens,
            cost_usd: 0.0,
        };
        if call.cost_usd.is_none() {
            call.cost_usd = pricing::estimate(&call.model, &tokens);
            call.cost_estimated = true;
        }
        let u = &mut self.usage;
        u.prompt_tokens += tokens.input_tokens;
        u.completion_tokens += tokens.output_tokens;
        u.cache_read_tokens += tokens.cache_read_tokens;
        u.cache_creation_tokens += tokens.cache_creation_tokens;
        // A model the table does not know adds no cost, and the total says it is estimated.
        u.cost_usd += call.cost_usd.unwrap_or(0.0);
        u.cost_estimated |= call.cost_estimated;
        let m = u.by_model.entry(call.model.clone()).or_default();
        m.input_tokens += tokens.input_tokens;
        m.output_tokens += tokens.output_tokens;
        m.cache_read_tokens += tokens.cache_read_tokens;
        m.cache_creation_tokens += tokens.cache_creation_tokens;
        m.cost_usd += call.cost_usd.unwrap_or(0.0);
        self.calls += 1;
        if let Some(ms) = duration_ms {
            self.api_ms = Some(self.api_ms.unwrap_or(0) + ms);
        }
        call
    }

    /// The session's usage: the calls' sums, with what `end` gives in their place.
    pub fn usage(&self, end: &ManualEnd) -> Usage {
        let mut u = self.usage.clone();
        if let Some(n) = end.prompt_tokens {
            u.prompt_tokens = n;
        }
        if let Some(n) = end.completion_tokens {
            u.completion_tokens = n;
        }
        if let Some(cost) = end.estimated_cost {
            u.cost_usd = cost;
            u.cost_estimated = true;
        }
        u.total_tokens =
            u.prompt_tokens + u.completion_tokens + u.cache_read_tokens + u.cache_creation_tokens;
        u
    }

    /// Time spent in the model calls that said how long they took.
    pub fn api_duration_ms(&self) -> Option<u64> {
        self.api_ms
    }

    /// The number of model calls, as the session's turns (none when it made none).
    pub fn turns(&self) -> Option<u64> {
        (self.calls > 0).then_some(self.calls)
    }
}
