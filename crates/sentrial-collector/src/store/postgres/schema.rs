//! Versioned migrations of the PostgreSQL store, applied in order at start and recorded in
//! `schema_version`. Several collectors may start at once on one database: each migration runs
//! in a transaction holding an advisory lock, and re-reads the version under it.
//!
//! A migration is never edited once released: a change is a new entry at the end of
//! [`MIGRATIONS`]. The tables mirror the SQLite store's (see `store/sqlite/schema.rs` for what
//! each column means); the differences are PostgreSQL's own types, `COLLATE "C"` on the text
//! that orders or keys rows (byte order, as in SQLite, whatever the database's locale), and text
//! search through `pg_trgm` instead of FTS5.

use deadpool_postgres::Object;

use crate::store::ddl::{
    alert_tables, lineage_indexes, manual_tables, project_retention_table, rollup_durations_table,
    rollup_people_and_tools, rollup_tables, session_list_indexes, ROLLUP_QUARTERS, ROLLUP_SCORES,
    ROLLUP_SCORES_GIVEN,
};
use crate::store::error::StoreError;

/// The migrations; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15, V16, V17,
];

/// The advisory lock key migrations hold ("sentrial" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x73_65_6e_74_72_69_61_6c;

/// Version 1: everything the SQLite store holds at its version 3.
const V1: &str = concat!(
    r#"
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    session_id  TEXT COLLATE "C" NOT NULL,
    type        TEXT NOT NULL,
    ts          BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload     TEXT NOT NULL
);
CREATE UNIQUE INDEX events_by_id ON events (project_id, id);
CREATE INDEX events_by_session ON events (project_id, session_id, seq);

CREATE TABLE sessions (
    project_id            TEXT COLLATE "C" NOT NULL,
    id                    TEXT COLLATE "C" NOT NULL,
    claude_session_id     TEXT,
    agent                 TEXT COLLATE "C",
    user_id               TEXT COLLATE "C",
    convo_id              TEXT COLLATE "C",
    status                TEXT NOT NULL DEFAULT 'running',
    failure_reason        TEXT,
    started_at            BIGINT,
    ended_at              BIGINT,
    sort_ts               BIGINT NOT NULL,
    model                 TEXT,
    input                 TEXT,
    metadata              TEXT,
    output                TEXT,
    duration_ms           BIGINT,
    api_duration_ms       BIGINT,
    num_turns             BIGINT,
    prompt_tokens         BIGINT,
    completion_tokens     BIGINT,
    total_tokens          BIGINT,
    cache_read_tokens     BIGINT,
    cache_creation_tokens BIGINT,
    cost_usd              DOUBLE PRECISION,
    cost_estimated        BOOLEAN,
    model_usage           TEXT,
    results               BIGINT,
    received_at           BIGINT NOT NULL,
    reconciliation        TEXT,
    start_key_ts          BIGINT,
    start_key_id          TEXT COLLATE "C",
    end_key_ts            BIGINT,
    end_key_id            TEXT COLLATE "C",
    fig_key_ts            BIGINT,
    fig_key_rank          BIGINT,
    fig_key_id            TEXT COLLATE "C",
    PRIMARY KEY (project_id, id)
);
"#,
    session_list_indexes!(),
    r#"CREATE INDEX sessions_overview  ON sessions (project_id, sort_ts)
    INCLUDE (status, agent, user_id, cost_usd, total_tokens, duration_ms);

CREATE TABLE session_inputs (
    project_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    turn       BIGINT NOT NULL,
    text       TEXT NOT NULL,
    key_ts     BIGINT NOT NULL,
    key_id     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_id, session_id, turn)
);

CREATE TABLE tool_calls (
    project_id         TEXT COLLATE "C" NOT NULL,
    session_id         TEXT COLLATE "C" NOT NULL,
    tool_use_id        TEXT COLLATE "C" NOT NULL,
    tool_name          TEXT COLLATE "C" NOT NULL,
    seq                BIGINT NOT NULL,
    status             TEXT NOT NULL,
    input              TEXT NOT NULL,
    output             TEXT NOT NULL,
    error              TEXT,
    duration_ms        BIGINT,
    parent_tool_use_id TEXT,
    started_at         BIGINT,
    ended_at           BIGINT,
    key_final          BOOLEAN NOT NULL,
    key_ts             BIGINT NOT NULL,
    key_id             TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_id, session_id, tool_use_id)
);
CREATE INDEX tool_calls_overview ON tool_calls (project_id, started_at)
    INCLUDE (tool_name, status, duration_ms);

CREATE TABLE model_calls (
    project_id            TEXT COLLATE "C" NOT NULL,
    session_id            TEXT COLLATE "C" NOT NULL,
    message_id            TEXT COLLATE "C" NOT NULL,
    model                 TEXT NOT NULL,
    stop_reason           TEXT,
    input_tokens          BIGINT NOT NULL,
    output_tokens         BIGINT NOT NULL,
    cache_read_tokens     BIGINT NOT NULL,
    cache_creation_tokens BIGINT NOT NULL,
    parent_tool_use_id    TEXT,
    started_at            BIGINT NOT NULL,
    ended_at              BIGINT NOT NULL,
    key_ts                BIGINT NOT NULL,
    key_id                TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_id, session_id, message_id)
);

