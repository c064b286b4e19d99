//! What the stores answer about alerts: a rule with its states ([`RuleView`]), a delivery of the
//! history ([`DeliveryRecord`]), a delivery claimed for sending ([`Claimed`]).

use serde::Serialize;

use crate::alert::Rule;
use crate::time::Timestamp;

/// A rule as listed: the rule, its overall state and its groups'.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleView {
    /// The rule.
    #[serde(flatten)]
    pub rule: Rule,
    /// `paused`, `firing` (some group is) or `ok`.
    pub state: &'static str,
    /// When one of its groups last fired.
    pub last_fired_at: Option<Timestamp>,
    /// Its groups that ever fired.
    pub groups: Vec<GroupView>,
}

/// A group of a rule that ever fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupView {
    /// The group's value (`""`: the rule is not grouped).
    pub group: String,
    /// `firing` or `ok`.
    pub state: String,
    /// The value at the last change.
    pub value: Option<f64>,
    /// When it last changed.
    pub changed_at: Timestamp,
    /// When it last fired.
    pub fired_at: Option<Timestamp>,
    /// When it last resolved.
    pub resolved_at: Option<Timestamp>,
}

/// A delivery, as the history lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRecord {
    /// Its id.
    pub id: String,
    /// The rule.
    pub rule_id: String,
    /// The group (`""`: not grouped).
    pub group: String,
    /// `firing` or `resolved`.
    pub state: String,
    /// The value that made it.
    pub value: Option<f64>,
    /// The JSON posted.
    pub body: serde_json::Value,
    /// When the change happened.
    pub created_at: Timestamp,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// The receiver's last HTTP status.
    pub response_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered or given up.
    pub done_at: Option<Timestamp>,
}

/// A delivery a sender claimed: it alone sends it, until the claim ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// Its project.
    pub project: String,
    /// Its id.
    pub id: String,
    /// Where to POST.
    pub webhook_url: String,
    /// What to POST.
    pub body: String,
    /// Attempts made, this one included.
    pub attempts: i64,
}
