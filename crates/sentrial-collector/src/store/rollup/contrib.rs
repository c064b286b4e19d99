//! A session's contribution to the rollups: a pure function of its stored row, so that whatever
//! order or how often its events arrived, the same row gives the same contribution (see
//! `apply.rs` for why the row is order-independent).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::error::StoreError;
use crate::store::row::Columns;

/// One hour, ms.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// A quarter of an hour, ms: every time zone in use is a whole number of them off UTC, so the
/// buckets of a local day or hour start on one.
pub(crate) const QUARTER_MS: i64 = HOUR_MS / 4;

/// One day, ms.
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// One week, ms (weeks are counted from the epoch: each starts on a Thursday, 00:00 UTC).
pub(crate) const WEEK_MS: i64 = 7 * DAY_MS;

/// The dimension summed per UTC day rather than per hour: end users are many, and most have
/// a session or two in an hour, so their hourly rows would be nearly as many as the sessions.
pub(crate) const DAILY_DIM: &str = "user_id";

/// The end users again, summed per week ([`WEEK_MS`]): a long range reads its whole weeks from
/// these rows, a seventh as many as the daily ones for a user active every day. A contribution
/// counts under it wherever it counts under [`DAILY_DIM`], with the same value.
pub(crate) const WEEKLY_DIM: &str = "user_id/week";

/// The dimension that sums, per value of dimension `dim`, the sessions with a numeric score
/// named `name` (a row's `sessions` and `scored`) and their averages of it (`score_nanos`):
/// `agent@helpful`, `user_id@helpful`. The users list and Compare read them for one score's
/// average. No dimension's own name holds an `@` (metadata keys are letters, digits, `_`, `-`
/// and `.`), so the first one ends it.
pub(crate) fn score_dim(dim: &str, name: &str) -> String {
    format!("{dim}@{name}")
}

/// The dimension of the scores by the time they were given: a session's own numeric scores are
/// summed in the row of the UTC hour each was given in (`hour`) and of their name and the
/// session's agent (`val`: the JSON array `[name, agent]`, `agent` null when the session has
/// none). In these rows `sessions` and `scored` count scores, not sessions, and `score_nanos`
/// sums them in billionths, each rounded to the nearest. The overview's score series reads them.
pub(crate) const GIVEN_DIM: &str = "given";

/// The whole project again, summed per quarter hour ([`QUARTER_MS`]; value `""`): the
/// overview's series reads these rows for the hours a bucket boundary cuts, when the buckets
/// start on a quarter hour (a day from a local midnight at UTC+5:30, say) but not on an hour.
pub(crate) const QUARTER_DIM: &str = "quarter";

/// [`GIVEN_DIM`] again, summed per quarter hour, for the overview's score series as
/// [`QUARTER_DIM`] for its sessions.
pub(crate) const GIVEN_QUARTER_DIM: &str = "given/quarter";

/// A [`GIVEN_DIM`] row's value: the score name and the agent.
pub(crate) fn given_val(name: &str, agent: Option<&str>) -> String {
    serde_json::to_string(&(name, agent)).expect("strings serialize")
}

/// The whole periods of `period` ms (UTC hours or days) in [`from`, `to`): the first one's start
/// and the end of the last (`first >= end`: none).
pub(crate) fn whole(from: i64, to: i64, period: i64) -> (i64, i64) {
    (
        from + (period - from.rem_euclid(period)) % period,
        to - to.rem_euclid(period),
    )
}

/// A range [`from`, `to`) as the users' rollups read it: `[d0, w0)` and `[w1, d1)` (`[d0, w0, w1,
/// d1]`) are whole UTC days read from the daily rows, `[w0, w1)` whole weeks read from the weekly
/// rows ([`WEEKLY_DIM`]), and the two edges are read from the sessions (as [`days_and_edges`]).
pub(crate) fn weeks_days_and_edges(from: i64, to: i64) -> ([i64; 4], [(i64, i64); 2]) {
    let ((d0, d1), edges) = days_and_edges(from, to);
    let (w0, w1) = whole(d0, d1, WEEK_MS);
    if w0 < w1 {
        ([d0, w0, w1, d1], edges)
    } else {
        ([d0, d1, d1, d1], edges)
    }
}

/// A range [`from`, `to`) as the daily rollups read it: its whole UTC days (`(0, 0)`: none) and
/// the two edges read from the sessions (without a whole day, the range and an empty edge).
pub(crate) fn days_and_edges(from: i64, to: i64) -> ((i64, i64), [(i64, i64); 2]) {
    let (first_day, end_day) = whole(from, to, DAY_MS);
    if first_day < end_day {
        ((first_day, end_day), [(from, first_day), (end_day, to)])
    } else {
        ((0, 0), [(from, to), (0, 0)])
    }
}

