//! `NativeScore`: a score as the JS layer hands it over, and its conversion to the protocol's.

use napi_derive::napi;
use sentrial_core::Tracker;
use sentrial_protocol::{Score, ScoreOf, ScoreValue, SCORE_SOURCE_SDK};

/// A score of a run (`client.score`). Exactly one of `sessionId` and `claudeSessionId`, and
/// exactly one of `number`, `flag` and `label` (the JS layer has checked the types).
#[napi(object)]
pub struct NativeScore {
    /// The Sentrial session id (`getSessionId(query)`).
    pub session_id: Option<String>,
    /// The Claude session id (`session_id` of the SDK's messages).
    pub claude_session_id: Option<String>,
    /// What is scored.
    pub name: String,
    /// A numeric value.
    pub number: Option<f64>,
    /// A thumbs up (`true`) or down.
    pub flag: Option<bool>,
    /// A label.
    pub label: Option<String>,
    /// Why, in words.
    pub comment: Option<String>,
}

/// Queues the score; what is wrong with it when it is not queued (counted as a bad input).
pub(crate) fn send(tracker: &Tracker, o: NativeScore) -> Option<String> {
    let (id, of) = match (o.session_id, o.claude_session_id) {
        (Some(id), None) => (id, ScoreOf::Session),
        (None, Some(id)) => (id, ScoreOf::ClaudeSession),
        _ => {
            return Some(tracker.refuse_score("give exactly one of sessionId and claudeSessionId"))
        }
    };
    let value = match (o.number, o.flag, o.label) {
        (Some(n), None, None) => ScoreValue::Number(n),
        (None, Some(b), None) => ScoreValue::Bool(b),
        (None, None, Some(l)) => ScoreValue::Label(l),
        _ => return Some(tracker.refuse_score("`value` must be a number, a boolean or a string")),
    };
    let score = Score {
        name: o.name,
        value,
        comment: o.comment,
        source: SCORE_SOURCE_SDK.into(),
        at: sentrial_core::clock::now_ms(),
        of,
    };
    tracker.score(id, score).err()
}
