//! Replays the REAL recorded SDK streams of `__test__/fixtures/*.jsonl` (see [`replay`]) and checks
//! the payloads against values read from the fixtures by hand.

mod replay;

use replay::*;
use sentrial_core::session::Ending;
use sentrial_protocol::{Payload, SessionStatus, ToolCall, ToolStatus, Usage};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// One test per fixture.

#[test]
fn hello() {
    for name in ["hello", "hello-partial"] {
        let (f, run) = Run::of(name);
        assert_eq!(f.threw, None);
        assert_start(
            &run,
            if name == "hello" {
                "96bbda48-fd4b-47cb-9f55-f1b508e495bf"
            } else {
                "07ee7692-aa1f-407b-9cdb-b2099deb7d99"
            },
        );
        assert!(run.calls().is_empty());
        let results = run.results();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].index, 0);
        assert_eq!(results[0].subtype, "success");
        let end = run.end();
        assert_eq!(end.status, SessionStatus::Completed, "{name}");
        assert_eq!(end.failure_reason, None);
        assert_eq!(
            end.output.as_deref(),
            Some("Hello from the scripted model. Done: hello")
        );
        assert_eq!(end.results, 1);
        assert_eq!(end.num_turns, Some(1));
        assert_usage(&end.usage, 120, 19, 0, 2400, 0.009644999999999999);
        assert_sonnet_only(&end.usage);
        // The result is line 2 of hello, line 10 of hello-partial.
        let result_line = if name == "hello" { 2 } else { 10 };
        assert_eq!(end.duration_ms, (at(result_line) - START) as u64);
        assert_eq!(
            end.api_duration_ms,
            Some(if name == "hello" { 34 } else { 20 })
        );
        assert_eq!(end.ended_at, at(f.lines.len()));
    }
}

#[test]
fn tool_success() {
    let (_, run) = Run::of("tool-success");
    assert_start(&run, "99d0dba0-b48c-4759-9e93-c6a841030ab8");
    let calls = run.calls();
    assert_eq!(
        calls.len(),
        1,
        "one call, emitted once (the hook's user message is not re-sent)"
    );
    let c = calls[0];
    assert_call(
        c,
        0,
        "toolu_01EpG4taRu55ia3sSxWl622a",
        "Bash",
        ToolStatus::Success,
        None,
    );
    assert_eq!(
        c.input,
        json!({"command": "echo hello-from-bash", "description": "Print a greeting"})
    );
    assert_eq!(c.output["stdout"], "hello-from-bash");
    assert_eq!(c.output["stderr"], "");
    assert_eq!(c.error, None);
    assert_eq!(c.duration_ms, Some(257));
    assert_eq!(c.started_at, Some(at(3)), "PreToolUse at line 3");
    assert_eq!(c.ended_at, Some(at(4)), "PostToolUse at line 4");
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(
        end.output.as_deref(),
        Some("The command printed hello-from-bash. Done: tool-success")
    );
    assert_eq!(end.num_turns, Some(2));
    assert_eq!(end.results, 1);
    assert_usage(&end.usage, 175, 53, 2400, 2550, 0.011602499999999998);
}

#[test]
fn tool_failure() {
    let (_, run) = Run::of("tool-failure");
    assert_start(&run, "dd7221f7-e2fd-40fc-9343-91ce1728178c");
    let calls = run.calls();
    assert_eq!(calls.len(), 1);
    let c = calls[0];
    assert_call(
        c,
        0,
        "toolu_01e4uJsCZTBLNnkCpOmf598o",
        "Bash",
        ToolStatus::Error,
        None,
    );
    assert_eq!(c.input["command"], "ls /definitely-missing-dir");
    assert_eq!(
        c.error.as_deref(),
        Some("Exit code 2\nls: cannot access '/definitely-missing-dir': No such file or directory")
    );
    assert_eq!(
        c.output,
        Value::Null,
        "PostToolUseFailure has no tool_response"
    );
    assert_eq!(c.duration_ms, Some(253));
    let end = run.end();
    assert_eq!(
        end.status,
        SessionStatus::Completed,
        "a failing tool does not fail the session"
    );
    assert_eq!(end.failure_reason, None);
    assert_eq!(end.results, 1);
    assert_usage(&end.usage, 175, 51, 2400, 2550, 0.0115725);
}

