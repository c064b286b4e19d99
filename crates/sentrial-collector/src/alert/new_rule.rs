//! A rule as asked for ([`NewRule`]: `POST /api/alert-rules`, `sentrial alert add`), and its
//! checks ([`NewRule::check`]), each failure a message that lists what is allowed.

use serde::Deserialize;

use crate::alert::rule::{GroupBy, Metric, Op, Rule};
use crate::detect::{IssueKind, ISSUE_KINDS};
use crate::time::Timestamp;

/// The longest window and cooldown: 31 days.
pub const MAX_MINUTES: i64 = 31 * 24 * 60;

/// The longest name, and the longest webhook URL.
const MAX_NAME: usize = 200;
const MAX_URL: usize = 2048;

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
}