/// How long one rollup row of dimension `dim` lasts, ms: a day for [`DAILY_DIM`] and its scores
/// ([`score_dim`]), a week for [`WEEKLY_DIM`] and its scores, a quarter hour for
/// [`QUARTER_DIM`] and [`GIVEN_QUARTER_DIM`], else an hour.
pub(crate) fn period_ms(dim: &str) -> i64 {
    match dim.split_once('@').map_or(dim, |(base, _)| base) {
        DAILY_DIM => DAY_MS,
        WEEKLY_DIM => WEEK_MS,
        QUARTER_DIM | GIVEN_QUARTER_DIM => QUARTER_MS,
        _ => HOUR_MS,
    }
}

/// The most one session adds to a count, a token or a duration sum (2^40, about 1.1e12): a
/// session reporting absurd figures is counted at this, so that a rollup's sums never overflow.
pub(crate) const CAP: i64 = 1 << 40;

/// The most one session adds to a cost, in nano-USD (2^50, about 1.1 million USD).
pub(crate) const COST_CAP: i64 = 1 << 50;

/// The figures of a set of sessions, as the rollups sum them. Every one is additive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counts {
    /// Sessions.
    pub sessions: i64,
    /// Sessions that failed.
    pub failed: i64,
    /// Sessions still running.
    pub running: i64,
    /// Their cost, nano-USD (each session's rounded to the nearest).
    pub cost_nanos: i64,
    /// Sessions with a cost.
    pub priced: i64,
    /// Their tokens.
    pub tokens: i64,
    /// Sessions with a duration.
    pub durations: i64,
    /// The sum of those durations, ms.
    pub duration_ms: i64,
    /// Their turns.
    pub turns: i64,
    /// Their tool calls.
    pub tool_calls: i64,
    /// Their tool calls with status `error`.
    pub tool_errors: i64,
    /// Sessions with a number of turns.
    #[serde(default)]
    pub turned: i64,
    /// Sessions with a numeric score of their own.
    #[serde(default)]
    pub scored: i64,
    /// The sum of those sessions' average scores, in billionths.
    #[serde(default)]
    pub score_nanos: i64,
}

impl Counts {
    /// `self` plus `sign` times `other`.
    pub fn add(&mut self, other: &Counts, sign: i64) {
        self.sessions += sign * other.sessions;
        self.failed += sign * other.failed;
        self.running += sign * other.running;
        self.cost_nanos += sign * other.cost_nanos;
        self.priced += sign * other.priced;
        self.tokens += sign * other.tokens;
        self.durations += sign * other.durations;
        self.duration_ms += sign * other.duration_ms;
        self.turns += sign * other.turns;
        self.tool_calls += sign * other.tool_calls;
        self.tool_errors += sign * other.tool_errors;
        self.turned += sign * other.turned;
        self.scored += sign * other.scored;
        self.score_nanos += sign * other.score_nanos;
    }

    /// Whether every figure is zero.
    pub fn is_zero(&self) -> bool {
        *self == Counts::default()
    }
}

/// Where a contribution is summed: a dimension (`""` for all sessions) and its value (`None`:
/// null).
pub(crate) type Dim = (String, Option<String>);

/// Some calls of one tool (one session's in a contribution; one page row's when read), as
/// `tool_rollups` and `tool_durations` sum them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ToolCounts {
    /// The MCP server of the tool (`""`: none).
    #[serde(default)]
    pub server: String,
    /// Calls.
    pub calls: i64,
    /// Calls with status `error`.
    pub failures: i64,
    /// Calls the permission system refused (status `denied`).
    #[serde(default)]
    pub denials: i64,
    /// Calls with a duration.
    pub durations: i64,
    /// The sum of those durations, ms.
    pub duration_ms: i64,
    /// The longest of them, ms (not additive: see `maintain.rs`).
    pub max_ms: Option<i64>,
    /// Calls per duration bucket ([`duration_bucket`]).
    #[serde(default)]
    pub buckets: BTreeMap<i64, i64>,
}

impl ToolCounts {
    /// Counts one call with `status` and `duration_ms`.
    pub fn count(&mut self, status: &str, duration_ms: Option<i64>) {
        self.calls = (self.calls + 1).min(CAP);
        self.failures += i64::from(status == "error");
        self.denials += i64::from(status == "denied");
        if let Some(ms) = duration_ms {
            let ms = ms.clamp(0, CAP);
            self.durations += 1;
            self.duration_ms = (self.duration_ms + ms).min(CAP);
            self.max_ms = self.max_ms.max(Some(ms));
            *self.buckets.entry(duration_bucket(ms)).or_default() += 1;
        }
    }

