//! Export over real HTTP, on SQLite (and on PostgreSQL in the suite's second pass): every session
//! the list's filters match, streamed as CSV or JSONL across several pages, each row or line
//! checked against what the read API answers; one session as JSON and as Markdown; bad parameters
//! and scopes.

mod common;

use common::*;
use sentrial_collector::hash_key;
use sentrial_collector::Scopes;
use sentrial_protocol::*;
use serde_json::Value;

const T0: i64 = 1_700_000_000_000;

/// GETs `path` with `key`: status, content type, content disposition, body text.
async fn fetch(srv: &TestServer, key: &str, path: &str) -> (u16, String, String, String) {
    let resp = srv.send("GET", key, path).await;
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (status, ctype, disposition) = (
        resp.status().as_u16(),
        header("content-type"),
        header("content-disposition"),
    );
    (status, ctype, disposition, resp.text().await.unwrap())
}

/// Every session id the list answers for `filters`, page by page, newest first.
async fn listed(srv: &TestServer, filters: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = srv
            .get(KEY, &format!("/api/sessions?limit=500&{filters}{cursor}"))
            .await;
        assert_eq!(status, 200, "{page}");
        ids.extend(
            page["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return ids,
        }
    }
}

/// 1,150 sessions of two agents (more than two export pages of the one filtered on), the text of
/// each holding what CSV must quote.
async fn filled() -> TestServer {
    let srv = TestServer::start(&[]).await;
    let mut events = Vec::new();
    for i in 0..1_150 {
        let id = format!("s{i:04}");
        let agent = if i % 5 == 0 { "other" } else { "export-agent" };
        let mut ev = start(&id, T0 + i, agent, &format!("user-{}", i % 7), None);
        if let Payload::SessionStart(s) = &mut ev.payload {
            s.input = Some(format!("fix \"{i}\", then, line\nbreak"));
        }
        events.push(ev);
        events.push(end(&id, T0 + i + 5, SessionStatus::Completed));
    }
    for chunk in events.chunks(1_000) {
        let (status, body) = srv.post(KEY, chunk).await;
        assert_eq!(status, 200, "{body}");
    }
    srv
}

#[tokio::test]
async fn csv_has_a_row_per_session_the_list_has_with_its_fields() {
    let srv = filled().await;
    let (status, ctype, disposition, text) = fetch(
        &srv,
        KEY,
        "/api/export/sessions?format=csv&agent=export-agent",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ctype, "text/csv; charset=utf-8");
    assert!(
        disposition.starts_with("attachment; filename=\"sentrial-sessions-"),
        "{disposition}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "id");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(ids.len(), 920);
    assert_eq!(ids, listed(&srv, "agent=export-agent").await);
    // Every cell is the read API's value, the quoted text included.
    let (_, one) = srv.get(KEY, "/api/sessions/s0001").await;
    let row = rows.iter().find(|r| &r[0] == "s0001").unwrap();
    assert_eq!(&row[col("input")], "fix \"1\", then, line\nbreak");
    assert_eq!(&row[col("agent")], "export-agent");
    assert_eq!(&row[col("user_id")], "user-1");
    assert_eq!(&row[col("status")], "completed");
    assert_eq!(
        row[col("started_at")],
        one["started_at"].as_str().unwrap().to_string()
    );
    assert_eq!(&row[col("metadata")], "{}");
    assert_eq!(&row[col("end_reason")], "");
}

#[tokio::test]
async fn jsonl_has_each_session_as_the_session_endpoint_gives_it() {
    let srv = filled().await;
    let mut full = full_session("full-1", T0 + 10_000);
    full.retain(|e| !matches!(e.payload, Payload::SessionStart(_)));
    full.insert(
        0,
        start("full-1", T0 + 10_000, "other", "user-x", Some("c-1")),
    );
    let (status, body) = srv.post(KEY, &full).await;
    assert_eq!(status, 200, "{body}");
    let (status, ctype, _, text) =
        fetch(&srv, KEY, "/api/export/sessions?format=jsonl&agent=other").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ctype, "application/jsonl; charset=utf-8");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 231);
    let ids: Vec<String> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, listed(&srv, "agent=other").await);
    for line in [&lines[0], &lines[117], &lines[230]] {
        let (_, detail) = srv
            .get(
                KEY,
                &format!("/api/sessions/{}", line["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(line, &detail);
    }
    assert_eq!(lines[0]["id"], "full-1");
    assert_eq!(lines[0]["tool_calls"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn one_session_as_json_and_as_markdown() {
    let srv = TestServer::start(&[]).await;
    let (status, body) = srv.post(KEY, &transcript_session("t-1", T0)).await;
    assert_eq!(status, 200, "{body}");
    let (_, detail) = srv.get(KEY, "/api/sessions/t-1").await;
    let (status, ctype, disposition, json) =
        fetch(&srv, KEY, "/api/sessions/t-1/export?format=json").await;
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    assert_eq!(
        disposition,
        "attachment; filename=\"sentrial-session-t-1.json\""
    );
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), detail);

    let (status, ctype, _, md) = fetch(&srv, KEY, "/api/sessions/t-1/export?format=md").await;
    assert_eq!(
        (status, ctype.as_str()),
        (200, "text/markdown; charset=utf-8")
    );
    assert!(md.starts_with("# Session t-1\n"), "{md}");
    assert!(
        md.contains(&format!(
            "\n## Prompt\n\n```\n{}\n```\n",
            detail["input"].as_str().unwrap()
        )),
        "{md}"
    );
    for call in detail["tool_calls"].as_array().unwrap() {
        let name = call["tool_name"].as_str().unwrap();
        assert!(
            md.contains(&format!("**Tool call** `{name}`")),
            "{name} missing: {md}"
        );
    }
    assert!(md.contains("\n## Result\n"), "{md}");
    assert!(
        md.contains(&format!(
            "- Cost: ${:.6}",
            detail["cost_usd"].as_f64().unwrap()
        )),
        "{md}"
    );
}

#[tokio::test]
async fn bad_parameters_are_400_and_a_key_without_read_is_403() {
    let srv = TestServer::start(&[]).await;
    for (path, says) in [
        (
            "/api/export/sessions",
            "invalid format ``: expected csv or jsonl",
        ),
        ("/api/export/sessions?format=xml", "invalid format `xml`"),
        (
            "/api/export/sessions?format=csv&limit=5",
            "unknown parameter `limit`; known: agent,",
        ),
        (
            "/api/export/sessions?format=csv&status=done",
            "invalid status `done`",
        ),
        (
            "/api/sessions/x/export?format=pdf",
            "invalid format `pdf`: expected json or md",
        ),
        (
            "/api/sessions/x/export?format=md&q=1",
            "unknown parameter `q`; known: format",
        ),
    ] {
        let (status, _, _, text) = fetch(&srv, KEY, path).await;
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains(says), "{path}: {text}");
    }
    let (status, _, _, _) = fetch(&srv, KEY, "/api/sessions/none/export?format=json").await;
    assert_eq!(status, 404);
    let sender = "sk-ingest-only-0123456789abcdef";
    srv.store
        .add_key(
            hash_key(sender),
            "default".into(),
            Scopes::parse(&["ingest"]).unwrap(),
        )
        .await
        .unwrap();
    for path in [
        "/api/export/sessions?format=csv",
        "/api/sessions/x/export?format=json",
    ] {
        let (status, _, _, text) = fetch(&srv, sender, path).await;
        assert_eq!(status, 403, "{path}: {text}");
    }
}
