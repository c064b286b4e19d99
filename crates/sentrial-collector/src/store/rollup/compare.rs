//! A comparison's figures from the rollups (`store/compare.rs`): the sums of the range's whole
//! hours from `rollups` and of the rest (at most an hour at either edge) from the sessions; the
//! durations of its whole UTC days from `rollup_durations` (sessions per duration bucket) and of
//! the rest (at most a day at either edge) from the sessions, merged. The
//! percentiles are read from the buckets: the middle of the bucket holding the nearest rank,
//! within 3.1% of the duration of that rank (`contrib::duration_bucket`). The average score is
//! read like the sums: from the value's rows (every numeric score) or those of the score named
//! (`contrib::score_dim`), and the edges' sessions.

use std::collections::BTreeMap;

use crate::store::compare::{nearest_rank, scored, stats, CompareRow, Dimension, Sums};
use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::rollup::contrib::{
    bucket_middle, duration_bucket, score_dim, whole, DAY_MS, HOUR_MS,
};
use crate::store::rollup::maintain::metadata_keys;
use crate::store::value::values;

/// The sums of value `?5` of dimension `?4` in project `?1`'s hours in [`?2`, `?3`).
static SUMS: Sql = Sql::new(
    "SELECT {capped_sum:sessions} AS sessions, {capped_sum:failed} AS failed,
        CAST({capped_sum:cost_nanos} AS DOUBLE PRECISION) / 1000000000.0 AS cost_usd,
        {capped_sum:durations} AS timed, {capped_sum:turns} AS turns,
        {capped_sum:turned} AS turned, {capped_sum:tool_calls} AS calls
     FROM rollups WHERE project_id = ?1 AND dim = ?4 AND hour >= ?2 AND hour < ?3
       AND val = ?5 AND known",
);

/// The scored sessions of value `?5` of dimension `?4` in project `?1`'s hours in [`?2`, `?3`)
/// and the sum of their average scores.
static SCORE_SUMS: Sql = Sql::new(
    "SELECT {capped_sum:scored} AS scored,
        CAST({capped_sum:score_nanos} AS DOUBLE PRECISION) / 1000000000.0 AS score_sum
     FROM rollups WHERE project_id = ?1 AND dim = ?4 AND hour >= ?2 AND hour < ?3
       AND val = ?5 AND known",
);

/// The sessions per duration bucket of value `?5` of dimension `?4` in project `?1`'s days in
/// [`?2`, `?3`).
static BUCKETS: Sql = Sql::new(
    "SELECT bucket, {capped_sum:sessions} AS sessions FROM rollup_durations
     WHERE project_id = ?1 AND dim = ?4 AND val = ?5 AND day >= ?2 AND day < ?3
     GROUP BY bucket",
);

/// `values` of `dim` side by side over [`from`, `to`), when the rollups sum `dim` and the range
/// holds a whole UTC day; `None` otherwise (the caller reads the sessions).
pub(crate) async fn compare<D: Db>(
    db: &D,
    project: &str,
    dim: &Dimension,
    values: &[String],
    score: &str,
    from: i64,
    to: i64,
) -> Result<Option<Vec<CompareRow>>, StoreError> {
    let (first_day, end_day) = whole(from, to, DAY_MS);
    if first_day >= end_day {
        return Ok(None);
    }
    let (first, end) = whole(from, to, HOUR_MS);
    let rolled = match dim {
        Dimension::Agent => "agent".to_string(),
        Dimension::Model => "model".to_string(),
        Dimension::Metadata(key) => {
            if !metadata_keys(db).await?.contains(key) {
                return Ok(None);
            }
            format!("metadata.{key}")
        }
    };
    let scores_dim = if score.is_empty() {
        rolled.clone()
    } else {
        score_dim(&rolled, score)
    };
    let (sql, key) = dim.statements();
    let mut rows = Vec::with_capacity(values.len());
    for value in values {
        let hours = values![project, first, end, rolled.as_str(), value.as_str()];
        let mut sums = db
            .select(&SUMS, &hours, |r| {
                Ok(Sums {
                    sessions: r.integer("sessions")?,
                    failed: r.integer("failed")?,
                    cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
                    timed: r.integer("timed")?,
                    turns: r.integer("turns")?,
                    turned: r.integer("turned")?,
                    calls: r.integer("calls")?,
                    ..Sums::default()
                })
            })
            .await?
            .pop()
            .unwrap_or_default();
        let scored_hours = values![project, first, end, scores_dim.as_str(), value.as_str()];
        sums.add(&scored(db, &SCORE_SUMS, &scored_hours).await?);
        let days = values![project, first_day, end_day, rolled.as_str(), value.as_str()];
        let mut buckets: BTreeMap<i64, i64> = BTreeMap::new();
        for (bucket, n) in db
            .select(&BUCKETS, &days, |r| {
                Ok((r.integer("bucket")?, r.integer("sessions")?))
            })
            .await?
        {
            *buckets.entry(bucket).or_default() += n;
        }
        for (a, b) in [(from, first), (end, to)] {
            let edge = values![project, a, b, value.as_str(), key];
            if let Some(part) = db.select(sql.stats, &edge, stats).await?.pop() {
                sums.add(&part);
            }
            sums.calls += db
                .select(sql.calls, &edge, |r| r.integer("calls"))
                .await?
                .pop()
                .unwrap_or(0);
            let edge = values![project, a, b, value.as_str(), key, score];
            sums.add(&scored(db, sql.scores, &edge).await?);
        }
        for (a, b) in [(from, first_day), (end_day, to)] {
            let edge = values![project, a, b, value.as_str(), key];
            for ms in db.select(sql.durations, &edge, |r| r.integer("v")).await? {
                *buckets.entry(duration_bucket(ms)).or_default() += 1;
            }
        }
        let timed: i64 = buckets.values().sum();
        let at = [50, 95].map(|p| percentile(&buckets, timed, p));
        rows.push(CompareRow::of(value.clone(), &sums, at));
    }
    Ok(Some(rows))
}

/// Percentile `p` (nearest rank) of `n` durations counted per bucket in `buckets`, as the middle
/// of the bucket holding it.
pub(crate) fn percentile(buckets: &BTreeMap<i64, i64>, n: i64, p: i64) -> Option<i64> {
    if n == 0 {
        return None;
    }
    let rank = nearest_rank(n, p);
    let mut below = 0;
    for (bucket, count) in buckets {
        below += count;
        if below > rank {
            return Some(bucket_middle(*bucket));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&SUMS, &BUCKETS]);
    }

    #[test]
    fn a_percentile_is_the_middle_of_the_bucket_of_its_rank() {
        let buckets: BTreeMap<i64, i64> = [(3, 2), (duration_bucket(200), 1), (40, 1)]
            .into_iter()
            .collect();
        assert_eq!(percentile(&buckets, 4, 50), Some(3));
        assert_eq!(
            percentile(&buckets, 4, 95),
            Some(bucket_middle(duration_bucket(200)))
        );
        assert_eq!(percentile(&buckets, 4, 75), Some(bucket_middle(40)));
        assert_eq!(percentile(&BTreeMap::new(), 0, 50), None);
    }
}
