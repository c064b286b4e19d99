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
            .request(
                method.parse().unwrap(),
                format!("http://127.0.0.1:{port}{path}"),
            )
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

/// Runs `sentrial ARGS`; exit code, stdout, stderr.
fn sentrial(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sentrial-collector"))
        .args(args)
        .env_remove("SENTRIAL_DATABASE_URL")
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap(),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn keys_are_minted_scoped_listed_rotated_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keys.db");
    let db = db.to_str().unwrap();
    let (code, key, err) = sentrial(&["key", "new", "--db", db, "--scope", "read,admin"]);
    assert_eq!(code, 0, "{err}");
    let key = key.trim().to_string();
    assert!(err.contains("with scopes read,admin"), "{err}");
    let (code, ingest, _) = sentrial(&["key", "new", "--db", db, "--project", "p2"]);
    assert_eq!(code, 0);
    let (code, _, err) = sentrial(&["key", "new", "--db", db, "--scope", "write"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown scope `write`"), "{err}");

    // A key made before scopes (version 4's row) is listed with full rights.
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute(
        "INSERT INTO api_keys (key_hash, project_id, created_at) VALUES (?1, 'default', 0)",
        [sentrial_collector::hash_key("old-key")],
    )
    .unwrap();
    let (code, list, _) = sentrial(&["key", "list", "--db", db]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 4, "{list}");
    assert!(lines[0].starts_with("ID"), "{list}");
    assert!(lines[1].contains("full (made before scopes)"), "{list}");
    let id = &sentrial_collector::hash_key(&key)[..12];
    let row = lines.iter().find(|l| l.starts_with(id)).unwrap();
    assert!(
        row.contains("default") && row.contains("read,admin") && row.ends_with(" -"),
        "{row}"
    );
    assert!(list.contains("p2") && list.contains("ingest"), "{list}");
    assert!(
        !list.contains(&key) && !list.contains(ingest.trim()),
        "a key in the listing"
    );
    let (_, p2_only, _) = sentrial(&["key", "list", "--db", db, "--project", "p2"]);
    assert_eq!(p2_only.lines().count(), 2, "{p2_only}");

    // Rotate: a new key, same project and scopes; the old one revoked.
    let (code, new_key, err) = sentrial(&["key", "rotate", id, "--db", db]);
    assert_eq!(code, 0, "{err}");
    assert!(new_key.trim().starts_with("sk_sentrial_") && new_key.trim() != key);
    assert!(
        err.contains("read,admin") && err.contains(&format!("key {id} is revoked")),
        "{err}"
    );
    let (_, list, _) = sentrial(&["key", "list", "--db", db]);
    let row = list.lines().find(|l| l.starts_with(id)).unwrap();
    assert!(!row.ends_with(" -"), "not shown revoked: {row}");
    let new_id = &sentrial_collector::hash_key(new_key.trim())[..12];
    assert_eq!(sentrial(&["key", "revoke", new_id, "--db", db]).0, 0);
    let (code, _, err) = sentrial(&["key", "revoke", new_id, "--db", db]);
    assert_eq!(
        (code, err.trim()),
        (
            1,
            format!("error: key {new_id} is already revoked").as_str()
        )
    );
}

#[test]
fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("private.db");
    let (child, _) = serve(&db, &[]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600, "database");
    for side in ["-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{side}", db.display()));
        assert_eq!(mode(&path), 0o600, "{side}");
    }
    stop(child);

    // A file an earlier version made world-readable is tightened at start.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (child, _) = serve(&db, &[]);
    assert_eq!(mode(&db), 0o600);
    stop(child);
}

