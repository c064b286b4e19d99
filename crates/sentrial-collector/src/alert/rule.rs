//! Alert rules: what a rule is ([`Rule`]), and the names of its parts as the API, the command
//! line and the database spell them. What may be asked of one is `new_rule.rs`.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// What a rule measures over its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// The cost of the sessions, in USD.
    CostUsd,
    /// How many sessions.
    Sessions,
    /// How many sessions failed.
    FailedSessions,
    /// Failed sessions over ended ones (0 to 1); no value without an ended session.
    FailureRate,
    /// How many sessions had a detected issue of `issue_kind`.
    Issues,
    /// The 95th percentile of the ended sessions' durations, in ms.
    P95DurationMs,
    /// The average of the scores named `score_name` (numbers; booleans as 1 and 0).
    AvgScore,
}

impl Metric {
    /// Every metric, in the order they are listed.
    pub const ALL: [Metric; 7] = [
        Metric::CostUsd,
        Metric::Sessions,
        Metric::FailedSessions,
        Metric::FailureRate,
        Metric::Issues,
        Metric::P95DurationMs,
        Metric::AvgScore,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::CostUsd => "cost_usd",
            Metric::Sessions => "sessions",
            Metric::FailedSessions => "failed_sessions",
            Metric::FailureRate => "failure_rate",
            Metric::Issues => "issues",
            Metric::P95DurationMs => "p95_duration_ms",
            Metric::AvgScore => "avg_score",
        }
    }

    /// The metric named `name`.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// Whether an empty window reads as 0 (a count or a sum) rather than as no value.
    pub fn counts(self) -> bool {
        matches!(
            self,
            Metric::CostUsd | Metric::Sessions | Metric::FailedSessions | Metric::Issues
        )
    }
}

/// What a rule's groups are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One group per `user_id` (sessions without one are left out).
    UserId,
    /// One group per agent (sessions without one are left out).
    Agent,
}

impl GroupBy {
    /// Its name, as the sessions' column.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::UserId => "user_id",
            GroupBy::Agent => "agent",
        }
    }

    /// The grouping named `name`.
    pub fn parse(name: &str) -> Option<GroupBy> {
        [GroupBy::UserId, GroupBy::Agent]
            .into_iter()
            .find(|g| g.as_str() == name)
    }
}

/// How a value is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Fires when the value is above the threshold.
    #[serde(rename = ">")]
    Above,
    /// Fires when the value is below the threshold.
    #[serde(rename = "<")]
    Below,
}

impl Op {
    /// `>` or `<`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Above => ">",
            Op::Below => "<",
        }
    }

    /// The comparison spelled `name`.
    pub fn parse(name: &str) -> Option<Op> {
        [Op::Above, Op::Below]
            .into_iter()
            .find(|o| o.as_str() == name)
    }

    /// Whether `value` breaches `threshold`.
    pub fn breached(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Above => value > threshold,
            Op::Below => value < threshold,
        }
    }
}

/// A stored rule of a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Its id (random hex).
    pub id: String,
    /// The project it watches.
    #[serde(skip)]
    pub project: String,
    /// Its name.
    pub name: String,
    /// What it measures.
    pub metric: Metric,
    /// The issue kind (`issues`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_kind: Option<String>,
    /// The score name (`avg_score`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_name: Option<String>,
    /// Its groups; `None`: the whole project.
    pub group_by: Option<GroupBy>,
    /// The window the metric is taken over, up to now.
    pub window_minutes: i64,
    /// The comparison.
    pub op: Op,
    /// The threshold.
    pub threshold: f64,
    /// Where firings and resolves are POSTed. Listed as its origin only: a webhook's URL is
    /// often its secret (Slack's is), and readers of the project need not hold it.
    #[serde(serialize_with = "origin_only")]
    pub webhook_url: String,
    /// After a resolve, how long the group may not fire again.
    pub cooldown_minutes: i64,
    /// A paused rule is not evaluated.
    pub paused: bool,
    /// When it was made.
    pub created_at: Timestamp,
}

impl Rule {
    /// The issue kind or score name its metric needs, as stored.
    pub fn metric_arg(&self) -> Option<&str> {
        self.issue_kind.as_deref().or(self.score_name.as_deref())
    }

    /// `cost_usd > 5 over 60 min`, for messages.
    pub fn condition(&self) -> String {
        let arg = self
            .metric_arg()
            .map(|a| format!("({a})"))
            .unwrap_or_default();
        format!(
            "{}{arg} {} {} over {} min",
            self.metric.as_str(),
            self.op.as_str(),
            self.threshold,
            self.window_minutes
        )
    }
}

/// `url` as listed: its scheme, host and port, and `/…` when there is more.
pub fn shown_url(url: &str) -> String {
    let Ok(u) = reqwest::Url::parse(url) else {
        return "(invalid)".into();
    };
    let origin = u.origin().ascii_serialization();
    let more = u.path() != "/" || u.query().is_some();
    format!("{origin}/{}", if more { "…" } else { "" })
}

fn origin_only<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&shown_url(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_listed_by_its_origin() {
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown_url("http://127.0.0.1:9000/"),
            "http://127.0.0.1:9000/"
        );
    }

    #[test]
    fn comparisons() {
        assert!(Op::Above.breached(2.0, 1.0) && !Op::Above.breached(1.0, 1.0));
        assert!(Op::Below.breached(0.0, 1.0) && !Op::Below.breached(1.0, 1.0));
    }
}
