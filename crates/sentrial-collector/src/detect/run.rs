//! Rules on how a run went and ended: `limits`, `api_trouble`, `context`, `unfinished`.

use sentrial_protocol::{
    END_API_ERROR, END_MAX_BUDGET, END_MAX_TURNS, ENTRY_MANUAL, MARKER_API_ERROR, MARKER_API_RETRY,
    MARKER_COMPACT, MARKER_RATE_LIMIT,
};

use crate::detect::tools::calls_of;
use crate::detect::{Evidence, Finding, IssueKind, Severity};
use crate::store::{MarkerRecord, SessionDetail, ToolCallRecord};

/// Status of a tool call whose outcome never came.
const NOT_COMPLETED: &str = "not_completed";
/// Status of a sub-agent still at work.
const RUNNING: &str = "running";

/// `limits`: the run, or one of its turns, stopped at max turns or at its budget.
pub(super) fn limits(d: &SessionDetail) -> Option<Finding> {
    let hit = |r: &str| r == END_MAX_TURNS || r == END_MAX_BUDGET;
    let turns: Vec<Evidence> = d
        .turns
        .iter()
        .filter(|t| hit(&t.subtype))
        .map(|t| Evidence::Turn { index: t.index })
        .collect();
    let reason = d.session.end_reason.as_deref().filter(|r| hit(r));
    let what = match reason.or_else(|| d.turns.iter().map(|t| t.subtype.as_str()).find(|s| hit(s)))
    {
        Some(END_MAX_BUDGET) => "its budget (maxBudgetUsd)",
        Some(_) => "max turns (maxTurns)",
        None => return None,
    };
    let summary = match d.session.num_turns {
        Some(1) => format!("The run hit {what} after 1 turn"),
        Some(n) => format!("The run hit {what} after {n} turns"),
        None => format!("The run hit {what}"),
    };
    Some(Finding::new(
        IssueKind::Limits,
        Severity::Error,
        summary,
        turns,
    ))
}

/// `api_trouble`: API retries, rate limits and API errors; an error when an API error ended the
/// run.
pub(super) fn api_trouble(d: &SessionDetail) -> Option<Finding> {
    let count = |kind: &str| d.markers.iter().filter(|m| m.kind == kind).count();
    let retries = count(MARKER_API_RETRY);
    let overloaded = d
        .markers
        .iter()
        .filter(|m| m.kind == MARKER_API_RETRY)
        .filter(|m| m.data.get("error").and_then(|e| e.as_str()) == Some("overloaded"))
        .count();
    let limited = count(MARKER_RATE_LIMIT);
    let errors = count(MARKER_API_ERROR);
    let ended = d.session.end_reason.as_deref() == Some(END_API_ERROR);
    if retries + limited + errors == 0 && !ended {
        return None;
    }
    let mut parts = Vec::new();
    for (n, what) in [
        (retries, "API retr"),
        (limited, "rate limit"),
        (errors, "API error"),
    ] {
        if n > 0 {
            let plural = match (what, n) {
                ("API retr", 1) => "y",
                ("API retr", _) => "ies",
                (_, 1) => "",
                _ => "s",
            };
            parts.push(format!("{n} {what}{plural}"));
        }
    }
    if overloaded > 0 {
        parts.push(format!("{overloaded} overloaded"));
    }
    let mut summary = parts.join(", ");
    if ended {
        let status = d
            .session
            .api_error_status
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        summary = if summary.is_empty() {
            format!("An API error{status} ended the run")
        } else {
            format!("An API error{status} ended the run after {summary}")
        };
    }
    let severity = if ended {
        Severity::Error
    } else {
        Severity::Warning
    };
    let evidence = markers_of(d.markers.iter().filter(|m| {
        [MARKER_API_RETRY, MARKER_RATE_LIMIT, MARKER_API_ERROR].contains(&m.kind.as_str())
    }));
    Some(Finding::new(
        IssueKind::ApiTrouble,
        severity,
        summary,
        evidence,
    ))
}

/// `context`: the context was compacted: how often, and the tokens it dropped when told.
pub(super) fn context(d: &SessionDetail) -> Option<Finding> {
    let compactions: Vec<&MarkerRecord> = d
        .markers
        .iter()
        .filter(|m| m.kind == MARKER_COMPACT)
        .collect();
    if compactions.is_empty() {
        return None;
    }
    let tokens = |m: &MarkerRecord, k: &str| m.data.get(k).and_then(|v| v.as_i64());
    let lost: i64 = compactions
        .iter()
        .filter_map(|m| Some((tokens(m, "pre_tokens")? - tokens(m, "post_tokens")?).max(0)))
        .sum();
    let n = compactions.len();
    let times = if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    };
    let summary = if lost > 0 {
        format!("The context was compacted {times} ({lost} tokens dropped)")
    } else {
        format!("The context was compacted {times}")
    };
    Some(Finding::new(
        IssueKind::Context,
        Severity::Info,
        summary,
        markers_of(compactions.into_iter()),
    ))
}

/// `unfinished`: tool calls that never completed, sub-agents that never reported back, a run that
/// ended without a result or with an empty final response (a manual session has no results: its
/// end is its outcome). One finding per cause.
pub(super) fn unfinished(d: &SessionDetail) -> Vec<Finding> {
    let mut out = Vec::new();
    let open: Vec<&ToolCallRecord> = d
        .tool_calls
        .iter()
        .filter(|c| c.status == NOT_COMPLETED)
        .collect();
    if !open.is_empty() {
        let summary = format!(
            "{} tool call{} never completed",
            open.len(),
            plural(open.len())
        );
        out.push(Finding::new(
            IssueKind::Unfinished,
            Severity::Warning,
            summary,
            calls_of(&open),
        ));
    }
    let silent: Vec<&ToolCallRecord> = d
        .tool_calls
        .iter()
        .filter(|c| c.subagent.as_ref().is_some_and(|s| s.status == RUNNING))
        .collect();
    if !silent.is_empty() {
        let summary = format!(
            "{} sub-agent{} never reported back",
            silent.len(),
            plural(silent.len())
        );
        out.push(Finding::new(
            IssueKind::Unfinished,
            Severity::Warning,
            summary,
            calls_of(&silent),
        ));
    }
    let manual = d.session.entry_point.as_deref() == Some(ENTRY_MANUAL);
    match d.turns.last() {
        None if manual => {}
        None => out.push(Finding::new(
            IssueKind::Unfinished,
            Severity::Error,
            "The run ended without a result".into(),
            Vec::new(),
        )),
        Some(last)
            if !last.is_error && last.output.as_deref().is_none_or(|o| o.trim().is_empty()) =>
        {
            out.push(Finding::new(
                IssueKind::Unfinished,
                Severity::Error,
                "The run ended with an empty final response".into(),
                vec![Evidence::Turn { index: last.index }],
            ))
        }
        Some(_) => {}
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `markers` as evidence.
fn markers_of<'a>(markers: impl Iterator<Item = &'a MarkerRecord>) -> Vec<Evidence> {
    markers
        .map(|m| Evidence::Marker {
            position: m.position,
            marker: m.kind.clone(),
        })
        .collect()
}
