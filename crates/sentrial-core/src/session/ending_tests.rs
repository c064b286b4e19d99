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
