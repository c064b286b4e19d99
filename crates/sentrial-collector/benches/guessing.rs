//! How fast a client can guess keys: a collector on 127.0.0.1:0 configured as `sentrial serve`
//! configures it, and a few concurrent guessers sending wrong keys (`Authorization: Bearer`) and
//! wrong sign-ins (`POST /login`) for a few seconds. Prints how many guesses were answered (401,
//! or the sign-in page's `error=key`) per second, and how many were refused unanswered (429).
//! Asserts nothing.
//!
//! `cargo bench -p sentrial-collector --bench guessing [-- SECONDS GUESSERS]`

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sentrial_collector::{ServeConfig, DEFAULT_RATE_LIMIT};

mod support;

/// At most this many guesses in all, whatever the duration.
const MAX_GUESSES: u64 = 200_000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let seconds: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let guessers: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let config = ServeConfig {
        port: 0,
        db: dir.path().join("guess.db"),
        api_keys: vec!["the-right-key-0123456789abcdef".into()],
        rate_limit: Some(DEFAULT_RATE_LIMIT),
        ..ServeConfig::default()
    };
    let server = support::serve(config).await;
    let url = server.url.clone();

    for (what, login) in [("Bearer keys", false), ("POST /login", true)] {
        let counts = Arc::new(std::sync::Mutex::new(BTreeMap::<String, u64>::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for g in 0..guessers {
            let (url, counts, sent) = (url.clone(), counts.clone(), sent.clone());
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                while Instant::now() < until && sent.fetch_add(1, Ordering::Relaxed) < MAX_GUESSES {
                    let n = sent.load(Ordering::Relaxed);
                    let guess = format!("guess-{g}-{n}");
                    let resp = if login {
                        http.post(format!("{url}/login"))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(format!("key={guess}"))
                            .send()
                            .await
                    } else {
                        http.get(format!("{url}/api/sessions"))
                            .header("authorization", format!("Bearer {guess}"))
                            .send()
                            .await
                    };
                    let Ok(resp) = resp else { continue };
                    let label = match (resp.status().as_u16(), login) {
                        (401, false) | (303, true) => "answered (wrong)".to_string(),
                        (429, _) => "refused unanswered (429)".to_string(),
                        (s, _) => format!("other {s}"),
                    };
                    *counts.lock().unwrap().entry(label).or_default() += 1;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        let counts = counts.lock().unwrap();
        let answered = counts.get("answered (wrong)").copied().unwrap_or(0);
        println!(
            "{what}: {guessers} guessers for {secs:.1} s from one address: {:.0} guesses answered/s",
            answered as f64 / secs
        );
        for (label, n) in counts.iter() {
            println!("  {label}: {n} ({:.0}/s)", *n as f64 / secs);
        }
    }
    server.stop().await;
}
