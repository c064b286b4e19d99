//! Rollups (`store/rollup/`): kept exact on ingest whatever the arrival order, duplication,
//! lateness or number of collectors, and after deletion. Every case compares the rollup rows read
//! from the database itself with those a rebuild (`Store::rebuild_rollups`, what `sentrial rollup
//! rebuild` runs) computes from the stored sessions, and with the rows of a store that received
//! the same events once, in order. SQLite always; PostgreSQL when SENTRIAL_TEST_DATABASE_URL is
//! set (required with SENTRIAL_REQUIRE_POSTGRES=1).

mod common;

use std::sync::Arc;

use common::stores::shuffle;
use common::{end, fresh_postgres, postgres_required, start, tool};
use sentrial_collector::store::{OverviewQuery, PgStore, SqliteStore, Store};
use sentrial_protocol::*;
use serde_json::json;

const HOUR: i64 = 3_600_000;
/// A whole hour, so the rollups' hours are the sessions' hours.
const BASE: i64 = 1_780_000_000_000 - 1_780_000_000_000 % HOUR;
const SESSIONS: i64 = 36;
/// The start of the week of `BASE` (weeks start at the epoch's multiples of 7 days).
const WEEK0: i64 = BASE - BASE % (7 * 24 * HOUR);

/// Where a store keeps its rows, to read them directly (and the SQLite file's directory, kept
/// until the test ends).
enum Raw {
    Sqlite(std::path::PathBuf, #[allow(dead_code)] tempfile::TempDir),
    Postgres(String),
}

/// A rollup row: project, dim, hour, value, known, its counts, its first and last sort times.
type Row = (
    String,
    String,
    i64,
    String,
    bool,
    Vec<i64>,
    Vec<Option<i64>>,
);

const COUNTS: &str = "sessions, failed, running, cost_nanos, priced, tokens, durations, \
                      duration_ms, turns, tool_calls, tool_errors, turned, scored, score_nanos";

/// A column of a row of either store, as `T`.
trait Column {
    fn at<T>(&self, i: usize) -> T
    where
        T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>;
}

impl Column for rusqlite::Row<'_> {
    fn at<T>(&self, i: usize) -> T
    where
        T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>,
    {
        self.get(i).unwrap()
    }
}

impl Column for tokio_postgres::Row {
    fn at<T>(&self, i: usize) -> T
    where
        T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>,
    {
        self.get(i)
    }
}

/// The rows `$sql` answers on the database of `$raw`, each made by `|$r| $make` (columns read
/// with [`Column::at`]).
macro_rules! raw_rows {
    ($raw:expr, $sql:expr, |$r:ident| $make:expr) => {
        match $raw {
            Raw::Sqlite(path, _) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare($sql).unwrap();
                stmt.query_map([], |$r| Ok($make))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect::<Vec<_>>()
            }
            Raw::Postgres(url) => pg(url)
                .await
                .query($sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|$r| $make)
                .collect::<Vec<_>>(),
        }
    };
}

async fn rollup_rows(raw: &Raw) -> Vec<Row> {
    let sql = format!(
        "SELECT project_id, dim, hour, val, known, {COUNTS}, first_ts, last_ts FROM rollups \
         ORDER BY project_id, dim, hour, val, known"
    );
    raw_rows!(raw, &sql, |r| (
        r.at(0),
        r.at(1),
        r.at(2),
        r.at(3),
        r.at(4),
        (5..19).map(|i| r.at(i)).collect(),
        (19..21).map(|i| r.at(i)).collect()
    ))
}

/// A tool rollup row: project, hour, tool, MCP server, and calls, failures, denials, durations,
/// duration sum; the longest.
type ToolRow = (String, i64, String, String, Vec<i64>, Option<i64>);

async fn tool_rows(raw: &Raw) -> Vec<ToolRow> {
    let sql = "SELECT project_id, hour, tool_name, mcp_server, calls, failures, denials, \
               durations, duration_ms, max_ms FROM tool_rollups \
               ORDER BY project_id, hour, tool_name, mcp_server";
    raw_rows!(raw, sql, |r| (
        r.at(0),
        r.at(1),
        r.at(2),
        r.at(3),
        (4..9).map(|i| r.at(i)).collect(),
        r.at(9)
    ))
}

/// A `tool_durations` row: project, day, tool, MCP server, bucket, calls.
type ToolDurationRow = (String, i64, String, String, i64, i64);

async fn tool_duration_rows(raw: &Raw) -> Vec<ToolDurationRow> {
    let sql = "SELECT project_id, day, tool_name, mcp_server, bucket, calls FROM tool_durations \
               ORDER BY project_id, day, tool_name, mcp_server, bucket";
    raw_rows!(raw, sql, |r| (
        r.at(0),
        r.at(1),
        r.at(2),
        r.at(3),
        r.at(4),
        r.at(5)
    ))
}

/// A `rollup_durations` row: project, dim, value, day, bucket, sessions.
type DurationRow = (String, String, String, i64, i64, i64);

async fn duration_rows(raw: &Raw) -> Vec<DurationRow> {
    let sql = "SELECT project_id, dim, val, day, bucket, sessions FROM rollup_durations \
               ORDER BY project_id, dim, val, day, bucket";
    raw_rows!(raw, sql, |r| (
        r.at(0),
        r.at(1),
        r.at(2),
        r.at(3),
        r.at(4),
        r.at(5)
    ))
}

/// Every rollup row of the four tables.
type Snapshot = (
    Vec<Row>,
    Vec<ToolRow>,
    Vec<DurationRow>,
    Vec<ToolDurationRow>,
);

async fn snapshot(raw: &Raw) -> Snapshot {
    (
        rollup_rows(raw).await,
        tool_rows(raw).await,
        duration_rows(raw).await,
        tool_duration_rows(raw).await,
    )
}

/// How many rows `table` holds.
async fn count(raw: &Raw, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    raw_rows!(raw, &sql, |r| r.at::<i64>(0))[0]
}

