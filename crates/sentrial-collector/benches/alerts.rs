//! The cost of an alert evaluation round at volume: fills a store with sessions spread over the
//! last 24 hours (a tenth failed, a score on every tenth) through the store's own ingest, adds one
//! rule per metric over a 1-hour and a 24-hour window (half of them per user), and times
//! `evaluate_alerts` rounds: the first (every rule fires, its deliveries are written) and the
//! steady ones after. On SQLite a round holds the write lock, so its time is also the longest a
//! batch may wait behind it. Prints median and max; asserts nothing.
//!
//! `cargo bench -p sentrial-collector --bench alerts [-- SESSIONS [ROUNDS]]` (default 100000
//! sessions, 20 rounds). `SENTRIAL_BENCH_DATABASE_URL=postgres://...` runs it on PostgreSQL (an
//! empty database).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sentrial_collector::alert::NewRule;
use sentrial_collector::store::{PgStore, SqliteStore, Store};
use sentrial_protocol::*;

const PROJECT: &str = "default";
const HOUR: i64 = 3_600_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn event(session: &str, id: String, ts: i64, payload: Payload) -> Event {
    Event {
        id,
        session_id: session.into(),
        ts,
        payload,
    }
}

/// Session `n`: ended at a point of the last 24 h, by one of 50 users and 10 agents.
fn session(n: u64, now: i64) -> Vec<Event> {
    let id = format!("s{n:07}");
    let ended = now - 1_000 - (n.wrapping_mul(2_654_435_761) % (24 * HOUR as u64)) as i64;
    let duration = 1_000 + (n * 7_919) % 120_000;
    let mut events = vec![
        event(
            &id,
            format!("{id}-start"),
            ended - duration as i64,
            Payload::SessionStart(SessionStart {
                agent: format!("agent-{}", n % 10),
                user_id: format!("user-{}", n % 50),
                started_at: ended - duration as i64,
                ..Default::default()
            }),
        ),
        event(
            &id,
            format!("{id}-end"),
            ended,
            Payload::SessionEnd(SessionEnd {
                status: if n.is_multiple_of(10) {
                    SessionStatus::Failed
                } else {
                    SessionStatus::Completed
                },
                ended_at: ended,
                duration_ms: duration,
                results: 1,
                usage: Usage {
                    cost_usd: (n % 100) as f64 / 1_000.0,
                    ..Default::default()
                },
                ..Default::default()
            }),
        ),
    ];
    if n % 10 == 3 {
        events.push(event(
            &id,
            format!("{id}-score"),
            ended,
            Payload::Score(Score {
                name: "helpful".into(),
                value: ScoreValue::Number((n % 5) as f64 / 4.0),
                comment: None,
                source: "sdk".into(),
                at: ended,
                of: ScoreOf::Session,
            }),
        ));
    }
    events
}

fn rules(now: i64) -> Vec<sentrial_collector::alert::Rule> {
    let metrics: [(&str, Option<&str>, Option<&str>); 7] = [
        ("cost_usd", None, None),
        ("sessions", None, None),
        ("failed_sessions", None, None),
        ("failure_rate", None, None),
        ("issues", Some("loop"), None),
        ("p95_duration_ms", None, None),
        ("avg_score", None, Some("helpful")),
    ];
    let mut out = Vec::new();
    for (i, (metric, kind, score)) in metrics.into_iter().enumerate() {
        for window in [60, 24 * 60] {
            let form = NewRule {
                name: format!("{metric} {window}"),
                metric: metric.into(),
                issue_kind: kind.map(String::from),
                score_name: score.map(String::from),
                group_by: (i % 2 == 0).then(|| "user_id".into()),
                window_minutes: window,
                op: ">".into(),
                threshold: 0.0,
                webhook_url: "http://127.0.0.1:9/hook".into(),
                ..NewRule::default()
            };
            out.push(form.check(PROJECT, format!("r{i}-{window}"), now).unwrap());
        }
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1_000.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sessions = args.first().copied().unwrap_or(100_000);
    let rounds = args.get(1).copied().unwrap_or(20) as usize;
    let dir = tempfile::tempdir().unwrap();
    let (name, store): (&str, Arc<dyn Store>) = match std::env::var("SENTRIAL_BENCH_DATABASE_URL") {
        Ok(url) => (
            "PostgreSQL",
            Arc::new(PgStore::connect(&url).await.unwrap()),
        ),
        Err(_) => (
            "SQLite",
            Arc::new(SqliteStore::open(dir.path().join("alerts.db")).unwrap()),
        ),
    };
    let now = now_ms();
    let fill = Instant::now();
    let mut batch = Vec::new();
    for n in 0..sessions {
        batch.extend(session(n, now));
        if batch.len() >= 2_000 {
            store
                .ingest(PROJECT.into(), std::mem::take(&mut batch))
                .await
                .unwrap();
        }
    }
    store.ingest(PROJECT.into(), batch).await.unwrap();
    println!(
        "{name}: {sessions} sessions over 24 h stored in {:.1} s",
        fill.elapsed().as_secs_f64()
    );
    for rule in rules(now) {
        store.add_alert_rule(rule).await.unwrap();
    }
    let time = |at: i64| {
        let store = store.clone();
        async move {
            let t = Instant::now();
            let queued = store
                .evaluate_alerts(at, "http://127.0.0.1:7878".into())
                .await
                .unwrap();
            (t.elapsed(), queued.unwrap_or(0))
        }
    };
    let (first, queued) = time(now).await;
    println!(
        "14 rules (7 metrics x 1 h and 24 h windows, half per user): first round {} ({queued} firings queued)",
        ms(first)
    );
    let mut times = Vec::new();
    for i in 0..rounds {
        times.push(time(now + i as i64).await.0);
    }
    times.sort();
    println!(
        "steady rounds ({rounds}): median {}, max {}",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    store.close().await;
}
