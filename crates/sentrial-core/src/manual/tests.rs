use super::*;
use serde_json::json;

fn new(out: &mut Vec<Payload>) -> ManualState {
    let start = serde_json::from_value(json!({
        "agentName": "planner", "userId": "u1", "name": "plan trip", "parentSessionId": "parent-1",
        "metadata": {"version": "1.3.0"}
    }))
    .unwrap();
    ManualState::new(start, 1_000, out)
}

/// A step as the JS layer writes it.
fn step(v: serde_json::Value) -> Step {
    serde_json::from_value(v).unwrap()
}

fn ending(v: serde_json::Value) -> ManualEnd {
    serde_json::from_value(v).unwrap()
}

fn llm(model: &str, cost: Option<f64>) -> Step {
    step(json!({
        "kind": "llm_call", "model": model, "promptTokens": 1_000_000, "completionTokens": 100_000.7,
        "costUsd": cost, "durationMs": 250, "output": "ok"
    }))
}

fn end_of(out: &[Payload]) -> &SessionEnd {
    match out.last() {
        Some(Payload::SessionEnd(end)) => end,
        other => panic!("no end: {other:?}"),
    }
}

#[test]
fn the_start_comes_first_with_name_parent_and_entry_point() {
    let mut out = Vec::new();
    let _state = new(&mut out);
    let Payload::SessionStart(start) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(start.name.as_deref(), Some("plan trip"));
    assert_eq!(start.parent_session_id.as_deref(), Some("parent-1"));
    assert_eq!(start.entry_point.as_deref(), Some("manual"));
    assert_eq!(start.started_at, 1_000);
    assert_eq!(start.metadata["version"], "1.3.0");
}

#[test]
fn steps_are_placed_in_order_and_tool_calls_numbered() {
    let mut out = Vec::new();
    let mut s = new(&mut out);
    let tool = |name: &str, error: Option<&str>| {
        step(json!({
            "kind": "tool_call", "toolName": name, "toolInput": {"q": 1}, "toolError": error,
            "reasoning": "needed", "durationMs": 40
        }))
    };
    s.step(tool("search", None), 2_000, &mut out);
    let decision = json!({
        "kind": "decision", "reasoning": "cheapest", "alternatives": ["train", "plane"],
        "chosen": "train"
    });
    s.step(step(decision), 2_001, &mut out);
    s.step(tool("book", Some("sold out")), 2_002, &mut out);
    let error = json!({"kind": "error", "message": "sold out", "errorType": "BookingError"});
    s.step(step(error), 2_003, &mut out);
    let [_, Payload::ToolCall(a), Payload::Decision(d), Payload::ToolCall(b), Payload::Error(e)] =
        &out[..]
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        (a.position, d.position, b.position, e.position),
        (Some(0), 1, Some(2), 3)
    );
    assert_eq!((a.seq, b.seq), (0, 1));
    assert_eq!(a.status, ToolStatus::Success);
    assert_eq!(b.status, ToolStatus::Error);
    assert_eq!(b.error.as_deref(), Some("sold out"));
    assert_eq!(a.started_at, Some(1_960));
    assert_eq!(a.reasoning.as_deref(), Some("needed"));
    assert_ne!(a.tool_use_id, b.tool_use_id);
    assert_eq!(d.chosen.as_deref(), Some("train"));
}

#[test]
fn the_cost_is_the_sum_of_the_calls_given_or_estimated() {
    let mut out = Vec::new();
    let mut s = new(&mut out);
    s.step(llm("gpt-4o", Some(0.5)), 2_000, &mut out);
    s.step(llm("claude-sonnet-4-5", None), 3_000, &mut out);
    let Payload::LlmCall(priced) = &out[2] else {
        panic!("{out:?}")
    };
    // 1M input at $3 + 100k output at $15.
    assert_eq!(priced.cost_usd, Some(4.5));
    assert!(priced.cost_estimated);
    assert_eq!(priced.started_at, 2_750);
    s.complete(ending(json!({})), 4_000, &mut out);
    let end = end_of(&out);
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(end.usage.cost_usd, 5.0);
    assert!(end.usage.cost_estimated);
    assert_eq!(end.usage.prompt_tokens, 2_000_000);
    assert_eq!(end.usage.total_tokens, 2_200_000);
    assert_eq!(end.usage.by_model["gpt-4o"].cost_usd, 0.5);
    assert_eq!(end.num_turns, Some(2));
    assert_eq!(end.api_duration_ms, Some(500));
    assert_eq!(end.duration_ms, 3_000);
}

#[test]
fn given_costs_are_not_estimated_and_the_end_may_replace_figures() {
    let mut out = Vec::new();
    let mut s = new(&mut out);
    s.step(llm("gpt-4o", Some(0.25)), 2_000, &mut out);
    let given = ending(json!({
        "success": false, "failureReason": "no seats", "completionTokens": 7,
        "customMetrics": {"satisfaction": 4, "": 1}
    }));
    s.complete(given, 3_000, &mut out);
    let end = end_of(&out);
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(end.failure_reason.as_deref(), Some("no seats"));
    assert_eq!(end.end_reason.as_deref(), Some(END_ERROR_RESULT));
    assert!(!end.usage.cost_estimated);
    assert_eq!(end.usage.completion_tokens, 7);
    assert_eq!(end.usage.total_tokens, 1_000_007);
    assert_eq!(end.metrics, [("satisfaction".to_string(), 4.0)].into());

    let mut out = Vec::new();
    let s = new(&mut out);
    s.complete(ending(json!({"estimatedCost": 1.25})), 3_000, &mut out);
    assert_eq!(end_of(&out).usage.cost_usd, 1.25);
    assert!(end_of(&out).usage.cost_estimated);
}

#[test]
fn an_input_given_at_the_end_sends_the_start_again() {
    let mut out = Vec::new();
    let s = new(&mut out);
    s.complete(
        ending(json!({"userInput": "book a train"})),
        3_000,
        &mut out,
    );
    let Payload::SessionStart(again) = &out[1] else {
        panic!("{out:?}")
    };
    assert_eq!(again.input.as_deref(), Some("book a train"));
    assert_eq!(again.name.as_deref(), Some("plan trip"));
}

#[test]
fn an_abandoned_session_fails_with_what_it_reported() {
    let mut out = Vec::new();
    let mut s = new(&mut out);
    s.step(llm("gpt-4o", Some(0.5)), 2_000, &mut out);
    s.abandon(Ending::Shutdown, 5_000, &mut out);
    let end = end_of(&out);
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(end.end_reason.as_deref(), Some(END_SHUTDOWN));
    assert_eq!(end.usage.cost_usd, 0.5);
}
