//! A realistic project at volume, shared by the benchmarks that read one (`list_page`,
//! `issues_page`): sessions with tool calls, results and ends, several agents, users, statuses,
//! conversations and scores over 90 days, filled through the store's own ingest path,
//! deterministic so every run fills the same database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sentrial_collector::store::{Location, Store};
use sentrial_protocol::*;
use serde_json::{json, Value};

/// The project the fill goes into.
pub const PROJECT: &str = "default";
/// One day, ms.
pub const DAY: i64 = 86_400_000;

/// xorshift64*: deterministic, so every run fills the same database.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

pub const AGENTS: &[&str] = &[
    "code-reviewer",
    "test-fixer",
    "support-bot",
    "docs-writer",
    "release-manager",
    "data-analyst",
    "triage",
    "refactorer",
    "security-audit",
    "onboarding",
];
const VERBS: &[&str] = &[
    "Fix",
    "Explain",
    "Refactor",
    "Summarize",
    "Review",
    "Document",
    "Test",
    "Profile",
];
const THINGS: &[&str] = &[
    "the failing tests in src/auth.ts",
    "the login flow",
    "the billing webhook handler",
    "the flaky integration suite",
    "the README install section",
    "the retry logic in the queue",
    "the SQL migration for invoices",
    "the memory leak in the worker",
    "the CSV export",
    "the rate limiter",
    "the search endpoint",
    "the onboarding email template",
];
const FILES: &[&str] = &[
    "src/auth.ts",
    "src/queue/retry.rs",
    "lib/billing.js",
    "README.md",
    "tests/api.test.ts",
    "db/migrations/0042.sql",
];