    /// `self` plus `sign` times `other`, but for `max_ms` and `server`.
    pub fn add(&mut self, other: &ToolCounts, sign: i64) {
        self.calls += sign * other.calls;
        self.failures += sign * other.failures;
        self.denials += sign * other.denials;
        self.durations += sign * other.durations;
        self.duration_ms += sign * other.duration_ms;
        for (bucket, n) in &other.buckets {
            let count = self.buckets.entry(*bucket).or_default();
            *count += sign * n;
            if *count == 0 {
                self.buckets.remove(bucket);
            }
        }
    }

    /// Whether no figure but the longest call would change a row.
    pub fn is_zero(&self) -> bool {
        self.calls == 0
            && self.failures == 0
            && self.denials == 0
            && self.durations == 0
            && self.duration_ms == 0
            && self.buckets.is_empty()
    }
}

/// A row of `sql::TOOL_FACTS`: one call, as its session's id, its tool's name and MCP server,
/// its status and its duration.
pub(crate) type CallFacts = (String, String, String, String, Option<i64>);

/// Reads a row of `sql::TOOL_FACTS`.
pub(crate) fn tool_facts(r: &dyn Columns) -> Result<CallFacts, StoreError> {
    Ok((
        r.string("session_id")?,
        r.string("tool_name")?,
        r.text("mcp_server")?.unwrap_or_default(),
        r.string("status")?,
        r.int("duration_ms")?,
    ))
}

/// What one session adds to the rollups: its counts, to the rows of its hour, one per dimension,
/// and its tool calls, to the rows of its hour, one per tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Contribution {
    /// The start of the UTC hour of the session's sort time, ms.
    pub hour: i64,
    /// The dimensions and values it is summed under, the whole project (`""`) first.
    pub dims: Vec<Dim>,
    /// Its counts.
    pub counts: Counts,
    /// Its calls per tool, by name.
    #[serde(default)]
    pub tools: BTreeMap<String, ToolCounts>,
    /// Its sort time, ms (the users' rows keep their first and last).
    #[serde(default)]
    pub ts: i64,
    /// Its average of each score name (numeric scores only), in billionths: summed per
    /// dimension (but the whole project's) under [`score_dim`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, i64>,
    /// Its own numeric scores by the start of the quarter hour they were given in and name: how
    /// many, and their sum in billionths (summed under [`GIVEN_QUARTER_DIM`], and per hour
    /// under [`GIVEN_DIM`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub given: BTreeMap<i64, BTreeMap<String, (i64, i64)>>,
}

/// How a change of contribution changes one `tool_rollups` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ToolChange {
    /// What to add to the additive columns (`max_ms` unused).
    pub delta: ToolCounts,
    /// The new contribution's longest call there, to keep if longer than the row's.
    pub max_ms: Option<i64>,
    /// Whether the old contribution's longest call there is longer than the new one's: the
    /// row's longest, if it was that call, must be found again among the hour's calls.
    pub loses_max: bool,
    /// The old contribution's longest call there.
    old_max: Option<i64>,
}

/// A `rollup_durations` row's key: the start of its UTC day, dimension, value and bucket.
pub(crate) type DurationKey = (i64, String, String, i64);

/// A `tool_rollups` row's key: the start of its UTC hour, the tool and its MCP server.
pub(crate) type ToolKey = (i64, String, String);

/// A `tool_durations` row's key: the start of its UTC day, the tool, its MCP server, the bucket.
pub(crate) type ToolDurationKey = (i64, String, String, i64);

/// Whether sessions' durations are counted per bucket under dimension `dim`: the ones a
/// comparison is made by (agent, model, metadata keys), not the whole project nor the users.
pub(crate) fn has_histogram(dim: &str) -> bool {
    !dim.is_empty() && dim != DAILY_DIM && dim != WEEKLY_DIM
}

/// Buckets per power of two (above [`SUB_BUCKETS`] ms, below which each ms is its own bucket).
const SUB_BUCKETS: i64 = 16;

/// The bucket of a duration of `ms` (a negative one counts as 0): log-linear, so a bucket spans at most 1/16 of
/// the durations in it, and its middle ([`bucket_middle`]) is within 1/32 (3.1%) of each.
pub(crate) fn duration_bucket(ms: i64) -> i64 {
    let ms = ms.max(0);
    if ms < SUB_BUCKETS {
        return ms;
    }
    let shift = i64::from(63 - ms.leading_zeros()) - 4;
    SUB_BUCKETS + shift * SUB_BUCKETS + ((ms >> shift) - SUB_BUCKETS)
}