#[test]
fn parallel_tools() {
    let (_, run) = Run::of("parallel-tools");
    assert_start(&run, "ba67b630-8513-426c-87cd-a0a6b064e6bf");
    let calls = run.calls();
    // Emitted in finish order (Glob, Read, Bash); seq is call order (Bash, Read, Glob).
    let emitted: Vec<_> = calls
        .iter()
        .map(|c| (c.tool_name.as_str(), c.seq))
        .collect();
    assert_eq!(emitted, [("Glob", 2), ("Read", 1), ("Bash", 0)]);
    let fin = run.final_calls();
    assert_eq!(fin.len(), 3);
    assert_call(
        &fin[0],
        0,
        "toolu_0129SRv8bHRTvgxdCDMi0uvE",
        "Bash",
        ToolStatus::Success,
        None,
    );
    assert_call(
        &fin[1],
        1,
        "toolu_01usuj0pGY1SsHknxRpd45X5",
        "Read",
        ToolStatus::Success,
        None,
    );
    assert_call(
        &fin[2],
        2,
        "toolu_01OQB5DgfxdxI25qk7YfaK71",
        "Glob",
        ToolStatus::Success,
        None,
    );
    assert_eq!(fin[0].output["stdout"], "one");
    assert_eq!(fin[0].duration_ms, Some(314));
    assert_eq!(
        fin[1].input["file_path"],
        "/tmp/sm-parallel-tools-O0Y1DB/notes.txt"
    );
    assert_eq!(fin[1].output["type"], "text");
    assert_eq!(
        fin[1].output["file"]["content"],
        "These are the notes.\nline two\n"
    );
    assert_eq!(fin[1].duration_ms, Some(73));
    assert_eq!(fin[2].input, json!({"pattern": "*.txt"}));
    assert_eq!(fin[2].output["filenames"], json!(["notes.txt"]));
    assert_eq!(fin[2].duration_ms, Some(39));
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(end.num_turns, Some(4));
    assert_usage(&end.usage, 175, 69, 2400, 2550, 0.011842499999999999);
}

#[test]
fn subagent() {
    let (_, run) = Run::of("subagent");
    assert_start(&run, "19163448-032f-411f-bf34-adeaf62e17c9");
    let calls = run.calls();
    // The sub-agent's Bash finishes first; the Agent call finishes when the sub-agent is done.
    let emitted: Vec<_> = calls.iter().map(|c| c.tool_use_id.as_str()).collect();
    assert_eq!(
        emitted,
        [
            "toolu_01LFHRuF3BNqBxOyxlAVoBvQ",
            "toolu_01GIxMm4NDqkLS0tfXzOejim"
        ]
    );
    let fin = run.final_calls();
    assert_call(
        &fin[0],
        0,
        "toolu_01GIxMm4NDqkLS0tfXzOejim",
        "Agent",
        ToolStatus::Success,
        None,
    );
    assert_call(
        &fin[1],
        1,
        "toolu_01LFHRuF3BNqBxOyxlAVoBvQ",
        "Bash",
        ToolStatus::Success,
        Some("toolu_01GIxMm4NDqkLS0tfXzOejim"),
    );
    assert_eq!(fin[0].input["subagent_type"], "general-purpose");
    assert_eq!(fin[0].output["status"], "completed");
    assert_eq!(fin[0].output["agentType"], "general-purpose");
    assert_eq!(fin[0].duration_ms, Some(443));
    assert_eq!(fin[1].input["command"], "echo from-subagent");
    assert_eq!(fin[1].output["stdout"], "from-subagent");
    assert_eq!(fin[1].duration_ms, Some(264));
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(
        end.output.as_deref(),
        Some("The sub-agent finished. Done: subagent")
    );
    // modelUsage covers the sub-agent (350 input), `usage` does not (175).
    assert_usage(&end.usage, 350, 119, 4800, 5100, 0.0234);
}

