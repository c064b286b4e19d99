//! The overview's session figures from the rollups: the whole hours of the range are read from
//! them, the partial hours at its edges from the sessions (an index range of at most an hour
//! each), and the rows merged. The series reads so the hours that fall in one bucket; the hours a
//! boundary between two buckets cuts (when the buckets do not start on whole hours: a day bucket
//! from a midnight in a time zone half an hour off UTC) are read from the quarter-hour rows, and
//! only the quarter hours a boundary cuts (buckets that start on no quarter hour) from the
//! sessions ([`Cut`]). Sums of cost are exact to the nano-USD per session. The tools' figures are
//! those of the calls made by the sessions of the range, read the same way.

use std::collections::BTreeMap;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::overview_model::{Bucket, Group, OverviewQuery, ToolStat, Totals};
use crate::store::queries;
use crate::store::rollup::contrib::{
    weeks_days_and_edges, whole, DAILY_DIM, HOUR_MS, QUARTER_DIM, QUARTER_MS, WEEKLY_DIM,
};
use crate::store::rollup::read_sql as sql;
use crate::store::row::{self, Columns};
use crate::store::value::values;

/// Agents and users each overview lists.
const TOP_GROUPS: usize = 10;

/// The session figures of an overview: totals, series, top agents, top users.
pub(crate) struct Figures {
    /// The range's totals.
    pub totals: Totals,
    /// Its series.
    pub series: Vec<Bucket>,
    /// Its top agents.
    pub by_agent: Vec<Group>,
    /// Its top users.
    pub by_user: Vec<Group>,
}

/// `q`'s figures, or `None` when its range holds no whole hour (the caller reads the sessions).
pub(crate) async fn figures<D: Db>(
    db: &D,
    project: &str,
    q: &OverviewQuery,
) -> Result<Option<Figures>, StoreError> {
    let (first, end) = whole(q.from, q.to, HOUR_MS);
    if first >= end {
        return Ok(None);
    }
    // The three parts: the hours from the rollups, the edges from the sessions.
    let hours = values![project, first, end];
    let edges = [values![project, q.from, first], values![project, end, q.to]];
    let mut sums = db.select(&sql::TOTALS, &hours, self::sums).await?;
    for edge in &edges {
        sums.extend(db.select(&sql::SESSION_TOTALS, edge, self::sums).await?);
    }
    let totals = merge_totals(&sums);
    let series = if let Some(cut) = Cut::of(q, first, end) {
        let bucketed = values![project, first, end, q.from, q.bucket_ms];
        let mut series = db.select(&sql::SERIES, &bucketed, row::bucket).await?;
        if let Some(quarters) = cut.quarters() {
            let args = values![project, &quarters, q.from, q.bucket_ms, QUARTER_DIM];
            series.extend(db.select(&sql::QUARTER_SERIES, &args, row::bucket).await?);
        }
        if let Some(cut) = cut.cut_quarters() {
            let args = values![project, &cut, q.from, q.bucket_ms, QUARTER_MS];
            series.extend(db.select(&sql::CUT_SERIES, &args, row::bucket).await?);
        }
        for (from, to) in [(q.from, first), (end, q.to)]
            .into_iter()
            .filter(|(f, t)| f < t)
        {
            let edge = values![project, from, to, q.from, q.bucket_ms];
            series.extend(db.select(&sql::SESSION_SERIES, &edge, row::bucket).await?);
        }
        merge_series(series)
    } else {
        db.select(
            &queries::OVERVIEW_SERIES,
            &values![project, q.from, q.to, q.bucket_ms],
            row::bucket,
        )
        .await?
    };
    let agents = [("agent", first, end)];
    let edges = [(q.from, first), (end, q.to)];
    let by_agent = groups(db, project, &agents, edges, &sql::SESSION_AGENTS).await?;
    // The users' weekly rows for the whole weeks, their daily rows for the other whole days.
    let ([d0, w0, w1, d1], edges) = weeks_days_and_edges(q.from, q.to);
    let users = [
        (DAILY_DIM, d0, w0),
        (WEEKLY_DIM, w0, w1),
        (DAILY_DIM, w1, d1),
    ];
    let by_user = groups(db, project, &users, edges, &sql::SESSION_USERS).await?;
    Ok(Some(Figures {
        totals,
        series,
        by_agent,
        by_user,
    }))
}

/// How the whole hours of a range [`first`, `end`) that a boundary between two of its buckets
/// cuts are read: the quarter hours no boundary cuts from their rollup rows, the others (when
/// the buckets do not start on a quarter hour) from the sessions and scores. The rollup rows of
/// the other hours each fall in one bucket.
#[derive(Debug, PartialEq)]
pub(crate) struct Cut {
    /// The starts of the quarter hours of the cut hours that fall in one bucket.
    quarters: Vec<i64>,
    /// The starts of those a boundary cuts.
    cut_quarters: Vec<i64>,
}

