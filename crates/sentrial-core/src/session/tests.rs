use super::*;
use sentrial_protocol::{SessionStart, SessionStatus, ToolCall};
use serde_json::json;

fn init() -> SessionInit {
    SessionInit {
        agent: "my-agent".into(),
        user_id: "user-123".into(),
        convo_id: Some("convo-abc".into()),
        metadata: json!({"environment": "production"})
            .as_object()
            .unwrap()
            .clone(),
        input: Some("Fix the tests".into()),
        started_at: 1_000,
        ..Default::default()
    }
}

fn system_init() -> Value {
    json!({"type": "system", "subtype": "init", "session_id": "cc-1", "model": "claude-sonnet-4-5",
           "cwd": "/tmp/x", "permissionMode": "default", "claude_code_version": "2.1.0", "tools": ["Bash"]})
}

fn assistant(id: &str, blocks: Value, parent: Option<&str>) -> Value {
    json!({"type": "assistant", "parent_tool_use_id": parent,
           "message": {"id": id, "model": "claude-sonnet-4-5", "content": blocks,
                       "usage": {"input_tokens": 10, "output_tokens": 5}}})
}

fn tool_result(id: &str, content: &str, is_error: bool) -> Value {
    json!({"type": "user", "parent_tool_use_id": null,
           "message": {"role": "user", "content": [
               {"type": "tool_result", "tool_use_id": id, "content": content, "is_error": is_error}]}})
}

fn post_tool_use(id: &str, stdout: &str) -> Value {
    json!({"hook_event_name": "PostToolUse", "session_id": "cc-1", "tool_name": "Bash",
           "tool_input": {"command": "echo hi"}, "tool_response": {"stdout": stdout, "stderr": ""},
           "tool_use_id": id, "duration_ms": 12})
}

fn result(cost: f64, is_error: bool, subtype: &str) -> Value {
    json!({"type": "result", "subtype": subtype, "is_error": is_error, "result": "All done",
           "duration_ms": 900, "duration_api_ms": 700, "num_turns": 2, "total_cost_usd": cost,
           "usage": {"input_tokens": 1, "output_tokens": 1},
           "modelUsage": {"claude-sonnet-4-5": {"inputTokens": 100, "outputTokens": 40,
               "cacheReadInputTokens": 500, "cacheCreationInputTokens": 60, "costUSD": cost}}})
}

fn run(s: &mut SessionState, inputs: Vec<(&str, Value)>) -> Vec<Payload> {
    let mut out = Vec::new();
    for (i, (kind, v)) in inputs.into_iter().enumerate() {
        let now = 2_000 + i as i64 * 100;
        match kind {
            "msg" => s.on_message(v, now, &mut out),
            "hook" => s.on_hook(v, now, &mut out),
            _ => unreachable!(),
        }
    }
    out
}

fn tool_calls(out: &[Payload]) -> Vec<&ToolCall> {
    out.iter()
        .filter_map(|p| match p {
            Payload::ToolCall(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn end_of(out: &[Payload]) -> &SessionEnd {
    match out.last() {
        Some(Payload::SessionEnd(e)) => e,
        other => panic!("expected an end, got {other:?}"),
    }
}

#[test]
fn a_full_session_in_order() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            (
                "msg",
                assistant(
                    "m1",
                    json!([{"type": "text", "text": "Let me look"},
                       {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "echo hi"}}]),
                    None,
                ),
            ),
            ("hook", post_tool_use("t1", "hi\n")),
            ("msg", tool_result("t1", "hi", false)),
            ("msg", result(0.25, false, "success")),
        ],
    );
    s.finish(Ending::Done, 9_000, &mut out);

    let Payload::SessionStart(start) = &out[0] else {
        panic!("start must come first: {out:?}")
    };
    assert_eq!(start.agent, "my-agent");
    assert_eq!(start.user_id, "user-123");
    assert_eq!(start.convo_id.as_deref(), Some("convo-abc"));
    assert_eq!(start.claude_session_id.as_deref(), Some("cc-1"));
    assert_eq!(start.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(start.input.as_deref(), Some("Fix the tests"));
    assert_eq!(start.metadata["environment"], "production");
    assert_eq!(start.metadata["cwd"], "/tmp/x");
    assert_eq!(start.started_at, 1_000);

    let calls = tool_calls(&out);
    assert_eq!(calls.len(), 1, "{out:?}");
    assert_eq!(calls[0].tool_use_id, "t1");
    assert_eq!(calls[0].status, ToolStatus::Success);
    assert_eq!(calls[0].output["stdout"], "hi\n");
    assert_eq!(calls[0].duration_ms, Some(12));

    let end = end_of(&out);
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(end.output.as_deref(), Some("All done"));
    assert_eq!(end.usage.cost_usd, 0.25);
    assert_eq!(end.usage.prompt_tokens, 100);
    assert_eq!(end.usage.cache_read_tokens, 500);
    assert_eq!(end.api_duration_ms, Some(700));
    // Wall clock from the call (1000) to the result (2000 + 4 * 100).
    assert_eq!(end.duration_ms, 1_400);
    assert_eq!(end.results, 1);
}

#[test]
fn latest_result_wins_and_is_never_summed() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            ("msg", result(0.10, false, "success")),
            ("msg", result(0.30, false, "success")),
        ],
    );
    s.finish(Ending::Done, 5_000, &mut out);
    let end = end_of(&out);
    assert_eq!(end.usage.cost_usd, 0.30);
    assert_eq!(end.usage.prompt_tokens, 100);
    assert_eq!(end.results, 2);
    let indexes: Vec<u32> = out
        .iter()
        .filter_map(|p| match p {
            Payload::SessionResult(r) => Some(r.index),
            _ => None,
        })
        .collect();
    assert_eq!(indexes, [0, 1]);
}

