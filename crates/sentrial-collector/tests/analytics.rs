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
    // Conversations are counted on a user's page, not in the list.
    assert_eq!(alice.get("conversations"), None, "{alice}");
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

/// The start of the UTC day of `T0`.
const DAY0: i64 = T0 - T0 % (24 * HOUR);

#[tokio::test]
async fn whole_days_read_from_the_rollups_give_what_the_sessions_give() {
    let srv = filled().await;
    let day = 24 * HOUR;
    // RANGE has no whole UTC day (it is read from the sessions alone); `whole` is three whole
    // days (read from the rollups alone: the users' daily rows and each score name's); `mixed` a
    // day and a half, `old` in its first, partial day.
    let whole = format!("from={}&to={}", DAY0 - 2 * day, DAY0 + day);
    let mixed = format!("from={}&to={}", DAY0 - 2 * day + 12 * HOUR, DAY0 + day);
    // `weeks`: the week of every session (read from the users' weekly rows) and whole days and
    // partial ones on either side; `days`: `old` in a partial day, the rest in whole days, and a
    // whole week after them.
    let week = 7 * day;
    let week0 = T0 - T0.rem_euclid(week);
    let weeks = format!(
        "from={}&to={}",
        week0 - day - 6 * HOUR,
        week0 + week + day + 6 * HOUR
    );
    let days = format!("from={}&to={}", T0 - 48 * HOUR - 3 * HOUR, week0 + 2 * week);
    let ranges = [
        (RANGE.to_string(), 3),
        (whole, 4),
        (mixed, 4),
        (weeks, 4),
        (days, 4),
    ];
    for (range, alice_sessions) in ranges {
        let get = |extra: &str| {
            let path = format!("/api/analytics/users?{range}&{extra}");
            let srv = &srv;
            async move {
                let (status, body) = srv.get(KEY, &path).await;
                assert_eq!(status, 200, "{path}: {body}");
                body
            }
        };
        let averages = |body: &Value| -> Vec<(String, Option<f64>)> {
            body["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| {
                    (
                        u["user_id"].as_str().unwrap().to_string(),
                        u["avg_score"].as_f64(),
                    )
                })
                .collect()
        };
        let pair = |id: &str, v: Option<f64>| (id.to_string(), v);
        // Every numeric score: a1's two average 0.5, a2 has 1.0, b1 0.0, c1 4.0.
        let every = get("sort=score").await;
        assert_eq!(
            averages(&every),
            [
                pair("Carol", Some(4.0)),
                pair("alice", Some(0.75)),
                pair("bob_smith", Some(0.0))
            ],
            "{range}"
        );
        assert_eq!(every["users"][1]["sessions"], alice_sessions, "{range}");
        // One name: the others' scores count for nothing, and who has none comes last.
        assert_eq!(
            averages(&get("sort=score&score=helpful").await),
            [
                pair("alice", Some(0.75)),
                pair("bob_smith", Some(0.0)),
                pair("Carol", None)
            ],
            "{range}"
        );
        let accuracy = get("sort=score&score=accuracy&order=asc").await;
        assert_eq!(
            averages(&accuracy),
            [
                pair("Carol", Some(4.0)),
                pair("alice", None),
                pair("bob_smith", None)
            ],
            "{range}"
        );
        // The rest of a row does not depend on the score asked.
        assert_eq!(accuracy["total"], 3, "{range}");
        let alice = |b: &Value| {
            let mut row = b["users"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["user_id"] == "alice")
                .unwrap()
                .clone();
            row.as_object_mut().unwrap().remove("avg_score");
            row
        };
        assert_eq!(alice(&accuracy), alice(&every), "{range}");
        assert_eq!(
            alice(&get("score=nobody-gave-this").await),
            alice(&every),
            "{range}"
        );
    }
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