/// The duration a percentile falling in `bucket` is given as: the middle of its durations,
/// rounded down (exact below [`SUB_BUCKETS`] ms).
pub(crate) fn bucket_middle(bucket: i64) -> i64 {
    if bucket < SUB_BUCKETS {
        return bucket;
    }
    let shift = (bucket - SUB_BUCKETS) / SUB_BUCKETS;
    let low = (SUB_BUCKETS + (bucket - SUB_BUCKETS) % SUB_BUCKETS) << shift;
    low + ((1i64 << shift) - 1) / 2
}

/// A rollup row's key: the start of its hour (of its day for [`DAILY_DIM`]), dimension and value.
pub(crate) type RowKey = (i64, String, Option<String>);

/// What a contribution is made of: the session row's columns that `sql::FACTS` reads.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    sort_ts: i64,
    status: String,
    agent: Option<String>,
    user_id: Option<String>,
    model: Option<String>,
    metadata: Option<String>,
    cost_usd: Option<f64>,
    total_tokens: Option<i64>,
    duration_ms: Option<i64>,
    num_turns: Option<i64>,
    tools: BTreeMap<String, ToolCounts>,
    given: Vec<GivenScore>,
}

/// A numeric score of a session's own, as `sql::SCORES_GIVEN` reads it: when it was given, ms,
/// its name and its number.
pub(crate) type GivenScore = (i64, String, f64);

/// A row of `sql::FACTS`: a session's id and its facts.
pub(crate) fn facts(r: &dyn Columns) -> Result<(String, Facts), StoreError> {
    let facts = Facts {
        sort_ts: r.integer("sort_ts")?,
        status: r.string("status")?,
        agent: r.text("agent")?,
        user_id: r.text("user_id")?,
        model: r.text("model")?,
        metadata: r.text("metadata")?,
        cost_usd: r.real("cost_usd")?,
        total_tokens: r.int("total_tokens")?,
        duration_ms: r.int("duration_ms")?,
        num_turns: r.int("num_turns")?,
        tools: BTreeMap::new(),
        given: Vec::new(),
    };
    Ok((r.string("id")?, facts))
}

impl Facts {
    /// These facts with the session's calls per tool (from rows of `sql::TOOL_FACTS`).
    pub fn with_tools(mut self, tools: BTreeMap<String, ToolCounts>) -> Facts {
        self.tools = tools;
        self
    }

    /// These facts with the session's own numeric scores (from rows of `sql::SCORES_GIVEN`).
    pub fn with_given(mut self, given: Vec<GivenScore>) -> Facts {
        self.given = given;
        self
    }
}

/// A row of `sql::SCORES_GIVEN`: a session's id and one of its own numeric scores.
pub(crate) fn given_facts(r: &dyn Columns) -> Result<(String, GivenScore), StoreError> {
    Ok((
        r.string("session_id")?,
        (
            r.integer("at")?,
            r.string("name")?,
            r.real("num")?.unwrap_or(0.0),
        ),
    ))
}