#[test]
fn error_result_then_throw_is_failed_with_the_thrown_reason() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            ("msg", result(0.0, true, "success")),
        ],
    );
    s.finish(
        Ending::Threw {
            message: "Claude Code returned an error result: API Error: 400".into(),
            aborted: false,
        },
        3_000,
        &mut out,
    );
    let end = end_of(&out);
    assert_eq!(end.status, SessionStatus::Failed);
    assert!(end
        .failure_reason
        .as_deref()
        .unwrap()
        .contains("API Error: 400"));
}

#[test]
fn error_subtype_without_throw_fails_with_subtype() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            ("msg", result(0.01, true, "error_max_turns")),
        ],
    );
    s.finish(Ending::Done, 3_000, &mut out);
    let end = end_of(&out);
    assert_eq!(end.status, SessionStatus::Failed);
    assert!(end
        .failure_reason
        .as_deref()
        .unwrap()
        .starts_with("error_max_turns"));
}

#[test]
fn abort_early_break_and_interrupt() {
    for (ending, status, reason) in [
        (
            Ending::Threw {
                message: "Operation aborted".into(),
                aborted: true,
            },
            SessionStatus::Failed,
            "aborted: Operation aborted",
        ),
        (
            Ending::Stopped,
            SessionStatus::Interrupted,
            "the caller stopped iterating before a result",
        ),
        (
            Ending::Interrupted,
            SessionStatus::Interrupted,
            "interrupted through query.interrupt()",
        ),
    ] {
        let mut s = SessionState::new(init());
        let mut out = run(&mut s, vec![("msg", system_init())]);
        s.finish(ending, 3_000, &mut out);
        let end = end_of(&out);
        assert_eq!(end.status, status);
        assert_eq!(end.failure_reason.as_deref(), Some(reason));
        assert_eq!(end.duration_ms, 2_000);
    }
}

#[test]
fn break_after_a_result_is_completed() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            ("msg", result(0.2, false, "success")),
        ],
    );
    s.finish(Ending::Stopped, 3_000, &mut out);
    assert_eq!(end_of(&out).status, SessionStatus::Completed);
}

#[test]
fn never_started_session_still_has_start_then_end() {
    let s = SessionState::new(init());
    let mut out = Vec::new();
    s.finish(
        Ending::Threw {
            message: "spawn ENOENT".into(),
            aborted: false,
        },
        1_500,
        &mut out,
    );
    assert!(matches!(out[0], Payload::SessionStart(_)));
    assert_eq!(end_of(&out).status, SessionStatus::Failed);
    assert_eq!(out.len(), 2);
}

