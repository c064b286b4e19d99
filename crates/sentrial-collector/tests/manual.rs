//! Manual sessions (protocol 4) over real HTTP, on SQLite and, when SENTRIAL_TEST_DATABASE_URL
//! is set, on PostgreSQL: a manual session's name, tool calls with reasoning, a decision, an
//! error, reported model calls with and without cost, custom metrics and a tree of child
//! sessions read back; the same events shuffled and duplicated give the same answers; the
//! list's name, parent and metric filters; the overview's metric averages; user deletion.

mod common;

use std::collections::BTreeMap;

use common::stores::shuffle;
use common::{event, fresh_postgres, listed_ids, parse, postgres_required, TestServer, KEY};
use sentrial_protocol::*;
use serde_json::{json, Map, Value};

/// A second project's key on every server.
const OTHER: &str = "sk-other-project-0123456789abcdef";

/// A server on each store: SQLite, and PostgreSQL when the suite has one.
async fn servers() -> Vec<(&'static str, TestServer)> {
    let stored = [(OTHER, "other")];
    let sqlite = TestServer::start_with(&stored, |c| c.database_url = None).await;
    let mut out = vec![("sqlite", sqlite)];
    match fresh_postgres().await {
        Some(url) => {
            let pg = TestServer::start_with(&stored, |c| c.database_url = Some(url)).await;
            out.push(("postgres", pg));
        }
        None if postgres_required() => panic!("SENTRIAL_REQUIRE_POSTGRES=1 without a URL"),
        None => eprintln!("PostgreSQL not tested: SENTRIAL_TEST_DATABASE_URL is not set"),
    }
    out
}

/// Posts `events` as one protocol-4 batch with `key`.
async fn post(srv: &TestServer, key: &str, events: &[Event]) -> (u16, Value) {
    let body = json!({"protocol": MANUAL_PROTOCOL_VERSION, "events": events});
    let resp = srv
        .client
        .post(format!("{}{INGEST_PATH}", srv.url))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    parse(resp).await
}

/// Minutes ago, ms.
fn ago(minutes: i64) -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - minutes * 60_000
}

/// A manual session's start.
fn start(id: &str, t0: i64, name: &str, agent: &str, parent: Option<&str>) -> Event {
    event(
        id,
        &format!("{id}-start"),
        t0,
        Payload::SessionStart(SessionStart {
            agent: agent.into(),
            user_id: "alice".into(),
            input: Some(format!("do {name}")),
            started_at: t0,
            entry_point: Some(ENTRY_MANUAL.into()),
            name: Some(name.into()),
            parent_session_id: parent.map(String::from),
            ..Default::default()
        }),
    )
}

/// An end with `metrics`, `cost` summed from its model calls, event id `{id}-{tag}`.
fn end(id: &str, tag: &str, ts: i64, cost: f64, metrics: &[(&str, f64)]) -> Event {
    event(
        id,
        &format!("{id}-{tag}"),
        ts,
        Payload::SessionEnd(SessionEnd {
            status: SessionStatus::Completed,
            ended_at: ts,
            duration_ms: 500,
            usage: Usage {
                prompt_tokens: 30,
                completion_tokens: 12,
                total_tokens: 42,
                cost_usd: cost,
                ..Default::default()
            },
            metrics: metrics.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
            ..Default::default()
        }),
    )
}