impl Cut {
    /// The cut hours of `q`'s whole hours [`first`, `end`) (none when the buckets start on whole
    /// hours), or `None` when the buckets are shorter than an hour (every hour is cut: the
    /// caller reads the sessions).
    pub fn of(q: &OverviewQuery, first: i64, end: i64) -> Option<Cut> {
        if q.bucket_ms < HOUR_MS {
            return None;
        }
        let boundaries = (1..)
            .map(|k| q.from + k * q.bucket_ms)
            .take_while(|b| *b < end)
            .filter(|b| *b > first);
        let (mut quarters, mut cut_quarters) = (Vec::new(), Vec::new());
        for b in boundaries.filter(|b| b.rem_euclid(HOUR_MS) != 0) {
            let hour = b - b.rem_euclid(HOUR_MS);
            for quarter in (0..4).map(|k| hour + k * QUARTER_MS) {
                if b > quarter && b < quarter + QUARTER_MS {
                    cut_quarters.push(quarter);
                } else {
                    quarters.push(quarter);
                }
            }
        }
        Some(Cut {
            quarters,
            cut_quarters,
        })
    }

    /// The quarter hours to read from the rollups, as a JSON array, if any.
    pub fn quarters(&self) -> Option<String> {
        json_array(&self.quarters)
    }

    /// The quarter hours to read from the sessions and scores, as a JSON array, if any.
    pub fn cut_quarters(&self) -> Option<String> {
        json_array(&self.cut_quarters)
    }
}

/// `starts` as a JSON array, when there are any.
fn json_array(starts: &[i64]) -> Option<String> {
    (!starts.is_empty()).then(|| serde_json::to_string(starts).expect("numbers serialize"))
}

/// The top groups of the rows of each `(dimension, from, to)` of `rows` and of the sessions of
/// each of `edges` (read with `edge_sql`); empty ranges are skipped.
async fn groups<D: Db>(
    db: &D,
    project: &str,
    rows: &[(&str, i64, i64)],
    edges: [(i64, i64); 2],
    edge_sql: &'static Sql,
) -> Result<Vec<Group>, StoreError> {
    let mut groups = Vec::new();
    for (dim, from, to) in rows.iter().filter(|(_, from, to)| from < to) {
        let args = values![project, *from, *to, *dim];
        groups.extend(db.select(&sql::GROUPS, &args, row::group).await?);
    }
    for (from, to) in edges.into_iter().filter(|(from, to)| from < to) {
        let args = values![project, from, to];
        groups.extend(db.select(edge_sql, &args, row::group).await?);
    }
    Ok(top_groups(groups))
}

/// Every tool's calls made by the sessions that started in `q`'s range: its whole hours from the
/// rollups, the rest from the sessions' calls.
pub(crate) async fn tools<D: Db>(
    db: &D,
    project: &str,
    q: &OverviewQuery,
) -> Result<Vec<ToolStat>, StoreError> {
    let (first, end) = whole(q.from, q.to, HOUR_MS);
    let mut parts = Vec::new();
    if first < end {
        let hours = values![project, first, end];
        parts.extend(db.select(&sql::TOOLS, &hours, tool_sums).await?);
        for (from, to) in [(q.from, first), (end, q.to)] {
            let edge = values![project, from, to];
            parts.extend(db.select(&sql::SESSION_TOOLS, &edge, tool_sums).await?);
        }
    } else {
        let range = values![project, q.from, q.to];
        parts.extend(db.select(&sql::SESSION_TOOLS, &range, tool_sums).await?);
    }
    let mut by_name: BTreeMap<String, ToolSums> = BTreeMap::new();
    for p in parts {
        let sum = by_name.entry(p.name.clone()).or_insert(ToolSums {
            name: p.name.clone(),
            calls: 0,
            failures: 0,
            durations: 0,
            duration_ms: 0,
            max_ms: None,
        });
        sum.calls += p.calls;
        sum.failures += p.failures;
        sum.durations += p.durations;
        sum.duration_ms = sum.duration_ms.saturating_add(p.duration_ms);
        sum.max_ms = sum.max_ms.max(p.max_ms);
    }
    Ok(by_name
        .into_values()
        .filter(|t| t.calls > 0)
        .map(|t| ToolStat {
            tool_name: t.name,
            calls: t.calls,
            failures: t.failures,
            avg_duration_ms: (t.durations > 0).then(|| t.duration_ms as f64 / t.durations as f64),
            max_duration_ms: t.max_ms,
        })
        .collect())
}

/// One tool's additive figures over a part of the range.
struct ToolSums {
    name: String,
    calls: i64,
    failures: i64,
    durations: i64,
    duration_ms: i64,
    max_ms: Option<i64>,
}

fn tool_sums(r: &dyn Columns) -> Result<ToolSums, StoreError> {
    Ok(ToolSums {
        name: r.string("tool_name")?,
        calls: r.integer("calls")?,
        failures: r.integer("failures")?,
        durations: r.integer("durations")?,
        duration_ms: r.integer("duration_ms")?,
        max_ms: r.int("max_ms")?,
    })
}

/// The additive figures of a part of the range.
struct Sums {
    totals: Totals,
    durations: i64,
    duration_ms: i64,
}

