//! Scores: a rating of a run by its user, a reviewer or a script (thumbs, a number, a label).

use serde::{Deserialize, Serialize};

/// A score of a session: the payload of a `score` event. The event's `session_id` names the
/// session as [`Score::of`] says; a score may arrive before its session and is kept until it does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Score {
    /// What is scored (`helpful`, `accuracy`, ...): 1 to [`SCORE_NAME_MAX`] characters.
    pub name: String,
    /// The score itself.
    pub value: ScoreValue,
    /// Why, in words; at most [`SCORE_COMMENT_MAX`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Who gave it: one of the `SCORE_SOURCE_*` names.
    pub source: String,
    /// When it was given, ms since the epoch.
    pub at: i64,
    /// Which id the event's `session_id` is.
    #[serde(default)]
    pub of: ScoreOf,
}

/// A score's value: a number, a boolean (thumbs up or down) or a label.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ScoreValue {
    /// Thumbs up (`true`) or down.
    Bool(bool),
    /// A number (finite).
    Number(f64),
    /// A label (`good`, `needs work`, ...): 1 to [`SCORE_LABEL_MAX`] characters.
    Label(String),
}

/// Which id a score event's `session_id` holds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScoreOf {
    /// The Sentrial session id.
    #[default]
    Session,
    /// The Claude session id (`session_id` of the SDK's messages): the score belongs to every
    /// session that carries it.
    ClaudeSession,
}

/// A score sent by the SDK (`client.score`).
pub const SCORE_SOURCE_SDK: &str = "sdk";
/// A score posted to the API (`POST /api/sessions/{id}/scores`).
pub const SCORE_SOURCE_API: &str = "api";
/// A score given in the dashboard.
pub const SCORE_SOURCE_DASHBOARD: &str = "dashboard";
/// Every source, in the order they are listed.
pub const SCORE_SOURCES: [&str; 3] = [SCORE_SOURCE_SDK, SCORE_SOURCE_API, SCORE_SOURCE_DASHBOARD];

/// Longest name, in characters.
pub const SCORE_NAME_MAX: usize = 100;
/// Longest label, in characters.
pub const SCORE_LABEL_MAX: usize = 200;
/// Longest comment, in characters.
pub const SCORE_COMMENT_MAX: usize = 4000;

impl Score {
    /// What is wrong with it, in words naming the field; `None` when it is valid.
    pub fn problem(&self) -> Option<String> {
        let chars = |s: &str| s.chars().count();
        if self.name.trim().is_empty() || chars(&self.name) > SCORE_NAME_MAX {
            return Some(format!("`name` must have 1 to {SCORE_NAME_MAX} characters"));
        }
        match &self.value {
            ScoreValue::Number(n) if !n.is_finite() => {
                return Some("`value` must be a finite number".into())
            }
            ScoreValue::Label(l) if l.trim().is_empty() || chars(l) > SCORE_LABEL_MAX => {
                return Some(format!(
                    "`value` as a label must have 1 to {SCORE_LABEL_MAX} characters"
                ))
            }
            _ => {}
        }
        if self
            .comment
            .as_deref()
            .is_some_and(|c| chars(c) > SCORE_COMMENT_MAX)
        {
            return Some(format!(
                "`comment` must have at most {SCORE_COMMENT_MAX} characters"
            ));
        }
        if !SCORE_SOURCES.contains(&self.source.as_str()) {
            return Some(format!(
                "`source` must be one of {}",
                SCORE_SOURCES.join(", ")
            ));
        }
        None
    }
}

impl ScoreValue {
    /// The number it stands for: itself, 1 or 0 for a boolean, none for a label.
    pub fn number(&self) -> Option<f64> {
        match self {
            ScoreValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            ScoreValue::Number(n) => Some(*n),
            ScoreValue::Label(_) => None,
        }
    }

    /// Its kind: `boolean`, `number` or `label`.
    pub fn kind(&self) -> &'static str {
        match self {
            ScoreValue::Bool(_) => "boolean",
            ScoreValue::Number(_) => "number",
            ScoreValue::Label(_) => "label",
        }
    }
}
