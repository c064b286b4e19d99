//! The rules that compare a session with its project's history (`slow_tool`, `cost_outlier`)
//! and a project's own thresholds (`GET/PUT /api/issue-settings`), on every store and over HTTP.

mod common;

use common::stores::{detail, put, stores};
use common::{event, start, tool, TestServer, KEY};
use sentrial_collector::{hash_key, Scope, Scopes};
use sentrial_protocol::*;
use serde_json::{json, Value};

const T0: i64 = 1_700_000_000_000;

/// An ended session `id` at `t` of agent `bot`: one Bash call of `ms`, a result, an end costing
/// `cost` USD.
fn run(id: &str, t: i64, ms: u64, cost: f64) -> Vec<Event> {
    let call = ToolCall {
        tool_use_id: format!("{id}-t1"),
        tool_name: "Bash".into(),
        seq: 1,
        status: ToolStatus::Success,
        input: json!({"command": id}),
        duration_ms: Some(ms),
        started_at: Some(t + 1),
        ended_at: Some(t + 1 + ms as i64),
        ..Default::default()
    };
    let result = SessionResult {
        index: 0,
        subtype: "success".into(),
        output: Some("done".into()),
        ..Default::default()
    };
    let end = SessionEnd {
        status: SessionStatus::Completed,
        ended_at: t + 5000,
        duration_ms: 5000,
        results: 1,
        usage: Usage {
            cost_usd: cost,
            ..Default::default()
        },
        ..Default::default()
    };
    vec![
        start(id, t, "bot", "u", None),
        tool(id, &format!("{id}-call"), t + 1, call),
        event(
            id,
            &format!("{id}-result"),
            t + 4000,
            Payload::SessionResult(result),
        ),
        event(id, &format!("{id}-end"), t + 5000, Payload::SessionEnd(end)),
    ]
}

