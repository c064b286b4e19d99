//! How a session ended: its status, a reason a person reads, and an `end_reason` to filter on;
//! and the results it reported on the way.

use crate::json::{bool_of, str_of, string_of, u64_of};
use crate::usage::RunFigures;
use sentrial_protocol::{
    SessionEnd, SessionResult, SessionStatus, Usage, END_ABORTED, END_API_ERROR, END_ERROR_RESULT,
    END_EXCEPTION, END_INTERRUPTED, END_NO_RESULT, END_SHUTDOWN, END_STOPPED,
};
use serde_json::Value;

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
    /// The tracker was shut down while the session ran.
    Shutdown,
}

/// What the latest `result` message said.
#[derive(Debug, Clone)]
pub(super) struct LastResult {
    pub subtype: String,
    pub is_error: bool,
    pub errors: Vec<String>,
    pub output: Option<String>,
    pub num_turns: Option<u64>,
    pub duration_ms: u64,
    pub api_duration_ms: Option<u64>,
    pub terminal_reason: Option<String>,
    pub api_error_status: Option<u16>,
    /// What the run spent, up to this result.
    pub usage: Usage,
    /// What the SDK's totals carried from earlier runs.
    pub carried: Option<Usage>,
}

/// The end of a session as it is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verdict {
    pub status: SessionStatus,
    pub failure_reason: Option<String>,
    pub end_reason: Option<String>,
}

impl LastResult {
    /// What a `result` message says. `figures`: its usage, as the run's usage read it;
    /// `duration_ms`: the time since the run began; `stream_api_error`: the status of the latest
    /// API error the stream reported (the result's own wins).
    pub fn read(
        msg: &Value,
        duration_ms: u64,
        figures: RunFigures,
        stream_api_error: Option<u16>,
    ) -> LastResult {
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
        let api_error_status = msg
            .get("api_error_status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .or(stream_api_error.filter(|_| is_error));
        LastResult {
            subtype,
            is_error,
            errors,
            output: string_of(msg, "result"),
            num_turns: u64_of(msg, "num_turns"),
            duration_ms,
            api_duration_ms: u64_of(msg, "duration_api_ms"),
            terminal_reason: string_of(msg, "terminal_reason"),
            api_error_status,
            usage: figures.own,
            carried: figures.carried,
        }
    }

    /// The protocol's record of this result: the session's `index`-th, at `position` in its
    /// transcript.
    pub fn payload(&self, index: u32, position: u32) -> SessionResult {
        SessionResult {
            index,
            subtype: self.subtype.clone(),
            is_error: self.is_error,
            output: self.output.clone(),
            num_turns: self.num_turns,
            duration_ms: self.duration_ms,
            api_duration_ms: self.api_duration_ms,
            usage: self.usage.clone(),
            carried: self.carried.clone(),
            terminal_reason: self.terminal_reason.clone(),
            api_error_status: self.api_error_status,
            position: Some(position),
        }
    }

    /// The end reason of an error result: its `error_*` subtype, else an API error (a result of
    /// subtype `success` with `is_error`, as an API error ends a run), else an error result.
    fn end_reason(&self) -> String {
        if self.subtype.starts_with("error") {
            self.subtype.clone()
        } else if self.api_error_status.is_some()
            || self.terminal_reason.as_deref() == Some("api_error")
        {
            END_API_ERROR.to_owned()
        } else {
            END_ERROR_RESULT.to_owned()
        }
    }

    fn failure_reason(&self) -> String {
        let reason = &self.subtype;
        if !self.errors.is_empty() {
            format!("{reason}: {}", self.errors.join("; "))
        } else if let Some(text) = self.output.as_deref().filter(|t| !t.is_empty()) {
            format!("{reason}: {text}")
        } else {
            reason.clone()
        }
    }
}

/// The end of a session that ended by `ending` at `now`, after `results` results, `last` the
/// latest. `elapsed_ms`: how long it ran (when no result says); `stream_api_error`: the status of
/// the latest API error the stream reported. Without the reconciliation, which is the model
/// calls'.
pub(super) fn session_end(
    ending: &Ending,
    last: Option<LastResult>,
    now: i64,
    elapsed_ms: u64,
    stream_api_error: Option<u16>,
    results: u32,
) -> SessionEnd {
    let verdict = verdict(ending, last.as_ref());
    let duration_ms = last.as_ref().map_or(elapsed_ms, |r| r.duration_ms);
    let api_error_status = match verdict.end_reason.as_deref() {
        Some(END_API_ERROR) => last
            .as_ref()
            .and_then(|r| r.api_error_status)
            .or(stream_api_error),
        _ => None,
    };
    let (usage, carried) = match &last {
        Some(r) => (r.usage.clone(), r.carried.clone()),
        None => Default::default(),
    };
    SessionEnd {
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
        results,
        reconciliation: None,
        metrics: Default::default(),
    }
}

/// The verdict on a session that ended by `ending`, after `last` (its latest result, if any).
pub(super) fn verdict(ending: &Ending, last: Option<&LastResult>) -> Verdict {
    let failed = |reason: String, end: String| Verdict {
        status: SessionStatus::Failed,
        failure_reason: Some(reason),
        end_reason: Some(end),
    };
    let from_result = |r: &LastResult| {
        if r.is_error {
            failed(r.failure_reason(), r.end_reason())
        } else {
            Verdict {
                status: SessionStatus::Completed,
                failure_reason: None,
                end_reason: None,
            }
        }
    };
    match (ending, last) {
        (Ending::Interrupted, _) => Verdict {
            status: SessionStatus::Interrupted,
            failure_reason: Some("interrupted through query.interrupt()".into()),
            end_reason: Some(END_INTERRUPTED.into()),
        },
        (Ending::Threw { message, aborted }, last) => {
            if *aborted {
                failed(format!("aborted: {message}"), END_ABORTED.into())
            } else {
                // The SDK throws right after an error result; the result says why.
                let end = match last {
                    Some(r) if r.is_error => r.end_reason(),
                    _ => END_EXCEPTION.into(),
                };
                failed(message.clone(), end)
            }
        }
        (Ending::Shutdown, _) => failed(
            "the tracker was shut down while the session ran".into(),
            END_SHUTDOWN.into(),
        ),
        (Ending::Done | Ending::Stopped, Some(r)) => from_result(r),
        (Ending::Done, None) => failed(
            "the stream ended without a result".into(),
            END_NO_RESULT.into(),
        ),
        (Ending::Stopped, None) => Verdict {
            status: SessionStatus::Interrupted,
            failure_reason: Some("the caller stopped iterating before a result".into()),
            end_reason: Some(END_STOPPED.into()),
        },
    }
}

#[cfg(test)]
#[path = "ending_tests.rs"]
mod tests;