#[test]
fn background_subagent() {
    let (_, run) = Run::of("background-subagent");
    assert_start(&run, "150a0413-bc0c-4590-9276-7c07c22a217c");
    let fin = run.final_calls();
    assert_eq!(fin.len(), 2);
    assert_call(
        &fin[0],
        0,
        "toolu_01XSs4rmsIBIkoAs2SLNoWsT",
        "Agent",
        ToolStatus::Success,
        None,
    );
    assert_eq!(fin[0].output["status"], "async_launched");
    assert_eq!(fin[0].output["isAsync"], true);
    assert_eq!(fin[0].input["run_in_background"], true);
    assert_call(
        &fin[1],
        1,
        "toolu_01VaYpN9Wbd7WbIO7jhrjDN0",
        "Bash",
        ToolStatus::Success,
        Some("toolu_01XSs4rmsIBIkoAs2SLNoWsT"),
    );
    assert_eq!(fin[1].output["stdout"], "from-subagent");
    assert_eq!(fin[1].duration_ms, Some(296));
    assert_eq!(run.calls().len(), 2, "each call emitted once");
    // The Bash call's hook (line 14) came after result #1 (line 13).
    assert_eq!(fin[1].ended_at, Some(at(14)));

    let results = run.results();
    assert_eq!(results.len(), 2);
    assert_eq!((results[0].index, results[1].index), (0, 1));
    assert_usage(&results[0].usage, 295, 104, 2400, 4950, 0.0217275);
    assert_usage(&results[1].usage, 420, 150, 7300, 5400, 0.02595);
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(end.results, 2);
    assert_eq!(end.num_turns, Some(1));
    assert_eq!(
        end.output.as_deref(),
        Some("The background sub-agent reported back. Done: background-subagent")
    );
    // Cumulative: the latest result wins, never a sum (295 + 420 would be 715).
    assert_usage(&end.usage, 420, 150, 7300, 5400, 0.02595);
    assert_eq!(end.duration_ms, (at(23) - START) as u64);
    assert_eq!(end.api_duration_ms, Some(115));
}

#[test]
fn turns() {
    let (_, run) = Run::of("turns");
    assert_start(&run, "5ee44de3-78e8-4aa2-b67b-13aa20978d22");
    assert!(run.calls().is_empty());
    let results = run.results();
    assert_eq!(results.len(), 3);
    let outs: Vec<_> = results
        .iter()
        .map(|r| r.output.as_deref().unwrap())
        .collect();
    assert_eq!(
        outs,
        ["reply to turn 1", "reply to turn 2", "reply to turn 3"]
    );
    assert_usage(&results[0].usage, 120, 12, 0, 2400, 0.00954);
    assert_usage(&results[1].usage, 175, 24, 2400, 2550, 0.0111675);
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(end.results, 3);
    assert_eq!(end.output.as_deref(), Some("reply to turn 3"));
    assert_usage(&end.usage, 245, 36, 4900, 2850, 0.0134325);
}

#[test]
fn turns_burst() {
    let (_, run) = Run::of("turns-burst");
    assert_start(&run, "68fb3d15-cc21-4fd5-8117-f1c397e5f95b");
    let end = run.end();
    assert_eq!(run.results().len(), 2);
    assert_eq!(end.results, 2);
    assert_eq!(end.status, SessionStatus::Completed);
    assert_eq!(end.output.as_deref(), Some("reply to turn 2"));
    assert_usage(&end.usage, 175, 24, 2400, 2550, 0.0111675);
}

#[test]
fn api_error() {
    let (f, run) = Run::of("api-error");
    assert_eq!(
        ending_of(&f),
        Ending::Threw {
            message: "Claude Code returned an error result: API Error: 400 scripted-model: this request is invalid (api-error scenario)".into(),
            aborted: false
        }
    );
    // The model comes from system/init, not from the "<synthetic>" assistant message.
    assert_start(&run, "ba7f57df-7c11-455e-8c4e-3336ea753b9c");
    assert!(run.calls().is_empty());
    let results = run.results();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].subtype, "success");
    assert!(results[0].is_error);
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(
        end.failure_reason.as_deref(),
        Some("Claude Code returned an error result: API Error: 400 scripted-model: this request is invalid (api-error scenario)")
    );
    assert_eq!(
        end.output.as_deref(),
        Some("API Error: 400 scripted-model: this request is invalid (api-error scenario)")
    );
    assert_eq!(end.results, 1);
    // modelUsage is {} and usage all zero, cost 0.
    assert_eq!(end.usage.total_tokens, 0);
    assert_eq!(end.usage.cost_usd, 0.0);
    assert!(!end.usage.cost_estimated);
}

