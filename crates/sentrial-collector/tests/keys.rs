//! Issue 15's keys and sign-ins over real HTTP, on SQLite (and PostgreSQL when
//! `SENTRIAL_TEST_STORE=postgres`): scopes, revocation seen by a running collector, the admin
//! API, sessions that die with sign-out and their key, single-use links, capped lifetimes, the
//! failure limit per client address, and the `Host` and `Origin` checks.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sentrial_collector::store::DashboardSession;
use sentrial_collector::{hash_key, Scope, Scopes, KEY_CACHE_TTL};
use serde_json::{json, Value};

const T0: i64 = 1_700_000_000_000;
const CENTURY_MS: i64 = 100 * 365 * 24 * 3_600_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn no_redirects() -> reqwest::Client {
    http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A server with keys of one scope each (`ingest-key-...`, `read-key-...`, `admin-key-...`).
async fn scoped() -> TestServer {
    let srv = TestServer::start(&[]).await;
    for scope in Scope::ALL {
        let key = format!("{}-key-0123456789abcdef", scope.name());
        srv.store
            .add_key(hash_key(&key), "default".into(), Scopes::only(scope))
            .await
            .unwrap();
    }
    srv
}

fn key_of(scope: Scope) -> String {
    format!("{}-key-0123456789abcdef", scope.name())
}

/// `method path` with `key` and a JSON `body`; status and parsed body.
async fn call(srv: &TestServer, key: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    srv.send_json(method, key, path, body).await
}

/// POST /login with `key` (and `origin` when given): status, Location, the cookie set.
async fn login(srv: &TestServer, key: &str, origin: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = no_redirects()
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("key={key}"));
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    let resp = req.send().await.unwrap();
    answer(resp)
}

fn answer(resp: reqwest::Response) -> (u16, String, Option<String>) {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let cookie = header("set-cookie").map(|c| c.split(';').next().unwrap().to_string());
    (
        resp.status().as_u16(),
        header("location").unwrap_or_default(),
        cookie,
    )
}