CREATE TABLE session_results (
    project_id            TEXT COLLATE "C" NOT NULL,
    session_id            TEXT COLLATE "C" NOT NULL,
    idx                   BIGINT NOT NULL,
    ts                    BIGINT NOT NULL,
    subtype               TEXT NOT NULL,
    is_error              BOOLEAN NOT NULL,
    output                TEXT,
    duration_ms           BIGINT NOT NULL,
    prompt_tokens         BIGINT NOT NULL,
    completion_tokens     BIGINT NOT NULL,
    total_tokens          BIGINT NOT NULL,
    cache_read_tokens     BIGINT NOT NULL,
    cache_creation_tokens BIGINT NOT NULL,
    cost_usd              DOUBLE PRECISION NOT NULL,
    key_id                TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_id, session_id, idx)
);

CREATE TABLE subagents (
    project_id   TEXT COLLATE "C" NOT NULL,
    session_id   TEXT COLLATE "C" NOT NULL,
    tool_use_id  TEXT COLLATE "C" NOT NULL,
    agent_id     TEXT,
    agent_type   TEXT,
    description  TEXT,
    status       TEXT NOT NULL,
    background   BOOLEAN NOT NULL,
    total_tokens BIGINT,
    tool_uses    BIGINT,
    duration_ms  BIGINT,
    summary      TEXT,
    key_ts       BIGINT NOT NULL,
    key_id       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_id, session_id, tool_use_id)
);
"#
);

