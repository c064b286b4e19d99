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

fn run_result(total: f64, cumulative: (u64, u64, f64), since: Option<(u64, u64, f64)>) -> Value {
    let mu = |(i, o, c): (u64, u64, f64)| {
        json!({"claude-sonnet-4-5": {"inputTokens": i, "outputTokens": o,
                "cacheReadInputTokens": 0, "cacheCreationInputTokens": 0, "costUSD": c}})
    };
    let mut r = json!({"total_cost_usd": total, "modelUsage": mu(cumulative)});
    if let Some(since) = since {
        r["model_usage_since_last_result"] = mu(since);
    }
    r
}

#[test]
fn a_resumed_run_holds_its_own_figures_and_names_what_was_carried() {
    // Seen on SDK 0.3.337: run 2 resumes run 1 (which spent 175 in / 53 out, $0.0116025) and
    // spends 70 / 22, $0.002415; its result reports the sum.
    let mut run = RunUsage::default();
    let r = run.result(
        &run_result(
            0.0140175,
            (245, 75, 0.0140175),
            Some((70, 22, 0.0024149999999999996)),
        ),
        None,
    );
    assert_eq!((r.own.prompt_tokens, r.own.completion_tokens), (70, 22));
    assert!(
        (r.own.cost_usd - 0.002415).abs() < 1e-12,
        "{}",
        r.own.cost_usd
    );
    assert_eq!(r.own.by_model["claude-sonnet-4-5"].input_tokens, 70);
    let carried = r.carried.expect("carried");
    assert_eq!(
        (carried.prompt_tokens, carried.completion_tokens),
        (175, 53)
    );
    assert!(
        (carried.cost_usd - 0.0116025).abs() < 1e-12,
        "{}",
        carried.cost_usd
    );
    // own + carried = what the SDK reported.
    assert!((r.own.cost_usd + carried.cost_usd - 0.0140175).abs() < 1e-12);
}

#[test]
fn results_of_one_run_add_up_their_deltas() {
    let mut run = RunUsage::default();
    // A resumed run (100 / 10 carried) with two results.
    let first = run.result(&run_result(0.3, (150, 15, 0.3), Some((50, 5, 0.1))), None);
    let second = run.result(&run_result(0.5, (190, 19, 0.5), Some((40, 4, 0.2))), None);
    assert_eq!(first.own.prompt_tokens, 50);
    assert_eq!(
        (second.own.prompt_tokens, second.own.completion_tokens),
        (90, 9)
    );
    assert!((second.own.cost_usd - 0.3).abs() < 1e-12);
    assert_eq!(second.carried.unwrap().prompt_tokens, 100);
}

#[test]
fn without_per_result_figures_the_growth_of_the_totals_counts() {
    // SDK 0.2.x: no model_usage_since_last_result, and nothing carried.
    let mut run = RunUsage::default();
    let first = run.result(&run_result(0.1, (100, 10, 0.1), None), None);
    let second = run.result(&run_result(0.25, (180, 30, 0.25), None), None);
    assert_eq!(first.carried, None);
    assert_eq!(
        (second.own.prompt_tokens, second.own.completion_tokens),
        (180, 30)
    );
    assert!((second.own.cost_usd - 0.25).abs() < 1e-12);
    assert_eq!(second.carried, None);
    // A result with zeroed figures (an API error) in between takes nothing away.
    let zero = run.result(&json!({"total_cost_usd": 0, "modelUsage": {}}), None);
    assert!((zero.own.cost_usd - 0.25).abs() < 1e-12);
    let third = run.result(&run_result(0.3, (200, 31, 0.3), None), None);
    assert_eq!(third.own.prompt_tokens, 200);
    assert!((third.own.cost_usd - 0.3).abs() < 1e-12);
}

#[test]
fn per_result_figures_without_a_cost_are_priced() {
    // A resumed run (1M input carried) whose SDK gave no costs at all.
    let r = json!({
            "modelUsage": {"claude-sonnet-4-5": {"inputTokens": 2000000, "outputTokens": 0}},
            "model_usage_since_last_result": {"claude-sonnet-4-5": {"inputTokens": 1000000, "outputTokens": 0}}});
    let figures = RunUsage::default().result(&r, None);
    assert!(figures.own.cost_estimated);
    assert!(
        (figures.own.cost_usd - 3.0).abs() < 1e-9,
        "{}",
        figures.own.cost_usd
    );
    let carried = figures.carried.unwrap();
    assert!(
        (carried.cost_usd - 3.0).abs() < 1e-9,
        "{}",
        carried.cost_usd
    );
}
