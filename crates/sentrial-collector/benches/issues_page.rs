//! The Issues page's reads at volume: fills a store with the `list_page` project (100,000
//! sessions over 90 days by default; most end without a result event, so most have an
//! `unfinished` finding, and some loops, error streaks and tool errors), then times over real
//! HTTP what the Issues page asks (`GET /api/issues` over 7, 30 and 90 days) and the session
//! lists its counts open. The goal is under 100 ms at 100,000 sessions. Prints median, p95 and
//! max per request; asserts nothing.
//!
//! `cargo bench -p sentrial-collector --bench issues_page [-- SESSIONS [RUNS]]`;
//! `SENTRIAL_BENCH_DB=FILE` and `SENTRIAL_BENCH_DATABASE_URL=postgres://...` as for `list_page`
//! (a database `list_page` filled is reused as it is).

use std::path::PathBuf;

use sentrial_collector::iso8601;
use sentrial_collector::store::Location;
use sentrial_collector::ServeConfig;

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
    let dir = tempfile::tempdir().unwrap();
    let db = std::env::var_os("SENTRIAL_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let now = sentrial_collector::parse_time("2025-06-01T12:00:00Z").unwrap();
    let database_url = std::env::var("SENTRIAL_BENCH_DATABASE_URL").ok();
    let location = match &database_url {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::Sqlite(db.clone()),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
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
        let range = |days: i64| format!("from={}&to={}", iso8601(now - days * DAY), iso8601(now));
        let issue_range = |days: i64| {
            format!(
                "issue_from={}&issue_to={}",
                iso8601(now - days * DAY),
                iso8601(now)
            )
        };
        let cases: Vec<(&str, String)> = vec![
            ("issues: 7 days", format!("/api/issues?{}", range(7))),
            ("issues: 30 days", format!("/api/issues?{}", range(30))),
            ("issues: 90 days", format!("/api/issues?{}", range(90))),
            (
                "list: unfinished, 7 days",
                format!("/api/sessions?issue=unfinished&{}", issue_range(7)),
            ),
            (
                "list: error_streak, 90 days",
                format!("/api/sessions?issue=error_streak&{}", issue_range(90)),
            ),
            (
                "list: tool_errors + tool Bash",
                format!(
                    "/api/sessions?issue=tool_errors&issue_tool=Bash&{}",
                    issue_range(90)
                ),
            ),
            (
                "list: unfinished + agent, 7 days",
                format!(
                    "/api/sessions?issue=unfinished&agent=triage&{}",
                    issue_range(7)
                ),
            ),
        ];
        volume::time_requests(&server.url, KEY, cases, runs).await;
        server.stop().await;
    });
}