/// GET /api/sessions with a cookie; the status.
async fn read_with(srv: &TestServer, cookie: &str) -> u16 {
    srv.client
        .get(format!("{}/api/sessions", srv.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Runs `sentrial ARGS` against the server's database, off the runtime (the CLI has its own).
async fn cli(srv: &TestServer, args: &[&str]) -> i32 {
    let mut all: Vec<String> = vec!["sentrial".into()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend(srv.db_args());
    tokio::task::spawn_blocking(move || sentrial_collector::run_cli(all))
        .await
        .unwrap()
}

#[tokio::test]
async fn each_scope_opens_its_endpoints_and_others_get_403_naming_the_scope() {
    let srv = scoped().await;
    let (ingest, read, admin) = (
        key_of(Scope::Ingest),
        key_of(Scope::Read),
        key_of(Scope::Admin),
    );
    let batch = String::from_utf8(batch_json(&full_session("s", T0))).unwrap();

    assert_eq!(
        call(&srv, &ingest, "POST", "/v1/batch", &batch).await.0,
        200
    );
    let (status, body) = call(&srv, &ingest, "GET", "/api/sessions", "").await;
    assert_eq!(
        (status, body),
        (403, json!({"error": "this key lacks the 'read' scope"}))
    );
    let (status, body) = call(&srv, &ingest, "GET", "/api/keys", "").await;
    assert_eq!(
        (status, body),
        (403, json!({"error": "this key lacks the 'admin' scope"}))
    );

    assert_eq!(call(&srv, &read, "GET", "/api/sessions/s", "").await.0, 200);
    let (status, body) = call(&srv, &read, "POST", "/v1/batch", &batch).await;
    assert_eq!(
        (status, body),
        (403, json!({"error": "this key lacks the 'ingest' scope"}))
    );
    let (status, _) = call(&srv, &read, "POST", "/v1/traces", "{}").await;
    assert_eq!(status, 403, "OTLP ingest needs `ingest` too");

    assert_eq!(call(&srv, &admin, "GET", "/api/keys", "").await.0, 200);
    assert_eq!(call(&srv, &admin, "GET", "/api/sessions", "").await.0, 403);

    // A key given on the command line keeps every right.
    assert_eq!(call(&srv, KEY, "GET", "/api/sessions", "").await.0, 200);
    assert_eq!(call(&srv, KEY, "GET", "/api/keys", "").await.0, 200);

    // The dashboard takes a key that reads, not one that only sends.
    let (status, location, cookie) = login(&srv, &ingest, None).await;
    assert_eq!(
        (status, location.as_str(), cookie),
        (303, "/login?error=scope", None)
    );
    let (_, location, cookie) = login(&srv, &read, None).await;
    assert_eq!(location, "/");
    assert_eq!(read_with(&srv, &cookie.unwrap()).await, 200);
}

#[tokio::test]
async fn a_key_revoked_by_the_cli_stops_working_on_a_running_collector_within_the_cache_ttl() {
    let srv = TestServer::start(&[("doomed-key-0123456789abcdef", "default")]).await;
    let key = "doomed-key-0123456789abcdef";
    // Used once, so this collector has it cached.
    assert_eq!(call(&srv, key, "GET", "/api/sessions", "").await.0, 200);
    let id = &hash_key(key)[..12];
    assert_eq!(cli(&srv, &["key", "revoke", id]).await, 0);
    let revoked = Instant::now();
    loop {
        let status = call(&srv, key, "GET", "/api/sessions", "").await.0;
        if status == 401 {
            eprintln!(
                "revoked key refused {:?} after the command",
                revoked.elapsed()
            );
            break;
        }
        assert_eq!(status, 200);
        assert!(
            revoked.elapsed() < KEY_CACHE_TTL + Duration::from_secs(1),
            "a revoked key still works after {:?}",
            revoked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        cli(&srv, &["key", "revoke", id]).await,
        1,
        "revoked already"
    );
    assert_eq!(
        cli(&srv, &["key", "revoke", "000000000000"]).await,
        1,
        "no such key"
    );
}

#[tokio::test]
async fn the_admin_api_mints_lists_rotates_and_revokes_keys_of_its_project() {
    let srv = TestServer::start(&[("other-project-key-0123456789", "p2")]).await;
    let (status, minted) = call(&srv, KEY, "POST", "/api/keys", r#"{"scopes":["read"]}"#).await;
    assert_eq!(status, 201, "{minted}");
    let key = minted["key"].as_str().unwrap().to_string();
    let id = minted["id"].as_str().unwrap().to_string();
    assert_eq!(minted["scopes"], json!(["read"]));
    assert_eq!(id, &hash_key(&key)[..12]);
    assert_eq!(call(&srv, &key, "GET", "/api/sessions", "").await.0, 200);

    // Without a body: an ingest key.
    let (_, ingest) = call(&srv, KEY, "POST", "/api/keys", "").await;
    assert_eq!(ingest["scopes"], json!(["ingest"]));

    let (status, listing) = call(&srv, KEY, "GET", "/api/keys", "").await;
    assert_eq!(status, 200);
    let keys = listing["keys"].as_array().unwrap();
    assert_eq!(
        keys.len(),
        2,
        "the other project's key is not listed: {listing}"
    );
    assert!(
        !listing.to_string().contains(&key),
        "the listing shows a key"
    );
    assert!(
        !listing.to_string().contains(&hash_key(&key)),
        "the listing shows a digest"
    );
    let mine = keys.iter().find(|k| k["id"] == id.as_str()).unwrap();
    assert_eq!(mine["scopes"], json!(["read"]));
    assert_eq!(mine["made_before_scopes"], json!(false));
    assert_eq!(mine["revoked_at"], Value::Null);

    // Rotate: same scopes, the old key refused at once on this collector.
    let (status, rotated) = call(&srv, KEY, "POST", &format!("/api/keys/{id}/rotate"), "").await;
    assert_eq!(status, 200, "{rotated}");
    let new_key = rotated["key"].as_str().unwrap().to_string();
    assert_eq!(rotated["revoked"], json!(id));
    assert_eq!(rotated["scopes"], json!(["read"]));
    assert_eq!(call(&srv, &key, "GET", "/api/sessions", "").await.0, 401);
    assert_eq!(
        call(&srv, &new_key, "GET", "/api/sessions", "").await.0,
        200
    );

    // Revoke.
    let new_id = rotated["id"].as_str().unwrap();
    let (status, body) = call(&srv, KEY, "POST", &format!("/api/keys/{new_id}/revoke"), "").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked"]["revoked_at"].is_string(), "{body}");
    assert_eq!(
        call(&srv, &new_key, "GET", "/api/sessions", "").await.0,
        401
    );
    let (status, _) = call(&srv, KEY, "POST", &format!("/api/keys/{new_id}/revoke"), "").await;
    assert_eq!(status, 404, "revoked already");

    // Another project's key is not this admin's to touch; bad requests say what is wrong.
    let other = &hash_key("other-project-key-0123456789")[..12];
    let (status, _) = call(&srv, KEY, "POST", &format!("/api/keys/{other}/revoke"), "").await;
    assert_eq!(status, 404);
    let (status, body) = call(&srv, KEY, "POST", "/api/keys", r#"{"scopes":["write"]}"#).await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("`write`"),
        "{body}"
    );
    let (status, body) = call(&srv, KEY, "POST", "/api/keys", "{not json").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("bad key request"),
        "{body}"
    );
}

#[tokio::test]
async fn sign_ins_end_with_their_key_and_with_sign_out_all() {
    let srv = TestServer::start(&[("reader-key-0123456789abcdef", "default")]).await;
    let (_, _, cookie) = login(&srv, "reader-key-0123456789abcdef", None).await;
    let by_key = cookie.unwrap();
    let (_, _, cookie) = answer(no_redirects().get(&srv.signin_link).send().await.unwrap());
    let by_link = cookie.unwrap();
    assert_eq!(read_with(&srv, &by_key).await, 200);
    assert_eq!(read_with(&srv, &by_link).await, 200);

    let id = &hash_key("reader-key-0123456789abcdef")[..12];
    let (status, _) = call(&srv, KEY, "POST", &format!("/api/keys/{id}/revoke"), "").await;
    assert_eq!(status, 200);
    assert_eq!(
        read_with(&srv, &by_key).await,
        401,
        "the revoked key's cookie still reads"
    );
    assert_eq!(read_with(&srv, &by_link).await, 200);

    assert_eq!(cli(&srv, &["dashboard", "sign-out-all"]).await, 0);
    assert_eq!(
        read_with(&srv, &by_link).await,
        401,
        "a cookie outlived sign-out-all"
    );
}

#[tokio::test]
async fn links_work_once_briefly_and_no_sign_in_outlives_its_cap() {
    let srv = TestServer::start(&[]).await;
    let now = now_ms();
    let take = |token: String| {
        let url = format!("{}/login?token={token}", srv.url);
        async move { answer(no_redirects().get(url).send().await.unwrap()) }
    };
    for (token, expires) in [
        ("fresh", now + 60_000),
        ("expired", now - 1),
        ("century", now + CENTURY_MS),
    ] {
        srv.store
            .add_link(hash_key(token), "default".into(), expires)
            .await
            .unwrap();
    }
    let (_, location, cookie) = take("fresh".into()).await;
    assert_eq!(location, "/");
    assert_eq!(read_with(&srv, &cookie.unwrap()).await, 200);
    for token in ["fresh", "expired", "century", "never-made"] {
        let (_, location, cookie) = take(token.into()).await;
        assert_eq!(
            (location.as_str(), cookie),
            ("/login?error=link", None),
            "{token}"
        );
    }

    // A session row claiming centuries (written by anyone with the database) is refused.
    let session = DashboardSession {
        project: "default".into(),
        key_hash: None,
    };
    srv.store
        .open_session(hash_key("forever"), session, now + CENTURY_MS)
        .await
        .unwrap();
    let (_, _, cookie) = answer(no_redirects().get(&srv.signin_link).send().await.unwrap());
    let cookie_name = cookie.unwrap().split('=').next().unwrap().to_string();
    assert_eq!(
        read_with(&srv, &format!("{cookie_name}=forever")).await,
        401
    );
}

#[tokio::test]
async fn failed_authentication_is_limited_per_client_address() {
    let srv = TestServer::start(&[]).await;
    let mut counts = std::collections::BTreeMap::new();
    for i in 0..200 {
        let resp = srv
            .client
            .get(format!("{}/api/sessions", srv.url))
            .header("authorization", format!("Bearer guess-{i}"))
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            assert!(resp.headers().contains_key("retry-after"));
        }
        *counts.entry(resp.status().as_u16()).or_insert(0) += 1;
    }
    assert!(counts[&429] >= 170, "{counts:?}");
    assert!(counts.get(&401).copied().unwrap_or(0) <= 30, "{counts:?}");

    // The right key from the same address waits too (else guessing would learn from the 429s);
    // from another address it works.
    assert_eq!(call(&srv, KEY, "GET", "/api/sessions", "").await.0, 429);
    let (status, _, _) = login(&srv, KEY, None).await;
    assert_eq!(status, 429, "sign-in is limited as well");
    let elsewhere = http_builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let resp = elsewhere
        .get(format!("{}/api/sessions", srv.url))
        .header("authorization", format!("Bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn wrong_sign_ins_count_as_failures() {
    let srv = TestServer::start(&[]).await;
    let mut limited = 0;
    for i in 0..40 {
        let (status, location, _) = login(&srv, &format!("guess-{i}"), None).await;
        match status {
            303 => assert_eq!(location, "/login?error=key"),
            429 => limited += 1,
            other => panic!("{other}"),
        }
    }
    assert!(limited >= 15, "{limited} of 40 wrong sign-ins limited");
}

#[tokio::test]
async fn host_and_origin_are_checked_and_the_cookie_is_this_collectors() {
    let srv = TestServer::start(&[]).await;
    let port = srv.url.rsplit(':').next().unwrap().to_string();
    let health = |host: String| {
        let url = format!("{}/healthz", srv.url);
        async move {
            http_client()
                .get(url)
                .header("host", host)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(health(format!("127.0.0.1:{port}")).await, 200);
    assert_eq!(health(format!("localhost:{port}")).await, 200);
    assert_eq!(
        health(format!("rebound.attacker.example:{port}")).await,
        421
    );

    let here = format!("http://127.0.0.1:{port}");
    let (status, _, cookie) = login(&srv, KEY, Some(&here)).await;
    assert_eq!(status, 303);
    let cookie = cookie.unwrap();
    assert!(
        cookie.starts_with(&format!("sentrial_session_{port}=")),
        "{cookie}"
    );
    let (status, _, cookie) = login(&srv, KEY, Some("http://evil.example")).await;
    assert_eq!(
        (status, cookie),
        (403, None),
        "a cross-site form signed a browser in"
    );
    let resp = no_redirects()
        .post(format!("{}/logout", srv.url))
        .header("origin", "http://127.0.0.1:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        403,
        "another local app signed the browser out"
    );

    // What browsers send: our own page's form says `Origin: null` (its Referrer-Policy is
    // no-referrer) and `Sec-Fetch-Site: same-origin`; another port of the host is `same-site`.
    for (site, expected) in [
        ("same-origin", 303),
        ("same-site", 403),
        ("cross-site", 403),
    ] {
        let resp = no_redirects()
            .post(format!("{}/login", srv.url))
            .header("origin", "null")
            .header("sec-fetch-site", site)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("key={KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), expected, "{site}");
    }
}

#[tokio::test]
async fn behind_an_https_proxy_the_cookie_is_secure_and_the_public_host_is_allowed() {
    let srv = TestServer::start_with(&[], |c| {
        c.public_url = Some("https://sentrial.example.com/".into());
    })
    .await;
    assert!(srv
        .signin_link
        .starts_with("https://sentrial.example.com/login?token="));
    let resp = no_redirects()
        .post(format!("{}/login", srv.url))
        .header("host", "sentrial.example.com")
        .header("origin", "https://sentrial.example.com")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("key={KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let set = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(set.ends_with("; Secure"), "{set}");
}

#[tokio::test]
async fn the_database_file_holds_no_key_cookie_or_link_and_no_signing_secret() {
    let mut srv = TestServer::start(&[]).await;
    let (_, minted) = call(&srv, KEY, "POST", "/api/keys", r#"{"scopes":["read"]}"#).await;
    let key = minted["key"].as_str().unwrap().to_string();
    let (_, _, cookie) = login(&srv, &key, None).await;
    let cookie = cookie.unwrap();
    let value = cookie.split('=').nth(1).unwrap().to_string();
    let unused_link = srv.signin_link.rsplit('=').next().unwrap().to_string();
    assert_eq!(read_with(&srv, &cookie).await, 200);
    srv.stop().await;
    if srv.database_url.is_some() {
        return; // The same SQL stores the same digests; the file scan is SQLite's.
    }
    let mut bytes = std::fs::read(&srv.db).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", srv.db.display())) {
        bytes.extend(wal);
    }
    let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        holds(&hash_key(&value)),
        "the session is in the file we searched"
    );
    for (what, secret) in [("key", &key), ("cookie", &value), ("link", &unused_link)] {
        assert!(!holds(secret), "the {what} is stored in plain text");
    }
    assert!(!holds("signing_secret"), "a signing secret is stored");
}

#[tokio::test]
async fn concurrent_guesses_cannot_outrun_the_budget() {
    let srv = TestServer::start(&[]).await;
    let guesses = (0..100).map(|i| {
        let (http, url) = (srv.client.clone(), srv.url.clone());
        tokio::spawn(async move {
            http.get(format!("{url}/api/sessions"))
                .header("authorization", format!("Bearer guess-{i}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut answered = 0;
    for g in guesses.collect::<Vec<_>>() {
        if g.await.unwrap() == 401 {
            answered += 1;
        }
    }
    let burst = sentrial_collector::DEFAULT_FAILURE_LIMIT.burst;
    assert!(
        answered <= burst + 1,
        "{answered} of 100 concurrent guesses answered"
    );
}
