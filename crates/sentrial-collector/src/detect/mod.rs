//! Detected issues: rules that need no model, checked on a session's assembled detail when it has
//! ended. Each rule family has its own file (`tools.rs`: calls of tools; `run.rs`: how the run
//! went and ended); [`detect`] runs them all with the [`Thresholds`] in force.
//!
//! The rules that compare a session with its project's history (`slow_tool`, `cost_outlier`) need
//! the store and are not here yet; their kinds are listed so the API knows every name.

mod finding;
mod run;
mod tools;

pub use finding::{Evidence, Finding, IssueKind, Severity, Thresholds, ISSUE_KINDS};

use crate::store::SessionDetail;

/// Every finding of `detail` under `t`, in rule order. A session still running has none: its
/// calls and its end are not known yet.
pub fn detect(detail: &SessionDetail, t: &Thresholds) -> Vec<Finding> {
    if detail.session.status == "running" {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(tools::loops(&detail.tool_calls, t));
    out.extend(tools::error_streak(&detail.tool_calls, t));
    out.extend(tools::tool_errors(&detail.tool_calls, t));
    out.extend(run::limits(detail));
    out.extend(tools::denied(&detail.tool_calls));
    out.extend(run::api_trouble(detail));
    out.extend(run::context(detail));
    out.extend(run::unfinished(detail));
    out
}

#[cfg(test)]
mod tests;
