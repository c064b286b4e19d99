//! The storage suite, continued: protocol v1's later fields on every store (see `store.rs` for
//! how the stores are made), each rule in every arrival order that matters.

mod common;

use common::stores::{detail, page, put, q, stores};
use common::{end, event, marker, model_with, start, text, tool, tool_use};
use sentrial_collector::store::{ListQuery, OverviewQuery, Store};
use sentrial_protocol::*;
use serde_json::{json, Value};

/// Every order of `items`.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            out.push(tail);
        }
    }
    out
}

/// The stored call `tool_use_id` of session `s` after `events` arrive one batch each, in order.
async fn call_after(store: &dyn Store, s: &str, events: &[Event], tool_use_id: &str) -> Value {
    for e in events {
        put(store, "p", std::slice::from_ref(e)).await;
    }
    let d = detail(store, "p", s).await;
    d["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["tool_use_id"] == tool_use_id)
        .cloned()
        .unwrap_or_else(|| panic!("no call {tool_use_id} in {d}"))
}

fn outcome(call: &Value) -> (String, Value, Value) {
    (
        call["status"].as_str().unwrap().to_string(),
        call["error"].clone(),
        call["denied_by"].clone(),
    )
}

fn bash(id: &str, status: ToolStatus, error: Option<&str>, by: Option<&str>) -> ToolCall {
    ToolCall {
        tool_use_id: id.into(),
        tool_name: "Bash".into(),
        status,
        error: error.map(String::from),
        denied_by: by.map(String::from),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_denial_keeps_its_reason_whatever_arrives_first() {
    let denied = |e: Option<&str>, by: Option<&str>| bash("t", ToolStatus::Denied, e, by);
    let error = |e: &str| bash("t", ToolStatus::Error, Some(e), None);
    let open = bash("t", ToolStatus::NotCompleted, None, None);
    // (what arrives, at these ts) -> (status, error, denied_by), whatever the order.
    type Case = (Vec<(i64, ToolCall)>, (&'static str, Value, Value));
    let cases: Vec<Case> = vec![
        // The tool_result's reason, then a denial that names none (new SDKs: null).
        (
            vec![
                (10, error("Blocked: not in prod")),
                (20, denied(None, Some("hook"))),
            ],
            ("denied", json!("Blocked: not in prod"), json!("hook")),
        ),
        // Old SDKs' generic text is no reason either.
        (
            vec![
                (10, error("Blocked: not in prod")),
                (20, denied(Some("permission denied"), Some("hook"))),
            ],
            ("denied", json!("Blocked: not in prod"), json!("hook")),
        ),
        // A stream that closed the call first changes nothing.
        (
            vec![
                (5, open.clone()),
                (10, error("No rm")),
                (20, denied(None, None)),
            ],
            ("denied", json!("No rm"), Value::Null),
        ),
        // The newest reason wins; who denied, from whichever event says.
        (
            vec![
                (10, denied(Some("older reason"), Some("rule"))),
                (20, denied(Some("newer reason"), None)),
            ],
            ("denied", json!("newer reason"), json!("rule")),
        ),
        // A denial alone, with no reason anywhere.
        (
            vec![(20, denied(Some("permission denied"), Some("mode")))],
            ("denied", Value::Null, json!("mode")),
        ),
        // Not a denial in the end: the newest event's values, as for any call.
        (
            vec![
                (10, denied(Some("asked twice"), Some("hook"))),
                (20, error("ran, failed")),
            ],
            ("error", json!("ran, failed"), Value::Null),
        ),
    ];
    for (name, store, _keep) in stores().await {
        for (n, (events, want)) in cases.iter().enumerate() {
            let events: Vec<Event> = events
                .iter()
                .enumerate()
                .map(|(i, (ts, c))| tool_event(&format!("d{n}"), i, *ts, c.clone()))
                .collect();
            for (k, order) in permutations(&events).into_iter().enumerate() {
                let session = format!("d{n}-{k}");
                let order: Vec<Event> = order
                    .into_iter()
                    .map(|mut e| {
                        e.session_id = session.clone();
                        e.id = format!("{session}-{}", e.id);
                        e
                    })
                    .collect();
                let got = call_after(store.as_ref(), &session, &order, "t").await;
                let (status, error, by) = want.clone();
                assert_eq!(
                    outcome(&got),
                    (status.to_string(), error, by),
                    "{name}, case {n}, order {:?}",
                    order.iter().map(|e| &e.id).collect::<Vec<_>>()
                );
            }
        }
    }
}

fn tool_event(session: &str, n: usize, ts: i64, call: ToolCall) -> Event {
    tool(session, &format!("e{n}"), ts, call)
}

#[tokio::test]
async fn a_changed_input_and_the_mcp_server_are_kept() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let changed = json!({ "command": "ls --safe" });
        put(
            s,
            "p",
            &[
                tool(
                    "m",
                    "m1",
                    10,
                    ToolCall {
                        tool_use_id: "a".into(),
                        tool_name: "Bash".into(),
                        input: json!({ "command": "ls" }),
                        updated_input: Some(changed.clone()),
                        position: Some(3),
                        ..Default::default()
                    },
                ),
                // An SDK before the field: the server is read from the tool's name.
                tool("m", "m2", 11, mcp("b", "mcp__calc__add", None)),
                tool("m", "m3", 12, mcp("c", "mcp__x__y", Some("named"))),
            ],
        )
        .await;
        let d = detail(s, "p", "m").await;
        let calls = d["tool_calls"].as_array().unwrap();
        let field = |i: usize, f: &str| calls[i][f].clone();
        assert_eq!(field(0, "updated_input"), changed, "{name}");
        assert_eq!(field(0, "input"), json!({ "command": "ls" }), "{name}");
        assert_eq!(field(0, "position"), json!(3), "{name}");
        assert_eq!(field(0, "mcp_server"), Value::Null, "{name}");
        assert_eq!(field(1, "updated_input"), Value::Null, "{name}");
        assert_eq!(field(1, "mcp_server"), json!("calc"), "{name}");
        assert_eq!(field(2, "mcp_server"), json!("named"), "{name}");
    }
}

fn mcp(id: &str, name: &str, server: Option<&str>) -> ToolCall {
    ToolCall {
        tool_use_id: id.into(),
        tool_name: name.into(),
        seq: 1,
        mcp_server: server.map(String::from),
        ..Default::default()
    }
}

#[tokio::test]
async fn markers_are_one_a_position_under_replay_and_in_any_order() {
    let events = vec![
        marker(
            "k",
            "k1",
            100,
            2,
            "compact",
            None,
            json!({ "pre_tokens": 9 }),
        ),
        marker(
            "k",
            "k2",
            90,
            1,
            "api_retry",
            Some("task-1"),
            json!({ "attempt": 1 }),
        ),
        // The same position sent again by a newer event (a resent batch with new ids).
        marker(
            "k",
            "k3",
            95,
            1,
            "api_retry",
            Some("task-1"),
            json!({ "attempt": 2 }),
        ),
        marker("k", "k4", 110, 3, "newer_kind", None, json!({})),
    ];
    for (name, _, _keep) in stores().await {
        let mut answers = Vec::new();
        for order in permutations(&events).into_iter().step_by(5) {
            let fresh = stores().await.into_iter().find(|s| s.0 == name).unwrap();
            let s = fresh.1.as_ref();
            put(s, "p", &order).await;
            let again = put(s, "p", &order).await;
            assert_eq!((again.accepted, again.duplicates), (0, 4), "{name}");
            let d = detail(s, "p", "k").await;
            answers.push((d["markers"].clone(), d["marker_counts"].clone()));
        }
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "{name}: {answers:?}"
        );
        let (markers, counts) = &answers[0];
        let kinds: Vec<(i64, &str)> = markers
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["position"].as_i64().unwrap(), m["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [(1, "api_retry"), (2, "compact"), (3, "newer_kind")],
            "{name}"
        );
        assert_eq!(markers[0]["data"], json!({ "attempt": 2 }), "{name}");
        assert_eq!(markers[0]["parent_tool_use_id"], "task-1", "{name}");
        assert_eq!(markers[0]["at"], "1970-01-01T00:00:00.095Z", "{name}");
        assert_eq!(
            counts,
            &json!({ "api_retry": 1, "compact": 1, "newer_kind": 1 }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn model_calls_keep_whether_their_output_is_final_and_what_they_said() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let content = vec![
            Block::Thinking {
                thinking: "hmm".into(),
            },
            Block::RedactedThinking,
            text("hello"),
            tool_use("t1", "Bash"),
            Block::Omitted {
                kind: "text".into(),
                bytes: 12,
            },
            Block::Unsupported {
                kind: "image".into(),
            },
        ];
        let mut without = model_with("c", "m2", 300, 2, None, vec![]);
        if let Payload::ModelCall(m) = &mut without.payload {
            m.output_tokens_final = false;
            m.output_tokens = 1;
            m.stop_reason = None;
            m.ttft_ms = None;
            m.position = None;
        }
        put(
            s,
            "p",
            &[model_with("c", "m1", 200, 1, None, content), without],
        )
        .await;
        let d = detail(s, "p", "c").await;
        let m = &d["model_calls"];
        assert_eq!(
            (
                &m[0]["output_tokens_final"],
                &m[0]["ttft_ms"],
                &m[0]["position"]
            ),
            (&json!(true), &json!(80), &json!(1)),
            "{name}"
        );
        assert_eq!(
            m[0]["content"],
            json!([
                {"type": "thinking", "thinking": "hmm"},
                {"type": "redacted_thinking"},
                {"type": "text", "text": "hello"},
                {"type": "tool_use", "id": "t1", "name": "Bash"},
                {"type": "omitted", "kind": "text", "bytes": 12},
                {"type": "unsupported", "kind": "image"},
            ]),
            "{name}"
        );
        assert_eq!(
            (
                &m[1]["output_tokens_final"],
                &m[1]["output_tokens"],
                &m[1]["ttft_ms"],
                &m[1]["position"],
                &m[1]["content"]
            ),
            (
                &json!(false),
                &json!(1),
                &Value::Null,
                &Value::Null,
                &json!([])
            ),
            "{name}"
        );
    }
}

/// A started run of Claude session `claude` at `t`, continuing `from` as `how`.
fn run(id: &str, t: i64, claude: &str, how: Option<(&str, &str)>) -> Vec<Event> {
    let mut s = start(id, t, "a", "u", None);
    if let Payload::SessionStart(st) = &mut s.payload {
        st.claude_session_id = Some(claude.into());
        match how {
            Some(("resumed", from)) => st.resumed_from = Some(from.into()),
            Some(("forked", from)) => st.forked_from = Some(from.into()),
            _ => {}
        }
    }
    let mut e = end(id, t + 10, SessionStatus::Completed);
    if let Payload::SessionEnd(end) = &mut e.payload {
        end.usage.cost_usd = t as f64 / 1000.0;
    }
    vec![s, e]
}

fn refs(v: &Value) -> Vec<(String, String)> {
    let one = |r: &Value| {
        (
            r["id"].as_str().unwrap().to_string(),
            r["relation"].as_str().unwrap().to_string(),
        )
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        Value::Null => vec![],
        r => vec![one(r)],
    }
}

#[tokio::test]
async fn lineage_follows_resumes_of_resumes_and_forks() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let mut events = Vec::new();
        // a, then b resumes it, f forks it after b, c resumes it after f, g forks f.
        events.extend(run("a", 1_000, "c1", None));
        events.extend(run("b", 2_000, "c1", Some(("resumed", "c1"))));
        events.extend(run("f", 3_000, "c2", Some(("forked", "c1"))));
        events.extend(run("c", 4_000, "c1", Some(("resumed", "c1"))));
        events.extend(run("g", 5_000, "c3", Some(("forked", "c2"))));
        // A run that resumed a session this project never saw, and another project's run.
        events.extend(run("lost", 6_000, "c9", Some(("resumed", "c8"))));
        events.reverse();
        put(s, "p", &events).await;
        put(s, "other", &run("x", 2_500, "c1", Some(("resumed", "c1")))).await;
        let lineage = |id: &'static str| async move {
            let d = detail(s, "p", id).await;
            (
                refs(&d["lineage"]["previous"]),
                refs(&d["lineage"]["continued_by"]),
            )
        };
        let pair = |id: &str, rel: &str| (id.to_string(), rel.to_string());
        assert_eq!(
            lineage("a").await,
            (vec![], vec![pair("b", "resumed")]),
            "{name}"
        );
        assert_eq!(
            lineage("b").await,
            (
                vec![pair("a", "resumed")],
                vec![pair("f", "forked"), pair("c", "resumed")]
            ),
            "{name}"
        );
        assert_eq!(
            lineage("c").await,
            (vec![pair("b", "resumed")], vec![]),
            "{name}"
        );
        assert_eq!(
            lineage("f").await,
            (vec![pair("b", "forked")], vec![pair("g", "forked")]),
            "{name}"
        );
        assert_eq!(
            lineage("g").await,
            (vec![pair("f", "forked")], vec![]),
            "{name}"
        );
        assert_eq!(lineage("lost").await, (vec![], vec![]), "{name}");
        let d = detail(s, "p", "c").await;
        assert_eq!(
            d["lineage"]["previous"],
            json!({"id": "b", "claude_session_id": "c1", "relation": "resumed",
                   "started_at": "1970-01-01T00:00:02.000Z", "status": "completed",
                   "cost_usd": 2.0}),
            "{name}"
        );
        assert_eq!(
            (&d["resumed_from"], &d["forked_from"]),
            (&json!("c1"), &Value::Null),
            "{name}"
        );
        // Every run of Claude session c1, resumes included, newest first.
        let listed = page(
            s,
            ListQuery {
                claude_session_id: Some("c1".into()),
                ..q()
            },
        )
        .await;
        assert_eq!(listed, ["c", "b", "a"], "{name}");
    }
}

#[tokio::test]
async fn end_reasons_and_start_fields_are_stored_and_filtered_on() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let ended = |id: &str, t: i64, reason: Option<&str>, status: Option<u16>| {
            let mut events = vec![start(id, t, "a", "u", None)];
            if let Payload::SessionStart(st) = &mut events[0].payload {
                st.entry_point = Some("startup".into());
                st.mcp_servers = vec![
                    McpServer {
                        name: "calc".into(),
                        status: "connected".into(),
                    },
                    McpServer {
                        name: "web".into(),
                        status: "failed".into(),
                    },
                ];
            }
            let mut e = end(id, t + 5, SessionStatus::Failed);
            if let Payload::SessionEnd(end) = &mut e.payload {
                end.end_reason = reason.map(String::from);
                end.api_error_status = status;
            }
            events.push(e);
            events
        };
        put(s, "p", &ended("turns", 1_000, Some(END_MAX_TURNS), None)).await;
        put(s, "p", &ended("api", 2_000, Some(END_API_ERROR), Some(529))).await;
        put(
            s,
            "p",
            &ended("api2", 3_000, Some(END_API_ERROR), Some(500)),
        )
        .await;
        put(s, "p", &ended("none", 4_000, None, None)).await;
        // An older end of `api` that arrives last changes nothing.
        let mut stale = ended("api", 2_000, Some(END_ABORTED), None).pop().unwrap();
        stale.id = "api-stale-end".into();
        stale.ts = 1;
        put(s, "p", &[stale]).await;
        let filtered = |reason: &str| {
            page(
                s,
                ListQuery {
                    end_reason: Some(reason.into()),
                    ..q()
                },
            )
        };
        assert_eq!(filtered(END_API_ERROR).await, ["api2", "api"], "{name}");
        assert_eq!(filtered(END_MAX_TURNS).await, ["turns"], "{name}");
        assert!(filtered(END_ABORTED).await.is_empty(), "{name}");
        let d = detail(s, "p", "api").await;
        assert_eq!(
            (&d["end_reason"], &d["api_error_status"], &d["entry_point"]),
            (&json!("api_error"), &json!(529), &json!("startup")),
            "{name}"
        );
        assert_eq!(
            d["mcp_servers"],
            json!([{"name": "calc", "status": "connected"}, {"name": "web", "status": "failed"}]),
            "{name}"
        );
        let none = detail(s, "p", "none").await;
        assert_eq!(
            (&none["end_reason"], &none["api_error_status"]),
            (&Value::Null, &Value::Null)
        );
        let list = s.list_sessions("p".into(), q()).await.unwrap();
        let api = list.sessions.iter().find(|x| x.id == "api").unwrap();
        assert_eq!(
            api.end_reason.as_deref(),
            Some("api_error"),
            "{name}: listed too"
        );
    }
}