impl Contribution {
    /// The contribution of the session whose row holds `f`, with the values of the metadata keys
    /// `keys` as dimensions.
    pub fn of(mut f: Facts, keys: &[String]) -> Contribution {
        // The session's own numeric scores, in one order whatever order they were read in (a
        // sum of floats depends on it): their average, each name's, and their sums per quarter
        // hour given and name.
        f.given
            .sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)).then(a.2.total_cmp(&b.2)));
        let mut all = (0i64, 0.0f64);
        let mut by_name: BTreeMap<&str, (i64, f64)> = BTreeMap::new();
        let mut given: BTreeMap<i64, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
        for (at, name, num) in &f.given {
            all = (all.0 + 1, all.1 + num);
            let of_name = by_name.entry(name).or_default();
            *of_name = (of_name.0 + 1, of_name.1 + num);
            let sum = given
                .entry(at - at.rem_euclid(QUARTER_MS))
                .or_default()
                .entry(name.clone())
                .or_default();
            *sum = (sum.0 + 1, sum.1.saturating_add(nanos(*num)));
        }
        let average = |(n, sum): (i64, f64)| sum / n as f64;
        let score = (all.0 > 0).then(|| average(all));
        let scores = by_name
            .into_iter()
            .map(|(name, sums)| (name.to_string(), nanos(average(sums))))
            .collect();
        let counts = Counts {
            sessions: 1,
            failed: i64::from(f.status == "failed"),
            running: i64::from(f.status == "running"),
            cost_nanos: f.cost_usd.map_or(0, nanos),
            priced: i64::from(f.cost_usd.is_some()),
            tokens: capped(f.total_tokens),
            durations: i64::from(f.duration_ms.is_some()),
            duration_ms: capped(f.duration_ms),
            turns: capped(f.num_turns),
            tool_calls: f.tools.values().map(|t| t.calls).sum::<i64>().min(CAP),
            tool_errors: f.tools.values().map(|t| t.failures).sum::<i64>().min(CAP),
            turned: i64::from(f.num_turns.is_some()),
            scored: i64::from(score.is_some()),
            score_nanos: score.map_or(0, nanos),
        };
        let metadata: serde_json::Map<String, serde_json::Value> = f
            .metadata
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        let mut dims = vec![
            (String::new(), Some(String::new())),
            ("agent".to_string(), f.agent),
            ("user_id".to_string(), f.user_id),
            ("model".to_string(), f.model),
        ];
        for key in keys {
            dims.push((
                format!("metadata.{key}"),
                metadata.get(key).and_then(text_of),
            ));
        }
        Contribution {
            hour: f.sort_ts - f.sort_ts.rem_euclid(HOUR_MS),
            dims,
            counts,
            tools: f.tools,
            ts: f.sort_ts,
            scores,
            given,
        }
    }

    /// The dimensions and values it counts under: its own, and [`WEEKLY_DIM`] with the value it
    /// has under [`DAILY_DIM`].
    fn row_dims(&self) -> impl Iterator<Item = (&str, &Option<String>)> {
        self.dims.iter().flat_map(|(dim, val)| {
            let weekly = (dim == DAILY_DIM).then_some((WEEKLY_DIM, val));
            std::iter::once((dim.as_str(), val)).chain(weekly)
        })
    }

    /// The start of its row of dimension `dim` (of its quarter hour, hour, day or week:
    /// [`period_ms`]).
    fn start(&self, dim: &str) -> i64 {
        self.ts - self.ts.rem_euclid(period_ms(dim))
    }

    /// The users' rows this contribution counts in (their keys: the day's and the week's), when
    /// the session has a user.
    fn user_rows(&self) -> Vec<RowKey> {
        self.row_dims()
            .filter(|(dim, val)| period_ms(dim) != HOUR_MS && val.is_some())
            .map(|(dim, val)| (self.start(dim), dim.to_string(), val.clone()))
            .collect()
    }

    /// How a change of contribution changes the first and last sort times of the users' rows
    /// (daily and weekly): the rows the new one counts in and its time, to keep if earlier or
    /// later than a row's; and the rows the old one counted in, where its time may have been the
    /// row's first or last and is no longer there (to be found again from the sessions).
    pub fn bounds_difference(
        old: Option<&Contribution>,
        new: Option<&Contribution>,
    ) -> (Vec<(RowKey, i64)>, Vec<RowKey>) {
        let rows = |c: Option<&Contribution>| -> Vec<(RowKey, i64)> {
            c.map(|c| c.user_rows().into_iter().map(|r| (r, c.ts)).collect())
                .unwrap_or_default()
        };
        let kept = rows(new);
        let lost = rows(old)
            .into_iter()
            .filter(|was| !kept.contains(was))
            .map(|(row, _)| row)
            .collect();
        (kept, lost)
    }

    /// The changes to the `tool_rollups` rows that take `old` to `new` (as [`difference`]),
    /// by hour and tool.
    ///
    /// [`difference`]: Contribution::difference
    pub fn tool_difference(
        old: Option<&Contribution>,
        new: Option<&Contribution>,
    ) -> BTreeMap<ToolKey, ToolChange> {
        let mut out: BTreeMap<ToolKey, ToolChange> = BTreeMap::new();
        if let Some(c) = new {
            for (tool, t) in &c.tools {
                let change = out
                    .entry((c.hour, tool.clone(), t.server.clone()))
                    .or_default();
                change.delta.add(t, 1);
                change.max_ms = t.max_ms;
            }
        }
        if let Some(c) = old {
            for (tool, t) in &c.tools {
                let change = out
                    .entry((c.hour, tool.clone(), t.server.clone()))
                    .or_default();
                change.delta.add(t, -1);
                change.old_max = t.max_ms;
                change.loses_max = t.max_ms.is_some() && change.max_ms < t.max_ms;
            }
        }
        out.retain(|_, c| !c.delta.is_zero() || c.max_ms != c.old_max);
        out
    }

    /// The changes to the `tool_durations` rows (as [`difference`]): a session's calls of a
    /// tool count in their buckets on the UTC day of the session's hour.
    ///
    /// [`difference`]: Contribution::difference
    pub fn tool_duration_difference(
        old: Option<&Contribution>,
        new: Option<&Contribution>,
    ) -> BTreeMap<ToolDurationKey, i64> {
        let mut out: BTreeMap<ToolDurationKey, i64> = BTreeMap::new();
        for (c, sign) in [(old, -1), (new, 1)] {
            let Some(c) = c else { continue };
            let day = c.hour - c.hour.rem_euclid(DAY_MS);
            for (tool, t) in &c.tools {
                for (bucket, n) in &t.buckets {
                    *out.entry((day, tool.clone(), t.server.clone(), *bucket))
                        .or_default() += sign * n;
                }
            }
        }
        out.retain(|_, n| *n != 0);
        out
    }

    /// The changes to the `rollup_durations` rows (as [`difference`]), by day, dimension, value
    /// and bucket: a session with a duration counts once in its bucket under each dimension that
    /// has histograms ([`has_histogram`]) and a value.
    ///
    /// [`difference`]: Contribution::difference
    pub fn duration_difference(
        old: Option<&Contribution>,
        new: Option<&Contribution>,
    ) -> BTreeMap<DurationKey, i64> {
        let mut out: BTreeMap<DurationKey, i64> = BTreeMap::new();
        for (c, sign) in [(old, -1), (new, 1)] {
            let Some(c) = c else { continue };
            if c.counts.durations == 0 {
                continue;
            }
            let ms = c.counts.duration_ms;
            let day = c.hour - c.hour.rem_euclid(DAY_MS);
            for (dim, val) in &c.dims {
                if let (true, Some(val)) = (has_histogram(dim), val) {
                    *out.entry((day, dim.clone(), val.clone(), duration_bucket(ms)))
                        .or_default() += sign;
                }
            }
        }
        out.retain(|_, n| *n != 0);
        out
    }

    /// The changes to the rollup rows that take `old` (none: not counted yet) to `new` (none:
    /// not counted any more), without the rows that do not change.
    pub fn difference(
        old: Option<&Contribution>,
        new: Option<&Contribution>,
    ) -> BTreeMap<RowKey, Counts> {
        let mut out: BTreeMap<RowKey, Counts> = BTreeMap::new();
        for (c, sign) in [(old, -1), (new, 1)] {
            let Some(c) = c else { continue };
            for (dim, val) in c.row_dims() {
                let start = c.start(dim);
                out.entry((start, dim.to_string(), val.clone()))
                    .or_default()
                    .add(&c.counts, sign);
                if dim.is_empty() {
                    continue;
                }
                for (name, score_nanos) in &c.scores {
                    let scored = Counts {
                        sessions: 1,
                        scored: 1,
                        score_nanos: *score_nanos,
                        ..Counts::default()
                    };
                    out.entry((start, score_dim(dim, name), val.clone()))
                        .or_default()
                        .add(&scored, sign);
                }
            }
            out.entry((
                c.start(QUARTER_DIM),
                QUARTER_DIM.to_string(),
                Some(String::new()),
            ))
            .or_default()
            .add(&c.counts, sign);
            let agent = c.dims.iter().find(|(d, _)| d == "agent");
            let agent = agent.and_then(|(_, v)| v.as_deref());
            for (quarter, names) in &c.given {
                let hour = quarter - quarter.rem_euclid(HOUR_MS);
                for (name, (n, sum)) in names {
                    let given = Counts {
                        sessions: *n,
                        scored: *n,
                        score_nanos: *sum,
                        ..Counts::default()
                    };
                    let val = Some(given_val(name, agent));
                    for key in [(hour, GIVEN_DIM), (*quarter, GIVEN_QUARTER_DIM)] {
                        out.entry((key.0, key.1.to_string(), val.clone()))
                            .or_default()
                            .add(&given, sign);
                    }
                }
            }
        }
        out.retain(|_, d| !d.is_zero());
        out
    }
}

