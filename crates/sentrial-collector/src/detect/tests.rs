//! Each rule on sessions made by hand: one that triggers it and one that must not.

use serde_json::{json, Value};

use super::*;
use crate::store::{MarkerRecord, SessionRecord, SubagentRecord, ToolCallRecord, TurnRecord};
use crate::time::Timestamp;

fn call(n: i64, tool: &str, input: Value, status: &str) -> ToolCallRecord {
    ToolCallRecord {
        tool_use_id: format!("t{n}"),
        tool_name: tool.into(),
        seq: n,
        status: status.into(),
        input,
        ..Default::default()
    }
}

fn under(mut c: ToolCallRecord, parent: &str) -> ToolCallRecord {
    c.parent_tool_use_id = Some(parent.into());
    c
}

fn marker(position: i64, kind: &str, data: Value) -> MarkerRecord {
    MarkerRecord {
        position,
        kind: kind.into(),
        at: Timestamp(position),
        parent_tool_use_id: None,
        data,
    }
}

/// An ended session with one good result and the given calls.
fn session(calls: Vec<ToolCallRecord>) -> SessionDetail {
    SessionDetail {
        session: SessionRecord {
            id: "s".into(),
            status: "completed".into(),
            ..Default::default()
        },
        tool_calls: calls,
        turns: vec![TurnRecord {
            index: 0,
            subtype: "success".into(),
            output: Some("done".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn kinds(d: &SessionDetail) -> Vec<IssueKind> {
    detect(d, &Thresholds::default(), &History::default())
        .iter()
        .map(|f| f.kind)
        .collect()
}

fn only(d: &SessionDetail, kind: IssueKind) -> Vec<Finding> {
    detect(d, &Thresholds::default(), &History::default())
        .into_iter()
        .filter(|f| f.kind == kind)
        .collect()
}

fn ids(f: &Finding) -> Vec<String> {
    f.evidence
        .iter()
        .map(|e| match e {
            Evidence::ToolCall { tool_use_id } => tool_use_id.clone(),
            Evidence::Turn { index } => format!("turn{index}"),
            Evidence::Marker { position, marker } => format!("{marker}@{position}"),
        })
        .collect()
}

#[test]
fn a_clean_session_has_no_findings() {
    let d = session(vec![
        call(1, "Bash", json!({"c": "ls"}), "success"),
        call(2, "Read", json!({"p": "a"}), "success"),
    ]);
    assert!(kinds(&d).is_empty());
}

#[test]
fn a_running_session_is_not_checked() {
    let mut d = session(vec![call(1, "Bash", json!({}), "not_completed")]);
    d.session.status = "running".into();
    d.turns.clear();
    assert!(kinds(&d).is_empty());
}

#[test]
fn loop_three_in_a_row() {
    let input = json!({"c": "ls", "d": 1});
    let same_keys_other_order = json!({"d": 1, "c": "ls"});
    let d = session(vec![
        call(1, "Bash", input.clone(), "success"),
        call(2, "Bash", same_keys_other_order, "success"),
        call(3, "Bash", input, "success"),
    ]);
    let f = only(&d, IssueKind::Loop);
    assert_eq!(f.len(), 1);
    assert_eq!(ids(&f[0]), ["t1", "t2", "t3"]);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(
        f[0].summary,
        "Bash called 3 times with the same input (3 in a row)"
    );
}

#[test]
fn loop_needs_the_same_input_and_the_same_tool() {
    let d = session(vec![
        call(1, "Bash", json!({"c": "ls"}), "success"),
        call(2, "Bash", json!({"c": "pwd"}), "success"),
        call(3, "Read", json!({"c": "ls"}), "success"),
        call(4, "Bash", json!({"c": "ls"}), "success"),
    ]);
    assert!(only(&d, IssueKind::Loop).is_empty());
}

#[test]
fn loop_five_in_the_session_not_in_a_row() {
    let mut calls = Vec::new();
    for n in 0..5 {
        calls.push(call(2 * n, "Grep", json!({"q": "x"}), "success"));
        calls.push(call(2 * n + 1, "Read", json!({"p": n}), "success"));
    }
    let d = session(calls.clone());
    assert_eq!(only(&d, IssueKind::Loop).len(), 1);
    calls.truncate(8); // four Greps
    assert!(only(&session(calls), IssueKind::Loop).is_empty());
}

#[test]
fn a_sub_agent_does_not_break_a_run_in_a_row() {
    let d = session(vec![
        call(1, "Bash", json!({"c": "ls"}), "success"),
        under(call(2, "Read", json!({}), "success"), "task"),
        call(3, "Bash", json!({"c": "ls"}), "success"),
        call(4, "Bash", json!({"c": "ls"}), "success"),
    ]);
    assert_eq!(only(&d, IssueKind::Loop).len(), 1);
}

#[test]
fn error_streak_three_failed_in_a_row() {
    let d = session(vec![
        call(1, "Bash", json!({"n": 1}), "error"),
        call(2, "Read", json!({"n": 2}), "error"),
        call(3, "Bash", json!({"n": 3}), "error"),
        call(4, "Bash", json!({"n": 4}), "success"),
        call(5, "Bash", json!({"n": 5}), "success"),
        call(6, "Bash", json!({"n": 6}), "success"),
    ]);
    let f = only(&d, IssueKind::ErrorStreak);
    assert_eq!(f.len(), 1);
    assert_eq!(ids(&f[0]), ["t1", "t2", "t3"]);
    assert_eq!(f[0].summary, "3 tool calls failed in a row (Bash, Read)");
}

#[test]
fn error_streak_broken_by_a_success_is_none() {
    let d = session(vec![
        call(1, "Bash", json!({"n": 1}), "error"),
        call(2, "Bash", json!({"n": 2}), "error"),
        call(3, "Bash", json!({"n": 3}), "success"),
        call(4, "Bash", json!({"n": 4}), "error"),
    ]);
    assert!(only(&d, IssueKind::ErrorStreak).is_empty());
}

#[test]
fn tool_errors_over_half_with_enough_calls() {
    let d = session(vec![
        call(1, "Bash", json!({"n": 1}), "error"),
        call(2, "Bash", json!({"n": 2}), "success"),
        call(3, "Bash", json!({"n": 3}), "error"),
        call(4, "Bash", json!({"n": 4}), "success"),
        call(5, "Read", json!({"n": 5}), "error"),
    ]);
    let f = only(&d, IssueKind::ToolErrors);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].summary, "3 of 5 tool calls failed (Bash, Read)");
    assert_eq!(ids(&f[0]), ["t1", "t3", "t5"]);
}

#[test]
fn tool_errors_not_at_half_nor_with_too_few_calls() {
    let half = session(vec![
        call(1, "Bash", json!({"n": 1}), "error"),
        call(2, "Bash", json!({"n": 2}), "success"),
        call(3, "Bash", json!({"n": 3}), "error"),
        call(4, "Bash", json!({"n": 4}), "success"),
    ]);
    assert!(only(&half, IssueKind::ToolErrors).is_empty());
    let few = session(vec![
        call(1, "Bash", json!({"n": 1}), "error"),
        call(2, "Bash", json!({"n": 2}), "error"),
    ]);
    assert!(only(&few, IssueKind::ToolErrors).is_empty());
}

#[test]
fn thresholds_are_taken_from_the_caller() {
    let d = session(vec![
        call(1, "Bash", json!({}), "error"),
        call(2, "Bash", json!({}), "error"),
    ]);
    let t = Thresholds {
        loop_in_a_row: 2,
        error_streak: 2,
        tool_errors_min_calls: 2,
        ..Thresholds::default()
    };
    let found = detect(&d, &t, &History::default());
    assert_eq!(
        found.iter().map(|f| f.kind).collect::<Vec<_>>(),
        [
            IssueKind::Loop,
            IssueKind::ErrorStreak,
            IssueKind::ToolErrors
        ]
    );
}

#[test]
fn limits_from_the_end_reason_or_a_turn() {
    let mut d = session(Vec::new());
    d.session.end_reason = Some("error_max_turns".into());
    d.session.num_turns = Some(3);
    d.turns[0].subtype = "error_max_turns".into();
    d.turns[0].is_error = true;
    let f = only(&d, IssueKind::Limits);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(
        f[0].summary,
        "The run hit max turns (maxTurns) after 3 turns"
    );
    assert_eq!(ids(&f[0]), ["turn0"]);
    d.session.end_reason = Some("error_max_budget_usd".into());
    assert!(only(&d, IssueKind::Limits)[0].summary.contains("budget"));
    let mut other = session(Vec::new());
    other.session.end_reason = Some("error_during_execution".into());
    assert!(only(&other, IssueKind::Limits).is_empty());
}

#[test]
fn denied_counts_calls_and_tools() {
    let d = session(vec![
        call(1, "Bash", json!({"n": 1}), "denied"),
        call(2, "Write", json!({"n": 2}), "denied"),
        call(3, "Read", json!({"n": 3}), "success"),
    ]);
    let f = only(&d, IssueKind::Denied);
    assert_eq!(f[0].summary, "2 tool calls were denied (Bash, Write)");
    assert_eq!(ids(&f[0]), ["t1", "t2"]);
    assert!(only(
        &session(vec![call(1, "Bash", json!({}), "error")]),
        IssueKind::Denied
    )
    .is_empty());
}

#[test]
fn api_trouble_from_markers_and_an_api_error_end() {
    let mut d = session(Vec::new());
    d.markers = vec![
        marker(
            1,
            "api_retry",
            json!({"error": "overloaded", "error_status": 529}),
        ),
        marker(2, "api_retry", json!({"error": "server_error"})),
        marker(3, "rate_limit", json!({"status": "rejected"})),
        marker(4, "compact", json!({})),
    ];
    let f = only(&d, IssueKind::ApiTrouble);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].summary, "2 API retries, 1 rate limit, 1 overloaded");
    assert_eq!(ids(&f[0]), ["api_retry@1", "api_retry@2", "rate_limit@3"]);
    d.session.end_reason = Some("api_error".into());
    d.session.api_error_status = Some(529);
    let f = only(&d, IssueKind::ApiTrouble);
    assert_eq!(f[0].severity, Severity::Error);
    assert!(f[0]
        .summary
        .starts_with("An API error (529) ended the run after 2 API retries"));
    let mut quiet = session(Vec::new());
    quiet.markers = vec![marker(1, "compact", json!({}))];
    assert!(only(&quiet, IssueKind::ApiTrouble).is_empty());
}

#[test]
fn context_counts_compactions_and_tokens_dropped() {
    let mut d = session(Vec::new());
    d.markers = vec![
        marker(
            1,
            "compact",
            json!({"pre_tokens": 150000, "post_tokens": 20000}),
        ),
        marker(5, "compact", json!({"trigger": "manual"})),
    ];
    let f = only(&d, IssueKind::Context);
    assert_eq!(f[0].severity, Severity::Info);
    assert_eq!(
        f[0].summary,
        "The context was compacted 2 times (130000 tokens dropped)"
    );
    assert_eq!(ids(&f[0]), ["compact@1", "compact@5"]);
    assert!(only(&session(Vec::new()), IssueKind::Context).is_empty());
}

#[test]
fn unfinished_calls_sub_agents_and_results() {
    let mut task = call(2, "Task", json!({"d": "x"}), "success");
    task.subagent = Some(SubagentRecord {
        agent_id: None,
        agent_type: None,
        description: None,
        status: "running".into(),
        background: true,
        total_tokens: None,
        tool_uses: None,
        duration_ms: None,
        summary: None,
    });
    let mut d = session(vec![call(1, "Bash", json!({}), "not_completed"), task]);
    d.turns[0].output = Some("  ".into());
    let f = only(&d, IssueKind::Unfinished);
    let summaries: Vec<&str> = f.iter().map(|f| f.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "1 tool call never completed",
            "1 sub-agent never reported back",
            "The run ended with an empty final response"
        ]
    );
    assert_eq!(ids(&f[0]), ["t1"]);
    assert_eq!(ids(&f[1]), ["t2"]);
    d.turns.clear();
    let f = only(&d, IssueKind::Unfinished);
    assert_eq!(f[2].summary, "The run ended without a result");
    assert_eq!(f[2].severity, Severity::Error);
    // A manual session reports no results: its end is its outcome.
    d.session.entry_point = Some(sentrial_protocol::ENTRY_MANUAL.into());
    assert_eq!(only(&d, IssueKind::Unfinished).len(), 2);
}

#[test]
fn an_error_result_is_not_an_empty_response() {
    let mut d = session(Vec::new());
    d.turns[0].is_error = true;
    d.turns[0].output = None;
    assert!(only(&d, IssueKind::Unfinished).is_empty());
}

#[test]
fn kinds_have_their_names_and_serialize_with_evidence() {
    let names: Vec<&str> = ISSUE_KINDS.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "loop",
            "error_streak",
            "tool_errors",
            "limits",
            "denied",
            "api_trouble",
            "context",
            "slow_tool",
            "cost_outlier",
            "unfinished"
        ]
    );
    for k in ISSUE_KINDS {
        assert_eq!(IssueKind::parse(k.as_str()), Some(*k));
        assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
    }
    assert_eq!(IssueKind::parse("nope"), None);
    let f = Finding::new(
        IssueKind::Loop,
        Severity::Warning,
        "x".into(),
        vec![Evidence::ToolCall {
            tool_use_id: "t1".into(),
        }],
    );
    assert_eq!(
        serde_json::to_value(&f).unwrap(),
        json!({"kind": "loop", "severity": "warning", "summary": "x",
               "evidence": [{"type": "tool_call", "tool_use_id": "t1"}]})
    );
}