#[tokio::test]
async fn carried_usage_is_the_latest_figures_and_never_summed() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let carried = |cost: f64| Usage {
            prompt_tokens: 1_000,
            total_tokens: 1_000,
            cost_usd: cost,
            ..Default::default()
        };
        let mut events = run("r", 1_000, "c1", Some(("resumed", "c1")));
        if let Payload::SessionStart(st) = &mut events[0].payload {
            st.convo_id = Some("t".into());
        }
        if let Payload::SessionEnd(e) = &mut events[1].payload {
            e.carried = Some(carried(9.0));
            e.usage.cost_usd = 0.25;
            e.usage.total_tokens = 40;
        }
        events.push(event(
            "r",
            "r-result",
            1_005,
            Payload::SessionResult(SessionResult {
                index: 0,
                subtype: "success".into(),
                duration_ms: 5,
                usage: Usage {
                    cost_usd: 0.2,
                    ..Default::default()
                },
                carried: Some(carried(8.0)),
                ..Default::default()
            }),
        ));
        // The end comes first; the result (a lower figures rank) never replaces its figures.
        events.reverse();
        put(s, "p", &events).await;
        let d = detail(s, "p", "r").await;
        assert_eq!(d["carried"]["cost_usd"], json!(9.0), "{name}");
        assert_eq!(d["carried"]["prompt_tokens"], json!(1_000), "{name}");
        assert_eq!(d["cost_usd"], json!(0.25), "{name}");
        assert_eq!(d["turns"][0]["cost_usd"], json!(0.2), "{name}");
        let c = s
            .conversation("p".into(), "t".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((c.total_cost_usd, c.total_tokens), (0.25, 40), "{name}");
        let o = s
            .overview(
                "p".into(),
                OverviewQuery {
                    from: 0,
                    to: 10_000,
                    bucket_ms: 10_000,
                },
            )
            .await
            .unwrap();
        assert_eq!(o.totals.cost_usd, 0.25, "{name}");
        assert_eq!(o.by_agent[0].cost_usd, 0.25, "{name}");
    }
}

