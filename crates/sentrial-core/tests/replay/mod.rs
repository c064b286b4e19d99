//! Replays the REAL recorded SDK streams of `__test__/fixtures/*.jsonl` into a `SessionState`, the
//! way the JS layer feeds it (shared by the fixture tests). `__test__/observe-fixtures.test.mjs`
//! plays the same fixtures through the real JS wrapper and checks it follows these rules.
//!
//! Feeding rules (mirroring `observe()` / `observeHook()` in lib/observe.js and
//! `instrumentOptions()`, `tappedPrompt()` and `finish()` in lib/run.js):
//! - the message types, `system` subtypes and `stream_event` kinds listed in `lib/observed.json`
//!   (the table lib/observe.js reads) go whole;
//! - `user` messages: `tool_result` blocks whose `tool_use_id` was NOT already reported by a
//!   PostToolUse/PostToolUseFailure hook, and text blocks, each reduced to
//!   `{type:'user', parent_tool_use_id, message:{content:[block]}}`, plus the block's
//!   `tool_result_meta` entry when the result is an error;
//! - hooks: PreToolUse, PostToolUse and PostToolUseFailure (the ones the wrapper registers);
//! - refusals: a `canUseTool` answer `{ behavior: 'deny' }` and a user's PreToolUse hook answer
//!   `permissionDecision: 'deny'` (or `decision: 'block'`) are handed over as decisions, before the
//!   hook itself;
//! - a streamed prompt's turns: the first at the start, each next one when a result came (as the
//!   recorder's prompt gave them);
//! - notes: `interrupt()` called; the ending from the fixture's end line and notes;
//! - everything else is skipped.
//!
//! Every line of a fixture advances the clock by [`STEP`] ms from [`START`], so times are known.

// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use sentrial_core::session::{Ending, SessionInit, SessionState};
use sentrial_protocol::{Payload, SessionEnd, SessionStart, ToolCall, ToolStatus, Usage};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

pub const START: i64 = 1_700_000_000_000;
pub const STEP: i64 = 10;

/// One line of a fixture, with its position (for the clock).
#[derive(Debug, Clone)]
pub enum Line {
    Message(Value),
    /// A hook callback's input and, when it answered more than `{}`, its answer.
    Hook {
        event: String,
        data: Value,
        answer: Option<Value>,
    },
    /// A `canUseTool` call: its third argument (`toolUseID`, ...) and the decision returned.
    CanUseTool {
        options: Value,
        decision: Value,
    },
    Note(String),
}

pub struct Fixture {
    pub lines: Vec<Line>,
    pub threw: Option<String>,
    /// The run line of fixtures recorded since 0.3.337: entry point, options, prompt.
    pub run: Option<Value>,
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures")
}

pub fn load(name: &str) -> Fixture {
    let path = fixtures_dir().join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = Vec::new();
    let mut threw = None;
    let mut run = None;
    let mut ended = false;
    for raw in text.lines().filter(|l| !l.trim().is_empty()) {
        assert!(!ended, "{name}: a line after the end line");
        let v: Value = serde_json::from_str(raw).unwrap();
        match v["kind"].as_str() {
            Some("message") => lines.push(Line::Message(v["data"].clone())),
            Some("hook") => lines.push(Line::Hook {
                event: v["event"].as_str().unwrap().to_owned(),
                data: v["data"].clone(),
                answer: v.get("answer").cloned(),
            }),
            Some("can_use_tool") => lines.push(Line::CanUseTool {
                options: v["options"].clone(),
                decision: v["decision"].clone(),
            }),
            Some("run") => run = Some(v),
            Some("note") => lines.push(Line::Note(
                v["data"]["note"].as_str().unwrap_or("").to_owned(),
            )),
            Some("end") => {
                ended = true;
                threw = v["threw"].as_str().map(str::to_owned);
            }
            other => panic!("{name}: unknown line kind {other:?}"),
        }
    }
    assert!(ended, "{name}: no end line");
    Fixture { lines, threw, run }
}

