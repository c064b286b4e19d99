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

const SHORT: &str = "key-project-short-0123456789";
const LONG: &str = "key-project-long-01234567890";

/// Now, in ms.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The ids of a project's sessions, sorted.
async fn ids(srv: &TestServer, key: &str) -> Vec<String> {
    let (_, page) = srv.get(key, "/api/sessions?limit=500").await;
    listed_ids(&page)
}

/// Waits (up to 10 s) until each `(key, ids)` project holds exactly those sessions.
async fn settle(srv: &TestServer, want: &[(&str, &[&str])]) {
    for _ in 0..100 {
        let mut all = true;
        for (key, want) in want {
            all &= ids(srv, key).await == *want;
        }
        if all {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (key, want) in want {
        assert_eq!(ids(srv, key).await, *want, "{key}");
    }
}

#[tokio::test]
async fn a_projects_own_retention_overrides_the_collectors_shorter_and_longer() {
    let srv = TestServer::start_with(&[(SHORT, "short"), (LONG, "long")], |c| {
        c.retention = Some(Retention {
            keep: Duration::from_secs(3 * 86_400),
            every: Duration::from_millis(200),
        });
    })
    .await;
    for (key, days) in [(SHORT, 1), (LONG, 10)] {
        let (status, body) = srv
            .send_json(
                "PUT",
                key,
                "/api/retention",
                &format!(r#"{{"days": {days}}}"#),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (&body["days"], &body["project_days"], &body["default_days"]),
            (&json!(days), &json!(days), &json!(3))
        );
        assert!(body["updated_at"].is_string(), "{body}");
    }
    let t = now();
    let mut mine = user_session("d-2d", "u", t - 2 * DAY);
    mine.extend(user_session("d-4d", "u", t - 4 * DAY));
    let mut short = user_session("s-12h", "u", t - DAY / 2);
    short.extend(user_session("s-2d", "u", t - 2 * DAY));
    let mut long = user_session("l-4d", "u", t - 4 * DAY);
    long.extend(user_session("l-11d", "u", t - 11 * DAY));
    let kept = [
        "d-2d",
        "claude-d-2d",
        "s-12h",
        "claude-s-12h",
        "l-4d",
        "claude-l-4d",
    ];
    for (key, events) in [(KEY, &mine), (SHORT, &short), (LONG, &long)] {
        assert_eq!(srv.post(key, events).await.0, 200);
    }
    let kept_before = rows_naming(&srv, &kept).await;
    settle(
        &srv,
        &[(KEY, &["d-2d"]), (SHORT, &["s-12h"]), (LONG, &["l-4d"])],
    )
    .await;
    let gone = [
        "d-4d",
        "claude-d-4d",
        "s-2d",
        "claude-s-2d",
        "l-11d",
        "claude-l-11d",
    ];
    let left = rows_naming(&srv, &gone).await;
    assert!(left.values().all(|n| *n == 0), "left behind: {left:?}");
    assert_eq!(
        rows_naming(&srv, &kept).await,
        kept_before,
        "the kept sessions keep every row, their scores included"
    );
    assert!(kept_before["scores"] == 6 && kept_before["events"] > 0);
    for (key, days) in [(KEY, 3), (SHORT, 1), (LONG, 10)] {
        let (_, overview) = srv.get(key, "/api/overview").await;
        assert_eq!(overview["retention_days"], days, "the dashboard says it");
    }
    let (_, mine) = srv.get(KEY, "/api/retention").await;
    assert_eq!(
        mine,
        json!({"days": 3, "project_days": null, "default_days": 3, "updated_at": null})
    );
    // Back to the collector's 3 days: the long project's 4-day-old session goes too.
    let (status, body) = srv
        .send_json("PUT", LONG, "/api/retention", r#"{"days": null}"#)
        .await;
    assert_eq!(
        (status, &body["project_days"], &body["days"]),
        (200, &Value::Null, &json!(3))
    );
    settle(&srv, &[(LONG, &[]), (KEY, &["d-2d"]), (SHORT, &["s-12h"])]).await;
}

#[tokio::test]
async fn a_projects_own_retention_applies_without_the_collectors() {
    let srv = TestServer::start(&[(SHORT, "short")]).await;
    let (status, _) = srv
        .send_json("PUT", SHORT, "/api/retention", r#"{"days": 1}"#)
        .await;
    assert_eq!(status, 200);
    let t = now();
    assert_eq!(
        srv.post(KEY, &user_session("d-old", "u", t - 400 * DAY))
            .await
            .0,
        200
    );
    let mut short = user_session("s-new", "u", t - DAY / 2);
    short.extend(user_session("s-old", "u", t - 2 * DAY));
    assert_eq!(srv.post(SHORT, &short).await.0, 200);
    let deleted = sentrial_collector::retention::round(srv.store.as_ref(), None)
        .await
        .unwrap();
    assert_eq!(
        (deleted["sessions"], deleted["scores"]),
        (1, 2),
        "{deleted:?}"
    );
    assert_eq!(ids(&srv, SHORT).await, ["s-new"]);
    assert_eq!(ids(&srv, KEY).await, ["d-old"], "no retention: kept");
    let (_, overview) = srv.get(KEY, "/api/overview").await;
    assert_eq!(overview["retention_days"], Value::Null);
}

#[tokio::test]
async fn a_projects_retention_takes_admin_and_refuses_bad_days() {
    let srv = TestServer::start(&[]).await;
    let reader = "sk-read-only-0123456789abcdef";
    srv.store
        .add_key(
            hash_key(reader),
            "default".into(),
            Scopes::parse(&["read"]).unwrap(),
        )
        .await
        .unwrap();
    let (status, _) = srv
        .send_json("PUT", reader, "/api/retention", r#"{"days": 5}"#)
        .await;
    assert_eq!(status, 403);
    let (status, body) = srv.get(reader, "/api/retention").await;
    assert_eq!((status, &body["days"]), (200, &Value::Null), "{body}");
    for bad in [
        r#"{"days": 0}"#,
        r#"{"days": 36501}"#,
        r#"{"days": "5"}"#,
        "{}x",
        r#"{"keep": 5}"#,
    ] {
        let (status, body) = srv.send_json("PUT", KEY, "/api/retention", bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap_or_default()
                .contains("invalid retention"),
            "{bad}: {body}"
        );
    }
    let (_, body) = srv.get(KEY, "/api/retention").await;
    assert_eq!(body["project_days"], Value::Null, "nothing stored");
}
