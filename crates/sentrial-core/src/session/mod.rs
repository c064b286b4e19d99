//! The state of one tracked `query()` call, fed with SDK messages and hook payloads, producing the
//! protocol's events.
//!
//! Nothing here does I/O: a [`SessionState`] takes parsed JSON and a clock reading and pushes
//! [`Payload`]s. The start of the session is always the first payload it pushes, whatever order its
//! inputs arrive in.

mod model_calls;
mod tools;

pub use model_calls::ModelCalls;
pub use tools::{Outcome, ToolCalls};

use crate::json::{bool_of, str_of, string_of, take, u64_of};
use crate::usage;
use sentrial_protocol::{
    Payload, SessionEnd, SessionInput, SessionResult, SessionStart, SessionStatus, Subagent,
    ToolStatus, Usage,
};
use serde_json::{Map, Value};

/// What the wrapper knows when it is called, before the SDK says anything.
#[derive(Debug, Clone, Default)]
pub struct SessionInit {
    /// Agent name.
    pub agent: String,
    /// End user id.
    pub user_id: String,
    /// Conversation thread.
    pub convo_id: Option<String>,
    /// The user's `extraMetadata`.
    pub metadata: Map<String, Value>,
    /// The prompt, when it is a string.
    pub input: Option<String>,
    /// When the wrapped function was called (ms since the epoch).
    pub started_at: i64,
}

/// How the iteration of a tracked query ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The iterator finished by itself.
    Done,
    /// The caller stopped iterating early (`break`, `return()`).
    Stopped,
    /// The iterator threw; `aborted` when it was an abort.
    Threw {
        /// The error's message.
        message: String,
        /// True for an `AbortError`.
        aborted: bool,
    },
    /// `interrupt()` was called through the wrapper.
    Interrupted,
}

#[derive(Debug, Clone)]
struct LastResult {
    subtype: String,
    is_error: bool,
    errors: Vec<String>,
    output: Option<String>,
    num_turns: Option<u64>,
    duration_ms: u64,
    api_duration_ms: Option<u64>,
    usage: Usage,
}

/// One tracked `query()` call.
#[derive(Debug)]
pub struct SessionState {
    init: SessionInit,
    started: bool,
    claude_session_id: Option<String>,
    model: Option<String>,
    sdk_metadata: Map<String, Value>,
    pending_turns: Vec<String>,
    turns: u32,
    tools: ToolCalls,
    model_calls: ModelCalls,
    /// Task calls asked to run in the background (older SDKs do not say so in `task_started`).
    background_tasks: std::collections::HashSet<String>,
    results: u32,
    last: Option<LastResult>,
    last_text: Option<String>,
}

impl SessionState {
    /// A session for a call of the wrapped function.
    pub fn new(init: SessionInit) -> Self {
        SessionState {
            init,
            started: false,
            claude_session_id: None,
            model: None,
            sdk_metadata: Map::new(),
            pending_turns: Vec::new(),
            turns: 0,
            tools: ToolCalls::default(),
            model_calls: ModelCalls::default(),
            background_tasks: Default::default(),
            results: 0,
            last: None,
            last_text: None,
        }
    }

    /// Whether the session's start has been pushed.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Takes one SDK message (already parsed).
    pub fn on_message(&mut self, mut msg: Value, now: i64, out: &mut Vec<Payload>) {
        match str_of(&msg, "type") {
            Some("system") => self.on_system(&msg, out),
            Some("assistant") => self.on_assistant(&mut msg, now, out),
            Some("user") => self.on_user(&mut msg, now, out),
            Some("result") => self.on_result(&msg, now, out),
            Some("stream_event") => {
                if let Some(event) = msg.get("event") {
                    let parent = str_of(&msg, "parent_tool_use_id");
                    self.model_calls.stream_event(parent, event, now);
                }
            }
            _ => {}
        }
    }

