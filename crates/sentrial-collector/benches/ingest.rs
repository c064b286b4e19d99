//! Ingest throughput over real HTTP: a collector on 127.0.0.1:0 with a temporary database, a few
//! concurrent senders posting batches of realistic events. Prints figures; asserts nothing.
//!
//! `cargo bench -p sentrial-collector --bench ingest [-- EVENTS BATCH SENDERS]`
//!
//! `SENTRIAL_BENCH_DB=FILE` ingests into the SQLite database FILE instead of a new one (one that
//! `list_page` filled, say, to measure ingest into a large database); each run's sessions are new.

use std::sync::Arc;
use std::time::Instant;

use sentrial_collector::ServeConfig;
use sentrial_protocol::*;
use serde_json::json;

mod support;

const KEY: &str = "bench-key";

fn session_events(run: &str, session: usize, t0: i64) -> Vec<Event> {
    let sid = format!("bench-session-{run}{session}");
    // Time-ordered ids, as the SDK's UUIDv7 are.
    let ev = |n: usize, ts: i64, payload: Payload| Event {
        id: format!("0190{run}{session:012x}-{n:04x}"),
        session_id: sid.clone(),
        ts,
        payload,
    };
    let mut out = vec![ev(
        0,
        t0,
        Payload::SessionStart(SessionStart {
            agent: "bench-agent".into(),
            user_id: format!("user-{}", session % 50),
            convo_id: Some(format!("convo-{}", session % 200)),
            model: Some("claude-sonnet-4-5".into()),
            input: Some("summarize the repository and fix the failing test".into()),
            metadata: json!({"cwd": "/work/repo", "tools": ["Bash", "Read", "Edit"]})
                .as_object()
                .unwrap()
                .clone(),
            started_at: t0,
            ..Default::default()
        }),
    )];
    for i in 0..8u32 {
        out.push(ev(
            1 + i as usize,
            t0 + 10 * i64::from(i) + 5,
            Payload::ToolCall(ToolCall {
                tool_use_id: format!("toolu_{run}{session}_{i}"),
                tool_name: "Bash".into(),
                seq: i,
                status: ToolStatus::Success,
                input: json!({"command": format!("grep -rn 'fn main' src/ | head -{i}")}),
                output: json!({"stdout": "src/main.rs:1:fn main() {\nsrc/bin/tool.rs:3:fn main() {", "stderr": ""}),
                duration_ms: Some(12),
                started_at: Some(t0 + 10 * i64::from(i)),
                ended_at: Some(t0 + 10 * i64::from(i) + 5),
                ..Default::default()
            }),
        ));
    }
    let usage = Usage {
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        cost_usd: 0.01,
        ..Default::default()
    };
    out.push(ev(
        9,
        t0 + 100,
        Payload::SessionResult(SessionResult {
            index: 0,
            subtype: "success".into(),
            output: Some("Fixed the test by updating the fixture path.".into()),
            num_turns: Some(9),
            duration_ms: 100,
            usage: usage.clone(),
            ..Default::default()
        }),
    ));
    out.push(ev(
        10,
        t0 + 101,
        Payload::SessionEnd(SessionEnd {
            status: SessionStatus::Completed,
            output: Some("Fixed the test by updating the fixture path.".into()),
            ended_at: t0 + 101,
            duration_ms: 101,
            num_turns: Some(9),
            usage,
            results: 1,
            reconciliation: None,
            ..Default::default()
        }),
    ));
    out
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(200_000);
    let batch = args.get(1).copied().unwrap_or(250);
    let senders = args.get(2).copied().unwrap_or(4);
    let db = std::env::var_os("SENTRIAL_BENCH_DB").map(std::path::PathBuf::from);
    // Into a database of earlier runs, this run's ids are its own (its start, in hex).
    let run = match db {
        Some(_) => format!(
            "{:x}-",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        ),
        None => String::new(),
    };

    let events: Vec<Event> = (0..total.div_ceil(11))
        .flat_map(|s| session_events(&run, s, 1_700_000_000_000 + s as i64))
        .take(total)
        .collect();
    let bodies: Vec<Vec<u8>> = events
        .chunks(batch)
        .map(|chunk| {
            serde_json::to_vec(&Batch {
                protocol: PROTOCOL_VERSION,
                sdk: None,
                events: chunk.to_vec(),
            })
            .unwrap()
        })
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let db = db.unwrap_or_else(|| dir.path().join("bench.db"));
        let server = support::serve(ServeConfig {
            port: 0,
            db,
            api_keys: vec![KEY.into()],
            ..ServeConfig::default()
        })
        .await;
        let url = format!("{}/v1/batch", server.url);
        let client = reqwest::Client::new();
        let bodies = Arc::new(bodies);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..senders {
            let (client, url, bodies, next) =
                (client.clone(), url.clone(), bodies.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let resp = client
                        .post(&url)
                        .header("authorization", format!("Bearer {KEY}"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert!(resp.status().is_success(), "{}", resp.status());
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "ingest: {total} events in {} batches of {batch}, {senders} senders, {:.1} MiB: \
             {secs:.2} s, {:.0} events/s",
            bodies.len(),
            bytes as f64 / (1 << 20) as f64,
            total as f64 / secs
        );
        server.stop().await;
    });
}
