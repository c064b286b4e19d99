//! A session's lineage: the run it continued (resumed or forked) and the runs that continued it.
//!
//! A run that resumes a Claude session goes on with that same session id; a fork gets an id of
//! its own. So the run a session continued is the latest run of the same project whose
//! `claude_session_id` is the one it resumed or forked and that started before it; and the runs
//! that continued a session are those whose continued run is this one. Each store looks the runs
//! up ([`RunRow`]); what they mean is decided here, once.

use serde::Serialize;

use crate::time::Timestamp;

/// Most runs listed as having continued one session.
pub const CONTINUED_BY_LIMIT: u32 = 100;

/// How a run continued a Claude session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// It went on with the same Claude session (`options.resume`, `continue`).
    Resumed,
    /// It started a Claude session of its own from that one's conversation (`forkSession`).
    Forked,
}

/// Another run, as a lineage names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRef {
    /// Its session id.
    pub id: String,
    /// Its Claude session id.
    pub claude_session_id: Option<String>,
    /// How the later of the two runs continued the earlier.
    pub relation: Relation,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// Its status.
    pub status: String,
    /// Its own cost.
    pub cost_usd: Option<f64>,
}

/// Where a session sits among the runs of its Claude session.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lineage {
    /// The run this session resumed or forked (`relation`: how this session continued it).
    pub previous: Option<RunRef>,
    /// The runs that resumed or forked this one, oldest first (`relation`: how each did).
    pub continued_by: Vec<RunRef>,
}

/// What a lineage needs to know of the session it is made for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Run<'a> {
    /// Session id.
    pub id: &'a str,
    /// Claude session id.
    pub claude_session_id: Option<&'a str>,
    /// The Claude session it resumed.
    pub resumed_from: Option<&'a str>,
    /// The Claude session it forked.
    pub forked_from: Option<&'a str>,
}

/// A run as a store reads it for a lineage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunRow {
    /// Session id.
    pub id: String,
    /// Claude session id.
    pub claude_session_id: Option<String>,
    /// The Claude session it resumed.
    pub resumed_from: Option<String>,
    /// The Claude session it forked.
    pub forked_from: Option<String>,
    /// Start, ms.
    pub started_at: Option<i64>,
    /// Status.
    pub status: String,
    /// Cost.
    pub cost_usd: Option<f64>,
}

/// The Claude session a run continued, and how: `resumed_from` first, then `forked_from`.
pub(crate) fn continued<'a>(
    resumed_from: Option<&'a str>,
    forked_from: Option<&'a str>,
) -> Option<(&'a str, Relation)> {
    resumed_from
        .map(|c| (c, Relation::Resumed))
        .or_else(|| forked_from.map(|c| (c, Relation::Forked)))
}

impl Lineage {
    /// What a store looks up for `session`: the Claude session whose latest run before it is
    /// its `previous` (the one it continued), and the Claude session whose later runs may have
    /// continued it (its own).
    pub(crate) fn lookups(session: Run<'_>) -> (Option<&str>, Option<&str>) {
        let of = continued(session.resumed_from, session.forked_from);
        (of.map(|(c, _)| c), session.claude_session_id)
    }

    /// The lineage of `session` from the runs its store found: `previous`, the latest run of the
    /// continued Claude session that started before it; `continued_by`, the runs that resumed or
    /// forked its Claude session after it with no run of that session between.
    pub(crate) fn from_rows(
        session: Run<'_>,
        previous: Option<RunRow>,
        continued_by: Vec<RunRow>,
    ) -> Lineage {
        let mine = continued(session.resumed_from, session.forked_from);
        let previous = previous
            .zip(mine)
            .map(|(row, (_, relation))| row.into_ref(relation));
        let claude = session.claude_session_id;
        let continued_by = continued_by
            .into_iter()
            .filter_map(|row| {
                let (of, relation) =
                    continued(row.resumed_from.as_deref(), row.forked_from.as_deref())?;
                (Some(of) == claude && row.id != session.id).then(|| row.into_ref(relation))
            })
            .collect();
        Lineage {
            previous,
            continued_by,
        }
    }
}

impl RunRow {
    fn into_ref(self, relation: Relation) -> RunRef {
        RunRef {
            id: self.id,
            claude_session_id: self.claude_session_id,
            relation,
            started_at: self.started_at.map(Timestamp),
            status: self.status,
            cost_usd: self.cost_usd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, claude: &str, resumed: Option<&str>, forked: Option<&str>) -> RunRow {
        RunRow {
            id: id.into(),
            claude_session_id: Some(claude.into()),
            resumed_from: resumed.map(Into::into),
            forked_from: forked.map(Into::into),
            started_at: Some(1),
            status: "completed".into(),
            cost_usd: Some(0.5),
        }
    }

    #[test]
    fn resumed_comes_before_forked() {
        assert_eq!(
            continued(Some("a"), Some("b")),
            Some(("a", Relation::Resumed))
        );
        assert_eq!(continued(None, Some("b")), Some(("b", Relation::Forked)));
        assert_eq!(continued(None, None), None);
    }

    #[test]
    fn relations_are_said_from_the_later_run() {
        let session = sample("b", "claude-1", Some("claude-1"), None);
        let lineage = Lineage::from_rows(
            session,
            Some(row("a", "claude-1", None, None)),
            vec![
                row("c", "claude-1", Some("claude-1"), None),
                row("f", "claude-2", None, Some("claude-1")),
                // Continued another session: not this one's.
                row("x", "claude-9", Some("claude-9"), None),
            ],
        );
        let previous = lineage.previous.unwrap();
        assert_eq!(
            (previous.id.as_str(), previous.relation),
            ("a", Relation::Resumed)
        );
        let after: Vec<_> = lineage
            .continued_by
            .iter()
            .map(|r| (r.id.as_str(), r.relation))
            .collect();
        assert_eq!(after, [("c", Relation::Resumed), ("f", Relation::Forked)]);
        // A session that continued nothing has no previous run, whatever a store found.
        let fresh = sample("a", "claude-1", None, None);
        let none = Lineage::from_rows(fresh, Some(row("z", "claude-1", None, None)), vec![]);
        assert_eq!(none.previous, None);
    }

    fn sample(
        id: &'static str,
        claude: &'static str,
        resumed: Option<&'static str>,
        forked: Option<&'static str>,
    ) -> Run<'static> {
        Run {
            id,
            claude_session_id: Some(claude),
            resumed_from: resumed,
            forked_from: forked,
        }
    }
}
