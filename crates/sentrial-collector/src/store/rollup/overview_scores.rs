//! The overview's score series: per bucket of the time scores were given, agent and score name,
//! the average of the numeric scores. As the series of sessions (`rollup/overview.rs`), the
//! scores that name a session are read for the range's whole hours that fall in one bucket from
//! the rollups (`contrib::GIVEN_DIM`), those of the hours a bucket boundary cuts from the
//! quarter-hour rows (`contrib::GIVEN_QUARTER_DIM`), and the rest from the scores: those of the
//! quarter hours a boundary cuts and of the partial hours at the range's edges, and those that
//! name a Claude session id (whose agent, that of the id's first run, can change as runs arrive;
//! an index of the scores by kind and time finds them).

use std::collections::BTreeMap;

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::overview_model::{OverviewQuery, ScoreAverage};
use crate::store::queries;
use crate::store::rollup::contrib::{whole, GIVEN_DIM, GIVEN_QUARTER_DIM, HOUR_MS, QUARTER_MS};
use crate::store::rollup::overview::Cut;
use crate::store::rollup::read_sql as sql;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::time::Timestamp;

/// The averages of `q`'s range, by bucket start, agent (none first) and name.
pub(crate) async fn scores<D: Db>(
    db: &D,
    project: &str,
    q: &OverviewQuery,
) -> Result<Vec<ScoreAverage>, StoreError> {
    let (first, end) = whole(q.from, q.to, HOUR_MS);
    let mut parts = Vec::new();
    let cut = (first < end).then(|| Cut::of(q, first, end)).flatten();
    let rest = match cut {
        Some(cut) => {
            let hours = values![project, first, end, q.from, q.bucket_ms, GIVEN_DIM];
            parts.extend(db.select(&sql::GIVEN, &hours, given_sums).await?);
            if let Some(quarters) = cut.quarters() {
                let args = values![project, &quarters, q.from, q.bucket_ms, GIVEN_QUARTER_DIM];
                parts.extend(db.select(&sql::QUARTER_GIVEN, &args, given_sums).await?);
            }
            if let Some(cut) = cut.cut_quarters() {
                let args = values![project, &cut, q.from, q.bucket_ms, QUARTER_MS];
                let cut_sql = &queries::CUT_SESSION_SCORES;
                parts.extend(db.select(cut_sql, &args, score_sums).await?);
            }
            let hours = values![project, first, end, q.from, q.bucket_ms];
            let claude = &queries::CLAUDE_SESSION_SCORES;
            parts.extend(db.select(claude, &hours, score_sums).await?);
            [(q.from, first), (end, q.to)]
        }
        None => [(q.from, q.to), (0, 0)],
    };
    for (from, to) in rest.into_iter().filter(|(from, to)| from < to) {
        let args = values![project, from, to, q.from, q.bucket_ms];
        let all = &queries::OVERVIEW_SCORES;
        parts.extend(db.select(all, &args, score_sums).await?);
    }
    Ok(merge(parts))
}

/// The scores of one bucket, agent and name in one part of the range.
struct Sums {
    start: i64,
    agent: Option<String>,
    name: String,
    count: i64,
    total: f64,
}

fn score_sums(r: &dyn Columns) -> Result<Sums, StoreError> {
    Ok(Sums {
        start: r.integer("bucket_start")?,
        agent: r.text("agent")?,
        name: r.string("name")?,
        count: r.integer("count")?,
        total: r.real("total")?.unwrap_or(0.0),
    })
}

fn given_sums(r: &dyn Columns) -> Result<Sums, StoreError> {
    let val = r.string("val")?;
    let (name, agent): (String, Option<String>) = serde_json::from_str(&val)
        .map_err(|e| StoreError::Corrupt(format!("rollup value {val:?}: {e}")))?;
    Ok(Sums {
        start: r.integer("bucket_start")?,
        agent,
        name,
        count: r.integer("count")?,
        total: r.integer("nanos")? as f64 / 1e9,
    })
}

/// Parts of the same bucket, agent and name summed, then averaged.
fn merge(parts: Vec<Sums>) -> Vec<ScoreAverage> {
    let mut by_key: BTreeMap<(i64, Option<String>, String), (i64, f64)> = BTreeMap::new();
    for p in parts {
        let sum = by_key.entry((p.start, p.agent, p.name)).or_default();
        *sum = (sum.0 + p.count, sum.1 + p.total);
    }
    by_key
        .into_iter()
        .filter(|(_, (count, _))| *count > 0)
        .map(|((start, agent, name), (count, total))| ScoreAverage {
            start: Timestamp(start),
            agent,
            name,
            average: total / count as f64,
            count,
        })
        .collect()
}
