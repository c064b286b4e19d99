//! The thresholds of the rules: the defaults (the issue's), and a project's overrides of them
//! (`PUT /api/issue-settings`), checked before they are stored.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The thresholds of the rules, by the names the settings API uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// `loop`: the same tool with the same input this many times in a row.
    pub loop_in_a_row: usize,
    /// `loop`: the same tool with the same input this many times in the session.
    pub loop_in_session: usize,
    /// `error_streak`: this many failed calls in a row.
    pub error_streak: usize,
    /// `tool_errors`: a session needs at least this many tool calls...
    pub tool_errors_min_calls: usize,
    /// ...and more than this share of them failed.
    pub tool_errors_share: f64,
    /// `slow_tool`: a call took over this many times its tool's p95...
    pub slow_tool_factor: f64,
    /// ...once the tool has at least this many timed calls in the project's last 7 days.
    pub slow_tool_min_calls: i64,
    /// `cost_outlier`: a session cost over this many times its agent's p95...
    pub cost_outlier_factor: f64,
    /// ...once the agent has at least this many priced sessions in the last 7 days.
    pub cost_outlier_min_sessions: i64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            loop_in_a_row: 3,
            loop_in_session: 5,
            error_streak: 3,
            tool_errors_min_calls: 4,
            tool_errors_share: 0.5,
            slow_tool_factor: 3.0,
            slow_tool_min_calls: 20,
            cost_outlier_factor: 3.0,
            cost_outlier_min_sessions: 20,
        }
    }
}

impl Thresholds {
    /// The defaults with a project's `overrides` (a JSON object of some of the fields) laid
    /// over them; what is wrong with the overrides otherwise, in a sentence naming the field.
    pub fn with_overrides(overrides: &Map<String, Value>) -> Result<Thresholds, String> {
        let Value::Object(mut all) = serde_json::to_value(Thresholds::default())
            .map_err(|e| format!("cannot write the defaults: {e}"))?
        else {
            return Err("the defaults are not an object".into());
        };
        for (name, value) in overrides {
            if !all.contains_key(name) {
                return Err(format!(
                    "unknown threshold `{name}`; known: {}",
                    all.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            all.insert(name.clone(), value.clone());
        }
        let t: Thresholds = serde_json::from_value(Value::Object(all))
            .map_err(|e| format!("invalid thresholds: {e}"))?;
        t.check()?;
        Ok(t)
    }

    /// Whether every threshold is in its range; the first that is not, in a sentence.
    fn check(&self) -> Result<(), String> {
        let counts = [
            ("loop_in_a_row", self.loop_in_a_row as i64),
            ("loop_in_session", self.loop_in_session as i64),
            ("error_streak", self.error_streak as i64),
            ("tool_errors_min_calls", self.tool_errors_min_calls as i64),
            ("slow_tool_min_calls", self.slow_tool_min_calls),
            ("cost_outlier_min_sessions", self.cost_outlier_min_sessions),
        ];
        for (name, n) in counts {
            if !(1..=1_000_000).contains(&n) {
                return Err(format!("`{name}` must be a whole number from 1 to 1000000"));
            }
        }
        if !(self.tool_errors_share > 0.0 && self.tool_errors_share < 1.0) {
            return Err("`tool_errors_share` must be a number between 0 and 1".into());
        }
        for (name, f) in [
            ("slow_tool_factor", self.slow_tool_factor),
            ("cost_outlier_factor", self.cost_outlier_factor),
        ] {
            if !(f.is_finite() && (1.0..=1000.0).contains(&f)) {
                return Err(format!("`{name}` must be a number from 1 to 1000"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn over(v: Value) -> Result<Thresholds, String> {
        Thresholds::with_overrides(v.as_object().unwrap())
    }

    #[test]
    fn overrides_replace_only_the_fields_they_name() {
        let t = over(json!({"error_streak": 5, "slow_tool_factor": 2.5})).unwrap();
        assert_eq!(t.error_streak, 5);
        assert_eq!(t.slow_tool_factor, 2.5);
        assert_eq!(t.loop_in_a_row, Thresholds::default().loop_in_a_row);
        assert_eq!(over(json!({})).unwrap(), Thresholds::default());
    }

    #[test]
    fn bad_overrides_are_refused_with_the_field_named() {
        let e = over(json!({"error_streaks": 5})).unwrap_err();
        assert!(e.contains("unknown threshold `error_streaks`"), "{e}");
        let e = over(json!({"error_streak": 0})).unwrap_err();
        assert!(e.contains("`error_streak`"), "{e}");
        let e = over(json!({"error_streak": "three"})).unwrap_err();
        assert!(e.contains("invalid thresholds"), "{e}");
        let e = over(json!({"tool_errors_share": 1.5})).unwrap_err();
        assert!(e.contains("`tool_errors_share`"), "{e}");
        let e = over(json!({"cost_outlier_factor": 0.5})).unwrap_err();
        assert!(e.contains("`cost_outlier_factor`"), "{e}");
    }
}
