//! Migrations on in-memory databases: applied once, data kept across versions, a newer schema refused.

use super::*;
use crate::store::sqlite::migrations::V5;

#[test]
fn migrates_once_and_records_the_version() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn).unwrap();
    migrate(&mut conn).unwrap();
    let rows: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
}

/// A database as version `v` left it.
fn at_version(v: usize) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        .unwrap();
    conn.execute("INSERT INTO schema_version VALUES (?1)", [v as i64])
        .unwrap();
    for m in &MIGRATIONS[..v] {
        conn.execute_batch(m).unwrap();
    }
    conn
}

#[test]
fn version_2_indexes_sessions_stored_before_it() {
    let mut conn = at_version(1);
    conn.execute_batch(
        "INSERT INTO sessions (project_id, id, sort_ts, received_at, output)
             VALUES ('p', 'old', 1, 1, 'Older Output');
         INSERT INTO session_inputs (project_id, session_id, turn, text, key_ts, key_id)
             VALUES ('p', 'old', 0, 'streamed turn', 1, 'e');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let found = |q: &str| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM session_text WHERE session_text MATCH ?1",
            [q],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!((found("\"older output\""), found("\"streamed\"")), (1, 1));
    // Triggers keep it current from now on.
    conn.execute(
        "UPDATE sessions SET output = 'new words' WHERE id = 'old'",
        [],
    )
    .unwrap();
    assert_eq!((found("\"older\""), found("\"new words\"")), (0, 1));
}

#[test]
fn version_4_reads_rows_stored_before_it() {
    let mut conn = at_version(3);
    conn.execute_batch(
        "INSERT INTO model_calls VALUES ('p', 's', 'final', 'm', 'end_turn', 1, 50, 0, 0, NULL,
             1, 2, 1, 'e1');
         INSERT INTO model_calls VALUES ('p', 's', 'started', 'm', NULL, 1, 1, 0, 0, NULL,
             1, 2, 1, 'e2');
         INSERT INTO tool_calls (project_id, session_id, tool_use_id, tool_name, seq, status,
             input, output, error, key_final, key_ts, key_id)
         VALUES ('p', 's', 'd', 'Bash', 0, 'denied', '{}', 'null', 'permission denied', 1, 1, 'e3'),
                ('p', 's', 'r', 'Read', 1, 'error', '{}', 'null', 'permission denied', 1, 1, 'e4');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let column = |sql: &str| -> Vec<rusqlite::types::Value> {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    use rusqlite::types::Value::{Integer, Null, Text};
    // Output counts of calls that stopped were final; the others are unknown.
    let finals = column("SELECT output_tokens_final FROM model_calls ORDER BY message_id");
    assert_eq!(finals, [Integer(1), Integer(0)]);
    // The old SDKs' generic denial is no reason; an OS error that says the same is kept.
    let errors = column("SELECT error FROM tool_calls ORDER BY seq");
    assert_eq!(errors, [Null, Text("permission denied".into())]);
}

#[test]
fn refuses_a_newer_schema() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn).unwrap();
    conn.execute("INSERT INTO schema_version (version) VALUES (99)", [])
        .unwrap();
    let err = migrate(&mut conn).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                known: SCHEMA_VERSION
            }
        ),
        "{err}"
    );
}

/// Issue 15's migration: a key made before scopes keeps every right (NULL scopes, listed as
/// such), and the signing secret that could mint cookies leaves the file.
#[test]
fn keys_made_before_scopes_keep_full_rights_and_the_signing_secret_goes() {
    let version = MIGRATIONS.iter().position(|m| *m == V5).unwrap();
    let mut conn = at_version(version);
    conn.execute_batch(
        "INSERT INTO api_keys (key_hash, project_id, created_at) VALUES ('h', 'p', 1);
         INSERT INTO settings (name, value) VALUES ('signing_secret', 'abcd');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let (scopes, revoked): (Option<String>, Option<i64>) = conn
        .query_row("SELECT scopes, revoked_at FROM api_keys", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((scopes, revoked), (None, None));
    let secrets: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM settings WHERE name = 'signing_secret'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(secrets, 0);
}
