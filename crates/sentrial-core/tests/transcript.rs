//! What a session tells beyond its figures, from the REAL recorded SDK streams: the transcript
//! (each model call's text, thinking and tool uses, numbered in stream order), markers, end
//! reasons and denial reasons.

mod replay;

use replay::*;
use sentrial_protocol::{Block, Payload, ToolStatus};
use std::collections::HashSet;

/// The transcript place of a payload that has one.
fn position_of(p: &Payload) -> Option<u32> {
    match p {
        Payload::SessionInput(i) => i.position,
        Payload::ToolCall(c) => c.position,
        Payload::ModelCall(c) => c.position,
        Payload::Marker(m) => Some(m.position),
        Payload::SessionResult(r) => r.position,
        _ => None,
    }
}

#[test]
fn every_item_of_every_fixture_has_its_own_place_in_stream_order() {
    for name in ALL {
        let (_, run) = Run::of(name);
        let mut seen: HashSet<(u32, String)> = HashSet::new();
        let mut places = HashSet::new();
        for p in &run.out {
            let Some(place) = position_of(p) else {
                continue;
            };
            // A call re-emitted (a late hook, a denial) keeps its place; nothing else shares one.
            let who = match p {
                Payload::ToolCall(c) => format!("tool {}", c.tool_use_id),
                other => format!("{other:?}"),
            };
            if seen.insert((place, who)) {
                assert!(places.insert(place), "{name}: place {place} given twice");
            }
        }
        // A tool call comes after the model call whose tool_use block named it.
        let calls = run.model_calls();
        for c in run.final_calls() {
            let Some(asked) = calls.iter().find(|m| {
                m.content
                    .iter()
                    .any(|b| matches!(b, Block::ToolUse { id, .. } if *id == c.tool_use_id))
            }) else {
                continue;
            };
            assert!(
                c.position > asked.position,
                "{name}: {} at {:?}, its model call at {:?}",
                c.tool_use_id,
                c.position,
                asked.position
            );
        }
    }
}

#[test]
fn model_calls_keep_what_the_model_wrote() {
    let (_, run) = Run::of("hello");
    let calls = run.model_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].content,
        vec![Block::Text {
            text: "Hello from the scripted model. Done: hello".into()
        }]
    );
    let (_, run) = Run::of("tool-success");
    let calls = run.model_calls();
    let bash = &run.final_calls()[0];
    assert_eq!(
        calls[0].content,
        vec![
            Block::Text {
                text: "I will run a command.".into()
            },
            Block::ToolUse {
                id: bash.tool_use_id.clone(),
                name: "Bash".into()
            }
        ]
    );
    assert!(
        matches!(&calls[1].content[..], [Block::Text { text }] if text.ends_with("Done: tool-success"))
    );
}

#[test]
fn a_sub_agents_words_stay_in_its_own_model_calls() {
    let (_, run) = Run::of("subagent");
    let task = run
        .final_calls()
        .into_iter()
        .find(|c| c.tool_name == "Agent" || c.tool_name == "Task")
        .unwrap();
    let calls = run.model_calls();
    let sub: Vec<_> = calls
        .iter()
        .filter(|c| c.parent_tool_use_id.as_deref() == Some(task.tool_use_id.as_str()))
        .collect();
    assert!(!sub.is_empty());
    assert!(sub.iter().all(|c| c.position > task.position));
    assert!(sub
        .iter()
        .flat_map(|c| &c.content)
        .any(|b| matches!(b, Block::ToolUse { name, .. } if name == "Bash")));
}

#[test]
fn every_fixture_ends_with_its_end_reason() {
    let expected = [
        ("hello", None),
        ("tool-failure", None),
        ("permission-denied", None),
        ("background-subagent", None),
        ("api-error", Some("api_error")),
        ("max-turns", Some("error_max_turns")),
        ("slow", Some("interrupted")),
        ("abort", Some("aborted")),
        ("slow-stream", Some("aborted")),
    ];
    for (name, reason) in expected {
        let (_, run) = Run::of(name);
        assert_eq!(run.end().end_reason.as_deref(), reason, "{name}");
    }
    let (_, run) = Run::of("api-error");
    let end = run.end();
    assert_eq!(end.api_error_status, Some(400));
    // The API error's own message is a marker in the transcript; the failed run has no final
    // response made of it.
    let api = run.markers();
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].kind, "api_error");
    assert_eq!(api[0].data["status"], 400);
    assert!(api[0].data["message"]
        .as_str()
        .unwrap()
        .starts_with("API Error: 400"));
}

#[test]
fn an_interrupt_is_a_marker_and_its_stopped_call_is_not_a_denial() {
    let (_, run) = Run::of("slow");
    let m = run.markers();
    assert!(
        m.iter().any(|m| m.kind == "interrupt"
            && m.data["text"]
                .as_str()
                .unwrap()
                .starts_with("[Request interrupted by user")),
        "{m:?}"
    );
    assert_eq!(run.final_calls()[0].status, ToolStatus::Interrupted);
}

#[test]
fn a_rule_denial_keeps_the_reason_the_model_got() {
    // 0.3.330: the tool_result's meta says `reject` by `config`; system/permission_denied came
    // first with the same text.
    let (_, run) = Run::of("permission-denied");
    let calls = run.final_calls();
    let c = &calls[0];
    assert_eq!(c.status, ToolStatus::Denied);
    assert!(c
        .error
        .as_deref()
        .unwrap()
        .starts_with("Claude requested permissions to write"));
    // Every record of the call says the same: no later one drops the reason.
    for record in run.calls() {
        assert_eq!(record.error, c.error);
    }
}

#[test]
fn partial_messages_give_a_time_to_first_token() {
    let (_, run) = Run::of("hello-partial");
    let calls = run.model_calls();
    assert_eq!(calls.len(), 1);
    assert!(calls[0].output_tokens_final);
    assert_eq!(calls[0].ttft_ms, Some(11));
    let (_, run) = Run::of("hello");
    assert!(!run.model_calls()[0].output_tokens_final);
    assert_eq!(run.model_calls()[0].ttft_ms, None);
}
