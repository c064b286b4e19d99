//! Rules that compare a session with its project's recent history: `slow_tool` (a call against
//! its tool's p95) and `cost_outlier` (the session's cost against its agent's p95). The store
//! works the baselines out (`store/baselines.rs`); these rules only compare.

use std::collections::HashMap;

use crate::detect::tools::calls_of;
use crate::detect::{Finding, IssueKind, Severity, Thresholds};
use crate::store::{SessionDetail, ToolCallRecord};

/// The 95th percentile of a figure over the project's last 7 days, and how many values it was
/// taken over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// The p95 (nearest rank): a duration in ms or a cost in USD.
    pub p95: f64,
    /// How many values it was taken over.
    pub samples: i64,
}

/// The baselines a session is compared with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Each tool's call durations, by tool name.
    pub tools: HashMap<String, Baseline>,
    /// The session's agent's session costs.
    pub agent_cost: Option<Baseline>,
}

/// `slow_tool`: one finding per tool with calls over `slow_tool_factor` times its p95, once the
/// tool has `slow_tool_min_calls` timed calls.
pub(super) fn slow_tool(d: &SessionDetail, h: &History, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut names: Vec<&str> = d.tool_calls.iter().map(|c| c.tool_name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let Some(b) = h.tools.get(name) else {
            continue;
        };
        if b.samples < t.slow_tool_min_calls || b.p95 <= 0.0 {
            continue;
        }
        let limit = t.slow_tool_factor * b.p95;
        let slow: Vec<&ToolCallRecord> = d
            .tool_calls
            .iter()
            .filter(|c| c.tool_name == name)
            .filter(|c| c.duration_ms.is_some_and(|ms| ms as f64 > limit))
            .collect();
        let Some(slowest) = slow.iter().filter_map(|c| c.duration_ms).max() else {
            continue;
        };
        let calls = if slow.len() == 1 {
            "A call".to_string()
        } else {
            format!("{} calls", slow.len())
        };
        let summary = format!(
            "{calls} of {name} took up to {}, over {}× its p95 of {} ({} calls, last 7 days)",
            seconds(slowest as f64),
            t.slow_tool_factor,
            seconds(b.p95),
            b.samples
        );
        out.push(Finding::new(
            IssueKind::SlowTool,
            Severity::Warning,
            summary,
            calls_of(&slow),
        ));
    }
    out
}

/// `cost_outlier`: the session cost over `cost_outlier_factor` times its agent's p95, once the
/// agent has `cost_outlier_min_sessions` priced sessions.
pub(super) fn cost_outlier(d: &SessionDetail, h: &History, t: &Thresholds) -> Option<Finding> {
    let b = h.agent_cost?;
    let cost = d.session.cost_usd?;
    if b.samples < t.cost_outlier_min_sessions || b.p95 <= 0.0 {
        return None;
    }
    if cost <= t.cost_outlier_factor * b.p95 {
        return None;
    }
    let agent = d.session.agent.as_deref().unwrap_or("its agent");
    let summary = format!(
        "The run cost ${cost:.4}, over {}× the p95 of {agent} (${:.4}, {} sessions, last 7 days)",
        t.cost_outlier_factor, b.p95, b.samples
    );
    Some(Finding::new(
        IssueKind::CostOutlier,
        Severity::Warning,
        summary,
        Vec::new(),
    ))
}

/// A duration in ms as a person reads it.
fn seconds(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SessionRecord;

    fn timed(n: i64, tool: &str, ms: i64) -> ToolCallRecord {
        ToolCallRecord {
            tool_use_id: format!("t{n}"),
            tool_name: tool.into(),
            seq: n,
            status: "success".into(),
            duration_ms: Some(ms),
            ..Default::default()
        }
    }

    fn session(calls: Vec<ToolCallRecord>, cost: Option<f64>) -> SessionDetail {
        SessionDetail {
            session: SessionRecord {
                status: "completed".into(),
                agent: Some("bot".into()),
                cost_usd: cost,
                ..Default::default()
            },
            tool_calls: calls,
            ..Default::default()
        }
    }

    fn history(tool_p95: f64, samples: i64) -> History {
        History {
            tools: [(
                "Bash".to_string(),
                Baseline {
                    p95: tool_p95,
                    samples,
                },
            )]
            .into(),
            agent_cost: Some(Baseline { p95: 0.10, samples }),
        }
    }

    #[test]
    fn a_call_over_three_times_its_tools_p95_is_slow() {
        let d = session(
            vec![
                timed(1, "Bash", 300),
                timed(2, "Bash", 301),
                timed(3, "Read", 9000),
            ],
            None,
        );
        let t = Thresholds::default();
        let found = slow_tool(&d, &history(100.0, 20), &t);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, IssueKind::SlowTool);
        assert_eq!(
            found[0].evidence,
            calls_of(&[&d.tool_calls[1]]),
            "only the call over 300 ms; Read has no baseline"
        );
        assert!(
            found[0].summary.contains("p95 of 100 ms"),
            "{}",
            found[0].summary
        );
        assert!(
            slow_tool(&d, &history(100.0, 19), &t).is_empty(),
            "too few calls"
        );
        assert!(
            slow_tool(&d, &history(101.0, 20), &t).is_empty(),
            "not slow"
        );
    }

    #[test]
    fn a_session_over_three_times_its_agents_p95_is_an_outlier() {
        let t = Thresholds::default();
        let f = cost_outlier(&session(vec![], Some(0.31)), &history(1.0, 20), &t).unwrap();
        assert_eq!(f.kind, IssueKind::CostOutlier);
        assert!(f.summary.contains("$0.3100"), "{}", f.summary);
        assert!(cost_outlier(&session(vec![], Some(0.30)), &history(1.0, 20), &t).is_none());
        assert!(cost_outlier(&session(vec![], Some(9.0)), &history(1.0, 19), &t).is_none());
        assert!(cost_outlier(&session(vec![], None), &history(1.0, 20), &t).is_none());
        let cheap = Thresholds {
            cost_outlier_factor: 2.0,
            ..t
        };
        assert!(cost_outlier(&session(vec![], Some(0.21)), &history(1.0, 20), &cheap).is_some());
    }
}
