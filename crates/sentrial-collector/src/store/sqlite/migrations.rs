//! The SQLite store's migrations, in order (applied by `schema.rs`).
//!
//! A migration is never edited once released: a change is a new entry at the end of [`MIGRATIONS`].

use crate::store::ddl::{
    alert_tables, lineage_indexes, manual_tables, project_retention_table, rollup_durations_table,
    rollup_people_and_tools, rollup_tables, session_list_indexes, ROLLUP_QUARTERS, ROLLUP_SCORES,
    ROLLUP_SCORES_GIVEN,
};

/// The migrations; entry `i` takes the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15, V16, V17,
];

/// Version 1: keys, the raw event log, sessions, their inputs and tool calls.
///
/// `*_key_*` columns hold the ordering key of the event whose values a row holds, so that a
/// later-applied event replaces them only when its key is greater: the final state is the same
/// whatever the arrival order.
pub(super) const V1: &str = concat!(
    r#"
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,      -- SHA-256 hex of the key; the key itself is never stored
    project_id TEXT NOT NULL,
    created_at INTEGER NOT NULL       -- ms since the epoch
);

-- The raw log. seq (the rowid, never reused: rows are never deleted) is the ingest order.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    project_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    payload     TEXT NOT NULL         -- the event as JSON
);
CREATE UNIQUE INDEX events_by_id ON events (project_id, id);
CREATE INDEX events_by_session ON events (project_id, session_id, seq);

CREATE TABLE sessions (
    project_id            TEXT NOT NULL,
    id                    TEXT NOT NULL,
    claude_session_id     TEXT,
    agent                 TEXT,
    user_id               TEXT,
    convo_id              TEXT,
    status                TEXT NOT NULL DEFAULT 'running',
    failure_reason        TEXT,
    started_at            INTEGER,
    ended_at              INTEGER,
    sort_ts               INTEGER NOT NULL, -- started_at, or the earliest event ts before the start
    model                 TEXT,
    input                 TEXT,
    metadata              TEXT,
    output                TEXT,
    duration_ms           INTEGER,
    api_duration_ms       INTEGER,
    num_turns             INTEGER,
    prompt_tokens         INTEGER,
    completion_tokens     INTEGER,
    total_tokens          INTEGER,
    cache_read_tokens     INTEGER,
    cache_creation_tokens INTEGER,
    cost_usd              REAL,
    cost_estimated        INTEGER,
    model_usage           TEXT,
    results               INTEGER,
    received_at           INTEGER NOT NULL,
    start_key_ts          INTEGER,  -- session_start applied: (ts, event id)
    start_key_id          TEXT,
    end_key_ts            INTEGER,  -- session_end applied: (ts, event id)
    end_key_id            TEXT,
    fig_key_ts            INTEGER,  -- figures (output, durations, usage): (ts, rank, event id)
    fig_key_rank          INTEGER,  -- a result's index; 2^32 for an end
    fig_key_id            TEXT,
    PRIMARY KEY (project_id, id)
);
"#,
    session_list_indexes!(),
    r#"
CREATE TABLE session_inputs (
    project_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    turn       INTEGER NOT NULL,
    text       TEXT NOT NULL,
    key_ts     INTEGER NOT NULL,
    key_id     TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, turn)
);

CREATE TABLE tool_calls (
    project_id         TEXT NOT NULL,
    session_id         TEXT NOT NULL,
    tool_use_id        TEXT NOT NULL,
    tool_name          TEXT NOT NULL,
    seq                INTEGER NOT NULL,
    status             TEXT NOT NULL,
    input              TEXT NOT NULL,
    output             TEXT NOT NULL,
    error              TEXT,
    duration_ms        INTEGER,
    parent_tool_use_id TEXT,
    started_at         INTEGER,
    ended_at           INTEGER,
    key_final          INTEGER NOT NULL, -- 0 for not_completed: it never replaces an outcome
    key_ts             INTEGER NOT NULL,
    key_id             TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, tool_use_id)
);
"#
);

