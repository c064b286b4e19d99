//! Tool calls of one session, put together from their two halves.
//!
//! A call is named by a `tool_use` block in an assistant message (which fixes its place in call
//! order and, for sub-agents, its parent Task call) and finished by a PostToolUse /
//! PostToolUseFailure hook. The halves reach us in either order: hooks come straight from the CLI,
//! messages only when the caller pulls them from the iterator. A call is emitted once both halves are
//! known, so neither half has to be held longer than that. When no hook reports a call, its
//! `tool_result` block stands in, and a hook that still comes later replaces it.
//!
//! A denied call never runs, so no hook reports it. Why it was refused is known, from the most to
//! the least specific, from the deciding callback itself (a `PreToolUse` hook's
//! `permissionDecisionReason`, `canUseTool`'s `message`, which the wrapper observes), from the
//! `tool_result` the model got (with `tool_result_meta` saying it was a refusal), from a
//! `system/permission_denied` message, or only from the result's `permission_denials`. The most
//! specific reason known is kept, whatever the order these arrive in.

use super::positions::Positions;
use super::refusals::{is_refusal, refused_by, strip_hook_prefix, text_of};
use super::tool_call::{build, denied_outcome, not_completed, Denial, Named, Outcome};
use crate::json::str_of;
use sentrial_protocol::{ToolCall, ToolStatus};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Default)]
struct Open {
    named: Option<Named>,
    /// Input from the `tool_use` block, kept only until the call is emitted.
    block_input: Value,
    outcome: Option<Outcome>,
}

/// A call already emitted, with what a later report of it needs.
#[derive(Debug)]
struct Emitted {
    named: Named,
    /// Its outcome came from a hook (not only from its tool_result block).
    from_hook: bool,
    status: ToolStatus,
    ended_at: i64,
    /// The error text of a call emitted as an error from its tool_result, kept (at most
    /// [`KEPT_ERROR_BYTES`]) in case the result then lists it as a denial: that text is the reason.
    error: Option<String>,
}

/// Longest error text kept for a call that may turn out to be a denial.
const KEPT_ERROR_BYTES: usize = 4096;

/// The tool calls of one session.
#[derive(Debug, Default)]
pub struct ToolCalls {
    next_seq: u32,
    open: HashMap<String, Open>,
    emitted: HashMap<String, Emitted>,
    /// PreToolUse times, by tool_use_id, until the call is named.
    pre_started: HashMap<String, i64>,
    /// Refusals known by tool_use_id, kept until the call's result (a refusal has no hook).
    denials: HashMap<String, Denial>,
    /// `interrupt()` was called: a tool_result error from now on is the interrupt's doing.
    interrupting: bool,
    /// The sub-agent (`agent_id` of its hook) that made a call, for calls no block named.
    agent_of_call: HashMap<String, String>,
    /// The Task call that started each sub-agent (`task_started`).
    task_of_agent: HashMap<String, String>,
}

