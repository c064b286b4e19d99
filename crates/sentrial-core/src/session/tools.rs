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

use super::Positions;
use crate::json::str_of;
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
    /// The MCP server the hook named.
    pub mcp_server: Option<String>,
}

/// Why a call was refused, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denial {
    /// The reason given (`None`: nothing said why).
    pub reason: Option<String>,
    /// Who refused: `hook`, `can_use_tool`, or what the CLI named (`rule`, `mode`, ...).
    pub by: Option<String>,
}

/// The `tool_use` half of a call.
#[derive(Debug, Clone, Default)]
struct Named {
    seq: u32,
    tool_name: String,
    parent: Option<String>,
    started_at: i64,
    position: Option<u32>,
}

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
            let outcome = open.outcome.take().unwrap_or(Outcome {
                status: ToolStatus::NotCompleted,
                tool_name: None,
                input: None,
                output: Value::Null,
                error: Some("the stream ended before this tool call finished".into()),
                duration_ms: None,
                ended_at: at,
                mcp_server: None,
            });
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

/// The outcome of a refused call: no output, no duration (it never ran).
fn denied_outcome(at: i64) -> Outcome {
    Outcome {
        status: ToolStatus::Denied,
        tool_name: None,
        input: None,
        output: Value::Null,
        error: None,
        duration_ms: None,
        ended_at: at,
        mcp_server: None,
    }
}

/// Whether a `tool_result_meta` entry says the call was refused rather than run.
fn is_refusal(meta: &Value) -> bool {
    let decision = meta
        .get("permission_decision")
        .and_then(|d| str_of(d, "decision"));
    decision == Some("reject")
        || matches!(
            str_of(meta, "non_execution_kind"),
            Some("permission-rule" | "user-rejected")
        )
}

/// Who refused, by a `tool_result_meta` entry: `hook`, `can_use_tool` (the SDK host's answer), or
/// the CLI's own name for the source (`config`, `rule`, `classifier`, ...).
fn refused_by(meta: &Value) -> Option<String> {
    let source = str_of(meta, "refused_by").or_else(|| {
        meta.get("permission_decision")
            .and_then(|d| str_of(d, "source"))
    })?;
    Some(match source {
        "user_reject" => "can_use_tool".to_owned(),
        other => other.to_owned(),
    })
}

/// A tool_result's text: a string, or its text blocks joined.
fn text_of(content: &Value) -> Option<&str> {
    match content {
        Value::String(s) => Some(s),
        Value::Array(blocks) => blocks.iter().find_map(|b| str_of(b, "text")),
        _ => None,
    }
}

/// The reason a `PreToolUse` hook gave, without the prefix the CLI puts before it in the
/// tool_result (`PreToolUse:Bash hook error: <reason>`).
fn strip_hook_prefix(text: &str) -> &str {
    text.strip_prefix("PreToolUse:")
        .and_then(|rest| rest.split_once(" hook error: "))
        .map_or(text, |(_, reason)| reason)
}

fn build(
    id: &str,
    named: &Named,
    block_input: Value,
    outcome: Outcome,
    denial: Option<Denial>,
) -> ToolCall {
    let tool_name = outcome
        .tool_name
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| named.tool_name.clone());
    let mcp_server = outcome
        .mcp_server
        .or_else(|| ToolCall::mcp_server_of(&tool_name).map(str::to_owned));
    // What the model asked for is the block's input; what ran is the hook's. They differ when a
    // hook or canUseTool changed it (updatedInput).
    let (input, updated_input) = match (block_input, outcome.input) {
        (Value::Null, ran) => (ran.unwrap_or(Value::Null), None),
        (asked, Some(ran)) if ran != asked => (asked, Some(ran)),
        (asked, _) => (asked, None),
    };
    let (error, denied_by) = match (outcome.status, denial) {
        (ToolStatus::Denied, Some(d)) => (d.reason.or(outcome.error), d.by),
        (_, _) => (outcome.error, None),
    };
    ToolCall {
        tool_use_id: id.to_owned(),
        tool_name,
        seq: named.seq,
        status: outcome.status,
        input,
        updated_input,
        output: outcome.output,
        error,
        denied_by,
        duration_ms: outcome.duration_ms,
        parent_tool_use_id: named.parent.clone(),
        mcp_server,
        started_at: Some(named.started_at),
        ended_at: Some(outcome.ended_at),
        position: named.position,
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
        let meta = json!({"id": "c", "permission_decision": {"decision": "reject", "source": "user_reject"}});
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
}
