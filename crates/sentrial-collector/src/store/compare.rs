//! Two or more values of one dimension side by side (`GET /api/analytics/compare`): the agent, the
//! model, or a metadata key such as `version`. Per value over a time range: sessions, failure rate,
//! cost per session, duration p50 and p95 (nearest rank), turns and tool calls per session, and
//! the average score. Written once for both stores; a metadata key is read as JSON text the way
//! each engine does it (`{json_text:...}`, `dialect.rs`).
//!
//! When the dimension is summed by the rollups (agent, model, a chosen metadata key) and the range
//! holds a whole UTC day, the whole days are read from them (`rollup/compare.rs`) and the rest from
//! the sessions; the percentiles are then those of the durations' buckets (within 3.1%). Otherwise
//! every figure is read from the sessions, the percentiles exactly.

use serde::Serialize;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::{values, Value};

/// What the values are values of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dimension {
    /// `agent`.
    Agent,
    /// `model`.
    Model,
    /// `metadata.<key>`: the key's value as text.
    Metadata(String),
}

/// One value's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareRow {
    /// The value.
    pub value: String,
    /// Sessions that started in the range with it.
    pub sessions: i64,
    /// Failed sessions over sessions.
    pub failure_rate: f64,
    /// Average cost of a session, USD.
    pub cost_per_session: f64,
    /// Median wall-clock duration, ms (of the sessions that have one).
    pub duration_p50_ms: Option<i64>,
    /// 95th percentile duration, ms.
    pub duration_p95_ms: Option<i64>,
    /// Average turns.
    pub avg_turns: Option<f64>,
    /// Average tool calls.
    pub tool_calls_per_session: f64,
    /// The average of its sessions' average scores (`score` names one; else every number).
    pub avg_score: Option<f64>,
}

/// A dimension's statements over the sessions, each taking `?1` project, `?2`..`?3` the range,
/// `?4` the value and `?5` the metadata key.
macro_rules! by {
    ($dim:literal, $stats:ident, $rank:ident, $calls:ident, $durations:ident, $scores:ident) => {
        /// The sums of the value's sessions (but their calls).
        static $stats: Sql = Sql::new(concat!(
            "SELECT COUNT(*) AS sessions, COUNT(*) FILTER (WHERE s.status = 'failed') AS failed,
                SUM(COALESCE(s.cost_usd, 0)) AS cost_usd, COUNT(s.duration_ms) AS timed,
                {capped_sum:s.num_turns} AS turns, COUNT(s.num_turns) AS turned
             FROM sessions s
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT)"
        ));
        /// The duration of rank `?6` among the value's sessions.
        static $rank: Sql = Sql::new(concat!(
            "SELECT s.duration_ms AS v FROM sessions s
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT) AND s.duration_ms IS NOT NULL
             ORDER BY s.duration_ms LIMIT 1 OFFSET ?6"
        ));
        /// The tool calls of the value's sessions.
        static $calls: Sql = Sql::new(concat!(
            "SELECT COUNT(*) AS calls FROM tool_calls t
             JOIN sessions s ON s.project_id = t.project_id AND s.id = t.session_id
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT)"
        ));
        /// Every duration of the value's sessions (for the edges of a range read from the
        /// rollups: at most two days' sessions).
        static $durations: Sql = Sql::new(concat!(
            "SELECT s.duration_ms AS v FROM sessions s
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT) AND s.duration_ms IS NOT NULL"
        ));
        /// The value's sessions with a numeric score (`?6` names it; empty: any) and the sum of
        /// their averages of it, each session's scores read through `scores_by_target`.
        static $scores: Sql = Sql::new(concat!(
            "SELECT COUNT(e.avg) AS scored, SUM(e.avg) AS score_sum
             FROM (SELECT (SELECT AVG(sc.num) FROM scores sc
                           WHERE sc.project_id = s.project_id AND sc.target_kind = 'session'
                             AND sc.target = s.id AND sc.num IS NOT NULL
                             AND (?6 = '' OR sc.name = ?6)) AS avg
                   FROM sessions s
                   WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT)) e"
        ));
    };
}
// `?5` is the metadata key: the agent and model statements take it too (and ignore it), so every
// statement has the same parameters.
by!(
    "s.agent",
    AGENT,
    AGENT_RANK,
    AGENT_CALLS,
    AGENT_DURATIONS,
    AGENT_SCORES
);
by!(
    "s.model",
    MODEL,
    MODEL_RANK,
    MODEL_CALLS,
    MODEL_DURATIONS,
    MODEL_SCORES
);
by!(
    "{json_text:s.metadata, ?5}",
    META,
    META_RANK,
    META_CALLS,
    META_DURATIONS,
    META_SCORES
);

/// A dimension's statements over the sessions (see [`by`]).
pub(crate) struct Statements {
    /// The sums (but the calls).
    pub stats: &'static Sql,
    /// The duration of a rank.
    pub rank: &'static Sql,
    /// The tool calls.
    pub calls: &'static Sql,
    /// Every duration.
    pub durations: &'static Sql,
    /// The scored sessions and the sum of their average scores.
    pub scores: &'static Sql,
}

