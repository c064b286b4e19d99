//! The storage suite, run against every store through the `Store` trait: SQLite always, and
//! PostgreSQL on a new database of the server at `SENTRIAL_TEST_DATABASE_URL` (started by
//! `scripts/test.sh` with `scripts/postgres.sh`; with `SENTRIAL_REQUIRE_POSTGRES=1` a missing URL
//! fails instead of leaving PostgreSQL untested). Each test asserts the same things of both, and
//! `both_stores_answer_alike` compares their answers field for field. The PostgreSQL-only tests
//! run two collectors' stores on one database at once.

mod common;

use std::sync::Arc;

use common::stores::{detail, page, put, q, shuffle, stores};
use common::{
    denied_call, end, event, fresh_postgres, full_session, marker, model_with, postgres_required,
    start, tool, tool_use,
};
use sentrial_collector::store::{
    ListQuery, OverviewQuery, PgStore, SqliteStore, Store, StoreError,
};
use sentrial_collector::Scopes;
use sentrial_protocol::*;
use serde_json::{json, Value};

fn model_call(session: &str, id: &str, ts: i64, parent: Option<&str>) -> Event {
    event(
        session,
        id,
        ts,
        Payload::ModelCall(ModelCall {
            message_id: format!("msg-{id}"),
            model: "claude-sonnet-4-5".into(),
            stop_reason: Some("tool_use".into()),
            input_tokens: 3,
            output_tokens: 40,
            cache_read_tokens: 100,
            cache_creation_tokens: 50,
            parent_tool_use_id: parent.map(String::from),
            started_at: ts - 5,
            ended_at: ts,
            ..Default::default()
        }),
    )
}

fn subagent(session: &str, id: &str, ts: i64, status: &str, tokens: Option<u64>) -> Event {
    event(
        session,
        id,
        ts,
        Payload::Subagent(Subagent {
            tool_use_id: "task-1".into(),
            agent_id: Some("agent-7".into()),
            agent_type: Some("general-purpose".into()),
            description: Some("look around".into()),
            status: status.into(),
            background: false,
            total_tokens: tokens,
            tool_uses: tokens.map(|_| 2),
            duration_ms: tokens.map(|_| 900),
            summary: None,
        }),
    )
}

