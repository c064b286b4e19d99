use super::*;
use serde_json::json;

fn hook(status: ToolStatus, out: Value, at: i64) -> Outcome {
    Outcome {
        status,
        tool_name: Some("Bash".into()),
        input: Some(json!({"command": "echo hi"})),
        output: out,
        error: None,
        duration_ms: Some(7),
        ended_at: at,
        mcp_server: None,
    }
}

fn pos() -> &'static mut Positions {
    Box::leak(Box::default())
}

#[test]
fn block_then_hook_emits_once_with_both_halves() {
    let mut t = ToolCalls::default();
    assert!(t
        .named(
            "a",
            "Bash",
            json!({"command": "x"}),
            Some("p".into()),
            10,
            10
        )
        .is_none());
    let call = t
        .finished_by_hook("a", hook(ToolStatus::Success, json!({"stdout": "hi"}), 20))
        .unwrap();
    assert_eq!(call.seq, 0);
    assert_eq!(call.parent_tool_use_id.as_deref(), Some("p"));
    // The model asked for `x`; what ran (the hook's tool_input) was `echo hi`.
    assert_eq!(call.input, json!({"command": "x"}));
    assert_eq!(call.updated_input, Some(json!({"command": "echo hi"})));
    assert_eq!(call.position, Some(10));
    assert_eq!(call.output["stdout"], "hi");
    assert_eq!((call.started_at, call.ended_at), (Some(10), Some(20)));
    assert!(t.result_block("a", false, json!("hi"), None, 30).is_none());
    assert!(t.close_all(40, pos()).is_empty());
}

#[test]
fn hook_before_block_waits_for_the_block() {
    let mut t = ToolCalls::default();
    t.named("first", "Read", json!({}), None, 1, 1);
    assert!(t
        .finished_by_hook("b", hook(ToolStatus::Error, Value::Null, 5))
        .is_none());
    let call = t.named("b", "Bash", json!({}), None, 6, 6).unwrap();
    assert_eq!(call.seq, 1);
    assert_eq!(call.status, ToolStatus::Error);
}

#[test]
fn result_block_recovers_and_late_hook_replaces() {
    let mut t = ToolCalls::default();
    t.named("c", "Grep", json!({"pattern": "x"}), None, 1, 1);
    let recovered = t.result_block("c", true, json!("boom"), None, 2).unwrap();
    assert_eq!(recovered.status, ToolStatus::Error);
    assert_eq!(recovered.error.as_deref(), Some("boom"));
    assert_eq!(recovered.input, json!({"pattern": "x"}));
    let replaced = t
        .finished_by_hook("c", hook(ToolStatus::Success, json!("ok"), 3))
        .unwrap();
    assert_eq!(replaced.seq, 0);
    assert_eq!(replaced.status, ToolStatus::Success);
    assert!(t
        .finished_by_hook("c", hook(ToolStatus::Success, json!("ok"), 4))
        .is_none());
}

#[test]
fn close_all_marks_open_calls_not_completed_in_order() {
    let mut t = ToolCalls::default();
    t.named("x", "Bash", json!({"command": "sleep 9"}), None, 1, 1);
    t.named("y", "Read", json!({}), None, 2, 2);
    t.finished_by_hook("orphan", hook(ToolStatus::Success, json!("o"), 3));
    let calls = t.close_all(9, pos());
    let ids: Vec<_> = calls.iter().map(|c| c.tool_use_id.as_str()).collect();
    assert_eq!(ids, ["x", "y", "orphan"]);
    assert_eq!(calls[0].status, ToolStatus::NotCompleted);
    assert_eq!(calls[0].input, json!({"command": "sleep 9"}));
    assert_eq!(calls[2].status, ToolStatus::Success);
    assert_eq!(calls[2].seq, 2);
    assert_eq!(calls[2].tool_name, "Bash");
}

#[test]
fn a_denial_named_only_by_the_result_re_emits_the_call_as_denied() {
    let mut t = ToolCalls::default();
    t.named("w", "Write", json!({"file_path": "/x"}), None, 1, 1);
    let first = t
        .result_block("w", true, json!("not allowed"), None, 2)
        .unwrap();
    assert_eq!(first.status, ToolStatus::Error);
    let again = t
        .denied_by_result("w", json!({"file_path": "/x"}), 3)
        .unwrap();
    assert_eq!(again.status, ToolStatus::Denied);
    assert_eq!(again.seq, 0);
    assert_eq!(again.input["file_path"], "/x");
    // The tool_result's text is the reason; the refusal ended when its tool_result came.
    assert_eq!(again.error.as_deref(), Some("not allowed"));
    assert_eq!((again.ended_at, again.duration_ms), (Some(2), None));
    assert!(t.denied_by_result("w", Value::Null, 4).is_none(), "once");
}

fn same_input_hook(at: i64) -> Outcome {
    Outcome {
        input: Some(json!({})),
        ..hook(ToolStatus::Success, json!("ok"), at)
    }
}

#[test]
fn a_call_that_ran_as_asked_has_no_updated_input() {
    let mut t = ToolCalls::default();
    t.named("a", "Bash", json!({}), None, 1, 1);
    let call = t.finished_by_hook("a", same_input_hook(2)).unwrap();
    assert_eq!((call.input, call.updated_input), (json!({}), None));
}

