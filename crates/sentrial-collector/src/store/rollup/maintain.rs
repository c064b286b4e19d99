//! Keeping the rollups current: after a transaction has applied a session's events (or before it
//! deletes the session), the difference between the contribution recorded for it and the one its
//! row gives now is added to the rollup rows, and the new one recorded, in that transaction.
//!
//! Exact under any arrival order and duplication: the session row is order-independent
//! (`apply.rs`), so the recorded contribution always ends as the one its final row gives, and the
//! rollups as the sum of every session's. On PostgreSQL a session's read-modify-write runs under
//! its advisory lock (taken by ingest for the whole batch, here by the other writers), so two
//! collectors never both add a difference from the same recorded contribution; additions to one
//! rollup row from different sessions commute.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::store::db::{Db, Plan, Query};
use crate::store::dialect::{Dialect, Sql};
use crate::store::error::StoreError;
use crate::store::rollup::contrib::{
    facts, given_facts, period_ms, tool_facts, Contribution, Counts, DurationKey, RowKey,
    ToolCounts, ToolDurationKey, ToolKey,
};
use crate::store::rollup::sql;
use crate::store::row::Columns;
use crate::store::value::{values, Value};

/// The metadata keys summed as dimensions when none were chosen (`--rollup-metadata-keys`).
pub const DEFAULT_METADATA_KEYS: &[&str] = &["version", "environment"];

/// The setting that holds the chosen metadata keys, as a JSON array.
pub(crate) const KEYS_SETTING: &str = "rollup_metadata_keys";

/// The metadata keys the rollups sum by, as stored (the default when none are).
pub(crate) async fn metadata_keys<D: Db>(db: &D) -> Result<Vec<String>, StoreError> {
    let stored = db
        .select(&sql::SETTING, &values![KEYS_SETTING], |r| r.string("value"))
        .await?
        .pop();
    Ok(match stored {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("setting {KEYS_SETTING}: {e}")))?,
        None => DEFAULT_METADATA_KEYS
            .iter()
            .map(|k| k.to_string())
            .collect(),
    })
}

/// Brings the contributions of `sessions` of `project` up to date with their rows, in the
/// caller's transaction (which holds their locks on PostgreSQL).
pub(crate) async fn refresh<'a, D: Db>(
    db: &D,
    project: &str,
    sessions: impl IntoIterator<Item = &'a str>,
) -> Result<(), StoreError> {
    let keys = metadata_keys(db).await?;
    let ids: Vec<&str> = sessions.into_iter().collect();
    update(db, project, &ids, &keys).await
}

/// The contributions recorded for sessions `ids` of `project`, by session id.
pub(crate) async fn recorded<D: Db>(
    db: &D,
    project: &str,
    ids: &[&str],
) -> Result<HashMap<String, Contribution>, StoreError> {
    let list = serde_json::to_string(ids).expect("strings serialize");
    let rows = db
        .select(&sql::CONTRIB, &values![project, &list], |r| {
            Ok((r.string("session_id")?, r.string("body")?))
        })
        .await?;
    rows.into_iter()
        .map(
            |(id, body)| match serde_json::from_str::<Contribution>(&body) {
                Ok(c) => Ok((id, c)),
                Err(e) => Err(StoreError::Corrupt(format!("contribution of {id}: {e}"))),
            },
        )
        .collect()
}