async fn pg(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

/// A new store of each kind, with where its rows are.
async fn stores() -> Vec<(&'static str, Arc<dyn Store>, Raw)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let mut out = vec![("sqlite", sqlite, Raw::Sqlite(path, dir))];
    match fresh_postgres().await {
        Some(url) => {
            let store: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
            out.push(("postgres", store, Raw::Postgres(url)));
        }
        None if postgres_required() => panic!("SENTRIAL_TEST_DATABASE_URL is not set"),
        None => eprintln!("PostgreSQL not tested: SENTRIAL_TEST_DATABASE_URL is not set"),
    }
    out
}

/// Session `i`'s events: varied agents, users, models, metadata, statuses, costs, tool calls
/// (some denied, some of an MCP server) and scores, over several hours. Some have a tool call
/// stamped hours before their start (their placeholder sorts in another hour, and for their user
/// another first time, until the start arrives); a quarter never end.
fn session(i: i64) -> Vec<Event> {
    let id = format!("s{i}");
    let t0 = BASE + i * 17 * 60_000;
    let mut start = start(
        &id,
        t0,
        ["a", "b", "c"][i as usize % 3],
        &format!("u{}", i % 5),
        None,
    );
    if let Payload::SessionStart(s) = &mut start.payload {
        s.model = (i % 7 != 0).then(|| ["m1", "m2"][i as usize % 2].to_string());
        s.claude_session_id = claude_session(i);
        let version = ["1.2.0", "1.3.0"][i as usize % 2];
        let mut metadata = json!({ "version": version });
        if i % 3 == 0 {
            metadata["environment"] = json!("prod");
        }
        if i % 8 == 0 {
            metadata["version"] = json!(2);
        }
        s.metadata = metadata.as_object().unwrap().clone();
    }
    let mut events = vec![start];
    for j in 0..(i % 4) {
        let early = i % 6 == 1 && j == 0;
        let ts = if early {
            t0 - 2 * HOUR
        } else {
            t0 + 100 * (j + 1)
        };
        events.push(tool(
            &id,
            &format!("{id}-t{j}"),
            ts,
            ToolCall {
                tool_use_id: format!("toolu_{j}"),
                tool_name: ["Bash", "Read", "mcp__calc__add"][j as usize % 3].into(),
                seq: j as u32,
                status: match j {
                    1 => ToolStatus::Error,
                    0 if i % 5 == 2 => ToolStatus::Denied,
                    _ => ToolStatus::Success,
                },
                duration_ms: (i % 5 != 2 || j != 0).then_some(10 + j as u64 + 3 * i as u64),
                started_at: Some(ts),
                ended_at: Some(ts + 10),
                ..Default::default()
            },
        ));
    }
    // Numeric scores of the session (two for some, averaged; one given hours after its start),
    // a label, which no average counts, and one of its Claude session id.
    for (k, value, at) in [
        (
            0,
            (i % 3 == 1).then(|| ScoreValue::Number(i as f64 / 10.0)),
            t0 + 5_000,
        ),
        (
            1,
            (i % 6 == 1).then_some(ScoreValue::Number(0.25)),
            t0 + 3 * HOUR,
        ),
        (
            2,
            (i % 4 == 0).then(|| ScoreValue::Label("fine".into())),
            t0,
        ),
    ] {
        if let Some(value) = value {
            events.push(score_event(
                &format!("{id}-score{k}"),
                &id,
                ScoreOf::Session,
                &format!("q{k}"),
                value,
                at + k,
            ));
        }
    }
    if let Some(claude) = claude_session(i) {
        let value = ScoreValue::Number(i as f64 / 100.0);
        let at = t0 + 2 * HOUR + 7;
        events.push(score_event(
            &format!("{id}-cscore"),
            &claude,
            ScoreOf::ClaudeSession,
            "q0",
            value,
            at,
        ));
    }
    if i % 4 != 3 {
        let status = if i % 5 == 0 {
            SessionStatus::Failed
        } else {
            SessionStatus::Completed
        };
        let mut e = end(&id, t0 + 1_000, status);
        if let Payload::SessionEnd(end) = &mut e.payload {
            end.duration_ms = 1_000 + 37 * i as u64;
            end.num_turns = Some((i % 6) as u64);
            end.usage.total_tokens = 100 * i as u64;
            end.usage.cost_usd = i as f64 * 0.0013;
        }
        events.push(e);
    }
    events
}

/// The Claude session id of session `i`: some share one, whose first run is the earliest.
fn claude_session(i: i64) -> Option<String> {
    (i % 4 == 1).then(|| format!("claude-{}", i % 3))
}

/// Score `id` of kind `of` of `target`, given at `at`.
fn score_event(
    id: &str,
    target: &str,
    of: ScoreOf,
    name: &str,
    value: ScoreValue,
    at: i64,
) -> Event {
    Event {
        id: id.into(),
        session_id: target.into(),
        ts: at,
        payload: Payload::Score(Score {
            name: name.into(),
            value,
            comment: None,
            source: "api".into(),
            at,
            of,
        }),
    }
}

/// Every session's events, each session's end delivered after the next five sessions' events
/// (late), in that order.
fn in_order() -> Vec<Event> {
    let mut out = Vec::new();
    let mut held: Vec<Event> = Vec::new();
    for i in 0..SESSIONS {
        let mut events = session(i);
        if matches!(events.last().unwrap().payload, Payload::SessionEnd(_)) {
            held.push(events.pop().unwrap());
        }
        out.extend(events);
        if held.len() > 5 {
            out.push(held.remove(0));
        }
    }
    out.extend(held);
    // A score of a Claude session id no run has carried: it has no agent.
    let nobody = ScoreValue::Number(0.5);
    out.push(score_event(
        "nobody-score",
        "claude-none",
        ScoreOf::ClaudeSession,
        "q1",
        nobody,
        BASE + HOUR + 3,
    ));
    out
}

/// The fixture's numeric scores as the overview averages them: when each was given, the agent it
/// counts under (the scored session's; for a Claude session id, its first run's), its name and
/// its number.
fn given_scores() -> Vec<(i64, Option<String>, String, f64)> {
    let events = in_order();
    let mut runs = std::collections::HashMap::new();
    for e in &events {
        if let Payload::SessionStart(s) = &e.payload {
            let run = (s.started_at, s.agent.clone(), s.claude_session_id.clone());
            runs.insert(e.session_id.clone(), run);
        }
    }
    let mut out = Vec::new();
    for e in &events {
        let Payload::Score(sc) = &e.payload else {
            continue;
        };
        let ScoreValue::Number(v) = &sc.value else {
            continue;
        };
        let agent = match sc.of {
            ScoreOf::Session => runs.get(&e.session_id).map(|r| r.1.clone()),
            ScoreOf::ClaudeSession => runs
                .values()
                .filter(|r| r.2.as_deref() == Some(e.session_id.as_str()))
                .min_by_key(|r| r.0)
                .map(|r| r.1.clone()),
        };
        out.push((sc.at, agent, sc.name.clone(), *v));
    }
    out
}

/// The events shuffled with a third of them sent twice, in batches of 1 to 9.
fn shuffled(seed: u64) -> Vec<Vec<Event>> {
    let mut events = in_order();
    let again: Vec<Event> = events.iter().step_by(3).cloned().collect();
    events.extend(again);
    let mut seed = seed;
    shuffle(&mut events, &mut seed);
    let mut batches = Vec::new();
    let mut rest = &events[..];
    while !rest.is_empty() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let n = ((seed >> 33) % 9 + 1) as usize;
        let (batch, tail) = rest.split_at(n.min(rest.len()));
        batches.push(batch.to_vec());
        rest = tail;
    }
    batches
}

