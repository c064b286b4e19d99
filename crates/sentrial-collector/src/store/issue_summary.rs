//! The issues summary (`GET /api/issues`): a project's findings over a time range of session
//! ends, by kind, each with its trend per day and the agents and tools it is most found with.
//!
//! Two scans of the range, both answered from one covering index (`session_issues_by_time`):
//! counts by kind, day and agent (a session has one agent and one end, so its findings of a kind
//! fall in one such group and the groups' session counts add up), and counts by kind and tool.
//! The rest is summed here; `benches/issues_page.rs` measures it at 100,000 sessions.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::detect::IssueKind;
use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::issues::kind;
use crate::store::queries;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::time::{iso8601, Timestamp};

/// How many agents and tools a kind lists.
pub const TOP_LIMIT: usize = 5;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One kind of issue over a time range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueGroup {
    /// The kind.
    pub kind: IssueKind,
    /// How many findings of it.
    pub count: i64,
    /// How many sessions had one.
    pub sessions: i64,
    /// The earliest session end with one.
    pub first_seen: Timestamp,
    /// The latest.
    pub last_seen: Timestamp,
    /// Per UTC day with findings, oldest first (days without any are left out).
    pub trend: Vec<DayCount>,
    /// The agents with the most sessions with one, at most [`TOP_LIMIT`].
    pub top_agents: Vec<NameCount>,
    /// The tools the findings point at most (a finding's main tool: the one most of its
    /// evidence calls are of), at most [`TOP_LIMIT`].
    pub top_tools: Vec<NameCount>,
}

/// A kind's findings on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    /// The UTC day, `2025-01-31`.
    pub day: String,
    /// Its start, ms since the epoch (what a link to the day's sessions takes as `from`).
    pub from: i64,
    /// How many findings.
    pub count: i64,
    /// How many sessions had one.
    pub sessions: i64,
}

/// A kind's findings with one agent or tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameCount {
    /// The agent's or the tool's name.
    pub name: String,
    /// How many findings.
    pub count: i64,
    /// How many sessions had one.
    pub sessions: i64,
}

/// A kind's group being summed: the group, its days by day number, its agents.
type Building = (IssueGroup, BTreeMap<i64, DayCount>, Vec<NameCount>);

/// One row of `queries::ISSUE_GROUPS` or `queries::ISSUE_TOOLS`.
struct Part {
    kind: IssueKind,
    day: i64,
    name: Option<String>,
    count: i64,
    sessions: i64,
    first: i64,
    last: i64,
}

/// The project's issues of sessions that ended in `[from, to)`, by kind, by the kinds' names.
pub(crate) async fn summary<D: Db>(
    db: &D,
    project: &str,
    from: i64,
    to: i64,
) -> Result<Vec<IssueGroup>, StoreError> {
    let args = values![project, from, to];
    let parts = db.select(&queries::ISSUE_GROUPS, &args, part).await?;
    let tools = db.select(&queries::ISSUE_TOOLS, &args, part).await?;
    // By the kind's name, the order the API lists them in.
    let mut groups: BTreeMap<&str, Building> = BTreeMap::new();
    for p in parts {
        let (g, days, agents) = groups.entry(p.kind.as_str()).or_insert_with(|| {
            let g = IssueGroup {
                kind: p.kind,
                count: 0,
                sessions: 0,
                first_seen: Timestamp(p.first),
                last_seen: Timestamp(p.last),
                trend: Vec::new(),
                top_agents: Vec::new(),
                top_tools: Vec::new(),
            };
            (g, BTreeMap::new(), Vec::new())
        });
        g.count += p.count;
        g.sessions += p.sessions;
        g.first_seen = Timestamp(g.first_seen.0.min(p.first));
        g.last_seen = Timestamp(g.last_seen.0.max(p.last));
        let day = days.entry(p.day).or_insert_with(|| DayCount {
            day: iso8601(p.day * DAY_MS)[..10].to_string(),
            from: p.day * DAY_MS,
            count: 0,
            sessions: 0,
        });
        day.count += p.count;
        day.sessions += p.sessions;
        if let Some(name) = p.name {
            match agents.iter_mut().find(|a| a.name == name) {
                Some(a) => {
                    a.count += p.count;
                    a.sessions += p.sessions;
                }
                None => agents.push(NameCount {
                    name,
                    count: p.count,
                    sessions: p.sessions,
                }),
            }
        }
    }
    let mut tools_of: BTreeMap<IssueKind, Vec<NameCount>> = BTreeMap::new();
    for p in tools {
        if let Some(name) = p.name {
            tools_of.entry(p.kind).or_default().push(NameCount {
                name,
                count: p.count,
                sessions: p.sessions,
            });
        }
    }
    Ok(groups
        .into_values()
        .map(|(mut g, days, agents)| {
            g.trend = days.into_values().collect();
            g.top_agents = top(agents);
            g.top_tools = top(tools_of.remove(&g.kind).unwrap_or_default());
            g
        })
        .collect())
}

/// The first [`TOP_LIMIT`] of `items` by sessions, then findings, then name.
fn top(mut items: Vec<NameCount>) -> Vec<NameCount> {
    items.sort_by(|a, b| {
        (b.sessions, b.count)
            .cmp(&(a.sessions, a.count))
            .then_with(|| a.name.cmp(&b.name))
    });
    items.truncate(TOP_LIMIT);
    items
}

fn part(r: &dyn Columns) -> Result<Part, StoreError> {
    Ok(Part {
        kind: kind(r)?,
        day: r.int("day")?.unwrap_or(0),
        name: r.text("name")?,
        count: r.integer("count")?,
        sessions: r.integer("sessions")?,
        first: r.int("first_seen")?.unwrap_or(0),
        last: r.int("last_seen")?.unwrap_or(0),
    })
}
