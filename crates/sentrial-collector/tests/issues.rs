//! Detected issues end to end: found when a session's events are ingested after its end, found
//! again when late events arrive, served on the session, filtered on in the list and summed up by
//! kind, on every store (the storage suite's stores) and over HTTP.

mod common;

use common::stores::{detail, page, put, q, stores};
use common::{end, start, tool, TestServer, KEY};
use sentrial_collector::detect::IssueKind;
use sentrial_collector::store::ListQuery;
use sentrial_protocol::*;
use serde_json::{json, Value};

const T0: i64 = 1_700_000_000_000;

fn call(session: &str, n: u32, input: Value, status: ToolStatus) -> Event {
    tool(
        session,
        &format!("{session}-call-{n}"),
        T0 + i64::from(n),
        ToolCall {
            tool_use_id: format!("{session}-t{n}"),
            tool_name: "Bash".into(),
            seq: n,
            status,
            input,
            ..Default::default()
        },
    )
}

/// A run that tried the same failing command three times and hit max turns, without a result.
fn looping(session: &str, ended: bool) -> Vec<Event> {
    let mut events = vec![start(session, T0, "bot", "u", None)];
    for n in 1..=3 {
        events.push(call(
            session,
            n,
            json!({"command": "make"}),
            ToolStatus::Error,
        ));
    }
    if ended {
        let mut e = end(session, T0 + 100, SessionStatus::Failed);
        if let Payload::SessionEnd(end) = &mut e.payload {
            end.end_reason = Some(END_MAX_TURNS.into());
            end.num_turns = Some(3);
            end.results = 0;
        }
        events.push(e);
    }
    events
}

