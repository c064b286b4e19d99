//! Deleting data: `DELETE /api/users/{user_id}` and retention (`--retention-days`), over real HTTP
//! on SQLite (and PostgreSQL in the suite's second pass). Nothing may be left behind: the raw
//! tables are read directly, every table of the schema that names a session is checked, and the
//! other users' and the newer sessions' rows must all still be there.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use sentrial_collector::retention::Retention;
use sentrial_collector::store::SESSION_TABLES;
use sentrial_collector::{hash_key, Scopes};
use sentrial_protocol::*;
use serde_json::{json, Value};

const DAY: i64 = 86_400_000;

/// Rows naming each of `sessions`, per table: every table with a `session_id` column, `sessions`
/// by `id`, `scores` by `target`; read from the database itself.
async fn rows_naming(srv: &TestServer, sessions: &[&str]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let tables = session_tables(srv).await;
    assert_eq!(
        tables
            .iter()
            .filter(|t| *t != "sessions")
            .cloned()
            .collect::<Vec<_>>(),
        {
            let mut known: Vec<String> = SESSION_TABLES.iter().map(|t| t.to_string()).collect();
            known.sort();
            known
        },
        "a table names sessions that deletion does not clear"
    );
    for table in tables {
        let column = if table == "sessions" {
            "id"
        } else {
            "session_id"
        };
        let n = count(srv, &table, column, sessions).await;
        out.insert(table, n);
    }
    out.insert(
        "scores".into(),
        count(srv, "scores", "target", sessions).await,
    );
    out
}

/// The tables that have a `session_id` column, and `sessions`, sorted.
async fn session_tables(srv: &TestServer) -> Vec<String> {
    let mut tables: Vec<String> = match &srv.database_url {
        None => {
            let conn = rusqlite::Connection::open(&srv.db).unwrap();
            let mut stmt = conn
                .prepare(
                    "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND c.name = 'session_id'",
                )
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
        Some(url) => pg(url)
            .await
            .query(
                "SELECT table_name::text FROM information_schema.columns \
                 WHERE column_name = 'session_id' AND table_schema = 'public'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect(),
    };
    tables.push("sessions".into());
    tables.sort();
    tables
}

async fn count(srv: &TestServer, table: &str, column: &str, ids: &[&str]) -> i64 {
    let list = ids
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} IN ({list})");
    match &srv.database_url {
        None => rusqlite::Connection::open(&srv.db)
            .unwrap()
            .query_row(&sql, [], |r| r.get(0))
            .unwrap(),
        Some(url) => pg(url).await.query_one(&sql, &[]).await.unwrap().get(0),
    }
}

async fn pg(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

/// `full_session` (tool calls, results, markers) of `user`, plus two scores: by its id and by
/// its Claude session id.
fn user_session(id: &str, user: &str, t0: i64) -> Vec<Event> {
    let mut events = transcript_session(id, t0);
    for e in &mut events {
        if let Payload::SessionStart(s) = &mut e.payload {
            s.user_id = user.into();
            s.claude_session_id = Some(format!("claude-{id}"));
        }
    }
    for (n, (of, target)) in [
        (ScoreOf::Session, id.to_string()),
        (ScoreOf::ClaudeSession, format!("claude-{id}")),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(event(
            &target,
            &format!("{id}-score-{n}"),
            t0 + 50,
            Payload::Score(Score {
                name: "helpful".into(),
                value: ScoreValue::Bool(true),
                comment: None,
                source: SCORE_SOURCE_SDK.into(),
                at: t0 + 50,
                of,
            }),
        ));
    }
    events
}

async fn delete(srv: &TestServer, key: &str, path: &str) -> (u16, Value) {
    parse(srv.send("DELETE", key, path).await).await
}

#[tokio::test]
async fn deleting_a_user_leaves_nothing_of_theirs_and_all_of_the_others() {
    let srv = TestServer::start(&[]).await;
    let now = sentrial_collector::parse_time("2025-06-01T12:00:00Z").unwrap();
    let mut events = user_session("a-1", "alice", now);
    events.extend(user_session("a-2", "alice", now + 1_000));
    events.extend(user_session("b-1", "bob", now + 2_000));
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");
    let (_, a1) = srv.get(KEY, "/api/sessions/a-1").await;
    assert!(
        !a1["issues"].as_array().unwrap().is_empty()
            || a1["tool_calls"].as_array().unwrap().len() > 1
    );
    let alice_before = rows_naming(&srv, &["a-1", "a-2", "claude-a-1", "claude-a-2"]).await;
    let bob_before = rows_naming(&srv, &["b-1", "claude-b-1"]).await;
    assert!(
        alice_before.values().filter(|n| **n > 0).count() >= 6,
        "{alice_before:?}"
    );

    let (status, body) = delete(&srv, KEY, "/api/users/alice").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], "alice");
    let deleted = &body["deleted"];
    assert_eq!(deleted["sessions"], 2);
    for (table, n) in &alice_before {
        assert_eq!(deleted[table.as_str()], json!(n), "{table}: {body}");
    }
    let alice_after = rows_naming(&srv, &["a-1", "a-2", "claude-a-1", "claude-a-2"]).await;
    assert!(
        alice_after.values().all(|n| *n == 0),
        "left behind: {alice_after:?}"
    );
    assert_eq!(rows_naming(&srv, &["b-1", "claude-b-1"]).await, bob_before);
    let (status, _) = srv.get(KEY, "/api/sessions/a-1").await;
    assert_eq!(status, 404);
    let (_, list) = srv.get(KEY, "/api/sessions?q=Look").await;
    assert_eq!(
        list["sessions"].as_array().unwrap().len(),
        1,
        "the text index forgot them: {list}"
    );

    // Again: nothing left to delete, every table said.
    let (status, body) = delete(&srv, KEY, "/api/users/alice").await;
    assert_eq!(status, 200);
    assert!(
        body["deleted"]
            .as_object()
            .unwrap()
            .values()
            .all(|n| n == 0),
        "{body}"
    );
    assert_eq!(
        body["deleted"].as_object().unwrap().len(),
        SESSION_TABLES.len() + 2
    );
}

