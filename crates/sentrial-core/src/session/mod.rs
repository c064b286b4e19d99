//! The state of one tracked `query()` call, fed with SDK messages and hook payloads, producing the
//! protocol's events.
//!
//! Nothing here does I/O: a [`SessionState`] takes parsed JSON and a clock reading and pushes
//! [`Payload`]s. The start of the session is always the first payload it pushes, whatever order its
//! inputs arrive in. User turns, model calls, tool calls, markers and results are numbered in the
//! order the SDK showed them ([`Positions`]), so a transcript can be told back in that order.

mod ending;
mod markers;
mod model_calls;
mod positions;
mod refusals;
mod start;
mod subagent;
mod tool_call;
mod tools;
mod transcript;

pub use ending::Ending;
pub use model_calls::ModelCalls;
pub use positions::Positions;
pub use start::SessionInit;
pub use tool_call::{Denial, Outcome};
pub use tools::ToolCalls;
pub use transcript::{Transcript, TRANSCRIPT_BUDGET_BYTES};

use crate::json::{bool_of, str_of, string_of, take, u64_of};
use crate::usage::RunUsage;
use ending::LastResult;
use markers::MarkerOf;
use sentrial_protocol::{Marker, Payload, SessionEnd, SessionInput, ToolStatus};
use serde_json::Value;
use start::RunInfo;
use subagent::subagent_of;

/// One tracked `query()` call.
#[derive(Debug)]
pub struct SessionState {
    init: SessionInit,
    started: bool,
    run: RunInfo,
    /// User turns given before the start was pushed, with their places.
    pending_turns: Vec<(String, u32)>,
    turns: u32,
    positions: Positions,
    tools: ToolCalls,
    model_calls: ModelCalls,
    transcript: Transcript,
    /// Task calls asked to run in the background (older SDKs do not say so in `task_started`).
    background_tasks: std::collections::HashSet<String>,
    run_usage: RunUsage,
    /// The HTTP status of the latest API error the stream reported (its synthetic message).
    api_error_status: Option<u16>,
    results: u32,
    last: Option<LastResult>,
}

impl SessionState {
    /// A session for a call of the wrapped function.
    pub fn new(init: SessionInit) -> Self {
        SessionState {
            init,
            started: false,
            run: RunInfo::default(),
            pending_turns: Vec::new(),
            turns: 0,
            positions: Positions::default(),
            tools: ToolCalls::default(),
            model_calls: ModelCalls::default(),
            transcript: Transcript::default(),
            background_tasks: Default::default(),
            run_usage: RunUsage::default(),
            api_error_status: None,
            results: 0,
            last: None,
        }
    }