#[test]
fn max_turns() {
    let (_, run) = Run::of("max-turns");
    assert_start(&run, "860049b4-3cdc-47a2-a6c2-9844b8609bc8");
    let fin = run.final_calls();
    assert_eq!(run.calls().len(), 2);
    assert_call(
        &fin[0],
        0,
        "toolu_01TZiLVvWWT9sLZbg8UrHUM5",
        "Bash",
        ToolStatus::Success,
        None,
    );
    assert_call(
        &fin[1],
        1,
        "toolu_01tZFPbHOl1HLGPMc0seNJxk",
        "Bash",
        ToolStatus::Success,
        None,
    );
    for c in &fin {
        assert_eq!(c.input["command"], "echo again");
        assert_eq!(c.output["stdout"], "again");
    }
    assert_eq!(
        (fin[0].duration_ms, fin[1].duration_ms),
        (Some(244), Some(7))
    );
    let results = run.results();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].subtype, "error_max_turns");
    assert!(results[0].is_error);
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(
        end.failure_reason.as_deref(),
        Some("Claude Code returned an error result: Reached maximum number of turns (2)")
    );
    assert_eq!(end.num_turns, Some(3));
    assert_eq!(end.end_reason.as_deref(), Some("error_max_turns"));
    // The result has no `result` text, and a message from mid-run is not the final response
    // (the transcript keeps it, with its model call).
    assert_eq!(end.output, None);
    assert_usage(&end.usage, 175, 56, 2400, 2550, 0.011647499999999998);
}

#[test]
fn permission_denied() {
    let (_, run) = Run::of("permission-denied");
    assert_start(&run, "3f57bebc-e34b-488f-9d81-ac93dc346824");
    let calls = run.calls();
    // No Post hook fires for a denied call: the system/permission_denied message marks it, and its
    // tool_result block (is_error) then reports it as denied.
    assert_eq!(calls.len(), 1);
    let c = calls[0];
    assert_call(
        c,
        0,
        "toolu_01F2zxMcjiRNFw5bxYhTdlxL",
        "Write",
        ToolStatus::Denied,
        None,
    );
    assert_eq!(
        c.input["file_path"],
        "/tmp/sm-permission-denied-UisvZa/denied.txt"
    );
    assert_eq!(c.input["content"], "should not be written\n");
    let text = "Claude requested permissions to write to /tmp/sm-permission-denied-UisvZa/denied.txt, but you haven't granted it yet.";
    assert_eq!(c.error.as_deref(), Some(text));
    assert_eq!(c.output, json!(text));
    assert_eq!(c.duration_ms, None);
    // Started at its PreToolUse (line 2), ended at its tool_result (line 4).
    assert_eq!((c.started_at, c.ended_at), (Some(at(2)), Some(at(4))));
    let end = run.end();
    assert_eq!(
        end.status,
        SessionStatus::Completed,
        "a denial is not a failed session"
    );
    assert_eq!(
        end.output.as_deref(),
        Some("The write was not allowed. Done: permission-denied")
    );
    assert_usage(&end.usage, 175, 54, 2400, 2550, 0.0116175);
}

#[test]
fn slow_interrupted() {
    let (f, run) = Run::of("slow");
    assert_eq!(ending_of(&f), Ending::Interrupted);
    assert_start(&run, "a486d775-f330-4f9c-a01f-88b3195b35fe");
    let calls = run.calls();
    assert_eq!(calls.len(), 1);
    let c = calls[0];
    // No hook for an interrupted tool: its is_error tool_result block, after interrupt() was called
    // through the wrapper, reports it as interrupted.
    assert_call(
        c,
        0,
        "toolu_01WsL2Iy0m1gulXRVS9UOHC1",
        "Bash",
        ToolStatus::Interrupted,
        None,
    );
    assert_eq!(c.input["command"], "sleep 20");
    assert!(c
        .error
        .as_deref()
        .unwrap()
        .starts_with("The user doesn't want to proceed with this tool use."));
    let results = run.results();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].subtype, "error_during_execution");
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Interrupted);
    assert_eq!(
        end.failure_reason.as_deref(),
        Some("interrupted through query.interrupt()")
    );
    assert_eq!(end.results, 1);
    assert_usage(&end.usage, 120, 23, 0, 2400, 0.009705);
}

