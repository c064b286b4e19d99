//! Detected issues: rules that need no model, checked on a session's assembled detail when it has
//! ended. Each rule family has its own file (`tools.rs`: calls of tools; `run.rs`: how the run
//! went and ended; `history.rs`: the session against its project's recent history);
//! [`detect`] runs them all with the [`Thresholds`] in force (`thresholds.rs`).

mod finding;
mod history;
mod run;
mod thresholds;
mod tools;

pub use finding::{Evidence, Finding, IssueKind, Severity, ISSUE_KINDS};
pub use history::{Baseline, History};
pub use thresholds::Thresholds;

use crate::store::SessionDetail;

/// Every finding of `detail` under `t`, compared with `history` where a rule needs it, in rule
/// order. A session still running has none: its calls and its end are not known yet.
pub fn detect(detail: &SessionDetail, t: &Thresholds, history: &History) -> Vec<Finding> {
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
    out.extend(history::slow_tool(detail, history, t));
    out.extend(history::cost_outlier(detail, history, t));
    out.extend(run::unfinished(detail));
    out
}

#[cfg(test)]
mod tests;
