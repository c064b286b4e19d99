//! Token and cost figures from a `result` message.
//!
//! `modelUsage` is the source of truth: it covers sub-agents, while `usage` covers the main loop
//! only. Figures are cumulative across the results of one `query()`, so callers keep the latest
//! result's figures and never add results together.

use crate::json::{f64_of, u64_of};
use crate::pricing;
use sentrial_protocol::{ModelUsage, Usage};
use serde_json::Value;

/// Reads the figures of a `result` message. `fallback_model` names the model for a result that has
/// only `usage` (no `modelUsage`).
pub fn from_result(result: &Value, fallback_model: Option<&str>) -> Usage {
    let mut by_model = std::collections::BTreeMap::new();
    // Cache writes of the 1-hour cache, per model, where the SDK splits them out (priced 2x input
    // rather than the 5-minute 1.25x).
    let mut one_hour: std::collections::BTreeMap<String, u64> = Default::default();
    let mut sdk_cost_complete = true;
    if let Some(models) = result.get("modelUsage").and_then(Value::as_object) {
        for (model, mu) in models {
            let cost = f64_of(mu, "costUSD");
            sdk_cost_complete &= cost.is_some();
            if let Some(n) = u64_of(mu, "cacheCreationEphemeral1hInputTokens") {
                one_hour.insert(model.clone(), n);
            }
            by_model.insert(
                model.clone(),
                ModelUsage {
                    input_tokens: u64_of(mu, "inputTokens").unwrap_or(0),
                    output_tokens: u64_of(mu, "outputTokens").unwrap_or(0),
                    cache_read_tokens: u64_of(mu, "cacheReadInputTokens").unwrap_or(0),
                    cache_creation_tokens: u64_of(mu, "cacheCreationInputTokens").unwrap_or(0),
                    cost_usd: cost.unwrap_or(0.0),
                },
            );
        }
    }
    if by_model.is_empty() {
        if let Some(u) = result.get("usage").filter(|u| u.is_object()) {
            let model = fallback_model.unwrap_or("unknown").to_owned();
            if let Some(n) = u
                .get("cache_creation")
                .and_then(|c| u64_of(c, "ephemeral_1h_input_tokens"))
            {
                one_hour.insert(model.clone(), n);
            }
            by_model.insert(
                model,
                ModelUsage {
                    input_tokens: u64_of(u, "input_tokens").unwrap_or(0),
                    output_tokens: u64_of(u, "output_tokens").unwrap_or(0),
                    cache_read_tokens: u64_of(u, "cache_read_input_tokens").unwrap_or(0),
                    cache_creation_tokens: u64_of(u, "cache_creation_input_tokens").unwrap_or(0),
                    cost_usd: 0.0,
                },
            );
            sdk_cost_complete = false;
        }
    }

    let mut usage = Usage::default();
    for mu in by_model.values() {
        usage.prompt_tokens += mu.input_tokens;
        usage.completion_tokens += mu.output_tokens;
        usage.cache_read_tokens += mu.cache_read_tokens;
        usage.cache_creation_tokens += mu.cache_creation_tokens;
    }
    usage.total_tokens = usage.prompt_tokens
        + usage.completion_tokens
        + usage.cache_read_tokens
        + usage.cache_creation_tokens;

    match f64_of(result, "total_cost_usd") {
        Some(total) => usage.cost_usd = total,
        None if sdk_cost_complete && !by_model.is_empty() => {
            usage.cost_usd = by_model.values().map(|m| m.cost_usd).sum();
        }
        None => {
            // No cost from the SDK: price what it counted.
            for (model, mu) in by_model.iter_mut() {
                if mu.cost_usd == 0.0 {
                    let hour = one_hour.get(model).copied().unwrap_or(0);
                    mu.cost_usd = pricing::estimate_split(model, mu, hour).unwrap_or(0.0);
                }
            }
            usage.cost_usd = by_model.values().map(|m| m.cost_usd).sum();
            usage.cost_estimated = true;
        }
    }
    usage.by_model = by_model;
    usage
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn model_usage_is_summed_over_models_and_sdk_cost_kept() {
        let r = json!({
            "total_cost_usd": 0.5,
            "usage": {"input_tokens": 1, "output_tokens": 1},
            "modelUsage": {
                "claude-sonnet-4-5": {"inputTokens": 100, "outputTokens": 50, "cacheReadInputTokens": 1000, "cacheCreationInputTokens": 200, "costUSD": 0.4},
                "claude-haiku-4-5": {"inputTokens": 10, "outputTokens": 5, "cacheReadInputTokens": 0, "cacheCreationInputTokens": 0, "costUSD": 0.1}
            }
        });
        let u = from_result(&r, None);
        assert_eq!(u.prompt_tokens, 110);
        assert_eq!(u.completion_tokens, 55);
        assert_eq!(u.cache_read_tokens, 1000);
        assert_eq!(u.cache_creation_tokens, 200);
        assert_eq!(u.total_tokens, 110 + 55 + 1000 + 200);
        assert_eq!(u.cost_usd, 0.5);
        assert!(!u.cost_estimated);
        assert_eq!(u.by_model.len(), 2);
        assert_eq!(u.by_model["claude-haiku-4-5"].cost_usd, 0.1);
    }

    #[test]
    fn missing_cost_is_estimated_with_cache_prices() {
        let r = json!({
            "modelUsage": {
                "claude-sonnet-4-5": {"inputTokens": 10000, "outputTokens": 2000, "cacheReadInputTokens": 100000, "cacheCreationInputTokens": 20000}
            }
        });
        let u = from_result(&r, None);
        assert!(u.cost_estimated);
        assert!((u.cost_usd - 0.165).abs() < 1e-9, "{}", u.cost_usd);
    }

    #[test]
    fn one_hour_cache_writes_are_priced_as_such() {
        // 10,000 cache-write tokens of which 4,000 to the 1-hour cache, on Sonnet ($3 input):
        // 6,000 * $3.75 + 4,000 * $6 per million = 0.0225 + 0.024 = 0.0465.
        let r = json!({"modelUsage": {"claude-sonnet-4-5": {"inputTokens": 0, "outputTokens": 0,
            "cacheReadInputTokens": 0, "cacheCreationInputTokens": 10000,
            "cacheCreationEphemeral5mInputTokens": 6000, "cacheCreationEphemeral1hInputTokens": 4000}}});
        let u = from_result(&r, None);
        assert!((u.cost_usd - 0.0465).abs() < 1e-12, "{}", u.cost_usd);
        let usage_only = json!({"usage": {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 10000,
            "cache_creation": {"ephemeral_5m_input_tokens": 6000, "ephemeral_1h_input_tokens": 4000}}});
        let u = from_result(&usage_only, Some("claude-sonnet-4-5"));
        assert!((u.cost_usd - 0.0465).abs() < 1e-12, "{}", u.cost_usd);
    }

    #[test]
    fn usage_only_result_uses_fallback_model() {
        let r = json!({"usage": {"input_tokens": 1000000, "output_tokens": 0}});
        let u = from_result(&r, Some("claude-haiku-4-5"));
        assert_eq!(u.prompt_tokens, 1_000_000);
        assert!((u.cost_usd - 1.0).abs() < 1e-9);
        assert!(u.by_model.contains_key("claude-haiku-4-5"));
    }

    #[test]
    fn costs_are_parsed_exactly() {
        // Real figures from the recorded `hello` result: serde_json without `float_roundtrip`
        // reads the first as 0.009645, one ULP away from what the SDK reported.
        let r = crate::json::parse(
            r#"{"total_cost_usd":0.009644999999999999,"modelUsage":{"claude-sonnet-4-5":{"inputTokens":120,"outputTokens":19,"costUSD":0.011842499999999999}}}"#,
        )
        .unwrap();
        let u = from_result(&r, None);
        assert_eq!(u.cost_usd.to_bits(), 0.009644999999999999_f64.to_bits());
        assert_ne!(u.cost_usd.to_bits(), 0.009645_f64.to_bits());
        assert_eq!(
            u.by_model["claude-sonnet-4-5"].cost_usd.to_bits(),
            0.011842499999999999_f64.to_bits()
        );
    }

    #[test]
    fn empty_result_gives_zeroes() {
        let u = from_result(&json!({"subtype": "success"}), None);
        assert_eq!(u.total_tokens, 0);
        assert_eq!(u.cost_usd, 0.0);
    }
}