/// The events of session `n` of `total`, spread over the 90 days before `now`.
pub fn session_events(n: usize, total: usize, rng: &mut Rng, now: i64) -> Vec<Event> {
    let sid = format!("0190bench-{n:08}");
    let t0 =
        now - 90 * DAY + (n as i64) * (90 * DAY / total as i64).max(1) + rng.below(60_000) as i64;
    let mut seq = 0;
    let mut ev = |ts: i64, payload: Payload| {
        seq += 1;
        Event {
            id: format!("{sid}-{seq:03}"),
            session_id: sid.clone(),
            ts,
            payload,
        }
    };
    let agent = rng.pick(AGENTS);
    let prompt = format!(
        "{} {} (ticket #{})",
        rng.pick(VERBS),
        rng.pick(THINGS),
        rng.below(90_000)
    );
    let mut out = vec![ev(
        t0,
        Payload::SessionStart(SessionStart {
            agent: agent.into(),
            user_id: format!("user-{}", rng.below(500)),
            convo_id: Some(format!("convo-{}", n / 4)),
            model: Some("claude-sonnet-4-5".into()),
            input: Some(prompt),
            metadata: json!({"environment": "production", "version": "1.2.0"})
                .as_object()
                .unwrap()
                .clone(),
            started_at: t0,
            ..Default::default()
        }),
    )];
    let calls = 2 + rng.below(7) as u32;
    let mut t = t0 + 800;
    for i in 0..calls {
        let file = rng.pick(FILES);
        let (tool, input, output) = match rng.below(4) {
            0 => (
                "Bash",
                json!({"command": format!("npm test -- {file}")}),
                json!({"stdout": "PASS tests/api.test.ts\n  ✓ logs in (12 ms)\n  ✓ refreshes the token (8 ms)\n\nTests: 2 passed", "stderr": ""}),
            ),
            1 => (
                "Read",
                json!({"file_path": format!("/work/repo/{file}")}),
                json!({"type": "text", "file": {"filePath": file, "content": "export function login(user, password) {\n  return api.post('/login', { user, password });\n}\n", "numLines": 3, "startLine": 1, "totalLines": 3}}),
            ),
            2 => (
                "Glob",
                json!({"pattern": "src/**/*.ts"}),
                json!({"filenames": ["src/auth.ts", "src/api.ts", "src/index.ts"], "numFiles": 3, "truncated": false}),
            ),
            _ => (
                "Write",
                json!({"file_path": format!("/work/repo/{file}"), "content": "// fixed\nexport const retries = 3;\n"}),
                json!({"type": "update"}),
            ),
        };
        let failed = rng.below(12) == 0;
        let d = 20 + rng.below(3000) as i64;
        out.push(ev(
            t + d,
            Payload::ToolCall(ToolCall {
                tool_use_id: format!("toolu_{n}_{i}"),
                tool_name: tool.into(),
                seq: i,
                status: if failed {
                    ToolStatus::Error
                } else {
                    ToolStatus::Success
                },
                input,
                output: if failed { Value::Null } else { output },
                error: failed.then(|| "Exit code 1: command failed".to_string()),
                duration_ms: Some(d as u64),
                started_at: Some(t),
                ended_at: Some(t + d),
                ..Default::default()
            }),
        ));
        t += d + 500;
    }
    // Every third session is scored `helpful` (0 to 1), without drawing from `rng`: the sessions
    // are those of fills made before scores were added.
    if n.is_multiple_of(3) {
        out.push(ev(
            t,
            Payload::Score(Score {
                name: "helpful".into(),
                value: ScoreValue::Number((n % 5) as f64 / 4.0),
                comment: None,
                source: SCORE_SOURCE_API.into(),
                at: t,
                of: ScoreOf::Session,
            }),
        ));
    }
    let roll = rng.below(100);
    if roll < 2 {
        return out; // still running
    }
    let status = match roll {
        2..=9 => SessionStatus::Failed,
        10..=13 => SessionStatus::Interrupted,
        _ => SessionStatus::Completed,
    };
    let usage = Usage {
        prompt_tokens: 200 + rng.below(3000),
        completion_tokens: 100 + rng.below(2000),
        total_tokens: 0,
        cache_read_tokens: rng.below(20_000),
        cache_creation_tokens: rng.below(4000),
        cost_usd: (1 + rng.below(400)) as f64 / 1000.0,
        ..Default::default()
    };
    let output = format!("Done: updated {} and the tests pass.", rng.pick(FILES));
    out.push(ev(
        t,
        Payload::SessionEnd(SessionEnd {
            status,
            failure_reason: (status == SessionStatus::Failed)
                .then(|| "error_max_turns".to_string()),
            output: Some(output),
            ended_at: t,
            duration_ms: (t - t0) as u64,
            num_turns: Some(u64::from(calls) + 1),
            usage,
            results: 1,
            reconciliation: None,
            ..Default::default()
        }),
    ));
    out
}

/// Fills `location` with `sessions` sessions through the store's own ingest.
pub async fn fill(location: &Location, sessions: usize, now: i64) {
    let store: Arc<dyn Store> = sentrial_collector::store::open(location).await.unwrap();
    let started = Instant::now();
    let mut rng = Rng(0x5e47_21a1);
    let mut pending = Vec::new();
    let mut batch = Vec::new();
    let mut events = 0usize;
    for n in 0..sessions {
        batch.extend(session_events(n, sessions, &mut rng, now));
        if batch.len() >= 500 || n + 1 == sessions {
            events += batch.len();
            let store = store.clone();
            let events = std::mem::take(&mut batch);
            pending.push(tokio::spawn(async move {
                store.ingest(PROJECT.into(), events).await.unwrap()
            }));
            if pending.len() >= 16 {
                for p in pending.drain(..) {
                    p.await.unwrap();
                }
            }
        }
        if (n + 1) % 50_000 == 0 {
            eprintln!(
                "  filled {} sessions ({:.0} s)",
                n + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    for p in pending {
        p.await.unwrap();
    }
    store.close().await;
    println!(
        "fill: {sessions} sessions, {events} events through Store::ingest in {:.1} s ({:.0} events/s)",
        started.elapsed().as_secs_f64(),
        events as f64 / started.elapsed().as_secs_f64()
    );
}

/// How many sessions `location` holds.
pub async fn stored_sessions(location: &Location) -> i64 {
    match location {
        Location::Sqlite(db) => rusqlite::Connection::open(db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0)))
            .unwrap_or(0),
        Location::Postgres(url) => {
            let Ok((client, conn)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await
            else {
                return 0;
            };
            tokio::spawn(conn);
            client
                .query_one("SELECT COUNT(*) FROM sessions", &[])
                .await
                .map(|r| r.get(0))
                .unwrap_or(0)
        }
    }
}

/// Empties the database the fill goes into.
pub async fn reset(location: &Location) {
    match location {
        Location::Sqlite(db) => {
            let _ = std::fs::remove_file(db);
        }
        Location::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                .await
                .unwrap();
        }
    }
}

/// After a bulk fill, what autovacuum would do in a while anyway: table statistics for the
/// planner, and the visibility map that index-only scans need.
pub async fn analyze(location: &Location) {
    if let Location::Postgres(url) = location {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let t = Instant::now();
        client.batch_execute("VACUUM ANALYZE").await.unwrap();
        println!("VACUUM ANALYZE: {:.1} s", t.elapsed().as_secs_f64());
    }
}

/// The database's size on disk.
pub async fn size_mib(location: &Location) -> f64 {
    let bytes = match location {
        Location::Sqlite(db) => std::fs::metadata(db).map(|m| m.len()).unwrap_or(0) as i64,
        Location::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .query_one("SELECT pg_database_size(current_database())", &[])
                .await
                .unwrap()
                .get(0)
        }
    };
    bytes as f64 / (1 << 20) as f64
}

