//! The dashboard's side of the collector over real sockets: text search, time range,
//! conversations, the overview, sign-in (link, key, cookie) and the page's headers and assets.

mod common;

use common::*;
use sentrial_protocol::*;
use serde_json::{json, Value};

const T0: i64 = 1_700_000_000_000; // 2023-11-14T22:13:20.000Z
const DAY: i64 = 86_400_000;

fn with_input(session: &str, ts: i64, agent: &str, convo: Option<&str>, input: &str) -> Event {
    let mut e = start(session, ts, agent, "user-1", convo);
    if let Payload::SessionStart(s) = &mut e.payload {
        s.input = Some(input.into());
    }
    e
}

fn ended(session: &str, ts: i64, output: &str, cost: f64) -> Event {
    let mut e = end(session, ts, SessionStatus::Completed);
    if let Payload::SessionEnd(s) = &mut e.payload {
        s.output = Some(output.into());
        s.usage.cost_usd = cost;
        s.usage.total_tokens = 100;
    }
    e
}

fn ids(body: &Value) -> Vec<&str> {
    body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect()
}

async fn seeded() -> TestServer {
    let srv = TestServer::start(&[]).await;
    let mut events = vec![
        with_input(
            "s1",
            T0,
            "billing-bot",
            Some("c1"),
            "Fix the BILLING webhook",
        ),
        ended("s1", T0 + 10, "Patched 100% of the handler", 0.25),
        start("s2", T0 + 1000, "deployer", "user-2", Some("c1")),
        event(
            "s2",
            "s2-turn0",
            T0 + 1001,
            Payload::SessionInput(SessionInput {
                turn: 0,
                text: "deploy to staging".into(),
                ..Default::default()
            }),
        ),
        ended("s2", T0 + 1100, "Deployed.", 0.5),
        with_input(
            "s3",
            T0 + 2 * DAY,
            "billing-bot",
            None,
            "Summarize invoices",
        ),
    ];
    events.extend(full_session("s4", T0 + 3 * DAY));
    let (status, body) = srv.post(KEY, &events).await;
    assert_eq!(status, 200, "{body}");
    srv
}

#[tokio::test]
async fn text_search_matches_input_turns_and_output_case_insensitively() {
    let srv = seeded().await;
    let search = |q: &str| format!("/api/sessions?q={}", urlencode(q));
    for (q, expected) in [
        ("billing", vec!["s1"]),
        ("STAGING", vec!["s2"]),     // a streamed turn, through the trigger
        ("patched 100", vec!["s1"]), // the output
        ("100%", vec!["s1"]),        // FTS phrase: % is plain text
        ("%", vec!["s1"]),           // short: LIKE, with % escaped
        ("ng", vec!["s2", "s1"]),    // short: LIKE over all the text
        ("\"quoted\" text", vec![]), // quotes are escaped, not syntax
        ("nothing like it", vec![]),
    ] {
        let (status, body) = srv.get(KEY, &search(q)).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(ids(&body), expected, "q={q}");
    }
    let (_, body) = srv
        .get(KEY, "/api/sessions?q=invoices&agent=deployer")
        .await;
    assert_eq!(ids(&body), Vec::<&str>::new(), "filters combine with AND");
}

#[tokio::test]
async fn time_range_filters_by_start() {
    let srv = seeded().await;
    let (_, body) = srv
        .get(KEY, &format!("/api/sessions?from={}", T0 + DAY))
        .await;
    assert_eq!(ids(&body), vec!["s4", "s3"]);
    let (_, body) = srv
        .get(
            KEY,
            "/api/sessions?from=2023-11-14T22:13:20Z&to=2023-11-14T22:13:21Z",
        )
        .await;
    assert_eq!(ids(&body), vec!["s1"], "from inclusive, to exclusive");
    let (_, body) = srv
        .get(KEY, "/api/sessions?from=1700000000000&to=1700000001001")
        .await;
    assert_eq!(ids(&body), vec!["s2", "s1"]);
    let (status, body) = srv.get(KEY, "/api/sessions?to=later").await;
    assert_eq!(status, 400);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid to `later`"));
}

#[tokio::test]
async fn a_conversation_lists_its_sessions_in_order_with_totals() {
    let srv = seeded().await;
    let (status, body) = srv.get(KEY, "/api/conversations/c1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec!["s1", "s2"]);
    assert_eq!(body["session_count"], 2);
    assert_eq!(body["total_cost_usd"], 0.75);
    assert_eq!(body["total_tokens"], 200);
    assert_eq!(body["sessions"][1]["input"], "deploy to staging");
    let (status, body) = srv.get(KEY, "/api/conversations/nope").await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "conversation not found"}))
    );
}

