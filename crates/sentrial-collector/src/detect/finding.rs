//! What a rule finds: a kind, a severity, a line a person reads, and the steps it points at.

use serde::{Deserialize, Serialize};

/// The kind of a finding; its string name is what the API takes (`issue=<kind>`) and returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// The same tool with the same input, many times.
    Loop,
    /// Failed tool calls in a row.
    ErrorStreak,
    /// Most of a session's tool calls failed.
    ToolErrors,
    /// The run hit max turns or its budget.
    Limits,
    /// Permission denials.
    Denied,
    /// API retries, overloaded or rate-limited answers, an API error ending the run.
    ApiTrouble,
    /// The context was compacted.
    Context,
    /// A call much slower than that tool's usual (needs the project's history).
    SlowTool,
    /// A session costing much more than its agent's usual (needs the project's history).
    CostOutlier,
    /// Something the run started and never finished.
    Unfinished,
}

/// Every kind, in the order the API lists them.
pub const ISSUE_KINDS: &[IssueKind] = &[
    IssueKind::Loop,
    IssueKind::ErrorStreak,
    IssueKind::ToolErrors,
    IssueKind::Limits,
    IssueKind::Denied,
    IssueKind::ApiTrouble,
    IssueKind::Context,
    IssueKind::SlowTool,
    IssueKind::CostOutlier,
    IssueKind::Unfinished,
];

impl IssueKind {
    /// Its name in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Loop => "loop",
            IssueKind::ErrorStreak => "error_streak",
            IssueKind::ToolErrors => "tool_errors",
            IssueKind::Limits => "limits",
            IssueKind::Denied => "denied",
            IssueKind::ApiTrouble => "api_trouble",
            IssueKind::Context => "context",
            IssueKind::SlowTool => "slow_tool",
            IssueKind::CostOutlier => "cost_outlier",
            IssueKind::Unfinished => "unfinished",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<IssueKind> {
        ISSUE_KINDS.iter().copied().find(|k| k.as_str() == name)
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely wasted work or a degraded answer.
    Warning,
    /// The run did not do what it was asked.
    Error,
}

impl Severity {
    /// Its name in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The severity named `name`, if any.
    pub fn parse(name: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A step a finding points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A tool call, by its `tool_use_id`.
    ToolCall {
        /// The call's `tool_use_id`.
        tool_use_id: String,
    },
    /// A turn (a result), by its index.
    Turn {
        /// The turn's 0-based index.
        index: i64,
    },
    /// A marker, by its position.
    Marker {
        /// The marker's position.
        position: i64,
        /// Its kind (`compact`, `api_retry`, ...).
        marker: String,
    },
}

/// One detected issue of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What rule found it.
    pub kind: IssueKind,
    /// How much it matters.
    pub severity: Severity,
    /// One line a person can read.
    pub summary: String,
    /// The steps it points at.
    pub evidence: Vec<Evidence>,
}

impl Finding {
    pub(crate) fn new(
        kind: IssueKind,
        severity: Severity,
        summary: String,
        evidence: Vec<Evidence>,
    ) -> Finding {
        Finding {
            kind,
            severity,
            summary,
            evidence,
        }
    }
}
