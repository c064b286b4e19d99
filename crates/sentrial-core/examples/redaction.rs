//! What redaction costs per event, secrets only (the default) and with PII on (label and hash
//! modes): `cargo run --release -p sentrial-core --example redaction [iterations]`. Redaction
//! runs on the tracker's worker thread, never on the host's; this is that thread's CPU time.
//!
//! Prints, per event shape, the median of 7 runs of µs per event (the clone every run needs is
//! measured alone and taken off).

use std::hint::black_box;
use std::time::Instant;

use sentrial_core::redact::{PiiConfig, PiiKind, PiiMode, Privacy, RedactConfig, Redactor};
use serde_json::{json, Value};

/// Event shapes: (name, event as the worker sees it).
fn events() -> Vec<(&'static str, Value)> {
    let log_line = "2025-01-31T09:00:00.123Z INFO worker-3 processed batch 1700000000123 in 42 ms \
                    (tokens=1234, v1.2.3, id 3f0c2a1e-7d0b-4b8e-9a63-0c7f5c2d9e11)\n";
    let pii_line = "Customer jane.doe@example.com called from (415) 555-0123 about card \
                    4111 1111 1111 1111; SSN 123-45-6789 on file; login from 203.0.113.42.\n";
    vec![
        (
            "prompt, 200 B, no PII",
            json!({"type": "session_start", "data": {"agent": "a", "input":
                "Summarise the open issues of the repository and propose a plan for the next \
                 release, with the riskiest changes first and a test for each of them please."}}),
        ),
        (
            "tool output, 4 KB logs, no PII",
            json!({"type": "tool_call", "data": {"tool_name": "Bash",
                "input": {"command": "tail -n 30 app.log"},
                "output": {"stdout": log_line.repeat(30)}}}),
        ),
        (
            "tool output, 4 KB, PII in every line",
            json!({"type": "tool_call", "data": {"tool_name": "Bash",
                "input": {"command": "grep customer crm.csv"},
                "output": {"stdout": pii_line.repeat(25)}}}),
        ),
        (
            "tool output, 64 KB logs, no PII",
            json!({"type": "tool_call", "data": {"tool_name": "Read",
                "output": log_line.repeat(480)}}),
        ),
        // Worst cases for PII: every position starts a candidate that its check turns down.
        (
            "256 KB of digits",
            json!({"type": "tool_call", "data": {"tool_name": "Read",
                "output": "1234567890".repeat(26_214)}}),
        ),
        (
            "256 KB of `de:ad:` (a hex dump)",
            json!({"type": "tool_call", "data": {"tool_name": "Read",
                "output": "de:ad:be:ef:".repeat(21_845)}}),
        ),
    ]
}

fn redactor(mode: Option<PiiMode>) -> Redactor {
    let config = RedactConfig {
        pii: mode.map(|mode| PiiConfig {
            kinds: PiiKind::ALL.to_vec(),
            mode,
            hash_key: Some(b"bench".to_vec()),
        }),
        ..RedactConfig::default()
    };
    Redactor::new(&config, Privacy::Full).unwrap()
}

fn median_us(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut runs: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iterations {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[3]
}

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let setups = [
        ("secrets only", redactor(None)),
        ("+ pii label", redactor(Some(PiiMode::Label))),
        ("+ pii hash", redactor(Some(PiiMode::Hash))),
    ];
    println!("µs per event (median of 7 runs of {iterations}):");
    print!("{:<40}", "event");
    for (name, _) in &setups {
        print!("{name:>16}");
    }
    println!();
    for (name, event) in events() {
        let clone = median_us(iterations, || {
            black_box(event.clone());
        });
        print!("{name:<40}");
        for (_, r) in &setups {
            let us = median_us(iterations, || {
                let mut v = event.clone();
                r.apply_event(&mut v);
                black_box(v);
            });
            print!("{:>16.1}", (us - clone).max(0.0));
        }
        println!();
    }
}
