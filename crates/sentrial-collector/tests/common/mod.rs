//! A real collector on 127.0.0.1:0 with a temporary database, and event builders.

#![allow(dead_code)]

pub mod stores;

use std::path::PathBuf;

use std::sync::Arc;

use sentrial_collector::store::Store;
use sentrial_collector::{hash_key, KeyInfo, Scopes, ServeConfig, Server};
use sentrial_protocol::*;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A new, empty PostgreSQL database on the server of `SENTRIAL_TEST_DATABASE_URL` (made by
/// `scripts/postgres.sh`), as a URL; `None` when the variable is unset. Databases are named
/// `sentrial_test_*` and left behind: the test server is thrown away after the run.
pub async fn fresh_postgres() -> Option<String> {
    let admin = std::env::var("SENTRIAL_TEST_DATABASE_URL").ok()?;
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach SENTRIAL_TEST_DATABASE_URL: {e}"));
    let driver = tokio::spawn(connection);
    let name = format!("sentrial_test_{}", unique_suffix());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = driver.await;
    let base = admin.split('?').next().unwrap();
    let (server, _db) = base.rsplit_once('/').unwrap();
    Some(format!("{server}/{name}"))
}

/// Whether this is the suite's PostgreSQL pass (`SENTRIAL_TEST_STORE=postgres`, see
/// `scripts/test.sh`): [`TestServer`] stores there, and tests that depend on the store ask.
pub fn on_postgres() -> bool {
    std::env::var("SENTRIAL_TEST_STORE").as_deref() == Ok("postgres")
}

/// PostgreSQL is required (the suite is run by `scripts/test.sh`, which starts one): a missing
/// URL fails the test rather than passing it unseen.
pub fn postgres_required() -> bool {
    std::env::var("SENTRIAL_REQUIRE_POSTGRES").as_deref() == Ok("1")
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// An HTTP client builder for the tests. reqwest is built with rustls and no default crypto
/// provider (the SDK passes its own, see `sentrial-core/src/tls.rs`), so a plain client needs one
/// installed for the process first, even for `http://` URLs.
pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// A plain client from [`http_builder`].
pub fn http_client() -> reqwest::Client {
    http_builder().build().unwrap()
}

/// The key every test server accepts for project `default`.
pub const KEY: &str = "test-key-default-0123456789";

pub struct TestServer {
    pub url: String,
    pub db: PathBuf,
    /// The PostgreSQL database, when the store is PostgreSQL.
    pub database_url: Option<String>,
    pub key_info: KeyInfo,
    /// The sign-in link the banner printed (works once).
    pub signin_link: String,
    /// The server's store, to reach its keys and sign-ins directly.
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server accepting [`KEY`] for `default` and, for each `(key, project)`, a stored key
    /// with every scope.
    /// Its store is a new SQLite file, or a new PostgreSQL database when
    /// `SENTRIAL_TEST_STORE=postgres` (the suite's second pass, see `scripts/test.sh`).
    pub async fn start(stored: &[(&str, &str)]) -> TestServer {
        Self::start_with(stored, |_| {}).await
    }

    /// [`TestServer::start`] with its config changed by `change` first.
    pub async fn start_with(
        stored: &[(&str, &str)],
        change: impl FnOnce(&mut ServeConfig),
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("collector.db");
        let database_url = if on_postgres() {
            Some(
                fresh_postgres()
                    .await
                    .expect("SENTRIAL_TEST_STORE=postgres needs SENTRIAL_TEST_DATABASE_URL"),
            )
        } else {
            None
        };
        let mut config = ServeConfig {
            port: 0,
            db,
            database_url,
            api_keys: vec![KEY.to_string()],
            ..ServeConfig::default()
        };
        change(&mut config);
        let mut server = Self::start_config(config, stored).await;
        server._dir = Some(dir);
        server
    }

    /// A server on `db` with these config keys and stored keys.
    pub async fn start_on(db: PathBuf, keys: Vec<String>, stored: &[(&str, &str)]) -> TestServer {
        let config = ServeConfig {
            port: 0,
            db: db.clone(),
            api_keys: keys,
            ..ServeConfig::default()
        };
        Self::start_config(config, stored).await
    }

    /// A server with this config (port and db as given) and stored keys.
    pub async fn start_config(config: ServeConfig, stored: &[(&str, &str)]) -> TestServer {
        let db = config.db.clone();
        let database_url = config.database_url.clone();
        let server = Server::bind(config).await.unwrap();
        for (key, project) in stored {
            server
                .state()
                .store
                .add_key(hash_key(key), project.to_string(), Scopes::FULL)
                .await
                .unwrap();
        }
        let url = server.url();
        let key_info = server.key_info().clone();
        let signin_link = server.signin_link().to_string();
        let store = server.state().store.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestServer {
            url,
            db,
            database_url,
            key_info,
            signin_link,
            store,
            client: http_client(),
            stop: Some(stop),
            task: Some(task),
            _dir: None,
        }
    }

    /// The command-line flags that point at this server's database.
    pub fn db_args(&self) -> Vec<String> {
        match &self.database_url {
            Some(url) => vec!["--database-url".into(), url.clone()],
            None => vec!["--db".into(), self.db.display().to_string()],
        }
    }

    /// Asks the server to stop, without waiting.
    pub fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the server and waits until it has closed its database.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    /// POSTs a JSON body to /v1/batch with `key`; returns status and parsed body.
    pub async fn post_raw(&self, key: Option<&str>, body: Vec<u8>, gzip: bool) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/v1/batch", self.url))
            .header("content-type", "application/json")
            .body(body);
        if gzip {
            req = req.header("content-encoding", "gzip");
        }
        if let Some(key) = key {
            req = req.header("authorization", format!("Bearer {key}"));
        }
        parse(req.send().await.unwrap()).await
    }

    /// POSTs a batch of `events` with `key`.
    pub async fn post(&self, key: &str, events: &[Event]) -> (u16, Value) {
        self.post_raw(Some(key), batch_json(events), false).await
    }

    /// `GET /healthz`: its status and text. Asked on a fresh connection, so a test whose
    /// server closes idle connections quickly never races a pooled one being closed.
    pub async fn health(&self) -> (u16, String) {
        let fresh = http_builder().pool_max_idle_per_host(0).build().unwrap();
        let resp = fresh
            .get(format!("{}/healthz", self.url))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// GETs `path` with `key`.
    pub async fn get(&self, key: &str, path: &str) -> (u16, Value) {
        parse(self.send("GET", key, path).await).await
    }

    /// `method path` with `key` and a JSON `body`: status and parsed body.
    pub async fn send_json(&self, method: &str, key: &str, path: &str, body: &str) -> (u16, Value) {
        let resp = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        parse(resp).await
    }

    /// `method path` with `key`, no body: the response as it came.
    pub async fn send(&self, method: &str, key: &str, path: &str) -> reqwest::Response {
        self.client
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {key}"))
            .send()
            .await
            .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A response's status and its body as JSON (as a string when it is not JSON).
pub async fn parse(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// The ids of the sessions a list answer holds, sorted.
pub fn listed_ids(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

pub fn batch_json(events: &[Event]) -> Vec<u8> {
    serde_json::to_vec(&Batch {
        protocol: PROTOCOL_VERSION,
        sdk: Some(SdkInfo {
            name: "@sentrial/sdk".into(),
            version: "0.0.0-test".into(),
        }),
        events: events.to_vec(),
    })
    .unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn event(session: &str, id: &str, ts: i64, payload: Payload) -> Event {
    Event {
        id: id.into(),
        session_id: session.into(),
        ts,
        payload,
    }
}

pub fn start(session: &str, ts: i64, agent: &str, user: &str, convo: Option<&str>) -> Event {
    event(
        session,
        &format!("{session}-start"),
        ts,
        Payload::SessionStart(SessionStart {
            agent: agent.into(),
            user_id: user.into(),
            convo_id: convo.map(String::from),
            started_at: ts,
            ..Default::default()
        }),
    )
}

pub fn end(session: &str, ts: i64, status: SessionStatus) -> Event {
    event(
        session,
        &format!("{session}-end"),
        ts,
        Payload::SessionEnd(SessionEnd {
            status,
            ended_at: ts,
            duration_ms: 10,
            results: 1,
            reconciliation: None,
            ..Default::default()
        }),
    )
}

/// A complete session: start, three tool calls, two results, end, at ms `t0` onwards.
pub fn full_session(session: &str, t0: i64) -> Vec<Event> {
    let usage = |n: u64| Usage {
        prompt_tokens: n,
        completion_tokens: n + 1,
        total_tokens: 2 * n + 1 + 30,
        cache_read_tokens: 20,
        cache_creation_tokens: 10,
        cost_usd: n as f64 / 1000.0,
        cost_estimated: true,
        by_model: [(
            "claude-sonnet-4-5".to_string(),
            ModelUsage {
                input_tokens: n,
                output_tokens: n + 1,
                cache_read_tokens: 20,
                cache_creation_tokens: 10,
                cost_usd: n as f64 / 1000.0,
            },
        )]
        .into(),
    };
    let call = |i: u32, status: ToolStatus, parent: Option<&str>| ToolCall {
        tool_use_id: format!("toolu_{i}"),
        tool_name: if i == 0 { "Task".into() } else { "Bash".into() },
        seq: i,
        status,
        input: json!({ "command": format!("ls {i}") }),
        output: if status == ToolStatus::Success {
            json!({ "stdout": format!("out {i}") })
        } else {
            Value::Null
        },
        error: (status == ToolStatus::Error).then(|| "boom".to_string()),
        duration_ms: Some(5 + u64::from(i)),
        parent_tool_use_id: parent.map(String::from),
        started_at: Some(t0 + 10 * i64::from(i) + 1),
        ended_at: Some(t0 + 10 * i64::from(i) + 6),
        ..Default::default()
    };
    let id = |n: &str| format!("{session}-{n}");
    vec![
        event(
            session,
            &id("start"),
            t0,
            Payload::SessionStart(SessionStart {
                agent: "support-bot".into(),
                user_id: "user-1".into(),
                convo_id: Some("convo-1".into()),
                claude_session_id: Some("claude-abc".into()),
                model: Some("claude-sonnet-4-5".into()),
                input: Some("fix the build".into()),
                metadata: json!({ "cwd": "/repo", "tools": ["Bash"] })
                    .as_object()
                    .unwrap()
                    .clone(),
                started_at: t0,
                ..Default::default()
            }),
        ),
        event(
            session,
            &id("t0"),
            t0 + 6,
            Payload::ToolCall(call(0, ToolStatus::Success, None)),
        ),
        event(
            session,
            &id("t1"),
            t0 + 16,
            Payload::ToolCall(call(1, ToolStatus::Error, Some("toolu_0"))),
        ),
        event(
            session,
            &id("r0"),
            t0 + 20,
            Payload::SessionResult(SessionResult {
                index: 0,
                subtype: "success".into(),
                is_error: false,
                output: Some("first answer".into()),
                num_turns: Some(2),
                duration_ms: 20,
                api_duration_ms: Some(15),
                usage: usage(100),
                ..Default::default()
            }),
        ),
        event(
            session,
            &id("t2"),
            t0 + 26,
            Payload::ToolCall(call(2, ToolStatus::Success, None)),
        ),
        event(
            session,
            &id("r1"),
            t0 + 40,
            Payload::SessionResult(SessionResult {
                index: 1,
                subtype: "success".into(),
                is_error: false,
                output: Some("final answer".into()),
                num_turns: Some(4),
                duration_ms: 40,
                api_duration_ms: Some(30),
                usage: usage(200),
                ..Default::default()
            }),
        ),
        event(
            session,
            &id("end"),
            t0 + 40,
            Payload::SessionEnd(SessionEnd {
                status: SessionStatus::Completed,
                failure_reason: None,
                output: Some("final answer".into()),
                ended_at: t0 + 40,
                duration_ms: 40,
                api_duration_ms: Some(30),
                num_turns: Some(4),
                usage: usage(200),
                results: 2,
                reconciliation: None,
                ..Default::default()
            }),
        ),
    ]
}

/// A tool call event.
pub fn tool(session: &str, id: &str, ts: i64, call: ToolCall) -> Event {
    event(session, id, ts, Payload::ToolCall(call))
}

/// A marker event at `position`.
pub fn marker(
    session: &str,
    id: &str,
    ts: i64,
    position: u32,
    kind: &str,
    parent: Option<&str>,
    data: Value,
) -> Event {
    event(
        session,
        id,
        ts,
        Payload::Marker(Marker {
            position,
            kind: kind.into(),
            at: ts,
            parent_tool_use_id: parent.map(String::from),
            data: data.as_object().cloned().unwrap_or_default(),
        }),
    )
}

/// The two events of a call the permission system refused, as an SDK sends them: the outcome
/// its tool_result showed (an error carrying the reason), then the denial the result listed,
/// which names who denied it but not why (`error` as an SDK before reasons spelt it).
pub fn denied_call(session: &str, tool_use_id: &str, ts: i64, reason: &str) -> [Event; 2] {
    let call = ToolCall {
        tool_use_id: tool_use_id.into(),
        tool_name: "Bash".into(),
        seq: 7,
        input: json!({ "command": "rm -rf /" }),
        started_at: Some(ts - 5),
        ended_at: Some(ts),
        position: Some(9),
        ..Default::default()
    };
    [
        tool(
            session,
            &format!("{session}-{tool_use_id}-result"),
            ts,
            ToolCall {
                status: ToolStatus::Error,
                error: Some(reason.into()),
                output: json!(reason),
                ..call.clone()
            },
        ),
        tool(
            session,
            &format!("{session}-{tool_use_id}-denied"),
            ts + 10,
            ToolCall {
                status: ToolStatus::Denied,
                error: Some("permission denied".into()),
                denied_by: Some("hook".into()),
                ..call
            },
        ),
    ]
}

/// A model call numbered `position` that said `content`.
pub fn model_with(
    session: &str,
    message_id: &str,
    ts: i64,
    position: u32,
    parent: Option<&str>,
    content: Vec<Block>,
) -> Event {
    event(
        session,
        &format!("{session}-{message_id}"),
        ts,
        Payload::ModelCall(ModelCall {
            message_id: message_id.into(),
            model: "claude-sonnet-4-5".into(),
            stop_reason: Some("end_turn".into()),
            input_tokens: 10,
            output_tokens: 25,
            output_tokens_final: true,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            parent_tool_use_id: parent.map(String::from),
            started_at: ts - 100,
            ended_at: ts,
            ttft_ms: Some(80),
            position: Some(position),
            content,
        }),
    )
}

/// A text block.
pub fn text(s: &str) -> Block {
    Block::Text { text: s.into() }
}

/// A tool_use block.
pub fn tool_use(id: &str, name: &str) -> Block {
    Block::ToolUse {
        id: id.into(),
        name: name.into(),
    }
}

/// A run as a new SDK numbers it, with everything a transcript shows: the prompt; a model call
/// that thinks and hands work to a sub-agent (Task `task-1`), whose model calls, Bash call and
/// API retry nest under it; a compaction; a model call with redacted thinking that calls an MCP
/// tool (its input changed by a hook) and a Bash command a hook denies; the answer; the result.
pub fn transcript_session(session: &str, t0: i64) -> Vec<Event> {
    let id = |n: &str| format!("{session}-{n}");
    let call = |tool_use_id: &str, name: &str, seq: u32, position: u32, input: Value| ToolCall {
        tool_use_id: tool_use_id.into(),
        tool_name: name.into(),
        seq,
        status: ToolStatus::Success,
        input,
        started_at: Some(t0 + 100 * i64::from(position)),
        ended_at: Some(t0 + 100 * i64::from(position) + 50),
        duration_ms: Some(50),
        position: Some(position),
        ..Default::default()
    };
    let mut events = vec![
        event(
            session,
            &id("start"),
            t0,
            Payload::SessionStart(SessionStart {
                agent: "transcriber".into(),
                user_id: "user-1".into(),
                claude_session_id: Some(format!("claude-{session}")),
                input: Some("Look around and add 2 and 3".into()),
                started_at: t0,
                entry_point: Some("query".into()),
                mcp_servers: vec![McpServer {
                    name: "calc".into(),
                    status: "connected".into(),
                }],
                ..Default::default()
            }),
        ),
        model_with(
            session,
            "m1",
            t0 + 90,
            0,
            None,
            vec![
                Block::Thinking {
                    thinking: "A sub-agent should look first.".into(),
                },
                text("I'll ask a sub-agent."),
                tool_use("task-1", "Task"),
            ],
        ),
        tool(
            session,
            &id("task-1"),
            t0 + 1_000,
            ToolCall {
                parent_tool_use_id: None,
                output: json!({ "content": [{ "type": "text", "text": "Looked: 3 files" }] }),
                ended_at: Some(t0 + 950),
                duration_ms: Some(850),
                ..call(
                    "task-1",
                    "Task",
                    0,
                    1,
                    json!({ "subagent_type": "general-purpose", "description": "look around",
                            "prompt": "List the files" }),
                )
            },
        ),
        event(
            session,
            &id("sub"),
            t0 + 1_000,
            Payload::Subagent(Subagent {
                tool_use_id: "task-1".into(),
                agent_type: Some("general-purpose".into()),
                description: Some("look around".into()),
                status: "completed".into(),
                total_tokens: Some(900),
                ..Default::default()
            }),
        ),
        model_with(
            session,
            "sm1",
            t0 + 200,
            2,
            Some("task-1"),
            vec![text("Listing."), tool_use("sub-bash", "Bash")],
        ),
        tool(
            session,
            &id("sub-bash"),
            t0 + 350,
            ToolCall {
                parent_tool_use_id: Some("task-1".into()),
                output: json!({ "stdout": "a\nb\nc", "stderr": "" }),
                ..call("sub-bash", "Bash", 1, 3, json!({ "command": "ls" }))
            },
        ),
        marker(
            session,
            &id("retry"),
            t0 + 400,
            4,
            "api_retry",
            Some("task-1"),
            json!({ "attempt": 1, "max_retries": 10, "retry_delay_ms": 500, "error_status": 529,
                    "error": "overloaded" }),
        ),
        model_with(
            session,
            "sm2",
            t0 + 500,
            5,
            Some("task-1"),
            vec![text("Looked: 3 files")],
        ),
        marker(
            session,
            &id("compact"),
            t0 + 600,
            6,
            "compact",
            None,
            json!({ "trigger": "auto", "pre_tokens": 150_000, "post_tokens": 30_000 }),
        ),
        model_with(
            session,
            "m2",
            t0 + 700,
            7,
            None,
            vec![
                Block::RedactedThinking,
                tool_use("mcp-1", "mcp__calc__add"),
                tool_use("denied-1", "Bash"),
            ],
        ),
        tool(
            session,
            &id("mcp-1"),
            t0 + 850,
            ToolCall {
                updated_input: Some(json!({ "a": 2, "b": 3, "round": true })),
                output: json!("5"),
                ..call("mcp-1", "mcp__calc__add", 2, 8, json!({ "a": 2, "b": 3 }))
            },
        ),
    ];
    events.extend(denied_call(
        session,
        "denied-1",
        t0 + 900,
        "Blocked by policy: no rm",
    ));
    events.push(model_with(
        session,
        "m3",
        t0 + 1_090,
        10,
        None,
        vec![text("2 + 3 = 5")],
    ));
    events.push(event(
        session,
        &id("r0"),
        t0 + 1_100,
        Payload::SessionResult(SessionResult {
            index: 0,
            subtype: "success".into(),
            output: Some("2 + 3 = 5".into()),
            duration_ms: 1_100,
            usage: Usage {
                prompt_tokens: 100,
                completion_tokens: 50,
                total_tokens: 150,
                cost_usd: 0.02,
                ..Default::default()
            },
            terminal_reason: Some("completed".into()),
            position: Some(11),
            ..Default::default()
        }),
    ));
    let mut end = end(session, t0 + 1_100, SessionStatus::Completed);
    if let Payload::SessionEnd(e) = &mut end.payload {
        e.usage.cost_usd = 0.02;
        e.output = Some("2 + 3 = 5".into());
    }
    events.push(end);
    events
}