/// A metadata value as a dimension's value: text as it is, other JSON as its JSON text; `null`
/// is no value.
fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `v` in billionths, rounded to the nearest, within [`COST_CAP`] either way.
fn nanos(v: f64) -> i64 {
    (v * 1e9).round().clamp(-COST_CAP as f64, COST_CAP as f64) as i64
}

fn capped(v: Option<i64>) -> i64 {
    v.unwrap_or(0).clamp(-CAP, CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contribution(hour: i64, agent: &str, failed: i64) -> Contribution {
        Contribution {
            hour,
            dims: vec![
                (String::new(), Some(String::new())),
                ("agent".into(), Some(agent.into())),
            ],
            counts: Counts {
                sessions: 1,
                failed,
                ..Counts::default()
            },
            tools: BTreeMap::new(),
            ts: hour,
            scores: BTreeMap::new(),
            given: BTreeMap::new(),
        }
    }

    #[test]
    fn a_tool_counts_its_calls_and_their_buckets() {
        let mut t = ToolCounts::default();
        t.count("success", Some(200));
        t.count("error", Some(200));
        t.count("denied", None);
        assert_eq!((t.calls, t.failures, t.denials, t.durations), (3, 1, 1, 2));
        assert_eq!((t.duration_ms, t.max_ms), (400, Some(200)));
        assert_eq!(t.buckets, BTreeMap::from([(duration_bucket(200), 2)]));
        let mut sum = t.clone();
        sum.add(&t, -1);
        assert!(sum.is_zero(), "{sum:?}");
    }

    #[test]
    fn a_users_row_loses_its_bounds_only_when_the_session_leaves_it_or_moves() {
        let user = |hour: i64, ts: i64, who: Option<&str>| Contribution {
            hour,
            dims: vec![("user_id".into(), who.map(String::from))],
            counts: Counts::default(),
            tools: BTreeMap::new(),
            ts,
            scores: BTreeMap::new(),
            given: BTreeMap::new(),
        };
        // An hour of the fourth day of the first week: the day's row and the week's.
        let hour = 3 * DAY_MS + 5 * HOUR_MS;
        let a = user(hour, hour + 10, Some("u"));
        let u = Some("u".to_string());
        let rows = [
            (3 * DAY_MS, DAILY_DIM.to_string(), u.clone()),
            (0, WEEKLY_DIM.to_string(), u),
        ];
        let at = |ts: i64| rows.iter().map(|r| (r.clone(), ts)).collect::<Vec<_>>();
        assert_eq!(
            Contribution::bounds_difference(Some(&a), Some(&a)),
            (at(hour + 10), vec![])
        );
        let moved = user(hour, hour + 20, Some("u"));
        assert_eq!(
            Contribution::bounds_difference(Some(&a), Some(&moved)),
            (at(hour + 20), rows.to_vec())
        );
        assert_eq!(
            Contribution::bounds_difference(Some(&a), None),
            (vec![], rows.to_vec())
        );
        let nobody = user(hour, hour + 10, None);
        assert_eq!(
            Contribution::bounds_difference(None, Some(&nobody)),
            (vec![], vec![])
        );
        assert_eq!(period_ms(&score_dim(WEEKLY_DIM, "q")), WEEK_MS);
        assert!(!has_histogram(WEEKLY_DIM));
    }

    #[test]
    fn a_bucket_middle_is_within_a_32nd_of_every_duration_in_it() {
        let mut last = -1;
        for ms in (0..5_000)
            .chain((5_000..CAP).step_by(9_999_991))
            .chain([CAP])
        {
            let b = duration_bucket(ms);
            assert!(b >= last, "buckets grow with durations: {ms}");
            last = b;
            let mid = bucket_middle(b);
            assert!(
                (mid - ms).abs() * 32 <= ms,
                "{ms} in bucket {b} read as {mid}"
            );
        }
        assert_eq!(duration_bucket(15), 15);
        assert_eq!(bucket_middle(duration_bucket(200)), 203);
    }

    #[test]
    fn a_difference_holds_only_what_changed() {
        let old = contribution(0, "a", 0);
        let new = contribution(0, "b", 1);
        let d = Contribution::difference(Some(&old), Some(&new));
        assert_eq!(d.len(), 4);
        for dim in ["", QUARTER_DIM] {
            assert_eq!(d[&(0, dim.to_string(), Some(String::new()))].failed, 1);
            assert_eq!(d[&(0, dim.to_string(), Some(String::new()))].sessions, 0);
        }
        assert_eq!(d[&(0, "agent".into(), Some("a".into()))].sessions, -1);
        assert_eq!(d[&(0, "agent".into(), Some("b".into()))].sessions, 1);
        assert!(Contribution::difference(Some(&new), Some(&new)).is_empty());
        let gone = Contribution::difference(Some(&new), None);
        assert!(gone.values().all(|c| c.sessions == -1));
    }

    #[test]
    fn the_whole_project_counts_in_the_hour_and_the_quarter_hour_of_a_session() {
        let mut c = contribution(3 * HOUR_MS, "a", 0);
        c.ts = 3 * HOUR_MS + 20 * 60_000;
        let d = Contribution::difference(None, Some(&c));
        let whole = |start: i64, dim: &str| d[&(start, dim.to_string(), Some(String::new()))];
        assert_eq!(whole(3 * HOUR_MS, "").sessions, 1);
        assert_eq!(whole(3 * HOUR_MS + QUARTER_MS, QUARTER_DIM).sessions, 1);
        assert_eq!(d.keys().filter(|k| k.1 == QUARTER_DIM).count(), 1);
        // Moving within its hour moves it between quarter hours only.
        let mut later = c.clone();
        later.ts += 30 * 60_000;
        let d = Contribution::difference(Some(&c), Some(&later));
        let moved: Vec<(i64, i64)> = d.iter().map(|(k, v)| (k.0, v.sessions)).collect();
        assert_eq!(
            moved,
            [
                (3 * HOUR_MS + QUARTER_MS, -1),
                (3 * HOUR_MS + 3 * QUARTER_MS, 1)
            ]
        );
        assert!(d.keys().all(|k| k.1 == QUARTER_DIM));
    }

    #[test]
    fn each_score_name_is_summed_per_value_of_each_dimension() {
        let day = 5 * DAY_MS;
        let hour = day + 3 * HOUR_MS;
        let scored = |who: Option<&str>, helpful: i64| Contribution {
            hour,
            dims: vec![
                (String::new(), Some(String::new())),
                ("agent".into(), Some("a".into())),
                ("user_id".into(), who.map(String::from)),
            ],
            counts: Counts::default(),
            tools: BTreeMap::new(),
            ts: hour,
            scores: BTreeMap::from([("helpful".into(), helpful), ("tone".into(), 7)]),
            given: BTreeMap::new(),
        };
        let user = |name: &str| (day, score_dim("user_id", name), Some("u".to_string()));
        let agent = |name: &str| (hour, score_dim("agent", name), Some("a".to_string()));
        let d = Contribution::difference(None, Some(&scored(Some("u"), 500)));
        for row in [user("helpful"), agent("helpful")] {
            assert_eq!((d[&row].sessions, d[&row].scored), (1, 1), "{row:?}");
            assert_eq!(d[&row].score_nanos, 500, "{row:?}");
        }
        assert_eq!(d[&user("tone")].score_nanos, 7);
        assert!(!d.keys().any(|(_, dim, _)| dim.starts_with('@')), "{d:?}");
        assert_eq!(period_ms(&score_dim("user_id", "a@b")), DAY_MS);
        assert_eq!(period_ms(&score_dim("agent", "user_id")), HOUR_MS);
        // A changed score changes only its own rows.
        let d =
            Contribution::difference(Some(&scored(Some("u"), 500)), Some(&scored(Some("u"), 800)));
        // The user's day and week, the agent's hour.
        assert_eq!(d.len(), 3, "{d:?}");
        let week = (0, score_dim(WEEKLY_DIM, "helpful"), Some("u".to_string()));
        assert_eq!(d[&week].score_nanos, 300);
        assert_eq!(d[&user("helpful")].score_nanos, 300);
        assert_eq!(d[&user("helpful")].sessions, 0);
    }

    #[test]
    fn own_scores_are_summed_by_the_hour_and_quarter_they_were_given_name_and_agent() {
        let f = |agent: Option<&str>, given: Vec<GivenScore>| Facts {
            sort_ts: 10,
            status: "completed".into(),
            agent: agent.map(String::from),
            user_id: None,
            model: None,
            metadata: None,
            cost_usd: None,
            total_tokens: None,
            duration_ms: None,
            num_turns: None,
            tools: BTreeMap::new(),
            given,
        };
        let two_hours = vec![
            (HOUR_MS + 5, "q".to_string(), 0.5),
            (HOUR_MS + QUARTER_MS + 9, "q".to_string(), 0.25),
            (3 * HOUR_MS, "q".to_string(), 1.0),
        ];
        let c = Contribution::of(f(Some("a"), two_hours.clone()), &[]);
        let d = Contribution::difference(None, Some(&c));
        let row = |hour: i64, agent: Option<&str>| {
            (hour, GIVEN_DIM.to_string(), Some(given_val("q", agent)))
        };
        let first = &d[&row(HOUR_MS, Some("a"))];
        assert_eq!(
            (first.sessions, first.scored, first.score_nanos),
            (2, 2, 750_000_000)
        );
        assert_eq!(d[&row(3 * HOUR_MS, Some("a"))].score_nanos, 1_000_000_000);
        assert_eq!(given_val("q", None), r#"["q",null]"#);
        // And per quarter hour given.
        let quarter = |start: i64| {
            (
                start,
                GIVEN_QUARTER_DIM.to_string(),
                Some(given_val("q", Some("a"))),
            )
        };
        assert_eq!(d[&quarter(HOUR_MS)].scored, 1);
        assert_eq!(d[&quarter(HOUR_MS + QUARTER_MS)].score_nanos, 250_000_000);
        assert_eq!(d[&quarter(3 * HOUR_MS)].scored, 1);
        assert_eq!(d.keys().filter(|k| k.1 == GIVEN_QUARTER_DIM).count(), 3);
        // A session that changes agent moves its scores; an unchanged one writes nothing.
        let moved = Contribution::of(f(None, two_hours), &[]);
        let d = Contribution::difference(Some(&c), Some(&moved));
        assert_eq!(d[&row(HOUR_MS, Some("a"))].scored, -2);
        assert_eq!(d[&row(HOUR_MS, None)].scored, 2);
        assert!(Contribution::difference(Some(&c), Some(&c)).is_empty());
    }
}