#[tokio::test]
async fn deleting_a_user_takes_admin() {
    let srv = TestServer::start(&[]).await;
    srv.post(KEY, &user_session("a-1", "alice", 1_700_000_000_000))
        .await;
    for scope in ["read", "ingest"] {
        let key = format!("sk-{scope}-only-0123456789abcdef");
        srv.store
            .add_key(
                hash_key(&key),
                "default".into(),
                Scopes::parse(&[scope]).unwrap(),
            )
            .await
            .unwrap();
        let (status, body) = delete(&srv, &key, "/api/users/alice").await;
        assert_eq!(status, 403, "{scope}: {body}");
    }
    let (status, _) = srv.get(KEY, "/api/sessions/a-1").await;
    assert_eq!(status, 200, "a refused request deleted nothing");
}

#[tokio::test]
async fn retention_deletes_what_started_before_it_in_batches_and_keeps_the_rest() {
    let srv = TestServer::start_with(&[], |c| {
        c.retention = Some(Retention {
            keep: Duration::from_secs(86_400),
            every: Duration::from_millis(200),
        });
    })
    .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // 1,203 old sessions (three batches), two of them full, and a full new one.
    let mut events = user_session("old-full", "u", now - 3 * DAY);
    events.extend(user_session("new-full", "u", now - DAY / 2));
    for i in 0..1_201 {
        events.push(start(
            &format!("old-{i}"),
            now - 2 * DAY - i,
            "agent",
            "u",
            None,
        ));
    }
    events.extend(user_session("old-full-2", "v", now - 5 * DAY));
    for chunk in events.chunks(1_000) {
        let (status, body) = srv.post(KEY, chunk).await;
        assert_eq!(status, 200, "{body}");
    }
    let new_before = rows_naming(&srv, &["new-full", "claude-new-full"]).await;
    let (_, overview) = srv.get(KEY, "/api/overview").await;
    assert_eq!(overview["retention_days"], 1, "the dashboard says it");
    let mut left = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        (_, left) = srv.get(KEY, "/api/sessions?limit=500").await;
        if left["sessions"].as_array().unwrap().len() == 1 {
            break;
        }
    }
    assert_eq!(left["sessions"][0]["id"], "new-full", "{left}");
    assert_eq!(left["sessions"].as_array().unwrap().len(), 1);
    let old = rows_naming(
        &srv,
        &[
            "old-full",
            "claude-old-full",
            "old-full-2",
            "claude-old-full-2",
            "old-7",
        ],
    )
    .await;
    assert!(old.values().all(|n| *n == 0), "left behind: {old:?}");
    assert_eq!(
        rows_naming(&srv, &["new-full", "claude-new-full"]).await,
        new_before
    );
    if srv.database_url.is_none() {
        // The freed pages went back to the file system, not to a free list.
        let conn = rusqlite::Connection::open(&srv.db).unwrap();
        let pragma = |name: &str| -> i64 {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(pragma("auto_vacuum"), 2, "incremental");
        assert_eq!(pragma("freelist_count"), 0);
    }
}