/// The orchestrator `m1` (a tool call with reasoning, a decision, an error, two reported model
/// calls, metrics, and an older end whose metrics a newer one replaces), its child `c1` and
/// grandchild `g1`.
fn family(t0: i64) -> Vec<Event> {
    let ev = |n: i64, payload| event("m1", &format!("m1-e{n}"), t0 + n, payload);
    let mut context = Map::new();
    context.insert("step".into(), json!("lookup"));
    vec![
        start("m1", t0, "triage", "orchestrator", None),
        ev(
            1,
            Payload::LlmCall(LlmCall {
                call_id: "llm-1".into(),
                position: 1,
                model: "gpt-4o".into(),
                input_tokens: 20,
                output_tokens: 8,
                cost_usd: Some(0.0125),
                input: Some("What is the order status?".into()),
                output: Some("Look it up.".into()),
                started_at: t0,
                ended_at: t0 + 1,
                ..Default::default()
            }),
        ),
        ev(
            2,
            Payload::ToolCall(ToolCall {
                tool_use_id: "tool-1".into(),
                tool_name: "lookup_order".into(),
                seq: 1,
                status: ToolStatus::Success,
                input: json!({"order": 42}),
                output: json!({"status": "shipped"}),
                duration_ms: Some(30),
                started_at: Some(t0 + 1),
                ended_at: Some(t0 + 2),
                position: Some(2),
                reasoning: Some("The user asked about order 42".into()),
                ..Default::default()
            }),
        ),
        ev(
            3,
            Payload::Decision(Decision {
                position: 3,
                at: t0 + 3,
                reasoning: "Shipped orders cannot be cancelled".into(),
                alternatives: vec!["cancel".into(), "explain".into()],
                chosen: Some("explain".into()),
            }),
        ),
        ev(
            4,
            Payload::Error(SessionError {
                position: 4,
                at: t0 + 4,
                message: "rate limited".into(),
                error_type: Some("RateLimitError".into()),
                stack: Some("at call (agent.js:1)".into()),
                context,
            }),
        ),
        ev(
            5,
            Payload::LlmCall(LlmCall {
                call_id: "llm-2".into(),
                position: 5,
                model: "claude-haiku-4-5".into(),
                input_tokens: 10,
                output_tokens: 4,
                input: Some("Say it kindly".into()),
                started_at: t0 + 4,
                ended_at: t0 + 5,
                ..Default::default()
            }),
        ),
        end(
            "m1",
            "end-old",
            t0 + 8,
            0.0125,
            &[("old", 1.0), ("satisfaction", 1.0)],
        ),
        end(
            "m1",
            "end",
            t0 + 9,
            0.0125,
            &[("satisfaction", 4.5), ("steps", 3.0)],
        ),
        start("c1", t0 + 2, "lookup", "worker", Some("m1")),
        end("c1", "end", t0 + 6, 0.001, &[("satisfaction", 3.0)]),
        start("g1", t0 + 3, "fetch", "worker", Some("c1")),
    ]
}

