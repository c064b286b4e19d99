//! The transcript's order and nesting, from records made by hand.

use super::*;
use crate::store::model::{SessionRecord, TurnInput};
use serde_json::{json, Value};

fn call(id: &str, seq: i64, position: Option<i64>, parent: Option<&str>) -> ToolCallRecord {
    ToolCallRecord {
        tool_use_id: id.into(),
        tool_name: if id.starts_with("task") {
            "Task"
        } else {
            "Bash"
        }
        .into(),
        seq,
        status: "success".into(),
        position,
        parent_tool_use_id: parent.map(Into::into),
        started_at: Some(Timestamp(1_000 + seq)),
        ..Default::default()
    }
}

fn model(id: &str, position: Option<i64>, parent: Option<&str>, uses: &[&str]) -> ModelCallRecord {
    ModelCallRecord {
        message_id: id.into(),
        position,
        parent_tool_use_id: parent.map(Into::into),
        content: uses
            .iter()
            .map(|u| Block::ToolUse {
                id: (*u).into(),
                name: "Bash".into(),
            })
            .collect(),
        ..Default::default()
    }
}

fn turn(index: i64, position: Option<i64>, at: i64) -> TurnRecord {
    TurnRecord {
        index,
        position,
        at: Timestamp(at),
        subtype: "success".into(),
        ..Default::default()
    }
}

