//! One session as Markdown, to read or to paste into a model ("copy for an LLM"): its figures,
//! the prompt, the transcript in order (what the model wrote and thought, each tool call with its
//! input and its output cut to [`OUTPUT_CHARS`]), the result, detected issues and scores.

use std::fmt::Write;

use sentrial_protocol::Block;
use serde_json::Value;

use crate::store::{SessionDetail, Transcript, TranscriptItem};
use crate::time::iso8601;

/// Longest tool output written out; the rest is cut, and the cut said.
pub const OUTPUT_CHARS: usize = 2_000;

/// Longest tool input written out.
const INPUT_CHARS: usize = 4_000;

/// A marker: a decision or an error of a manual session in words, another kind as its data.
fn marker(text: &mut String, kind: &str, data: &Value) {
    let field = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default();
    match kind {
        "decision" => {
            let _ = write!(text, "\n**Decision**: {}\n", field("reasoning"));
            if let Some(alternatives) = data.get("alternatives").and_then(Value::as_array) {
                for a in alternatives.iter().filter_map(Value::as_str) {
                    let chosen = if a == field("chosen") {
                        " (chosen)"
                    } else {
                        ""
                    };
                    let _ = writeln!(text, "- {a}{chosen}");
                }
            }
            if !field("chosen").is_empty() {
                let _ = writeln!(text, "Chosen: {}", field("chosen"));
            }
        }
        "error" => {
            let _ = write!(text, "\n**Error**: {}\n", field("message"));
        }
        _ => {
            let _ = write!(text, "\n*[{kind}]* {}\n", json_text(data));
        }
    }
}

/// The session `d` (with its transcript `t`) as Markdown.
pub fn markdown(d: &SessionDetail, t: &Transcript) -> String {
    let s = &d.session;
    let mut out = String::new();
    let _ = writeln!(out, "# Session {}\n", s.id);
    let line = |label: &str, v: Option<String>| v.map(|v| format!("- {label}: {v}\n"));
    let facts = [
        line("Name", s.name.clone()),
        line("Parent session", s.parent_session_id.clone()),
        line("Agent", s.agent.clone()),
        line("User", s.user_id.clone()),
        line("Conversation", s.convo_id.clone()),
        line("Model", s.model.clone()),
        line(
            "Status",
            Some(match &s.end_reason {
                Some(r) => format!("{} ({r})", s.status),
                None => s.status.clone(),
            }),
        ),
        line("Failure", s.failure_reason.clone()),
        line("Started", s.started_at.map(|t| iso8601(t.0))),
        line("Duration", s.duration_ms.map(|ms| format!("{ms} ms"))),
        line("Turns", s.num_turns.map(|n| n.to_string())),
        line(
            "Tokens",
            s.total_tokens.map(|total| {
                format!(
                    "{total} (prompt {}, completion {}, cache read {}, cache write {})",
                    s.prompt_tokens.unwrap_or(0),
                    s.completion_tokens.unwrap_or(0),
                    s.cache_read_tokens.unwrap_or(0),
                    s.cache_creation_tokens.unwrap_or(0)
                )
            }),
        ),
        line("Cost", s.cost_usd.map(|c| format!("${c:.6}"))),
    ];
    out.extend(facts.into_iter().flatten());
    for (name, value) in &s.metrics {
        let _ = writeln!(out, "- Metric {name}: {value}");
    }
    for child in &d.children {
        let name = child.name.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "- Child session: {} {name} ({})",
            child.id, child.status
        );
    }
    if let Some(input) = &s.input {
        let _ = write!(out, "\n## Prompt\n\n{}\n", fenced(input, usize::MAX));
    }
    out.push_str("\n## Transcript\n");
    items(&mut out, &t.items, 0);
    if let Some(output) = &s.output {
        let _ = write!(out, "\n## Result\n\n{output}\n");
    }
    if !d.issues.is_empty() {
        out.push_str("\n## Detected issues\n\n");
        for f in &d.issues {
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                f.kind.as_str(),
                f.severity.as_str(),
                f.summary
            );
        }
    }
    if !d.scores.is_empty() {
        out.push_str("\n## Scores\n\n");
        for sc in &d.scores {
            let value = serde_json::to_value(&sc.value).unwrap_or(Value::Null);
            let comment = sc
                .comment
                .as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            let _ = writeln!(out, "- {} = {value} ({}){comment}", sc.name, sc.source);
        }
    }
    out
}