#[tokio::test]
async fn the_overview_counts_sessions_cost_agents_users_and_tools() {
    let srv = seeded().await;
    let (status, o) = srv
        .get(
            KEY,
            &format!("/api/overview?from={T0}&to={}&bucket=day", T0 + 4 * DAY),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["bucket_ms"], DAY);
    assert_eq!(o["totals"]["sessions"], 4);
    assert_eq!(o["totals"]["running"], 1);
    let series: Vec<(i64, i64)> = o["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["sessions"].as_i64().unwrap(),
                b["failed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(series.len(), 3, "{o}");
    assert_eq!(series[0], (2, 0));
    assert_eq!(o["series"][0]["start"], "2023-11-14T22:13:20.000Z");
    assert_eq!(
        o["by_agent"][0],
        json!({"key": "billing-bot", "sessions": 2, "failed": 0, "cost_usd": 0.25})
    );
    assert_eq!(o["tools_most_called"][0]["tool_name"], "Bash");
    let failing = o["tools_most_failing"].as_array().unwrap();
    assert!(
        failing.iter().all(|t| t["failures"].as_i64().unwrap() > 0),
        "{o}"
    );
    assert!(!o["tools_slowest"].as_array().unwrap().is_empty());
    let (status, _) = srv.get(KEY, "/api/overview?bucket=week").await;
    assert_eq!(status, 400);
}

fn no_redirects() -> reqwest::Client {
    http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cookie_of(resp: &reqwest::Response) -> Option<String> {
    let value = resp
        .headers()
        .get("set-cookie")?
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        value.contains("HttpOnly") && value.contains("SameSite=Strict"),
        "{value}"
    );
    Some(value.split(';').next().unwrap().to_string())
}

#[tokio::test]
async fn sign_in_with_a_link_or_a_key_gives_a_cookie_that_reads_but_does_not_ingest() {
    let srv = seeded().await;
    let http = no_redirects();

    let resp = http
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("key=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/login?error=key");
    assert!(resp.headers().get("set-cookie").is_none());

    let resp = http
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("key={}", urlencode(KEY)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (resp.status().as_u16(), &resp.headers()["location"]),
        (303, &"/".parse().unwrap())
    );
    let cookie = cookie_of(&resp).unwrap();

    let read = |cookie: String| {
        let (http, url) = (http.clone(), srv.url.clone());
        async move {
            http.get(format!("{url}/api/sessions"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(read(cookie.clone()).await, 200);
    assert_eq!(read(format!("{cookie}x")).await, 401);
    let name = cookie.split('=').next().unwrap().to_string();
    assert_eq!(read(format!("{name}=forged")).await, 401);
    let resp = http
        .post(format!("{}/v1/batch", srv.url))
        .header("cookie", &cookie)
        .body(batch_json(&[start("x", T0, "a", "u", None)]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        401,
        "ingest takes a Bearer key only"
    );

    // The printed link works once.
    let link = srv.signin_link.clone();
    let resp = http.get(&link).send().await.unwrap();
    assert_eq!(resp.headers()["location"], "/");
    let linked = cookie_of(&resp).unwrap();
    assert_eq!(read(linked.clone()).await, 200);
    let again = http.get(&link).send().await.unwrap();
    assert_eq!(
        again.headers()["location"],
        "/login?error=link",
        "a link works once"
    );
    assert!(again.headers().get("set-cookie").is_none());
    let resp = http
        .get(format!("{}/login?token=forged", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/login?error=link");

    // Signing out ends the session: the old cookie no longer reads.
    let resp = http
        .post(format!("{}/logout", srv.url))
        .header("cookie", &linked)
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(read(linked).await, 401, "a signed-out cookie still reads");
    assert_eq!(read(cookie).await, 200, "another browser stays signed in");
}

#[tokio::test]
async fn the_page_and_its_assets_are_embedded_and_locked_down() {
    let srv = TestServer::start(&[]).await;
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/sessions/abc", "text/html; charset=utf-8"),
        ("/sessions/abc/transcript", "text/html; charset=utf-8"),
        ("/conversations/c", "text/html; charset=utf-8"),
        ("/overview", "text/html; charset=utf-8"),
        ("/login", "text/html; charset=utf-8"),
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/app.css", "text/css; charset=utf-8"),
        (
            "/assets/page-transcript.js",
            "text/javascript; charset=utf-8",
        ),
        ("/assets/protocol.js", "text/javascript; charset=utf-8"),
    ] {
        let resp = srv
            .client
            .get(format!("{}{path}", srv.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let h = resp.headers();
        assert_eq!(h["content-type"], content_type, "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    let text = |path: &'static str| {
        let (client, url) = (srv.client.clone(), srv.url.clone());
        async move {
            let resp = client.get(format!("{url}{path}")).send().await.unwrap();
            resp.text().await.unwrap()
        }
    };
    let html = text("/").await;
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    // Made from the protocol crate: the end reasons, in its order.
    let protocol = text("/assets/protocol.js").await;
    assert!(
        protocol.contains(r#""error_max_turns","error_max_budget_usd""#),
        "{protocol}"
    );
    let resp = srv
        .client
        .get(format!("{}/assets/nope.js", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let resp = srv
        .client
        .get(format!("{}/api/sessions", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
