//! Tool calls of one session, put together from their two halves.
//!
//! A call is named by a `tool_use` block in an assistant message (which fixes its place in call
//! order and, for sub-agents, its parent Task call) and finished by a PostToolUse /
//! PostToolUseFailure hook. The halves reach us in either order: hooks come straight from the CLI,
//! messages only when the caller pulls them from the iterator. A call is emitted once both halves are
//! known, so neither half has to be held longer than that. When no hook reports a call, its
//! `tool_result` block stands in, and a hook that still comes later replaces it.

use sentrial_protocol::{ToolCall, ToolStatus};
use serde_json::Value;
use std::collections::HashMap;

/// What ended a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Success, error or interrupted.
    pub status: ToolStatus,
    /// Tool name as the hook reports it.
    pub tool_name: Option<String>,
    /// Tool input as the hook reports it (what actually ran).
    pub input: Option<Value>,
    /// The tool's response.
    pub output: Value,
    /// Error text for failures.
    pub error: Option<String>,
    /// Duration measured by the SDK.
    pub duration_ms: Option<u64>,
    /// When the outcome was seen.
    pub ended_at: i64,
}

/// The `tool_use` half of a call.
#[derive(Debug, Clone, Default)]
struct Named {
    seq: u32,
    tool_name: String,
    parent: Option<String>,
    started_at: i64,
}

#[derive(Debug, Default)]
struct Open {
    named: Option<Named>,
    /// Input from the `tool_use` block, kept only until the call is emitted.
    block_input: Value,
    outcome: Option<Outcome>,
}

/// The tool calls of one session.
#[derive(Debug, Default)]
pub struct ToolCalls {
    next_seq: u32,
    open: HashMap<String, Open>,
    /// Calls already emitted, with what a late hook needs to emit them again.
    emitted: HashMap<String, (Named, bool)>,
    /// PreToolUse times, by tool_use_id, until the call is named.
    pre_started: HashMap<String, i64>,
    /// Calls the permission system refused, reported before their tool_result.
    denied: HashMap<String, String>,
    /// `interrupt()` was called: a tool_result error from now on is the interrupt's doing.
    interrupting: bool,
    /// The sub-agent (`agent_id` of its hook) that made a call, for calls no block named.
    agent_of_call: HashMap<String, String>,
    /// The Task call that started each sub-agent (`task_started`).
    task_of_agent: HashMap<String, String>,
}

impl ToolCalls {
    /// A `tool_use` block was seen.
    pub fn named(
        &mut self,
        id: &str,
        tool_name: &str,
        input: Value,
        parent: Option<String>,
        at: i64,
    ) -> Option<ToolCall> {
        if self.emitted.contains_key(id) {
            return None;
        }
        let seq = self.next_seq;
        let open = self.open.entry(id.to_owned()).or_default();
        if open.named.is_some() {
            return None;
        }
        self.next_seq += 1;
        let started_at = self.pre_started.remove(id).unwrap_or(at);
        open.named = Some(Named {
            seq,
            tool_name: tool_name.to_owned(),
            parent,
            started_at,
        });
        open.block_input = input;
        if open.outcome.is_some() {
            return self.emit(id, true);
        }
        None
    }

    /// A PreToolUse hook gave the real start time of a call.
    pub fn started(&mut self, id: &str, at: i64) {
        match self.open.get_mut(id).and_then(|o| o.named.as_mut()) {
            // The tool runs once PreToolUse is answered: that, not the model's request, is its start.
            Some(named) => named.started_at = at,
            None => {
                self.pre_started.entry(id.to_owned()).or_insert(at);
            }
        }
    }

    /// A hook reported the outcome of a call.
    pub fn finished_by_hook(&mut self, id: &str, outcome: Outcome) -> Option<ToolCall> {
        if let Some((named, from_hook)) = self.emitted.get_mut(id) {
            if *from_hook {
                return None;
            }
            // Emitted earlier from its tool_result block: the hook's fuller report replaces it.
            *from_hook = true;
            let named = named.clone();
            return Some(build(id, &named, Value::Null, outcome));
        }
        let open = self.open.entry(id.to_owned()).or_default();
        open.outcome = Some(outcome);
        if open.named.is_some() {
            return self.emit(id, true);
        }
        None
    }

