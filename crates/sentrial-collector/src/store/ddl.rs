//! DDL that both stores' migrations hold word for word: the indexes of the sessions list and its
//! filters, and of lineage lookups. Each piece is part of a released migration of both stores,
//! so it is never edited: a change is a new migration.

/// The sessions list's indexes, newest first, unfiltered and per filter (version 1 of both).
macro_rules! session_list_indexes {
    () => {
        "
CREATE INDEX sessions_recent    ON sessions (project_id, sort_ts DESC, id DESC);
CREATE INDEX sessions_by_user   ON sessions (project_id, user_id, sort_ts DESC, id DESC);
CREATE INDEX sessions_by_agent  ON sessions (project_id, agent, sort_ts DESC, id DESC);
CREATE INDEX sessions_by_convo  ON sessions (project_id, convo_id, sort_ts DESC, id DESC);
CREATE INDEX sessions_by_status ON sessions (project_id, status, sort_ts DESC, id DESC);
"
    };
}
pub(crate) use session_list_indexes;

/// The indexes of the end reason filter, the Claude session filter and lineage lookups (version
/// 4 of both).
macro_rules! lineage_indexes {
    () => {
        "
CREATE INDEX sessions_by_end_reason ON sessions (project_id, end_reason, sort_ts DESC, id DESC);
CREATE INDEX sessions_by_claude_session
    ON sessions (project_id, claude_session_id, sort_ts DESC, id DESC);
CREATE INDEX sessions_by_resumed_from ON sessions (project_id, resumed_from, sort_ts, id)
    WHERE resumed_from IS NOT NULL;
CREATE INDEX sessions_by_forked_from ON sessions (project_id, forked_from, sort_ts, id)
    WHERE forked_from IS NOT NULL;
"
    };
}
pub(crate) use lineage_indexes;
