//! Apply semantics on a bare connection: dedupe, and a final state independent of arrival order.

use rusqlite::Connection;
use sentrial_protocol::*;
use serde_json::json;

use super::db::SqliteDb;
use super::ingest::ingest;
use super::schema;
use crate::store::db::now;
use crate::store::incoming::Incoming;
use crate::store::read;
use crate::store::rollup::maintain::refresh;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    schema::migrate(&mut conn).unwrap();
    conn
}

fn put(conn: &mut Connection, project: &str, events: &[Event]) -> IngestResponse {
    let incoming: Vec<Incoming> = events
        .iter()
        .map(|e| Incoming::new(e.clone()).unwrap())
        .collect();
    let tx = conn.transaction().unwrap();
    let mut touched = std::collections::BTreeSet::new();
    let out = ingest(&tx, project, &incoming, 1_000, &mut touched).unwrap();
    let ids = touched.iter().map(String::as_str);
    now(refresh(&SqliteDb(&tx), project, ids)).unwrap();
    tx.commit().unwrap();
    out
}

fn ev(id: &str, ts: i64, payload: Payload) -> Event {
    Event {
        id: id.into(),
        session_id: "s1".into(),
        ts,
        payload,
    }
}

fn usage(tokens: u64) -> Usage {
    Usage {
        prompt_tokens: tokens,
        completion_tokens: 2 * tokens,
        total_tokens: 3 * tokens,
        cost_usd: tokens as f64 / 100.0,
        ..Default::default()
    }
}

fn tool(id: &str, seq: u32, status: ToolStatus) -> Payload {
    Payload::ToolCall(ToolCall {
        tool_use_id: id.into(),
        tool_name: "Bash".into(),
        seq,
        status,
        input: json!({ "command": format!("echo {id}") }),
        output: json!(format!("{id} out {}", status.as_str())),
        started_at: Some(100 + i64::from(seq)),
        ended_at: Some(110 + i64::from(seq)),
        ..Default::default()
    })
}

/// A session with every kind of event, including a not_completed call that a later outcome
/// replaces, two results, and an end whose ts equals the last result's.
fn session() -> Vec<Event> {
    vec![
        ev(
            "e0",
            100,
            Payload::SessionStart(SessionStart {
                agent: "a".into(),
                user_id: "u".into(),
                started_at: 99,
                metadata: json!({"k": 1}).as_object().unwrap().clone(),
                ..Default::default()
            }),
        ),
        ev(
            "e1",
            101,
            Payload::SessionInput(SessionInput {
                turn: 1,
                text: "second".into(),
                ..Default::default()
            }),
        ),
        ev(
            "e2",
            101,
            Payload::SessionInput(SessionInput {
                turn: 0,
                text: "first".into(),
                ..Default::default()
            }),
        ),
        ev("e3", 105, tool("t1", 0, ToolStatus::NotCompleted)),
        ev("e4", 120, tool("t1", 0, ToolStatus::Success)),
        ev("e5", 125, tool("t2", 1, ToolStatus::Error)),
        ev("e6", 130, tool("t2", 1, ToolStatus::NotCompleted)),
        ev(
            "e7",
            140,
            Payload::SessionResult(SessionResult {
                index: 0,
                output: Some("one".into()),
                duration_ms: 40,
                usage: usage(10),
                ..Default::default()
            }),
        ),
        ev(
            "e8",
            150,
            Payload::SessionResult(SessionResult {
                index: 1,
                output: Some("two".into()),
                duration_ms: 50,
                usage: usage(20),
                ..Default::default()
            }),
        ),
        ev(
            "e9",
            150,
            Payload::SessionEnd(SessionEnd {
                status: SessionStatus::Completed,
                output: Some("final".into()),
                ended_at: 150,
                duration_ms: 51,
                usage: usage(21),
                results: 2,
                reconciliation: None,
                ..Default::default()
            }),
        ),
    ]
}

fn final_state(events: &[Event]) -> serde_json::Value {
    let mut conn = db();
    put(&mut conn, "p", events);
    let mut detail = serde_json::to_value(
        now(read::get_session(&SqliteDb(&conn), "p", "s1"))
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    detail["received_at"] = json!(null);
    detail
}

#[test]
fn in_order_session_reads_back_as_expected() {
    let s = final_state(&session());
    assert_eq!(s["status"], "completed");
    assert_eq!(s["agent"], "a");
    assert_eq!(s["input"], "first\n\nsecond");
    assert_eq!(s["output"], "final");
    assert_eq!(s["duration_ms"], 51);
    assert_eq!(s["prompt_tokens"], 21);
    assert_eq!(s["results"], 2);
    assert_eq!(s["metadata"], json!({"k": 1}));
    assert_eq!(s["tool_call_count"], 2);
    assert_eq!(s["tool_calls"][0]["status"], "success");
    assert_eq!(s["tool_calls"][1]["status"], "error");
    assert_eq!(s["started_at"], "1970-01-01T00:00:00.099Z");
}

#[test]
fn any_arrival_order_gives_the_same_session() {
    let events = session();
    let expected = final_state(&events);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..60 {
        let mut shuffled = events.clone();
        if round == 0 {
            shuffled.reverse();
        } else {
            // Fisher-Yates with a fixed LCG: reproducible, and no dependency for one test.
            for i in (1..shuffled.len()).rev() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                shuffled.swap(i, (seed >> 33) as usize % (i + 1));
            }
        }
        let order: Vec<&str> = shuffled.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(final_state(&shuffled), expected, "order {order:?}");
    }
}

