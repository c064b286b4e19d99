//! One large batch of small events, each of a new session: the time to store it over real HTTP
//! (a collector on 127.0.0.1:0 with a temporary database). Ingest cost should grow linearly with
//! the batch. Prints figures; asserts nothing.
//!
//! `cargo bench -p sentrial-collector --bench big_batch [-- N...]` (default 5000 10000 20000)

use std::time::Instant;

use sentrial_collector::ServeConfig;
use sentrial_protocol::*;

mod support;

const KEY: &str = "bench-key";

/// A batch of `n` `session_input` events, each of its own new session.
fn batch(n: usize, offset: usize) -> Vec<u8> {
    let events = (0..n)
        .map(|i| Event {
            id: format!("big-{}", offset + i),
            session_id: format!("big-session-{}", offset + i),
            ts: 1_700_000_000_000 + i as i64,
            payload: Payload::SessionInput(SessionInput {
                turn: 0,
                text: format!("please look at issue {i} and tell me what you think"),
                position: None,
            }),
        })
        .collect();
    serde_json::to_vec(&Batch {
        protocol: PROTOCOL_VERSION,
        sdk: None,
        events,
    })
    .unwrap()
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![5_000, 10_000, 20_000]
    } else {
        sizes
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let server = support::serve(ServeConfig {
            port: 0,
            db: dir.path().join("bench.db"),
            api_keys: vec![KEY.into()],
            request_timeout: std::time::Duration::from_secs(600),
            ..ServeConfig::default()
        })
        .await;
        let url = format!("{}/v1/batch", server.url);
        let client = reqwest::Client::new();
        let mut offset = 0;
        for n in sizes {
            let body = batch(n, offset);
            offset += n;
            let started = Instant::now();
            let resp = client
                .post(&url)
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "big batch: {n} session_input events of new sessions ({:.1} MiB): {status}, \
                 {secs:.2} s, {:.0} events/s",
                body.len() as f64 / (1 << 20) as f64,
                n as f64 / secs
            );
        }
        server.stop().await;
    });
}
