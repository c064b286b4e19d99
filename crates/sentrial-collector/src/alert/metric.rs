//! A rule's metric from the rows of its window: each row ([`Sample`]) is one session (or one
//! score of a session, for `avg_score`), with the group it falls in; [`measure`] turns them into
//! a value per group, with the sessions that weigh most on it (the webhook's links).
//!
//! Reduced here rather than in SQL so every metric, and the sessions behind it, is computed
//! once for both stores; a window's rows are one per session (per score), read once a round.

use std::collections::BTreeMap;

use crate::alert::rule::{Metric, Op};

/// One row of a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The session.
    pub session: String,
    /// Its group's value (`""` when the rule is not grouped).
    pub group: String,
    /// Whether it failed.
    pub failed: bool,
    /// Whether it ended.
    pub ended: bool,
    /// What it adds: its cost, its duration (ms), a score's value; `None`: nothing known.
    pub figure: Option<f64>,
}

/// A group's value, and the sessions that weigh most on it, first the heaviest.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// The value; `None` when the window holds nothing to take it from (a rate or average of
    /// nothing).
    pub value: Option<f64>,
    /// Up to [`LINKED`] sessions.
    pub sessions: Vec<String>,
}

/// How many sessions a firing links to.
pub const LINKED: usize = 10;

/// The value of `metric` in each group of `samples`, compared by `op` (which sessions weigh most
/// depends on it: the costliest for `>`, the cheapest for `<`). A group with no sample is not in
/// the answer: see [`Measure::empty`] for its value.
pub fn measure(metric: Metric, op: Op, samples: Vec<Sample>) -> BTreeMap<String, Measure> {
    let mut groups: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for s in samples {
        groups.entry(s.group.clone()).or_default().push(s);
    }
    groups
        .into_iter()
        .map(|(group, rows)| (group, one(metric, op, rows)))
        .collect()
}

impl Measure {
    /// The value of a group with nothing in the window: 0 for a count or a sum, none otherwise.
    pub fn empty(metric: Metric) -> Measure {
        Measure {
            value: metric.counts().then_some(0.0),
            sessions: Vec::new(),
        }
    }
}

fn one(metric: Metric, op: Op, mut rows: Vec<Sample>) -> Measure {
    let n = rows.len() as f64;
    let value = match metric {
        Metric::CostUsd => Some(rows.iter().filter_map(|s| s.figure).sum()),
        Metric::Sessions | Metric::Issues => Some(n),
        Metric::FailedSessions => Some(rows.iter().filter(|s| s.failed).count() as f64),
        Metric::FailureRate => {
            let ended = rows.iter().filter(|s| s.ended).count();
            let failed = rows.iter().filter(|s| s.failed).count();
            (ended > 0).then(|| failed as f64 / ended as f64)
        }
        Metric::P95DurationMs => {
            let mut d: Vec<f64> = rows.iter().filter_map(|s| s.figure).collect();
            d.sort_by(f64::total_cmp);
            // Nearest rank: the smallest value with at least 95% of them at or below it.
            let rank = (d.len() as f64 * 0.95).ceil() as usize;
            rank.checked_sub(1).and_then(|i| d.get(i).copied())
        }
        Metric::AvgScore => {
            let v: Vec<f64> = rows.iter().filter_map(|s| s.figure).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    if matches!(metric, Metric::FailedSessions | Metric::FailureRate) {
        rows.retain(|s| s.failed);
    }
    // Heaviest first: the largest figures for `>`, the smallest for `<`; rows without one keep
    // their order (the newest first, as read) after those with one.
    rows.sort_by(|a, b| match (a.figure, b.figure) {
        (Some(x), Some(y)) => match op {
            Op::Above => y.total_cmp(&x),
            Op::Below => x.total_cmp(&y),
        },
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut sessions: Vec<String> = Vec::new();
    for s in rows {
        if sessions.len() == LINKED {
            break;
        }
        if !sessions.contains(&s.session) {
            sessions.push(s.session);
        }
    }
    Measure { value, sessions }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(session: &str, group: &str, failed: bool, figure: Option<f64>) -> Sample {
        Sample {
            session: session.into(),
            group: group.into(),
            failed,
            ended: true,
            figure,
        }
    }

    #[test]
    fn each_metric_per_group() {
        let rows = vec![
            s("a", "u1", false, Some(1.0)),
            s("b", "u1", true, Some(3.0)),
            s("c", "u2", true, None),
        ];
        let m = |metric| measure(metric, Op::Above, rows.clone());
        assert_eq!(m(Metric::CostUsd)["u1"].value, Some(4.0));
        assert_eq!(m(Metric::CostUsd)["u1"].sessions, ["b", "a"]);
        assert_eq!(m(Metric::Sessions)["u2"].value, Some(1.0));
        assert_eq!(m(Metric::FailedSessions)["u1"].sessions, ["b"]);
        assert_eq!(m(Metric::FailureRate)["u1"].value, Some(0.5));
        assert_eq!(m(Metric::P95DurationMs)["u1"].value, Some(3.0));
        assert_eq!(m(Metric::P95DurationMs)["u2"].value, None);
        assert_eq!(m(Metric::AvgScore)["u1"].value, Some(2.0));
        assert_eq!(Measure::empty(Metric::Sessions).value, Some(0.0));
        assert_eq!(Measure::empty(Metric::FailureRate).value, None);
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        let rows: Vec<_> = (1..=100)
            .map(|i| s(&i.to_string(), "", false, Some(f64::from(i))))
            .collect();
        let m = measure(Metric::P95DurationMs, Op::Above, rows);
        assert_eq!(m[""].value, Some(95.0));
        assert_eq!(m[""].sessions.len(), LINKED);
        assert_eq!(m[""].sessions[0], "100");
    }
}
