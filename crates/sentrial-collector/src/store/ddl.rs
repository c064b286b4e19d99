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

// ---- Issue 17 (alerts): part of one migration of each store, self-contained. ----
/// Alert rules, their state per (rule, group) and the outbox of webhook deliveries (version 9 of
/// both). Written once for both engines: SQLite reads `BIGINT`, `DOUBLE PRECISION` and `BOOLEAN`
/// as its integer, real and numeric affinities. Ids are random hex, so no engine's own sequence
/// is needed. See `alert/` and `store/alerts.rs` for what each column means to the evaluator.
macro_rules! alert_tables {
    () => {
        "
CREATE TABLE alert_rules (
    project_id       TEXT NOT NULL,
    id               TEXT NOT NULL,              -- random hex
    name             TEXT NOT NULL,
    metric           TEXT NOT NULL,              -- cost_usd, sessions, ... (alert::Metric)
    metric_arg       TEXT,                       -- the issue kind or score name it needs
    group_by         TEXT,                       -- user_id, agent; NULL: the whole project
    window_minutes   BIGINT NOT NULL,
    op               TEXT NOT NULL,              -- '>' or '<'
    threshold        DOUBLE PRECISION NOT NULL,
    webhook_url      TEXT NOT NULL,
    cooldown_minutes BIGINT NOT NULL,
    paused           BOOLEAN NOT NULL,
    created_at       BIGINT NOT NULL,            -- ms since the epoch
    PRIMARY KEY (project_id, id)
);

CREATE TABLE alert_states (
    project_id  TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    grp         TEXT NOT NULL,                   -- the group's value; '' when not grouped
    state       TEXT NOT NULL,                   -- 'ok' or 'firing'
    value       DOUBLE PRECISION,                -- the value at the last change
    changed_at  BIGINT NOT NULL,
    fired_at    BIGINT,                          -- the last firing
    resolved_at BIGINT,                          -- the last resolve (the cooldown counts from it)
    PRIMARY KEY (project_id, rule_id, grp)
);

CREATE TABLE alert_deliveries (
    project_id      TEXT NOT NULL,
    id              TEXT NOT NULL,               -- random hex
    rule_id         TEXT NOT NULL,
    grp             TEXT NOT NULL,
    state           TEXT NOT NULL,               -- 'firing' or 'resolved'
    value           DOUBLE PRECISION,
    webhook_url     TEXT NOT NULL,
    body            TEXT NOT NULL,               -- the JSON posted
    created_at      BIGINT NOT NULL,
    status          TEXT NOT NULL,               -- 'pending', 'delivered' or 'failed'
    attempts        BIGINT NOT NULL,
    next_at         BIGINT NOT NULL,             -- next try, or the end of a sender's claim
    response_status BIGINT,
    last_error      TEXT,
    done_at         BIGINT,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_at);
CREATE INDEX alert_deliveries_by_rule ON alert_deliveries (project_id, rule_id, created_at);

CREATE INDEX sessions_by_end ON sessions (project_id, ended_at);
CREATE INDEX scores_by_name ON scores (project_id, name, at);
"
    };
}
pub(crate) use alert_tables;
// ---- end of issue 17's migration (alerts) ----

// ---- Issue 19 (manual sessions): part of one migration of each store, self-contained. ----
/// Manual sessions (version 10 of both): a session's name and parent session, a tool call's
/// reasoning, a reported model call's prompt and cost, and custom metrics by name, set by the
/// session's end (`key_*` is that end's key, as `sessions.end_key_*`). `$c` is the collation of
/// text that keys or orders rows (PostgreSQL's `COLLATE "C"`, nothing on SQLite).
macro_rules! manual_tables {
    ($c:literal) => {
        concat!(
            "
ALTER TABLE sessions ADD COLUMN name TEXT", $c, ";
ALTER TABLE sessions ADD COLUMN parent_session_id TEXT", $c, ";
ALTER TABLE tool_calls ADD COLUMN reasoning TEXT;
ALTER TABLE model_calls ADD COLUMN prompt TEXT;
ALTER TABLE model_calls ADD COLUMN cost_usd DOUBLE PRECISION;
ALTER TABLE model_calls ADD COLUMN cost_estimated BOOLEAN;

CREATE TABLE session_metrics (
    project_id TEXT", $c, " NOT NULL,
    session_id TEXT", $c, " NOT NULL,
    name       TEXT", $c, " NOT NULL,
    value      DOUBLE PRECISION NOT NULL,
    key_ts     BIGINT NOT NULL,
    key_id     TEXT", $c, " NOT NULL,
    PRIMARY KEY (project_id, session_id, name)
);
CREATE INDEX session_metrics_by_name ON session_metrics (project_id, name, value);

CREATE INDEX sessions_by_name ON sessions (project_id, name, sort_ts DESC, id DESC)
    WHERE name IS NOT NULL;
CREATE INDEX sessions_by_parent ON sessions (project_id, parent_session_id, sort_ts DESC, id DESC)
    WHERE parent_session_id IS NOT NULL;
"
        )
    };
}
pub(crate) use manual_tables;
// ---- end of issue 19's migration (manual sessions) ----
// ---- Issue 18 (per-project retention): part of one migration of each store, self-contained. ----
/// A project's own retention, overriding `--retention-days` for it: its sessions that started
/// more than `days` days ago are deleted (`retention.rs`). Written once for both engines.
macro_rules! project_retention_table {
    () => {
        "
CREATE TABLE project_retention (
    project_id TEXT NOT NULL PRIMARY KEY,
    days       BIGINT NOT NULL,   -- 1 to 36,500
    updated_at BIGINT NOT NULL    -- ms since the epoch
);
"
    };
}
pub(crate) use project_retention_table;
// ---- end of issue 18's migration (per-project retention) ----

