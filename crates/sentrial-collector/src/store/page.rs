//! What a page of the sessions list is asked (filters, position) and what it answers.

use crate::detect::IssueKind;
use crate::store::model::SessionRecord;
use sentrial_protocol::SessionStatus;

/// Filters and position of one page of sessions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Only sessions of this end user.
    pub user_id: Option<String>,
    /// Only sessions of this agent.
    pub agent: Option<String>,
    /// Only sessions of this conversation.
    pub convo_id: Option<String>,
    /// Only sessions in this status.
    pub status: Option<SessionStatus>,
    /// Only sessions that ended for this reason.
    pub end_reason: Option<String>,
    /// Only sessions of this Claude session (runs that resumed it included: they share it).
    pub claude_session_id: Option<String>,
    /// Only sessions with a detected issue of this kind.
    pub issue: Option<IssueKind>,
    /// Only sessions with a detected issue (of `issue`'s kind, when given) whose main tool is
    /// this one.
    pub issue_tool: Option<String>,
    /// Only sessions with a detected issue (as `issue` and `issue_tool` say) in a session that
    /// ended at or after this time, ms: what `GET /api/issues` counts over a range.
    pub issue_from: Option<i64>,
    /// ...and before this time, ms.
    pub issue_to: Option<i64>,
    /// Only sessions whose input or output contains this text (case-insensitive).
    pub text: Option<String>,
    /// Only sessions that started at or after this time, ms.
    pub from: Option<i64>,
    /// Only sessions that started before this time, ms.
    pub to: Option<i64>,
    /// Only sessions with a score as this says.
    pub score: Option<ScoreFilter>,
    /// Only sessions of this name (exact).
    pub name: Option<String>,
    /// Only the sessions started under this session (`parent_session_id`).
    pub parent: Option<String>,
    /// Only sessions with each of these custom metrics in its range.
    pub metrics: Vec<MetricFilter>,
    /// Only sessions of this model.
    pub model: Option<String>,
    /// Only sessions that called this tool.
    pub tool: Option<String>,
    /// Only sessions that called a tool of this MCP server.
    pub mcp_server: Option<String>,
    /// Only sessions whose metadata has this key with this value (as text: a number's digits;
    /// see `{json_text}` in `dialect.rs` for booleans).
    pub metadata: Option<(String, String)>,
    /// Page size, 1..=500.
    pub limit: u32,
    /// Start after this position (from the previous page's `next_cursor`).
    pub after: Option<Cursor>,
}

/// The sessions list's score filter: sessions with at least one score that has this name (any,
/// when `None`) and whose number (1 or 0 for a boolean; a label has none) is in the range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreFilter {
    /// The score's name (`score=`).
    pub name: Option<String>,
    /// Least value, inclusive (`score_min=`).
    pub min: Option<f64>,
    /// Greatest value, inclusive (`score_max=`).
    pub max: Option<f64>,
}

/// The sessions list's filter on one custom metric (`metric.<name>_min=`,
/// `metric.<name>_max=`): sessions that have it, in the range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricFilter {
    /// The metric's name.
    pub name: String,
    /// Least value, inclusive.
    pub min: Option<f64>,
    /// Greatest value, inclusive.
    pub max: Option<f64>,
}

/// A position in the newest-first order of sessions: the last item of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The item's sort time (its `started_at`, or its earliest event's ts before its start arrived).
    pub sort_ts: i64,
    /// The item's id, the tie breaker.
    pub id: String,
}

impl Cursor {
    /// The opaque form handed to clients.
    pub fn encode(&self) -> String {
        hex::encode(format!("v1:{}:{}", self.sort_ts, self.id))
    }

    /// Reads [`Cursor::encode`]'s output back; `None` when it is not one.
    pub fn decode(s: &str) -> Option<Cursor> {
        let raw = String::from_utf8(hex::decode(s).ok()?).ok()?;
        let rest = raw.strip_prefix("v1:")?;
        let (ts, id) = rest.split_once(':')?;
        Some(Cursor {
            sort_ts: ts.parse().ok()?,
            id: id.to_string(),
        })
    }
}

/// One page of sessions.
#[derive(Debug, Clone)]
pub struct SessionPage {
    /// The sessions, newest first.
    pub sessions: Vec<SessionRecord>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

impl SessionPage {
    /// The page of `limit` from `rows`, up to `limit + 1` sessions newest first as a store reads
    /// them: a row beyond `limit` means there is a next page, which starts after the last kept.
    pub(crate) fn from_rows(mut rows: Vec<SessionRecord>, limit: u32) -> SessionPage {
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|s| Cursor {
                sort_ts: s.sort_ts,
                id: s.id.clone(),
            })
        } else {
            None
        };
        SessionPage {
            sessions: rows,
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            sort_ts: -5,
            id: "a:b".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode(&hex::encode("v2:1:x")), None);
        assert_eq!(Cursor::decode(&hex::encode("v1:x:y")), None);
    }
}