#[test]
fn one_event_per_batch_in_reverse_gives_the_same_session() {
    let events = session();
    let mut conn = db();
    for e in events.iter().rev() {
        put(&mut conn, "p", std::slice::from_ref(e));
    }
    let mut s = serde_json::to_value(
        now(read::get_session(&SqliteDb(&conn), "p", "s1"))
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    s["received_at"] = json!(null);
    assert_eq!(s, final_state(&events));
}

#[test]
fn duplicates_are_counted_and_not_applied_again() {
    let mut conn = db();
    let events = session();
    let first = put(&mut conn, "p", &events);
    assert_eq!((first.accepted, first.duplicates), (10, 0));
    let again = put(&mut conn, "p", &events[..4]);
    assert_eq!((again.accepted, again.duplicates), (0, 4));
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 10);
    // The same ids in another project are that project's own events.
    assert_eq!(put(&mut conn, "q", &events[..1]).accepted, 1);
}

#[test]
fn a_placeholder_session_is_running_and_sorted_by_its_earliest_event() {
    let mut conn = db();
    put(
        &mut conn,
        "p",
        &[ev("x1", 500, tool("t", 0, ToolStatus::Success))],
    );
    put(
        &mut conn,
        "p",
        &[ev("x2", 400, tool("u", 1, ToolStatus::Success))],
    );
    let page = now(read::list_sessions(
        &SqliteDb(&conn),
        "p",
        &crate::store::page::ListQuery {
            limit: 10,
            ..Default::default()
        },
    ))
    .unwrap();
    let s = &page.sessions[0];
    assert_eq!(
        (s.status.as_str(), s.agent.as_deref(), s.sort_ts),
        ("running", None, 400)
    );
    assert_eq!(s.tool_call_count, 2);
}

#[test]
fn an_end_never_turns_back_to_running_and_the_later_end_wins() {
    let mut conn = db();
    let end = |id: &str, ts: i64, status: SessionStatus| {
        ev(
            id,
            ts,
            Payload::SessionEnd(SessionEnd {
                status,
                ended_at: ts,
                failure_reason: Some(id.into()),
                ..Default::default()
            }),
        )
    };
    put(&mut conn, "p", &[end("late", 300, SessionStatus::Failed)]);
    put(
        &mut conn,
        "p",
        &[end("early", 200, SessionStatus::Completed)],
    );
    put(&mut conn, "p", &[end("odd", 400, SessionStatus::Running)]);
    let s = now(read::get_session(&SqliteDb(&conn), "p", "s1"))
        .unwrap()
        .unwrap()
        .session;
    assert_eq!(s.status, "failed");
    assert_eq!(s.failure_reason.as_deref(), Some("odd"));
}

/// The steps of the plan SQLite picks for `sql` (its parameters null), as `EXPLAIN QUERY PLAN`
/// words them. Without statistics (none are gathered), it picks by the indexes' shapes alone.
fn plan(conn: &Connection, sql: &crate::store::dialect::Sql) -> String {
    let text = sql.text(crate::store::dialect::Dialect::Sqlite);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {text}")).unwrap();
    let nulls = std::iter::repeat_n(rusqlite::types::Null, stmt.parameter_count());
    let steps: Vec<String> = stmt
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    steps.join("\n")
}

#[test]
fn only_the_slowest_calls_read_the_index_on_durations() {
    use crate::store::{queries, rollup, tools};
    let conn = db();
    let slowest = plan(&conn, &tools::SLOWEST);
    assert!(slowest.contains("tool_calls_by_duration"), "{slowest}");
    // With the index led by the tool, these read every call of a tool (a million at volume)
    // instead of a session's or a range's.
    for sql in [
        &tools::FAILING,
        &rollup::sql::TOOL_MAX_AGAIN,
        &rollup::tools::EDGE_CALLS,
        &rollup::read_sql::SESSION_TOOLS,
        &queries::TOOL_DURATIONS,
        &queries::TOOL_DURATION_AT,
        &queries::TOOL_CALLS,
    ] {
        let steps = plan(&conn, sql);
        assert!(!steps.contains("tool_calls_by_duration"), "{steps}");
    }
}