/// A session with every kind of event: start, turns, tool calls (one replaced by its outcome,
/// one denied after its error), model calls in and out of a sub-agent, the sub-agent's records,
/// markers (one sent again, older, with other data), results and an end; and every later field
/// of protocol v1. All runs made by it resume the same Claude session, so they form a chain.
fn rich_session(id: &str, t0: i64) -> Vec<Event> {
    let mut events = full_session(id, t0);
    if let Payload::SessionStart(st) = &mut events[0].payload {
        st.resumed_from = st.claude_session_id.clone();
        st.entry_point = Some("query".into());
        st.mcp_servers = vec![McpServer {
            name: "calc".into(),
            status: "connected".into(),
        }];
    }
    let carried = Usage {
        prompt_tokens: 7,
        total_tokens: 7,
        cost_usd: 0.5,
        ..Default::default()
    };
    for e in &mut events {
        match &mut e.payload {
            Payload::SessionResult(r) => {
                r.terminal_reason = Some("completed".into());
                r.position = Some(20 + r.index);
                r.carried = Some(carried.clone());
            }
            Payload::SessionEnd(end) => end.carried = Some(carried.clone()),
            _ => {}
        }
    }
    events.extend(denied_call(id, "denied-1", t0 + 50, "Blocked by policy"));
    events.push(tool(
        id,
        &format!("{id}-mcp"),
        t0 + 45,
        ToolCall {
            tool_use_id: "mcp-1".into(),
            tool_name: "mcp__calc__add".into(),
            seq: 8,
            input: json!({ "a": 2, "b": 3 }),
            updated_input: Some(json!({ "a": 2, "b": 3, "round": true })),
            output: json!("5"),
            started_at: Some(t0 + 44),
            ended_at: Some(t0 + 45),
            position: Some(8),
            ..Default::default()
        },
    ));
    events.push(model_with(
        id,
        "m3",
        t0 + 42,
        7,
        None,
        vec![
            Block::Thinking {
                thinking: "add them".into(),
            },
            Block::RedactedThinking,
            tool_use("mcp-1", "mcp__calc__add"),
        ],
    ));
    let retry = |n: &str, ts: i64, attempt: u32| {
        marker(
            id,
            &format!("{id}-{n}"),
            ts,
            4,
            "api_retry",
            None,
            json!({ "attempt": attempt }),
        )
    };
    events.push(retry("retry", t0 + 41, 2));
    events.push(retry("retry-older", t0 + 40, 1));
    events.push(marker(
        id,
        &format!("{id}-compact"),
        t0 + 39,
        3,
        "compact",
        Some("toolu_0"),
        json!({ "pre_tokens": 1000, "post_tokens": 100 }),
    ));
    events.push(event(
        id,
        &format!("{id}-in1"),
        t0 + 1,
        Payload::SessionInput(SessionInput {
            turn: 1,
            text: format!("follow-up of {id}"),
            ..Default::default()
        }),
    ));
    events.push(model_call(id, &format!("{id}-m1"), t0 + 20, None));
    events.push(model_call(id, &format!("{id}-m2"), t0 + 30, Some("task-1")));
    events.push(subagent(id, &format!("{id}-a1"), t0 + 21, "running", None));
    events.push(subagent(
        id,
        &format!("{id}-a2"),
        t0 + 35,
        "completed",
        Some(1234),
    ));
    events
}

#[tokio::test]
async fn any_arrival_order_gives_the_same_session() {
    for (name, _, _keep) in stores().await {
        let events = rich_session("s1", 1_000);
        let mut expected = None;
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for round in 0..12 {
            // A new database per order: the same store kind, nothing shared.
            let fresh = stores().await.into_iter().find(|s| s.0 == name).unwrap();
            let store = fresh.1.as_ref();
            let mut shuffled = events.clone();
            if round == 1 {
                shuffled.reverse();
            } else if round > 1 {
                shuffle(&mut shuffled, &mut seed);
            }
            if round % 2 == 0 {
                put(store, "p", &shuffled).await;
            } else {
                for e in &shuffled {
                    put(store, "p", std::slice::from_ref(e)).await;
                }
            }
            let got = detail(store, "p", "s1").await;
            match &expected {
                None => expected = Some(got),
                Some(want) => assert_eq!(&got, want, "{name}, round {round}"),
            }
        }
        let s = expected.unwrap();
        assert_eq!(s["status"], "completed", "{name}");
        assert_eq!(s["tool_calls"][0]["subagent"], Value::Null, "{name}");
        assert_eq!(s["model_calls"].as_array().unwrap().len(), 3, "{name}");
        // Whichever came first, the denial keeps the reason its tool_result gave.
        let denied = &s["tool_calls"][3];
        assert_eq!(
            (&denied["status"], &denied["error"], &denied["denied_by"]),
            (
                &json!("denied"),
                &json!("Blocked by policy"),
                &json!("hook")
            ),
            "{name}"
        );
        assert_eq!(
            s["markers"],
            json!([
                {"position": 3, "kind": "compact", "at": "1970-01-01T00:00:01.039Z",
                 "parent_tool_use_id": "toolu_0", "data": {"pre_tokens": 1000, "post_tokens": 100}},
                {"position": 4, "kind": "api_retry", "at": "1970-01-01T00:00:01.041Z",
                 "parent_tool_use_id": null, "data": {"attempt": 2}},
            ]),
            "{name}: one marker a position, the newer event's"
        );
    }
}