pub const ALL: [&str; 15] = [
    "abort",
    "api-error",
    "background-subagent",
    "hello",
    "hello-partial",
    "max-turns",
    "parallel-tools",
    "permission-denied",
    "slow",
    "slow-stream",
    "subagent",
    "tool-failure",
    "tool-success",
    "turns",
    "turns-burst",
];

/// The ending the JS layer would pass to `finish()` for this fixture.
pub fn ending_of(f: &Fixture) -> Ending {
    let interrupted = f
        .lines
        .iter()
        .any(|l| matches!(l, Line::Note(n) if n.contains("q.interrupt()")));
    let aborted = f
        .lines
        .iter()
        .any(|l| matches!(l, Line::Note(n) if n.contains("abortController.abort()")));
    match (&f.threw, interrupted) {
        (None, false) => Ending::Done,
        (None, true) | (Some(_), true) => Ending::Interrupted,
        (Some(message), false) => Ending::Threw {
            message: message.clone(),
            aborted,
        },
    }
}

/// The session a fixture's run starts: its prompt, entry point and the options that name what it
/// resumed or forked (as lib/wrap.js passes them).
pub fn init_of(f: &Fixture) -> SessionInit {
    let Some(run) = &f.run else {
        return session_init();
    };
    let o = &run["options"];
    SessionInit {
        input: run["prompt"].as_str().map(str::to_owned),
        resume: o["resume"].as_str().map(str::to_owned),
        fork: o["forkSession"] == true,
        continue_latest: o["continue"] == true,
        entry_point: run["entry"].as_str().map(str::to_owned),
        ..session_init()
    }
}