#[test]
fn short_given_keys_are_warned_about_and_key_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("warn.db");
    let file = dir.path().join("keys.txt");
    std::fs::write(&file, "# the SDK's key\nfile-key-0123456789abcdefghij\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentrial-collector"))
        .args(["serve", "--port", "0", "--db"])
        .arg(&db)
        .args(["--api-key", "KEY_A", "--api-key-file"])
        .arg(&file)
        .env_remove("SENTRIAL_API_KEYS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    let port: u16 = lines[0].rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(lines[2], "API keys: 2 from --api-key/SENTRIAL_API_KEYS");
    let (status, _) = request(
        port,
        "file-key-0123456789abcdefghij",
        "GET",
        "/api/sessions",
        "",
    );
    assert_eq!(status, 200, "the file's key works");
    let mut err = child.stderr.take().unwrap();
    stop(child);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut err, &mut text).unwrap();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(warnings.len(), 1, "one short key: {text}");
    assert!(
        warnings[0].contains("5 characters") && warnings[0].contains("--api-key-file"),
        "{text}"
    );
    assert!(!text.contains("KEY_A"), "the key itself is never printed");
}

/// `sentrial alert ...` against a database file: stdout, stderr and the exit code.
fn alert(db: &std::path::Path, args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_sentrial-collector"))
        .arg("alert")
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("SENTRIAL_DATABASE_URL")
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
    )
}

#[test]
fn alert_rules_are_added_listed_paused_resumed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (out, _, code) = alert(&db, &["list"]);
    assert_eq!((out.as_str(), code), ("No alert rules.\n", Some(0)));
    let add = [
        "add",
        "--name",
        "Spend",
        "--metric",
        "cost_usd",
        "--group-by",
        "user_id",
        "--window-minutes",
        "60",
        "--op",
        ">",
        "--threshold",
        "5",
        "--webhook-url",
        "https://hooks.example.com/services/secret",
        "--cooldown-minutes",
        "30",
    ];
    let (id, err, code) = alert(&db, &add);
    assert_eq!(code, Some(0), "{err}");
    let id = id.trim().to_string();
    assert_eq!(id.len(), 16, "{id}");
    let (out, _, _) = alert(&db, &["list"]);
    assert!(out.starts_with(&format!("{id}  default  ok ")), "{out}");
    assert!(
        out.contains("cost_usd > 5 over 60 min per user_id  (never fired)  Spend"),
        "{out}"
    );
    assert_eq!(alert(&db, &["pause", &id]).2, Some(0));
    assert!(alert(&db, &["list"]).0.contains("  paused  "));
    assert_eq!(alert(&db, &["resume", &id]).2, Some(0));
    assert!(alert(&db, &["list"]).0.contains("  ok "));
    assert_eq!(alert(&db, &["delete", &id]).2, Some(0));
    let (_, err, code) = alert(&db, &["delete", &id]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no alert rule"), "{err}");
    let mut bad = add;
    bad[4] = "latency";
    let (_, err, code) = alert(&db, &bad);
    assert_eq!(code, Some(1));
    assert!(err.contains("metrics are cost_usd, sessions"), "{err}");
    assert_eq!(alert(&db, &["list"]).0, "No alert rules.\n");
}

#[test]
fn a_projects_retention_is_set_listed_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sentrial-collector"))
            .arg("retention")
            .args(args)
            .arg("--db")
            .arg(&db)
            .env_remove("SENTRIAL_DATABASE_URL")
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code(),
        )
    };
    let (out, _, code) = run(&["list"]);
    assert_eq!(
        (out.as_str(), code),
        ("No project has a retention of its own.\n", Some(0))
    );
    let (_, err, code) = run(&["set", "--project", "p1", "--days", "30"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("`p1` keeps its sessions 30 days"), "{err}");
    assert_eq!(run(&["set", "--project", "p2", "--days", "7"]).2, Some(0));
    let (out, _, _) = run(&["list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("p1\t30 days\tset 20"), "{out}");
    assert!(lines[1].starts_with("p2\t7 days\tset "), "{out}");
    for bad in ["0", "36501", "x"] {
        let (_, err, code) = run(&["set", "--project", "p1", "--days", bad]);
        assert_eq!(code, Some(2), "{bad}: {err}");
    }
    let (_, err, code) = run(&["clear", "--project", "p1"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("follows --retention-days again"), "{err}");
    let (_, err, _) = run(&["clear", "--project", "p1"]);
    assert!(err.contains("had no retention of its own"), "{err}");
    assert!(run(&["list"]).0.starts_with("p2\t7 days"));
}
