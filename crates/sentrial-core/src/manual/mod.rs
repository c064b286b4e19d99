//! Manual sessions: what an agent on any framework reports itself through `createSession`,
//! `trackToolCall`, `trackDecision`, `trackError`, `trackLLMCall` and `completeSession`, made
//! into the same events as a wrapped run's, so the collector stores and shows both alike.
//!
//! Nothing here does I/O: a [`ManualState`] takes [`Step`]s and a clock reading and pushes
//! [`Payload`]s, numbering the transcript as a wrapped run does ([`Positions`]).

mod handle;
mod steps;
mod totals;

pub use handle::ManualSession;
pub use steps::{
    ManualDecision, ManualEnd, ManualError, ManualLlmCall, ManualStart, ManualToolCall, Step,
};

use crate::session::{Ending, Positions, SessionInit};
use sentrial_protocol::{
    metric_problem, Decision, LlmCall, Payload, SessionEnd, SessionError, SessionStatus, ToolCall,
    ToolStatus, END_ERROR_RESULT, END_SHUTDOWN, END_STOPPED, ENTRY_MANUAL, METRICS_MAX,
};
use std::collections::BTreeMap;
use totals::Totals;

/// One manual session between its creation and its completion.
#[derive(Debug)]
pub struct ManualState {
    init: SessionInit,
    positions: Positions,
    tool_calls: u32,
    totals: Totals,
}

impl ManualState {
    /// A session created as `start` says at `started_at` (its start is pushed at once: nothing
    /// more will tell of it).
    pub fn new(start: ManualStart, started_at: i64, out: &mut Vec<Payload>) -> Self {
        let init = SessionInit {
            agent: start.agent_name,
            user_id: start.user_id,
            convo_id: start.convo_id,
            metadata: start.metadata,
            input: start.input,
            started_at,
            entry_point: Some(ENTRY_MANUAL.into()),
            name: start.name,
            parent_session_id: start.parent_session_id,
            ..Default::default()
        };
        let state = ManualState {
            init,
            positions: Positions::default(),
            tool_calls: 0,
            totals: Totals::default(),
        };
        out.push(state.start());
        state
    }

    fn start(&self) -> Payload {
        Payload::SessionStart(sentrial_protocol::SessionStart {
            agent: self.init.agent.clone(),
            user_id: self.init.user_id.clone(),
            convo_id: self.init.convo_id.clone(),
            input: self.init.input.clone(),
            metadata: self.init.metadata.clone(),
            started_at: self.init.started_at,
            entry_point: self.init.entry_point.clone(),
            name: self.init.name.clone(),
            parent_session_id: self.init.parent_session_id.clone(),
            ..Default::default()
        })
    }

    /// Takes one step of the session, reported at `now`.
    pub fn step(&mut self, step: Step, now: i64, out: &mut Vec<Payload>) {
        let position = self.positions.next_place();
        out.push(match step {
            Step::ToolCall(t) => {
                let seq = self.tool_calls;
                self.tool_calls += 1;
                Payload::ToolCall(tool_call(t, seq, position, now))
            }
            Step::Decision(d) => Payload::Decision(Decision {
                position,
                at: now,
                reasoning: d.reasoning,
                alternatives: d.alternatives,
                chosen: d.chosen,
            }),
            Step::Error(e) => Payload::Error(SessionError {
                position,
                at: now,
                message: e.message,
                error_type: e.error_type,
                stack: e.stack,
                context: e.context,
            }),
            Step::LlmCall(call) => Payload::LlmCall(self.llm_call(call, position, now)),
        });
    }