async fn put(store: &dyn Store, events: Vec<Event>) {
    store.ingest("p".into(), events).await.unwrap();
}

/// The rows after a rebuild of `store` (which must leave them as they were).
async fn rebuilt(store: &dyn Store, raw: &Raw) -> Snapshot {
    store.rebuild_rollups().await.unwrap();
    snapshot(raw).await
}

#[tokio::test]
async fn shuffled_duplicated_and_late_events_give_the_rows_of_a_rebuild() {
    let mut first: Option<Snapshot> = None;
    for (name, store, raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        let ordered = snapshot(&raw).await;
        assert!(ordered.0.len() > 50, "{name}: {} rows", ordered.0.len());
        assert!(
            ordered.1.len() > 10,
            "{name}: {} tool rows",
            ordered.1.len()
        );
        assert!(
            ordered.2.len() > 10,
            "{name}: {} duration rows",
            ordered.2.len()
        );
        assert_eq!(rebuilt(store.as_ref(), &raw).await, ordered, "{name}");
        let (_, again, again_raw) = stores().await.into_iter().find(|s| s.0 == name).unwrap();
        for batch in shuffled(7) {
            put(again.as_ref(), batch).await;
        }
        assert_eq!(snapshot(&again_raw).await, ordered, "{name}: shuffled");
        assert_eq!(
            rebuilt(again.as_ref(), &again_raw).await,
            ordered,
            "{name}: rebuilt"
        );
        assert_eq!(count(&again_raw, "rollup_contrib").await, SESSIONS);
        // Both stores sum alike.
        match &first {
            None => first = Some(ordered),
            Some(rows) => assert_eq!(&ordered, rows, "{name} differs from sqlite"),
        }
    }
}

