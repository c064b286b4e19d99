//! The runs recorded with the newest SDKs (0.3.337 in `__test__/fixtures/`, 0.2.141 in
//! `__test__/fixtures/v0.2/`): resumed and forked runs, denials, changed inputs, thinking, MCP,
//! retries, compaction, budgets and the startup/prewarm entry points, each read back as the
//! session the collector gets. Figures are checked against the fixture's own results.

mod replay;

use replay::*;
use sentrial_protocol::{Block, Marker, Payload, SessionStatus, ToolStatus, Usage};
use serde_json::{json, Value};

/// The SDK lines, by fixture folder prefix.
const LINES: [&str; 2] = ["", "v0.2/"];

fn results_of(f: &Fixture) -> Vec<&Value> {
    f.lines
        .iter()
        .filter_map(|l| match l {
            Line::Message(m) if m["type"] == "result" => Some(m),
            _ => None,
        })
        .collect()
}

/// What a run spent by its own results: the sum of `model_usage_since_last_result` where the SDK
/// sends it (0.3.x), else the last result's `total_cost_usd` (0.2.x carries nothing).
fn own_cost(f: &Fixture) -> f64 {
    let results = results_of(f);
    if results[0].get("model_usage_since_last_result").is_some() {
        results
            .iter()
            .flat_map(|r| {
                r["model_usage_since_last_result"]
                    .as_object()
                    .unwrap()
                    .values()
            })
            .map(|m| m["costUSD"].as_f64().unwrap())
            .sum()
    } else {
        results.last().unwrap()["total_cost_usd"].as_f64().unwrap()
    }
}

#[track_caller]
fn assert_close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-12, "{what}: {a} vs {b}");
}

#[test]
fn each_run_of_a_resume_chain_holds_only_what_it_spent() {
    for line in LINES {
        let runs: Vec<(Fixture, Run)> = ["resume-1", "resume-2", "fork-3", "resume-turns-4"]
            .iter()
            .map(|n| Run::of(&format!("{line}{n}")))
            .collect();
        let mut sum = 0.0;
        for (f, run) in &runs {
            let end = run.end();
            let name = f.run.as_ref().unwrap()["name"].clone();
            assert_close(
                end.usage.cost_usd,
                own_cost(f),
                &format!("{line}{name} own cost"),
            );
            let reported = results_of(f).last().unwrap()["total_cost_usd"]
                .as_f64()
                .unwrap();
            let carried = end.carried.as_ref().map_or(0.0, |c| c.cost_usd);
            assert_close(
                end.usage.cost_usd + carried,
                reported,
                &format!("{line}{name}: own + carried = what the SDK reported"),
            );
            sum += end.usage.cost_usd;
        }
        // The figures the recorder saw (tools/scripted-model/README.md): 0.0116025, then 0.002415,
        // 0.0030525, and 0.00369 + 0.0030525 for the two-turn run.
        assert_close(
            sum,
            0.0116025 + 0.002415 + 0.0030525 + 0.0030525 + 0.00369,
            line,
        );
        let carried = |i: usize| runs[i].1.end().carried.as_ref().map(|c| c.cost_usd);
        if line.is_empty() {
            assert_eq!(carried(0), None, "the first run carried nothing");
            assert_close(carried(1).unwrap(), 0.0116025, "run 2 carried run 1");
            assert_close(
                carried(2).unwrap(),
                0.0116025 + 0.002415,
                "the fork carried both",
            );
        } else {
            assert!(
                (0..4).all(|i| carried(i).is_none()),
                "0.2.x carries nothing"
            );
        }
        // Lineage: run 2 resumed run 1's Claude session (and kept it), the fork got its own.
        let ids: Vec<String> = runs
            .iter()
            .map(|(_, r)| r.start().claude_session_id.clone().unwrap())
            .collect();
        let start = |i: usize| runs[i].1.start();
        assert_eq!(start(0).resumed_from, None);
        assert_eq!(start(1).resumed_from.as_deref(), Some(ids[0].as_str()));
        assert_eq!(
            ids[1], ids[0],
            "a resume goes on with the same Claude session"
        );
        assert_eq!(start(2).forked_from.as_deref(), Some(ids[1].as_str()));
        assert_ne!(ids[2], ids[1], "a fork has a Claude session of its own");
        assert_eq!(start(3).resumed_from.as_deref(), Some(ids[1].as_str()));
    }
}

