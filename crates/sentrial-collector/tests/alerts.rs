//! Alerts end to end: rules over HTTP, a real collector evaluating them every half second, and a
//! real webhook receiver (an axum server on 127.0.0.1) getting each firing and resolve. On SQLite,
//! and on PostgreSQL in the suite's PostgreSQL pass (`SENTRIAL_TEST_STORE=postgres`), where two
//! collectors on one database also deliver each firing exactly once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use common::{end, event, fresh_postgres, on_postgres, start, tool, TestServer, KEY};
use sentrial_collector::{hash_key, Scopes, ServeConfig};
use sentrial_protocol::*;
use serde_json::{json, Value};

/// The evaluation period of every collector here.
const PERIOD: Duration = Duration::from_millis(500);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// What the receiver got: each POST's path and body.
#[derive(Clone, Default)]
struct Received {
    posts: Arc<Mutex<Vec<(String, Value)>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<AtomicUsize>,
}

impl Received {
    fn all(&self) -> Vec<(String, Value)> {
        self.posts.lock().unwrap().clone()
    }

    /// The bodies posted to `/hook/{name}`.
    fn of(&self, name: &str) -> Vec<Value> {
        let path = format!("/hook/{name}");
        self.all()
            .into_iter()
            .filter(|(p, _)| *p == path)
            .map(|(_, b)| b)
            .collect()
    }