#[tokio::test]
async fn nul_characters_in_the_later_fields_are_stored_and_filtered_on() {
    for (name, store, _keep) in stores().await {
        let s = store.as_ref();
        let mut events = vec![start("n", 1_000, "a", "u", None)];
        if let Payload::SessionStart(st) = &mut events[0].payload {
            st.entry_point = Some("q\0uery".into());
            st.mcp_servers = vec![McpServer {
                name: "c\0alc".into(),
                status: "ok".into(),
            }];
        }
        let mut e = end("n", 2_000, SessionStatus::Failed);
        if let Payload::SessionEnd(end) = &mut e.payload {
            end.end_reason = Some("error_x\0y".into());
        }
        events.push(e);
        events.push(marker(
            "n",
            "n-m",
            1_500,
            0,
            "k\0ind",
            None,
            json!({ "t": "a\0b" }),
        ));
        events.push(tool(
            "n",
            "n-t",
            1_600,
            bash("t", ToolStatus::Denied, Some("no\0pe"), Some("h\0ook")),
        ));
        assert_eq!(put(s, "p", &events).await.accepted, 4, "{name}");
        // SQLite keeps the character; PostgreSQL text cannot hold it and gets U+FFFD.
        let nul = if name == "sqlite" { "\0" } else { "\u{FFFD}" };
        let d = detail(s, "p", "n").await;
        assert_eq!(d["entry_point"], format!("q{nul}uery"), "{name}");
        assert_eq!(d["end_reason"], format!("error_x{nul}y"), "{name}");
        assert_eq!(d["markers"][0]["kind"], format!("k{nul}ind"), "{name}");
        assert_eq!(
            d["tool_calls"][0]["denied_by"],
            format!("h{nul}ook"),
            "{name}"
        );
        assert_eq!(d["tool_calls"][0]["error"], format!("no{nul}pe"), "{name}");
        // JSON columns keep it on both: JSON text spells it `\u0000`.
        assert_eq!(d["mcp_servers"][0]["name"], "c\0alc", "{name}");
        assert_eq!(d["markers"][0]["data"]["t"], "a\0b", "{name}");
        let found = page(
            s,
            ListQuery {
                end_reason: Some("error_x\0y".into()),
                ..q()
            },
        )
        .await;
        assert_eq!(found, ["n"], "{name}");
    }
}