#[test]
fn abort() {
    let (f, run) = Run::of("abort");
    assert_eq!(
        ending_of(&f),
        Ending::Threw {
            message: "Claude Code process aborted by user".into(),
            aborted: true
        }
    );
    assert_start(&run, "2b13b437-c9ad-490f-8ff4-19858510ecfd");
    let calls = run.calls();
    assert_eq!(calls.len(), 1);
    let c = calls[0];
    assert_call(
        c,
        0,
        "toolu_01e4BmqZNJGDBC13P2zEJ9Bn",
        "Bash",
        ToolStatus::NotCompleted,
        None,
    );
    assert_eq!(
        c.input,
        json!({"command": "sleep 20", "description": "Sleep for a while"})
    );
    assert_eq!(c.output, Value::Null);
    assert_eq!(c.started_at, Some(at(2)), "PreToolUse at line 2");
    assert_eq!(c.ended_at, Some(at(f.lines.len())), "closed at the end");
    assert!(run.results().is_empty());
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(
        end.failure_reason.as_deref(),
        Some("aborted: Claude Code process aborted by user")
    );
    assert_eq!(end.results, 0);
    assert_eq!(end.output, None);
    assert_eq!(end.num_turns, None);
    assert_eq!(end.usage, Usage::default());
    assert_eq!(
        end.duration_ms,
        (at(f.lines.len()) - START) as u64,
        "no result: wall clock to the end"
    );
}

#[test]
fn slow_stream_aborted() {
    let (f, run) = Run::of("slow-stream");
    assert_start(&run, "9607e67f-40d8-42cc-933d-9ebc4386567b");
    assert!(run.calls().is_empty());
    assert!(run.results().is_empty());
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(
        end.failure_reason.as_deref(),
        Some("aborted: Claude Code process aborted by user")
    );
    assert_eq!(end.output, None, "stream_event text is not tracked");
    assert_eq!(end.usage, Usage::default());
    assert_eq!(end.ended_at, at(f.lines.len()));
}

/// Across all fixtures: framing, and the number of results equals the result messages.
#[test]
fn every_fixture_is_framed() {
    for name in ALL {
        let (f, run) = Run::of(name);
        run.start();
        let end = run.end();
        let n_results = f
            .lines
            .iter()
            .filter(|l| matches!(l, Line::Message(m) if m["type"] == "result"))
            .count();
        assert_eq!(end.results as usize, n_results, "{name}");
        assert_eq!(run.results().len(), n_results, "{name}");
        let inits = f
            .lines
            .iter()
            .filter(|l| matches!(l, Line::Message(m) if m["type"] == "system" && m["subtype"] == "init"))
            .count();
        assert!(inits >= 1, "{name}");
        // Seq numbers are 0..n without gaps, one final record per tool_use block.
        let fin = run.final_calls();
        let seqs: Vec<u32> = fin.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (0..fin.len() as u32).collect::<Vec<_>>(), "{name}");
        let blocks = f
            .lines
            .iter()
            .filter_map(|l| match l {
                Line::Message(m) if m["type"] == "assistant" => m["message"]["content"].as_array(),
                _ => None,
            })
            .flatten()
            .filter(|b| b["type"] == "tool_use")
            .count();
        assert_eq!(fin.len(), blocks, "{name}");
        for c in &fin {
            assert!(!c.input.is_null(), "{name}: input of {}", c.tool_use_id);
            if c.status == ToolStatus::Success {
                assert!(!c.output.is_null(), "{name}: output of {}", c.tool_use_id);
            }
        }
    }
}

#[test]
fn repeated_init_does_not_restart_the_session() {
    for name in ["turns", "background-subagent"] {
        let (f, run) = Run::of(name);
        let inits = f
            .lines
            .iter()
            .filter(|l| matches!(l, Line::Message(m) if m["type"] == "system" && m["subtype"] == "init"))
            .count();
        assert!(inits > 1, "{name} has {inits} inits");
        run.start(); // asserts exactly one session_start
    }
}