    /// A sub-agent `agent_id` was started by Task call `tool_use_id`.
    pub fn subagent_started(&mut self, agent_id: &str, tool_use_id: &str) {
        self.task_of_agent
            .insert(agent_id.to_owned(), tool_use_id.to_owned());
    }

    /// A hook said call `id` was made by sub-agent `agent_id`: its parent when no block names it
    /// (background sub-agents of some SDK versions stream none of their messages).
    pub fn made_by_agent(&mut self, id: &str, agent_id: &str) {
        self.agent_of_call
            .insert(id.to_owned(), agent_id.to_owned());
    }

    /// `interrupt()` was called through the wrapper.
    pub fn interrupting(&mut self) {
        self.interrupting = true;
    }

    /// A `system/permission_denied` message named a refused call, before its tool_result.
    pub fn denied(&mut self, id: &str, message: String) {
        if !self.emitted.contains_key(id) {
            self.denied.insert(id.to_owned(), message);
        }
    }

    /// A result listed a permission denial. A call already emitted as an error from its block
    /// (an SDK that sends no `permission_denied` message) is emitted again as `denied`.
    pub fn denied_by_result(&mut self, id: &str, input: Value, at: i64) -> Option<ToolCall> {
        let (named, from_hook) = self.emitted.get(id)?;
        if *from_hook || self.denied.remove(id).is_some() {
            return None;
        }
        let named = named.clone();
        self.denied.insert(id.to_owned(), String::new());
        Some(build(
            id,
            &named,
            input,
            Outcome {
                status: ToolStatus::Denied,
                tool_name: None,
                input: None,
                output: Value::Null,
                error: Some("permission denied".into()),
                duration_ms: None,
                ended_at: at,
            },
        ))
    }

    /// A `tool_result` block was seen. Emits the call from the block when no hook has reported it.
    pub fn result_block(
        &mut self,
        id: &str,
        is_error: bool,
        content: Value,
        at: i64,
    ) -> Option<ToolCall> {
        if self.emitted.contains_key(id) {
            return None;
        }
        let open = self.open.get_mut(id)?;
        if open.outcome.is_some() || open.named.is_none() {
            return None;
        }
        let denial = self.denied.get(id).cloned();
        open.outcome = Some(Outcome {
            status: match (is_error, &denial) {
                (_, Some(_)) => ToolStatus::Denied,
                (true, None) if self.interrupting => ToolStatus::Interrupted,
                (true, None) => ToolStatus::Error,
                (false, None) => ToolStatus::Success,
            },
            tool_name: None,
            input: None,
            error: if is_error {
                content.as_str().map(str::to_owned)
            } else {
                None
            },
            output: content,
            duration_ms: None,
            ended_at: at,
        });
        self.emit(id, false)
    }

    /// The stream ended: emits every call still open, in call order. Calls with an outcome but no
    /// `tool_use` block come after the named ones; calls with no outcome are `not_completed`.
    pub fn close_all(&mut self, at: i64) -> Vec<ToolCall> {
        let mut ids: Vec<(u32, i64, String)> = self
            .open
            .iter()
            .map(|(id, o)| {
                let seq = o.named.as_ref().map_or(u32::MAX, |n| n.seq);
                let when = o.outcome.as_ref().map_or(at, |x| x.ended_at);
                (seq, when, id.clone())
            })
            .collect();
        ids.sort();
        let mut out = Vec::with_capacity(ids.len());
        for (_, _, id) in ids {
            let Some(mut open) = self.open.remove(&id) else {
                continue;
            };
            let parent = self
                .agent_of_call
                .get(&id)
                .and_then(|agent| self.task_of_agent.get(agent))
                .cloned();
            let named = open.named.take().unwrap_or_else(|| {
                let seq = self.next_seq;
                self.next_seq += 1;
                Named {
                    seq,
                    tool_name: String::new(),
                    parent,
                    started_at: self.pre_started.get(&id).copied().unwrap_or(at),
                }
            });
            let outcome = open.outcome.take().unwrap_or(Outcome {
                status: ToolStatus::NotCompleted,
                tool_name: None,
                input: None,
                output: Value::Null,
                error: Some("the stream ended before this tool call finished".into()),
                duration_ms: None,
                ended_at: at,
            });
            out.push(build(&id, &named, open.block_input, outcome));
        }
        self.pre_started.clear();
        out
    }

