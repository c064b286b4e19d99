//! Alert rules: what a rule is ([`Rule`]), what may be asked of one ([`NewRule`], checked by
//! [`NewRule::check`] with a message listing what is allowed), and the names the API, the
//! command line and the database spell.

use serde::{Deserialize, Serialize};

use crate::detect::{IssueKind, ISSUE_KINDS};
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

/// The longest window and cooldown: 31 days.
pub const MAX_MINUTES: i64 = 31 * 24 * 60;

/// The longest name, and the longest webhook URL.
const MAX_NAME: usize = 200;
const MAX_URL: usize = 2048;

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

/// A rule as asked for (`POST /api/alert-rules`, `sentrial alert add`), before it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// See [`Rule::name`].
    pub name: String,
    /// A metric name ([`Metric`]).
    pub metric: String,
    /// See [`Rule::issue_kind`].
    #[serde(default)]
    pub issue_kind: Option<String>,
    /// See [`Rule::score_name`].
    #[serde(default)]
    pub score_name: Option<String>,
    /// `user_id` or `agent`.
    #[serde(default)]
    pub group_by: Option<String>,
    /// See [`Rule::window_minutes`].
    pub window_minutes: i64,
    /// `>` or `<`.
    pub op: String,
    /// See [`Rule::threshold`].
    pub threshold: f64,
    /// See [`Rule::webhook_url`]: `http://` or `https://`.
    pub webhook_url: String,
    /// See [`Rule::cooldown_minutes`]; 0 when not given.
    #[serde(default)]
    pub cooldown_minutes: Option<i64>,
    /// See [`Rule::paused`].
    #[serde(default)]
    pub paused: bool,
}

impl NewRule {
    /// The rule of `project` with id `id` made at `now`, or what is wrong with it, saying what is
    /// allowed.
    pub fn check(self, project: &str, id: String, now: i64) -> Result<Rule, String> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Err(format!("`name` must be 1 to {MAX_NAME} characters"));
        }
        let metric = Metric::parse(&self.metric).ok_or_else(|| {
            let all: Vec<_> = Metric::ALL.iter().map(|m| m.as_str()).collect();
            format!(
                "unknown metric `{}`; metrics are {}",
                self.metric,
                all.join(", ")
            )
        })?;
        let (issue_kind, score_name) = metric_arg(metric, self.issue_kind, self.score_name)?;
        let group_by = match self.group_by.as_deref().filter(|g| !g.is_empty()) {
            None => None,
            Some(g) => Some(GroupBy::parse(g).ok_or_else(|| {
                format!("unknown group_by `{g}`; group_by is user_id or agent (or absent)")
            })?),
        };
        let op = Op::parse(&self.op)
            .ok_or_else(|| format!("unknown op `{}`; op is `>` or `<`", self.op))?;
        if !(1..=MAX_MINUTES).contains(&self.window_minutes) {
            return Err(format!("`window_minutes` must be 1 to {MAX_MINUTES}"));
        }
        let cooldown_minutes = self.cooldown_minutes.unwrap_or(0);
        if !(0..=MAX_MINUTES).contains(&cooldown_minutes) {
            return Err(format!("`cooldown_minutes` must be 0 to {MAX_MINUTES}"));
        }
        if !self.threshold.is_finite() {
            return Err("`threshold` must be a finite number".into());
        }
        check_webhook_url(&self.webhook_url)?;
        Ok(Rule {
            id,
            project: project.to_string(),
            name,
            metric,
            issue_kind,
            score_name,
            group_by,
            window_minutes: self.window_minutes,
            op,
            threshold: self.threshold,
            webhook_url: self.webhook_url,
            cooldown_minutes,
            paused: self.paused,
            created_at: Timestamp(now),
        })
    }
}