    /// Whether the session's start has been pushed.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Takes one SDK message (already parsed).
    pub fn on_message(&mut self, mut msg: Value, now: i64, out: &mut Vec<Payload>) {
        match str_of(&msg, "type") {
            Some("system") => self.on_system(&msg, now, out),
            Some("assistant") => self.on_assistant(&mut msg, now, out),
            Some("user") => self.on_user(&mut msg, now, out),
            Some("result") => self.on_result(&msg, now, out),
            Some("stream_event") => {
                if let Some(event) = msg.get("event") {
                    let parent = str_of(&msg, "parent_tool_use_id");
                    let ttft = u64_of(&msg, "ttft_ms");
                    self.model_calls.stream_event(parent, event, ttft, now);
                }
            }
            Some("rate_limit_event") => {
                let marker = markers::of_rate_limit(&msg);
                self.marker(marker, None, now, out);
            }
            Some("tool_use_summary") => {
                let marker = markers::of_tool_summary(&msg);
                let parent = string_of(&msg, "parent_tool_use_id");
                self.marker(marker, parent, now, out);
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
        if let Some(agent) = str_of(&hook, "agent_id") {
            self.tools.made_by_agent(&id, agent);
        }
        let outcome = Outcome::of_hook(status, &mut hook, now);
        if let Some(call) = self.tools.finished_by_hook(&id, outcome) {
            self.ensure_started(out);
            out.push(Payload::ToolCall(call));
        }
    }

    /// Takes what a permission callback the wrapper observed answered for a tool call: `source`
    /// (`hook`, `can_use_tool`), `tool_use_id`, `behavior` and its `message`.
    pub fn on_decision(&mut self, decision: Value) {
        let Some(id) = str_of(&decision, "tool_use_id") else {
            return;
        };
        if str_of(&decision, "behavior") == Some("deny") {
            self.tools
                .refused_by_callback(id, Denial::of_decision(&decision));
        }
    }

    /// Takes one user turn of a streamed prompt as it passes to the SDK.
    pub fn on_user_turn(&mut self, text: String, out: &mut Vec<Payload>) {
        let position = self.positions.next_place();
        if self.started {
            self.push_turn(text, position, out);
        } else {
            self.pending_turns.push((text, position));
        }
    }

    fn push_turn(&mut self, text: String, position: u32, out: &mut Vec<Payload>) {
        out.push(Payload::SessionInput(SessionInput {
            turn: self.turns,
            text,
            position: Some(position),
        }));
        self.turns += 1;
    }

    /// Ends the session: closes open tool calls and pushes the end.
    pub fn finish(mut self, ending: Ending, now: i64, out: &mut Vec<Payload>) {
        self.ensure_started(out);
        out.extend(
            self.tools
                .close_all(now, &mut self.positions)
                .into_iter()
                .map(Payload::ToolCall),
        );
        out.extend(
            self.model_calls
                .close_all()
                .into_iter()
                .map(Payload::ModelCall),
        );
        let last = self.last.take();
        let reconciliation = last.as_ref().map(|r| self.model_calls.reconcile(&r.usage));
        let end = ending::session_end(
            &ending,
            last,
            now,
            elapsed(self.init.started_at, now),
            self.api_error_status,
            self.results,
        );
        out.push(Payload::SessionEnd(SessionEnd {
            reconciliation,
            ..end
        }));
    }

    fn ensure_started(&mut self, out: &mut Vec<Payload>) {
        if self.started {
            return;
        }
        self.started = true;
        out.push(self.run.start(&self.init));
        for (text, position) in std::mem::take(&mut self.pending_turns) {
            self.push_turn(text, position, out);
        }
    }

    /// `interrupt()` was called through the wrapper: tool calls that now fail were interrupted.
    pub fn interrupting(&mut self) {
        self.tools.interrupting();
    }

    /// Places a marker in the transcript.
    fn marker(
        &mut self,
        marker: Option<MarkerOf>,
        parent: Option<String>,
        now: i64,
        out: &mut Vec<Payload>,
    ) {
        let Some((kind, data)) = marker else {
            return;
        };
        self.ensure_started(out);
        out.push(Payload::Marker(Marker {
            position: self.positions.next_place(),
            kind: kind.to_owned(),
            at: now,
            parent_tool_use_id: parent,
            data,
        }));
    }

    fn on_system(&mut self, msg: &Value, now: i64, out: &mut Vec<Payload>) {
        let subtype = str_of(msg, "subtype").unwrap_or_default();
        match subtype {
            "init" => self.on_init(msg, out),
            "task_started" | "task_notification" => {
                if let Some(mut sub) = subagent_of(msg) {
                    sub.background |= self.background_tasks.contains(&sub.tool_use_id);
                    if let Some(agent) = &sub.agent_id {
                        self.tools.subagent_started(agent, &sub.tool_use_id);
                    }
                    self.ensure_started(out);
                    out.push(Payload::Subagent(sub));
                }
            }
            "permission_denied" => {
                if let Some(id) = str_of(msg, "tool_use_id") {
                    self.tools.denied(id, Denial::of_permission_denied(msg));
                }
            }
            other => {
                let marker = markers::of_system(other, msg);
                let parent = string_of(msg, "parent_tool_use_id");
                self.marker(marker, parent, now, out);
            }
        }
    }

    fn on_init(&mut self, msg: &Value, out: &mut Vec<Payload>) {
        let had_id = self.run.read_init(msg);
        if self.started && !had_id {
            // Started early (a hook came first): send the start again with what init told us.
            out.push(self.run.start(&self.init));
        } else {
            self.ensure_started(out);
        }
    }

    fn on_assistant(&mut self, msg: &mut Value, now: i64, out: &mut Vec<Payload>) {
        let parent = string_of(msg, "parent_tool_use_id");
        let Some(mut message) = msg.get_mut("message").map(Value::take) else {
            return;
        };
        let model = str_of(&message, "model").unwrap_or_default();
        if model.starts_with('<') {
            // `<synthetic>`: a message the CLI made up, most often to report an API error.
            if let Some(status) = msg.get("api_error_status").and_then(Value::as_u64) {
                self.api_error_status = u16::try_from(status).ok();
            }
            let marker = markers::of_synthetic(msg, &message);
            self.marker(marker, parent, now, out);
            return;
        }
        if self.run.model.is_none() && !model.is_empty() {
            self.run.model = Some(model.to_owned());
        }
        let positions = &mut self.positions;
        if let Some(call) = self
            .model_calls
            .assistant(parent.as_deref(), &message, now, positions)
        {
            self.ensure_started(out);
            out.push(Payload::ModelCall(call));
        }
        let Some(blocks) = message.get_mut("content").and_then(Value::as_array_mut) else {
            return;
        };
        for block in blocks {
            if str_of(block, "type") == Some("tool_use") {
                let (Some(id), Some(name)) = (string_of(block, "id"), string_of(block, "name"))
                else {
                    continue;
                };
                let input = take(block, "input");
                if input.get("run_in_background") == Some(&Value::Bool(true)) {
                    self.background_tasks.insert(id.clone());
                }
                let position = self.positions.next_place();
                if let Some(call) =
                    self.tools
                        .named(&id, &name, input, parent.clone(), now, position)
                {
                    self.ensure_started(out);
                    out.push(Payload::ToolCall(call));
                }
            }
            let block = self.transcript.block(block);
            self.model_calls.block(parent.as_deref(), block);
        }
    }

    fn on_user(&mut self, msg: &mut Value, now: i64, out: &mut Vec<Payload>) {
        let parent = string_of(msg, "parent_tool_use_id");
        let meta = msg.get_mut("tool_result_meta").map(Value::take);
        let Some(blocks) = msg
            .get_mut("message")
            .and_then(|m| m.get_mut("content"))
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        for block in blocks {
            match str_of(block, "type") {
                Some("tool_result") => {
                    let Some(id) = string_of(block, "tool_use_id") else {
                        continue;
                    };
                    let is_error = bool_of(block, "is_error").unwrap_or(false);
                    let content = take(block, "content");
                    let meta = meta
                        .as_ref()
                        .and_then(Value::as_array)
                        .and_then(|all| all.iter().find(|m| str_of(m, "id") == Some(&id)));
                    if let Some(call) = self.tools.result_block(&id, is_error, content, meta, now) {
                        self.ensure_started(out);
                        out.push(Payload::ToolCall(call));
                    }
                }
                Some("text") => {
                    let marker = str_of(block, "text").and_then(markers::of_user_text);
                    self.marker(marker, parent.clone(), now, out);
                }
                _ => {}
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
        let denied = self.tools.denied_in_result(msg, now);
        out.extend(denied.into_iter().map(Payload::ToolCall));
        let figures = self.run_usage.result(msg, self.run.model.as_deref());
        let duration_ms = elapsed(self.init.started_at, now);
        let result = LastResult::read(msg, duration_ms, figures, self.api_error_status);
        let position = self.positions.next_place();
        out.push(Payload::SessionResult(
            result.payload(self.results, position),
        ));
        self.results += 1;
        self.last = Some(result);
    }
}

fn elapsed(from: i64, to: i64) -> u64 {
    u64::try_from(to - from).unwrap_or(0)
}

#[cfg(test)]
mod tests;