/// The turns of a fixture's streamed prompt (none when the prompt was a string).
fn streamed_turns(f: &Fixture) -> Vec<String> {
    f.run
        .as_ref()
        .and_then(|r| r["prompt"].as_array())
        .map(|turns| {
            turns
                .iter()
                .map(|t| t.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn session_init() -> SessionInit {
    SessionInit {
        agent: "fixture-agent".into(),
        user_id: "user-1".into(),
        convo_id: Some("convo-1".into()),
        metadata: json!({"environment": "test"}).as_object().unwrap().clone(),
        input: Some("[scenario:x] go".into()),
        started_at: START,
        ..Default::default()
    }
}

/// What lib/wrap.js hands to the core: `lib/observed.json`.
pub struct Observed {
    whole: HashSet<String>,
    system: HashSet<String>,
    stream_event: HashSet<String>,
}

impl Observed {
    fn load() -> Observed {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../lib/observed.json");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let set = |k: &str| -> HashSet<String> {
            v[k].as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        Observed {
            whole: set("whole"),
            system: set("system"),
            stream_event: set("stream_event"),
        }
    }

    fn takes(&self, m: &Value) -> bool {
        let of = |k: &str| m[k].as_str().unwrap_or("").to_owned();
        match m["type"].as_str() {
            Some("system") => self.system.contains(&of("subtype")),
            Some("stream_event") => self
                .stream_event
                .contains(m["event"]["type"].as_str().unwrap_or("")),
            Some(t) => self.whole.contains(t),
            None => false,
        }
    }
}

/// Feeds `lines` (each at its own clock tick `START + STEP * (i + 1)`) like lib/wrap.js would, then
/// finishes the session one tick after the last line.
pub fn replay(lines: &[Line], ending: Ending) -> Vec<Payload> {
    replay_with(lines, ending, session_init(), Vec::new())
}

/// Replays a whole fixture as its run was made: with its session's options, and its streamed
/// prompt's turns each handed over when the SDK read it (the recorder's prompt gave the next turn
/// when a result came, as lib/wrap.js taps it).
pub fn replay_fixture(f: &Fixture) -> Vec<Payload> {
    replay_with(&f.lines, ending_of(f), init_of(f), streamed_turns(f))
}

/// [`replay`] for a session started with `init`, whose streamed prompt had `turns`.
pub fn replay_with(
    lines: &[Line],
    ending: Ending,
    init: SessionInit,
    turns: Vec<String>,
) -> Vec<Payload> {
    let observed = Observed::load();
    let mut s = SessionState::new(init);
    let mut hooked: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    let mut turns = turns.into_iter();
    if let Some(first) = turns.next() {
        s.on_user_turn(first, &mut out);
    }
    let mut now = START;
    for line in lines {
        now += STEP;
        match line {
            Line::CanUseTool { options, decision } => {
                // lib/run.js observes the user's canUseTool and passes on a refusal.
                if decision["behavior"] == "deny" {
                    let mut d = decision.clone();
                    d["tool_use_id"] = options["toolUseID"].clone();
                    d["source"] = json!("can_use_tool");
                    s.on_decision(d);
                }
            }
            Line::Hook {
                event,
                data,
                answer,
            } => {
                if event != "PreToolUse" && event != "PostToolUse" && event != "PostToolUseFailure"
                {
                    continue;
                }
                // ... and the user's PreToolUse hooks, whose refusal comes before our own hook.
                let refusal = answer
                    .as_ref()
                    .filter(|_| event == "PreToolUse")
                    .and_then(|a| {
                        let o = &a["hookSpecificOutput"];
                        if o["permissionDecision"] == "deny" {
                            Some(o["permissionDecisionReason"].clone())
                        } else if a["decision"] == "block" {
                            Some(a["reason"].clone())
                        } else {
                            None
                        }
                    });
                if let Some(reason) = refusal {
                    s.on_decision(json!({"tool_use_id": data["tool_use_id"], "source": "hook",
                        "behavior": "deny", "message": reason}));
                }
                if event != "PreToolUse" {
                    if let Some(id) = data["tool_use_id"].as_str() {
                        hooked.insert(id.to_owned());
                    }
                }
                s.on_hook(data.clone(), now, &mut out);
            }
            Line::Message(m) if m["type"] == "user" => {
                let Some(blocks) = m["message"]["content"].as_array() else {
                    continue;
                };
                for block in blocks {
                    let mut reduced = json!({
                        "type": "user",
                        "parent_tool_use_id": m.get("parent_tool_use_id").cloned().unwrap_or(Value::Null),
                        "message": {"content": [block.clone()]},
                    });
                    match block["type"].as_str() {
                        Some("tool_result") => {
                            let id = block["tool_use_id"].as_str().unwrap_or("");
                            if hooked.remove(id) {
                                continue;
                            }
                            let meta = m["tool_result_meta"]
                                .as_array()
                                .and_then(|all| all.iter().find(|e| e["id"] == id));
                            if let (Some(meta), true) = (meta, block["is_error"] == true) {
                                reduced["tool_result_meta"] = json!([meta]);
                            }
                        }
                        Some("text") => {}
                        _ => continue,
                    }
                    s.on_message(reduced, now, &mut out);
                }
            }
            Line::Message(m) if observed.takes(m) => {
                let result = m["type"] == "result";
                s.on_message(m.clone(), now, &mut out);
                if result {
                    if let Some(next) = turns.next() {
                        s.on_user_turn(next, &mut out);
                    }
                }
            }
            Line::Message(_) => {}
            Line::Note(note) => {
                // The wrapper tells the session when interrupt() is called.
                if note.contains("called q.interrupt()") {
                    s.interrupting();
                }
            }
        }
    }
    s.finish(ending, now + STEP, &mut out);
    out
}

/// Clock reading of line `i` (0-based) of a fixture.
pub fn at(i: usize) -> i64 {
    START + STEP * (i as i64 + 1)
}

pub struct Run {
    pub out: Vec<Payload>,
}

impl Run {
    pub fn of(name: &str) -> (Fixture, Run) {
        let f = load(name);
        let out = replay_fixture(&f);
        (f, Run { out })
    }

    /// Checks the framing every session must have and returns its start.
    pub fn start(&self) -> &SessionStart {
        let starts: Vec<_> = self
            .out
            .iter()
            .filter_map(|p| match p {
                Payload::SessionStart(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(
            starts.len(),
            1,
            "exactly one session_start: {:#?}",
            self.out
        );
        assert!(
            matches!(self.out[0], Payload::SessionStart(_)),
            "session_start first"
        );
        starts[0]
    }

    pub fn end(&self) -> &SessionEnd {
        let ends = self
            .out
            .iter()
            .filter(|p| matches!(p, Payload::SessionEnd(_)))
            .count();
        assert_eq!(ends, 1, "exactly one session_end");
        match self.out.last() {
            Some(Payload::SessionEnd(e)) => e,
            other => panic!("session_end is not last: {other:?}"),
        }
    }

    /// Tool call payloads in emission order.
    pub fn calls(&self) -> Vec<&ToolCall> {
        self.out
            .iter()
            .filter_map(|p| match p {
                Payload::ToolCall(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    /// The final record of each call (the collector upserts by tool_use_id), in seq order.
    pub fn final_calls(&self) -> Vec<ToolCall> {
        let mut by_id: BTreeMap<String, ToolCall> = BTreeMap::new();
        for c in self.calls() {
            by_id.insert(c.tool_use_id.clone(), c.clone());
        }
        let mut v: Vec<_> = by_id.into_values().collect();
        v.sort_by_key(|c| c.seq);
        v
    }

    /// Model call payloads in emission order.
    pub fn model_calls(&self) -> Vec<&sentrial_protocol::ModelCall> {
        self.out
            .iter()
            .filter_map(|p| match p {
                Payload::ModelCall(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    /// Marker payloads in emission order.
    pub fn markers(&self) -> Vec<&sentrial_protocol::Marker> {
        self.out
            .iter()
            .filter_map(|p| match p {
                Payload::Marker(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    pub fn results(&self) -> Vec<&sentrial_protocol::SessionResult> {
        self.out
            .iter()
            .filter_map(|p| match p {
                Payload::SessionResult(r) => Some(r),
                _ => None,
            })
            .collect()
    }
}

#[track_caller]
pub fn assert_usage(
    u: &Usage,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    cost: f64,
) {
    assert_eq!(u.prompt_tokens, input, "prompt_tokens");
    assert_eq!(u.completion_tokens, output, "completion_tokens");
    assert_eq!(u.cache_read_tokens, cache_read, "cache_read_tokens");
    assert_eq!(
        u.cache_creation_tokens, cache_creation,
        "cache_creation_tokens"
    );
    assert_eq!(
        u.total_tokens,
        input + output + cache_read + cache_creation,
        "total_tokens"
    );
    assert_eq!(u.cost_usd, cost, "cost_usd");
    assert!(!u.cost_estimated, "the SDK gave the cost");
}

#[track_caller]
pub fn assert_sonnet_only(u: &Usage) {
    assert_eq!(u.by_model.keys().collect::<Vec<_>>(), ["claude-sonnet-4-5"]);
    let m = &u.by_model["claude-sonnet-4-5"];
    assert_eq!(
        (
            m.input_tokens,
            m.output_tokens,
            m.cache_read_tokens,
            m.cache_creation_tokens
        ),
        (
            u.prompt_tokens,
            u.completion_tokens,
            u.cache_read_tokens,
            u.cache_creation_tokens
        )
    );
}

#[track_caller]
pub fn assert_call(
    c: &ToolCall,
    seq: u32,
    id: &str,
    name: &str,
    status: ToolStatus,
    parent: Option<&str>,
) {
    assert_eq!(c.tool_use_id, id, "id of seq {seq}");
    assert_eq!(c.seq, seq, "seq of {id}");
    assert_eq!(c.tool_name, name, "name of {id}");
    assert_eq!(c.status, status, "status of {id}");
    assert_eq!(c.parent_tool_use_id.as_deref(), parent, "parent of {id}");
}

#[track_caller]
pub fn assert_start(run: &Run, claude_session_id: &str) {
    let s = run.start();
    assert_eq!(s.claude_session_id.as_deref(), Some(claude_session_id));
    assert_eq!(s.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(s.agent, "fixture-agent");
    assert_eq!(s.user_id, "user-1");
    assert_eq!(s.convo_id.as_deref(), Some("convo-1"));
    assert_eq!(s.started_at, START);
    assert_eq!(s.metadata["environment"], "test");
    assert_eq!(s.metadata["permission_mode"], "default");
    assert_eq!(s.metadata["claude_code_version"], "2.1.330");
    assert!(
        s.metadata["cwd"]
            .as_str()
            .is_some_and(|c| c.starts_with("/tmp/sm-")),
        "{:?}",
        s.metadata
    );
}
