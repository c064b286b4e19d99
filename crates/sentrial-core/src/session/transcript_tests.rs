use super::*;
use serde_json::json;

#[test]
fn every_kind_of_block_has_a_form() {
    let mut t = Transcript::default();
    let cases = [
        (
            json!({"type": "text", "text": "hi"}),
            Block::Text { text: "hi".into() },
        ),
        (
            json!({"type": "thinking", "thinking": "hmm", "signature": "c2ln"}),
            Block::Thinking {
                thinking: "hmm".into(),
            },
        ),
        (
            json!({"type": "redacted_thinking", "data": "opaque"}),
            Block::RedactedThinking,
        ),
        (
            json!({"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}),
            Block::ToolUse {
                id: "toolu_1".into(),
                name: "Bash".into(),
            },
        ),
        (
            json!({"type": "server_tool_use", "id": "srv"}),
            Block::Unsupported {
                kind: "server_tool_use".into(),
            },
        ),
        (
            json!({"text": "no type"}),
            Block::Unsupported {
                kind: "unknown".into(),
            },
        ),
    ];
    for (mut block, want) in cases {
        assert_eq!(t.block(&mut block), want);
    }
}

#[test]
fn the_budget_bounds_what_is_kept() {
    let mut t = Transcript { left: 10 };
    let mut fits = json!({"type": "text", "text": "0123456789"});
    assert_eq!(
        t.block(&mut fits),
        Block::Text {
            text: "0123456789".into()
        }
    );
    let mut over = json!({"type": "thinking", "thinking": "x"});
    assert_eq!(
        t.block(&mut over),
        Block::Omitted {
            kind: "thinking".into(),
            bytes: 1
        }
    );
    // Markers still come through once the budget is spent.
    assert_eq!(
        t.block(&mut json!({"type": "redacted_thinking"})),
        Block::RedactedThinking
    );
}