/// Version 2, for the dashboard: text search over a session's input and output, covering indexes
/// for the overview, and the collector's own settings (the secret that
/// signs dashboard sign-in links and cookies).
///
/// `session_text` is an FTS5 table with the trigram tokenizer, so a search matches any substring
/// of three or more characters, case-insensitively. Its rowid is the session's rowid and
/// triggers keep it current; the text is the input (or the streamed turns) and the output. The
/// collector never runs VACUUM (which could renumber rowids); whoever does must refill it with
/// the `INSERT ... SELECT` below.
pub(super) const V2: &str = r#"
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE VIRTUAL TABLE session_text USING fts5 (text, tokenize = 'trigram');

INSERT INTO session_text (rowid, text)
SELECT s.rowid,
       COALESCE(s.input, (SELECT group_concat(i.text, char(10)) FROM session_inputs i
                          WHERE i.project_id = s.project_id AND i.session_id = s.id), '')
       || char(10) || COALESCE(s.output, '')
FROM sessions s;

CREATE TRIGGER session_text_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO session_text (rowid, text)
    VALUES (NEW.rowid,
            COALESCE(NEW.input, (SELECT group_concat(i.text, char(10)) FROM session_inputs i
                                 WHERE i.project_id = NEW.project_id AND i.session_id = NEW.id), '')
            || char(10) || COALESCE(NEW.output, ''));
END;

CREATE TRIGGER session_text_update AFTER UPDATE OF input, output ON sessions
WHEN OLD.input IS NOT NEW.input OR OLD.output IS NOT NEW.output BEGIN
    DELETE FROM session_text WHERE rowid = NEW.rowid;
    INSERT INTO session_text (rowid, text)
    VALUES (NEW.rowid,
            COALESCE(NEW.input, (SELECT group_concat(i.text, char(10)) FROM session_inputs i
                                 WHERE i.project_id = NEW.project_id AND i.session_id = NEW.id), '')
            || char(10) || COALESCE(NEW.output, ''));
END;

CREATE TRIGGER session_text_delete AFTER DELETE ON sessions BEGIN
    DELETE FROM session_text WHERE rowid = OLD.rowid;
END;

-- A streamed turn changes the session's input when the start carried none.
CREATE TRIGGER session_text_turn_insert AFTER INSERT ON session_inputs BEGIN
    DELETE FROM session_text WHERE rowid =
        (SELECT rowid FROM sessions WHERE project_id = NEW.project_id AND id = NEW.session_id);
    INSERT INTO session_text (rowid, text)
    SELECT s.rowid,
           COALESCE(s.input, (SELECT group_concat(i.text, char(10)) FROM session_inputs i
                              WHERE i.project_id = s.project_id AND i.session_id = s.id), '')
           || char(10) || COALESCE(s.output, '')
    FROM sessions s WHERE s.project_id = NEW.project_id AND s.id = NEW.session_id;
END;

CREATE TRIGGER session_text_turn_update AFTER UPDATE OF text ON session_inputs BEGIN
    DELETE FROM session_text WHERE rowid =
        (SELECT rowid FROM sessions WHERE project_id = NEW.project_id AND id = NEW.session_id);
    INSERT INTO session_text (rowid, text)
    SELECT s.rowid,
           COALESCE(s.input, (SELECT group_concat(i.text, char(10)) FROM session_inputs i
                              WHERE i.project_id = s.project_id AND i.session_id = s.id), '')
           || char(10) || COALESCE(s.output, '')
    FROM sessions s WHERE s.project_id = NEW.project_id AND s.id = NEW.session_id;
END;

-- The overview reads these columns only: covering indexes spare it the wide rows (input, output,
-- JSON), which matters over a range of 100,000 sessions.
CREATE INDEX sessions_overview ON sessions
    (project_id, sort_ts, status, agent, user_id, cost_usd, total_tokens, duration_ms);