    /// Takes one hook payload (PreToolUse, PostToolUse, PostToolUseFailure; others are ignored).
    pub fn on_hook(&mut self, mut hook: Value, now: i64, out: &mut Vec<Payload>) {
        let Some(id) = string_of(&hook, "tool_use_id") else {
            return;
        };
        let status = match str_of(&hook, "hook_event_name") {
            Some("PostToolUse") => ToolStatus::Success,
            Some("PostToolUseFailure") if bool_of(&hook, "is_interrupt") == Some(true) => {
                ToolStatus::Interrupted
            }
            Some("PostToolUseFailure") => ToolStatus::Error,
            Some("PreToolUse") => {
                self.tools.started(&id, now);
                return;
            }
            _ => return,
        };
        let error = match hook.get("error") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        if let Some(agent) = str_of(&hook, "agent_id") {
            self.tools.made_by_agent(&id, agent);
        }
        let outcome = Outcome {
            status,
            tool_name: string_of(&hook, "tool_name"),
            input: Some(take(&mut hook, "tool_input")),
            output: take(&mut hook, "tool_response"),
            error,
            duration_ms: u64_of(&hook, "duration_ms"),
            ended_at: now,
        };
        if let Some(call) = self.tools.finished_by_hook(&id, outcome) {
            self.ensure_started(out);
            out.push(Payload::ToolCall(call));
        }
    }

    /// Takes one user turn of a streamed prompt as it passes to the SDK.
    pub fn on_user_turn(&mut self, text: String, out: &mut Vec<Payload>) {
        if self.started {
            out.push(Payload::SessionInput(SessionInput {
                turn: self.turns,
                text,
                ..Default::default()
            }));
            self.turns += 1;
        } else {
            self.pending_turns.push(text);
        }
    }

    /// Ends the session: closes open tool calls and pushes the end.
    pub fn finish(mut self, ending: Ending, now: i64, out: &mut Vec<Payload>) {
        self.ensure_started(out);
        out.extend(self.tools.close_all(now).into_iter().map(Payload::ToolCall));
        out.extend(
            self.model_calls
                .close_all()
                .into_iter()
                .map(Payload::ModelCall),
        );
        let (status, failure_reason) = self.final_status(&ending);
        let last = self.last.take();
        let reconciliation = last.as_ref().map(|r| self.model_calls.reconcile(&r.usage));
        let duration_ms = last
            .as_ref()
            .map_or_else(|| elapsed(self.init.started_at, now), |r| r.duration_ms);
        out.push(Payload::SessionEnd(SessionEnd {
            status,
            failure_reason,
            output: last
                .as_ref()
                .and_then(|r| r.output.clone())
                .or(self.last_text.take()),
            ended_at: now,
            duration_ms,
            api_duration_ms: last.as_ref().and_then(|r| r.api_duration_ms),
            num_turns: last.as_ref().and_then(|r| r.num_turns),
            usage: last.map(|r| r.usage).unwrap_or_default(),
            results: self.results,
            reconciliation,
            ..Default::default()
        }));
    }

    fn final_status(&self, ending: &Ending) -> (SessionStatus, Option<String>) {
        let from_result = |r: &LastResult| {
            if r.is_error {
                let mut reason = r.subtype.clone();
                if !r.errors.is_empty() {
                    reason = format!("{reason}: {}", r.errors.join("; "));
                } else if let Some(text) = r.output.as_deref().filter(|t| !t.is_empty()) {
                    reason = format!("{reason}: {text}");
                }
                (SessionStatus::Failed, Some(reason))
            } else {
                (SessionStatus::Completed, None)
            }
        };
        match (ending, &self.last) {
            (Ending::Interrupted, _) => (
                SessionStatus::Interrupted,
                Some("interrupted through query.interrupt()".into()),
            ),
            (Ending::Threw { message, aborted }, _) => (
                SessionStatus::Failed,
                Some(if *aborted {
                    format!("aborted: {message}")
                } else {
                    message.clone()
                }),
            ),
            (Ending::Done | Ending::Stopped, Some(r)) => from_result(r),
            (Ending::Done, None) => (
                SessionStatus::Failed,
                Some("the stream ended without a result".into()),
            ),
            (Ending::Stopped, None) => (
                SessionStatus::Interrupted,
                Some("the caller stopped iterating before a result".into()),
            ),
        }
    }