async fn session(srv: &TestServer, key: &str, id: &str) -> Value {
    let (status, mut body) = srv.get(key, &format!("/api/sessions/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body["received_at"] = Value::Null;
    body
}

#[tokio::test]
async fn a_manual_session_and_its_children_read_back_in_any_order() {
    let t0 = ago(30);
    for (kind, srv) in servers().await {
        let events = family(t0);
        let (status, body) = post(&srv, KEY, &events).await;
        assert_eq!(
            (status, body["accepted"].clone()),
            (200, json!(11)),
            "{kind}: {body}"
        );

        let m1 = session(&srv, KEY, "m1").await;
        assert_eq!(m1["name"], "triage", "{kind}");
        assert_eq!(m1["parent_session_id"], Value::Null);
        assert_eq!(m1["entry_point"], "manual");
        // No result is no issue for a manual session: its end is its outcome.
        assert_eq!(m1["issues"], json!([]), "{kind}");
        assert_eq!(
            m1["metrics"],
            json!({"satisfaction": 4.5, "steps": 3.0}),
            "{kind}"
        );
        assert_eq!(
            m1["tool_calls"][0]["reasoning"],
            "The user asked about order 42"
        );
        let calls = m1["model_calls"].as_array().unwrap();
        assert_eq!(calls.len(), 2, "{kind}: {m1}");
        assert_eq!(calls[0]["message_id"], "llm-1");
        assert_eq!(calls[0]["prompt"], "What is the order status?");
        assert_eq!(calls[0]["cost_usd"], 0.0125);
        assert_eq!(calls[0]["cost_estimated"], false);
        assert_eq!(
            calls[0]["content"],
            json!([{"type": "text", "text": "Look it up."}])
        );
        assert_eq!(calls[1]["prompt"], "Say it kindly");
        assert_eq!(calls[1]["cost_usd"], Value::Null);
        assert_eq!(calls[1]["content"], json!([]));
        assert_eq!(
            m1["markers"],
            json!([
                {"position": 3, "kind": "decision", "at": m1["markers"][0]["at"],
                 "parent_tool_use_id": null,
                 "data": {"reasoning": "Shipped orders cannot be cancelled",
                          "alternatives": ["cancel", "explain"], "chosen": "explain"}},
                {"position": 4, "kind": "error", "at": m1["markers"][1]["at"],
                 "parent_tool_use_id": null,
                 "data": {"message": "rate limited", "error_type": "RateLimitError",
                          "stack": "at call (agent.js:1)", "context": {"step": "lookup"}}},
            ]),
            "{kind}"
        );
        let tree = &m1["children"];
        assert_eq!(tree.as_array().unwrap().len(), 1, "{kind}: {m1}");
        assert_eq!(tree[0]["id"], "c1");
        assert_eq!(tree[0]["name"], "lookup");
        assert_eq!(tree[0]["agent"], "worker");
        assert_eq!(tree[0]["status"], "completed");
        assert_eq!(tree[0]["cost_usd"], 0.001);
        assert_eq!(tree[0]["children"][0]["id"], "g1");
        assert_eq!(tree[0]["children"][0]["status"], "running");
        let c1 = session(&srv, KEY, "c1").await;
        assert_eq!(c1["parent_session_id"], "m1");

        // The transcript holds the decision and the error at their places.
        let (_, transcript) = srv.get(KEY, "/api/sessions/m1/transcript").await;
        let kinds: Vec<String> = transcript["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| format!("{}:{}", i["type"], i["marker"].as_str().unwrap_or("")))
            .collect();
        assert!(
            kinds.iter().any(|k| k.ends_with(":decision"))
                && kinds.iter().any(|k| k.ends_with(":error")),
            "{kind}: {transcript}"
        );

        // The Markdown export names it, its parent's children, metrics, decision and error.
        let md = srv
            .send("GET", KEY, "/api/sessions/m1/export?format=md")
            .await;
        let md = md.text().await.unwrap();
        for line in [
            "- Name: triage",
            "- Metric satisfaction: 4.5",
            "- Child session: c1 lookup (completed)",
            "**Decision**: Shipped orders cannot be cancelled",
            "- explain (chosen)",
            "**Error**: rate limited",
        ] {
            assert!(md.contains(line), "{kind}: {line} in {md}");
        }

        // The same events, shuffled with duplicates, into another project: the same answers.
        let mut again = events.clone();
        again.extend(events.iter().step_by(2).cloned());
        let mut seed = 19;
        shuffle(&mut again, &mut seed);
        for chunk in again.chunks(3) {
            let (status, body) = post(&srv, OTHER, chunk).await;
            assert_eq!(status, 200, "{kind}: {body}");
        }
        for id in ["m1", "c1", "g1"] {
            assert_eq!(
                session(&srv, OTHER, id).await,
                session(&srv, KEY, id).await,
                "{kind}: {id}"
            );
        }
    }
}

#[tokio::test]
async fn the_list_filters_by_name_parent_and_metric() {
    let t0 = ago(30);
    for (kind, srv) in servers().await {
        post(&srv, KEY, &family(t0)).await;
        let ids = |path: &'static str| {
            let srv = &srv;
            async move {
                let (status, body) = srv.get(KEY, path).await;
                assert_eq!(status, 200, "{kind} {path}: {body}");
                listed_ids(&body)
            }
        };
        let (_, list) = srv.get(KEY, "/api/sessions?name=triage").await;
        assert_eq!(list["sessions"][0]["name"], "triage", "{kind}: {list}");
        assert_eq!(
            list["sessions"][0]["metrics"],
            json!({"satisfaction": 4.5, "steps": 3.0})
        );
        assert_eq!(ids("/api/sessions?name=triage").await, ["m1"]);
        assert_eq!(ids("/api/sessions?name=lookup").await, ["c1"]);
        assert_eq!(ids("/api/sessions?parent=m1").await, ["c1"]);
        assert_eq!(ids("/api/sessions?parent=c1").await, ["g1"]);
        assert_eq!(ids("/api/sessions?metric.satisfaction_min=4").await, ["m1"]);
        assert_eq!(ids("/api/sessions?metric.satisfaction_max=4").await, ["c1"]);
        assert_eq!(
            ids("/api/sessions?metric.satisfaction_min=3&metric.satisfaction_max=4.5").await,
            ["c1", "m1"]
        );
        assert_eq!(
            ids("/api/sessions?metric.steps_min=3&agent=orchestrator").await,
            ["m1"]
        );
        // The older end's metrics were replaced.
        assert!(ids("/api/sessions?metric.old_min=0").await.is_empty());
        assert!(ids("/api/sessions?metric.satisfaction_max=0.5")
            .await
            .is_empty());
        for bad in [
            "/api/sessions?metric.satisfaction_min=high",
            "/api/sessions?metric.satisfaction=4",
            "/api/sessions?metric.satisfaction_min=5&metric.satisfaction_max=1",
            "/api/export/sessions?format=csv&metric.steps_max=lots",
        ] {
            let (status, body) = srv.get(KEY, bad).await;
            assert_eq!(status, 400, "{kind} {bad}: {body}");
            assert!(body["error"].as_str().unwrap().contains("metric"), "{body}");
        }
        let (status, body) = srv.get(KEY, "/api/sessions?parnet=m1").await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("metric.*"),
            "{body}"
        );
        let resp = srv
            .send(
                "GET",
                KEY,
                "/api/export/sessions?format=csv&metric.satisfaction_min=4",
            )
            .await;
        let csv = resp.text().await.unwrap();
        assert_eq!(csv.lines().count(), 2, "{kind}: {csv}");
        assert!(
            csv.lines()
                .next()
                .unwrap()
                .ends_with(",received_at,name,parent_session_id,metrics"),
            "{csv}"
        );
        assert!(csv.contains(",triage,,"), "{csv}");
        assert!(
            csv.contains(r#""{""satisfaction"":4.5,""steps"":3"#),
            "{kind}: {csv}"
        );
    }
}

#[tokio::test]
async fn bad_metrics_in_a_batch_are_a_400_that_stores_nothing() {
    let t0 = ago(30);
    for (kind, srv) in servers().await {
        let long = "n".repeat(METRIC_NAME_MAX + 1);
        let many: Vec<(String, f64)> = (0..=METRICS_MAX).map(|i| (format!("m{i}"), 1.0)).collect();
        let many: Vec<(&str, f64)> = many.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        for metrics in [vec![("", 1.0)], vec![(long.as_str(), 1.0)], many] {
            let events = [
                start("bad", t0, "x", "a", None),
                end("bad", "end", t0 + 1, 0.0, &metrics),
            ];
            let (status, body) = post(&srv, KEY, &events).await;
            assert_eq!(status, 400, "{kind}: {body}");
            assert!(body["error"].as_str().unwrap().contains("metric"), "{body}");
        }
        let (status, _) = srv.get(KEY, "/api/sessions/bad").await;
        assert_eq!(status, 404, "{kind}");
    }
}

#[tokio::test]
async fn the_overview_averages_metrics_per_agent() {
    let t0 = ago(30);
    for (kind, srv) in servers().await {
        let mut events = family(t0);
        events.push(start("c2", t0 + 5, "lookup", "worker", Some("m1")));
        events.push(end("c2", "end", t0 + 7, 0.0, &[("satisfaction", 5.0)]));
        post(&srv, KEY, &events).await;
        let path = format!("/api/overview?from={}&to={}&bucket=day", ago(120), ago(-1));
        let (status, body) = srv.get(KEY, &path).await;
        assert_eq!(status, 200, "{kind}: {body}");
        let mut got: BTreeMap<(String, String), (f64, i64)> = BTreeMap::new();
        for m in body["metrics"].as_array().unwrap() {
            let key = (
                m["agent"].as_str().unwrap().into(),
                m["name"].as_str().unwrap().into(),
            );
            let entry = got.entry(key).or_default();
            entry.0 += m["average"].as_f64().unwrap() * m["count"].as_f64().unwrap();
            entry.1 += m["count"].as_i64().unwrap();
        }
        let want: BTreeMap<(String, String), (f64, i64)> = [
            (("orchestrator", "satisfaction"), (4.5, 1)),
            (("orchestrator", "steps"), (3.0, 1)),
            (("worker", "satisfaction"), (8.0, 2)),
        ]
        .into_iter()
        .map(|((a, n), v)| ((a.into(), n.into()), v))
        .collect();
        assert_eq!(got, want, "{kind}: {body}");
    }
}

#[tokio::test]
async fn deleting_the_user_leaves_no_metric() {
    let t0 = ago(30);
    for (kind, srv) in servers().await {
        post(&srv, KEY, &family(t0)).await;
        let resp = srv.send("DELETE", KEY, "/api/users/alice").await;
        let (status, body) = parse(resp).await;
        assert_eq!(status, 200, "{kind}: {body}");
        assert_eq!(body["deleted"]["session_metrics"], 3, "{kind}: {body}");
        // The same ids again, without an end: nothing of the old metrics is found.
        let (status, _) = post(
            &srv,
            KEY,
            &[start("m1", t0 + 100, "triage", "orchestrator", None)],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            session(&srv, KEY, "m1").await["metrics"],
            json!({}),
            "{kind}"
        );
        let (_, list) = srv
            .get(KEY, "/api/sessions?metric.satisfaction_min=0")
            .await;
        assert_eq!(list["sessions"], json!([]), "{kind}");
    }
}

/// The depth of a `children` tree: 0 when empty.
fn depth(children: &Value) -> usize {
    children
        .as_array()
        .unwrap()
        .iter()
        .map(|c| 1 + depth(&c["children"]))
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn children_form_a_bounded_tree_in_start_order() {
    let t0 = ago(30);
    for (kind, srv) in servers().await {
        // A chain r <- n1 <- ... <- n7, two more children of r, and a session that is its own
        // parent.
        let mut events = vec![start("r", t0, "root", "a", None)];
        for i in 1..=7 {
            let parent = if i == 1 {
                "r".to_string()
            } else {
                format!("n{}", i - 1)
            };
            events.push(start(&format!("n{i}"), t0 + i, "chain", "a", Some(&parent)));
        }
        events.push(start("late", t0 + 20, "late", "a", Some("r")));
        events.push(start("early", t0 - 5, "early", "a", Some("r")));
        events.push(start("self", t0, "self", "a", Some("self")));
        let (status, body) = post(&srv, KEY, &events).await;
        assert_eq!(status, 200, "{kind}: {body}");
        let r = session(&srv, KEY, "r").await;
        let ids: Vec<&str> = r["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["early", "n1", "late"], "{kind}");
        assert_eq!(depth(&r["children"]), 5, "{kind}: {r}");
        assert_eq!(
            session(&srv, KEY, "self").await["children"],
            json!([]),
            "{kind}"
        );
        let (_, list) = srv.get(KEY, "/api/sessions?parent=n6").await;
        assert_eq!(list["sessions"][0]["id"], "n7", "{kind}");
    }
}