CREATE INDEX tool_calls_overview ON tool_calls
    (project_id, started_at, tool_name, status, duration_ms);
"#;

/// Version 3: model calls (one per assistant message id), every result of a session (its turns),
/// how the stream's model calls reconcile with the result's totals, and sub-agents.
pub(super) const V3: &str = r#"
CREATE TABLE model_calls (
    project_id            TEXT NOT NULL,
    session_id            TEXT NOT NULL,
    message_id            TEXT NOT NULL,
    model                 TEXT NOT NULL,
    stop_reason           TEXT,
    input_tokens          INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    cache_read_tokens     INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    parent_tool_use_id    TEXT,
    started_at            INTEGER NOT NULL,
    ended_at              INTEGER NOT NULL,
    key_ts                INTEGER NOT NULL,
    key_id                TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, message_id)
) WITHOUT ROWID;

CREATE TABLE session_results (
    project_id            TEXT NOT NULL,
    session_id            TEXT NOT NULL,
    idx                   INTEGER NOT NULL,
    ts                    INTEGER NOT NULL,
    subtype               TEXT NOT NULL,
    is_error              INTEGER NOT NULL,
    output                TEXT,
    duration_ms           INTEGER NOT NULL,
    prompt_tokens         INTEGER NOT NULL,
    completion_tokens     INTEGER NOT NULL,
    total_tokens          INTEGER NOT NULL,
    cache_read_tokens     INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cost_usd              REAL NOT NULL,
    key_id                TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, idx)
) WITHOUT ROWID;

ALTER TABLE sessions ADD COLUMN reconciliation TEXT;

CREATE TABLE subagents (
    project_id   TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    tool_use_id  TEXT NOT NULL,
    agent_id     TEXT,
    agent_type   TEXT,
    description  TEXT,
    status       TEXT NOT NULL,
    background   INTEGER NOT NULL,
    total_tokens INTEGER,
    tool_uses    INTEGER,
    duration_ms  INTEGER,
    summary      TEXT,
    key_ts       INTEGER NOT NULL,
    key_id       TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, tool_use_id)
) WITHOUT ROWID;
"#;

/// Version 4: what protocol v1's later fields carry. Sessions: how the run ended (`end_reason`,
/// `api_error_status`, owned by the end key), its lineage and start (`resumed_from`,
/// `forked_from`, `entry_point`, `mcp_servers`, owned by the start key) and what the SDK's totals
/// carried over from earlier runs (`carried`, owned by the figures key; never summed). Tool
/// calls: the input the tool ran with, who denied a call, its MCP server, its place in the
/// transcript. Model calls: whether the output count is final, time to first token, place and
/// content blocks. Results: place, terminal reason, API error status. Markers, one per
/// transcript position.
///
/// A denied call's reason is merged rather than replaced (see `apply.rs`); the old SDKs'
/// `permission denied` said no more than the status, so it is cleared here as ingest now does.
pub(super) const V4: &str = concat!(
    r#"
ALTER TABLE sessions ADD COLUMN end_reason TEXT;
ALTER TABLE sessions ADD COLUMN api_error_status INTEGER;
ALTER TABLE sessions ADD COLUMN resumed_from TEXT;
ALTER TABLE sessions ADD COLUMN forked_from TEXT;
ALTER TABLE sessions ADD COLUMN entry_point TEXT;
ALTER TABLE sessions ADD COLUMN mcp_servers TEXT;   -- JSON array of {name, status}; NULL: none
ALTER TABLE sessions ADD COLUMN carried TEXT;       -- JSON usage; NULL: nothing carried
"#,
    lineage_indexes!(),
    r#"
ALTER TABLE tool_calls ADD COLUMN updated_input TEXT;   -- JSON; NULL: ran with `input`
ALTER TABLE tool_calls ADD COLUMN denied_by TEXT;
ALTER TABLE tool_calls ADD COLUMN mcp_server TEXT;
ALTER TABLE tool_calls ADD COLUMN position INTEGER;
UPDATE tool_calls SET error = NULL WHERE status = 'denied' AND error = 'permission denied';

ALTER TABLE model_calls ADD COLUMN output_tokens_final INTEGER NOT NULL DEFAULT 0;
UPDATE model_calls SET output_tokens_final = (stop_reason IS NOT NULL);
ALTER TABLE model_calls ADD COLUMN ttft_ms INTEGER;
ALTER TABLE model_calls ADD COLUMN position INTEGER;
ALTER TABLE model_calls ADD COLUMN content TEXT;        -- JSON array of blocks; NULL: none

ALTER TABLE session_inputs ADD COLUMN position INTEGER;

ALTER TABLE session_results ADD COLUMN position INTEGER;
ALTER TABLE session_results ADD COLUMN terminal_reason TEXT;
ALTER TABLE session_results ADD COLUMN api_error_status INTEGER;

CREATE TABLE session_markers (
    project_id         TEXT NOT NULL,
    session_id         TEXT NOT NULL,
    position           INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    at                 INTEGER NOT NULL,
    parent_tool_use_id TEXT,
    data               TEXT NOT NULL,   -- JSON object
    key_ts             INTEGER NOT NULL,
    key_id             TEXT NOT NULL,
    PRIMARY KEY (project_id, session_id, position)
) WITHOUT ROWID;
"#
);