fn sums(r: &dyn Columns) -> Result<Sums, StoreError> {
    Ok(Sums {
        totals: Totals {
            sessions: r.integer("sessions")?,
            failed: r.integer("failed")?,
            running: r.integer("running")?,
            cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
            total_tokens: r.integer("total_tokens")?,
            avg_duration_ms: None,
        },
        durations: r.integer("durations")?,
        duration_ms: r.integer("duration_ms")?,
    })
}

fn merge_totals(parts: &[Sums]) -> Totals {
    let mut t = Totals::default();
    let (mut durations, mut duration_ms) = (0i64, 0i64);
    for p in parts {
        t.sessions += p.totals.sessions;
        t.failed += p.totals.failed;
        t.running += p.totals.running;
        t.cost_usd += p.totals.cost_usd;
        t.total_tokens = t.total_tokens.saturating_add(p.totals.total_tokens);
        durations += p.durations;
        duration_ms = duration_ms.saturating_add(p.duration_ms);
    }
    t.avg_duration_ms = (durations > 0).then(|| duration_ms as f64 / durations as f64);
    t
}

/// Buckets of the same start summed, oldest first.
fn merge_series(parts: Vec<Bucket>) -> Vec<Bucket> {
    let mut by_start: BTreeMap<i64, Bucket> = BTreeMap::new();
    for b in parts {
        match by_start.get_mut(&b.start.0) {
            Some(sum) => {
                sum.sessions += b.sessions;
                sum.failed += b.failed;
                sum.cost_usd += b.cost_usd;
                sum.total_tokens = sum.total_tokens.saturating_add(b.total_tokens);
            }
            None => {
                by_start.insert(b.start.0, b);
            }
        }
    }
    by_start.into_values().collect()
}

/// Groups of the same key summed; the top [`TOP_GROUPS`] by sessions, null first among equals,
/// then by key (byte order, as the stores order them).
fn top_groups(parts: Vec<Group>) -> Vec<Group> {
    let mut by_key: BTreeMap<Option<String>, Group> = BTreeMap::new();
    for g in parts {
        match by_key.get_mut(&g.key) {
            Some(sum) => {
                sum.sessions += g.sessions;
                sum.failed += g.failed;
                sum.cost_usd += g.cost_usd;
            }
            None => {
                by_key.insert(g.key.clone(), g);
            }
        }
    }
    let mut all: Vec<Group> = by_key.into_values().filter(|g| g.sessions > 0).collect();
    all.sort_by(|a, b| b.sessions.cmp(&a.sessions).then_with(|| a.key.cmp(&b.key)));
    all.truncate(TOP_GROUPS);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 24 * HOUR_MS;

    fn cut(from: i64, bucket_ms: i64, days: i64) -> Option<Cut> {
        let q = OverviewQuery {
            from,
            to: from + days * DAY,
            bucket_ms,
        };
        let (first, end) = whole(q.from, q.to, HOUR_MS);
        Cut::of(&q, first, end)
    }

    #[test]
    fn buckets_on_whole_hours_cut_no_hour() {
        assert_eq!(
            cut(5 * HOUR_MS, DAY, 3),
            Some(Cut {
                quarters: vec![],
                cut_quarters: vec![]
            })
        );
        assert_eq!(cut(5 * HOUR_MS, HOUR_MS, 1).unwrap().quarters(), None);
    }

    #[test]
    fn buckets_shorter_than_an_hour_cut_every_hour() {
        assert_eq!(cut(0, 15 * MIN, 1), None);
    }

    #[test]
    fn buckets_on_a_quarter_hour_read_the_cut_hours_quarters() {
        // Days from 18:30: each boundary cuts the hour from 18:00, whose four quarters are read.
        let from = 18 * HOUR_MS + 30 * MIN;
        let c = cut(from, DAY, 3).unwrap();
        let hours = [1, 2].map(|d| d * DAY + 18 * HOUR_MS);
        let quarters: Vec<i64> = hours
            .iter()
            .flat_map(|h| (0..4).map(move |k| h + k * QUARTER_MS))
            .collect();
        assert_eq!(
            c,
            Cut {
                quarters,
                cut_quarters: vec![]
            }
        );
        assert_eq!(c.cut_quarters(), None);
        assert_eq!(
            c.quarters().unwrap(),
            serde_json::to_string(&c.quarters).unwrap()
        );
    }

    #[test]
    fn buckets_on_no_quarter_hour_read_the_cut_quarters_from_the_sessions() {
        // Hours from 00:37: each boundary cuts the quarter from :30 of its hour.
        let c = cut(37 * MIN, HOUR_MS, 1).unwrap();
        // The whole hours are [01:00, 00:00 the next day); the boundaries in them, 01:37 to 23:37.
        assert_eq!(c.cut_quarters.len(), 23);
        assert_eq!(c.quarters.len(), 3 * 23);
        assert_eq!(c.cut_quarters[0], HOUR_MS + 30 * MIN);
        assert_eq!(
            &c.quarters[..3],
            &[HOUR_MS, HOUR_MS + 15 * MIN, HOUR_MS + 45 * MIN]
        );
    }
}
