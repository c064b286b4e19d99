//! The JSON a webhook receives when a rule fires or resolves. It is also a Slack incoming
//! webhook's message: Slack reads `text` (with `<url|label>` links) and ignores the rest.

use serde_json::{json, Value};

use crate::alert::rule::Rule;
use crate::time::iso8601;

/// A change of a group's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// ok -> firing.
    Firing,
    /// firing -> ok.
    Resolved,
}

impl Change {
    /// `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Firing => "firing",
            Change::Resolved => "resolved",
        }
    }
}

/// What a delivery says.
pub struct Notice<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// The group's value (`""`: the rule is not grouped).
    pub group: &'a str,
    /// The change.
    pub change: Change,
    /// The value that made it; `None`: no value in the window (a rate of nothing).
    pub value: Option<f64>,
    /// The window, ms since the epoch: `[from, to)`.
    pub from: i64,
    /// See `from`.
    pub to: i64,
    /// The sessions that weigh most on the value.
    pub sessions: &'a [String],
    /// Where the dashboard is reached (`--public-url`, else the bound address), no trailing `/`.
    pub dashboard: &'a str,
}

impl Notice<'_> {
    /// The body posted.
    pub fn body(&self) -> Value {
        let rule = self.rule;
        let sessions: Vec<Value> = self
            .sessions
            .iter()
            .map(|id| json!({ "id": id, "url": self.session_url(id) }))
            .collect();
        let group = rule
            .group_by
            .map(|by| json!({ "by": by.as_str(), "value": self.group }));
        json!({
            "text": self.text(),
            "state": self.change.as_str(),
            "rule": {
                "id": rule.id,
                "name": rule.name,
                "metric": rule.metric.as_str(),
                "issue_kind": rule.issue_kind,
                "score_name": rule.score_name,
                "group_by": rule.group_by.map(|g| g.as_str()),
                "window_minutes": rule.window_minutes,
                "op": rule.op.as_str(),
                "threshold": rule.threshold,
                "cooldown_minutes": rule.cooldown_minutes,
            },
            "group": group,
            "value": self.value,
            "threshold": rule.threshold,
            "window": {
                "minutes": rule.window_minutes,
                "from": iso8601(self.from),
                "to": iso8601(self.to),
            },
            "sessions": sessions,
            "alerts_url": format!("{}/alerts", self.dashboard),
            "at": iso8601(self.to),
        })
    }

    fn session_url(&self, id: &str) -> String {
        format!("{}/sessions/{}", self.dashboard, encode(id))
    }

    /// One line for a person (and Slack), then the sessions as links.
    fn text(&self) -> String {
        let rule = self.rule;
        let head = match self.change {
            Change::Firing => "FIRING",
            Change::Resolved => "RESOLVED",
        };
        let group = rule
            .group_by
            .map(|by| format!(" for {}={}", by.as_str(), slack_escape(self.group)))
            .unwrap_or_default();
        let value = self
            .value
            .map_or_else(|| "no value".to_string(), |v| format!("{}", round(v)));
        let mut text = format!(
            "[{head}] {}{group}: {} (now {value})",
            slack_escape(&rule.name),
            slack_escape(&rule.condition()),
        );
        if !self.sessions.is_empty() {
            let links: Vec<String> = self
                .sessions
                .iter()
                .map(|id| format!("<{}|{}>", self.session_url(id), slack_escape(id)))
                .collect();
            text.push_str("\nSessions: ");
            text.push_str(&links.join(", "));
        }
        text
    }
}

/// `v` to 4 decimals, for reading.
fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Text as Slack shows it literally: `&`, `<` and `>` escaped (its only control characters).
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A path segment, percent-encoded (everything but unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::NewRule;

    #[test]
    fn the_body_links_the_sessions_and_reads_as_a_slack_message() {
        let rule = NewRule {
            name: "Spend <alice>".into(),
            metric: "cost_usd".into(),
            group_by: Some("user_id".into()),
            window_minutes: 60,
            op: ">".into(),
            threshold: 5.0,
            webhook_url: "https://hooks.example.com/x".into(),
            ..NewRule::default()
        }
        .check("p", "r1".into(), 0)
        .unwrap();
        let sessions = vec!["s 1".to_string()];
        let body = Notice {
            rule: &rule,
            group: "alice",
            change: Change::Firing,
            value: Some(7.123456),
            from: 0,
            to: 3_600_000,
            sessions: &sessions,
            dashboard: "https://sentrial.example.com",
        }
        .body();
        assert_eq!(body["state"], "firing");
        assert_eq!(body["group"], json!({"by": "user_id", "value": "alice"}));
        assert_eq!(
            body["sessions"][0]["url"],
            "https://sentrial.example.com/sessions/s%201"
        );
        let text = body["text"].as_str().unwrap();
        assert!(text.starts_with("[FIRING] Spend &lt;alice&gt; for user_id=alice: cost_usd &gt; 5 over 60 min (now 7.1235)"), "{text}");
        assert!(
            text.contains("<https://sentrial.example.com/sessions/s%201|s 1>"),
            "{text}"
        );
    }
}