    fn ensure_started(&mut self, out: &mut Vec<Payload>) {
        if self.started {
            return;
        }
        self.started = true;
        out.push(self.start_payload());
        for text in std::mem::take(&mut self.pending_turns) {
            out.push(Payload::SessionInput(SessionInput {
                turn: self.turns,
                text,
                ..Default::default()
            }));
            self.turns += 1;
        }
    }

    fn start_payload(&self) -> Payload {
        let mut metadata = self.sdk_metadata.clone();
        // The user's own keys win over what the SDK reported.
        metadata.extend(self.init.metadata.clone());
        Payload::SessionStart(SessionStart {
            agent: self.init.agent.clone(),
            user_id: self.init.user_id.clone(),
            convo_id: self.init.convo_id.clone(),
            claude_session_id: self.claude_session_id.clone(),
            model: self.model.clone(),
            input: self.init.input.clone(),
            metadata,
            started_at: self.init.started_at,
            ..Default::default()
        })
    }

    /// `interrupt()` was called through the wrapper: tool calls that now fail were interrupted.
    pub fn interrupting(&mut self) {
        self.tools.interrupting();
    }

    fn on_system(&mut self, msg: &Value, out: &mut Vec<Payload>) {
        match str_of(msg, "subtype") {
            Some("init") => {}
            Some("task_started" | "task_notification") => {
                if let Some(mut sub) = subagent_of(msg) {
                    sub.background |= self.background_tasks.contains(&sub.tool_use_id);
                    if let Some(agent) = &sub.agent_id {
                        self.tools.subagent_started(agent, &sub.tool_use_id);
                    }
                    self.ensure_started(out);
                    out.push(Payload::Subagent(sub));
                }
                return;
            }
            Some("permission_denied") => {
                if let Some(id) = str_of(msg, "tool_use_id") {
                    let message = string_of(msg, "message").unwrap_or_default();
                    self.tools.denied(id, message);
                }
                return;
            }
            _ => return,
        }
        let had_id = self.claude_session_id.is_some();
        if self.claude_session_id.is_none() {
            self.claude_session_id = string_of(msg, "session_id");
        }
        if let Some(model) = str_of(msg, "model") {
            self.model = Some(model.to_owned());
        }
        for (from, to) in [
            ("claude_code_version", "claude_code_version"),
            ("cwd", "cwd"),
            ("permissionMode", "permission_mode"),
        ] {
            if let Some(v) = msg.get(from).filter(|v| !v.is_null()) {
                self.sdk_metadata.insert(to.into(), v.clone());
            }
        }
        if self.started && !had_id {
            // Started early (a hook came first): send the start again with what init told us.
            out.push(self.start_payload());
        } else {
            self.ensure_started(out);
        }
    }

    fn on_assistant(&mut self, msg: &mut Value, now: i64, out: &mut Vec<Payload>) {
        let parent = string_of(msg, "parent_tool_use_id");
        let Some(message) = msg.get_mut("message") else {
            return;
        };
        if self.model.is_none() {
            self.model = str_of(message, "model")
                .filter(|m| !m.starts_with('<'))
                .map(str::to_owned);
        }
        if let Some(call) = self.model_calls.assistant(parent.as_deref(), message, now) {
            self.ensure_started(out);
            out.push(Payload::ModelCall(call));
        }
        let Some(blocks) = message.get_mut("content").and_then(Value::as_array_mut) else {
            return;
        };
        for block in blocks {
            match str_of(block, "type") {
                Some("tool_use") => {
                    let (Some(id), Some(name)) = (string_of(block, "id"), string_of(block, "name"))
                    else {
                        continue;
                    };
                    let input = take(block, "input");
                    if input.get("run_in_background") == Some(&Value::Bool(true)) {
                        self.background_tasks.insert(id.clone());
                    }
                    if let Some(call) = self.tools.named(&id, &name, input, parent.clone(), now) {
                        self.ensure_started(out);
                        out.push(Payload::ToolCall(call));
                    }
                }
                Some("text") if parent.is_none() => {
                    if let Some(text) = str_of(block, "text") {
                        self.last_text = Some(text.to_owned());
                    }
                }
                _ => {}
            }
        }
    }

