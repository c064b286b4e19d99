//! How a session ended: its status, a reason a person reads, and an `end_reason` to filter on.

use sentrial_protocol::{
    SessionStatus, Usage, END_ABORTED, END_API_ERROR, END_ERROR_RESULT, END_EXCEPTION,
    END_INTERRUPTED, END_NO_RESULT, END_SHUTDOWN, END_STOPPED,
};

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
mod tests {
    use super::*;

    fn result(subtype: &str, is_error: bool) -> LastResult {
        LastResult {
            subtype: subtype.into(),
            is_error,
            errors: vec![],
            output: None,
            num_turns: None,
            duration_ms: 0,
            api_duration_ms: None,
            terminal_reason: None,
            api_error_status: None,
            usage: Usage::default(),
            carried: None,
        }
    }

    fn end_of(ending: Ending, last: Option<LastResult>) -> (SessionStatus, Option<String>) {
        let v = verdict(&ending, last.as_ref());
        (v.status, v.end_reason)
    }

    #[test]
    fn every_way_a_run_ends_has_its_end_reason() {
        use SessionStatus::*;
        let reason = |s: &str| Some(s.to_string());
        assert_eq!(
            end_of(Ending::Done, Some(result("success", false))),
            (Completed, None)
        );
        // Reading on after a successful result (break) is still a success.
        assert_eq!(
            end_of(Ending::Stopped, Some(result("success", false))),
            (Completed, None)
        );
        for subtype in [
            "error_max_turns",
            "error_max_budget_usd",
            "error_during_execution",
            "error_max_structured_output_retries",
        ] {
            assert_eq!(
                end_of(Ending::Done, Some(result(subtype, true))),
                (Failed, reason(subtype))
            );
            // The SDK throws after an error result: the result says why.
            let threw = Ending::Threw {
                message: "Claude Code returned an error result".into(),
                aborted: false,
            };
            assert_eq!(
                end_of(threw, Some(result(subtype, true))),
                (Failed, reason(subtype))
            );
        }
        let mut api = result("success", true);
        api.api_error_status = Some(529);
        assert_eq!(
            end_of(Ending::Done, Some(api)),
            (Failed, reason("api_error"))
        );
        let mut api = result("success", true);
        api.terminal_reason = Some("api_error".into());
        assert_eq!(
            end_of(Ending::Done, Some(api)),
            (Failed, reason("api_error"))
        );
        assert_eq!(
            end_of(Ending::Done, Some(result("success", true))),
            (Failed, reason("error_result"))
        );
        let aborted = Ending::Threw {
            message: "Claude Code process aborted by user".into(),
            aborted: true,
        };
        assert_eq!(end_of(aborted, None), (Failed, reason("aborted")));
        let crashed = Ending::Threw {
            message: "spawn ENOENT".into(),
            aborted: false,
        };
        assert_eq!(end_of(crashed.clone(), None), (Failed, reason("exception")));
        assert_eq!(
            end_of(crashed, Some(result("success", false))),
            (Failed, reason("exception"))
        );
        assert_eq!(
            end_of(
                Ending::Interrupted,
                Some(result("error_during_execution", true))
            ),
            (Interrupted, reason("interrupted"))
        );
        assert_eq!(
            end_of(Ending::Stopped, None),
            (Interrupted, reason("stopped"))
        );
        assert_eq!(end_of(Ending::Done, None), (Failed, reason("no_result")));
        assert_eq!(end_of(Ending::Shutdown, None), (Failed, reason("shutdown")));
    }

    #[test]
    fn the_failure_reason_says_why_in_words() {
        let mut r = result("error_max_turns", true);
        r.errors = vec!["Reached maximum number of turns (2)".into()];
        let v = verdict(&Ending::Done, Some(&r));
        assert_eq!(
            v.failure_reason.as_deref(),
            Some("error_max_turns: Reached maximum number of turns (2)")
        );
    }
}