    fn llm_call(&mut self, c: ManualLlmCall, position: u32, now: i64) -> LlmCall {
        let call = LlmCall {
            call_id: uuid::Uuid::now_v7().to_string(),
            position,
            model: c.model,
            input_tokens: c.prompt_tokens.unwrap_or(0),
            output_tokens: c.completion_tokens.unwrap_or(0),
            cache_read_tokens: c.cache_read_tokens.unwrap_or(0),
            cache_creation_tokens: c.cache_creation_tokens.unwrap_or(0),
            cost_usd: c.cost_usd,
            cost_estimated: false,
            input: c.input,
            output: c.output,
            started_at: now - duration(c.duration_ms),
            ended_at: now,
        };
        self.totals.add(call, c.duration_ms)
    }

    /// Ends the session as `completeSession` said.
    pub fn complete(mut self, end: ManualEnd, now: i64, out: &mut Vec<Payload>) {
        if self.init.input.is_none() && end.user_input.is_some() {
            // The prompt was known only at the end: the start is sent again with it (a later
            // start replaces an earlier one).
            self.init.input = end.user_input.clone();
            out.push(self.start());
        }
        let (status, failure_reason, end_reason) = match end.success {
            true => (SessionStatus::Completed, None, None),
            false => (
                SessionStatus::Failed,
                Some(
                    end.failure_reason
                        .clone()
                        .unwrap_or_else(|| "the agent reported a failure".into()),
                ),
                Some(END_ERROR_RESULT.to_string()),
            ),
        };
        let usage = self.totals.usage(&end);
        out.push(Payload::SessionEnd(SessionEnd {
            status,
            failure_reason,
            end_reason,
            output: end.output,
            ended_at: now,
            duration_ms: u64::try_from(now - self.init.started_at).unwrap_or(0),
            api_duration_ms: self.totals.api_duration_ms(),
            num_turns: self.totals.turns(),
            usage,
            metrics: metrics(end.custom_metrics),
            ..Default::default()
        }));
    }

    /// Ends a session its host left unfinished: the tracker was shut down, or its handle was
    /// dropped (`Ending::Shutdown`, `Ending::Stopped`). Its figures are what it reported.
    pub fn abandon(self, ending: Ending, now: i64, out: &mut Vec<Payload>) {
        let (reason, end_reason) = match ending {
            Ending::Shutdown => (
                "the tracker was shut down before the session was completed",
                END_SHUTDOWN,
            ),
            _ => ("the session was never completed", END_STOPPED),
        };
        let end = ManualEnd::default();
        out.push(Payload::SessionEnd(SessionEnd {
            status: SessionStatus::Failed,
            failure_reason: Some(reason.into()),
            end_reason: Some(end_reason.into()),
            ended_at: now,
            duration_ms: u64::try_from(now - self.init.started_at).unwrap_or(0),
            api_duration_ms: self.totals.api_duration_ms(),
            num_turns: self.totals.turns(),
            usage: self.totals.usage(&end),
            ..Default::default()
        }));
    }
}

/// The metrics the protocol can carry: finite, named, at most [`METRICS_MAX`] (the JS layer has
/// refused the others already when it was told to).
fn metrics(given: BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    given
        .into_iter()
        .filter(|(name, value)| metric_problem(name, *value).is_none())
        .take(METRICS_MAX)
        .collect()
}

fn duration(ms: Option<u64>) -> i64 {
    ms.map_or(0, |ms| i64::try_from(ms).unwrap_or(i64::MAX))
}

fn tool_call(t: ManualToolCall, seq: u32, position: u32, now: i64) -> ToolCall {
    let status = match t.tool_error {
        Some(_) => ToolStatus::Error,
        None => ToolStatus::Success,
    };
    let mcp_server = ToolCall::mcp_server_of(&t.tool_name).map(str::to_owned);
    ToolCall {
        tool_use_id: t
            .tool_use_id
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        tool_name: t.tool_name,
        seq,
        status,
        input: t.tool_input,
        output: t.tool_output,
        error: t.tool_error,
        duration_ms: t.duration_ms,
        mcp_server,
        started_at: Some(now.saturating_sub(duration(t.duration_ms))),
        ended_at: Some(now),
        position: Some(position),
        reasoning: t.reasoning,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests;
