//! Scores of a session, the same for both stores: how a stored score reads back, which scores a
//! session has (its own, and those of its Claude session id), and the list's score filter.
//!
//! A score is stored by the id it names (see `scores` in the schema), never with a placeholder
//! session: it waits for its session, and a score of a Claude session id belongs to every
//! session carrying that id, found at read time.

use sentrial_protocol::{ScoreOf, ScoreValue};
use serde::Serialize;

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::store::{queries, row};
use crate::time::Timestamp;

/// One score of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRecord {
    /// The id of the event that brought it.
    pub id: String,
    /// What is scored.
    pub name: String,
    /// A number, a boolean or a label.
    pub value: ScoreValue,
    /// Why, in words.
    pub comment: Option<String>,
    /// `sdk`, `api` or `dashboard`.
    pub source: String,
    /// When it was given.
    pub at: Timestamp,
    /// Whether it named the session or its Claude session id.
    pub of: ScoreOf,
}

/// A stored score.
pub(crate) fn score(r: &dyn Columns) -> Result<ScoreRecord, StoreError> {
    let kind = r.string("kind")?;
    let value = match kind.as_str() {
        "label" => ScoreValue::Label(r.string("label")?),
        "boolean" => ScoreValue::Bool(r.real("num")? == Some(1.0)),
        _ => ScoreValue::Number(r.real("num")?.unwrap_or_default()),
    };
    Ok(ScoreRecord {
        id: r.string("id")?,
        name: r.string("name")?,
        value,
        comment: r.text("comment")?,
        source: r.string("source")?,
        at: Timestamp(r.integer("at")?),
        of: match r.string("target_kind")?.as_str() {
            "claude_session" => ScoreOf::ClaudeSession,
            _ => ScoreOf::Session,
        },
    })
}

/// How the stores spell a score's target kind.
pub(crate) fn target_kind(of: ScoreOf) -> &'static str {
    match of {
        ScoreOf::Session => "session",
        ScoreOf::ClaudeSession => "claude_session",
    }
}

/// The scores of session `id` (with Claude session id `claude`), oldest first.
pub(crate) async fn of_session<D: Db>(
    db: &D,
    project: &str,
    id: &str,
    claude: Option<&str>,
) -> Result<Vec<ScoreRecord>, StoreError> {
    db.select(&queries::SCORES, &values![project, id, claude], score)
        .await
}

/// The scores of session `id`; `None` when the project has no such session.
pub(crate) async fn session_scores<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Option<Vec<ScoreRecord>>, StoreError> {
    let Some(session) = db
        .select(&queries::SESSION, &values![project, id], row::session)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let claude = session.claude_session_id.as_deref();
    of_session(db, project, id, claude).await.map(Some)
}

/// The opening of the sessions list's score filter, an `EXISTS` over the scores of `s` (`sc`),
/// which the filters' `AND sc.... ?` follow and `)` closes.
pub(crate) const FILTER_OPEN: &str = " AND EXISTS (SELECT 1 FROM scores sc
     WHERE sc.project_id = s.project_id
       AND ((sc.target_kind = 'session' AND sc.target = s.id)
         OR (sc.target_kind = 'claude_session' AND sc.target = s.claude_session_id))";
