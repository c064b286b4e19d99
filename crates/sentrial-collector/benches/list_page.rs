//! Dashboard read latency at volume: fills a SQLite store with realistic sessions (tool calls,
//! results, ends; several agents, users, statuses, conversations, over 90 days) through the
//! store's own ingest path, then times the read API over real HTTP: the sessions list's first
//! page, filtered pages, text searches, a later page, a session, a conversation and the overview.
//! Prints median, p95 and max per request; then streams the exports (every session as CSV, one
//! agent's as JSONL) with their time and peak memory; asserts nothing.
//!
//! `cargo bench -p sentrial-collector --bench list_page [-- SESSIONS [RUNS]]`
//! (default 100000 sessions, 50 timed runs each; `--export-only` skips the timed reads,
//! `--only TEXT` times only the requests whose name holds TEXT).
//! `SENTRIAL_BENCH_DB=FILE` keeps the filled database in FILE and reuses it when it already holds
//! the sessions; one that holds part of them is refused, unless `SENTRIAL_BENCH_RESUME=1`
//! (complete it) or `SENTRIAL_BENCH_RESET=1` (fill it again).
//! `SENTRIAL_BENCH_DATABASE_URL=postgres://...` runs the same on PostgreSQL (the database is
//! reused the same way; `scripts/postgres.sh start` gives a throwaway server).

use std::path::PathBuf;

use sentrial_collector::store::Location;
use sentrial_collector::ServeConfig;
use serde_json::Value;

#[path = "list_page/export.rs"]
mod export;
mod support;
mod volume;

use volume::DAY;