/// Writes transcript items; a sub-agent's steps are quoted one level deeper per nesting.
fn items(out: &mut String, list: &[TranscriptItem], depth: usize) {
    for item in list {
        let mut text = String::new();
        match item {
            // The string prompt: written above, under "Prompt".
            TranscriptItem::User(u) if u.position.is_none() => continue,
            TranscriptItem::User(u) => {
                let _ = write!(text, "\n**User** (turn {})\n\n{}\n", u.turn, u.text);
            }
            TranscriptItem::ModelCall(m) => {
                let _ = write!(
                    text,
                    "\n**Model** ({}, {} in / {} out tokens)\n",
                    m.model, m.input_tokens, m.output_tokens
                );
                for block in &m.content {
                    match block {
                        Block::Text { text: t } => {
                            let _ = write!(text, "\n{t}\n");
                        }
                        Block::Thinking { thinking } => {
                            let _ = write!(text, "\n*Thinking:*\n\n{}\n", quote(thinking));
                        }
                        Block::RedactedThinking => text.push_str("\n*Thinking (redacted)*\n"),
                        Block::Omitted { kind, bytes } => {
                            let _ = write!(text, "\n*({kind} of {bytes} bytes left out)*\n");
                        }
                        Block::ToolUse { .. } | Block::Unsupported { .. } | Block::Unknown => {}
                    }
                }
            }
            TranscriptItem::ToolCall(c) => {
                let call = &c.call;
                let took = call
                    .duration_ms
                    .map(|ms| format!(", {ms} ms"))
                    .unwrap_or_default();
                let _ = write!(
                    text,
                    "\n**Tool call** `{}` ({}{took})\n\nInput:\n{}\n",
                    call.tool_name,
                    call.status,
                    fenced(&json_text(&call.input), INPUT_CHARS)
                );
                if let Some(updated) = &call.updated_input {
                    let _ = write!(
                        text,
                        "\nInput as run:\n{}\n",
                        fenced(&json_text(updated), INPUT_CHARS)
                    );
                }
                match &call.error {
                    Some(e) => {
                        let _ = write!(text, "\nError: {e}\n");
                    }
                    None if !call.output.is_null() => {
                        let _ = write!(
                            text,
                            "\nOutput:\n{}\n",
                            fenced(&json_text(&call.output), OUTPUT_CHARS)
                        );
                    }
                    None => {}
                }
            }
            TranscriptItem::Marker(m) => marker(&mut text, &m.marker, &m.data),
            TranscriptItem::Result(r) => {
                let _ = write!(
                    text,
                    "\n**Result** ({}{}): ${:.6}, {} tokens\n",
                    r.subtype,
                    if r.is_error { ", error" } else { "" },
                    r.cost_usd,
                    r.total_tokens
                );
            }
        }
        out.push_str(&indent(&text, depth));
        if let TranscriptItem::ToolCall(c) = item {
            if !c.items.is_empty() {
                out.push_str(&indent("\n*Sub-agent:*\n", depth));
                items(out, &c.items, depth + 1);
            }
        }
    }
}

/// A JSON value as text: a string as itself, anything else as compact JSON.
fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `s` in a code fence long enough that no run of backticks inside closes it, cut to `max`
/// characters (the cut said under it).
fn fenced(s: &str, max: usize) -> String {
    let total = s.chars().count();
    let shown: String = s.chars().take(max).collect();
    let mut longest = 0;
    let mut run = 0;
    for c in shown.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}\n{shown}\n{fence}");
    if total > max {
        let _ = write!(out, "\n(cut: {max} of {total} characters)");
    }
    out
}

/// `s` as a Markdown block quote.
fn quote(s: &str) -> String {
    s.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `s` quoted `depth` levels deep (a sub-agent's steps).
fn indent(s: &str, depth: usize) -> String {
    if depth == 0 {
        return s.to_string();
    }
    let prefix = "> ".repeat(depth);
    s.lines()
        .map(|l| format!("{prefix}{l}").trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outlast_backticks_and_cuts_are_said() {
        assert_eq!(fenced("a ``` b", 100), "````\na ``` b\n````");
        assert_eq!(
            fenced("abcdef", 3),
            "```\nabc\n```\n(cut: 3 of 6 characters)"
        );
    }

    #[test]
    fn sub_agent_steps_are_quoted_deeper() {
        assert_eq!(indent("\nx\ny\n", 2), "> >\n> > x\n> > y\n");
    }
}