    fn on_user(&mut self, msg: &mut Value, now: i64, out: &mut Vec<Payload>) {
        let Some(blocks) = msg
            .get_mut("message")
            .and_then(|m| m.get_mut("content"))
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        for block in blocks {
            if str_of(block, "type") != Some("tool_result") {
                continue;
            }
            let Some(id) = string_of(block, "tool_use_id") else {
                continue;
            };
            let is_error = bool_of(block, "is_error").unwrap_or(false);
            let content = take(block, "content");
            if let Some(call) = self.tools.result_block(&id, is_error, content, now) {
                self.ensure_started(out);
                out.push(Payload::ToolCall(call));
            }
        }
    }

    fn on_result(&mut self, msg: &Value, now: i64, out: &mut Vec<Payload>) {
        self.ensure_started(out);
        out.extend(
            self.model_calls
                .close_all()
                .into_iter()
                .map(Payload::ModelCall),
        );
        for denial in msg
            .get("permission_denials")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = str_of(denial, "tool_use_id") else {
                continue;
            };
            let input = denial.get("tool_input").cloned().unwrap_or(Value::Null);
            if let Some(call) = self.tools.denied_by_result(id, input, now) {
                out.push(Payload::ToolCall(call));
            }
        }
        let subtype = str_of(msg, "subtype").unwrap_or("unknown").to_owned();
        let is_error = bool_of(msg, "is_error").unwrap_or(subtype != "success");
        let errors = msg
            .get("errors")
            .and_then(Value::as_array)
            .map(|errs| {
                errs.iter()
                    .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let result = LastResult {
            subtype,
            is_error,
            errors,
            output: string_of(msg, "result"),
            num_turns: u64_of(msg, "num_turns"),
            duration_ms: elapsed(self.init.started_at, now),
            api_duration_ms: u64_of(msg, "duration_api_ms"),
            usage: usage::from_result(msg, self.model.as_deref()),
        };
        out.push(Payload::SessionResult(SessionResult {
            index: self.results,
            subtype: result.subtype.clone(),
            is_error: result.is_error,
            output: result.output.clone(),
            num_turns: result.num_turns,
            duration_ms: result.duration_ms,
            api_duration_ms: result.api_duration_ms,
            usage: result.usage.clone(),
            ..Default::default()
        }));
        self.results += 1;
        self.last = Some(result);
    }
}

/// A sub-agent record from a `task_started` or `task_notification` message (other task kinds,
/// such as background shell commands, are not sub-agents).
fn subagent_of(msg: &Value) -> Option<Subagent> {
    let tool_use_id = string_of(msg, "tool_use_id")?;
    let started = str_of(msg, "subtype") == Some("task_started");
    if started && str_of(msg, "task_type").is_some_and(|t| t != "local_agent") {
        return None;
    }
    let usage = msg.get("usage").unwrap_or(&Value::Null);
    Some(Subagent {
        tool_use_id,
        agent_id: string_of(msg, "task_id"),
        agent_type: string_of(msg, "subagent_type"),
        description: string_of(msg, "description"),
        status: if started {
            "running".into()
        } else {
            string_of(msg, "status").unwrap_or_else(|| "completed".into())
        },
        background: bool_of(msg, "is_backgrounded").unwrap_or(false),
        total_tokens: u64_of(usage, "total_tokens"),
        tool_uses: u64_of(usage, "tool_uses"),
        duration_ms: u64_of(usage, "duration_ms"),
        summary: string_of(msg, "summary"),
    })
}

fn elapsed(from: i64, to: i64) -> u64 {
    u64::try_from(to - from).unwrap_or(0)
}

#[cfg(test)]
mod tests;