#[test]
fn turns_of_a_resumed_run_keep_their_own_figures() {
    let (f, run) = Run::of("resume-turns-4");
    let results = run.results();
    assert_eq!(results.len(), 2);
    // Each result's figures are the run's so far; the second turn's share is the difference.
    let since: Vec<f64> = results_of(&f)
        .iter()
        .map(|r| {
            r["model_usage_since_last_result"]["claude-sonnet-4-5"]["costUSD"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_close(results[0].usage.cost_usd, since[0], "turn 1");
    assert_close(
        results[1].usage.cost_usd - results[0].usage.cost_usd,
        since[1],
        "turn 2",
    );
}

fn call_named(run: &Run, tool: &str) -> sentrial_protocol::ToolCall {
    run.final_calls()
        .into_iter()
        .find(|c| c.tool_name == tool)
        .unwrap_or_else(|| panic!("no {tool} call"))
}

#[test]
fn denials_keep_the_reason_their_callback_gave() {
    for line in LINES {
        let (_, run) = Run::of(&format!("{line}deny-hook"));
        let c = call_named(&run, "Bash");
        assert_eq!(c.status, ToolStatus::Denied, "{line}");
        assert_eq!(
            c.error.as_deref(),
            Some("Blocked by the recorder (PreToolUse hook answered deny)"),
            "{line}"
        );
        assert_eq!(c.denied_by.as_deref(), Some("hook"));
        assert_eq!((c.duration_ms, c.started_at.is_some()), (None, true));
        assert_eq!(run.end().end_reason, None, "a denial does not fail the run");

        for name in ["deny-can-use-tool", "deny-interrupt"] {
            let (f, run) = Run::of(&format!("{line}{name}"));
            let said = f
                .lines
                .iter()
                .find_map(|l| match l {
                    Line::CanUseTool { decision, .. } => decision["message"].as_str(),
                    _ => None,
                })
                .unwrap();
            let c = call_named(&run, "Bash");
            assert_eq!(c.status, ToolStatus::Denied, "{line}{name}");
            assert_eq!(c.error.as_deref(), Some(said), "{line}{name}");
            assert_eq!(c.denied_by.as_deref(), Some("can_use_tool"), "{line}{name}");
            // Every record of the call carries it: none sends a generic reason after it.
            for record in run.calls() {
                assert_eq!(record.error.as_deref(), Some(said), "{line}{name}");
            }
        }
        let (_, run) = Run::of(&format!("{line}deny-interrupt"));
        assert_eq!(
            run.end().end_reason.as_deref(),
            Some("error_during_execution"),
            "{line}"
        );
    }
}

#[test]
fn a_changed_input_keeps_what_the_model_asked_for_and_what_ran() {
    for line in LINES {
        for (name, ran) in [
            ("updated-input-hook", "echo rewritten-by-hook"),
            (
                "updated-input-can-use-tool",
                "echo rewritten-by-can-use-tool",
            ),
        ] {
            let (_, run) = Run::of(&format!("{line}{name}"));
            let c = call_named(&run, "Bash");
            assert_eq!(c.status, ToolStatus::Success, "{line}{name}");
            assert_eq!(
                c.input["command"], "touch gated.txt && echo gated-command",
                "{line}{name}: what the model asked for"
            );
            assert_eq!(
                c.updated_input.as_ref().unwrap()["command"],
                ran,
                "{line}{name}: what ran"
            );
        }
        let (_, run) = Run::of(&format!("{line}deny-hook"));
        assert_eq!(call_named(&run, "Bash").updated_input, None);
    }
}

#[test]
fn thinking_and_redacted_thinking_are_in_the_transcript() {
    for line in LINES {
        let (_, run) = Run::of(&format!("{line}thinking"));
        let blocks: Vec<&Block> = run.model_calls().iter().flat_map(|c| &c.content).collect();
        assert!(
            blocks.iter().any(|b| matches!(b, Block::Thinking { thinking } if thinking.starts_with("The user wants"))),
            "{line}: {blocks:?}"
        );
        assert!(blocks.contains(&&Block::RedactedThinking), "{line}");
        // In the order the model wrote them: the thinking before the text and the tool call.
        let first: Vec<&str> = run.model_calls()[0]
            .content
            .iter()
            .map(|b| match b {
                Block::Thinking { .. } => "thinking",
                Block::Text { .. } => "text",
                Block::ToolUse { .. } => "tool_use",
                _ => "other",
            })
            .collect();
        assert_eq!(first, ["thinking", "text", "tool_use"], "{line}");
    }
}

#[test]
fn mcp_calls_name_their_server_and_the_session_its_servers() {
    for line in LINES {
        for name in ["mcp", "mcp-stdio"] {
            let (_, run) = Run::of(&format!("{line}{name}"));
            let c = call_named(&run, "mcp__calc__add");
            assert_eq!(c.mcp_server.as_deref(), Some("calc"), "{line}{name}");
            assert_eq!(c.status, ToolStatus::Success);
            let servers = &run.start().mcp_servers;
            assert_eq!(servers.len(), 1, "{line}{name}");
            assert_eq!(
                (servers[0].name.as_str(), servers[0].status.as_str()),
                ("calc", "connected")
            );
            // Other tools are no MCP calls.
            assert!(run
                .final_calls()
                .iter()
                .filter(|c| c.tool_name != "mcp__calc__add")
                .all(|c| c.mcp_server.is_none()));
        }
    }
}

#[test]
fn retries_and_api_errors_are_markers_and_end_reasons() {
    for line in LINES {
        let (_, run) = Run::of(&format!("{line}overloaded-once"));
        let m = run.markers();
        assert_eq!(m.len(), 1, "{line}");
        assert_eq!(m[0].kind, "api_retry");
        assert_eq!(
            (
                m[0].data["attempt"].clone(),
                m[0].data["error_status"].clone()
            ),
            (json!(1), json!(529))
        );
        assert_eq!(run.end().status, SessionStatus::Completed);
        assert_eq!(run.end().end_reason, None);

        let (_, run) = Run::of(&format!("{line}server-error"));
        let kinds: Vec<&str> = run.markers().iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, ["api_retry", "api_retry", "api_error"], "{line}");
        let end = run.end();
        assert_eq!(end.end_reason.as_deref(), Some("api_error"), "{line}");
        assert_eq!(end.api_error_status, Some(500), "{line}");
        // The result's own text (the SDK reports the error there), not a message from mid-run.
        assert!(
            end.output.as_deref().unwrap().starts_with("API Error: 500"),
            "{line}"
        );
    }
}

#[test]
fn a_compaction_is_a_marker_with_its_tokens() {
    for line in LINES {
        for (name, trigger) in [("compact", "manual"), ("huge-context", "auto")] {
            let (f, run) = Run::of(&format!("{line}{name}"));
            let compact: Vec<&Marker> = run
                .markers()
                .into_iter()
                .filter(|m| m.kind == "compact")
                .collect();
            assert_eq!(compact.len(), 1, "{line}{name}");
            let boundary = f
                .lines
                .iter()
                .find_map(|l| match l {
                    Line::Message(m) if m["subtype"] == "compact_boundary" => {
                        Some(&m["compact_metadata"])
                    }
                    _ => None,
                })
                .unwrap();
            assert_eq!(compact[0].data["trigger"], trigger);
            assert_eq!(compact[0].data["pre_tokens"], boundary["pre_tokens"]);
            assert_eq!(compact[0].data["post_tokens"], boundary["post_tokens"]);
            assert_close(
                run.end().usage.cost_usd,
                own_cost(&f),
                &format!("{line}{name}"),
            );
        }
        // The manual compaction's turns: the prompt's three turns, each before its result.
        let (_, run) = Run::of(&format!("{line}compact"));
        let mut places: Vec<(u32, &str)> = run
            .out
            .iter()
            .filter_map(|p| match p {
                Payload::SessionInput(i) => Some((i.position.unwrap(), "turn")),
                Payload::SessionResult(r) => Some((r.position.unwrap(), "result")),
                Payload::Marker(m) if m.kind == "compact" => Some((m.position, "compact")),
                _ => None,
            })
            .collect();
        places.sort();
        let order: Vec<&str> = places.iter().map(|p| p.1).collect();
        assert_eq!(
            order,
            ["turn", "result", "turn", "compact", "result", "turn", "result"],
            "{line}"
        );
    }
}

#[test]
fn a_budget_stop_has_its_end_reason_and_the_spend_of_model_usage() {
    for line in LINES {
        let (f, run) = Run::of(&format!("{line}budget"));
        let end = run.end();
        assert_eq!(end.status, SessionStatus::Failed, "{line}");
        assert_eq!(
            end.end_reason.as_deref(),
            Some("error_max_budget_usd"),
            "{line}"
        );
        // The result's `usage` is all zeros; `modelUsage` holds the spend.
        let reported = results_of(&f)[0]["total_cost_usd"].as_f64().unwrap();
        assert!(reported > 0.0);
        assert_close(end.usage.cost_usd, reported, line);
        assert!(end.usage.prompt_tokens > 0);
        // The call it was about to make never ran.
        assert_eq!(call_named(&run, "Bash").status, ToolStatus::NotCompleted);
    }
}

#[test]
fn startup_and_prewarm_runs_are_sessions_like_any_other() {
    for (name, entry) in [
        ("startup", "startup"),
        ("prewarm", "prewarm"),
        ("v0.2/startup", "startup"),
    ] {
        let (f, run) = Run::of(name);
        let start = run.start();
        assert_eq!(start.entry_point.as_deref(), Some(entry), "{name}");
        assert!(start.claude_session_id.is_some(), "{name}");
        let bash = call_named(&run, "Bash");
        assert_eq!(bash.status, ToolStatus::Success, "{name}");
        assert!(
            bash.duration_ms.is_some(),
            "{name}: its PostToolUse hook reported it"
        );
        assert_eq!(run.end().status, SessionStatus::Completed);
        assert_close(run.end().usage.cost_usd, own_cost(&f), name);
    }
    let (_, run) = Run::of("prewarm-refused");
    let end = run.end();
    assert_eq!(end.status, SessionStatus::Failed);
    assert_eq!(end.end_reason.as_deref(), Some("error_during_execution"));
    assert!(
        end.failure_reason
            .as_deref()
            .unwrap()
            .contains("not_claimed"),
        "{end:?}"
    );
    assert_eq!(end.usage, Usage::default());
}
