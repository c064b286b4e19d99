//! Model calls: one record per assistant message id, never one per content block.
//!
//! The SDK yields one assistant message per content block, each repeating the message's id and
//! usage, so a call is put together from all messages with its id and emitted when the next thing
//! in the same context (the main agent, or one sub-agent) shows it is over: another id, a tool
//! result, a result, or the end of the stream. Usage in assistant messages is the start-of-message
//! snapshot (output 1, no stop reason); with partial messages on, the `message_delta` stream event
//! brings the final output count and the stop reason, and `message_start` the time to first token.
//! A call also gathers its content blocks (see [`super::transcript`]) until it is emitted.

use super::positions::Positions;
use crate::json::{str_of, u64_of};
use sentrial_protocol::{Block, ModelCall, Reconciliation, Usage};
use serde_json::Value;
use std::collections::HashMap;

/// The model calls of one session.
#[derive(Debug, Default)]
pub struct ModelCalls {
    /// The call in progress per context (`None`: the main agent; `Some(id)`: the sub-agent of Task `id`).
    open: HashMap<Option<String>, ModelCall>,
    /// Time to first token of a call whose `message_start` came before its first block, per
    /// context: (message id, ms).
    ttft: HashMap<Option<String>, (String, u64)>,
    count: u32,
    /// Sums over emitted calls: input, output, cache read, cache creation.
    totals: [u64; 4],
}

impl ModelCalls {
    /// An assistant message; returns the previous call of its context when this one is new (which
    /// takes the next place in the transcript).
    pub fn assistant(
        &mut self,
        parent: Option<&str>,
        message: &Value,
        at: i64,
        positions: &mut Positions,
    ) -> Option<ModelCall> {
        let id = str_of(message, "id")?;
        let model = str_of(message, "model").unwrap_or_default();
        if model.starts_with('<') {
            return None; // `<synthetic>`: an error the CLI made up, no model call
        }
        let key = parent.map(str::to_owned);
        if let Some(open) = self.open.get_mut(&key) {
            if open.message_id == id {
                open.ended_at = at;
                return None;
            }
        }
        let usage = message.get("usage").unwrap_or(&Value::Null);
        let stop_reason = str_of(message, "stop_reason").map(str::to_owned);
        let ttft_ms = match self.ttft.remove(&key) {
            Some((of, ms)) if of == id => Some(ms),
            _ => None,
        };
        let call = ModelCall {
            message_id: id.to_owned(),
            model: model.to_owned(),
            // A message that comes whole (not streamed block by block) has its final usage.
            output_tokens_final: stop_reason.is_some(),
            stop_reason,
            input_tokens: u64_of(usage, "input_tokens").unwrap_or(0),
            output_tokens: u64_of(usage, "output_tokens").unwrap_or(0),
            cache_read_tokens: u64_of(usage, "cache_read_input_tokens").unwrap_or(0),
            cache_creation_tokens: u64_of(usage, "cache_creation_input_tokens").unwrap_or(0),
            parent_tool_use_id: key.clone(),
            started_at: at,
            ended_at: at,
            ttft_ms,
            position: Some(positions.next_place()),
            content: Vec::new(),
        };
        self.open.insert(key, call).map(|prev| self.count_in(prev))
    }

    /// A content block of the open call of its context (the assistant message that carried it
    /// was just given to [`ModelCalls::assistant`]).
    pub fn block(&mut self, parent: Option<&str>, block: Block) {
        if let Some(open) = self.open.get_mut(&parent.map(str::to_owned)) {
            open.content.push(block);
        }
    }

    /// A `stream_event` (partial messages on): `message_start` gives the next call's time to first
    /// token (the SDK's `ttft_ms` beside the event), `message_delta` completes the open call.
    pub fn stream_event(
        &mut self,
        parent: Option<&str>,
        event: &Value,
        ttft_ms: Option<u64>,
        at: i64,
    ) {
        let key = parent.map(str::to_owned);
        match str_of(event, "type") {
            Some("message_start") => {
                let id = event.get("message").and_then(|m| str_of(m, "id"));
                if let (Some(id), Some(ms)) = (id, ttft_ms) {
                    self.ttft.insert(key, (id.to_owned(), ms));
                }
            }
            Some("message_delta") => {
                let Some(open) = self.open.get_mut(&key) else {
                    return;
                };
                if let Some(reason) = event.get("delta").and_then(|d| str_of(d, "stop_reason")) {
                    open.stop_reason = Some(reason.to_owned());
                }
                if let Some(out) = event.get("usage").and_then(|u| u64_of(u, "output_tokens")) {
                    open.output_tokens = out;
                    open.output_tokens_final = true;
                }
                open.ended_at = at;
            }
            _ => {}
        }
    }

    /// Something after the call in its context (a tool result): the call is over.
    pub fn close(&mut self, parent: Option<&str>) -> Option<ModelCall> {
        let prev = self.open.remove(&parent.map(str::to_owned))?;
        Some(self.count_in(prev))
    }

    /// Every open call, oldest first (at a result and at the end of the stream).
    pub fn close_all(&mut self) -> Vec<ModelCall> {
        let mut calls: Vec<ModelCall> = self.open.drain().map(|(_, c)| c).collect();
        calls.sort_by_key(|c| c.started_at);
        calls.into_iter().map(|c| self.count_in(c)).collect()
    }

    fn count_in(&mut self, call: ModelCall) -> ModelCall {
        self.count += 1;
        self.totals[0] += call.input_tokens;
        self.totals[1] += call.output_tokens;
        self.totals[2] += call.cache_read_tokens;
        self.totals[3] += call.cache_creation_tokens;
        call
    }

    /// How the calls seen compare with the result's totals.
    pub fn reconcile(&self, result: &Usage) -> Reconciliation {
        let result_tokens = [
            result.prompt_tokens,
            result.completion_tokens,
            result.cache_read_tokens,
            result.cache_creation_tokens,
        ];
        let matches = self.totals == result_tokens;
        let note = (!matches).then(|| {
            let [i, o, r, w] = self.totals;
            let [ri, ro, rr, rw] = result_tokens;
            format!(
                "the {} model calls in the stream add up to input {i}, output {o}, cache read {r}, \
                 cache write {w}; the result's modelUsage says {ri}, {ro}, {rr}, {rw}. The stream does \
                 not show every call (a foreground sub-agent's last turn, calls of other tools) and, \
                 without includePartialMessages, shows each call's output count as it started. The \
                 session keeps the result's totals.",
                self.count
            )
        });
        Reconciliation {
            model_calls: self.count,
            stream_tokens: self.totals,
            result_tokens,
            matches,
            note,
        }
    }
}

#[cfg(test)]
#[path = "model_calls_tests.rs"]
mod tests;