#[tokio::test]
async fn duplicates_are_counted_and_not_applied_again() {
    for (name, store, _keep) in stores().await {
        let events = rich_session("s1", 1_000);
        let n = events.len() as u64;
        let first = put(store.as_ref(), "p", &events).await;
        assert_eq!((first.accepted, first.duplicates), (n, 0), "{name}");
        let again = put(store.as_ref(), "p", &events[..4]).await;
        assert_eq!((again.accepted, again.duplicates), (0, 4), "{name}");
        let stored = store
            .session_events("p".into(), "s1".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.len() as u64, n, "{name}");
        // The same ids in another project are that project's own events.
        assert_eq!(put(store.as_ref(), "q", &events[..1]).await.accepted, 1);
        // Twice in one batch: stored once.
        let twice = [events[0].clone(), events[0].clone()];
        let r = put(store.as_ref(), "r", &twice).await;
        assert_eq!((r.accepted, r.duplicates), (1, 1), "{name}");
    }
}

#[tokio::test]
async fn a_placeholder_is_running_and_an_end_never_turns_back_to_running() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        put(s, "p", &[model_call("x", "x1", 500, None)]).await;
        put(s, "p", &[model_call("x", "x2", 400, None)]).await;
        let list = s.list_sessions("p".into(), q()).await.unwrap();
        let x = &list.sessions[0];
        assert_eq!(
            (x.status.as_str(), x.agent.as_deref(), x.sort_ts),
            ("running", None, 400),
            "{name}: sorted by its earliest event"
        );
        let mut late = end("x", 300, SessionStatus::Failed);
        late.id = "late".into();
        let mut odd = end("x", 400, SessionStatus::Running);
        odd.id = "odd".into();
        put(
            s,
            "p",
            &[late, end("x", 200, SessionStatus::Completed), odd],
        )
        .await;
        let d = detail(s, "p", "x").await;
        assert_eq!(d["status"], "failed", "{name}");
    }
}

