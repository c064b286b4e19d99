//! Token and cost figures from `result` messages, and what one run spent.
//!
//! `modelUsage` is the source of truth: it covers sub-agents, while `usage` covers the main loop
//! only. Its figures are cumulative across the results of one `query()`, and on SDK 0.3.x they also
//! carry what earlier runs of a resumed or forked Claude session spent (the CLI restores the totals
//! its transcript saved). `model_usage_since_last_result` is what the run spent since its previous
//! result (or since it started): [`RunUsage`] adds those up, so a session holds its own run's
//! figures whatever came before it. Where the SDK does not send that field (0.2.x, which also
//! carries nothing), the change in the cumulative totals stands in for it.

use crate::json::{f64_of, u64_of};
use crate::pricing;
use sentrial_protocol::{ModelUsage, Usage};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Reads the cumulative figures of a `result` message. `fallback_model` names the model for a
/// result that has only `usage` (no `modelUsage`).
pub fn from_result(result: &Value, fallback_model: Option<&str>) -> Usage {
    let mut figures = Figures::default();
    if let Some(models) = result.get("modelUsage").and_then(Value::as_object) {
        figures.read_models(models);
    }
    if figures.by_model.is_empty() {
        if let Some(u) = result.get("usage").filter(|u| u.is_object()) {
            figures.read_main_loop(u, fallback_model.unwrap_or("unknown"));
        }
    }
    figures.into_usage(f64_of(result, "total_cost_usd"))
}

/// What the run spent since its previous result (or since it started), from the result's
/// `model_usage_since_last_result`; `None` when the SDK does not send it.
pub fn since_last_result(result: &Value) -> Option<Usage> {
    let models = result
        .get("model_usage_since_last_result")
        .and_then(Value::as_object)?;
    let mut figures = Figures::default();
    figures.read_models(models);
    Some(figures.into_usage(None))
}

/// Per-model figures as read, before they are totalled.
#[derive(Default)]
struct Figures {
    by_model: BTreeMap<String, ModelUsage>,
    /// Cache writes of the 1-hour cache, per model, where the SDK splits them out (priced 2x input
    /// rather than the 5-minute 1.25x).
    one_hour: BTreeMap<String, u64>,
    /// Whether every model came with the SDK's own cost.
    sdk_cost_complete: bool,
}

impl Figures {
    fn read_models(&mut self, models: &Map<String, Value>) {
        self.sdk_cost_complete = true;
        for (model, mu) in models {
            let cost = f64_of(mu, "costUSD");
            self.sdk_cost_complete &= cost.is_some();
            if let Some(n) = u64_of(mu, "cacheCreationEphemeral1hInputTokens") {
                self.one_hour.insert(model.clone(), n);
            }
            self.by_model.insert(
                model.clone(),
                counts(mu, MODEL_USAGE_KEYS, cost.unwrap_or(0.0)),
            );
        }
    }

    /// The result's `usage` (main loop only), for a result without `modelUsage`. A usage of all
    /// zeros (a result of a run that made no model call) names no model.
    fn read_main_loop(&mut self, u: &Value, model: &str) {
        if USAGE_KEYS.iter().all(|k| u64_of(u, k).unwrap_or(0) == 0) {
            return;
        }
        if let Some(n) = u
            .get("cache_creation")
            .and_then(|c| u64_of(c, "ephemeral_1h_input_tokens"))
        {
            self.one_hour.insert(model.to_owned(), n);
        }
        self.by_model
            .insert(model.to_owned(), counts(u, USAGE_KEYS, 0.0));
        self.sdk_cost_complete = false;
    }

    /// Totals over models; the cost is `total_cost` when the SDK gave one, else the sum of the
    /// models' costs, else estimated from the pricing table.
    fn into_usage(mut self, total_cost: Option<f64>) -> Usage {
        let mut usage = Usage::default();
        match total_cost {
            Some(total) => usage.cost_usd = total,
            None if self.sdk_cost_complete => {
                usage.cost_usd = self.by_model.values().map(|m| m.cost_usd).sum();
            }
            None => {
                // No cost from the SDK: price what it counted.
                for (model, mu) in self.by_model.iter_mut() {
                    if mu.cost_usd == 0.0 {
                        let hour = self.one_hour.get(model).copied().unwrap_or(0);
                        mu.cost_usd = pricing::estimate_split(model, mu, hour).unwrap_or(0.0);
                    }
                }
                usage.cost_usd = self.by_model.values().map(|m| m.cost_usd).sum();
                usage.cost_estimated = !self.by_model.is_empty();
            }
        }
        usage.by_model = self.by_model;
        retotal(&mut usage);
        usage
    }
}

/// Sets the token totals of `u` from its models.
fn retotal(u: &mut Usage) {
    let (mut i, mut o, mut r, mut w) = (0u64, 0u64, 0u64, 0u64);
    for m in u.by_model.values() {
        i = i.saturating_add(m.input_tokens);
        o = o.saturating_add(m.output_tokens);
        r = r.saturating_add(m.cache_read_tokens);
        w = w.saturating_add(m.cache_creation_tokens);
    }
    u.prompt_tokens = i;
    u.completion_tokens = o;
    u.cache_read_tokens = r;
    u.cache_creation_tokens = w;
    u.total_tokens = i.saturating_add(o).saturating_add(r).saturating_add(w);
}

/// Costs closer than this to zero are rounding, not money (a carried total is a difference of
/// floating-point sums).
const COST_EPSILON: f64 = 1e-9;

