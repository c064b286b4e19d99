use super::*;
use serde_json::json;

fn msg(id: &str, out: u64) -> Value {
    json!({"id": id, "model": "claude-sonnet-4-5", "stop_reason": null,
               "usage": {"input_tokens": 10, "output_tokens": out, "cache_read_input_tokens": 100,
                         "cache_creation_input_tokens": 5}})
}

#[test]
fn blocks_of_one_message_are_one_call_counted_once() {
    let mut m = ModelCalls::default();
    let p = &mut Positions::default();
    assert!(m.assistant(None, &msg("a", 1), 1, p).is_none());
    assert!(m.assistant(None, &msg("a", 1), 2, p).is_none());
    assert!(m.assistant(None, &msg("a", 1), 3, p).is_none());
    let a = m.assistant(None, &msg("b", 1), 4, p).unwrap();
    assert_eq!(a.position, Some(0), "one place per call, not per block");
    assert!(!a.output_tokens_final);
    assert_eq!(
        (a.message_id.as_str(), a.started_at, a.ended_at),
        ("a", 1, 3)
    );
    assert_eq!(a.input_tokens, 10);
    let rest = m.close_all();
    assert_eq!(rest.len(), 1);
    let r = m.reconcile(&Usage {
        prompt_tokens: 20,
        completion_tokens: 2,
        cache_read_tokens: 200,
        cache_creation_tokens: 10,
        ..Usage::default()
    });
    assert!(r.matches, "{r:?}");
    assert_eq!(r.model_calls, 2);
}

#[test]
fn message_delta_brings_the_final_output_and_stop_reason() {
    let mut m = ModelCalls::default();
    let p = &mut Positions::default();
    let start = json!({"type": "message_start", "message": {"id": "s", "usage": {}}});
    m.stream_event(Some("task"), &start, Some(87), 0);
    m.assistant(Some("task"), &msg("s", 1), 1, p);
    m.stream_event(Some("task"), &json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 42}}), None, 2);
    let c = m.close(Some("task")).unwrap();
    assert_eq!(c.output_tokens, 42);
    assert!(c.output_tokens_final);
    assert_eq!(c.ttft_ms, Some(87));
    assert_eq!(c.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(c.parent_tool_use_id.as_deref(), Some("task"));
}

#[test]
fn contexts_do_not_close_each_other_and_synthetic_is_skipped() {
    let mut m = ModelCalls::default();
    let p = &mut Positions::default();
    m.assistant(None, &msg("main", 1), 1, p);
    assert!(m.assistant(Some("t"), &msg("sub", 1), 2, p).is_none());
    assert!(m
        .assistant(None, &json!({"id": "x", "model": "<synthetic>"}), 3, p)
        .is_none());
    m.block(
        Some("t"),
        Block::Text {
            text: "sub says".into(),
        },
    );
    let calls = m.close_all();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[1].content,
        vec![Block::Text {
            text: "sub says".into()
        }]
    );
    assert_eq!(calls[0].content, vec![]);
}

#[test]
fn a_ttft_of_another_message_is_not_taken() {
    let mut m = ModelCalls::default();
    let p = &mut Positions::default();
    let start = json!({"type": "message_start", "message": {"id": "other"}});
    m.stream_event(None, &start, Some(5), 0);
    m.assistant(None, &msg("a", 1), 1, p);
    assert_eq!(m.close_all()[0].ttft_ms, None);
}

#[test]
fn a_mismatch_says_so() {
    let mut m = ModelCalls::default();
    m.assistant(None, &msg("a", 1), 1, &mut Positions::default());
    m.close_all();
    let r = m.reconcile(&Usage {
        prompt_tokens: 10,
        completion_tokens: 50,
        cache_read_tokens: 100,
        cache_creation_tokens: 5,
        ..Usage::default()
    });
    assert!(!r.matches);
    assert!(r.note.unwrap().contains("output 1"));
}