// ---------------------------------------------------------------------------------------------
// Order independence: hooks moved before / after their tool_use message.

/// A comparable view of a call: everything but the clock readings.
fn essence(c: &ToolCall) -> Value {
    json!({
        "id": c.tool_use_id, "name": c.tool_name, "seq": c.seq, "status": c.status.as_str(),
        "input": c.input, "output": c.output, "error": c.error, "duration_ms": c.duration_ms,
        "parent": c.parent_tool_use_id,
    })
}

fn summary(out: &[Payload]) -> (Vec<Value>, Value) {
    let run = Run { out: out.to_vec() };
    run.start();
    let end = run.end();
    let calls = run.final_calls().iter().map(essence).collect();
    let end = json!({
        "status": end.status.as_str(), "failure_reason": end.failure_reason, "results": end.results,
        "usage": serde_json::to_value(&end.usage).unwrap(), "num_turns": end.num_turns,
    });
    (calls, end)
}

fn is_post_hook(l: &Line) -> Option<&str> {
    match l {
        Line::Hook { event, data, .. }
            if event == "PostToolUse" || event == "PostToolUseFailure" =>
        {
            data["tool_use_id"].as_str()
        }
        _ => None,
    }
}

fn tool_use_line(lines: &[Line], id: &str) -> usize {
    lines
        .iter()
        .position(|l| match l {
            Line::Message(m) if m["type"] == "assistant" => m["message"]["content"]
                .as_array()
                .is_some_and(|bs| bs.iter().any(|b| b["type"] == "tool_use" && b["id"] == id)),
            _ => false,
        })
        .unwrap_or_else(|| panic!("no tool_use for {id}"))
}

/// `lines` with the line at `from` moved so that it ends up just before the line now at `to`
/// (`to == lines.len()` moves it to the end).
fn moved(lines: &[Line], from: usize, to: usize) -> Vec<Line> {
    let mut v = lines.to_vec();
    let line = v.remove(from);
    let to = if to > from { to - 1 } else { to };
    v.insert(to, line);
    v
}

/// A small deterministic PRNG (xorshift64*), so the "random" orders are reproducible.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

#[test]
fn hook_order_does_not_change_the_calls() {
    let mut variants_checked = 0;
    for name in ALL {
        let f = load(name);
        let ending = ending_of(&f);
        let base = summary(&replay(&f.lines, ending.clone()));
        let hook_ids: Vec<String> = f
            .lines
            .iter()
            .filter_map(is_post_hook)
            .map(str::to_owned)
            .collect();
        let mut variants: Vec<(String, Vec<Line>)> = Vec::new();
        for id in &hook_ids {
            let from = f
                .lines
                .iter()
                .position(|l| is_post_hook(l) == Some(id))
                .unwrap();
            let tu = tool_use_line(&f.lines, id);
            variants.push((
                format!("{id} before its tool_use"),
                moved(&f.lines, from, tu),
            ));
            variants.push((
                format!("{id} right after its tool_use"),
                moved(&f.lines, from, tu + 1),
            ));
            variants.push((format!("{id} at the very start"), moved(&f.lines, from, 0)));
            variants.push((
                format!("{id} at the end"),
                moved(&f.lines, from, f.lines.len()),
            ));
        }
        // All hooks at the end (each call first reported by its tool_result block, then replaced).
        let (hooks, rest): (Vec<Line>, Vec<Line>) = f
            .lines
            .iter()
            .cloned()
            .partition(|l| is_post_hook(l).is_some());
        variants.push((
            "all hooks at the end".into(),
            rest.iter().cloned().chain(hooks.iter().cloned()).collect(),
        ));
        variants.push((
            "all hooks first".into(),
            hooks.iter().cloned().chain(rest.iter().cloned()).collect(),
        ));
        // Random legal orders: each hook dropped at a random place among the messages.
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        for round in 0..25 {
            let mut v = rest.clone();
            for h in &hooks {
                let pos = rng.below(v.len() + 1);
                v.insert(pos, h.clone());
            }
            variants.push((format!("random #{round}"), v));
        }
        for (what, lines) in variants {
            let got = summary(&replay(&lines, ending.clone()));
            assert_eq!(got.0, base.0, "{name}: calls differ with {what}");
            assert_eq!(got.1, base.1, "{name}: end differs with {what}");
            variants_checked += 1;
        }
    }
    assert!(variants_checked > 100, "{variants_checked}");
}

