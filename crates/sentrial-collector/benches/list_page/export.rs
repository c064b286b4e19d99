//! The export endpoints at volume: every session as CSV, and one agent's sessions as JSONL (each
//! with everything it holds), streamed over HTTP and counted as they arrive; the process's
//! resident memory is sampled meanwhile, so the figure shows whether the export holds its rows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Streams each export and prints its rows, bytes, time and the peak resident memory above
/// what the process held before it.
pub async fn measure(url: &str, key: &str) {
    println!("\nexport, streamed over HTTP (one request each):");
    println!(
        "{:<34} {:>9} {:>10} {:>9} {:>12}",
        "request", "rows", "MiB", "time", "peak RSS +"
    );
    for (name, path) in [
        ("CSV: every session", "/api/export/sessions?format=csv"),
        (
            "JSONL: agent test-fixer",
            "/api/export/sessions?format=jsonl&agent=test-fixer",
        ),
    ] {
        let before = rss_bytes();
        let peak = Arc::new(AtomicU64::new(before));
        let sampling = Arc::new(AtomicU64::new(1));
        let sampler = {
            let (peak, sampling) = (peak.clone(), sampling.clone());
            tokio::spawn(async move {
                while sampling.load(Ordering::Relaxed) == 1 {
                    peak.fetch_max(rss_bytes(), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let started = Instant::now();
        let mut resp = reqwest::Client::new()
            .get(format!("{url}{path}"))
            .header("authorization", format!("Bearer {key}"))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        let (mut bytes, mut lines) = (0usize, 0usize);
        while let Some(chunk) = resp.chunk().await.unwrap() {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let took = started.elapsed();
        sampling.store(0, Ordering::Relaxed);
        sampler.await.unwrap();
        let rows = if path.contains("csv") {
            lines - 1
        } else {
            lines
        };
        println!(
            "{name:<34} {rows:>9} {:>10.1} {:>7.1} s {:>8.1} MiB",
            bytes as f64 / 1_048_576.0,
            took.as_secs_f64(),
            (peak.load(Ordering::Relaxed).saturating_sub(before)) as f64 / 1_048_576.0
        );
    }
}

/// This process's resident memory, from /proc (0 where there is none).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}
