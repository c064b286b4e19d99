//! Rules on a session's tool calls: `loop`, `error_streak`, `tool_errors`, `denied`.
//!
//! "In a row" is within one agent: a sub-agent's calls (same `parent_tool_use_id`) are a sequence
//! of their own, so a sub-agent working beside its parent does not break or make a streak.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::detect::{Evidence, Finding, IssueKind, Severity, Thresholds};
use crate::store::ToolCallRecord;

/// A call's status when it failed.
const FAILED: &str = "error";
/// A call's status when permission was refused.
const DENIED: &str = "denied";

/// `loop`: per tool and input, one finding when that call was made `loop_in_a_row` times in a row
/// or `loop_in_session` times in all.
pub(super) fn loops(calls: &[ToolCallRecord], t: &Thresholds) -> Vec<Finding> {
    // (tool, input as canonical JSON) -> (calls, longest run in a row)
    let mut groups: BTreeMap<(&str, String), (Vec<&ToolCallRecord>, usize)> = BTreeMap::new();
    let mut last: HashMap<Option<&str>, ((&str, String), usize)> = HashMap::new();
    for call in calls {
        let key = (call.tool_name.as_str(), call.input.to_string());
        let agent = call.parent_tool_use_id.as_deref();
        let run = match last.get(&agent) {
            Some((prev, n)) if *prev == key => n + 1,
            _ => 1,
        };
        last.insert(agent, (key.clone(), run));
        let group = groups.entry(key).or_default();
        group.0.push(call);
        group.1 = group.1.max(run);
    }
    let mut found: Vec<(i64, Finding)> = groups
        .into_iter()
        .filter(|(_, (c, run))| *run >= t.loop_in_a_row || c.len() >= t.loop_in_session)
        .map(|((tool, _), (c, run))| {
            let summary = format!(
                "{tool} called {} times with the same input ({run} in a row)",
                c.len()
            );
            let first = c.first().map_or(0, |c| c.seq);
            (
                first,
                Finding::new(IssueKind::Loop, Severity::Warning, summary, calls_of(&c)),
            )
        })
        .collect();
    found.sort_by_key(|(first, _)| *first);
    found.into_iter().map(|(_, f)| f).collect()
}

/// `error_streak`: one finding per run of `error_streak` or more failed calls in a row.
pub(super) fn error_streak(calls: &[ToolCallRecord], t: &Thresholds) -> Vec<Finding> {
    let mut open: HashMap<Option<&str>, Vec<&ToolCallRecord>> = HashMap::new();
    let mut streaks = Vec::new();
    for call in calls {
        let streak = open.entry(call.parent_tool_use_id.as_deref()).or_default();
        if call.status == FAILED {
            streak.push(call);
        } else {
            streaks.push(std::mem::take(streak));
        }
    }
    streaks.extend(open.into_values());
    let mut streaks: Vec<_> = streaks
        .into_iter()
        .filter(|s| s.len() >= t.error_streak.max(1))
        .collect();
    streaks.sort_by_key(|s| s[0].seq);
    streaks
        .into_iter()
        .map(|s| {
            let summary = format!(
                "{} tool calls failed in a row ({})",
                s.len(),
                names(s.iter().copied())
            );
            Finding::new(
                IssueKind::ErrorStreak,
                Severity::Warning,
                summary,
                calls_of(&s),
            )
        })
        .collect()
}

/// `tool_errors`: more than `tool_errors_share` of the session's calls failed, once it made
/// `tool_errors_min_calls` of them.
pub(super) fn tool_errors(calls: &[ToolCallRecord], t: &Thresholds) -> Option<Finding> {
    let failed: Vec<&ToolCallRecord> = calls.iter().filter(|c| c.status == FAILED).collect();
    let enough = calls.len() >= t.tool_errors_min_calls.max(1);
    if !enough || (failed.len() as f64) <= t.tool_errors_share * calls.len() as f64 {
        return None;
    }
    let summary = format!(
        "{} of {} tool calls failed ({})",
        failed.len(),
        calls.len(),
        names(failed.iter().copied())
    );
    Some(Finding::new(
        IssueKind::ToolErrors,
        Severity::Warning,
        summary,
        calls_of(&failed),
    ))
}

/// `denied`: the calls permission was refused for, with their count and tools.
pub(super) fn denied(calls: &[ToolCallRecord]) -> Option<Finding> {
    let denied: Vec<&ToolCallRecord> = calls.iter().filter(|c| c.status == DENIED).collect();
    if denied.is_empty() {
        return None;
    }
    let summary = format!(
        "{} tool call{} denied ({})",
        denied.len(),
        if denied.len() == 1 { " was" } else { "s were" },
        names(denied.iter().copied())
    );
    Some(Finding::new(
        IssueKind::Denied,
        Severity::Warning,
        summary,
        calls_of(&denied),
    ))
}

/// The tools of `calls`, each once, sorted, comma-separated.
fn names<'a>(calls: impl Iterator<Item = &'a ToolCallRecord>) -> String {
    let set: BTreeSet<&str> = calls.map(|c| c.tool_name.as_str()).collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

/// `calls` as evidence.
pub(super) fn calls_of(calls: &[&ToolCallRecord]) -> Vec<Evidence> {
    calls
        .iter()
        .map(|c| Evidence::ToolCall {
            tool_use_id: c.tool_use_id.clone(),
        })
        .collect()
}
