//! The collector under load (issue 15): large batches of small events do not hold up other
//! projects, `/healthz` says when the writer is behind, shutdown is bounded, and connections
//! that send nothing (or half their headers) are closed and capped. Bounded in count and time,
//! on 127.0.0.1; the store is SQLite, or PostgreSQL with `SENTRIAL_TEST_STORE=postgres`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sentrial_protocol::{Event, Payload, SessionInput};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OTHER_KEY: &str = "test-key-other-project-0123";

/// `n` `session_input` events, each of a new session, ids starting at `from`.
fn inputs(from: usize, n: usize) -> Vec<Event> {
    (from..from + n)
        .map(|i| {
            event(
                &format!("load-{i}"),
                &format!("load-ev-{i}"),
                1_700_000_000_000 + i as i64,
                Payload::SessionInput(SessionInput {
                    turn: 0,
                    text: format!("please look at issue {} and say what you think", i % 1000),
                    position: None,
                }),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_batch_does_not_hold_up_another_projects_batch() {
    let srv = TestServer::start_with(&[(OTHER_KEY, "other")], |_| {}).await;
    let began = Instant::now();
    // Data already stored: before, a batch's cost then grew with its square.
    assert_eq!(srv.post(KEY, &inputs(0, 5_000)).await.0, 200);

    let big = {
        let (client, url, body) = (
            srv.client.clone(),
            format!("{}/v1/batch", srv.url),
            batch_json(&inputs(5_000, 30_000)),
        );
        tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap())
        })
    };
    // Long enough for the large batch to be decoded and handed to the store.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let started = Instant::now();
    let (status, body) = srv.post(OTHER_KEY, &inputs(900_000, 1)).await;
    let waited = started.elapsed();
    assert_eq!(status, 200, "{body}");
    // PostgreSQL writes batches in transactions side by side; SQLite's one writer takes turns.
    assert!(
        on_postgres() || !big.is_finished(),
        "the other project's batch waited for the large batch ({waited:?})"
    );
    eprintln!("a batch of one event beside a batch of 30,000 events: answered in {waited:?}");
    let (status, body) = big.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"accepted\":30000"), "{body}");
    eprintln!("the large batch: answered in {:?}", began.elapsed());
    // Every event is stored, whatever the parts it was written in.
    let (_, page) = srv.get(KEY, "/api/sessions?limit=1&q=issue%20999").await;
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1, "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_while_the_writer_is_behind_and_200_once_it_caught_up() {
    if on_postgres() {
        return; // PostgreSQL has no single writer to fall behind.
    }
    let srv = TestServer::start_with(&[], |c| {
        c.max_writer_lag = Duration::from_millis(200);
        c.request_timeout = Duration::from_secs(120);
    })
    .await;
    assert_eq!(srv.health().await, (200, "ok".to_string()));
    let big = {
        let (client, url, body) = (
            srv.client.clone(),
            format!("{}/v1/batch", srv.url),
            batch_json(&inputs(0, 20_000)),
        );
        tokio::spawn(async move {
            client
                .post(url)
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let mut seen = None;
    while !big.is_finished() {
        let answer = srv.health().await;
        if answer.0 == 503 {
            seen = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, Some((503, "writer behind".to_string())));
    assert_eq!(big.await.unwrap(), 200);
    assert_eq!(srv.health().await, (200, "ok".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_within_its_grace_while_large_batches_are_queued() {
    let mut srv = TestServer::start_with(&[], |c| {
        c.shutdown_grace = Duration::from_secs(1);
        c.request_timeout = Duration::from_secs(120);
    })
    .await;
    assert_eq!(srv.post(KEY, &inputs(0, 5_000)).await.0, 200);
    let mut sends = Vec::new();
    for i in 0..3 {
        let (client, url, body) = (
            srv.client.clone(),
            format!("{}/v1/batch", srv.url),
            batch_json(&inputs(5_000 + i * 20_000, 20_000)),
        );
        sends.push(tokio::spawn(async move {
            client
                .post(url)
                .header("authorization", format!("Bearer {KEY}"))
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string())
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    srv.stop().await;
    let took = started.elapsed();
    eprintln!("shutdown with 60,000 events queued: {took:?}");
    // The grace for requests, then at most the grace again for the database's last commit.
    assert!(took < Duration::from_secs(4), "shutdown took {took:?}");
    for send in sends {
        // Answered 503 (`shutting down`, the SDK sends it again), or cut: never stored half-way
        // silently as a success it was not.
        match send.await.unwrap() {
            Ok(status) => assert!(status == 200 || status == 503, "{status}"),
            Err(e) => eprintln!("a batch cut at shutdown: {e}"),
        }
    }
}

/// Reads until the server closes the connection; the time it took, or `None` if it stayed
/// open past `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(tokio::time::Instant::from_std(started + within), async {
            stream.read(&mut buf).await
        })
        .await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue, // a response (a 408, or the answer to a full request)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_half_sent_and_idle_connections_are_closed_and_healthz_stays_up() {
    let srv = TestServer::start_with(&[], |c| {
        c.header_timeout = Duration::from_millis(500);
        c.max_connections = 128;
    })
    .await;
    let addr = srv.url.trim_start_matches("http://").to_string();
    let mut conns = Vec::new();
    for i in 0..60 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        match i % 3 {
            0 => {} // silent
            1 => s
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ")
                .await
                .unwrap(),
            _ => {
                // A whole request, then idle on a kept-alive connection.
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    .await
                    .unwrap();
            }
        }
        conns.push(s);
    }
    assert_eq!(srv.health().await, (200, "ok".to_string()));
    let mut slowest = Duration::ZERO;
    for (i, s) in conns.iter_mut().enumerate() {
        let took = closed_within(s, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("connection {i} still open after 5 s"));
        slowest = slowest.max(took);
    }
    eprintln!("60 silent, half-sent and idle connections closed; the last after {slowest:?}");
    assert_eq!(srv.health().await, (200, "ok".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_for_one_to_close() {
    let srv = TestServer::start_with(&[], |c| {
        c.header_timeout = Duration::from_secs(1);
        c.max_connections = 8;
    })
    .await;
    let addr = srv.url.trim_start_matches("http://").to_string();
    let mut silent = Vec::new();
    for _ in 0..8 {
        silent.push(TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A fresh client: no pooled connection from before the cap filled.
    let client = http_client();
    let started = Instant::now();
    let resp = client
        .get(format!("{}/healthz", srv.url))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(resp.status().as_u16(), 200);
    eprintln!("/healthz past a cap of 8 silent connections: answered after {waited:?}");
    assert!(
        waited >= Duration::from_millis(500),
        "answered at once ({waited:?}): the cap did not hold"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_of_many_new_sessions_are_all_stored() {
    // PostgreSQL: a lock per session filled its shared lock table ("out of shared memory").
    let srv = TestServer::start_with(&[], |c| {
        c.request_timeout = Duration::from_secs(120);
    })
    .await;
    let mut sends = Vec::new();
    for i in 0..3 {
        let (client, url, body) = (
            srv.client.clone(),
            format!("{}/v1/batch", srv.url),
            batch_json(&inputs(i * 20_000, 20_000)),
        );
        sends.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("authorization", format!("Bearer {KEY}"))
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }));
    }
    for send in sends {
        let (status, body) = send.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"accepted\":20000"), "{body}");
    }
}