impl Dimension {
    /// Its statements over the sessions, and the metadata key they take (`""` for none).
    pub(crate) fn statements(&self) -> (Statements, &str) {
        match self {
            Dimension::Agent => (
                Statements {
                    stats: &AGENT,
                    rank: &AGENT_RANK,
                    calls: &AGENT_CALLS,
                    durations: &AGENT_DURATIONS,
                    scores: &AGENT_SCORES,
                },
                "",
            ),
            Dimension::Model => (
                Statements {
                    stats: &MODEL,
                    rank: &MODEL_RANK,
                    calls: &MODEL_CALLS,
                    durations: &MODEL_DURATIONS,
                    scores: &MODEL_SCORES,
                },
                "",
            ),
            Dimension::Metadata(k) => (
                Statements {
                    stats: &META,
                    rank: &META_RANK,
                    calls: &META_CALLS,
                    durations: &META_DURATIONS,
                    scores: &META_SCORES,
                },
                k.as_str(),
            ),
        }
    }
}

/// The additive figures of a value's sessions over part of a range.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Sums {
    /// Sessions.
    pub sessions: i64,
    /// Of which failed.
    pub failed: i64,
    /// Their cost, USD.
    pub cost_usd: f64,
    /// Sessions with a duration.
    pub timed: i64,
    /// Their turns.
    pub turns: i64,
    /// Sessions with a number of turns.
    pub turned: i64,
    /// Their tool calls.
    pub calls: i64,
    /// Sessions with a numeric score (of the name asked, if one was).
    pub scored: i64,
    /// The sum of those sessions' average scores.
    pub score_sum: f64,
}

impl Sums {
    /// `self` plus `other`.
    pub fn add(&mut self, other: &Sums) {
        self.sessions += other.sessions;
        self.failed += other.failed;
        self.cost_usd += other.cost_usd;
        self.timed += other.timed;
        self.turns = self.turns.saturating_add(other.turns);
        self.turned += other.turned;
        self.calls += other.calls;
        self.scored += other.scored;
        self.score_sum += other.score_sum;
    }
}

/// A row of a `stats` statement: its sums (but the calls).
pub(crate) fn stats(r: &dyn Columns) -> Result<Sums, StoreError> {
    Ok(Sums {
        sessions: r.integer("sessions")?,
        failed: r.integer("failed")?,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
        timed: r.integer("timed")?,
        turns: r.int("turns")?.unwrap_or(0),
        turned: r.integer("turned")?,
        ..Sums::default()
    })
}

/// The scored sessions and the sum of their average scores that `statement` (a
/// `Statements::scores`, or the rollups' own) answers for `args`, as [`Sums`].
pub(crate) async fn scored<D: Db>(
    db: &D,
    statement: &'static Sql,
    args: &[Value<'_>],
) -> Result<Sums, StoreError> {
    Ok(db
        .select(statement, args, |r| {
            Ok(Sums {
                scored: r.integer("scored")?,
                score_sum: r.real("score_sum")?.unwrap_or(0.0),
                ..Sums::default()
            })
        })
        .await?
        .pop()
        .unwrap_or_default())
}

/// The values of `dim` side by side over [`from`, `to`) in `project_id`.
pub async fn compare<D: Db>(
    db: &D,
    project_id: &str,
    dim: &Dimension,
    values: &[String],
    score: &str,
    from: i64,
    to: i64,
) -> Result<Vec<CompareRow>, StoreError> {
    if let Some(rows) =
        crate::store::rollup::compare::compare(db, project_id, dim, values, score, from, to).await?
    {
        return Ok(rows);
    }
    let (sql, key) = dim.statements();
    let mut rows = Vec::with_capacity(values.len());
    for value in values {
        let args = values![project_id, from, to, value.as_str(), key, score];
        let mut sums = db
            .select(sql.stats, &args[..5], stats)
            .await?
            .pop()
            .unwrap_or_default();
        sums.add(&scored(db, sql.scores, &args).await?);
        sums.calls = db
            .select(sql.calls, &args[..5], |r| r.integer("calls"))
            .await?
            .pop()
            .unwrap_or(0);
        let mut at = [None, None];
        for (slot, p) in at.iter_mut().zip([50, 95]) {
            if sums.timed > 0 {
                let offset = nearest_rank(sums.timed, p);
                let args = values![project_id, from, to, value.as_str(), key, offset];
                *slot = db
                    .select(sql.rank, &args, |r| r.int("v"))
                    .await?
                    .pop()
                    .flatten();
            }
        }
        rows.push(CompareRow::of(value.clone(), &sums, at));
    }
    Ok(rows)
}

impl CompareRow {
    /// The row of `value` from its sums and percentiles (p50, p95).
    pub(crate) fn of(value: String, sums: &Sums, [p50, p95]: [Option<i64>; 2]) -> CompareRow {
        let per = |x: f64| {
            if sums.sessions > 0 {
                x / sums.sessions as f64
            } else {
                0.0
            }
        };
        CompareRow {
            value,
            sessions: sums.sessions,
            failure_rate: per(sums.failed as f64),
            cost_per_session: per(sums.cost_usd),
            duration_p50_ms: p50,
            duration_p95_ms: p95,
            avg_turns: (sums.turned > 0).then(|| sums.turns as f64 / sums.turned as f64),
            tool_calls_per_session: per(sums.calls as f64),
            avg_score: (sums.scored > 0).then(|| sums.score_sum / sums.scored as f64),
        }
    }
}

/// The zero-based rank of percentile `p` among `n` values (nearest rank).
pub(crate) fn nearest_rank(n: i64, p: i64) -> i64 {
    ((n * p + 99) / 100).max(1) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        for dim in [
            Dimension::Agent,
            Dimension::Model,
            Dimension::Metadata("k".into()),
        ] {
            let (s, _) = dim.statements();
            crate::store::dialect::assert_renders(&[
                s.stats,
                s.rank,
                s.calls,
                s.durations,
                s.scores,
            ]);
        }
    }
}
