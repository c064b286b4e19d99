//! Prices of Claude models, used only when a `result` carries no cost of its own.
//!
//! Prices are USD per million tokens, as published by Anthropic. Cache writes have two prices (the
//! 5-minute and the 1-hour cache); the SDK's per-model totals do not split them, so totals are priced
//! at the 5-minute rate unless the split is known. Update [`PRICING_VERSION`] with the table.

use sentrial_protocol::ModelUsage;

/// Date of the price list below.
pub const PRICING_VERSION: &str = "2026-11-01";

/// Prices of one model family, USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// Uncached input.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Cache read (hit).
    pub cache_read: f64,
    /// Cache write, 5-minute lifetime.
    pub cache_write_5m: f64,
    /// Cache write, 1-hour lifetime.
    pub cache_write_1h: f64,
}

const fn price(input: f64, output: f64) -> Price {
    // Anthropic's multipliers: read 0.1x, 5-minute write 1.25x, 1-hour write 2x of the input price.
    Price {
        input,
        output,
        cache_read: input * 0.1,
        cache_write_5m: input * 1.25,
        cache_write_1h: input * 2.0,
    }
}

/// Model id prefixes and their prices; the longest matching prefix wins.
const TABLE: &[(&str, Price)] = &[
    ("claude-opus-4-5", price(5.0, 25.0)),
    ("claude-opus-4-6", price(5.0, 25.0)),
    ("claude-opus-4-1", price(15.0, 75.0)),
    ("claude-opus-4", price(15.0, 75.0)),
    ("claude-3-opus", price(15.0, 75.0)),
    ("claude-sonnet-4", price(3.0, 15.0)),
    ("claude-3-7-sonnet", price(3.0, 15.0)),
    ("claude-3-5-sonnet", price(3.0, 15.0)),
    ("claude-haiku-4", price(1.0, 5.0)),
    ("claude-3-5-haiku", price(0.8, 4.0)),
    ("claude-3-haiku", price(0.25, 1.25)),
];

/// Fallbacks by family name for ids the table does not know (newer models, aliases).
const FAMILIES: &[(&str, Price)] = &[
    ("opus", price(5.0, 25.0)),
    ("sonnet", price(3.0, 15.0)),
    ("haiku", price(1.0, 5.0)),
];

/// The price of `model`, by longest known prefix, else by family name; `None` for non-Claude ids.
pub fn price_of(model: &str) -> Option<Price> {
    let id = model.trim().to_ascii_lowercase();
    // Bedrock and Vertex ids carry a prefix ("anthropic.", "us.anthropic.") or an "@date" suffix.
    let id = id
        .rsplit_once("anthropic.")
        .map_or(id.as_str(), |(_, rest)| rest);
    let id = id.split('@').next().unwrap_or(id);
    TABLE
        .iter()
        .filter(|(prefix, _)| id.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .or_else(|| FAMILIES.iter().find(|(family, _)| id.contains(family)))
        .map(|(_, p)| *p)
}

/// Estimated cost of one model's usage; cache writes at the 5-minute rate.
pub fn estimate(model: &str, usage: &ModelUsage) -> Option<f64> {
    estimate_split(model, usage, 0)
}

/// Estimated cost of one model's usage, `one_hour` of its cache-write tokens being 1-hour cache
/// writes and the rest 5-minute ones.
pub fn estimate_split(model: &str, usage: &ModelUsage, one_hour: u64) -> Option<f64> {
    let p = price_of(model)?;
    let per = |tokens: u64, usd_per_mtok: f64| tokens as f64 * usd_per_mtok / 1_000_000.0;
    let one_hour = one_hour.min(usage.cache_creation_tokens);
    Some(
        per(usage.input_tokens, p.input)
            + per(usage.output_tokens, p.output)
            + per(usage.cache_read_tokens, p.cache_read)
            + per(usage.cache_creation_tokens - one_hour, p.cache_write_5m)
            + per(one_hour, p.cache_write_1h),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(i: u64, o: u64, r: u64, w: u64) -> ModelUsage {
        ModelUsage {
            input_tokens: i,
            output_tokens: o,
            cache_read_tokens: r,
            cache_creation_tokens: w,
            cost_usd: 0.0,
        }
    }

    #[test]
    fn sonnet_worked_example() {
        // 10k input * $3 + 2k output * $15 + 100k cache read * $0.30 + 20k cache write * $3.75
        // = 0.03 + 0.03 + 0.03 + 0.075 = 0.165
        let cost = estimate(
            "claude-sonnet-4-5-20250929",
            &usage(10_000, 2_000, 100_000, 20_000),
        );
        assert!((cost.unwrap() - 0.165).abs() < 1e-9, "{cost:?}");
    }

    #[test]
    fn opus_generations_differ() {
        assert_eq!(price_of("claude-opus-4-5-20251101").unwrap().input, 5.0);
        assert_eq!(price_of("claude-opus-4-1-20250805").unwrap().input, 15.0);
        assert_eq!(price_of("claude-opus-4-20250514").unwrap().output, 75.0);
    }

    #[test]
    fn haiku_worked_example() {
        // 1M input * $1 + 1M output * $5 + 1M read * $0.10 + 1M write * $1.25 = 7.35
        let cost = estimate(
            "claude-haiku-4-5",
            &usage(1_000_000, 1_000_000, 1_000_000, 1_000_000),
        );
        assert!((cost.unwrap() - 7.35).abs() < 1e-9);
        let old = estimate("claude-3-5-haiku-20241022", &usage(1_000_000, 0, 0, 0)).unwrap();
        assert!((old - 0.8).abs() < 1e-9);
    }

    #[test]
    fn cloud_ids_and_unknowns() {
        assert_eq!(
            price_of("us.anthropic.claude-sonnet-4-20250514-v1:0")
                .unwrap()
                .input,
            3.0
        );
        assert_eq!(price_of("claude-sonnet-4@20250514").unwrap().output, 15.0);
        assert_eq!(price_of("claude-sonnet-9").unwrap().input, 3.0);
        assert!(price_of("gpt-4o").is_none());
        assert!(estimate("<synthetic>", &usage(1, 1, 1, 1)).is_none());
    }
}