#[test]
fn the_deciding_callback_reason_wins_in_any_order() {
    // canUseTool denied with a message, then the tool_result (a generic text after
    // `interrupt: true`), then the system message, then the result.
    let meta = json!({"id": "d", "non_execution_kind": "user-rejected"});
    let callback = Denial {
        reason: Some("stop everything".into()),
        by: Some("can_use_tool".into()),
    };
    let mut t = ToolCalls::default();
    t.named("d", "Write", json!({"file_path": "/x"}), None, 1, 1);
    t.refused_by_callback("d", callback.clone());
    t.denied(
        "d",
        Denial {
            reason: Some("generic".into()),
            by: Some("rule".into()),
        },
    );
    let call = t
        .result_block(
            "d",
            true,
            json!("The user doesn't want to proceed"),
            Some(&meta),
            5,
        )
        .unwrap();
    assert_eq!(call.status, ToolStatus::Denied);
    assert_eq!(call.error.as_deref(), Some("stop everything"));
    assert_eq!(call.denied_by.as_deref(), Some("can_use_tool"));
    assert_eq!(call.output, json!("The user doesn't want to proceed"));
    assert!(
        t.denied_by_result("d", json!({}), 9).is_none(),
        "already denied"
    );
}

#[test]
fn a_hook_denial_is_known_from_its_tool_result_and_meta() {
    // SDK 0.3.337: a PreToolUse deny; the tool_result carries the reason after a prefix.
    let meta = json!({"id": "h", "non_execution_kind": "permission-rule", "refused_by": "hook",
                          "permission_decision": {"decision": "reject", "source": "hook"}});
    let mut t = ToolCalls::default();
    t.named("h", "Bash", json!({"command": "ls"}), None, 1, 1);
    let call = t
        .result_block(
            "h",
            true,
            json!("PreToolUse:Bash hook error: no shell today"),
            Some(&meta),
            2,
        )
        .unwrap();
    assert_eq!(call.status, ToolStatus::Denied);
    assert_eq!(call.error.as_deref(), Some("no shell today"));
    assert_eq!(call.denied_by.as_deref(), Some("hook"));
    // canUseTool's own refusal, named by the meta's source.
    let meta =
        json!({"id": "c", "permission_decision": {"decision": "reject", "source": "user_reject"}});
    t.named("c", "Write", json!({}), None, 3, 3);
    let call = t
        .result_block("c", true, json!("writes are off"), Some(&meta), 4)
        .unwrap();
    assert_eq!(
        (call.error.as_deref(), call.denied_by.as_deref()),
        (Some("writes are off"), Some("can_use_tool"))
    );
    // An accepted call's meta changes nothing.
    let meta =
        json!({"id": "ok", "permission_decision": {"decision": "accept", "source": "config"}});
    t.named("ok", "Bash", json!({}), None, 5, 5);
    let call = t
        .result_block("ok", true, json!("exit 1"), Some(&meta), 6)
        .unwrap();
    assert_eq!((call.status, call.denied_by), (ToolStatus::Error, None));
}

#[test]
fn a_call_the_result_alone_denies_has_no_reason_and_no_duration() {
    let mut t = ToolCalls::default();
    t.named("q", "Bash", json!({"command": "x"}), None, 1, 1);
    let call = t.denied_by_result("q", json!({"command": "x"}), 7).unwrap();
    assert_eq!(call.status, ToolStatus::Denied);
    assert_eq!(
        (call.error, call.denied_by, call.duration_ms),
        (None, None, None)
    );
    assert!(t.close_all(9, pos()).is_empty());
}

#[test]
fn mcp_calls_name_their_server() {
    let mut t = ToolCalls::default();
    t.named("m", "mcp__calc__add", json!({"a": 2}), None, 1, 1);
    let call = t.result_block("m", false, json!("5"), None, 2).unwrap();
    assert_eq!(call.mcp_server.as_deref(), Some("calc"));
    // The hook's provenance wins over the name.
    t.named("n", "mcp__x__y", json!({}), None, 3, 3);
    let mut outcome = same_input_hook(4);
    outcome.mcp_server = Some("configured-name".into());
    let call = t.finished_by_hook("n", outcome).unwrap();
    assert_eq!(call.mcp_server.as_deref(), Some("configured-name"));
}

#[test]
fn errors_after_an_interrupt_are_interrupts() {
    let mut t = ToolCalls::default();
    t.named("a", "Bash", json!({}), None, 1, 1);
    t.interrupting();
    let call = t
        .result_block("a", true, json!("stopped"), None, 2)
        .unwrap();
    assert_eq!(call.status, ToolStatus::Interrupted);
}

#[test]
fn pre_tool_use_sets_start_time() {
    let mut t = ToolCalls::default();
    t.started("z", 5);
    t.named("z", "Bash", json!({}), None, 8, 8);
    let call = t
        .finished_by_hook("z", hook(ToolStatus::Success, Value::Null, 9))
        .unwrap();
    assert_eq!(call.started_at, Some(5));
}
