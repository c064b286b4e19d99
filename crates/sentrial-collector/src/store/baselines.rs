//! The baselines of the rules that compare a session with its project's history (`slow_tool`,
//! `cost_outlier`): the p95 of a tool's call durations, of an agent's session costs, over the 7
//! days before the session ended.
//!
//! Why a table (`issue_baselines`) and not a query per session: a p95 needs every value of the
//! window, which at a busy project is hundreds of thousands of calls; taking it on every ended
//! session would cost ingest far more than the 10% it may. So a baseline is worked out (two
//! queries over the 7 days: a tool's from `tool_calls_overview`, an agent's from
//! `sessions_by_agent`) at most once per [`REFRESH_MS`] of session ends, stored, and read by its
//! key otherwise; one with fewer values than its rule needs, once per [`SHORT_REFRESH_MS`].
//! No index is kept for the baselines alone: one more index on every tool call cost the ingest
//! bench more than the scans it saved. Refreshed baselines are written at the end of the batch,
//! in key order: two collectors on one PostgreSQL database then never wait on each other's rows
//! in a cycle.

use std::collections::BTreeMap;

use crate::detect::{Baseline, History, Thresholds};
use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::model::SessionDetail;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::store::{queries, writes};

/// The window of a baseline: the 7 days before the session's end.
pub(crate) const WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// A stored baseline serves sessions that ended up to this long after its window: 6 hours, which
/// moves a 7-day window by under 4%. (10 minutes made a backfill of 90 days of history, where
/// every batch spans an hour or more of session ends, work out a baseline per tool and agent
/// several times a batch: the `issues_page` bench's fill ran at 1,619 events/s.)
pub(crate) const REFRESH_MS: i64 = 6 * 60 * 60 * 1000;

/// What a baseline is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// A tool's call durations (ms).
    Tool,
    /// An agent's session costs (USD).
    AgentCost,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Tool => "tool",
            Scope::AgentCost => "agent_cost",
        }
    }
}

/// A baseline and the end of its window.
#[derive(Debug, Clone, Copy)]
struct Known {
    baseline: Baseline,
    window_end: i64,
}

/// A stored baseline with fewer values than its rule needs serves sessions that ended up to this
/// long after its window: 1 minute, so a rare tool of a busy project is not worked out (a scan of
/// the 7 days' calls) for every session that calls it, and a new project's rules start within a
/// minute of having the history.
pub(crate) const SHORT_REFRESH_MS: i64 = 60 * 1000;

impl Known {
    /// Whether it may serve a session that ended at `at` under a rule needing `min` values.
    fn serves(&self, at: i64, min: i64) -> bool {
        let refresh = if self.baseline.samples >= min {
            REFRESH_MS
        } else {
            SHORT_REFRESH_MS
        };
        self.window_end <= at && at - self.window_end < refresh
    }
}

/// The baselines of one batch: those read or worked out so far, and those to store.
#[derive(Default)]
pub(crate) struct Baselines {
    seen: BTreeMap<(Scope, String), Known>,
    fresh: BTreeMap<(Scope, String), Known>,
}

impl Baselines {
    /// The history session `d`, which ended at `at`, is compared with.
    pub(crate) async fn history<D: Db>(
        &mut self,
        db: &D,
        project: &str,
        d: &SessionDetail,
        at: i64,
        t: &Thresholds,
    ) -> Result<History, StoreError> {
        let mut history = History::default();
        let mut tools: Vec<&str> = d
            .tool_calls
            .iter()
            .filter(|c| c.duration_ms.is_some())
            .map(|c| c.tool_name.as_str())
            .collect();
        tools.sort_unstable();
        tools.dedup();
        for tool in tools {
            let b = self
                .get(db, project, Scope::Tool, tool, at, t.slow_tool_min_calls)
                .await?;
            if let Some(b) = b {
                history.tools.insert(tool.to_string(), b);
            }
        }
        if let (Some(agent), Some(_)) = (&d.session.agent, d.session.cost_usd) {
            let min = t.cost_outlier_min_sessions;
            history.agent_cost = self
                .get(db, project, Scope::AgentCost, agent, at, min)
                .await?;
        }
        Ok(history)
    }

    /// Stores the baselines worked out for this batch, in key order.
    pub(crate) async fn store<D: Db>(self, db: &D, project: &str) -> Result<(), StoreError> {
        for ((scope, name), k) in &self.fresh {
            let b = k.baseline;
            let args = values![
                project,
                scope.as_str(),
                name,
                b.p95,
                b.samples,
                k.window_end
            ];
            db.run(&writes::ISSUE_BASELINE, &args).await?;
        }
        Ok(())
    }

    /// The baseline of `name` in `scope` for a session that ended at `at`, under a rule
    /// needing `min` values; `None` when the window has no value.
    async fn get<D: Db>(
        &mut self,
        db: &D,
        project: &str,
        scope: Scope,
        name: &str,
        at: i64,
        min: i64,
    ) -> Result<Option<Baseline>, StoreError> {
        let key = (scope, name.to_string());
        if let Some(k) = self.seen.get(&key).filter(|k| k.serves(at, min)) {
            return Ok(Some(k.baseline));
        }
        let stored = db
            .select(
                &queries::ISSUE_BASELINE,
                &values![project, scope.as_str(), name],
                known,
            )
            .await?
            .pop();
        if let Some(k) = stored.filter(|k| k.serves(at, min)) {
            self.seen.insert(key, k);
            return Ok(Some(k.baseline));
        }
        let Some(baseline) = work_out(db, project, scope, name, at).await? else {
            return Ok(None);
        };
        let k = Known {
            baseline,
            window_end: at,
        };
        self.seen.insert(key.clone(), k);
        self.fresh.insert(key, k);
        Ok(Some(baseline))
    }
}

/// The p95 (nearest rank) of `scope`'s values of `name` in the 7 days up to `at`.
async fn work_out<D: Db>(
    db: &D,
    project: &str,
    scope: Scope,
    name: &str,
    at: i64,
) -> Result<Option<Baseline>, StoreError> {
    let (count, value_at) = match scope {
        Scope::Tool => (&queries::TOOL_DURATIONS, &queries::TOOL_DURATION_AT),
        Scope::AgentCost => (&queries::AGENT_COSTS, &queries::AGENT_COST_AT),
    };
    let from = at - WINDOW_MS;
    let samples = db
        .select(count, &values![project, name, from, at], |r| r.integer("n"))
        .await?
        .pop()
        .unwrap_or(0);
    if samples == 0 {
        return Ok(None);
    }
    let rank = nearest_rank(samples) - 1;
    let p95 = db
        .select(value_at, &values![project, name, from, at, rank], |r| {
            r.real("v")
        })
        .await?
        .pop()
        .flatten();
    Ok(p95.map(|p95| Baseline { p95, samples }))
}

/// The 1-based rank of the 95th percentile of `n` values (nearest rank: the smallest value with
/// at least 95% of the values at or below it).
fn nearest_rank(n: i64) -> i64 {
    ((n * 95 + 99) / 100).max(1)
}

fn known(r: &dyn Columns) -> Result<Known, StoreError> {
    Ok(Known {
        baseline: Baseline {
            p95: r.real("p95")?.unwrap_or(0.0),
            samples: r.integer("samples")?,
        },
        window_end: r.integer("window_end")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p95_rank_is_the_nearest_rank() {
        assert_eq!(nearest_rank(1), 1);
        assert_eq!(nearest_rank(20), 19);
        assert_eq!(nearest_rank(21), 20);
        assert_eq!(nearest_rank(100), 95);
        assert_eq!(nearest_rank(101), 96);
    }
}