/// A call of `name` in session `s`, started at `ts`, taking `ms`.
fn call(
    s: &str,
    n: u32,
    name: &str,
    ts: i64,
    ms: u64,
    status: ToolStatus,
    server: Option<&str>,
) -> Event {
    tool(
        s,
        &format!("{s}-call-{n}"),
        ts,
        ToolCall {
            tool_use_id: format!("{s}-tu-{n}"),
            tool_name: name.into(),
            seq: n,
            status,
            input: serde_json::json!({ "n": n }),
            error: (status == ToolStatus::Error).then(|| format!("failed {n}")),
            duration_ms: Some(ms),
            mcp_server: server.map(String::from),
            started_at: Some(ts),
            ended_at: Some(ts + ms as i64),
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn tools_have_their_calls_failures_denials_percentiles_and_share_of_time() {
    let srv = TestServer::start(&[]).await;
    // Two sessions of 1,000 ms each (duration 10 in `end` is overridden below), on two days.
    let mut events = Vec::new();
    for (s, h) in [("t1", 1), ("t2", 30)] {
        let ts = T0 + h * HOUR;
        events.push(start(s, ts, "agent", "u", None));
        let mut e = end(s, ts + 1_000, SessionStatus::Completed);
        if let Payload::SessionEnd(end) = &mut e.payload {
            end.duration_ms = 1_000;
        }
        events.push(e);
    }
    // Bash: ten calls of 10..=100 ms, the 30 and 70 ms ones failed; one denied call (no time).
    for n in 1..=10u32 {
        let status = if n == 3 || n == 7 {
            ToolStatus::Error
        } else {
            ToolStatus::Success
        };
        let s = if n <= 5 { "t1" } else { "t2" };
        let ts = T0 + if n <= 5 { HOUR } else { 30 * HOUR } + i64::from(n);
        events.push(call(s, n, "Bash", ts, u64::from(n) * 10, status, None));
    }
    let mut denied = call(
        "t1",
        11,
        "Bash",
        T0 + HOUR + 20,
        0,
        ToolStatus::Denied,
        None,
    );
    if let Payload::ToolCall(c) = &mut denied.payload {
        c.duration_ms = None;
    }
    events.push(denied);
    events.push(call(
        "t2",
        12,
        "mcp__calc__add",
        T0 + 30 * HOUR + 50,
        40,
        ToolStatus::Success,
        Some("calc"),
    ));
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");

    let range = "from=1750000000000&to=1750172800000";
    let (status, body) = srv.get(KEY, &format!("/api/analytics/tools?{range}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["by"], "tool");
    let bash = &body["tools"][0];
    assert_eq!(bash["name"], "Bash");
    assert_eq!(bash["calls"], 11);
    assert_eq!(bash["failures"], 2);
    assert_eq!(bash["denials"], 1);
    assert!((bash["error_rate"].as_f64().unwrap() - 2.0 / 11.0).abs() < 1e-12);
    // Nearest rank over the ten timed calls: the 5th (50 ms) and the 10th (100 ms), each read as
    // the middle of its duration bucket (within 1/32): 50 ms is a bucket of two (50, 51), read
    // 50; 100 ms one of four (100 to 103), read 101. The longest is exact.
    assert_eq!(
        (&bash["p50_ms"], &bash["p95_ms"], &bash["max_ms"]),
        (&50.into(), &101.into(), &100.into())
    );
    // 550 ms of Bash in 2,000 ms of sessions.
    assert!(
        (bash["share_of_session_time"].as_f64().unwrap() - 0.275).abs() < 1e-12,
        "{bash}"
    );
    let day = |h: i64| sentrial_collector::iso8601((T0 + h * HOUR) / 86_400_000 * 86_400_000);
    assert_eq!(
        bash["per_day"],
        serde_json::json!([[day(1), 6], [day(30), 5]])
    );
    assert_eq!(body["tools"][1]["name"], "mcp__calc__add");

    let (_, servers) = srv
        .get(KEY, &format!("/api/analytics/tools?{range}&by=mcp_server"))
        .await;
    assert_eq!(servers["tools"].as_array().unwrap().len(), 1, "{servers}");
    assert_eq!(servers["tools"][0]["name"], "calc");
    assert_eq!(servers["tools"][0]["p95_ms"], 40);

    let (status, one) = srv
        .get(KEY, &format!("/api/analytics/tools/Bash?{range}"))
        .await;
    assert_eq!(status, 200, "{one}");
    let slowest: Vec<i64> = one["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["duration_ms"].as_i64().unwrap())
        .collect();
    assert_eq!(slowest, [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]);
    let failing: Vec<&str> = one["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["error"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["failed 7", "failed 3"]);
    assert_eq!(one["failing"][0]["session_id"], "t2");

    let (status, bad) = srv.get(KEY, "/api/analytics/tools?by=agent").await;
    assert_eq!(status, 400, "{bad}");
}

/// A session of version `version` (metadata) and model `model`, `ms` long, `turns` turns, `calls`
/// tool calls, costing `cost`.
fn versioned(
    id: &str,
    version: &str,
    model: &str,
    ms: u64,
    cost: f64,
    status: SessionStatus,
    calls: u32,
) -> Vec<Event> {
    let ts = T0 + HOUR;
    let mut events = session(id, "u", 1, cost, status, "c");
    if let Payload::SessionStart(s) = &mut events[0].payload {
        let serde_json::Value::Object(meta) =
            serde_json::json!({ "version": version, "env": "prod" })
        else {
            unreachable!()
        };
        s.metadata = meta;
        s.model = Some(model.into());
    }
    if let Payload::SessionEnd(e) = &mut events[1].payload {
        e.duration_ms = ms;
        e.num_turns = Some(2);
    }
    for n in 0..calls {
        events.push(call(
            id,
            n,
            "Bash",
            ts + i64::from(n),
            5,
            ToolStatus::Success,
            None,
        ));
    }
    events
}

#[tokio::test]
async fn compare_sets_values_side_by_side_with_their_changes() {
    let srv = TestServer::start(&[]).await;
    use SessionStatus::{Completed as Ok_, Failed};
    let mut events = Vec::new();
    // 1.2.0: durations 100, 200, 300, 400; one failure; 0.10 each; one call each.
    for (i, ms) in [100, 200, 300, 400].into_iter().enumerate() {
        let status = if i == 0 { Failed } else { Ok_ };
        events.extend(versioned(
            &format!("old-{i}"),
            "1.2.0",
            "claude-sonnet-4-5",
            ms,
            0.10,
            status,
            1,
        ));
    }
    // 1.3.0: durations 50, 60; no failure; 0.15 each; three calls each.
    for (i, ms) in [50, 60].into_iter().enumerate() {
        events.extend(versioned(
            &format!("new-{i}"),
            "1.3.0",
            "claude-haiku-4-5",
            ms,
            0.15,
            Ok_,
            3,
        ));
    }
    events.push(score("new-0", "helpful", 1.0));
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");

    let q = format!("{RANGE}&by=metadata.version&values=1.2.0,1.3.0");
    let (status, body) = srv.get(KEY, &format!("/api/analytics/compare?{q}")).await;
    assert_eq!(status, 200, "{body}");
    let [old, new] = [&body["values"][0], &body["values"][1]];
    assert_eq!(
        (&old["value"], &old["sessions"], &new["sessions"]),
        (&"1.2.0".into(), &4.into(), &2.into())
    );
    assert_eq!(old["failure_rate"], 0.25);
    assert!((old["cost_per_session"].as_f64().unwrap() - 0.10).abs() < 1e-12);
    // Nearest rank: p50 of [100, 200, 300, 400] is the 2nd, p95 the 4th.
    assert_eq!(
        (&old["duration_p50_ms"], &old["duration_p95_ms"]),
        (&200.into(), &400.into())
    );
    assert_eq!(
        (&new["duration_p50_ms"], &new["duration_p95_ms"]),
        (&50.into(), &60.into())
    );
    assert_eq!(
        (
            &old["tool_calls_per_session"],
            &new["tool_calls_per_session"]
        ),
        (&1.0.into(), &3.0.into())
    );
    assert_eq!(old["avg_turns"], 2.0);
    assert_eq!(
        (&old["avg_score"], &new["avg_score"]),
        (&Value::Null, &1.0.into())
    );
    // Changes are relative to the first value.
    assert!(old["change"].as_object().unwrap().is_empty());
    assert!(
        (new["change"]["cost_per_session"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{new}"
    );
    assert_eq!(new["change"]["duration_p95_ms"], -0.85);
    assert_eq!(new["change"]["failure_rate"], -1.0);
    assert_eq!(new["change"]["avg_score"], Value::Null);

    let (_, by_model) = srv
        .get(
            KEY,
            &format!(
                "/api/analytics/compare?{RANGE}&by=model&values=claude-haiku-4-5,claude-sonnet-4-5"
            ),
        )
        .await;
    assert_eq!(by_model["values"][0]["sessions"], 2);
    assert_eq!(by_model["values"][1]["sessions"], 4);
    let (_, unknown) = srv
        .get(
            KEY,
            &format!("/api/analytics/compare?{RANGE}&by=metadata.env&values=prod,dev"),
        )
        .await;
    assert_eq!(
        (
            &unknown["values"][0]["sessions"],
            &unknown["values"][1]["sessions"]
        ),
        (&6.into(), &0.into())
    );

    for (query, says) in [
        ("by=agent&values=one", "invalid values"),
        ("by=metadata.a\"b&values=x,y", "invalid by"),
        ("by=user&values=x,y", "invalid by `user`"),
    ] {
        let (status, body) = srv
            .get(KEY, &format!("/api/analytics/compare?{query}"))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn compare_reads_a_scores_average_from_the_rollups_as_from_the_sessions() {
    let srv = TestServer::start(&[]).await;
    use SessionStatus::Completed as Ok_;
    let mut events = Vec::new();
    for (id, version, model) in [
        ("old-0", "1.2.0", "m-a"),
        ("old-1", "1.2.0", "m-a"),
        ("new-0", "1.3.0", "m-b"),
    ] {
        events.extend(versioned(id, version, model, 100, 0.1, Ok_, 1));
    }
    // old-0 averages 0.5 `helpful` and 3.0 `accuracy` (4/3 over every number), old-1 2.0
    // `accuracy`, new-0 0.25 `helpful`.
    for (id, name, v) in [
        ("old-0", "helpful", 1.0),
        ("old-0", "helpful", 0.0),
        ("old-0", "accuracy", 3.0),
        ("old-1", "accuracy", 2.0),
        ("new-0", "helpful", 0.25),
    ] {
        events.push(score(id, name, v));
    }
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");
    let day = 24 * HOUR;
    // As for the users: the sessions alone, the rollups alone, and both.
    let whole = format!("from={}&to={}", DAY0 - day, DAY0 + day);
    let mixed = format!("from={}&to={}", DAY0 - day, DAY0 + day - 1);
    for range in [RANGE.to_string(), whole, mixed] {
        for (by, values) in [("metadata.version", "1.2.0,1.3.0"), ("model", "m-a,m-b")] {
            for (score, expected) in [
                ("", [Some((4.0 / 3.0 + 2.0) / 2.0), Some(0.25)]),
                ("helpful", [Some(0.5), Some(0.25)]),
                ("accuracy", [Some(2.5), None]),
                ("nobody-gave-this", [None, None]),
            ] {
                let path =
                    format!("/api/analytics/compare?{range}&by={by}&values={values}&score={score}");
                let (status, body) = srv.get(KEY, &path).await;
                assert_eq!(status, 200, "{path}: {body}");
                for (row, want) in body["values"].as_array().unwrap().iter().zip(expected) {
                    let got = row["avg_score"].as_f64();
                    assert!(
                        match (got, want) {
                            (Some(g), Some(w)) => (g - w).abs() < 1e-9,
                            (g, w) => g == w,
                        },
                        "{path}: {row}"
                    );
                    assert_eq!(
                        row["sessions"],
                        if row == &body["values"][0] { 2 } else { 1 }
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_users_page_has_their_figures_series_and_conversations() {
    let srv = filled().await;
    let get = |path: String| {
        let srv = &srv;
        async move { srv.get(KEY, &path).await }
    };
    let (status, me) = get(format!("/api/analytics/users/alice?{RANGE}&bucket=hour")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user_id"], "alice");
    assert_eq!(me["bucket_ms"], HOUR);
    // The same figures as her row of the users list, and her two conversations.
    let list = users(&srv, "").await;
    let mut row = me["totals"].clone();
    assert_eq!(
        row.as_object_mut().unwrap().remove("conversations"),
        Some(2.into()),
        "{me}"
    );
    assert_eq!(row, list["users"][1], "{me}");
    let series: Vec<(i64, i64, i64, i64)> = me["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let start = sentrial_collector::parse_time(b["start"].as_str().unwrap()).unwrap();
            (
                (start - T0) / HOUR,
                b["sessions"].as_i64().unwrap(),
                b["failed"].as_i64().unwrap(),
                b["conversations"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(series, [(1, 1, 0, 1), (2, 1, 1, 1), (3, 1, 0, 1)]);
    assert_eq!(me["series"][0]["total_tokens"], 120);
    let convos = me["conversations"].as_array().unwrap();
    assert_eq!(
        convos
            .iter()
            .map(|c| (
                c["convo_id"].as_str().unwrap(),
                c["sessions"].as_i64().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("c2", 1), ("c1", 2)],
        "latest first"
    );
    assert_eq!(convos[1]["failed"], 1);
    assert!((convos[1]["cost_usd"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    assert_eq!(
        convos[1]["first_at"],
        sentrial_collector::iso8601(T0 + HOUR)
    );
    assert_eq!(
        me["last_seen_ever"],
        sentrial_collector::iso8601(T0 + 3 * HOUR)
    );
    // A score named, as the list takes it.
    let (_, scored) = get(format!(
        "/api/analytics/users/bob_smith?{RANGE}&score=accuracy"
    ))
    .await;
    assert_eq!(scored["totals"]["avg_score"], Value::Null);
    let (_, scored) = get(format!("/api/analytics/users/alice?{RANGE}&score=helpful")).await;
    assert!((scored["totals"]["avg_score"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    // Out of the range: nothing in it, but when she was last seen.
    let (status, before) = get("/api/analytics/users/alice?from=0&to=1000&bucket=day".into()).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(
        (
            &before["totals"]["sessions"],
            &before["series"],
            &before["last_seen_ever"]
        ),
        (
            &Value::from(0),
            &Value::Array(vec![]),
            &me["last_seen_ever"]
        )
    );
    let (status, body) = get(format!("/api/analytics/users/nobody?{RANGE}")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].is_string());
    let (status, body) = get(format!("/api/analytics/users/alice?{RANGE}&bucket=minute")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("bucket"), "{body}");
}

/// The ids of the sessions list at `query`, sorted.
async fn listed(srv: &TestServer, query: &str) -> Vec<String> {
    let (status, body) = srv.get(KEY, &format!("/api/sessions?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    listed_ids(&body)
}

#[tokio::test]
async fn the_values_seen_are_offered_and_each_opens_its_sessions() {
    let srv = TestServer::start(&[]).await;
    use SessionStatus::Completed as Ok_;
    let mut events = Vec::new();
    for (id, version, model, calls) in [
        ("a", "1.2.0", "claude-sonnet-4-5", 1),
        ("b", "1.2.0", "claude-sonnet-4-5", 0),
        ("c", "1.2.0", "claude-haiku-4-5", 2),
        ("d", "1.3.0", "claude-haiku-4-5", 1),
    ] {
        events.extend(versioned(id, version, model, 100, 0.1, Ok_, calls));
    }
    events.push(call(
        "d",
        7,
        "mcp__gh__search",
        T0 + HOUR,
        5,
        ToolStatus::Success,
        Some("gh"),
    ));
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");
    let seen = |by: &'static str| {
        let srv = &srv;
        async move {
            let (status, body) = srv
                .get(KEY, &format!("/api/analytics/values?{RANGE}&by={by}"))
                .await;
            assert_eq!(status, 200, "{by}: {body}");
            body["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        v["value"].as_str().unwrap().to_string(),
                        v["sessions"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let s = |v: &str, n: i64| (v.to_string(), n);
    assert_eq!(
        seen("metadata.version").await,
        [s("1.2.0", 3), s("1.3.0", 1)]
    );
    assert_eq!(
        seen("model").await,
        [s("claude-haiku-4-5", 2), s("claude-sonnet-4-5", 2)]
    );
    assert_eq!(seen("agent").await, [s("agent", 4)]);
    assert!(seen("metadata.nope").await.is_empty());
    let (status, body) = srv.get(KEY, "/api/analytics/values?by=colour").await;
    assert_eq!(status, 400, "{body}");

    // The sessions behind each value: the list's filters select them.
    assert_eq!(
        listed(&srv, "metadata_key=version&metadata_value=1.2.0").await,
        ["a", "b", "c"]
    );
    assert_eq!(
        listed(&srv, "metadata_key=env&metadata_value=prod")
            .await
            .len(),
        4
    );
    assert!(listed(&srv, "metadata_key=version&metadata_value=9")
        .await
        .is_empty());
    assert_eq!(listed(&srv, "model=claude-haiku-4-5").await, ["c", "d"]);
    assert_eq!(listed(&srv, "tool=Bash").await, ["a", "c", "d"]);
    assert_eq!(listed(&srv, "tool=mcp__gh__search").await, ["d"]);
    assert_eq!(listed(&srv, "mcp_server=gh").await, ["d"]);
    assert_eq!(
        listed(
            &srv,
            "tool=Bash&model=claude-sonnet-4-5&metadata_key=version&metadata_value=1.2.0"
        )
        .await,
        ["a"]
    );
    let (status, body) = srv.get(KEY, "/api/sessions?metadata_key=version").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("metadata_value"),
        "{body}"
    );
    // The export takes the same filters.
    let resp = srv
        .send(
            "GET",
            KEY,
            "/api/export/sessions?format=jsonl&tool=Bash&model=claude-haiku-4-5",
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap().lines().count(), 2);
}
