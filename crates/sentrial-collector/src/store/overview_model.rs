//! What the dashboard's aggregate views return: a conversation's sessions and the overview.

use serde::Serialize;

use crate::store::model::SessionRecord;
use crate::time::Timestamp;

/// The sessions of one conversation, oldest first, with their totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// The conversation id.
    pub convo_id: String,
    /// How many sessions it has (all of them, even past the listed ones).
    pub session_count: i64,
    /// Sum of the sessions' costs in USD.
    pub total_cost_usd: f64,
    /// Sum of the sessions' tokens.
    pub total_tokens: i64,
    /// Sum of the sessions' durations, ms.
    pub total_duration_ms: i64,
    /// The sessions, oldest first (at most [`CONVERSATION_LIMIT`]).
    pub sessions: Vec<SessionRecord>,
}

/// Most sessions a conversation lists.
pub const CONVERSATION_LIMIT: u32 = 1000;

/// Time range and bucket of the overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewQuery {
    /// Start, ms (inclusive).
    pub from: i64,
    /// End, ms (exclusive).
    pub to: i64,
    /// Width of one time bucket, ms.
    pub bucket_ms: i64,
}

/// Sessions and cost over a time range, by agent and user, and the tools' figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// Start of the range.
    pub from: Timestamp,
    /// End of the range.
    pub to: Timestamp,
    /// Width of one bucket of `series`, ms.
    pub bucket_ms: i64,
    /// Figures of the whole range.
    pub totals: Totals,
    /// One entry per bucket that has sessions, oldest first.
    pub series: Vec<Bucket>,
    /// Agents by number of sessions (top 10).
    pub by_agent: Vec<Group>,
    /// Users by number of sessions (top 10).
    pub by_user: Vec<Group>,
    /// Tools by number of calls (top 10).
    pub tools_most_called: Vec<ToolStat>,
    /// Tools with failures, by number of failed calls (top 10).
    pub tools_most_failing: Vec<ToolStat>,
    /// Tools by average duration (top 10).
    pub tools_slowest: Vec<ToolStat>,
    /// The average of each score name (numbers, and booleans as 1 or 0; labels have none) per
    /// agent and bucket of the time it was given, oldest first.
    pub scores: Vec<ScoreAverage>,
    /// The average of each custom metric per agent and bucket of its session's start, oldest
    /// first (`name` is the metric's).
    pub metrics: Vec<ScoreAverage>,
}

/// The average of one score name for one agent over one bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreAverage {
    /// Start of the bucket.
    pub start: Timestamp,
    /// The agent of the scored sessions (`None`: they have none, or the scores name a Claude
    /// session id none of whose runs has arrived).
    pub agent: Option<String>,
    /// The score's name.
    pub name: String,
    /// The average value.
    pub average: f64,
    /// How many scores it averages.
    pub count: i64,
}

/// Figures of a set of sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Sessions.
    pub sessions: i64,
    /// Sessions that failed.
    pub failed: i64,
    /// Sessions still running.
    pub running: i64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Tokens.
    pub total_tokens: i64,
    /// Average duration of the sessions that have one, ms.
    pub avg_duration_ms: Option<f64>,
}

/// The sessions that started within one bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Start of the bucket.
    pub start: Timestamp,
    /// Sessions.
    pub sessions: i64,
    /// Sessions that failed.
    pub failed: i64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Tokens.
    pub total_tokens: i64,
}

/// The sessions of one agent or one user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The agent name or user id (null for placeholders whose start has not arrived).
    pub key: Option<String>,
    /// Sessions.
    pub sessions: i64,
    /// Sessions that failed.
    pub failed: i64,
    /// Cost in USD.
    pub cost_usd: f64,
}

/// One tool's calls in the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolStat {
    /// Tool name.
    pub tool_name: String,
    /// Calls.
    pub calls: i64,
    /// Calls with status `error`.
    pub failures: i64,
    /// Average duration of the calls that have one, ms.
    pub avg_duration_ms: Option<f64>,
    /// Longest duration, ms.
    pub max_duration_ms: Option<i64>,
}

/// Rows of each tool ranking.
const TOP_TOOLS: usize = 10;

impl Overview {
    /// The overview of `q`'s range from what a store read: the totals, the series, the agent and
    /// user rankings, and every tool's figures, which are ranked here.
    pub(crate) fn new(
        q: &OverviewQuery,
        totals: Totals,
        series: Vec<Bucket>,
        by_agent: Vec<Group>,
        by_user: Vec<Group>,
        tools: Vec<ToolStat>,
    ) -> Overview {
        let (tools_most_called, tools_most_failing, tools_slowest) = rank_tools(tools);
        Overview {
            from: Timestamp(q.from),
            to: Timestamp(q.to),
            bucket_ms: q.bucket_ms,
            totals,
            series,
            by_agent,
            by_user,
            tools_most_called,
            tools_most_failing,
            tools_slowest,
            scores: Vec::new(),
            metrics: Vec::new(),
        }
    }
}

/// The tool rankings of an overview, from every tool's figures: most called, most failing (only
/// tools that failed), slowest on average (only tools with a duration); ties by name.
fn rank_tools(all: Vec<ToolStat>) -> (Vec<ToolStat>, Vec<ToolStat>, Vec<ToolStat>) {
    let mut called = all.clone();
    called.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.tool_name.cmp(&b.tool_name)));
    called.truncate(TOP_TOOLS);
    let mut failing: Vec<ToolStat> = all.iter().filter(|t| t.failures > 0).cloned().collect();
    failing.sort_by(|a, b| {
        b.failures
            .cmp(&a.failures)
            .then(a.tool_name.cmp(&b.tool_name))
    });
    failing.truncate(TOP_TOOLS);
    let mut slowest: Vec<ToolStat> = all
        .into_iter()
        .filter(|t| t.avg_duration_ms.is_some())
        .collect();
    slowest.sort_by(|a, b| {
        b.avg_duration_ms
            .partial_cmp(&a.avg_duration_ms)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.tool_name.cmp(&b.tool_name))
    });
    slowest.truncate(TOP_TOOLS);
    (called, failing, slowest)
}