/// Fills `location` with `sessions` sessions unless it holds them already (then it is reused),
/// and prints its size. A database holding part of the fill (an interrupted run, or one still
/// filling: a million sessions take most of an hour) is left alone unless asked: with
/// `SENTRIAL_BENCH_RESUME=1` it is completed (the fill is deterministic, so ingest skips what is
/// stored as duplicates), with `SENTRIAL_BENCH_RESET=1` emptied and filled again.
pub async fn prepare(location: &Location, sessions: usize, now: i64) {
    let stored = stored_sessions(location).await;
    if stored < sessions as i64 {
        let set = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
        if stored > 0 && set("SENTRIAL_BENCH_RESUME") {
            println!("fill: completing the {stored} sessions stored");
        } else if stored > 0 && !set("SENTRIAL_BENCH_RESET") {
            eprintln!(
                "the database holds {stored} of the {sessions} sessions (a fill may still be \
                 running into it): SENTRIAL_BENCH_RESUME=1 completes it, SENTRIAL_BENCH_RESET=1 \
                 empties it and fills it again"
            );
            std::process::exit(2);
        } else {
            reset(location).await;
        }
        fill(location, sessions, now).await;
        analyze(location).await;
    } else {
        println!("fill: reusing the database ({stored} sessions)");
    }
    let engine = match location {
        Location::Postgres(_) => "PostgreSQL",
        Location::Sqlite(_) => "SQLite",
    };
    println!("database: {engine} {:.0} MiB", size_mib(location).await);
}

/// Times each of `cases` (a name, a path) over HTTP with `key`, `runs` times after 3 warm-up
/// runs, and prints median, p95 and max, and how many sessions (or issue kinds) it answered.
pub async fn time_requests(url: &str, key: &str, cases: Vec<(&str, String)>, runs: usize) {
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let req = client
            .get(format!("{url}{path}"))
            .header("authorization", format!("Bearer {key}"));
        async move {
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success(), "{}", resp.status());
            serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).unwrap()
        }
    };
    println!("\n{runs} runs each over HTTP (keep-alive, one client), after 3 warm-up runs:");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>6}",
        "request", "median", "p95", "max", "items"
    );
    for (name, path) in cases {
        let mut items = 0;
        for _ in 0..3 {
            let body = get(&path).await;
            let list = body["sessions"].as_array().or(body["issues"].as_array());
            items = list.map(Vec::len).unwrap_or(0);
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            get(&path).await;
            times.push(t.elapsed());
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{name:<34} {:>9} {:>9} {:>9} {items:>6}",
            ms(at(0.5)),
            ms(at(0.95)),
            ms(at(1.0))
        );
    }
}