#[test]
fn model_calls_are_one_per_message_id_and_reconciled() {
    for name in ALL {
        let f = load(name);
        // Distinct (context, message id) pairs of real (non-synthetic) assistant messages.
        let mut expected: Vec<(Option<String>, String)> = Vec::new();
        for line in &f.lines {
            if let Line::Message(m) = line {
                if m["type"] == "assistant"
                    && !m["message"]["model"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with('<')
                {
                    let key = (
                        m["parent_tool_use_id"].as_str().map(str::to_owned),
                        m["message"]["id"].as_str().unwrap().to_owned(),
                    );
                    if !expected.contains(&key) {
                        expected.push(key);
                    }
                }
            }
        }
        let out = replay(&f.lines, ending_of(&f));
        let mut got: Vec<(Option<String>, String)> = out
            .iter()
            .filter_map(|p| match p {
                Payload::ModelCall(c) => Some((c.parent_tool_use_id.clone(), c.message_id.clone())),
                _ => None,
            })
            .collect();
        let mut want = expected.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}: one model call per message id");
        let end = match out.last() {
            Some(Payload::SessionEnd(e)) => e,
            other => panic!("{name}: {other:?}"),
        };
        match &end.reconciliation {
            Some(r) => {
                assert_eq!(r.model_calls as usize, expected.len(), "{name}");
                assert_eq!(r.matches, r.note.is_none(), "{name}");
                assert_eq!(r.result_tokens[0], end.usage.prompt_tokens, "{name}");
            }
            None => assert_eq!(
                end.results, 0,
                "{name}: reconciled whenever there is a result"
            ),
        }
    }
}

#[test]
fn partial_messages_give_model_calls_their_final_output_and_stop_reason() {
    let f = load("hello-partial");
    let delta = f
        .lines
        .iter()
        .find_map(|l| match l {
            Line::Message(m)
                if m["type"] == "stream_event" && m["event"]["type"] == "message_delta" =>
            {
                Some(m.clone())
            }
            _ => None,
        })
        .expect("the fixture has a message_delta");
    let out = replay(&f.lines, ending_of(&f));
    let call = out
        .iter()
        .find_map(|p| match p {
            Payload::ModelCall(c) => Some(c),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        call.output_tokens,
        delta["event"]["usage"]["output_tokens"].as_u64().unwrap()
    );
    assert_eq!(
        call.stop_reason.as_deref(),
        delta["event"]["delta"]["stop_reason"].as_str()
    );
    assert!(call.output_tokens > 1);
}

#[test]
fn sub_agents_are_nodes_with_their_own_tokens_and_duration() {
    for name in ["subagent", "background-subagent"] {
        let f = load(name);
        let note = f
            .lines
            .iter()
            .find_map(|l| match l {
                Line::Message(m) if m["subtype"] == "task_notification" => Some(m.clone()),
                _ => None,
            })
            .expect("the fixture has a task_notification");
        let out = replay(&f.lines, ending_of(&f));
        let subs: Vec<_> = out
            .iter()
            .filter_map(|p| match p {
                Payload::Subagent(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(subs.len(), 2, "{name}: started, then notified");
        assert_eq!(subs[0].status, "running");
        assert_eq!(subs[0].background, name == "background-subagent");
        let last = subs[1];
        assert_eq!(last.tool_use_id, note["tool_use_id"].as_str().unwrap());
        assert_eq!(last.agent_id.as_deref(), note["task_id"].as_str());
        assert_eq!(last.status, "completed");
        assert_eq!(last.total_tokens, note["usage"]["total_tokens"].as_u64());
        assert_eq!(last.duration_ms, note["usage"]["duration_ms"].as_u64());
        assert_eq!(last.tool_uses, Some(1));
        // The Task call itself is one of the session's tool calls.
        assert!(out
            .iter()
            .any(|p| matches!(p, Payload::ToolCall(c) if c.tool_use_id == last.tool_use_id)));
    }
}