/// Version 2: text search. With the `pg_trgm` extension (PostgreSQL's contrib, present in every
/// common distribution) trigram GIN indexes serve `ILIKE '%text%'` over a session's input and
/// output; where the extension cannot be created (no privilege), the same queries still answer,
/// by scanning the project's rows.
const V2: &str = r#"
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm unavailable (%): text search will scan', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX sessions_text ON sessions USING gin
                 ((COALESCE(input, '''') || E''\n'' || COALESCE(output, '''')) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX session_inputs_text ON session_inputs USING gin (text gin_trgm_ops)';
    END IF;
END
$$;
"#;

/// Version 3: sessions without an input (their prompt came as streamed turns), newest first,
/// so a text search of those turns walks only them.
const V3: &str = r#"
CREATE INDEX sessions_without_input ON sessions (project_id, sort_ts DESC, id DESC)
    WHERE input IS NULL;
"#;

/// Version 4: the SQLite store's version 4 (see there): end reason, lineage, start and carried
/// figures of sessions; updated input, denial, MCP server and position of tool calls; final
/// output flag, time to first token, position and content of model calls; position, terminal
/// reason and API error status of results; position of turns; markers.
const V4: &str = concat!(
    r#"
ALTER TABLE sessions
    ADD COLUMN end_reason       TEXT COLLATE "C",
    ADD COLUMN api_error_status BIGINT,
    ADD COLUMN resumed_from     TEXT,
    ADD COLUMN forked_from      TEXT,
    ADD COLUMN entry_point      TEXT,
    ADD COLUMN mcp_servers      TEXT,
    ADD COLUMN carried          TEXT;
"#,
    lineage_indexes!(),
    r#"
ALTER TABLE tool_calls
    ADD COLUMN updated_input TEXT,
    ADD COLUMN denied_by     TEXT,
    ADD COLUMN mcp_server    TEXT,
    ADD COLUMN position      BIGINT;
UPDATE tool_calls SET error = NULL WHERE status = 'denied' AND error = 'permission denied';

ALTER TABLE model_calls
    ADD COLUMN output_tokens_final BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN ttft_ms             BIGINT,
    ADD COLUMN position            BIGINT,
    ADD COLUMN content             TEXT;
UPDATE model_calls SET output_tokens_final = (stop_reason IS NOT NULL);

ALTER TABLE session_inputs ADD COLUMN position BIGINT;

ALTER TABLE session_results
    ADD COLUMN position         BIGINT,
    ADD COLUMN terminal_reason  TEXT,
    ADD COLUMN api_error_status BIGINT;

CREATE TABLE session_markers (
    project_id         TEXT COLLATE "C" NOT NULL,
    session_id         TEXT COLLATE "C" NOT NULL,
    position           BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    at                 BIGINT NOT NULL,
    parent_tool_use_id TEXT,
    data               TEXT NOT NULL,
    key_ts             BIGINT NOT NULL,
    key_id             TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_id, session_id, position)
);
"#
);

// ---- Issue 15 (keys, scopes, sign-ins): one migration, self-contained. ----
/// Version 5: the SQLite store's version 5 (see there): key scopes and revocation, dashboard
/// sessions and sign-in links as rows, and the signing secret dropped.
const V5: &str = r#"
ALTER TABLE api_keys
    ADD COLUMN scopes     TEXT,
    ADD COLUMN revoked_at BIGINT;

CREATE TABLE dashboard_sessions (
    id_hash    TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    key_hash   TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_by_key ON dashboard_sessions (key_hash);

CREATE TABLE signin_links (
    token_hash TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

DELETE FROM settings WHERE name = 'signing_secret';
"#;
// ---- end of issue 15's migration ----

// ---- Issue 17 (detected issues): one migration, self-contained. ----
/// Version 6: the SQLite store's version 6 (see there): the issues detected in each ended session.
const V6: &str = r#"
CREATE TABLE session_issues (
    project_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    idx        BIGINT NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    severity   TEXT NOT NULL,
    summary    TEXT NOT NULL,
    evidence   TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (project_id, session_id, idx)
);
CREATE INDEX session_issues_by_kind ON session_issues (project_id, kind, at);
"#;
// ---- end of issue 17's migration (detected issues) ----

// ---- Issue 17 (scores): one migration, self-contained. ----
/// Version 7: the SQLite store's version 7 (see there): scores, by the id they name.
const V7: &str = r#"
CREATE TABLE scores (
    project_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    target_kind TEXT NOT NULL,
    target      TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    kind        TEXT NOT NULL,
    num         DOUBLE PRECISION,
    label       TEXT,
    comment     TEXT,
    source      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX scores_by_target ON scores (project_id, target_kind, target, name);
"#;
// ---- end of issue 17's migration ----

// ---- Issue 17 (history rules, per-project thresholds): one migration, self-contained. ----
/// Version 8: the SQLite store's version 8 (see there): baselines, thresholds, a finding's agent
/// and tool.
const V8: &str = r#"
CREATE TABLE issue_baselines (
    project_id TEXT COLLATE "C" NOT NULL,
    scope      TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    p95        DOUBLE PRECISION NOT NULL,
    samples    BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    PRIMARY KEY (project_id, scope, name)
);

CREATE TABLE issue_settings (
    project_id TEXT COLLATE "C" PRIMARY KEY,
    thresholds TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE session_issues ADD COLUMN agent TEXT COLLATE "C";
ALTER TABLE session_issues ADD COLUMN tool TEXT COLLATE "C";

CREATE INDEX session_issues_by_time ON session_issues (project_id, at)
    INCLUDE (kind, agent, tool, session_id);
CREATE INDEX scores_by_time ON scores (project_id, at);
"#;
// ---- end of issue 17's migration (history rules, thresholds) ----
// ---- Issue 17 (alerts): one migration, self-contained. ----
/// Version 9: the SQLite store's version 9 (see there), the same DDL (`ddl.rs`).
const V9: &str = alert_tables!();
// ---- end of issue 17's migration (alerts) ----
// ---- Issue 19 (manual sessions): one migration, self-contained. ----
/// Version 10: the SQLite store's version 10, the same DDL (`ddl.rs`) with `COLLATE "C"`.
const V10: &str = manual_tables!(" COLLATE \"C\"");
// ---- end of issue 19's migration (manual sessions) ----
// ---- Issue 18 (per-project retention): one migration, self-contained. ----
/// Version 11: the SQLite store's version 11 (see there), the same DDL (`ddl.rs`).
const V11: &str = project_retention_table!();
// ---- end of issue 18's migration (per-project retention) ----
// ---- Issue 18 (rollups), version 12: hourly rollups, each session's contribution (`ddl.rs`) ----
const V12: &str = rollup_tables!("COLLATE \"C\"");
// ---- end of issue 18's migration ----
// ---- Issue 18 (rollups' durations), version 13: sessions per duration bucket (`ddl.rs`) ----
const V13: &str = rollup_durations_table!("COLLATE \"C\"");
// ---- end of issue 18's migration ----
// ---- Issue 18 (rollups of users and tools), version 14: see `ddl.rs` ----
const V14: &str = rollup_people_and_tools!("COLLATE \"C\"");
// ---- end of issue 18's migration ----
// ---- Issue 18 (one score's average from the rollups), version 15: see `ddl.rs` ----
const V15: &str = ROLLUP_SCORES;
// ---- end of issue 18's migration ----
// ---- Issue 18 (scores by time given, users by week), version 16: see `ddl.rs` ----
const V16: &str = ROLLUP_SCORES_GIVEN;
// ---- end of issue 18's migration ----
// ---- Issue 18 (quarter hours), version 17: see `ddl.rs` ----
const V17: &str = ROLLUP_QUARTERS;
// ---- end of issue 18's migration ----

/// The schema version this build creates.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`], one transaction per migration. Everything,
/// creating the version table included, happens under the advisory lock: two collectors starting
/// at once on an empty database would otherwise both create it.
pub async fn migrate(conn: &mut Object) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .await?;
        let version: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
            .await?
            .get(0);
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            tx.commit().await?;
            return Ok(());
        }
        tx.batch_execute(MIGRATIONS[version as usize]).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(version + 1)],
        )
        .await?;
        tx.commit().await?;
    }
}
