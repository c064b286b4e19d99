//! The binary as a user runs it: banner on stdout, a created key that works, SIGTERM stops it.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn serve(db: &std::path::Path, extra: &[&str]) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentrial-collector"))
        .args(["serve", "--port", "0", "--db"])
        .arg(db)
        .args(extra)
        .env_remove("SENTRIAL_API_KEYS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    (child, lines)
}

/// `method path` with `key` on the collector at `port`; status and body.
fn request(port: u16, key: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let resp = reqwest::Client::new()
            .request(method.parse().unwrap(), format!("http://127.0.0.1:{port}{path}"))
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

fn stop(mut child: std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "graceful shutdown exits 0");
}

#[test]
fn serve_prints_the_real_address_and_a_key_once_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let (child, lines) = serve(&db, &[]);
    let url = lines[0]
        .strip_prefix("Sentrial collector listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{lines:?}"));
    let port: u16 = url.parse().unwrap();
    assert_ne!(port, 0);
    assert_eq!(lines[1], format!("Database: {}", db.display()));
    let key = lines[2]
        .strip_prefix("Ingest key for the SDK (created now, shown once): ")
        .unwrap_or_else(|| panic!("{lines:?}"));

    // It sends events; reading takes a key with `read` (or the printed sign-in link).
    let batch = r#"{"protocol":1,"events":[]}"#;
    let (sent, _) = request(port, key, "POST", "/v1/batch", batch);
    assert_eq!(sent, 200);
    let (read, body) = request(port, key, "GET", "/api/sessions", "");
    assert_eq!(read, 403);
    assert!(body.contains("this key lacks the 'read' scope"), "{body}");
    stop(child);

    // Second start: the key is not shown again.
    let (child, lines) = serve(&db, &[]);
    assert_eq!(
        lines[2],
        format!(
            "API keys: 1 stored in the database; mint another with `sentrial key new --db {}`",
            db.display()
        )
    );
    stop(child);

    let (child, lines) = serve(&db, &["--api-key", "k1", "--api-key", "k2"]);
    assert_eq!(lines[2], "API keys: 2 from --api-key/SENTRIAL_API_KEYS");
    assert!(!lines.iter().any(|l| l.contains("k1")));
    stop(child);
}