#[tokio::test]
async fn pages_filters_and_text_search() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        for i in 0..7 {
            let id = format!("s{i}");
            let t = 10_000 + i * 1_000;
            let convo = (i % 2 == 0).then_some("c-even");
            let mut events = vec![start(&id, t, &format!("agent-{}", i % 3), "u", convo)];
            if let Payload::SessionStart(st) = &mut events[0].payload {
                st.input = Some(format!("Prompt number {i}: FIX the 100% broken_thing"));
                st.user_id = if i < 3 { "alice".into() } else { "bob".into() };
            }
            let status = if i == 4 {
                SessionStatus::Failed
            } else {
                SessionStatus::Completed
            };
            events.push(end(&id, t + 500, status));
            put(s, "p", &events).await;
        }
        // A session whose prompt only came as streamed turns.
        put(
            s,
            "p",
            &[event(
                "streamed",
                "streamed-in",
                5_000,
                Payload::SessionInput(SessionInput {
                    turn: 0,
                    text: "a Streamed Needle".into(),
                    ..Default::default()
                }),
            )],
        )
        .await;
        let all = page(s, q()).await;
        assert_eq!(
            all,
            ["s6", "s5", "s4", "s3", "s2", "s1", "s0", "streamed"],
            "{name}"
        );
        // Cursor paging walks the same order.
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let p = s
                .list_sessions(
                    "p".into(),
                    ListQuery {
                        limit: 3,
                        after: after.clone(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            walked.extend(p.sessions.into_iter().map(|s| s.id));
            match p.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        assert_eq!(walked, all, "{name}");
        let only = |f: fn(&mut ListQuery)| {
            let mut query = q();
            f(&mut query);
            query
        };
        assert_eq!(
            page(s, only(|q| q.user_id = Some("alice".into()))).await,
            ["s2", "s1", "s0"],
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.agent = Some("agent-1".into()))).await,
            ["s4", "s1"],
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.convo_id = Some("c-even".into()))).await,
            ["s6", "s4", "s2", "s0"],
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.status = Some(SessionStatus::Failed))).await,
            ["s4"],
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.status = Some(SessionStatus::Running))).await,
            ["streamed"],
            "{name}"
        );
        assert_eq!(
            page(
                s,
                only(|q| {
                    q.from = Some(11_000);
                    q.to = Some(13_000)
                })
            )
            .await,
            ["s2", "s1"],
            "{name}"
        );
        // Case-insensitive substrings, streamed turns included; wildcards are literal.
        assert_eq!(
            page(s, only(|q| q.text = Some("number 3: fix".into()))).await,
            ["s3"],
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.text = Some("needle".into()))).await,
            ["streamed"],
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.text = Some("0%".into()))).await.len(),
            7,
            "{name}"
        );
        assert_eq!(
            page(s, only(|q| q.text = Some("n_b".into()))).await.len(),
            0,
            "{name}: `_` is not a wildcard"
        );
        assert_eq!(
            page(s, only(|q| q.text = Some("%".into()))).await.len(),
            7,
            "{name}"
        );
        // Another project sees none of it.
        let other = s.list_sessions("other".into(), q()).await.unwrap().sessions;
        assert!(other.is_empty(), "{name}");
        assert!(s
            .get_session("other".into(), "s1".into())
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn conversations_and_the_overview() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        for i in 0..4 {
            let id = format!("c{i}");
            let mut events = full_session(&id, 86_400_000 + i * 3_600_000);
            if let Payload::SessionStart(st) = &mut events[0].payload {
                st.convo_id = Some("thread".into());
            }
            put(s, "p", &events).await;
        }
        let c = s
            .conversation("p".into(), "thread".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.session_count, 4, "{name}");
        assert_eq!(
            c.sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["c0", "c1", "c2", "c3"],
            "{name}"
        );
        assert!(s
            .conversation("p".into(), "none".into())
            .await
            .unwrap()
            .is_none());
        let o = s
            .overview(
                "p".into(),
                OverviewQuery {
                    from: 0,
                    to: 3 * 86_400_000,
                    bucket_ms: 86_400_000,
                },
            )
            .await
            .unwrap();
        assert_eq!(o.totals.sessions, 4, "{name}");
        assert_eq!(o.series.len(), 1, "{name}");
        assert_eq!(o.series[0].start.0, 86_400_000, "{name}");
        assert!(!o.tools_most_called.is_empty(), "{name}");
    }
}

/// Regression: one session reporting absurd token counts made SQLite's `SUM` fail with
/// "integer overflow", and every overview of its range answered 500 from then on.
#[tokio::test]
async fn sums_saturate_instead_of_failing() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        for id in ["big1", "big2"] {
            let mut events = vec![start(id, 1_000, "a", "u", Some("t"))];
            let mut e = end(id, 2_000, SessionStatus::Completed);
            if let Payload::SessionEnd(end) = &mut e.payload {
                end.usage.total_tokens = u64::MAX;
                end.duration_ms = u64::MAX;
            }
            events.push(e);
            put(s, "p", &events).await;
        }
        let o = s
            .overview(
                "p".into(),
                OverviewQuery {
                    from: 0,
                    to: 10_000,
                    bucket_ms: 1_000,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(o.totals.total_tokens, i64::MAX, "{name}");
        let c = s
            .conversation("p".into(), "t".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.total_tokens, c.total_duration_ms),
            (i64::MAX, i64::MAX),
            "{name}"
        );
    }
}

