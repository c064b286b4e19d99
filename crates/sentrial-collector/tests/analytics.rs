//! `GET /api/analytics/users` over real HTTP, on SQLite (and PostgreSQL in the suite's second
//! pass): each user's figures are checked against the sessions they come from (the list API's
//! own), in every sort order, with search, paging, a score and the time range.

mod common;

use common::*;
use sentrial_protocol::*;
use serde_json::Value;

const T0: i64 = 1_750_000_000_000;
const HOUR: i64 = 3_600_000;

/// A session of `user` at `T0 + hour h` that cost `cost` and ended `status`, in `convo`.
fn session(
    id: &str,
    user: &str,
    h: i64,
    cost: f64,
    status: SessionStatus,
    convo: &str,
) -> Vec<Event> {
    let ts = T0 + h * HOUR;
    let mut end = end(id, ts + 1_000, status);
    if let Payload::SessionEnd(e) = &mut end.payload {
        e.usage = Usage {
            prompt_tokens: 100,
            completion_tokens: 20,
            total_tokens: 120,
            cost_usd: cost,
            ..Default::default()
        };
    }
    vec![start(id, ts, "agent", user, Some(convo)), end]
}

fn score(id: &str, name: &str, value: f64) -> Event {
    event(
        id,
        &format!("{id}-{name}-{value}"),
        T0,
        Payload::Score(Score {
            name: name.into(),
            value: ScoreValue::Number(value),
            comment: None,
            source: SCORE_SOURCE_API.into(),
            at: T0,
            of: ScoreOf::Session,
        }),
    )
}

async fn filled() -> TestServer {
    let srv = TestServer::start(&[]).await;
    let mut events = Vec::new();
    use SessionStatus::{Completed as Ok_, Failed};
    events.extend(session("a1", "alice", 1, 0.50, Ok_, "c1"));
    events.extend(session("a2", "alice", 2, 0.25, Failed, "c1"));
    events.extend(session("a3", "alice", 3, 0.25, Ok_, "c2"));
    events.extend(session("b1", "bob_smith", 4, 2.00, Failed, "c3"));
    events.extend(session("c1", "Carol", 5, 0.10, Ok_, "c4"));
    events.extend(session("c2", "Carol", 6, 0.10, Ok_, "c4"));
    // Outside the range asked below.
    events.extend(session("old", "alice", -48, 9.0, Failed, "c0"));
    events.push(score("a1", "helpful", 1.0));
    events.push(score("a1", "helpful", 0.0));
    events.push(score("a2", "helpful", 1.0));
    events.push(score("b1", "helpful", 0.0));
    events.push(score("c1", "accuracy", 4.0));
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");
    srv
}

const RANGE: &str = "from=1750000000000&to=1750086400000";

async fn users(srv: &TestServer, extra: &str) -> Value {
    let (status, body) = srv
        .get(KEY, &format!("/api/analytics/users?{RANGE}&{extra}"))
        .await;
    assert_eq!(status, 200, "{extra}: {body}");
    body
}

fn ids(body: &Value) -> Vec<&str> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn each_user_adds_up_their_sessions_in_the_range() {
    let srv = filled().await;
    let body = users(&srv, "").await;
    assert_eq!(body["sort"], "cost");
    assert_eq!(body["total"], 3);
    assert_eq!(ids(&body), ["bob_smith", "alice", "Carol"]);
    let alice = &body["users"][1];
    assert_eq!(alice["sessions"], 3);
    assert_eq!(alice["failed"], 1);
    assert!((alice["failure_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!(
        (alice["cost_usd"].as_f64().unwrap() - 1.0).abs() < 1e-12,
        "{alice}"
    );
    assert_eq!(alice["total_tokens"], 360);
    assert_eq!(alice["conversations"], 2);
    // a1's scores average 0.5, a2's 1.0: alice's is the average of her sessions' averages.
    assert!(
        (alice["avg_score"].as_f64().unwrap() - 0.75).abs() < 1e-12,
        "{alice}"
    );
    assert_eq!(alice["first_seen"], sentrial_collector::iso8601(T0 + HOUR));
    assert_eq!(
        alice["last_seen"],
        sentrial_collector::iso8601(T0 + 3 * HOUR)
    );
    // The same figures as the sessions the list gives for her in the range.
    let (_, list) = srv
        .get(KEY, &format!("/api/sessions?user_id=alice&{RANGE}"))
        .await;
    let listed: f64 = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["cost_usd"].as_f64().unwrap())
        .sum();
    assert!((listed - alice["cost_usd"].as_f64().unwrap()).abs() < 1e-12);
    assert_eq!(list["sessions"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn sorts_search_scores_and_pages() {
    let srv = filled().await;
    assert_eq!(
        ids(&users(&srv, "sort=sessions").await),
        ["alice", "Carol", "bob_smith"]
    );
    assert_eq!(
        ids(&users(&srv, "sort=failure_rate").await),
        ["bob_smith", "alice", "Carol"]
    );
    assert_eq!(
        ids(&users(&srv, "sort=failure_rate&order=asc").await),
        ["Carol", "alice", "bob_smith"]
    );
    assert_eq!(
        ids(&users(&srv, "sort=last_seen").await),
        ["Carol", "bob_smith", "alice"]
    );
    // Users without a score come last whichever way.
    assert_eq!(
        ids(&users(&srv, "sort=score&score=helpful").await),
        ["alice", "bob_smith", "Carol"]
    );
    assert_eq!(
        ids(&users(&srv, "sort=score&score=helpful&order=asc").await),
        ["bob_smith", "alice", "Carol"]
    );
    let accuracy = users(&srv, "score=accuracy&sort=score").await;
    assert_eq!(accuracy["users"][0]["avg_score"], 4.0);
    assert_eq!(accuracy["users"][1]["avg_score"], Value::Null);
    // Search: a part of the id, any case; `_` is a character, not a wildcard.
    assert_eq!(ids(&users(&srv, "q=CAR").await), ["Carol"]);
    assert_eq!(ids(&users(&srv, "q=b_s").await), ["bob_smith"]);
    assert_eq!(ids(&users(&srv, "q=b%25s").await), Vec::<&str>::new());
    let page = users(&srv, "sort=sessions&limit=2&offset=1").await;
    assert_eq!(ids(&page), ["Carol", "bob_smith"]);
    assert_eq!(page["total"], 3);
}

#[tokio::test]
async fn bad_parameters_are_400() {
    let srv = TestServer::start(&[]).await;
    for (query, says) in [
        ("sort=name", "invalid sort `name`: expected one of sessions, cost, tokens, failure_rate, score, last_seen"),
        ("order=up", "invalid order `up`"),
        ("limit=0", "invalid limit `0`"),
        ("offset=-1", "invalid offset `-1`"),
        ("user=x", "unknown parameter `user`"),
        ("from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", "from"),
    ] {
        let (status, body) = srv.get(KEY, &format!("/api/analytics/users?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["error"].as_str().unwrap().contains(says), "{query}: {body}");
    }
}