    /// Waits up to `within` for `n` posts to `/hook/{name}`; what came.
    async fn wait(&self, name: &str, n: usize, within: Duration) -> Vec<Value> {
        let until = Instant::now() + within;
        loop {
            let got = self.of(name);
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn hook(
    State(r): State<Received>,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> StatusCode {
    r.posts
        .lock()
        .unwrap()
        .push((format!("/hook/{name}"), body));
    let failing = r
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// A webhook receiver on `listener`: its base URL and what it gets.
fn receiver_on(listener: tokio::net::TcpListener) -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/hook/{name}", post(hook))
        .with_state(received.clone());
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn receiver() -> (String, Received) {
    receiver_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
}

async fn collector() -> TestServer {
    TestServer::start_with(&[], |c| c.alert_interval = PERIOD).await
}

/// A rule with these fields over `{"name", "window_minutes": 60, "op": ">", "threshold": 0}`,
/// posting to `{hooks}/hook/{name}`.
fn rule(hooks: &str, name: &str, fields: Value) -> Value {
    let mut body = json!({
        "name": name,
        "window_minutes": 60,
        "op": ">",
        "threshold": 0,
        "webhook_url": format!("{hooks}/hook/{name}"),
    });
    for (k, v) in fields.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn send(
    srv: &TestServer,
    method: &str,
    key: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = srv
        .client
        .request(method.parse().unwrap(), format!("{}{path}", srv.url))
        .header("authorization", format!("Bearer {key}"));
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn add(srv: &TestServer, body: Value) -> String {
    let (status, answer) = send(srv, "POST", KEY, "/api/alert-rules", Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    answer["id"].as_str().unwrap().to_string()
}

/// A session of `user` and agent `bot` that ended `ago` ms ago: `failed`, costing `cost`, lasting
/// `duration_ms`.
fn session(
    id: &str,
    user: &str,
    ago: i64,
    failed: bool,
    cost: f64,
    duration_ms: u64,
) -> Vec<Event> {
    let t = now_ms() - ago;
    let status = if failed {
        SessionStatus::Failed
    } else {
        SessionStatus::Completed
    };
    let mut e = end(id, t, status);
    if let Payload::SessionEnd(end) = &mut e.payload {
        end.usage.cost_usd = cost;
        end.duration_ms = duration_ms;
    }
    vec![start(id, t - 1_000, "bot", user, None), e]
}

/// A failed session that ran the same failing command three times and hit max turns: the loop,
/// error streak and limits issues.
fn looping(id: &str, user: &str) -> Vec<Event> {
    let t = now_ms() - 5_000;
    let mut events = vec![start(id, t, "bot", user, None)];
    for n in 1..=3u32 {
        let call = ToolCall {
            tool_use_id: format!("{id}-t{n}"),
            tool_name: "Bash".into(),
            seq: n,
            status: ToolStatus::Error,
            input: json!({"command": "make"}),
            ..Default::default()
        };
        events.push(tool(id, &format!("{id}-call-{n}"), t + i64::from(n), call));
    }
    let mut e = end(id, t + 100, SessionStatus::Failed);
    if let Payload::SessionEnd(end) = &mut e.payload {
        end.end_reason = Some(END_MAX_TURNS.into());
        end.num_turns = Some(3);
        end.results = 0;
    }
    events.push(e);
    events
}

fn score(session_id: &str, name: &str, value: f64) -> Event {
    event(
        session_id,
        &format!("{session_id}-score-{name}"),
        now_ms() - 1_000,
        Payload::Score(Score {
            name: name.into(),
            value: ScoreValue::Number(value),
            comment: None,
            source: "api".into(),
            at: now_ms() - 1_000,
            of: ScoreOf::Session,
        }),
    )
}

async fn ingest(srv: &TestServer, events: &[Event]) {
    let (status, body) = srv.post(KEY, events).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_rule_fires_within_two_periods_and_resolves() {
    let (hooks, got) = receiver().await;
    let srv = collector().await;
    // Ended 57 s ago: in a one-minute window for about 3 s more.
    ingest(&srv, &session("s1", "alice", 57_000, true, 0.5, 100)).await;
    let added = Instant::now();
    let id = add(
        &srv,
        rule(
            &hooks,
            "failures",
            json!({"metric": "failed_sessions", "window_minutes": 1}),
        ),
    )
    .await;
    let firing = got
        .wait("failures", 1, 2 * PERIOD + Duration::from_millis(400))
        .await;
    assert_eq!(
        firing.len(),
        1,
        "no firing within two periods ({:?})",
        added.elapsed()
    );
    let body = &firing[0];
    assert_eq!(body["state"], "firing");
    assert_eq!(body["value"], 1.0);
    assert_eq!(body["threshold"], 0.0);
    assert_eq!(body["rule"]["id"], id.as_str());
    assert_eq!(body["window"]["minutes"], 1);
    assert_eq!(body["sessions"][0]["id"], "s1");
    assert_eq!(
        body["sessions"][0]["url"].as_str().unwrap(),
        format!("{}/sessions/s1", srv.url)
    );
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("[FIRING] failures"),
        "{body}"
    );
    let both = got.wait("failures", 2, Duration::from_secs(8)).await;
    assert_eq!(both.len(), 2, "no resolve once the session left the window");
    assert_eq!(both[1]["state"], "resolved");
    assert_eq!(both[1]["value"], 0.0);
    // The listing and the history say so.
    let (_, listed) = srv.get(KEY, "/api/alert-rules").await;
    let listed = &listed["rules"][0];
    assert_eq!(
        (listed["state"].as_str(), listed["id"].as_str()),
        (Some("ok"), Some(id.as_str()))
    );
    assert!(listed["last_fired_at"].is_string(), "{listed}");
    let (_, history) = srv.get(KEY, "/api/alerts").await;
    let states: Vec<_> = history["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["state"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("resolved", "delivered"), ("firing", "delivered")]);
}

#[tokio::test]
async fn each_metric_fires() {
    let (hooks, got) = receiver().await;
    let srv = collector().await;
    let mut events = looping("bad", "alice");
    events.extend(session("slow", "bob", 3_000, false, 2.5, 9_000));
    events.push(score("slow", "helpful", 0.0));
    events.push(score("bad", "helpful", 0.5));
    ingest(&srv, &events).await;
    let rules = [
        ("cost", json!({"metric": "cost_usd", "threshold": 2})),
        ("sessions", json!({"metric": "sessions", "threshold": 1})),
        ("failed", json!({"metric": "failed_sessions"})),
        ("rate", json!({"metric": "failure_rate", "threshold": 0.4})),
        ("loops", json!({"metric": "issues", "issue_kind": "loop"})),
        (
            "p95",
            json!({"metric": "p95_duration_ms", "threshold": 5000}),
        ),
        (
            "score",
            json!({"metric": "avg_score", "score_name": "helpful", "op": "<", "threshold": 0.5}),
        ),
    ];
    for (name, fields) in &rules {
        add(&srv, rule(&hooks, name, fields.clone())).await;
    }
    let expect = [
        ("cost", 2.5, "slow"),
        ("sessions", 2.0, "slow"),
        ("failed", 1.0, "bad"),
        ("rate", 0.5, "bad"),
        ("loops", 1.0, "bad"),
        ("p95", 9_000.0, "slow"),
        ("score", 0.25, "slow"),
    ];
    for (name, value, first) in expect {
        let bodies = got.wait(name, 1, Duration::from_secs(5)).await;
        assert_eq!(bodies.len(), 1, "{name} did not fire");
        assert_eq!(bodies[0]["state"], "firing", "{name}");
        assert_eq!(
            bodies[0]["value"].as_f64(),
            Some(value),
            "{name}: {}",
            bodies[0]
        );
        assert_eq!(
            bodies[0]["sessions"][0]["id"], first,
            "{name}: {}",
            bodies[0]
        );
    }
}

#[tokio::test]
async fn a_grouped_rule_fires_per_group() {
    let (hooks, got) = receiver().await;
    let srv = collector().await;
    let mut events = session("a1", "alice", 2_000, false, 3.0, 10);
    events.extend(session("a2", "alice", 2_000, false, 3.0, 10));
    events.extend(session("b1", "bob", 2_000, false, 1.0, 10));
    events.extend(session("c1", "carol", 2_000, false, 4.0, 10));
    ingest(&srv, &events).await;
    add(
        &srv,
        rule(
            &hooks,
            "spend",
            json!({"metric": "cost_usd", "group_by": "user_id", "threshold": 3.5}),
        ),
    )
    .await;
    let bodies = got.wait("spend", 2, Duration::from_secs(5)).await;
    tokio::time::sleep(3 * PERIOD).await;
    let mut groups: Vec<(String, f64)> = got
        .of("spend")
        .iter()
        .map(|b| {
            (
                b["group"]["value"].as_str().unwrap().to_string(),
                b["value"].as_f64().unwrap(),
            )
        })
        .collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        groups,
        [("alice".to_string(), 6.0), ("carol".to_string(), 4.0)],
        "{bodies:?}"
    );
    assert_eq!(got.of("spend")[0]["group"]["by"], "user_id");
}

#[tokio::test]
async fn the_cooldown_holds_a_refiring_and_paused_rules_do_not_fire() {
    let (hooks, got) = receiver().await;
    let srv = collector().await;
    add(
        &srv,
        rule(
            &hooks,
            "plain",
            json!({"metric": "sessions", "window_minutes": 1}),
        ),
    )
    .await;
    add(
        &srv,
        rule(
            &hooks,
            "cooled",
            json!({"metric": "sessions", "window_minutes": 1, "cooldown_minutes": 10}),
        ),
    )
    .await;
    let paused = add(
        &srv,
        rule(
            &hooks,
            "paused",
            json!({"metric": "sessions", "paused": true}),
        ),
    )
    .await;
    // In the window for about 2 s: both fire, then both resolve.
    ingest(&srv, &session("first", "alice", 58_000, false, 0.0, 10)).await;
    assert_eq!(got.wait("plain", 2, Duration::from_secs(8)).await.len(), 2);
    assert_eq!(got.wait("cooled", 2, Duration::from_secs(3)).await.len(), 2);
    // Again: the rule without a cooldown fires again, the one within its cooldown does not.
    ingest(&srv, &session("second", "alice", 1_000, false, 0.0, 10)).await;
    let plain = got.wait("plain", 3, Duration::from_secs(5)).await;
    assert_eq!(plain[2]["state"], "firing");
    tokio::time::sleep(3 * PERIOD).await;
    assert_eq!(got.of("cooled").len(), 2, "fired again within its cooldown");
    assert!(got.of("paused").is_empty(), "a paused rule fired");
    let (_, listed) = srv.get(KEY, "/api/alert-rules").await;
    let state_of = |name: &str| {
        listed["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of("paused"), "paused");
    // Resumed, it fires.
    let (status, _) = send(
        &srv,
        "PATCH",
        KEY,
        &format!("/api/alert-rules/{paused}"),
        Some(json!({"paused": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got.wait("paused", 1, Duration::from_secs(5)).await.len(), 1);
}

#[tokio::test]
async fn bad_rules_are_refused_with_what_is_allowed() {
    let srv = collector().await;
    let hooks = "http://127.0.0.1:9";
    for (fields, words) in [
        (json!({"metric": "latency"}), "metrics are cost_usd, sessions, failed_sessions, failure_rate, issues, p95_duration_ms, avg_score"),
        (json!({"metric": "sessions", "op": ">="}), "op is `>` or `<`"),
        (json!({"metric": "sessions", "group_by": "model"}), "group_by is user_id or agent"),
        (json!({"metric": "sessions", "window_minutes": 0}), "window_minutes"),
        (json!({"metric": "issues"}), "needs `issue_kind`"),
        (json!({"metric": "issues", "issue_kind": "boredom"}), "kinds are loop"),
        (json!({"metric": "avg_score"}), "needs `score_name`"),
        (json!({"metric": "sessions", "webhook_url": "ftp://x/y"}), "http:// or https://"),
        (json!({"metric": "sessions", "threshold": "high"}), "invalid alert rule"),
        (json!({"metric": "sessions", "colour": "red"}), "unknown field `colour`"),
    ] {
        let (status, body) = send(&srv, "POST", KEY, "/api/alert-rules", Some(rule(hooks, "x", fields.clone()))).await;
        assert_eq!(status, 400, "{fields}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(words), "{fields}: {message}");
    }
    let (status, _) = send(
        &srv,
        "PATCH",
        KEY,
        "/api/alert-rules/nope",
        Some(json!({"paused": true})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(&srv, "DELETE", KEY, "/api/alert-rules/nope", None).await;
    assert_eq!(status, 404);
    let (status, body) = send(&srv, "GET", KEY, "/api/alerts?limit=0", None).await;
    assert_eq!(status, 400, "{body}");
    let (_, listed) = srv.get(KEY, "/api/alert-rules").await;
    assert_eq!(listed["rules"], json!([]), "a bad rule was stored");
}

#[tokio::test]
async fn reading_needs_read_and_changing_needs_admin() {
    let srv = collector().await;
    for scope in ["ingest", "read", "admin"] {
        let scopes = Scopes::parse(&[scope]).unwrap();
        srv.store
            .add_key(
                hash_key(&format!("{scope}-key-0123456789abcdef")),
                "default".into(),
                scopes,
            )
            .await
            .unwrap();
    }
    let key = |scope: &str| format!("{scope}-key-0123456789abcdef");
    let body = rule("http://127.0.0.1:9", "r", json!({"metric": "sessions"}));
    assert_eq!(
        send(&srv, "GET", &key("ingest"), "/api/alert-rules", None)
            .await
            .0,
        403
    );
    assert_eq!(
        send(&srv, "GET", &key("read"), "/api/alert-rules", None)
            .await
            .0,
        200
    );
    assert_eq!(
        send(&srv, "GET", &key("read"), "/api/alerts", None).await.0,
        200
    );
    assert_eq!(
        send(
            &srv,
            "POST",
            &key("read"),
            "/api/alert-rules",
            Some(body.clone())
        )
        .await
        .0,
        403
    );
    let (status, made) = send(&srv, "POST", &key("admin"), "/api/alert-rules", Some(body)).await;
    assert_eq!(status, 201, "{made}");
    // The listing shows the webhook's origin only: its path may be its secret.
    assert_eq!(made["webhook_url"], "http://127.0.0.1:9/…");
    let id = made["id"].as_str().unwrap();
    let path = format!("/api/alert-rules/{id}");
    assert_eq!(
        send(
            &srv,
            "PATCH",
            &key("read"),
            &path,
            Some(json!({"paused": true}))
        )
        .await
        .0,
        403
    );
    assert_eq!(send(&srv, "DELETE", &key("read"), &path, None).await.0, 403);
    assert_eq!(
        send(&srv, "DELETE", &key("admin"), &path, None).await.0,
        200
    );
    // Another project's key sees none of this project's rules.
    srv.store
        .add_key(
            hash_key("other-key-0123456789abcdef"),
            "other".into(),
            Scopes::FULL,
        )
        .await
        .unwrap();
    add(
        &srv,
        rule("http://127.0.0.1:9", "mine", json!({"metric": "sessions"})),
    )
    .await;
    let (_, theirs) = send(
        &srv,
        "GET",
        "other-key-0123456789abcdef",
        "/api/alert-rules",
        None,
    )
    .await;
    assert_eq!(theirs["rules"], json!([]));
}

#[tokio::test]
async fn a_dashboard_session_changes_rules_only_from_the_dashboard() {
    let srv = collector().await;
    let client = common::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(&srv.signin_link).send().await.unwrap();
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = rule("http://127.0.0.1:9", "r", json!({"metric": "sessions"})).to_string();
    let post = |site: &'static str| {
        client
            .post(format!("{}/api/alert-rules", srv.url))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .header("sec-fetch-site", site)
            .body(body.clone())
            .send()
    };
    assert_eq!(post("cross-site").await.unwrap().status().as_u16(), 403);
    assert_eq!(post("same-site").await.unwrap().status().as_u16(), 403);
    assert_eq!(post("same-origin").await.unwrap().status().as_u16(), 201);

    // Signed in with a key that only reads: the page reads, and changes nothing.
    let reader = "reader-key-0123456789abcdef";
    srv.store
        .add_key(
            hash_key(reader),
            "default".into(),
            Scopes::parse(&["read"]).unwrap(),
        )
        .await
        .unwrap();
    let resp = client
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("key={reader}"))
        .send()
        .await
        .unwrap();
    let read_only = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let with = |cookie: &str| {
        client
            .post(format!("{}/api/alert-rules", srv.url))
            .header("cookie", cookie.to_string())
            .header("content-type", "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(body.clone())
            .send()
    };
    let refused = with(&read_only).await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused.text().await.unwrap().contains("admin"));
    let listed = client
        .get(format!("{}/api/alert-rules", srv.url))
        .header("cookie", read_only)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_and_ingest_goes_on() {
    let (hooks, got) = receiver().await;
    got.fail_first.store(2, Ordering::SeqCst);
    let srv = collector().await;
    ingest(&srv, &session("s1", "alice", 1_000, true, 0.0, 10)).await;
    add(
        &srv,
        rule(&hooks, "flaky", json!({"metric": "failed_sessions"})),
    )
    .await;
    // Meanwhile ingest answers as ever.
    for n in 0..20 {
        let t = Instant::now();
        ingest(
            &srv,
            &session(&format!("more{n}"), "bob", 1_000, false, 0.0, 10),
        )
        .await;
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "ingest waited on the webhook"
        );
    }
    // Tried at once, then after one period, then two.
    let posts = got.wait("flaky", 3, Duration::from_secs(10)).await;
    assert_eq!(posts.len(), 3);
    assert!(
        posts.iter().all(|p| p == &posts[0]),
        "each attempt sends the same body"
    );
    let until = Instant::now() + Duration::from_secs(5);
    let delivered = loop {
        let (_, history) = srv.get(KEY, "/api/alerts").await;
        let d = history["deliveries"][0].clone();
        if d["status"] == "delivered" || Instant::now() > until {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(delivered["status"], "delivered", "{delivered}");
    assert_eq!(delivered["attempts"], 3);
    assert_eq!(delivered["response_status"], 204);
    assert_eq!(delivered["last_error"], Value::Null);
    tokio::time::sleep(3 * PERIOD).await;
    assert_eq!(got.of("flaky").len(), 3, "sent again after delivery");
}

#[tokio::test]
async fn a_firing_queued_before_a_restart_is_delivered_once() {
    // The receiver's port, closed for now: every attempt is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let hooks = format!("http://{addr}");
    let mut first = collector().await;
    ingest(&first, &session("s1", "alice", 1_000, true, 0.0, 10)).await;
    add(
        &first,
        rule(&hooks, "later", json!({"metric": "failed_sessions"})),
    )
    .await;
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, history) = first.get(KEY, "/api/alerts").await;
        let d = &history["deliveries"][0];
        // An attempt is counted when claimed, its error recorded once it is over.
        if d["last_error"].is_string() {
            assert_eq!(d["status"], "pending", "{d}");
            assert!(d["last_error"].as_str().unwrap().contains("connect"), "{d}");
            assert!(
                !d["last_error"].as_str().unwrap().contains(&hooks),
                "the URL is in the error"
            );
            break;
        }
        assert!(Instant::now() < until, "no attempt was made");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.stop().await;
    let (_, got) = receiver_on(tokio::net::TcpListener::bind(addr).await.unwrap());
    let config = ServeConfig {
        port: 0,
        db: first.db.clone(),
        database_url: first.database_url.clone(),
        api_keys: vec![KEY.to_string()],
        alert_interval: PERIOD,
        ..ServeConfig::default()
    };
    let second = TestServer::start_config(config, &[]).await;
    let posts = got.wait("later", 1, Duration::from_secs(15)).await;
    assert_eq!(posts.len(), 1, "the queued firing was lost");
    assert_eq!(posts[0]["state"], "firing");
    tokio::time::sleep(4 * PERIOD).await;
    assert_eq!(got.of("later").len(), 1, "the firing was sent twice");
    let (_, history) = second.get(KEY, "/api/alerts").await;
    assert_eq!(history["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(history["deliveries"][0]["status"], "delivered");
}

#[tokio::test]
async fn two_collectors_on_one_postgres_database_send_each_firing_once() {
    if !on_postgres() {
        eprintln!("two collectors on PostgreSQL not tested: run with SENTRIAL_TEST_STORE=postgres");
        return;
    }
    let (hooks, got) = receiver().await;
    let first = collector().await;
    let config = ServeConfig {
        port: 0,
        db: first.db.clone(),
        database_url: first.database_url.clone(),
        api_keys: vec![KEY.to_string()],
        alert_interval: PERIOD,
        ..ServeConfig::default()
    };
    let second = TestServer::start_config(config, &[]).await;
    let users = ["u1", "u2", "u3", "u4"];
    let mut events = Vec::new();
    for (i, user) in users.iter().enumerate() {
        // In a one-minute window for 3 s more: each group fires, then resolves.
        events.extend(session(&format!("s{i}"), user, 57_000, true, 1.0, 10));
    }
    ingest(&first, &events).await;
    for n in 0..3 {
        let fields =
            json!({"metric": "failed_sessions", "group_by": "user_id", "window_minutes": 1});
        add(
            if n % 2 == 0 { &first } else { &second },
            rule(&hooks, &format!("r{n}"), fields),
        )
        .await;
    }
    for n in 0..3 {
        let name = format!("r{n}");
        let posts = got
            .wait(&name, 2 * users.len(), Duration::from_secs(10))
            .await;
        tokio::time::sleep(4 * PERIOD).await;
        let mut seen: Vec<(String, String)> = got
            .of(&name)
            .iter()
            .map(|b| {
                (
                    b["group"]["value"].as_str().unwrap().into(),
                    b["state"].as_str().unwrap().into(),
                )
            })
            .collect();
        seen.sort();
        let mut expected: Vec<(String, String)> = users
            .iter()
            .flat_map(|u| {
                [
                    (u.to_string(), "firing".to_string()),
                    (u.to_string(), "resolved".to_string()),
                ]
            })
            .collect();
        expected.sort();
        assert_eq!(seen, expected, "{name}: {posts:?}");
    }
}

/// Rounds run at once by two stores on one database queue each firing once: PostgreSQL lets one
/// round hold the advisory lock (the others skip), SQLite's rounds are write transactions.
#[tokio::test]
async fn concurrent_rounds_on_one_database_queue_a_firing_once() {
    use sentrial_collector::alert::NewRule;
    use sentrial_collector::store::{PgStore, SqliteStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shared.db");
    let mut pairs: Vec<(&str, [Arc<dyn Store>; 2])> = vec![(
        "sqlite",
        [
            Arc::new(SqliteStore::open(&file).unwrap()),
            Arc::new(SqliteStore::open(&file).unwrap()),
        ],
    )];
    if let Some(url) = fresh_postgres().await {
        pairs.push((
            "postgres",
            [
                Arc::new(PgStore::connect(&url).await.unwrap()),
                Arc::new(PgStore::connect(&url).await.unwrap()),
            ],
        ));
    }
    for (name, [a, b]) in pairs {
        a.ingest("p".into(), session("s1", "alice", 1_000, true, 0.0, 10))
            .await
            .unwrap();
        let form = NewRule {
            name: "r".into(),
            metric: "failed_sessions".into(),
            window_minutes: 60,
            op: ">".into(),
            threshold: 0.0,
            webhook_url: "http://127.0.0.1:9/hook".into(),
            ..NewRule::default()
        };
        let now = now_ms();
        let rounds = || {
            futures_util::future::join_all((0..16).map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                async move { store.evaluate_alerts(now, "http://x".into()).await.unwrap() }
            }))
        };
        // Rounds with no rule first: each store's pool holds its connections, so the rounds
        // below start together.
        rounds().await;
        a.add_alert_rule(form.check("p", "r1".into(), now).unwrap())
            .await
            .unwrap();
        let outcomes = rounds().await;
        let queued: u64 = outcomes.iter().flatten().sum();
        assert_eq!(queued, 1, "{name}: {outcomes:?}");
        let history = a.alert_history(None, None, 10).await.unwrap();
        assert_eq!(history.len(), 1, "{name}");
    }
}