/// Brings the recorded contributions of sessions `ids` of `project` to the ones their rows give
/// with metadata keys `keys` (none for a session without a row), and the rollups by the
/// difference. Set-based: four reads and three writes whatever the number of sessions, plus one
/// statement per rollup row that empties and per tool row whose longest call may have left.
pub(crate) async fn update<D: Db>(
    db: &D,
    project: &str,
    ids: &[&str],
    keys: &[String],
) -> Result<(), StoreError> {
    let ids: BTreeSet<&str> = ids.iter().copied().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = ids.into_iter().collect();
    let list = serde_json::to_string(&ids).expect("strings serialize");
    let args = values![project, &list];
    let (old, facts, tools, given) = futures_util::try_join!(
        recorded(db, project, &ids),
        db.select(&sql::FACTS, &args, facts),
        db.select(&sql::TOOL_FACTS, &args, tool_facts),
        db.select(&sql::SCORES_GIVEN, &args, given_facts),
    )?;
    let mut given_of: HashMap<String, Vec<_>> = HashMap::new();
    for (id, score) in given {
        given_of.entry(id).or_default().push(score);
    }
    let mut tools_of: HashMap<String, BTreeMap<String, ToolCounts>> = HashMap::new();
    for (id, tool, server, status, duration_ms) in tools {
        let counts = tools_of.entry(id).or_default().entry(tool).or_default();
        if server > counts.server {
            counts.server = server;
        }
        counts.count(&status, duration_ms);
    }
    let mut new: HashMap<String, Contribution> = facts
        .into_iter()
        .map(|(id, f)| {
            let tools = tools_of.remove(&id).unwrap_or_default();
            let given = given_of.remove(&id).unwrap_or_default();
            let f = f.with_tools(tools).with_given(given);
            let c = Contribution::of(f, keys);
            (id, c)
        })
        .collect();
    let mut changes = Changes::default();
    let mut put = Vec::new();
    let mut gone = Vec::new();
    for id in ids {
        let (old, new) = (old.get(id), new.remove(id));
        if old == new.as_ref() {
            continue;
        }
        changes.add(old, new.as_ref());
        match new {
            Some(c) => put.push(serde_json::json!([
                id,
                serde_json::to_string(&c).expect("a contribution serializes")
            ])),
            None => gone.push(id),
        }
    }
    let again = changes.write(db, project).await?;
    again.find(db, project).await?;
    if !put.is_empty() {
        let put = serde_json::Value::Array(put).to_string();
        db.run(&sql::PUT_CONTRIB, &values![project, &put]).await?;
    }
    for id in gone {
        db.run(&sql::DROP_CONTRIB, &values![project, id]).await?;
    }
    Ok(())
}

/// Changes to one project's rollups, summed per row, so that however many sessions they come
/// from, each table is written by one statement ([`Changes::write`]).
#[derive(Debug, Default)]
pub(crate) struct Changes {
    rows: BTreeMap<RowKey, Counts>,
    /// Per users' row, the earliest and latest sort times to keep if earlier or later.
    bounds: BTreeMap<RowKey, (i64, i64)>,
    /// Per tool row: what to add, and the longest call to keep if longer.
    tools: BTreeMap<ToolKey, (ToolCounts, Option<i64>)>,
    /// Per `rollup_durations` row, the sessions to add.
    durations: BTreeMap<DurationKey, i64>,
    /// Per `tool_durations` row, the calls to add.
    tool_durations: BTreeMap<ToolDurationKey, i64>,
    /// What must be found again from the sessions once the changes are written.
    again: Again,
}

/// The rows a change may have taken a non-additive figure from: found again from the sessions
/// as they are ([`Again::find`]).
#[derive(Debug, Default)]
pub(crate) struct Again {
    /// The tool rows whose longest call may have left.
    tools: BTreeSet<ToolKey>,
    /// The users' rows (daily and weekly) whose first or last session may have left.
    users: BTreeSet<RowKey>,
}

impl Again {
    /// Finds again the longest call of each tool row, among the calls of its hour's sessions,
    /// and the first and last sort times of each users' row, among the user's sessions of its
    /// day or week, as they are now.
    pub async fn find<D: Db>(&self, db: &D, project: &str) -> Result<(), StoreError> {
        for (hour, tool, server) in &self.tools {
            db.run(
                &sql::TOOL_MAX_AGAIN,
                &values![project, *hour, tool.as_str(), server.as_str()],
            )
            .await?;
        }
        for (start, dim, user) in &self.users {
            let user = user.as_deref().unwrap_or("");
            let args = values![project, *start, user, dim.as_str(), period_ms(dim)];
            db.run(&sql::BOUNDS_AGAIN, &args).await?;
        }
        Ok(())
    }
}

