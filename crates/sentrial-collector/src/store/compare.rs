//! Two or more values of one dimension side by side (`GET /api/analytics/compare`): the agent, the
//! model, or a metadata key such as `version`. Per value over a time range: sessions, failure rate,
//! cost per session, duration p50 and p95 (nearest rank), turns and tool calls per session, and
//! the average score. Written once for both stores; a metadata key is read as JSON text the way
//! each engine does it (`{json_text:...}`, `dialect.rs`).

use serde::Serialize;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::value::values;

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

macro_rules! by {
    ($dim:literal, $stats:ident, $rank:ident, $calls:ident) => {
        static $stats: Sql = Sql::new(concat!(
            "SELECT COUNT(*) AS sessions, COUNT(*) FILTER (WHERE s.status = 'failed') AS failed,
                SUM(COALESCE(s.cost_usd, 0)) AS cost_usd, COUNT(s.duration_ms) AS timed,
                CAST(AVG(s.num_turns) AS DOUBLE PRECISION) AS avg_turns, AVG(sc.avg) AS avg_score
             FROM sessions s
             LEFT JOIN (SELECT target, AVG(num) AS avg FROM scores
                        WHERE project_id = ?1 AND target_kind = 'session' AND num IS NOT NULL
                          AND (?6 = '' OR name = ?6)
                        GROUP BY target) sc ON sc.target = s.id
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT)"
        ));
        static $rank: Sql = Sql::new(concat!(
            "SELECT s.duration_ms AS v FROM sessions s
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT) AND s.duration_ms IS NOT NULL
             ORDER BY s.duration_ms LIMIT 1 OFFSET ?6"
        ));
        static $calls: Sql = Sql::new(concat!(
            "SELECT COUNT(*) AS calls FROM tool_calls t
             JOIN sessions s ON s.project_id = t.project_id AND s.id = t.session_id
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3 AND ",
            $dim,
            " = ?4 AND CAST(?5 AS TEXT) = CAST(?5 AS TEXT)"
        ));
    };
}
// `?5` is the metadata key: the agent and model statements take it too (and ignore it), so every
// statement has the same parameters.
by!("s.agent", AGENT, AGENT_RANK, AGENT_CALLS);
by!("s.model", MODEL, MODEL_RANK, MODEL_CALLS);
by!("{json_text:s.metadata, ?5}", META, META_RANK, META_CALLS);

/// The figures of each of `values` of `dim` over `[from, to)` (ms), in the order given.
pub async fn compare<D: Db>(
    db: &D,
    project_id: &str,
    dim: &Dimension,
    values: &[String],
    score: &str,
    from: i64,
    to: i64,
) -> Result<Vec<CompareRow>, StoreError> {
    let (stats, rank, calls, key) = match dim {
        Dimension::Agent => (&AGENT, &AGENT_RANK, &AGENT_CALLS, ""),
        Dimension::Model => (&MODEL, &MODEL_RANK, &MODEL_CALLS, ""),
        Dimension::Metadata(k) => (&META, &META_RANK, &META_CALLS, k.as_str()),
    };
    let mut rows = Vec::with_capacity(values.len());
    for value in values {
        let args = values![project_id, from, to, value.as_str(), key, score];
        let (sessions, failed, cost, timed, avg_turns, avg_score) = db
            .select(stats, &args, |r| {
                Ok((
                    r.integer("sessions")?,
                    r.integer("failed")?,
                    r.real("cost_usd")?.unwrap_or(0.0),
                    r.integer("timed")?,
                    r.real("avg_turns")?,
                    r.real("avg_score")?,
                ))
            })
            .await?
            .pop()
            .unwrap_or((0, 0, 0.0, 0, None, None));
        let n_calls = db
            .select(calls, &args[..5], |r| r.integer("calls"))
            .await?
            .pop()
            .unwrap_or(0);
        let mut at = [None, None];
        for (slot, p) in at.iter_mut().zip([50, 95]) {
            if timed > 0 {
                let offset = ((timed * p + 99) / 100).max(1) - 1;
                let args = values![project_id, from, to, value.as_str(), key, offset];
                *slot = db
                    .select(rank, &args, |r| r.int("v"))
                    .await?
                    .pop()
                    .flatten();
            }
        }
        let per = |x: f64| {
            if sessions > 0 {
                x / sessions as f64
            } else {
                0.0
            }
        };
        rows.push(CompareRow {
            value: value.clone(),
            sessions,
            failure_rate: per(failed as f64),
            cost_per_session: per(cost),
            duration_p50_ms: at[0],
            duration_p95_ms: at[1],
            avg_turns,
            tool_calls_per_session: per(n_calls as f64),
            avg_score,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[
            &AGENT,
            &AGENT_RANK,
            &AGENT_CALLS,
            &MODEL,
            &MODEL_RANK,
            &MODEL_CALLS,
            &META,
            &META_RANK,
            &META_CALLS,
        ]);
    }
}