#[test]
fn streamed_turns_before_init_follow_the_start() {
    let mut s = SessionState::new(SessionInit {
        input: None,
        ..init()
    });
    let mut out = Vec::new();
    s.on_user_turn("first".into(), &mut out);
    assert!(out.is_empty(), "nothing before the start");
    s.on_message(system_init(), 2_000, &mut out);
    s.on_user_turn("second".into(), &mut out);
    let kinds: Vec<String> = out
        .iter()
        .map(|p| match p {
            Payload::SessionStart(_) => "start".into(),
            Payload::SessionInput(i) => format!("{}:{}", i.turn, i.text),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["start", "0:first", "1:second"]);
}

#[test]
fn subagent_calls_carry_their_parent_and_failures_their_error() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            (
                "msg",
                assistant(
                    "m1",
                    json!([{"type": "tool_use", "id": "task1", "name": "Task", "input": {"prompt": "go"}}]),
                    None,
                ),
            ),
            (
                "msg",
                assistant(
                    "m2",
                    json!([{"type": "tool_use", "id": "sub1", "name": "Bash", "input": {"command": "false"}}]),
                    Some("task1"),
                ),
            ),
            (
                "hook",
                json!({"hook_event_name": "PostToolUseFailure", "tool_name": "Bash", "tool_use_id": "sub1",
                       "tool_input": {"command": "false"}, "error": "Exit code 1", "is_interrupt": false}),
            ),
        ],
    );
    s.finish(Ending::Done, 9_000, &mut out);
    let calls = tool_calls(&out);
    assert_eq!(calls.len(), 2);
    let sub = calls.iter().find(|c| c.tool_use_id == "sub1").unwrap();
    assert_eq!(sub.parent_tool_use_id.as_deref(), Some("task1"));
    assert_eq!(sub.status, ToolStatus::Error);
    assert_eq!(sub.error.as_deref(), Some("Exit code 1"));
    let task = calls.iter().find(|c| c.tool_use_id == "task1").unwrap();
    assert_eq!(task.status, ToolStatus::NotCompleted);
    assert_eq!(task.seq, 0);
    assert_eq!(sub.seq, 1);
}

#[test]
fn unknown_and_malformed_messages_are_ignored() {
    let mut s = SessionState::new(init());
    let out = run(
        &mut s,
        vec![
            ("msg", json!({"type": "stream_event", "event": {}})),
            ("msg", json!({"type": "future_kind", "x": [1, 2]})),
            (
                "msg",
                json!({"type": "assistant", "message": "not an object"}),
            ),
            (
                "msg",
                json!({"type": "user", "message": {"content": "plain text"}}),
            ),
            ("msg", json!(42)),
            ("hook", json!({"hook_event_name": "Notification"})),
        ],
    );
    assert!(out.is_empty(), "{out:?}");
}

fn start_of(out: &[Payload]) -> &SessionStart {
    out.iter()
        .rev()
        .find_map(|p| match p {
            Payload::SessionStart(s) => Some(s),
            _ => None,
        })
        .expect("a start")
}

#[test]
fn the_start_names_what_the_run_resumed_or_forked() {
    let cases = [
        (Some("cc-0"), false, false, (Some("cc-0"), None)),
        (Some("cc-0"), true, false, (None, Some("cc-0"))),
        // `continue` goes on with the session its init names.
        (None, false, true, (Some("cc-1"), None)),
        (None, false, false, (None, None)),
    ];
    for (resume, fork, continue_latest, (resumed, forked)) in cases {
        let mut s = SessionState::new(SessionInit {
            resume: resume.map(Into::into),
            fork,
            continue_latest,
            entry_point: Some("startup".into()),
            ..init()
        });
        let out = run(&mut s, vec![("msg", system_init())]);
        let start = start_of(&out);
        assert_eq!(
            (start.resumed_from.as_deref(), start.forked_from.as_deref()),
            (resumed, forked),
            "{resume:?} {fork} {continue_latest}"
        );
        assert_eq!(start.entry_point.as_deref(), Some("startup"));
    }
}

#[test]
fn init_lists_the_mcp_servers() {
    let mut s = SessionState::new(init());
    let mut msg = system_init();
    msg["mcp_servers"] = json!([{"name": "calc", "status": "connected"}, {"name": "down", "status": "failed"}, {"x": 1}]);
    let out = run(&mut s, vec![("msg", msg)]);
    let servers: Vec<_> = start_of(&out)
        .mcp_servers
        .iter()
        .map(|m| (m.name.as_str(), m.status.as_str()))
        .collect();
    assert_eq!(servers, [("calc", "connected"), ("down", "failed")]);
}