/// The issue kind and score name `metric` needs: `issues` needs a known `issue_kind`,
/// `avg_score` a `score_name`, and the others neither.
fn metric_arg(
    metric: Metric,
    issue_kind: Option<String>,
    score_name: Option<String>,
) -> Result<(Option<String>, Option<String>), String> {
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    match (metric, given(issue_kind), given(score_name)) {
        (Metric::Issues, Some(kind), None) => match IssueKind::parse(&kind) {
            Some(_) => Ok((Some(kind), None)),
            None => Err(format!(
                "unknown issue_kind `{kind}`; kinds are {}",
                kinds().join(", ")
            )),
        },
        (Metric::Issues, None, _) | (Metric::Issues, _, Some(_)) => Err(format!(
            "metric `issues` needs `issue_kind` (one of {}) and no `score_name`",
            kinds().join(", ")
        )),
        (Metric::AvgScore, None, Some(name)) if name.chars().count() <= MAX_NAME => {
            Ok((None, Some(name)))
        }
        (Metric::AvgScore, _, _) => Err(format!(
            "metric `avg_score` needs `score_name` (1 to {MAX_NAME} characters) and no `issue_kind`"
        )),
        (_, None, None) => Ok((None, None)),
        (m, _, _) => Err(format!(
            "metric `{}` takes neither `issue_kind` nor `score_name`",
            m.as_str()
        )),
    }
}

fn kinds() -> Vec<&'static str> {
    ISSUE_KINDS.iter().map(|k| k.as_str()).collect()
}

/// Checks a webhook URL: `http://` or `https://` with a host, no credentials in it (they would
/// show in every listing), at most 2,048 characters. Where it may point is discussed in
/// `docs/security.md`.
pub fn check_webhook_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL {
        return Err(format!("`webhook_url` is over {MAX_URL} characters"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        format!("`webhook_url` is not a URL ({e}); give an http:// or https:// URL")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "`webhook_url` scheme `{}` is not allowed; give an http:// or https:// URL",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("`webhook_url` has no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("`webhook_url` must not hold a user or password".into());
    }
    Ok(())
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

    fn base() -> NewRule {
        NewRule {
            name: "cost".into(),
            metric: "cost_usd".into(),
            window_minutes: 60,
            op: ">".into(),
            threshold: 5.0,
            webhook_url: "https://hooks.example.com/x".into(),
            ..NewRule::default()
        }
    }

    fn check(change: impl FnOnce(&mut NewRule)) -> Result<Rule, String> {
        let mut r = base();
        change(&mut r);
        r.check("p", "id".into(), 0)
    }

    #[test]
    fn a_good_rule_passes_and_each_bad_field_is_named() {
        assert_eq!(check(|_| {}).unwrap().metric, Metric::CostUsd);
        let issues = check(|r| {
            r.metric = "issues".into();
            r.issue_kind = Some("loop".into());
        });
        assert_eq!(issues.unwrap().issue_kind.as_deref(), Some("loop"));
        for (change, words) in [
            (
                Box::new(|r: &mut NewRule| r.metric = "latency".into())
                    as Box<dyn FnOnce(&mut NewRule)>,
                "metrics are cost_usd, sessions",
            ),
            (Box::new(|r| r.op = ">=".into()), "op is `>` or `<`"),
            (
                Box::new(|r| r.group_by = Some("model".into())),
                "user_id or agent",
            ),
            (Box::new(|r| r.window_minutes = 0), "window_minutes"),
            (
                Box::new(|r| r.cooldown_minutes = Some(-1)),
                "cooldown_minutes",
            ),
            (Box::new(|r| r.threshold = f64::NAN), "threshold"),
            (
                Box::new(|r| r.webhook_url = "file:///etc/passwd".into()),
                "http:// or https://",
            ),
            (
                Box::new(|r| r.webhook_url = "https://u:p@h/x".into()),
                "user or password",
            ),
            (
                Box::new(|r| r.metric = "issues".into()),
                "needs `issue_kind`",
            ),
            (
                Box::new(|r| r.metric = "avg_score".into()),
                "needs `score_name`",
            ),
            (
                Box::new(|r| r.score_name = Some("x".into())),
                "takes neither",
            ),
            (Box::new(|r| r.name = " ".into()), "`name`"),
        ] {
            let err = check(change).unwrap_err();
            assert!(err.contains(words), "{err}");
        }
    }

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