// ---- Issue 15 (keys, scopes, sign-ins): one migration, self-contained. ----
/// Version 5: keys get scopes (NULL: all, for keys made before scopes) and can be revoked; the
/// dashboard's sign-ins become rows (`dashboard_sessions`, `signin_links`: only SHA-256 digests
/// of their random ids are stored) that sign-out, revocation and expiry delete. The signing secret
/// that made stateless cookies is dropped: nothing is signed any more.
pub(super) const V5: &str = r#"
ALTER TABLE api_keys ADD COLUMN scopes TEXT;          -- e.g. 'ingest,read'; NULL: all three
ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER;   -- ms since the epoch; NULL: live

CREATE TABLE dashboard_sessions (
    id_hash    TEXT PRIMARY KEY,  -- SHA-256 hex of the cookie's random value
    project_id TEXT NOT NULL,
    key_hash   TEXT,              -- the key signed in with; NULL: a sign-in link
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX dashboard_sessions_by_key ON dashboard_sessions (key_hash);

CREATE TABLE signin_links (
    token_hash TEXT PRIMARY KEY,  -- SHA-256 hex of the link's random token
    project_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

DELETE FROM settings WHERE name = 'signing_secret';
"#;
// ---- end of issue 15's migration ----

// ---- Issue 17 (detected issues): one migration, self-contained. ----
/// Version 6: the issues detected in each ended session (`detect/`), one row per finding,
/// replaced whenever the session's events change. `at` is the session's end (else its sort time),
/// so the issues summary can be taken over a time range.
pub(super) const V6: &str = r#"
CREATE TABLE session_issues (
    project_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    idx        INTEGER NOT NULL,  -- the finding's place in the session's list
    kind       TEXT NOT NULL,     -- loop, error_streak, ... (detect::IssueKind)
    severity   TEXT NOT NULL,     -- info, warning, error
    summary    TEXT NOT NULL,
    evidence   TEXT NOT NULL,     -- JSON array
    at         INTEGER NOT NULL,  -- ms since the epoch
    PRIMARY KEY (project_id, session_id, idx)
) WITHOUT ROWID;
CREATE INDEX session_issues_by_kind ON session_issues (project_id, kind, at);
"#;
// ---- end of issue 17's migration (detected issues) ----

// ---- Issue 17 (scores): one migration, self-contained. ----
/// Version 7: scores, one per `score` event (`id`), by the id it names (`target`): a session's
/// (`target_kind` 'session') or a Claude session's ('claude_session'), so a score kept before its
/// session arrives is found by it. `num` is a number's value, 1 or 0 for a boolean.
pub(super) const V7: &str = r#"
CREATE TABLE scores (
    project_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target      TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,   -- 'number', 'boolean' or 'label'
    num         REAL,            -- NULL for a label
    label       TEXT,
    comment     TEXT,
    source      TEXT NOT NULL,   -- 'sdk', 'api' or 'dashboard'
    at          INTEGER NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX scores_by_target ON scores (project_id, target_kind, target, name);
"#;
// ---- end of issue 17's migration ----

// ---- Issue 17 (history rules, per-project thresholds): one migration, self-contained. ----
/// Version 8: `issue_baselines` (p95s of a tool's durations, 'tool', ms, or an agent's costs,
/// 'agent_cost', USD, over the 7 days before `window_end`: `store/baselines.rs`), a project's
/// thresholds (JSON), a finding's agent and main tool, indexes for the summary and score averages.
pub(super) const V8: &str = r#"
CREATE TABLE issue_baselines (
    project_id TEXT NOT NULL,
    scope      TEXT NOT NULL,
    name       TEXT NOT NULL,
    p95        REAL NOT NULL,
    samples    INTEGER NOT NULL,
    window_end INTEGER NOT NULL,
    PRIMARY KEY (project_id, scope, name)
) WITHOUT ROWID;
CREATE TABLE issue_settings (project_id TEXT PRIMARY KEY, thresholds TEXT NOT NULL,
    updated_at INTEGER NOT NULL);
ALTER TABLE session_issues ADD COLUMN agent TEXT;
ALTER TABLE session_issues ADD COLUMN tool TEXT;
CREATE INDEX session_issues_by_time
    ON session_issues (project_id, at, kind, agent, tool, session_id);
CREATE INDEX scores_by_time ON scores (project_id, at);
"#;
// ---- end of issue 17's migration (history rules, thresholds) ----
// ---- Issue 17 (alerts): one migration, self-contained. ----
/// Version 9: alert rules, their state per group and the outbox of webhook deliveries, and the
/// indexes of sessions by end and scores by name (the evaluator's windows); the same DDL on both
/// stores (`ddl.rs`).
pub(super) const V9: &str = alert_tables!();
// ---- end of issue 17's migration (alerts) ----
// ---- Issue 19 (manual sessions): one migration, self-contained. ----
/// Version 10: manual sessions' names, parents, reasoning, prompts, costs and custom metrics
/// (`ddl.rs`).
pub(super) const V10: &str = manual_tables!("");
// ---- end of issue 19's migration (manual sessions) ----
// ---- Issue 18 (per-project retention): one migration, self-contained. ----
/// Version 11: a project's own retention (`project_retention`), the same DDL on both stores
/// (`ddl.rs`).
pub(super) const V11: &str = project_retention_table!();
// ---- end of issue 18's migration (per-project retention) ----
// ---- Issue 18 (rollups), version 12: hourly rollups, each session's contribution (`ddl.rs`) ----
pub(super) const V12: &str = rollup_tables!("");
// ---- end of issue 18's migration ----
// ---- Issue 18 (rollups' durations), version 13: sessions per duration bucket (`ddl.rs`) ----
pub(super) const V13: &str = rollup_durations_table!("");
// ---- end of issue 18's migration ----
// ---- Issue 18 (rollups of users and tools), version 14: see `ddl.rs` ----
pub(super) const V14: &str = rollup_people_and_tools!("");
// ---- end of issue 18's migration ----
// ---- Issue 18 (one score's average from the rollups), version 15: see `ddl.rs` ----
pub(super) const V15: &str = ROLLUP_SCORES;
// ---- end of issue 18's migration ----
// ---- Issue 18 (scores by time given, users by week), version 16: see `ddl.rs` ----
pub(super) const V16: &str = ROLLUP_SCORES_GIVEN;
// ---- end of issue 18's migration ----
// ---- Issue 18 (quarter hours), version 17: see `ddl.rs` ----
pub(super) const V17: &str = ROLLUP_QUARTERS;
// ---- end of issue 18's migration ----