#[tokio::test]
async fn nul_characters_are_stored_and_read_back() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let mut events = vec![start("n\0ul", 1_000, "a\0gent", "u", None)];
        if let Payload::SessionStart(st) = &mut events[0].payload {
            st.input = Some("before\0after".into());
            st.metadata.insert("k\0ey".into(), json!("v\0al"));
            st.convo_id = Some("con\0vo".into());
        }
        assert_eq!(put(s, "p", &events).await.accepted, 1, "{name}");
        // SQLite keeps the character; PostgreSQL text cannot hold it and gets U+FFFD.
        let nul = if name == "sqlite" { "\0" } else { "\u{FFFD}" };
        let d = detail(s, "p", "n\0ul").await;
        assert_eq!(d["input"], format!("before{nul}after"), "{name}");
        assert_eq!(d["agent"], format!("a{nul}gent"), "{name}");
        // JSON columns keep it on both: JSON text spells it `\u0000`.
        assert_eq!(d["metadata"]["k\0ey"], "v\0al", "{name}");
        let found = page(
            s,
            ListQuery {
                agent: Some("a\0gent".into()),
                ..q()
            },
        )
        .await;
        assert_eq!(found.len(), 1, "{name}");
        // A conversation is found by its id as given, and named as stored.
        let convo = s
            .conversation("p".into(), "con\0vo".into())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: no conversation"));
        assert_eq!(convo.convo_id, format!("con{nul}vo"), "{name}");
        assert_eq!(convo.sessions.len(), 1, "{name}");
        let events = s.session_events("p".into(), "n\0ul".into()).await.unwrap();
        assert_eq!(events.map(|e| e.len()), Some(1), "{name}");
    }
}

#[tokio::test]
async fn keys_and_the_health_ping() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        assert_eq!(s.key_count().await.unwrap(), 0, "{name}");
        s.add_key("h1".into(), "p1".into(), Scopes::FULL)
            .await
            .unwrap();
        s.add_key("h1".into(), "p2".into(), Scopes::FULL)
            .await
            .unwrap();
        s.add_key("h2".into(), "p2".into(), Scopes::FULL)
            .await
            .unwrap();
        assert_eq!(s.key_count().await.unwrap(), 2, "{name}");
        assert_eq!(
            s.live_key("h1".into()).await.unwrap().map(|k| k.project),
            Some("p1".into()),
            "{name}: the first project a key was stored for stays"
        );
        assert_eq!(s.live_key("nope".into()).await.unwrap(), None);
        s.ping().await.unwrap();
        s.close().await;
        let after = s.ingest("p".into(), vec![]).await;
        assert!(
            matches!(after, Err(StoreError::Closed)),
            "{name}: {after:?}"
        );
        let ping = s.ping().await;
        assert!(
            matches!(ping, Err(StoreError::Closed)),
            "{name}: a closed store is not healthy: {ping:?}"
        );
    }
}

#[tokio::test]
async fn both_stores_answer_alike() {
    let all = stores().await;
    if all.len() < 2 {
        return;
    }
    let mut events = Vec::new();
    for i in 0..6 {
        events.extend(rich_session(&format!("r{i}"), 1_000_000 + i * 60_000));
    }
    let mut seed = 7;
    shuffle(&mut events, &mut seed);
    let mut answers = Vec::new();
    for (name, store, _keep) in &all {
        let s = store.as_ref();
        for chunk in events.chunks(7) {
            put(s, "p", chunk).await;
        }
        let mut answer = json!({});
        for i in 0..6 {
            let id = format!("r{i}");
            answer[&id] = detail(s, "p", &id).await;
            let evs = s
                .session_events("p".into(), id.clone())
                .await
                .unwrap()
                .unwrap();
            answer[format!("{id}-events")] = json!(evs
                .iter()
                .map(|e| (&e.id, &e.kind, e.ts.0))
                .collect::<Vec<_>>());
        }
        let mut list = serde_json::to_value(
            s.list_sessions("p".into(), ListQuery { limit: 4, ..q() })
                .await
                .unwrap()
                .sessions,
        )
        .unwrap();
        for item in list.as_array_mut().unwrap() {
            item["received_at"] = Value::Null;
        }
        answer["list"] = list;
        answer["search"] = json!(
            page(
                s,
                ListQuery {
                    text: Some("FINAL ANSWER".into()),
                    ..q()
                }
            )
            .await
        );
        let overview = s
            .overview(
                "p".into(),
                OverviewQuery {
                    from: 0,
                    to: 2_000_000,
                    bucket_ms: 60_000,
                },
            )
            .await
            .unwrap();
        answer["overview"] = serde_json::to_value(overview).unwrap();
        answers.push((name, answer));
    }
    // Sums of floats may differ in the last bit (each engine adds in its own way).
    let (a, b) = (&round_floats(&answers[0].1), &round_floats(&answers[1].1));
    for key in a.as_object().unwrap().keys() {
        assert_eq!(a[key], b[key], "sqlite and postgres differ at {key}");
    }
    assert_eq!(
        answers[0].1["search"],
        json!(["r5", "r4", "r3", "r2", "r1", "r0"])
    );
}