fn model_op(a: &ModelUsage, b: &ModelUsage, op: fn(u64, u64) -> u64, cost: f64) -> ModelUsage {
    ModelUsage {
        input_tokens: op(a.input_tokens, b.input_tokens),
        output_tokens: op(a.output_tokens, b.output_tokens),
        cache_read_tokens: op(a.cache_read_tokens, b.cache_read_tokens),
        cache_creation_tokens: op(a.cache_creation_tokens, b.cache_creation_tokens),
        cost_usd: cost,
    }
}

/// The four token counts as `modelUsage` names them: input, output, cache read, cache creation.
const MODEL_USAGE_KEYS: [&str; 4] = [
    "inputTokens",
    "outputTokens",
    "cacheReadInputTokens",
    "cacheCreationInputTokens",
];

/// The same four counts as a result's (and the Messages API's) `usage` names them.
const USAGE_KEYS: [&str; 4] = [
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
];

/// One model's counts read from `v` under `keys` (input, output, cache read, cache creation);
/// a count that is missing reads as zero.
fn counts(v: &Value, keys: [&str; 4], cost_usd: f64) -> ModelUsage {
    let [input, output, read, creation] = keys.map(|k| u64_of(v, k).unwrap_or(0));
    ModelUsage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: read,
        cache_creation_tokens: creation,
        cost_usd,
    }
}

/// `a + b`, model by model.
pub fn add(a: &Usage, b: &Usage) -> Usage {
    let mut out = a.clone();
    for (model, mb) in &b.by_model {
        let sum = match out.by_model.get(model) {
            Some(ma) => model_op(ma, mb, u64::saturating_add, ma.cost_usd + mb.cost_usd),
            None => mb.clone(),
        };
        out.by_model.insert(model.clone(), sum);
    }
    out.cost_usd = a.cost_usd + b.cost_usd;
    out.cost_estimated = a.cost_estimated || b.cost_estimated;
    retotal(&mut out);
    out
}

/// `a - b`, model by model, never below zero; models left with nothing are dropped.
pub fn subtract(a: &Usage, b: &Usage) -> Usage {
    let mut out = Usage {
        cost_estimated: a.cost_estimated,
        ..Usage::default()
    };
    for (model, ma) in &a.by_model {
        let diff = match b.by_model.get(model) {
            Some(mb) => model_op(
                ma,
                mb,
                u64::saturating_sub,
                (ma.cost_usd - mb.cost_usd).max(0.0),
            ),
            None => ma.clone(),
        };
        if !is_nothing(&diff) {
            out.by_model.insert(model.clone(), diff);
        }
    }
    out.cost_usd = (a.cost_usd - b.cost_usd).max(0.0);
    if out.cost_usd < COST_EPSILON {
        out.cost_usd = 0.0;
    }
    retotal(&mut out);
    out
}

fn is_nothing(m: &ModelUsage) -> bool {
    m.input_tokens == 0
        && m.output_tokens == 0
        && m.cache_read_tokens == 0
        && m.cache_creation_tokens == 0
        && m.cost_usd < COST_EPSILON
}

/// The larger of `a` and `b` field by field (and model by model): the totals the SDK has reported
/// so far, whatever a result with zeroed figures said in between.
fn high_water(a: &Usage, b: &Usage) -> Usage {
    let mut out = a.clone();
    for (model, mb) in &b.by_model {
        let max = match out.by_model.get(model) {
            Some(ma) => model_op(ma, mb, u64::max, ma.cost_usd.max(mb.cost_usd)),
            None => mb.clone(),
        };
        out.by_model.insert(model.clone(), max);
    }
    out.cost_usd = a.cost_usd.max(b.cost_usd);
    out.cost_estimated = a.cost_estimated || b.cost_estimated;
    retotal(&mut out);
    out
}

/// What one run (one call of the wrapped function) spent, result by result.
#[derive(Debug, Default)]
pub struct RunUsage {
    /// The run's own figures so far.
    own: Usage,
    /// The highest cumulative totals the SDK reported so far.
    reported: Option<Usage>,
}

/// One result's figures, as [`RunUsage::result`] reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFigures {
    /// What the run spent up to and including this result.
    pub own: Usage,
    /// What the SDK's totals hold beyond that: earlier runs of a resumed or forked session.
    pub carried: Option<Usage>,
}

impl RunUsage {
    /// Takes the next `result` message of the run.
    pub fn result(&mut self, result: &Value, fallback_model: Option<&str>) -> RunFigures {
        let reported = from_result(result, fallback_model);
        let delta = match since_last_result(result) {
            Some(delta) => delta,
            // No per-result figures: what the totals grew by (all of them for the first result).
            None => match &self.reported {
                Some(before) => subtract(&reported, before),
                None => reported.clone(),
            },
        };
        self.own = add(&self.own, &delta);
        let reported = match &self.reported {
            Some(before) => high_water(before, &reported),
            None => reported,
        };
        let carried = subtract(&reported, &self.own);
        let carried = (!carried.by_model.is_empty() || carried.cost_usd > 0.0).then_some(carried);
        if carried.is_none() {
            // Nothing carried: the run's figures are the SDK's totals, exactly as it reported
            // them (a sum of per-result costs can differ from them in the last bit).
            self.own = reported.clone();
        }
        self.reported = Some(reported);
        RunFigures {
            own: self.own.clone(),
            carried,
        }
    }
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;