fn kinds(detail: &Value) -> Vec<String> {
    detail["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

/// `n` usual runs from `first` on: calls of 100 to 119 ms, costs of $0.010 to $0.019.
fn usual(first: usize, n: usize) -> Vec<Event> {
    (first..first + n)
        .flat_map(|i| {
            let t = T0 + i as i64 * 10_000;
            run(
                &format!("n{i}"),
                t,
                100 + (i % 20) as u64,
                0.01 + (i % 10) as f64 / 1000.0,
            )
        })
        .collect()
}

#[tokio::test]
async fn slow_calls_and_costly_runs_are_found_once_there_is_history() {
    for (name, store, _dir) in stores().await {
        let s = store.as_ref();
        put(s, "p", &usual(0, 18)).await;
        // 19 calls and sessions with this one: too few to judge it.
        put(s, "p", &run("early", T0 + 180_000, 5000, 1.0)).await;
        assert_eq!(
            kinds(&detail(s, "p", "early").await),
            Vec::<String>::new(),
            "{name}"
        );
        put(s, "p", &usual(19, 25)).await;
        put(s, "p", &run("slow", T0 + 450_000, 5000, 1.0)).await;
        put(s, "p", &run("fine", T0 + 460_000, 300, 0.05)).await;
        let d = detail(s, "p", "slow").await;
        assert_eq!(kinds(&d), ["slow_tool", "cost_outlier"], "{name}");
        assert_eq!(
            d["issues"][0]["evidence"],
            json!([{"type": "tool_call", "tool_use_id": "slow-t1"}]),
            "{name}"
        );
        let summary = d["issues"][0]["summary"].as_str().unwrap();
        assert!(
            summary.contains("A call of Bash took up to 5.0 s, over 3× its p95"),
            "{summary}"
        );
        let summary = d["issues"][1]["summary"].as_str().unwrap();
        assert!(
            summary.starts_with("The run cost $1.0000, over 3× the p95 of bot"),
            "{summary}"
        );
        assert_eq!(
            kinds(&detail(s, "p", "fine").await),
            Vec::<String>::new(),
            "{name}"
        );
        // Another project's history is its own: none there yet.
        put(s, "q", &run("slow", T0 + 450_000, 5000, 1.0)).await;
        let other = s
            .get_session("q".into(), "slow".into())
            .await
            .unwrap()
            .unwrap();
        assert!(other.issues.is_empty(), "{name}");

        // The project's thresholds are used from the next batch on.
        let raised = json!({"slow_tool_factor": 100, "cost_outlier_min_sessions": 1000});
        s.set_issue_settings("p".into(), raised.as_object().unwrap().clone())
            .await
            .unwrap();
        put(s, "p", &run("slow2", T0 + 470_000, 5000, 1.0)).await;
        assert_eq!(
            kinds(&detail(s, "p", "slow2").await),
            Vec::<String>::new(),
            "{name}"
        );
        let settings = serde_json::to_value(s.issue_settings("p".into()).await.unwrap()).unwrap();
        assert_eq!(settings["thresholds"]["slow_tool_factor"], 100.0, "{name}");
        assert_eq!(settings["defaults"]["slow_tool_factor"], 3.0, "{name}");
        assert_eq!(settings["overrides"], raised, "{name}");
    }
}

#[tokio::test]
async fn a_baseline_older_than_its_window_is_worked_out_again() {
    for (name, store, _dir) in stores().await {
        let s = store.as_ref();
        put(s, "p", &usual(0, 40)).await;
        // Eight days later the old calls are out of the window: too few to judge.
        let later = T0 + 8 * 24 * 3600 * 1000;
        put(s, "p", &run("later", later, 5000, 1.0)).await;
        assert_eq!(
            kinds(&detail(s, "p", "later").await),
            Vec::<String>::new(),
            "{name}"
        );
    }
}

/// `method /api/issue-settings` with `key` and `body`.
async fn settings(srv: &TestServer, key: &str, method: &str, body: &str) -> (u16, Value) {
    srv.send_json(method, key, "/api/issue-settings", body)
        .await
}

#[tokio::test]
async fn the_settings_api_shows_and_sets_the_projects_thresholds() {
    let srv = TestServer::start(&[]).await;
    let read = "read-key-0123456789abcdef";
    srv.store
        .add_key(hash_key(read), "default".into(), Scopes::only(Scope::Read))
        .await
        .unwrap();
    let (status, body) = settings(&srv, read, "GET", "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["thresholds"]["error_streak"], 3);
    assert_eq!(body["thresholds"]["slow_tool_min_calls"], 20);
    assert_eq!(
        (body["overrides"].clone(), body["updated_at"].clone()),
        (json!({}), Value::Null)
    );

    let (status, body) = settings(&srv, read, "PUT", r#"{"error_streak": 5}"#).await;
    assert_eq!(
        (status, body),
        (403, json!({"error": "this key lacks the 'admin' scope"}))
    );
    for (bad, says) in [
        (
            r#"{"error_streaks": 5}"#,
            "unknown threshold `error_streaks`",
        ),
        (
            r#"{"error_streak": 0}"#,
            "`error_streak` must be a whole number from 1",
        ),
        (
            r#"{"tool_errors_share": 2}"#,
            "`tool_errors_share` must be a number between 0 and 1",
        ),
        (r#"[1]"#, "expected a JSON object of thresholds by name"),
    ] {
        let (status, body) = settings(&srv, KEY, "PUT", bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(says), "{bad}: {message}");
    }
    let (_, body) = settings(&srv, read, "GET", "").await;
    assert_eq!(
        body["overrides"],
        json!({}),
        "a refused body stores nothing"
    );

    let (status, body) = settings(&srv, KEY, "PUT", r#"{"error_streak": 4}"#).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["thresholds"]["error_streak"], 4);
    assert_eq!(body["overrides"], json!({"error_streak": 4}));
    // Three failed calls in a row are no longer a streak in this project.
    let mut events = vec![start("s", T0, "bot", "u", None)];
    for n in 1..=3u32 {
        let call = ToolCall {
            tool_use_id: format!("t{n}"),
            tool_name: "Bash".into(),
            seq: n,
            status: ToolStatus::Error,
            input: json!({"n": n}),
            ..Default::default()
        };
        events.push(tool("s", &format!("c{n}"), T0 + i64::from(n), call));
    }
    events.push(common::end("s", T0 + 100, SessionStatus::Failed));
    assert_eq!(srv.post(KEY, &events).await.0, 200);
    let (_, d) = srv.get(KEY, "/api/sessions/s").await;
    assert!(!kinds(&d).contains(&"error_streak".to_string()), "{d}");
    assert_eq!(kinds(&d), ["unfinished"], "{d}");

    let (status, body) = settings(&srv, KEY, "PUT", "{}").await;
    assert_eq!(
        (status, body["thresholds"]["error_streak"].clone()),
        (200, json!(3))
    );
}