fn kinds(detail: &Value) -> Vec<&str> {
    detail["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect()
}

fn with_issue(kind: IssueKind) -> ListQuery {
    ListQuery {
        issue: Some(kind),
        ..q()
    }
}

#[tokio::test]
async fn issues_are_found_at_the_end_and_again_when_late_events_arrive() {
    for (name, store, _dir) in stores().await {
        let s = store.as_ref();
        put(s, "p", &looping("run", false)).await;
        assert_eq!(
            kinds(&detail(s, "p", "run").await),
            Vec::<&str>::new(),
            "{name}"
        );
        put(s, "p", &looping("run", true)[4..]).await;
        let d = detail(s, "p", "run").await;
        assert_eq!(
            kinds(&d),
            ["loop", "error_streak", "limits", "unfinished"],
            "{name}"
        );
        assert_eq!(
            d["issues"][0],
            json!({"kind": "loop", "severity": "warning",
                   "summary": "Bash called 3 times with the same input (3 in a row)",
                   "evidence": [{"type": "tool_call", "tool_use_id": "run-t1"},
                                {"type": "tool_call", "tool_use_id": "run-t2"},
                                {"type": "tool_call", "tool_use_id": "run-t3"}]}),
            "{name}"
        );
        // A late call of the ended session: found again, not added to.
        put(
            s,
            "p",
            &[call("run", 4, json!({"command": "ls"}), ToolStatus::Denied)],
        )
        .await;
        let d = detail(s, "p", "run").await;
        assert_eq!(
            kinds(&d),
            [
                "loop",
                "error_streak",
                "tool_errors",
                "limits",
                "denied",
                "unfinished"
            ],
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_list_filters_by_issue_and_the_summary_groups_by_kind() {
    for (name, store, _dir) in stores().await {
        let s = store.as_ref();
        put(s, "p", &looping("a", true)).await;
        put(s, "p", &looping("b", true)).await;
        put(s, "p", &looping("still-running", false)).await;
        let mut clean = vec![start("clean", T0, "bot", "u", None)];
        clean.push(call("clean", 1, json!({}), ToolStatus::Success));
        clean.push(end("clean", T0 + 50, SessionStatus::Completed));
        put(s, "p", &clean).await;
        put(s, "other", &looping("elsewhere", true)).await;

        assert_eq!(
            page(s, with_issue(IssueKind::Loop)).await,
            ["b", "a"],
            "{name}"
        );
        assert_eq!(
            page(s, with_issue(IssueKind::Denied)).await,
            Vec::<String>::new()
        );
        // `clean` sent no result event: a run that ended without a result is unfinished too.
        assert_eq!(
            page(s, with_issue(IssueKind::Unfinished)).await,
            ["clean", "b", "a"],
            "{name}"
        );

        let groups = s.issue_summary("p".into(), T0, T0 + 101).await.unwrap();
        let groups = serde_json::to_value(groups).unwrap();
        assert_eq!(groups.as_array().unwrap().len(), 4, "{name}: {groups}");
        assert_eq!(
            groups[0],
            json!({"kind": "error_streak", "count": 2, "sessions": 2,
                   "first_seen": "2023-11-14T22:13:20.100Z",
                   "last_seen": "2023-11-14T22:13:20.100Z",
                   "trend": [{"day": "2023-11-14", "from": 1_699_920_000_000i64,
                              "count": 2, "sessions": 2}],
                   "top_agents": [{"name": "bot", "count": 2, "sessions": 2}],
                   "top_tools": [{"name": "Bash", "count": 2, "sessions": 2}]}),
            "{name}"
        );
        let unfinished = groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["kind"] == "unfinished")
            .unwrap();
        assert_eq!(unfinished["sessions"], 3, "{name}");
        assert_eq!(
            unfinished["first_seen"], "2023-11-14T22:13:20.050Z",
            "{name}"
        );
        // The range is of session ends, `to` excluded.
        let none = s.issue_summary("p".into(), T0, T0 + 50).await.unwrap();
        assert!(none.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn the_api_serves_issues_and_refuses_an_unknown_kind() {
    let srv = TestServer::start(&[]).await;
    let (status, _) = srv.post(KEY, &looping("s", true)).await;
    assert_eq!(status, 200);
    let (status, d) = srv.get(KEY, "/api/sessions/s").await;
    assert_eq!(status, 200);
    assert_eq!(kinds(&d), ["loop", "error_streak", "limits", "unfinished"]);

    let (status, list) = srv.get(KEY, "/api/sessions?issue=error_streak").await;
    assert_eq!(status, 200);
    assert_eq!(list["sessions"][0]["id"], "s");
    // Each row says its kinds, once each, for the list's badges.
    assert_eq!(
        list["sessions"][0]["issue_kinds"],
        json!(["loop", "error_streak", "limits", "unfinished"])
    );
    let (status, list) = srv.get(KEY, "/api/sessions?issue=denied").await;
    assert_eq!((status, list["sessions"].clone()), (200, json!([])));

    let (status, err) = srv.get(KEY, "/api/sessions?issue=loops").await;
    assert_eq!(status, 400);
    assert_eq!(
        err["error"],
        "invalid issue `loops`: expected one of loop, error_streak, tool_errors, limits, \
         denied, api_trouble, context, slow_tool, cost_outlier, unfinished"
    );

    let path = format!("/api/issues?from={T0}&to={}", T0 + 1000);
    let (status, body) = srv.get(KEY, &path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["from"], "2023-11-14T22:13:20.000Z");
    let groups: Vec<&str> = body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["error_streak", "limits", "loop", "unfinished"]);
    let (status, err) = srv.get(KEY, "/api/issues?from=5&to=5").await;
    assert_eq!(status, 400, "{err}");
    let (status, err) = srv.get(KEY, "/api/issues?kind=loop").await;
    assert_eq!(status, 400, "{err}");
}

/// `looping` for agent `agent`, ended `days` days after T0, its calls of `tool`.
fn looping_of(session: &str, agent: &str, tool_name: &str, days: i64) -> Vec<Event> {
    let t = T0 + days * 86_400_000;
    let mut events = looping(session, true);
    for e in &mut events {
        e.ts += t - T0;
        match &mut e.payload {
            Payload::SessionStart(s) => {
                s.agent = agent.into();
                s.started_at = e.ts;
            }
            Payload::ToolCall(c) => c.tool_name = tool_name.into(),
            Payload::SessionEnd(end) => end.ended_at = e.ts,
            _ => {}
        }
    }
    events
}

#[tokio::test]
async fn the_summary_has_a_trend_per_day_and_the_top_agents_and_tools() {
    for (name, store, _dir) in stores().await {
        let s = store.as_ref();
        put(s, "p", &looping_of("a", "bot", "Bash", 0)).await;
        put(s, "p", &looping_of("b", "bot", "Read", 1)).await;
        put(s, "p", &looping_of("c", "helper", "Bash", 1)).await;
        put(s, "p", &looping_of("d", "bot", "Bash", 2)).await;
        let groups = s
            .issue_summary("p".into(), T0, T0 + 3 * 86_400_000)
            .await
            .unwrap();
        let groups = serde_json::to_value(groups).unwrap();
        let streak = &groups[0];
        assert_eq!(streak["kind"], "error_streak", "{name}");
        assert_eq!(
            (streak["count"].clone(), streak["sessions"].clone()),
            (json!(4), json!(4))
        );
        let days: Vec<(String, i64)> = streak["trend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["day"].as_str().unwrap().to_string(),
                    d["sessions"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            days,
            [
                ("2023-11-14".into(), 1),
                ("2023-11-15".into(), 2),
                ("2023-11-16".into(), 1)
            ],
            "{name}"
        );
        assert_eq!(
            streak["top_agents"],
            json!([{"name": "bot", "count": 3, "sessions": 3},
                   {"name": "helper", "count": 1, "sessions": 1}]),
            "{name}"
        );
        assert_eq!(
            streak["top_tools"],
            json!([{"name": "Bash", "count": 3, "sessions": 3},
                   {"name": "Read", "count": 1, "sessions": 1}]),
            "{name}"
        );
        // A finding without calls (`limits`) names no tool.
        let limits = groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["kind"] == "limits")
            .unwrap();
        assert_eq!(limits["top_tools"], json!([]), "{name}");

        // Each tool's count opens the sessions it counts.
        let by_tool = |tool: &str| ListQuery {
            issue: Some(IssueKind::ErrorStreak),
            issue_tool: Some(tool.into()),
            ..q()
        };
        assert_eq!(page(s, by_tool("Read")).await, ["b"], "{name}");
        assert_eq!(page(s, by_tool("Bash")).await, ["d", "c", "a"], "{name}");
        let any_kind = ListQuery {
            issue_tool: Some("Read".into()),
            ..q()
        };
        assert_eq!(page(s, any_kind).await, ["b"], "{name}");
        // And each day's, by the sessions' ends as the summary counts them.
        let day = |from: i64| ListQuery {
            issue: Some(IssueKind::ErrorStreak),
            issue_from: Some(from),
            issue_to: Some(from + 86_400_000),
            ..q()
        };
        let second = streak["trend"][1]["from"].as_i64().unwrap();
        assert_eq!(page(s, day(second)).await, ["c", "b"], "{name}");
    }
}