const KEY: &str = "bench-key";

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sessions = args.first().copied().unwrap_or(100_000);
    let runs = args.get(1).copied().unwrap_or(50);
    // `--export-only`: skip the timed reads (at a million sessions the 90-day overview alone takes
    // longer than the request timeout on a busy machine; the export does not depend on them).
    let export_only = std::env::args().any(|a| a == "--export-only");
    // `--only TEXT`: time only the requests whose name holds TEXT (and skip the exports).
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let dir = tempfile::tempdir().unwrap();
    let db = std::env::var_os("SENTRIAL_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let now = sentrial_collector::parse_time("2025-06-01T12:00:00Z").unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let database_url = std::env::var("SENTRIAL_BENCH_DATABASE_URL").ok();
    let location = match &database_url {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::Sqlite(db.clone()),
    };
    rt.block_on(async move {
        volume::prepare(&location, sessions, now).await;

        let server = support::serve(ServeConfig {
            port: 0,
            db: db.clone(),
            database_url,
            api_keys: vec![KEY.into()],
            ..ServeConfig::default()
        })
        .await;
        let url = server.url.clone();
        let client = reqwest::Client::new();
        let get = |path: String| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let resp = client
                    .get(format!("{url}{path}"))
                    .header("authorization", format!("Bearer {KEY}"))
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success(), "{path}: {}", resp.status());
                serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).unwrap()
            }
        };

        let first = get("/api/sessions?limit=50".into()).await;
        let cursor = first["next_cursor"].as_str().unwrap().to_string();
        let some_id = first["sessions"][0]["id"].as_str().unwrap().to_string();
        let from7 = sentrial_collector::iso8601(now - 7 * DAY);
        let cases: Vec<(&str, String)> = vec![
            ("list: first page (50)", "/api/sessions?limit=50".into()),
            (
                "list: page after a cursor",
                format!("/api/sessions?limit=50&cursor={cursor}"),
            ),
            (
                "list: agent + status=failed",
                "/api/sessions?agent=test-fixer&status=failed".into(),
            ),
            ("list: user", "/api/sessions?user_id=user-42".into()),
            ("list: last 7 days", format!("/api/sessions?from={from7}")),
            (
                "search: rare (`ticket #4242`)",
                "/api/sessions?q=ticket%20%234242".into(),
            ),
            (
                "search: common (`rate limiter`)",
                "/api/sessions?q=rate%20limiter".into(),
            ),
            ("search: 2 chars (`#7`)", "/api/sessions?q=%237".into()),
            (
                "search + agent + status",
                "/api/sessions?q=billing&agent=triage&status=completed".into(),
            ),
            ("session detail", format!("/api/sessions/{some_id}")),
            ("conversation", "/api/conversations/convo-1234".into()),
            (
                "overview: 7 days",
                format!(
                    "/api/overview?from={from7}&to={}",
                    sentrial_collector::iso8601(now)
                ),
            ),
            (
                "overview: 30 days",
                format!(
                    "/api/overview?from={}&to={}",
                    sentrial_collector::iso8601(now - 30 * DAY),
                    sentrial_collector::iso8601(now)
                ),
            ),
            (
                "overview: 90 days",
                format!(
                    "/api/overview?from={}&to={}",
                    sentrial_collector::iso8601(now - 90 * DAY),
                    sentrial_collector::iso8601(now + DAY)
                ),
            ),
            (
                // Day buckets from a midnight half an hour off UTC's (UTC+5:30): a boundary cuts
                // an hour of each day, read from its quarter hours' rollups.
                "overview: 90 days from 18:30 UTC",
                format!(
                    "/api/overview?from={}&to={}",
                    sentrial_collector::iso8601(now - 90 * DAY - 17 * 3_600_000 - 1_800_000),
                    sentrial_collector::iso8601(now + DAY)
                ),
            ),
            (
                // Day buckets from no quarter hour (no time zone's midnight; the API allows it):
                // a boundary cuts a quarter hour of each day, read from the sessions and scores.
                "overview: 90 days from 18:37 UTC",
                format!(
                    "/api/overview?from={}&to={}",
                    sentrial_collector::iso8601(now - 90 * DAY - 17 * 3_600_000 - 1_380_000),
                    sentrial_collector::iso8601(now + DAY)
                ),
            ),
            (
                "overview: 24 h, mid-hour",
                format!(
                    "/api/overview?from={}&to={}",
                    sentrial_collector::iso8601(now - DAY - 1_800_000),
                    sentrial_collector::iso8601(now - 1_800_000)
                ),
            ),
        ];
        // The analytics pages over the last 7 and all 90 days.
        let mut analytics: Vec<(String, String)> = Vec::new();
        for (days, label) in [(7, "7 days"), (91, "90 days")] {
            let range = format!(
                "from={}&to={}",
                sentrial_collector::iso8601(now - days * DAY),
                sentrial_collector::iso8601(now)
            );
            for (name, path) in [
                ("users", "/api/analytics/users?"),
                ("users by last seen", "/api/analytics/users?sort=last_seen&"),
                ("user page", "/api/analytics/users/user-42?"),
                (
                    "users, one score's average",
                    "/api/analytics/users?score=helpful&",
                ),
                ("tools", "/api/analytics/tools?"),
                ("tool Bash", "/api/analytics/tools/Bash?"),
                (
                    "compare agents",
                    "/api/analytics/compare?by=agent&values=test-fixer,triage&",
                ),
                (
                    "compare version",
                    "/api/analytics/compare?by=metadata.version&values=1.2.0,1.3.0&",
                ),
            ] {
                analytics.push((format!("{name}: {label}"), format!("{path}{range}")));
            }
        }
        let mut cases = cases;
        cases.extend(analytics.iter().map(|(n, p)| (n.as_str(), p.clone())));
        let cases = match &only {
            _ if export_only => Vec::new(),
            Some(text) => cases
                .into_iter()
                .filter(|c| c.0.contains(text.as_str()))
                .collect(),
            None => cases,
        };
        volume::time_requests(&url, KEY, cases, runs).await;
        if only.is_none() {
            export::measure(&url, KEY).await;
        }
        server.stop().await;
    });
}