// ---- Issue 18 (rollups): part of one migration of each store, self-contained. ----
/// The hourly rollups (`store/rollup/`) and each session's contribution to them (version 12 of
/// both); `$collate` is what keys text (PostgreSQL's `COLLATE "C"`, byte order as in SQLite).
///
/// A `rollups` row sums the contributions of the sessions of one project whose sort time falls in
/// one UTC hour (`hour`, ms; for `user_id`, one UTC day, `hour` its start) and that have one value
/// of one dimension: `dim` is `''` for every
/// session (then `val` is `''`), `agent`, `user_id`, `model` or `metadata.KEY`; `known` is false
/// when the value is null (`val` then `''`). Costs are kept in whole nano-USD, so that adding and
/// subtracting contributions is exact. A `tool_rollups` row sums the tool calls of one tool made by
/// the sessions of one hour; its `max_ms` is the longest of their durations (recomputed from that
/// hour's calls when the session that held it leaves). `rollup_contrib` holds each session's contribution as last
/// added, as JSON (`rollup/contrib.rs`), so a change adds only the difference. The migration
/// marks the rollups as to be filled from the stored sessions at the next start
/// (`rollups_pending` in `settings`).
macro_rules! rollup_tables {
    ($collate:literal) => {
        concat!(
            "
CREATE TABLE rollups (
    project_id  TEXT ",
            $collate,
            " NOT NULL,
    dim         TEXT ",
            $collate,
            " NOT NULL,
    hour        BIGINT NOT NULL,
    val         TEXT ",
            $collate,
            " NOT NULL,
    known       BOOLEAN NOT NULL,
    sessions    BIGINT NOT NULL,
    failed      BIGINT NOT NULL,
    running     BIGINT NOT NULL,
    cost_nanos  BIGINT NOT NULL,
    priced      BIGINT NOT NULL,
    tokens      BIGINT NOT NULL,
    durations   BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    turns       BIGINT NOT NULL,
    tool_calls  BIGINT NOT NULL,
    tool_errors BIGINT NOT NULL,
    PRIMARY KEY (project_id, dim, hour, val, known)
);
CREATE TABLE tool_rollups (
    project_id  TEXT ",
            $collate,
            " NOT NULL,
    hour        BIGINT NOT NULL,
    tool_name   TEXT ",
            $collate,
            " NOT NULL,
    calls       BIGINT NOT NULL,
    failures    BIGINT NOT NULL,
    durations   BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    max_ms      BIGINT,
    PRIMARY KEY (project_id, hour, tool_name)
);
CREATE TABLE rollup_contrib (
    project_id TEXT ",
            $collate,
            " NOT NULL,
    session_id TEXT ",
            $collate,
            " NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id)
);
INSERT INTO settings (name, value) VALUES ('rollups_pending', '1');
"
        )
    };
}
pub(crate) use rollup_tables;
// ---- end of issue 18's migration (rollups) ----

// ---- Issue 18 (rollups' durations): one migration of each store, self-contained. ----
/// Version 13 of both: what a comparison needs of the rollups besides their sums (`$collate`
/// as for [`rollup_tables`]). `turned` counts the sessions with a number of turns (the average
/// is over them). A `rollup_durations` row counts the sessions of one project that started in
/// one UTC day (`day`, ms), have value `val` of dimension `dim` (agent, model or a chosen
/// metadata key) and a duration in `bucket` (`rollup/contrib.rs`: log-linear, its middle within
/// 3.1% of each duration in it), so that percentiles are read from at most a few hundred rows a
/// day. The rollups are marked to be filled again at the next start.
macro_rules! rollup_durations_table {
    ($collate:literal) => {
        concat!(
            "
ALTER TABLE rollups ADD COLUMN turned BIGINT NOT NULL DEFAULT 0;
CREATE TABLE rollup_durations (
    project_id TEXT ",
            $collate,
            " NOT NULL,
    dim        TEXT ",
            $collate,
            " NOT NULL,
    val        TEXT ",
            $collate,
            " NOT NULL,
    day        BIGINT NOT NULL,
    bucket     BIGINT NOT NULL,
    sessions   BIGINT NOT NULL,
    PRIMARY KEY (project_id, dim, val, day, bucket)
);
INSERT INTO settings (name, value) VALUES ('rollups_pending', '1')
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
"
        )
    };
}
pub(crate) use rollup_durations_table;
// ---- end of issue 18's migration (rollups' durations) ----