fn detail(input: Option<&str>) -> SessionDetail {
    SessionDetail {
        session: SessionRecord {
            id: "s".into(),
            input: input.map(Into::into),
            started_at: Some(Timestamp(500)),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Each item as `kind:id`, sub-agent items in brackets after their call.
fn outline(items: &[TranscriptItem]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            TranscriptItem::User(u) => format!("user:{}", u.turn),
            TranscriptItem::ModelCall(m) => format!("model:{}", m.message_id),
            TranscriptItem::ToolCall(t) if t.items.is_empty() => {
                format!("tool:{}", t.call.tool_use_id)
            }
            TranscriptItem::ToolCall(t) => {
                format!("tool:{}{:?}", t.call.tool_use_id, outline(&t.items))
            }
            TranscriptItem::Marker(m) => format!("marker:{}", m.marker),
            TranscriptItem::Result(r) => format!("result:{}", r.index),
        })
        .collect()
}

fn marker(kind: &str, position: i64, parent: Option<&str>) -> MarkerRecord {
    MarkerRecord {
        position,
        kind: kind.into(),
        at: Timestamp(1),
        parent_tool_use_id: parent.map(Into::into),
        data: json!({}),
    }
}

#[test]
fn steps_follow_their_positions_and_the_prompt_comes_first() {
    let mut d = detail(Some("do it"));
    d.turns = vec![turn(0, Some(5), 9_000)];
    d.tool_calls = vec![call("t2", 1, Some(4), None), call("t1", 0, Some(2), None)];
    d.model_calls = vec![
        model("m2", Some(3), None, &["t2"]),
        model("m1", Some(0), None, &["t1"]),
    ];
    d.markers = vec![marker("api_retry", 1, None)];
    let t = Transcript::from_detail(d);
    assert_eq!(
        outline(&t.items),
        [
            "user:0",
            "model:m1",
            "marker:api_retry",
            "tool:t1",
            "model:m2",
            "tool:t2",
            "result:0"
        ]
    );
    assert_eq!(t.session_id, "s");
}

#[test]
fn streamed_turns_replace_the_prompt() {
    let mut d = detail(Some("first\n\nsecond"));
    d.inputs = vec![
        TurnInput {
            turn: 0,
            text: "first".into(),
            position: Some(0),
            at: Timestamp(600),
        },
        TurnInput {
            turn: 1,
            text: "second".into(),
            position: Some(3),
            at: Timestamp(700),
        },
    ];
    d.model_calls = vec![model("m1", Some(1), None, &[])];
    d.turns = vec![turn(0, Some(2), 650)];
    let t = Transcript::from_detail(d);
    assert_eq!(
        outline(&t.items),
        ["user:0", "model:m1", "result:0", "user:1"]
    );
}

#[test]
fn a_sub_agent_reads_as_one_block_under_its_task_call_at_any_depth() {
    let mut d = detail(Some("delegate"));
    d.model_calls = vec![
        model("m1", Some(0), None, &["task-1"]),
        model("sub-m1", Some(2), Some("task-1"), &["task-2"]),
        model("subsub-m1", Some(4), Some("task-2"), &["x"]),
        model("m2", Some(8), None, &[]),
    ];
    d.tool_calls = vec![
        call("task-1", 0, Some(1), None),
        call("task-2", 1, Some(3), Some("task-1")),
        call("x", 2, Some(5), Some("task-2")),
        call("y", 3, Some(7), Some("task-1")),
    ];
    d.markers = vec![marker("compact", 6, Some("task-1"))];
    let t = Transcript::from_detail(d);
    assert_eq!(
        outline(&t.items),
        [
            "user:0",
            "model:m1",
            "tool:task-1[\"model:sub-m1\", \"tool:task-2[\\\"model:subsub-m1\\\", \\\"tool:x\\\"]\", \"marker:compact\", \"tool:y\"]",
            "model:m2"
        ]
    );
}

#[test]
fn an_old_sdk_session_without_positions_reads_by_time() {
    let mut d = detail(Some("old"));
    let mut m = model("m1", None, None, &[]);
    m.started_at = Timestamp(1_000);
    let mut late = call("t1", 0, None, None);
    late.started_at = None;
    late.ended_at = Some(Timestamp(1_500));
    let mut early = call("t0", 1, None, None);
    early.started_at = Some(Timestamp(1_200));
    let mut unknown = call("t9", 2, None, None);
    unknown.started_at = None;
    d.model_calls = vec![m];
    d.tool_calls = vec![late, unknown, early];
    d.turns = vec![turn(0, None, 2_000)];
    let t = Transcript::from_detail(d);
    assert_eq!(
        outline(&t.items),
        ["user:0", "model:m1", "tool:t0", "tool:t1", "result:0", "tool:t9"]
    );
}

#[test]
fn a_call_without_a_position_follows_the_model_call_that_named_it() {
    let mut d = detail(None);
    d.model_calls = vec![
        model("m1", Some(0), None, &["a", "b"]),
        model("m2", Some(1), None, &[]),
    ];
    d.tool_calls = vec![call("b", 1, None, None), call("a", 0, Some(0), None)];
    let t = Transcript::from_detail(d);
    assert_eq!(
        outline(&t.items),
        ["model:m1", "tool:a", "tool:b", "model:m2"]
    );
}

#[test]
fn parents_in_a_cycle_or_unknown_lose_no_step() {
    let mut d = detail(None);
    d.tool_calls = vec![
        call("task-a", 0, Some(0), Some("task-b")),
        call("task-b", 1, Some(1), Some("task-a")),
        call("c", 2, Some(2), Some("task-b")),
        call("self", 3, Some(3), Some("self")),
        call("orphan", 4, Some(4), Some("gone")),
    ];
    let t = Transcript::from_detail(d);
    assert_eq!(
        outline(&t.items),
        [
            "tool:task-a[\"tool:task-b[\\\"tool:c\\\"]\"]",
            "tool:self",
            "tool:orphan"
        ]
    );
}

#[test]
fn a_runaway_chain_is_flat_below_the_deepest_level() {
    let mut d = detail(None);
    let n = MAX_DEPTH as i64 + 5;
    d.tool_calls = (0..n)
        .map(|i| {
            let parent = (i > 0).then(|| format!("task-{}", i - 1));
            call(&format!("task-{i}"), i, Some(i), parent.as_deref())
        })
        .collect();
    let t = Transcript::from_detail(d);
    let mut depth = 0;
    let mut items = &t.items;
    while let [TranscriptItem::ToolCall(c)] = items.as_slice() {
        depth += 1;
        items = &c.items;
    }
    assert_eq!(depth, MAX_DEPTH + 1);
    assert_eq!(items.len(), n as usize - MAX_DEPTH - 1, "the rest, flat");
}

#[test]
fn items_are_tagged_by_kind_and_calls_carry_their_items() {
    let mut d = detail(Some("hi"));
    d.tool_calls = vec![
        call("task-1", 0, Some(0), None),
        call("x", 1, Some(1), Some("task-1")),
    ];
    let v = serde_json::to_value(Transcript::from_detail(d)).unwrap();
    assert_eq!(
        v["items"][0],
        json!({"kind": "user", "text": "hi", "turn": 0, "position": null,
               "at": "1970-01-01T00:00:00.500Z"})
    );
    assert_eq!(v["items"][1]["kind"], "tool_call");
    assert_eq!(v["items"][1]["tool_use_id"], "task-1");
    assert_eq!(v["items"][1]["items"][0]["tool_use_id"], "x");
    assert_eq!(v["items"][1]["items"][0]["items"], Value::Array(vec![]));
}