#[tokio::test]
async fn the_rows_hold_what_the_sessions_hold() {
    for (name, store, raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        let rows = rollup_rows(&raw).await;
        let all: Vec<&Row> = rows.iter().filter(|r| r.1.is_empty()).collect();
        let sum = |k: usize| all.iter().map(|r| r.5[k]).sum::<i64>();
        let ended: Vec<i64> = (0..SESSIONS).filter(|i| i % 4 != 3).collect();
        assert_eq!(sum(0), SESSIONS, "{name}: sessions");
        assert_eq!(sum(1), ended.iter().filter(|i| *i % 5 == 0).count() as i64);
        assert_eq!(sum(2), SESSIONS - ended.len() as i64, "{name}: running");
        let nanos: i64 = ended
            .iter()
            .map(|i| (*i as f64 * 1.3e6).round() as i64)
            .sum();
        assert_eq!(sum(3), nanos, "{name}: cost");
        assert_eq!(sum(5), ended.iter().map(|i| 100 * i).sum::<i64>());
        assert_eq!(sum(7), ended.iter().map(|i| 1_000 + 37 * i).sum::<i64>());
        assert_eq!(sum(9), (0..SESSIONS).map(|i| i % 4).sum::<i64>(), "{name}");
        assert_eq!(sum(10), (0..SESSIONS).filter(|i| i % 4 >= 2).count() as i64);
        // The scores: the sessions with a numeric one, and the sum of their averages.
        let scored: Vec<i64> = (0..SESSIONS).filter(|i| i % 3 == 1).collect();
        assert_eq!(sum(12), scored.len() as i64, "{name}: scored");
        let nanos: i64 = scored
            .iter()
            .filter_map(|i| fixture_score(*i))
            .map(|v| (v * 1e9).round() as i64)
            .sum();
        assert_eq!(sum(13), nanos, "{name}: score");
        // The tools: every call, denials, the MCP server, and the longest per tool.
        let tools = tool_rows(&raw).await;
        let tool_sum = |k: usize| tools.iter().map(|t| t.4[k]).sum::<i64>();
        assert_eq!(
            tool_sum(0),
            (0..SESSIONS).map(|i| i % 4).sum::<i64>(),
            "{name}"
        );
        assert_eq!(tool_sum(1), sum(10), "{name}");
        let denied = (0..SESSIONS).filter(|i| i % 4 > 0 && i % 5 == 2).count();
        assert_eq!(tool_sum(2), denied as i64, "{name}: denials");
        assert!(tools
            .iter()
            .all(|t| (t.3 == "calc") == (t.2 == "mcp__calc__add")));
        let longest = |tool: &str| {
            tools
                .iter()
                .filter(|t| t.2 == tool)
                .filter_map(|t| t.5)
                .max()
        };
        let want = |j: i64| {
            (0..SESSIONS)
                .filter(|i| i % 4 > j && !(j == 0 && i % 5 == 2))
                .map(|i| 10 + j + 3 * i)
                .max()
        };
        assert_eq!(longest("Bash"), want(0), "{name}");
        assert_eq!(longest("Read"), want(1), "{name}");
        assert_eq!(longest("mcp__calc__add"), want(2), "{name}");
        // Every timed call in one bucket of its tool's day.
        let bucketed: i64 = tool_duration_rows(&raw).await.iter().map(|r| r.5).sum();
        let timed = tool_sum(0) - denied as i64;
        assert_eq!(bucketed, timed, "{name}");
        // The users' rows are daily: each starts on a UTC day, and the sessions cross midnight.
        let users: Vec<&Row> = rows.iter().filter(|r| r.1 == "user_id").collect();
        assert!(users.iter().all(|r| r.2 % (24 * HOUR) == 0), "{name}");
        // Each holds the first and last start of its user's sessions of its day.
        for r in &users {
            let starts: Vec<i64> = (0..SESSIONS)
                .filter(|i| format!("u{}", i % 5) == r.3)
                .map(|i| BASE + i * 17 * 60_000)
                .filter(|t| t - t % (24 * HOUR) == r.2)
                .collect();
            let bounds = vec![starts.iter().min().copied(), starts.iter().max().copied()];
            assert_eq!(r.6, bounds, "{name}: {r:?}");
        }
        let days: std::collections::BTreeSet<i64> = users.iter().map(|r| r.2).collect();
        assert_eq!(days.len(), 2, "{name}");
        // Each session in the hour of its start, early tool calls or not.
        for i in 0..SESSIONS {
            let hour = (BASE + i * 17 * 60_000) / HOUR * HOUR;
            assert!(all.iter().any(|r| r.2 == hour), "{name}: s{i}");
        }
        assert!(
            all.iter().all(|r| r.2 >= BASE),
            "{name}: a placeholder's hour was left"
        );
        // Metadata values: text as is, numbers as JSON, absent keys null.
        let values = |dim: &str| {
            let mut v: Vec<(String, bool)> = rows
                .iter()
                .filter(|r| r.1 == dim)
                .map(|r| (r.3.clone(), r.4))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        assert_eq!(
            values("metadata.version"),
            [
                ("1.2.0".into(), true),
                ("1.3.0".into(), true),
                ("2".into(), true)
            ]
        );
        assert_eq!(
            values("metadata.environment"),
            [(String::new(), false), ("prod".into(), true)]
        );
        assert!(values("model").contains(&(String::new(), false)));
    }
}

#[tokio::test]
async fn two_collectors_on_one_postgres_give_the_rows_of_a_rebuild() {
    let Some(url) = fresh_postgres().await else {
        assert!(
            !postgres_required(),
            "SENTRIAL_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
    let (a, b): (Arc<dyn Store>, Arc<dyn Store>) = (Arc::new(a.unwrap()), Arc::new(b.unwrap()));
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            for batch in shuffled(n as u64 + 11) {
                put(store.as_ref(), batch).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let raw = Raw::Postgres(url);
    let rows = snapshot(&raw).await;
    let (_, alone, alone_raw) = stores().await.remove(0);
    put(alone.as_ref(), in_order()).await;
    assert_eq!(rows, snapshot(&alone_raw).await, "as one SQLite collector");
    assert_eq!(rebuilt(a.as_ref(), &raw).await, rows);
}

#[tokio::test]
async fn deleting_a_user_and_retention_leave_no_contribution() {
    for (name, store, raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        loop {
            let (n, deleted) = store
                .delete_user_batch("p".into(), "u1".into())
                .await
                .unwrap();
            assert_eq!(
                deleted.get("rollup_contrib").copied().unwrap_or(0),
                n,
                "{name}"
            );
            if n < sentrial_collector::store::DELETE_BATCH as u64 {
                break;
            }
        }
        let rows = rollup_rows(&raw).await;
        assert!(
            !rows.iter().any(|r| r.1 == "user_id" && r.3 == "u1"),
            "{name}"
        );
        let left = SESSIONS - (0..SESSIONS).filter(|i| i % 5 == 1).count() as i64;
        let total: i64 = rows.iter().filter(|r| r.1.is_empty()).map(|r| r.5[0]).sum();
        assert_eq!(total, left, "{name}");
        assert_eq!(count(&raw, "rollup_contrib").await, left, "{name}");
        let before = snapshot(&raw).await;
        assert_eq!(rebuilt(store.as_ref(), &raw).await, before, "{name}");

        let cutoff = BASE + 4 * HOUR;
        while store.delete_expired_batch(None, cutoff).await.unwrap().0 > 0 {}
        let rows = rollup_rows(&raw).await;
        // The cutoff is a UTC midnight inside a week: only the week's rows start before it.
        let week = 7 * 24 * HOUR;
        let expired: Vec<&Row> = rows
            .iter()
            .filter(|r| r.2 < cutoff && !(r.1.starts_with("user_id/week") && r.2 + week > cutoff))
            .collect();
        assert!(
            expired.is_empty(),
            "{name}: an expired hour is left: {expired:?}"
        );
        assert!(!rows.is_empty());
        let tools = tool_rows(&raw).await;
        assert!(
            tools.iter().all(|r| r.1 >= cutoff),
            "{name}: an expired tool hour is left"
        );
        let durations = duration_rows(&raw).await;
        assert!(
            durations.iter().all(|r| r.3 >= cutoff),
            "{name}: an expired day's durations are left"
        );
        assert_eq!(
            rebuilt(store.as_ref(), &raw).await,
            (
                rows.clone(),
                tools,
                durations,
                tool_duration_rows(&raw).await
            ),
            "{name}"
        );
        let sessions: i64 = rows.iter().filter(|r| r.1.is_empty()).map(|r| r.5[0]).sum();
        assert_eq!(count(&raw, "rollup_contrib").await, sessions, "{name}");
        assert_eq!(count(&raw, "sessions").await, sessions, "{name}");
        // A session scored before it started (a skewed clock): retention takes the score and
        // leaves the session, whose rows no longer count it.
        let late = BASE + 30 * HOUR;
        let mut events = vec![start("late", late, "a", "u9", None)];
        events.push(Event {
            id: "late-score".into(),
            session_id: "late".into(),
            ts: BASE + HOUR,
            payload: Payload::Score(Score {
                name: "q".into(),
                value: ScoreValue::Number(0.5),
                comment: None,
                source: "api".into(),
                at: BASE + HOUR,
                of: ScoreOf::Session,
            }),
        });
        put(store.as_ref(), events).await;
        let scored = |rows: &[Row]| -> i64 {
            rows.iter()
                .filter(|r| r.1.is_empty())
                .map(|r| r.5[12])
                .sum()
        };
        let before = scored(&rollup_rows(&raw).await);
        // A cutoff inside a day: its users' rows keep the first start of the sessions left.
        let cutoff = BASE + 5 * HOUR;
        while store.delete_expired_batch(None, cutoff).await.unwrap().0 > 0 {}
        let after = snapshot(&raw).await;
        assert!(scored(&after.0) < before, "{name}");
        let users: Vec<&Row> = after.0.iter().filter(|r| r.1 == "user_id").collect();
        assert!(users.iter().any(|r| r.2 < cutoff), "{name}");
        for r in users.iter().filter(|r| r.2 < cutoff) {
            assert!(r.6[0] >= Some(cutoff), "{name}: {r:?}");
        }
        assert_eq!(rebuilt(store.as_ref(), &raw).await, after, "{name}");
    }
}

#[tokio::test]
async fn the_overview_of_whole_hours_and_of_any_range_counts_every_session() {
    for (name, store, _raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        let ended = |i: &i64| i % 4 != 3;
        for (from, to) in [
            (BASE, BASE + 12 * HOUR),
            (BASE, BASE + 5 * HOUR + 13 * 60_000),
            (BASE - 7 * 60_000, BASE + 5 * HOUR + 13 * 60_000),
            (BASE + 20 * 60_000, BASE + 3 * HOUR),
            (BASE + HOUR, BASE + 2 * HOUR),
            // Whole UTC days (the users' rows are daily): every session, and a range that
            // starts before midnight, with the sessions after it in a whole day.
            (BASE - 24 * HOUR, BASE + 48 * HOUR),
            (BASE + HOUR + 5 * 60_000, BASE + 29 * HOUR),
            // Day buckets whose boundary (3.5 hours after BASE) cuts an hour of sessions and
            // scores: that hour from its quarter hours' rollups, the others from the hourly
            // ones (hour buckets: every hour is cut).
            (BASE + 3 * HOUR + 30 * 60_000 - 24 * HOUR, BASE + 13 * HOUR),
            // Buckets that start on no quarter hour: the quarter hours their boundaries cut from
            // the sessions and scores.
            (BASE + 3 * HOUR + 37 * 60_000 - 24 * HOUR, BASE + 13 * HOUR),
            (BASE + 22 * 60_000, BASE + 9 * HOUR + 50 * 60_000),
            // Whole weeks (the users' weekly rows), with whole and partial days around them.
            (WEEK0 - 7 * 24 * HOUR, WEEK0 + 14 * 24 * HOUR),
            (WEEK0 - 36 * HOUR, WEEK0 + 8 * 24 * HOUR + 5 * HOUR),
        ] {
            for bucket_ms in [HOUR, 24 * HOUR] {
                let o = store
                    .overview(
                        "p".into(),
                        OverviewQuery {
                            from,
                            to,
                            bucket_ms,
                        },
                    )
                    .await
                    .unwrap();
                let inside: Vec<i64> = (0..SESSIONS)
                    .filter(|i| (from..to).contains(&(BASE + i * 17 * 60_000)))
                    .collect();
                let what = format!("{name} [{from}, {to}) by {bucket_ms}");
                assert_eq!(o.totals.sessions, inside.len() as i64, "{what}");
                let failed = inside.iter().filter(|i| ended(i) && *i % 5 == 0).count();
                assert_eq!(o.totals.failed, failed as i64, "{what}");
                let running = inside.iter().filter(|i| !ended(i)).count();
                assert_eq!(o.totals.running, running as i64, "{what}");
                let cost: f64 = inside
                    .iter()
                    .filter(|i| ended(i))
                    .map(|i| *i as f64 * 0.0013)
                    .sum();
                assert!((o.totals.cost_usd - cost).abs() < 1e-9, "{what}");
                let tokens: i64 = inside.iter().filter(|i| ended(i)).map(|i| 100 * i).sum();
                assert_eq!(o.totals.total_tokens, tokens, "{what}");
                let timed: Vec<i64> = inside.iter().copied().filter(ended).collect();
                let avg = (!timed.is_empty()).then(|| {
                    timed.iter().map(|i| 1_000 + 37 * i).sum::<i64>() as f64 / timed.len() as f64
                });
                match (o.totals.avg_duration_ms, avg) {
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{what}"),
                    (a, b) => assert_eq!(a, b, "{what}"),
                }
                // The series: each session in the bucket of its start.
                let mut want = std::collections::BTreeMap::new();
                for i in &inside {
                    let start = BASE + i * 17 * 60_000;
                    *want
                        .entry(from + (start - from) / bucket_ms * bucket_ms)
                        .or_insert(0) += 1;
                }
                let got: std::collections::BTreeMap<i64, i64> =
                    o.series.iter().map(|b| (b.start.0, b.sessions)).collect();
                assert_eq!(got, want, "{what}");
                // The groups: every user's sessions.
                let users: i64 = o.by_user.iter().map(|g| g.sessions).sum();
                assert_eq!(users, inside.len() as i64, "{what}");
                let mut by_agent: Vec<(Option<String>, i64)> = o
                    .by_agent
                    .iter()
                    .map(|g| (g.key.clone(), g.sessions))
                    .collect();
                by_agent.sort();
                let mut want_agents = std::collections::BTreeMap::new();
                for i in &inside {
                    *want_agents
                        .entry(Some(["a", "b", "c"][*i as usize % 3].to_string()))
                        .or_insert(0) += 1;
                }
                assert_eq!(
                    by_agent,
                    want_agents.into_iter().collect::<Vec<_>>(),
                    "{what}"
                );
                // The tools: the calls of the range's sessions.
                let calls: i64 = o.tools_most_called.iter().map(|t| t.calls).sum();
                assert_eq!(calls, inside.iter().map(|i| i % 4).sum::<i64>(), "{what}");
                let longest = o
                    .tools_most_called
                    .iter()
                    .filter_map(|t| t.max_duration_ms)
                    .max();
                let want = inside
                    .iter()
                    .filter(|i| *i % 4 > 0)
                    .map(|i| 10 + (i % 4 - 1) + 3 * i)
                    .max();
                assert_eq!(longest, want, "{what}");
                // The scores: each in the bucket of the time it was given, under its agent.
                type Key = (i64, Option<String>, String);
                let mut want: std::collections::BTreeMap<Key, (i64, f64)> = Default::default();
                for (at, agent, name, v) in given_scores() {
                    if (from..to).contains(&at) {
                        let start = from + (at - from) / bucket_ms * bucket_ms;
                        let sum = want.entry((start, agent, name)).or_default();
                        *sum = (sum.0 + 1, sum.1 + v);
                    }
                }
                if from == BASE {
                    let scores: i64 = want.values().map(|(n, _)| n).sum();
                    assert!(scores >= 10, "{what}: {want:?}");
                }
                let got: Vec<(Key, i64)> = o
                    .scores
                    .iter()
                    .map(|a| ((a.start.0, a.agent.clone(), a.name.clone()), a.count))
                    .collect();
                let counts: Vec<(Key, i64)> =
                    want.iter().map(|(k, (n, _))| (k.clone(), *n)).collect();
                assert_eq!(got, counts, "{what}");
                for (a, (n, sum)) in o.scores.iter().zip(want.values()) {
                    assert!((a.average - sum / *n as f64).abs() < 1e-9, "{what}: {a:?}");
                }
            }
        }
    }
}

/// A comparison over a range that holds whole UTC days reads them from the rollups and the rest
/// from the sessions: every sum as the sessions give it, the percentiles within 1/32 of the
/// sessions' nearest rank; a key the rollups do not sum is read from the sessions, exactly.
#[tokio::test]
async fn a_comparison_over_whole_days_agrees_with_the_sessions() {
    use sentrial_collector::store::Dimension;
    for (name, store, raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        let ended = |i: &i64| i % 4 != 3;
        type Of = fn(i64) -> Option<String>;
        let cases: [(Dimension, Vec<&str>, Of); 4] = [
            (Dimension::Agent, vec!["a", "b", "c"], |i| {
                Some(["a", "b", "c"][i as usize % 3].to_string())
            }),
            (Dimension::Model, vec!["m1", "m2"], |i| {
                (i % 7 != 0).then(|| ["m1", "m2"][i as usize % 2].to_string())
            }),
            (
                Dimension::Metadata("version".into()),
                vec!["1.2.0", "1.3.0", "2"],
                |i| {
                    Some(if i % 8 == 0 {
                        "2".to_string()
                    } else {
                        ["1.2.0", "1.3.0"][i as usize % 2].to_string()
                    })
                },
            ),
            (Dimension::Metadata("team".into()), vec!["x"], |_| None),
        ];
        for (from, to) in [
            (BASE - 24 * HOUR, BASE + 48 * HOUR),
            (BASE + HOUR + 5 * 60_000, BASE + 29 * HOUR),
        ] {
            for (dim, values, of) in &cases {
                let got = store
                    .compare(
                        "p".into(),
                        dim.clone(),
                        values.iter().map(|v| v.to_string()).collect(),
                        String::new(),
                        from,
                        to,
                    )
                    .await
                    .unwrap();
                for (row, value) in got.iter().zip(values) {
                    let what = format!("{name} {dim:?}={value} [{from}, {to})");
                    let inside: Vec<i64> = (0..SESSIONS)
                        .filter(|i| (from..to).contains(&(BASE + i * 17 * 60_000)))
                        .filter(|i| of(*i).as_deref() == Some(*value))
                        .collect();
                    assert_eq!(row.sessions, inside.len() as i64, "{what}");
                    if inside.is_empty() {
                        continue;
                    }
                    let n = inside.len() as f64;
                    let failed = inside.iter().filter(|i| ended(i) && *i % 5 == 0).count();
                    assert!(
                        (row.failure_rate - failed as f64 / n).abs() < 1e-12,
                        "{what}"
                    );
                    let cost: f64 = inside
                        .iter()
                        .filter(|i| ended(i))
                        .map(|i| *i as f64 * 0.0013)
                        .sum();
                    assert!((row.cost_per_session - cost / n).abs() < 1e-9, "{what}");
                    let calls: i64 = inside.iter().map(|i| i % 4).sum();
                    assert!(
                        (row.tool_calls_per_session - calls as f64 / n).abs() < 1e-12,
                        "{what}"
                    );
                    let mut durations: Vec<i64> = inside
                        .iter()
                        .filter(|i| ended(i))
                        .map(|i| 1_000 + 37 * i)
                        .collect();
                    durations.sort();
                    let turns: Vec<i64> =
                        inside.iter().filter(|i| ended(i)).map(|i| i % 6).collect();
                    let avg_turns = (!turns.is_empty())
                        .then(|| turns.iter().sum::<i64>() as f64 / turns.len() as f64);
                    match (row.avg_turns, avg_turns) {
                        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{what}"),
                        (a, b) => assert_eq!(a, b, "{what}"),
                    }
                    for (got, p) in [(row.duration_p50_ms, 50), (row.duration_p95_ms, 95)] {
                        let want = (!durations.is_empty()).then(|| {
                            let rank = ((durations.len() as i64 * p + 99) / 100).max(1) - 1;
                            durations[rank as usize]
                        });
                        match (got, want) {
                            (Some(g), Some(w)) => {
                                assert!((g - w).abs() * 32 <= w, "{what}: p{p} {g} for {w}")
                            }
                            (g, w) => assert_eq!(g, w, "{what}: p{p}"),
                        }
                    }
                }
            }
        }
        // The whole hours are the rollups': without them, the sessions of those hours are gone
        // from a comparison, and the ones of the partial hours at the edges are still there.
        let (from, to) = (BASE + HOUR + 5 * 60_000, BASE + 29 * HOUR);
        let edge = (0..SESSIONS)
            .filter(|i| (from..BASE + 2 * HOUR).contains(&(BASE + i * 17 * 60_000)))
            .count() as i64;
        assert!(edge > 0);
        raw_execute(&raw, "DELETE FROM rollups").await;
        let rows = store
            .compare(
                "p".into(),
                Dimension::Agent,
                vec!["a".into(), "b".into(), "c".into()],
                String::new(),
                from,
                to,
            )
            .await
            .unwrap();
        assert_eq!(rows.iter().map(|r| r.sessions).sum::<i64>(), edge, "{name}");
    }
}

/// Session `i`'s average numeric score in the fixture ([`session`]), if it has one.
fn fixture_score(i: i64) -> Option<f64> {
    let own = i as f64 / 10.0;
    match i {
        _ if i % 3 != 1 => None,
        _ if i % 6 == 1 => Some((own + 0.25) / 2.0),
        _ => Some(own),
    }
}

/// The users page's query over [`from`, `to`), sorted by `sort`, users whose id holds `search`.
fn users_query(
    from: i64,
    to: i64,
    search: &str,
    sort: sentrial_collector::store::UserSort,
    descending: bool,
) -> sentrial_collector::store::UsersQuery {
    sentrial_collector::store::UsersQuery {
        from,
        to,
        search: search.into(),
        score: String::new(),
        sort,
        descending,
        limit: 50,
        offset: 0,
    }
}

#[tokio::test]
async fn the_users_and_tools_pages_over_whole_days_agree_with_the_sessions() {
    use sentrial_collector::store::{ToolGroup, UserSort};
    let t0 = |i: i64| BASE + i * 17 * 60_000;
    let ended = |i: &i64| i % 4 != 3;
    for (name, store, raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        // The whole range in whole days; a whole day with a partial one before it; whole weeks
        // alone; and a week with whole and partial days on either side.
        let (week, week0) = (7 * 24 * HOUR, WEEK0);
        for (from, to) in [
            (BASE - 24 * HOUR, BASE + 48 * HOUR),
            (BASE + HOUR + 5 * 60_000, BASE + 29 * HOUR),
            (week0 - week, week0 + 2 * week),
            (week0 - 36 * HOUR, week0 + week + 29 * HOUR),
            (BASE + 5 * HOUR + 7 * 60_000, week0 + 2 * week + 3 * HOUR),
        ] {
            let inside: Vec<i64> = (0..SESSIONS)
                .filter(|i| (from..to).contains(&t0(*i)))
                .collect();
            let query = users_query(from, to, "", UserSort::Cost, true);
            let page = store.users("p".into(), query).await.unwrap();
            assert_eq!(page.total, 5, "{name}");
            assert!(page
                .users
                .windows(2)
                .all(|w| w[0].cost_usd >= w[1].cost_usd));
            for u in &page.users {
                let what = format!("{name} {} [{from}, {to})", u.user_id);
                let mine: Vec<i64> = inside
                    .iter()
                    .copied()
                    .filter(|i| format!("u{}", i % 5) == u.user_id)
                    .collect();
                assert_eq!(u.sessions, mine.len() as i64, "{what}");
                let failed = mine.iter().filter(|i| ended(i) && *i % 5 == 0).count();
                assert_eq!(u.failed, failed as i64, "{what}");
                let ended_mine: Vec<i64> = mine.iter().copied().filter(ended).collect();
                let cost: f64 = ended_mine.iter().map(|i| *i as f64 * 0.0013).sum();
                assert!((u.cost_usd - cost).abs() < 1e-9, "{what}");
                let tokens: i64 = ended_mine.iter().map(|i| 100 * i).sum();
                assert_eq!(u.total_tokens, tokens, "{what}");
                let scores: Vec<f64> = mine.iter().filter_map(|i| fixture_score(*i)).collect();
                let avg =
                    (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
                match (u.avg_score, avg) {
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}"),
                    (a, b) => assert_eq!(a, b, "{what}"),
                }
                let first = mine.iter().map(|i| t0(*i)).min();
                let last = mine.iter().map(|i| t0(*i)).max();
                assert_eq!(u.first_seen.map(|t| t.0), first, "{what}");
                assert_eq!(u.last_seen.map(|t| t.0), last, "{what}");
            }
            let query = users_query(from, to, "U3", UserSort::LastSeen, false);
            let page = store.users("p".into(), query).await.unwrap();
            assert_eq!(page.total, 1, "{name}");
            assert_eq!(page.users[0].user_id, "u3", "{name}");

            // Per tool: the calls of the range's sessions (call `j` of session `i` is
            // `["Bash", "Read", "mcp__calc__add"][j % 3]`, of `10 + j + 3i` ms; Read's fail; the
            // Bash call of every fifth session is denied, without a time).
            let tools = store
                .tools("p".into(), from, to, ToolGroup::Tool)
                .await
                .unwrap();
            let session_ms: i64 = inside
                .iter()
                .filter(|i| ended(i))
                .map(|i| 1_000 + 37 * i)
                .sum();
            for (j, tool) in ["Bash", "Read", "mcp__calc__add"].iter().enumerate() {
                let j = j as i64;
                let what = format!("{name} {tool} [{from}, {to})");
                let row = tools.iter().find(|t| t.name == *tool).unwrap();
                let callers: Vec<i64> = inside.iter().copied().filter(|i| i % 4 > j).collect();
                assert_eq!(row.calls, callers.len() as i64, "{what}");
                let denied = |i: &i64| j == 0 && i % 5 == 2;
                let denials = callers.iter().filter(|i| denied(i)).count();
                assert_eq!(row.denials, denials as i64, "{what}");
                assert_eq!(row.failures, if j == 1 { row.calls } else { 0 }, "{what}");
                let mut ms: Vec<i64> = callers
                    .iter()
                    .filter(|i| !denied(i))
                    .map(|i| 10 + j + 3 * i)
                    .collect();
                ms.sort();
                assert_eq!(row.max_ms, ms.last().copied(), "{what}");
                for (got, p) in [(row.p50_ms, 50), (row.p95_ms, 95)] {
                    let rank = ((ms.len() as i64 * p + 99) / 100).max(1) - 1;
                    let want = ms[rank as usize];
                    let got = got.unwrap();
                    assert!(
                        (got - want).abs() * 32 <= want,
                        "{what}: p{p} {got} for {want}"
                    );
                }
                let share = ms.iter().sum::<i64>() as f64 / session_ms as f64;
                assert!((row.share_of_session_time - share).abs() < 1e-12, "{what}");
                let per_day: i64 = row.per_day.iter().map(|d| d.1).sum();
                assert_eq!(per_day, row.calls, "{what}");
            }
            let servers = store
                .tools("p".into(), from, to, ToolGroup::McpServer)
                .await
                .unwrap();
            assert_eq!(servers.len(), 1, "{name}");
            assert_eq!(servers[0].name, "calc");
            let calls = inside.iter().filter(|i| *i % 4 > 2).count();
            assert_eq!(servers[0].calls, calls as i64, "{name}");
        }
        // The whole days are the rollups': without them, only the partial day's sessions are
        // left on both pages.
        let (from, to) = (BASE + HOUR + 5 * 60_000, BASE + 29 * HOUR);
        let edge: Vec<i64> = (0..SESSIONS)
            .filter(|i| (from..BASE + 4 * HOUR).contains(&t0(*i)))
            .collect();
        assert!(!edge.is_empty());
        raw_execute(&raw, "DELETE FROM rollups; DELETE FROM tool_rollups").await;
        let query = users_query(from, to, "", UserSort::Sessions, true);
        let page = store.users("p".into(), query).await.unwrap();
        let sessions: i64 = page.users.iter().map(|u| u.sessions).sum();
        assert_eq!(sessions, edge.len() as i64, "{name}");
        let tools = store
            .tools("p".into(), from, to, ToolGroup::Tool)
            .await
            .unwrap();
        let calls: i64 = tools.iter().map(|t| t.calls).sum();
        assert_eq!(calls, edge.iter().map(|i| i % 4).sum::<i64>(), "{name}");
    }
}

/// Deletes every rollup row and recorded contribution, as a database made before the rollups
/// has none; `pending`: and marks them to be filled, as the migration does.
async fn lose_rollups(raw: &Raw, pending: bool) {
    raw_execute(
        raw,
        "DELETE FROM rollups; DELETE FROM tool_rollups; DELETE FROM rollup_durations; \
         DELETE FROM rollup_contrib;",
    )
    .await;
    if pending {
        raw_execute(
            raw,
            "INSERT INTO settings (name, value) VALUES ('rollups_pending', '1') \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .await;
    }
}

/// Runs `sql` on the store's database directly.
async fn raw_execute(raw: &Raw, sql: &str) {
    match raw {
        Raw::Sqlite(path, _) => {
            rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap();
        }
        Raw::Postgres(url) => {
            pg(url).await.batch_execute(sql).await.unwrap();
        }
    }
}

#[tokio::test]
async fn chosen_metadata_keys_are_summed_and_a_change_rebuilds() {
    for (name, store, raw) in stores().await {
        put(store.as_ref(), in_order()).await;
        let dims = |rows: &[Row]| {
            let mut d: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
            d.dedup();
            d
        };
        // Each dimension's values, per value each numeric score name's (`q0`, `q1`), the
        // scores by the time they were given (per hour and quarter hour), and the whole
        // project per quarter hour.
        let scored = |dims: &[&str]| -> Vec<String> {
            dims.iter()
                .flat_map(|d| match *d {
                    "" => vec![String::new()],
                    d => vec![d.to_string(), format!("{d}@q0"), format!("{d}@q1")],
                })
                .chain(["given", "given/quarter", "quarter"].map(String::from))
                .chain(["user_id/week", "user_id/week@q0", "user_id/week@q1"].map(String::from))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            dims(&rollup_rows(&raw).await),
            scored(&[
                "",
                "agent",
                "metadata.environment",
                "metadata.version",
                "model",
                "user_id"
            ]),
            "{name}: the default keys"
        );
        let keys = vec!["environment".to_string(), "team".to_string()];
        let counted = store.prepare_rollups(keys.clone()).await.unwrap();
        assert_eq!(counted, Some(SESSIONS as u64), "{name}: a change rebuilds");
        let rows = rollup_rows(&raw).await;
        assert_eq!(
            dims(&rows),
            scored(&[
                "",
                "agent",
                "metadata.environment",
                "metadata.team",
                "model",
                "user_id"
            ]),
            "{name}"
        );
        assert_eq!(store.prepare_rollups(keys).await.unwrap(), None, "{name}");
        // Ingest sums by the new keys too.
        let mut late = session(SESSIONS);
        if let Payload::SessionStart(s) = &mut late[0].payload {
            s.metadata.insert("team".into(), json!("infra"));
        }
        put(store.as_ref(), late).await;
        let rows = rollup_rows(&raw).await;
        assert!(
            rows.iter()
                .any(|r| r.1 == "metadata.team" && r.3 == "infra"),
            "{name}"
        );
        let before = snapshot(&raw).await;
        assert_eq!(rebuilt(store.as_ref(), &raw).await, before, "{name}");
    }
}

/// `sentrial rollup rebuild --db FILE`, as a user runs it, on a file whose rollups were lost.
#[tokio::test]
async fn the_rebuild_command_restores_lost_rollups() {
    let (_, store, raw) = stores().await.remove(0);
    put(store.as_ref(), in_order()).await;
    let want = snapshot(&raw).await;
    store.close().await;
    lose_rollups(&raw, false).await;
    let Raw::Sqlite(path, _) = &raw else {
        unreachable!()
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentrial-collector"))
        .args(["rollup", "rebuild", "--db"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("from {SESSIONS} sessions")),
        "{stdout}"
    );
    assert_eq!(snapshot(&raw).await, want);
    assert_eq!(count(&raw, "rollup_contrib").await, SESSIONS);
}

/// A database made before the rollups (its sessions stored, no rollups) gets them filled at the
/// next start.
#[tokio::test]
async fn the_first_start_fills_the_rollups_of_existing_sessions() {
    let (_, store, raw) = stores().await.remove(0);
    put(store.as_ref(), in_order()).await;
    let want = snapshot(&raw).await;
    store.close().await;
    // As the migration leaves a database that had sessions.
    lose_rollups(&raw, true).await;
    let Raw::Sqlite(path, _) = &raw else {
        unreachable!()
    };
    let srv = common::TestServer::start_on(path.clone(), vec![common::KEY.into()], &[]).await;
    assert_eq!(snapshot(&raw).await, want);
    drop(srv);
}