// ---- Issue 18 (rollups of users and tools): one migration of each store, self-contained. ----
/// Version 14 of both: what the users and tools pages need of the rollups (`$collate` as for
/// [`rollup_tables`]).
///
/// On `rollups`, for the users' daily rows only (`dim` `user_id`): `first_ts` and `last_ts`, the
/// earliest and latest sort time of the row's sessions (found again from the sessions when one
/// that may have held them leaves), and on every row `scored`, the sessions with a numeric score
/// of their own, and `score_nanos`, the sum of those sessions' average scores in billionths.
/// `tool_rollups` is made again keyed by MCP server too (`''` for none) and with `denials`; a
/// `tool_durations` row counts the calls of one tool (and server) made by the sessions of one UTC
/// day whose duration falls in `bucket` (`rollup/contrib.rs`). `tool_calls_by_duration` finds a
/// tool's slowest calls without reading the others: it leads with the duration so that no query
/// that looks calls up by project, session or tool takes it instead of the index it had (without
/// statistics SQLite would), and the one query it is for names it (`{indexed_by}`).
/// `sessions_by_user` also holds the conversation, so that the users page counts its users'
/// distinct conversations from the index alone. The rollups are marked to be filled again.
macro_rules! rollup_people_and_tools {
    ($collate:literal) => {
        concat!(
            "
ALTER TABLE rollups ADD COLUMN first_ts BIGINT;
ALTER TABLE rollups ADD COLUMN last_ts BIGINT;
ALTER TABLE rollups ADD COLUMN scored BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN score_nanos BIGINT NOT NULL DEFAULT 0;
DROP TABLE tool_rollups;
CREATE TABLE tool_rollups (
    project_id  TEXT ",
            $collate,
            " NOT NULL,
    hour        BIGINT NOT NULL,
    tool_name   TEXT ",
            $collate,
            " NOT NULL,
    mcp_server  TEXT ",
            $collate,
            " NOT NULL,
    calls       BIGINT NOT NULL,
    failures    BIGINT NOT NULL,
    denials     BIGINT NOT NULL,
    durations   BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    max_ms      BIGINT,
    PRIMARY KEY (project_id, hour, tool_name, mcp_server)
);
CREATE TABLE tool_durations (
    project_id TEXT ",
            $collate,
            " NOT NULL,
    day        BIGINT NOT NULL,
    tool_name  TEXT ",
            $collate,
            " NOT NULL,
    mcp_server TEXT ",
            $collate,
            " NOT NULL,
    bucket     BIGINT NOT NULL,
    calls      BIGINT NOT NULL,
    PRIMARY KEY (project_id, day, tool_name, mcp_server, bucket)
);
CREATE INDEX tool_calls_by_duration ON tool_calls (duration_ms, project_id, tool_name, started_at);
DROP INDEX sessions_by_user;
CREATE INDEX sessions_by_user ON sessions (project_id, user_id, sort_ts DESC, id DESC, convo_id);
INSERT INTO settings (name, value) VALUES ('rollups_pending', '1')
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
"
        )
    };
}
pub(crate) use rollup_people_and_tools;
// ---- end of issue 18's migration (rollups of users and tools) ----
/// The statement that marks the rollups to be filled again from the sessions at the next start.
macro_rules! rollups_pending {
    () => {
        "
INSERT INTO settings (name, value) VALUES ('rollups_pending', '1')
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
"
    };
}

// ---- Issue 18 (one score's average from the rollups), one migration of each store. ----
/// Version 15 of both: the rollups gain, per score name and value of each dimension (the end
/// users' per UTC day), the sessions with a numeric score of that name and the sum of their
/// averages (dimension `<dim>@<name>`, `rollup/contrib.rs`). The contributions recorded before
/// hold none, so the rollups are marked to be filled again.
pub(crate) const ROLLUP_SCORES: &str = rollups_pending!();
// ---- end of issue 18's migration (one score's average from the rollups) ----
// ---- Issue 18 (scores by time given, users by week), one migration of each store. ----
/// Version 16 of both: the rollups gain the sessions' own numeric scores by the hour they were
/// given, name and agent (dimension `given`), and the end users' rows per week besides those per
/// day (`user_id/week`, and `user_id/week@<name>` per score name; `hour` is the week's start:
/// `rollup/contrib.rs`); the scores gain an index by kind and time, which finds those that name a
/// Claude session id (read from the scores). The rollups are marked to be filled again.
pub(crate) const ROLLUP_SCORES_GIVEN: &str = concat!(
    "
CREATE INDEX scores_by_kind ON scores (project_id, target_kind, at);",
    rollups_pending!()
);
// ---- end of issue 18's migration (scores by time given, users by week) ----
// ---- Issue 18 (quarter hours), one migration of each store. ----
/// Version 17 of both: the rollups gain the whole project's rows and the scores' by time given
/// per quarter hour besides those per hour (dimensions `quarter` and `given/quarter`:
/// `rollup/contrib.rs`), which serve the overview's buckets that start a quarter hour off the
/// hour. The rollups are marked to be filled again.
pub(crate) const ROLLUP_QUARTERS: &str = rollups_pending!();
// ---- end of issue 18's migration (quarter hours) ----
