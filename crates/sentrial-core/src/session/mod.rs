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
mod tools;
mod transcript;

pub use ending::Ending;
pub use model_calls::ModelCalls;
pub use tools::{Denial, Outcome, ToolCalls};
pub use transcript::{Transcript, TRANSCRIPT_BUDGET_BYTES};

use crate::json::{bool_of, str_of, string_of, take, u64_of};
use crate::usage::RunUsage;
use ending::LastResult;
use markers::MarkerOf;
use sentrial_protocol::{
    Marker, McpServer, Payload, SessionEnd, SessionInput, SessionResult, SessionStart, Subagent,
    ToolStatus,
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
    /// The options' `resume`: the Claude session this run resumes (or forks, with `fork`).
    pub resume: Option<String>,
    /// The options' `forkSession`.
    pub fork: bool,
    /// The options' `continue`: the run goes on with the latest Claude session of its folder,
    /// which its `system`/`init` message names.
    pub continue_latest: bool,
    /// How the run was started (`query`, `startup`, `prewarm`).
    pub entry_point: Option<String>,
}

/// Numbers the items of a session's transcript in the order the SDK showed them.
#[derive(Debug, Default)]
pub struct Positions(u32);

impl Positions {
    /// The next place.
    pub fn next_place(&mut self) -> u32 {
        let p = self.0;
        self.0 = self.0.saturating_add(1);
        p
    }
}

/// One tracked `query()` call.
#[derive(Debug)]
pub struct SessionState {
    init: SessionInit,
    started: bool,
    claude_session_id: Option<String>,
    model: Option<String>,
    sdk_metadata: Map<String, Value>,
    mcp_servers: Vec<McpServer>,
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
            claude_session_id: None,
            model: None,
            sdk_metadata: Map::new(),
            mcp_servers: Vec::new(),
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
            mcp_server: hook.get("mcp_server").and_then(|m| string_of(m, "name")),
        };
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
            self.tools.refused_by_callback(
                id,
                Denial {
                    reason: string_of(&decision, "message").filter(|m| !m.is_empty()),
                    by: string_of(&decision, "source"),
                },
            );
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
        let verdict = ending::verdict(&ending, last.as_ref());
        let reconciliation = last.as_ref().map(|r| self.model_calls.reconcile(&r.usage));
        let duration_ms = last
            .as_ref()
            .map_or_else(|| elapsed(self.init.started_at, now), |r| r.duration_ms);
        let api_error_status = match verdict.end_reason.as_deref() {
            Some(sentrial_protocol::END_API_ERROR) => last
                .as_ref()
                .and_then(|r| r.api_error_status)
                .or(self.api_error_status),
            _ => None,
        };
        let (usage, carried) = match &last {
            Some(r) => (r.usage.clone(), r.carried.clone()),
            None => Default::default(),
        };
        out.push(Payload::SessionEnd(SessionEnd {
            status: verdict.status,
            failure_reason: verdict.failure_reason,
            end_reason: verdict.end_reason,
            api_error_status,
            // The final response is the last result's text, never a message from mid-run.
            output: last.as_ref().and_then(|r| r.output.clone()),
            ended_at: now,
            duration_ms,
            api_duration_ms: last.as_ref().and_then(|r| r.api_duration_ms),
            num_turns: last.as_ref().and_then(|r| r.num_turns),
            usage,
            carried,
            results: self.results,
            reconciliation,
        }));
    }

    fn ensure_started(&mut self, out: &mut Vec<Payload>) {
        if self.started {
            return;
        }
        self.started = true;
        out.push(self.start_payload());
        for (text, position) in std::mem::take(&mut self.pending_turns) {
            self.push_turn(text, position, out);
        }
    }

    fn start_payload(&self) -> Payload {
        let mut metadata = self.sdk_metadata.clone();
        // The user's own keys win over what the SDK reported.
        metadata.extend(self.init.metadata.clone());
        let init = &self.init;
        let (resumed_from, forked_from) = match (&init.resume, init.fork) {
            (Some(id), false) => (Some(id.clone()), None),
            (Some(id), true) => (None, Some(id.clone())),
            // `continue` goes on with the session its init names.
            (None, _) if init.continue_latest => (self.claude_session_id.clone(), None),
            (None, _) => (None, None),
        };
        Payload::SessionStart(SessionStart {
            agent: init.agent.clone(),
            user_id: init.user_id.clone(),
            convo_id: init.convo_id.clone(),
            claude_session_id: self.claude_session_id.clone(),
            model: self.model.clone(),
            input: init.input.clone(),
            metadata,
            started_at: init.started_at,
            resumed_from,
            forked_from,
            entry_point: init.entry_point.clone(),
            mcp_servers: self.mcp_servers.clone(),
        })
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
                    let denial = Denial {
                        reason: string_of(msg, "decision_reason")
                            .or_else(|| string_of(msg, "message"))
                            .filter(|m| !m.is_empty()),
                        by: string_of(msg, "decision_reason_type"),
                    };
                    self.tools.denied(id, denial);
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
        if let Some(servers) = msg.get("mcp_servers").and_then(Value::as_array) {
            self.mcp_servers = servers
                .iter()
                .filter_map(|s| {
                    Some(McpServer {
                        name: string_of(s, "name")?,
                        status: string_of(s, "status").unwrap_or_default(),
                    })
                })
                .collect();
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
        if self.model.is_none() && !model.is_empty() {
            self.model = Some(model.to_owned());
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
        let figures = self.run_usage.result(msg, self.model.as_deref());
        let api_error_status = msg
            .get("api_error_status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .or(self.api_error_status.filter(|_| is_error));
        let result = LastResult {
            subtype,
            is_error,
            errors,
            output: string_of(msg, "result"),
            num_turns: u64_of(msg, "num_turns"),
            duration_ms: elapsed(self.init.started_at, now),
            api_duration_ms: u64_of(msg, "duration_api_ms"),
            terminal_reason: string_of(msg, "terminal_reason"),
            api_error_status,
            usage: figures.own,
            carried: figures.carried,
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
            carried: result.carried.clone(),
            terminal_reason: result.terminal_reason.clone(),
            api_error_status: result.api_error_status,
            position: Some(self.positions.next_place()),
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