    /// Number of calls named or reported so far.
    pub fn count(&self) -> usize {
        self.open.len() + self.emitted.len()
    }

    /// Emits a call whose two halves are known; `from_hook` says whether its outcome is a hook's.
    fn emit(&mut self, id: &str, from_hook: bool) -> Option<ToolCall> {
        let open = self.open.remove(id)?;
        let named = open.named?;
        let outcome = open.outcome?;
        let call = build(id, &named, open.block_input, outcome);
        self.emitted.insert(id.to_owned(), (named, from_hook));
        Some(call)
    }
}

fn build(id: &str, named: &Named, block_input: Value, outcome: Outcome) -> ToolCall {
    let tool_name = outcome
        .tool_name
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| named.tool_name.clone());
    ToolCall {
        tool_use_id: id.to_owned(),
        tool_name,
        seq: named.seq,
        status: outcome.status,
        input: outcome.input.unwrap_or(block_input),
        output: outcome.output,
        error: outcome.error,
        duration_ms: outcome.duration_ms,
        parent_tool_use_id: named.parent.clone(),
        started_at: Some(named.started_at),
        ended_at: Some(outcome.ended_at),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
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
        }
    }

    #[test]
    fn block_then_hook_emits_once_with_both_halves() {
        let mut t = ToolCalls::default();
        assert!(t
            .named("a", "Bash", json!({"command": "x"}), Some("p".into()), 10)
            .is_none());
        let call = t
            .finished_by_hook("a", hook(ToolStatus::Success, json!({"stdout": "hi"}), 20))
            .unwrap();
        assert_eq!(call.seq, 0);
        assert_eq!(call.parent_tool_use_id.as_deref(), Some("p"));
        assert_eq!(call.input, json!({"command": "echo hi"}));
        assert_eq!(call.output["stdout"], "hi");
        assert_eq!((call.started_at, call.ended_at), (Some(10), Some(20)));
        assert!(t.result_block("a", false, json!("hi"), 30).is_none());
        assert!(t.close_all(40).is_empty());
    }

    #[test]
    fn hook_before_block_waits_for_the_block() {
        let mut t = ToolCalls::default();
        t.named("first", "Read", json!({}), None, 1);
        assert!(t
            .finished_by_hook("b", hook(ToolStatus::Error, Value::Null, 5))
            .is_none());
        let call = t.named("b", "Bash", json!({}), None, 6).unwrap();
        assert_eq!(call.seq, 1);
        assert_eq!(call.status, ToolStatus::Error);
    }

    #[test]
    fn result_block_recovers_and_late_hook_replaces() {
        let mut t = ToolCalls::default();
        t.named("c", "Grep", json!({"pattern": "x"}), None, 1);
        let recovered = t.result_block("c", true, json!("boom"), 2).unwrap();
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
        t.named("x", "Bash", json!({"command": "sleep 9"}), None, 1);
        t.named("y", "Read", json!({}), None, 2);
        t.finished_by_hook("orphan", hook(ToolStatus::Success, json!("o"), 3));
        let calls = t.close_all(9);
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
        t.named("w", "Write", json!({"file_path": "/x"}), None, 1);
        let first = t.result_block("w", true, json!("not allowed"), 2).unwrap();
        assert_eq!(first.status, ToolStatus::Error);
        let again = t
            .denied_by_result("w", json!({"file_path": "/x"}), 3)
            .unwrap();
        assert_eq!(again.status, ToolStatus::Denied);
        assert_eq!(again.seq, 0);
        assert_eq!(again.input["file_path"], "/x");
        assert!(t.denied_by_result("w", Value::Null, 4).is_none(), "once");
    }

    #[test]
    fn errors_after_an_interrupt_are_interrupts() {
        let mut t = ToolCalls::default();
        t.named("a", "Bash", json!({}), None, 1);
        t.interrupting();
        let call = t.result_block("a", true, json!("stopped"), 2).unwrap();
        assert_eq!(call.status, ToolStatus::Interrupted);
    }

    #[test]
    fn pre_tool_use_sets_start_time() {
        let mut t = ToolCalls::default();
        t.started("z", 5);
        t.named("z", "Bash", json!({}), None, 8);
        let call = t
            .finished_by_hook("z", hook(ToolStatus::Success, Value::Null, 9))
            .unwrap();
        assert_eq!(call.started_at, Some(5));
    }
}