/// `v` with every non-integer number rounded to 12 significant digits.
fn round_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap();
            json!(format!("{f:.12e}").parse::<f64>().unwrap())
        }
        Value::Array(items) => Value::Array(items.iter().map(round_floats).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), round_floats(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Two collectors on one PostgreSQL database, each a store with its own connection pool,
/// ingesting the same sessions at once, in other orders, each batch sent to both (a load
/// balancer retrying on the other instance): every session is stored once, as one collector
/// alone stores it, and every event once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collectors_sharing_one_postgres_agree() {
    let Some(url) = fresh_postgres().await else {
        assert!(
            !postgres_required(),
            "SENTRIAL_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
    let (a, b) = (Arc::new(a.unwrap()), Arc::new(b.unwrap()));
    let mut events = Vec::new();
    for i in 0..40 {
        events.extend(rich_session(&format!("m{i}"), 2_000_000 + i * 1_000));
    }
    let unique = events.len();
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        let mut mine = events.clone();
        let mut seed = n as u64 + 1;
        shuffle(&mut mine, &mut seed);
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            for chunk in mine.chunks(25) {
                accepted += store
                    .ingest("p".into(), chunk.to_vec())
                    .await
                    .unwrap()
                    .accepted;
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.unwrap();
    }
    assert_eq!(
        accepted as usize, unique,
        "each event accepted exactly once"
    );
    let dir = tempfile::tempdir().unwrap();
    let alone = SqliteStore::open(dir.path().join("alone.db")).unwrap();
    put(&alone, "p", &events).await;
    for i in 0..40 {
        let id = format!("m{i}");
        let want = detail(&alone, "p", &id).await;
        assert_eq!(detail(a.as_ref(), "p", &id).await, want, "{id} via a");
        assert_eq!(detail(b.as_ref(), "p", &id).await, want, "{id} via b");
    }
    let listed = a
        .list_sessions("p".into(), ListQuery { limit: 500, ..q() })
        .await
        .unwrap();
    assert_eq!(listed.sessions.len(), 40);
}

#[tokio::test]
async fn postgres_migrations_run_once_and_refuse_a_newer_schema() {
    let Some(url) = fresh_postgres().await else {
        assert!(
            !postgres_required(),
            "SENTRIAL_TEST_DATABASE_URL is not set"
        );
        return;
    };
    // Four collectors starting at once on an empty database.
    let (a, b, c, d) = tokio::join!(
        PgStore::connect(&url),
        PgStore::connect(&url),
        PgStore::connect(&url),
        PgStore::connect(&url)
    );
    for s in [a, b, c, d] {
        s.unwrap();
    }
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let versions: Vec<i64> = client
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: Vec<i64> = (1..=sentrial_collector::store::PG_SCHEMA_VERSION).collect();
    assert_eq!(versions, expected);
    client
        .execute("INSERT INTO schema_version (version) VALUES (99)", &[])
        .await
        .unwrap();
    match PgStore::connect(&url).await {
        Err(StoreError::SchemaTooNew { found: 99, .. }) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}
