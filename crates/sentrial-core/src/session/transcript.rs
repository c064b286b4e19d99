//! What the model said and thought: content blocks of assistant messages, as a transcript keeps
//! them, under a budget of text per session.
//!
//! Blocks are held only while their model call is open (until the next thing in its context shows
//! the call is over), then sent with it. The budget bounds both what one session sends and what it
//! holds: past [`TRANSCRIPT_BUDGET_BYTES`] of text and thinking, a block is replaced by an
//! [`Block::Omitted`] that says how large it was. Each kept string is also cut by the redactor's
//! size cap, as every string of an event is.

use crate::json::{str_of, take};
use sentrial_protocol::Block;
use serde_json::Value;

/// Text and thinking kept per session (1 MiB): a long agentic run writes far less, and a run that
/// writes more is still told in full by its tool calls.
pub const TRANSCRIPT_BUDGET_BYTES: usize = 1024 * 1024;

/// The transcript budget of one session.
#[derive(Debug)]
pub struct Transcript {
    left: usize,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript {
            left: TRANSCRIPT_BUDGET_BYTES,
        }
    }
}

impl Transcript {
    /// The transcript's form of an SDK content block (taking its text out of `block`).
    pub fn block(&mut self, block: &mut Value) -> Block {
        match str_of(block, "type") {
            Some("text") => match self.spend(block, "text") {
                Ok(text) => Block::Text { text },
                Err(omitted) => omitted,
            },
            Some("thinking") => match self.spend(block, "thinking") {
                Ok(thinking) => Block::Thinking { thinking },
                Err(omitted) => omitted,
            },
            Some("redacted_thinking") => Block::RedactedThinking,
            Some("tool_use") => Block::ToolUse {
                id: str_of(block, "id").unwrap_or_default().to_owned(),
                name: str_of(block, "name").unwrap_or_default().to_owned(),
            },
            other => Block::Unsupported {
                kind: other.unwrap_or("unknown").to_owned(),
            },
        }
    }

    /// Takes the string `field` of `block` if the budget still holds it.
    fn spend(&mut self, block: &mut Value, field: &str) -> Result<String, Block> {
        let text = match take(block, field) {
            Value::String(s) => s,
            _ => String::new(),
        };
        if text.len() <= self.left {
            self.left -= text.len();
            Ok(text)
        } else {
            self.left = 0;
            Err(Block::Omitted {
                kind: field.to_owned(),
                bytes: text.len() as u64,
            })
        }
    }
}

#[cfg(test)]
#[path = "transcript_tests.rs"]
mod tests;