impl Changes {
    /// Adds the changes that take a session's contribution from `old` (none: not counted yet)
    /// to `new` (none: not counted any more).
    pub fn add(&mut self, old: Option<&Contribution>, new: Option<&Contribution>) {
        for (key, d) in Contribution::difference(old, new) {
            self.rows.entry(key).or_default().add(&d, 1);
        }
        let (kept, lost) = Contribution::bounds_difference(old, new);
        for (row, ts) in kept {
            let b = self.bounds.entry(row).or_insert((ts, ts));
            *b = (b.0.min(ts), b.1.max(ts));
        }
        self.again.users.extend(lost);
        for (key, c) in Contribution::tool_difference(old, new) {
            if c.loses_max {
                self.again.tools.insert(key.clone());
            }
            let row = self.tools.entry(key).or_default();
            row.0.add(&c.delta, 1);
            row.1 = row.1.max(c.max_ms);
        }
        for (key, n) in Contribution::duration_difference(old, new) {
            *self.durations.entry(key).or_default() += n;
        }
        for (key, n) in Contribution::tool_duration_difference(old, new) {
            *self.tool_durations.entry(key).or_default() += n;
        }
    }

    /// Writes them to the rollups of `project`, in key order (so that collectors writing the
    /// same rows at once take their locks in one order), deleting the rows they empty; what must
    /// be found again ([`Again::find`]) once the sessions that left are gone.
    pub async fn write<D: Db>(mut self, db: &D, project: &str) -> Result<Again, StoreError> {
        for key in self.bounds.keys() {
            self.rows.entry(key.clone()).or_default();
        }
        let rows: Vec<_> = self
            .rows
            .into_iter()
            .filter(|(key, d)| !d.is_zero() || self.bounds.contains_key(key))
            .collect();
        let bounds = &self.bounds;
        upsert(
            db,
            &sql::ADD,
            project,
            rows.iter().map(|((hour, dim, val), d)| {
                let b = bounds.get(&(*hour, dim.clone(), val.clone()));
                serde_json::json!([
                    dim,
                    hour,
                    val.as_deref().unwrap_or(""),
                    val.is_some(),
                    d.sessions,
                    d.failed,
                    d.running,
                    d.cost_nanos,
                    d.priced,
                    d.tokens,
                    d.durations,
                    d.duration_ms,
                    d.turns,
                    d.tool_calls,
                    d.tool_errors,
                    d.turned,
                    d.scored,
                    d.score_nanos,
                    b.map(|b| b.0),
                    b.map(|b| b.1),
                ])
            }),
        )
        .await?;
        prune(
            db,
            &sql::PRUNE,
            rows.iter()
                .filter(|(_, d)| d.sessions < 0)
                .map(|((hour, dim, val), _)| {
                    values![
                        project,
                        dim.as_str(),
                        *hour,
                        val.as_deref().unwrap_or(""),
                        val.is_some()
                    ]
                    .to_vec()
                }),
        )
        .await?;
        let tools: Vec<_> = self
            .tools
            .into_iter()
            .filter(|(_, (d, max))| !d.is_zero() || max.is_some())
            .collect();
        upsert(
            db,
            &sql::TOOL_ADD,
            project,
            tools.iter().map(|((hour, tool, server), (d, max))| {
                serde_json::json!([
                    hour,
                    tool,
                    server,
                    d.calls,
                    d.failures,
                    d.denials,
                    d.durations,
                    d.duration_ms,
                    max
                ])
            }),
        )
        .await?;
        prune(
            db,
            &sql::TOOL_PRUNE,
            tools
                .iter()
                .filter(|(_, (d, _))| d.calls < 0)
                .map(|((hour, tool, server), _)| {
                    values![project, *hour, tool.as_str(), server.as_str()].to_vec()
                }),
        )
        .await?;
        let tool_durations: Vec<_> = self
            .tool_durations
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        upsert(
            db,
            &sql::TOOL_DURATIONS_ADD,
            project,
            tool_durations
                .iter()
                .map(|((day, tool, server, bucket), n)| {
                    serde_json::json!([day, tool, server, bucket, n])
                }),
        )
        .await?;
        prune(
            db,
            &sql::TOOL_DURATIONS_PRUNE,
            tool_durations.iter().filter(|(_, n)| *n < 0).map(
                |((day, tool, server, bucket), _)| {
                    values![project, *day, tool.as_str(), server.as_str(), *bucket].to_vec()
                },
            ),
        )
        .await?;
        let durations: Vec<_> = self
            .durations
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        upsert(
            db,
            &sql::DURATIONS_ADD,
            project,
            durations
                .iter()
                .map(|((day, dim, val, bucket), n)| serde_json::json!([dim, day, val, bucket, n])),
        )
        .await?;
        prune(
            db,
            &sql::DURATIONS_PRUNE,
            durations
                .iter()
                .filter(|(_, n)| *n < 0)
                .map(|((day, dim, val, bucket), _)| {
                    values![project, dim.as_str(), *day, val.as_str(), *bucket].to_vec()
                }),
        )
        .await?;
        Ok(self.again)
    }
}