impl ToolCalls {
    /// A `tool_use` block was seen; `position` is its place in the transcript.
    pub fn named(
        &mut self,
        id: &str,
        tool_name: &str,
        input: Value,
        parent: Option<String>,
        at: i64,
        position: u32,
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
            position: Some(position),
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
        if let Some(done) = self.emitted.get_mut(id) {
            if done.from_hook {
                return None;
            }
            // Emitted earlier from its tool_result block: the hook's fuller report replaces it.
            // (The block's input is gone by now, so what the model asked for is not compared.)
            done.from_hook = true;
            done.status = outcome.status;
            return Some(build(id, &done.named, Value::Null, outcome, None));
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

    /// The callback that decided (a `PreToolUse` hook, `canUseTool`) refused call `id`: the most
    /// specific account there is. It answers before the CLI reports the refusal, so it comes
    /// before the call's tool_result.
    pub fn refused_by_callback(&mut self, id: &str, denial: Denial) {
        self.denials.insert(id.to_owned(), denial);
    }

    /// A `system/permission_denied` message named a refused call, before its tool_result (kept
    /// unless the deciding callback said more).
    pub fn denied(&mut self, id: &str, denial: Denial) {
        self.denials.entry(id.to_owned()).or_insert(denial);
    }

    /// A result listed call `id` (with the input the model asked for) among its permission
    /// denials. Nothing there says why: a call already emitted as an error from its tool_result
    /// (an SDK that marks no refusal in it) is emitted again as denied with that error kept as
    /// the reason.
    pub fn denied_by_result(&mut self, id: &str, input: Value, at: i64) -> Option<ToolCall> {
        if let Some(done) = self.emitted.get_mut(id) {
            if done.from_hook || done.status == ToolStatus::Denied {
                return None;
            }
            done.status = ToolStatus::Denied;
            let mut outcome = denied_outcome(done.ended_at);
            outcome.error = done.error.take();
            let denial = self.denials.remove(id);
            return Some(build(id, &done.named, input, outcome, denial));
        }
        self.denials.entry(id.to_owned()).or_default();
        // Named and never answered: the refusal is its outcome.
        let open = self.open.get_mut(id)?;
        open.named.as_ref()?;
        if open.block_input.is_null() {
            open.block_input = input;
        }
        open.outcome = Some(denied_outcome(at));
        self.emit(id, false)
    }

    /// A result message arrived: the calls its `permission_denials` list (see
    /// [`ToolCalls::denied_by_result`]) that are emitted now, in its order.
    pub fn denied_in_result(&mut self, result: &Value, at: i64) -> Vec<ToolCall> {
        let denials = result.get("permission_denials").and_then(Value::as_array);
        let mut calls = Vec::new();
        for denial in denials.into_iter().flatten() {
            let Some(id) = str_of(denial, "tool_use_id") else {
                continue;
            };
            let input = denial.get("tool_input").cloned().unwrap_or(Value::Null);
            calls.extend(self.denied_by_result(id, input, at));
        }
        calls
    }

    /// A `tool_result` block was seen, with its `tool_result_meta` entry when the SDK sent one.
    /// Emits the call from the block when no hook has reported it.
    pub fn result_block(
        &mut self,
        id: &str,
        is_error: bool,
        content: Value,
        meta: Option<&Value>,
        at: i64,
    ) -> Option<ToolCall> {
        if self.emitted.contains_key(id) {
            return None;
        }
        let open = self.open.get_mut(id)?;
        if open.outcome.is_some() || open.named.is_none() {
            return None;
        }
        // After `interrupt()`, the CLI marks the calls it stopped as rejected by the user too.
        let refused = is_error
            && (self.denials.contains_key(id)
                || (!self.interrupting && meta.is_some_and(is_refusal)));
        if refused {
            let known = self.denials.entry(id.to_owned()).or_default();
            let by = known.by.clone().or_else(|| meta.and_then(refused_by));
            if known.reason.is_none() {
                known.reason = text_of(&content).map(|t| strip_hook_prefix(t).to_owned());
            }
            known.by = by;
        }
        let status = match (is_error, refused) {
            (_, true) => ToolStatus::Denied,
            (true, false) if self.interrupting => ToolStatus::Interrupted,
            (true, false) => ToolStatus::Error,
            (false, _) => ToolStatus::Success,
        };
        open.outcome = Some(Outcome {
            status,
            tool_name: None,
            input: None,
            error: if is_error {
                text_of(&content).map(str::to_owned)
            } else {
                None
            },
            output: content,
            duration_ms: None,
            ended_at: at,
            mcp_server: None,
        });
        self.emit(id, false)
    }

    /// The stream ended: emits every call still open, in call order. Calls with an outcome but no
    /// `tool_use` block come after the named ones (taking the next places in the transcript);
    /// calls with no outcome are `not_completed`.
    pub fn close_all(&mut self, at: i64, positions: &mut Positions) -> Vec<ToolCall> {
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
                    position: Some(positions.next_place()),
                }
            });
            let outcome = open.outcome.take().unwrap_or_else(|| not_completed(at));
            let denial = self.denials.remove(&id);
            out.push(build(&id, &named, open.block_input, outcome, denial));
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
        let denial = match outcome.status {
            ToolStatus::Denied => self.denials.remove(id),
            _ => None,
        };
        let error = match (&outcome.status, &outcome.error, from_hook) {
            (ToolStatus::Error, Some(e), false) if e.len() <= KEPT_ERROR_BYTES => Some(e.clone()),
            _ => None,
        };
        self.emitted.insert(
            id.to_owned(),
            Emitted {
                named: named.clone(),
                from_hook,
                status: outcome.status,
                ended_at: outcome.ended_at,
                error,
            },
        );
        Some(build(id, &named, open.block_input, outcome, denial))
    }
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