#[test]
fn a_resumed_run_reports_only_what_it_spent() {
    // The figures of SDK 0.3.337 for a run that resumed a session that had spent $0.0116025.
    let mut s = SessionState::new(SessionInit {
        resume: Some("cc-1".into()),
        ..init()
    });
    let mut r = result(0.0140175, false, "success");
    r["modelUsage"] = json!({"claude-sonnet-4-5": {"inputTokens": 245, "outputTokens": 75,
        "cacheReadInputTokens": 4900, "cacheCreationInputTokens": 2850, "costUSD": 0.0140175}});
    r["model_usage_since_last_result"] = json!({"claude-sonnet-4-5": {"inputTokens": 70,
        "outputTokens": 22, "cacheReadInputTokens": 2500, "cacheCreationInputTokens": 300,
        "costUSD": 0.0024149999999999996}});
    let mut out = run(&mut s, vec![("msg", system_init()), ("msg", r)]);
    s.finish(Ending::Done, 5_000, &mut out);
    let end = end_of(&out);
    assert_eq!(
        (end.usage.prompt_tokens, end.usage.completion_tokens),
        (70, 22)
    );
    assert_eq!(end.usage.cost_usd, 0.0024149999999999996);
    let carried = end.carried.as_ref().unwrap();
    assert!((carried.cost_usd - 0.0116025).abs() < 1e-12);
    assert_eq!(carried.cache_read_tokens, 2400);
}

#[test]
fn a_denial_a_callback_explained_keeps_its_words() {
    let mut s = SessionState::new(init());
    s.on_decision(
        json!({"tool_use_id": "w1", "source": "can_use_tool", "behavior": "deny",
                         "message": "writes are off", "interrupt": true}),
    );
    // An allow says nothing about a refusal.
    s.on_decision(json!({"tool_use_id": "b1", "source": "hook", "behavior": "allow"}));
    let mut out = run(
        &mut s,
        vec![
            (
                "msg",
                assistant(
                    "m1",
                    json!([{"type": "tool_use", "id": "w1", "name": "Write", "input": {"file_path": "/x"}},
                           {"type": "tool_use", "id": "b1", "name": "Bash", "input": {"command": "false"}}]),
                    None,
                ),
            ),
            (
                "msg",
                tool_result("w1", "The user doesn't want to proceed", true),
            ),
            ("msg", tool_result("b1", "Exit code 1", true)),
        ],
    );
    s.finish(Ending::Done, 9_000, &mut out);
    let calls = tool_calls(&out);
    let w = calls.iter().find(|c| c.tool_use_id == "w1").unwrap();
    assert_eq!(w.status, ToolStatus::Denied);
    assert_eq!(w.error.as_deref(), Some("writes are off"));
    assert_eq!(w.denied_by.as_deref(), Some("can_use_tool"));
    let b = calls.iter().find(|c| c.tool_use_id == "b1").unwrap();
    assert_eq!(b.status, ToolStatus::Error);
}

#[test]
fn markers_take_their_place_between_model_calls() {
    let mut s = SessionState::new(init());
    let mut out = run(
        &mut s,
        vec![
            ("msg", system_init()),
            (
                "msg",
                json!({"type": "system", "subtype": "api_retry", "attempt": 1, "max_retries": 10,
                       "retry_delay_ms": 500, "error_status": 529, "error": "overloaded"}),
            ),
            (
                "msg",
                assistant(
                    "m1",
                    json!([{"type": "thinking", "thinking": "plan", "signature": "sig"},
                           {"type": "text", "text": "Done"}]),
                    None,
                ),
            ),
            (
                "msg",
                json!({"type": "system", "subtype": "compact_boundary",
                       "compact_metadata": {"trigger": "manual", "pre_tokens": 1000, "post_tokens": 100}}),
            ),
            (
                "msg",
                json!({"type": "rate_limit_event", "rate_limit_info": {"status": "allowed"}}),
            ),
        ],
    );
    s.finish(Ending::Done, 9_000, &mut out);
    let placed: Vec<(u32, String)> = out
        .iter()
        .filter_map(|p| match p {
            Payload::Marker(m) => Some((m.position, m.kind.clone())),
            Payload::ModelCall(c) => Some((c.position.unwrap(), format!("call {:?}", c.content))),
            _ => None,
        })
        .collect();
    assert_eq!(
        placed,
        [
            (0, "api_retry".to_string()),
            (2, "compact".to_string()),
            (
                1,
                "call [Thinking { thinking: \"plan\" }, Text { text: \"Done\" }]".to_string()
            ),
        ]
    );
}