/// Runs upsert `sql` for `project` over `rows` (its JSON array parameter `?2`), unless there
/// are none.
async fn upsert<D: Db>(
    db: &D,
    sql: &'static Sql,
    project: &str,
    rows: impl Iterator<Item = serde_json::Value>,
) -> Result<(), StoreError> {
    let rows: Vec<serde_json::Value> = rows.collect();
    if !rows.is_empty() {
        let json = serde_json::Value::Array(rows).to_string();
        db.run(sql, &values![project, &json]).await?;
    }
    Ok(())
}

/// Runs `sql`, which deletes a row if it is empty, once for each parameter list of `rows`
/// (pipelined on PostgreSQL).
async fn prune<'v, D: Db>(
    db: &D,
    sql: &'static Sql,
    rows: impl Iterator<Item = Vec<Value<'v>>>,
) -> Result<(), StoreError> {
    let runs = rows.map(|args| async move { db.run(sql, &args).await });
    futures_util::future::try_join_all(runs).await?;
    Ok(())
}

/// On PostgreSQL, takes the advisory locks ingest takes for `sessions` (project, id), all at
/// once and in ingest's order (so a writer and a batch never wait for each other in a circle),
/// until the transaction ends; SQLite has one writer at a time and needs none.
pub(crate) async fn lock_sessions<'a, D: Db>(
    db: &D,
    sessions: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), StoreError> {
    if D::DIALECT != Dialect::Postgres {
        return Ok(());
    }
    let keys: Vec<i64> = sessions
        .into_iter()
        .map(|(project, id)| crate::store::postgres::session_lock_key(project, id))
        .collect();
    lock_keys(db, keys).await
}

/// On PostgreSQL, takes every session lock (see [`lock_sessions`]).
pub(crate) async fn lock_all<D: Db>(db: &D) -> Result<(), StoreError> {
    if D::DIALECT != Dialect::Postgres {
        return Ok(());
    }
    lock_keys(
        db,
        crate::store::postgres::all_session_lock_keys().collect(),
    )
    .await
}

async fn lock_keys<D: Db>(db: &D, mut keys: Vec<i64>) -> Result<(), StoreError> {
    keys.sort_unstable();
    keys.dedup();
    for k in keys {
        let args = values![k];
        db.rows(Query {
            sql: "SELECT pg_advisory_xact_lock($1)",
            args: &args,
            plan: Plan::Kept,
            make: |_: &dyn Columns| Ok(()),
        })
        .await?;
    }
    Ok(())
}
