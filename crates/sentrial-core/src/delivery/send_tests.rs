//! The send loop on its own: a scripted receiver answers each request, tokio's clock is paused
//! (a wait takes no real time and lasts exactly what the loop asked for), and the requests and
//! counters say what the loop did with every answer.

use super::backoff::{self, BASE, RETRY_AFTER_CAP, RETRY_AFTER_FLOOR};
use super::outbox::{Kind, Queued};
use super::transport::{Peer, Sent, Transport};
use super::*;
use crate::stats::StatsSnapshot;
use reqwest::StatusCode;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// One answer of the scripted receiver.
#[derive(Debug, Clone)]
enum Answer {
    /// An HTTP status, with a `Retry-After` header when given.
    Status(u16, Option<String>),
    /// A 2xx whose body (OTLP's partial success) says this many items were refused.
    Partial(u64),
    /// The connection failed.
    Unreachable,
    /// No answer within the request timeout.
    Timeout,
}

use Answer::{Partial, Status, Timeout, Unreachable};

fn code(status: u16) -> Answer {
    Status(status, None)
}

fn retry_after(status: u16, value: &str) -> Answer {
    Status(status, Some(value.to_string()))
}

/// How long a request that gets no answer takes to fail.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The wall clock the receiver's `Retry-After` dates are read against.
fn wall() -> SystemTime {
    httpdate::parse_http_date("Tue, 24 Nov 2026 12:00:00 GMT").unwrap()
}

/// One request the receiver saw.
#[derive(Debug)]
struct Request {
    at: Instant,
    events: Vec<String>,
}

/// A receiver answering from a script (200 once it runs out), classifying statuses as the HTTP
/// transport does.
struct Scripted {
    answers: Mutex<VecDeque<Answer>>,
    seen: mpsc::UnboundedSender<Request>,
}

impl Transport for Scripted {
    fn peer(&self) -> Peer {
        Peer::Collector
    }

    async fn send(&self, batch: &[Queued]) -> Sent {
        let events = batch
            .iter()
            .map(|q| String::from_utf8(q.json.clone()).unwrap())
            .collect();
        let _ = self.seen.send(Request {
            at: Instant::now(),
            events,
        });
        let answer = self.answers.lock().unwrap().pop_front();
        match answer.unwrap_or(Status(200, None)) {
            Status(code, header) => {
                let status = StatusCode::from_u16(code).unwrap();
                if status.is_success() {
                    return Sent::Delivered {
                        rejected: 0,
                        message: String::new(),
                    };
                }
                let wait = header.and_then(|v| backoff::parse_retry_after(&v, wall()));
                Sent::of_status(status, wait)
                    .unwrap_or_else(|| Sent::Rejected(code, "refused".into()))
            }
            Partial(rejected) => Sent::Delivered {
                rejected,
                message: "some items were refused".into(),
            },
            Unreachable => Sent::Retry {
                retry_after: None,
                why: "could not connect".into(),
            },
            Timeout => {
                tokio::time::sleep(REQUEST_TIMEOUT).await;
                Sent::Retry {
                    retry_after: None,
                    why: "timed out".into(),
                }
            }
        }
    }
}

/// A delivery and its sender task, sending to a scripted receiver.
struct Harness {
    delivery: Arc<Delivery>,
    stats: Arc<Stats>,
    requests: mpsc::UnboundedReceiver<Request>,
    sender: JoinHandle<()>,
    session: Arc<str>,
    pushed: usize,
}

async fn start(answers: Vec<Answer>) -> Harness {
    start_with(DeliveryConfig::default(), answers).await
}

/// A delivery whose sender has started and waits for events, as a tracker's does.
async fn start_with(config: DeliveryConfig, answers: Vec<Answer>) -> Harness {
    let stats = Arc::new(Stats::default());
    let delivery = Delivery::new(config, None, stats.clone());
    let (seen, requests) = mpsc::unbounded_channel();
    let transport = Scripted {
        answers: Mutex::new(answers.into()),
        seen,
    };
    let sender = tokio::spawn(Arc::clone(&delivery).run(transport));
    tokio::task::yield_now().await;
    Harness {
        delivery,
        stats,
        requests,
        sender,
        session: Arc::from("s"),
        pushed: 0,
    }
}

impl Harness {
    /// Queues `n` more events, `"e0"`, `"e1"`, ... in order.
    fn push(&mut self, n: usize) {
        for _ in 0..n {
            let json = format!("\"e{}\"", self.pushed).into_bytes();
            self.delivery.push(&self.session, Kind::Other, json);
            self.pushed += 1;
        }
    }

    /// Queues one event serialized as `json`.
    fn push_json(&mut self, json: &str) {
        self.delivery
            .push(&self.session, Kind::Other, json.as_bytes().to_vec());
        self.pushed += 1;
    }

    /// Asks for a flush answered within `within`; the answer comes on the receiver.
    fn start_flush(&self, within: Duration) -> oneshot::Receiver<FlushReport> {
        let (tx, rx) = oneshot::channel();
        let reply = Box::new(move |r| {
            let _ = tx.send(r);
        });
        self.delivery.flush(Instant::now() + within, reply);
        rx
    }

    async fn flush(&self, within: Duration) -> FlushReport {
        self.start_flush(within).await.unwrap()
    }

    fn start_shutdown(&self, within: Duration) -> oneshot::Receiver<FlushReport> {
        let (tx, rx) = oneshot::channel();
        let reply = Box::new(move |r| {
            let _ = tx.send(r);
        });
        self.delivery.shutdown(Instant::now() + within, reply);
        rx
    }

    /// The next request the receiver sees (waiting for it).
    async fn request(&mut self) -> Request {
        self.requests.recv().await.unwrap()
    }

    /// The requests seen and not read yet.
    fn seen(&mut self) -> Vec<Request> {
        std::iter::from_fn(|| self.requests.try_recv().ok()).collect()
    }

    fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }
}

fn events(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("\"{n}\"")).collect()
}

fn delivered(n: u64) -> FlushReport {
    FlushReport {
        delivered: n,
        pending: 0,
        timed_out: false,
    }
}

/// What a flush that ran out of time reports, with nothing delivered meanwhile.
fn timed_out(pending: u64) -> FlushReport {
    FlushReport {
        delivered: 0,
        pending,
        timed_out: true,
    }
}

const LONG: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn an_accepted_batch_is_delivered_in_one_request() {
    for status in [200, 202, 204] {
        let mut h = start(vec![code(status)]).await;
        h.push(3);
        assert_eq!(h.flush(LONG).await, delivered(3), "{status}");
        let seen = h.seen();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].events, events(&["e0", "e1", "e2"]));
        let st = h.stats();
        assert_eq!((st.delivered, st.dropped, st.retried), (3, 0, 0));
    }
}

#[tokio::test(start_paused = true)]
async fn a_partial_success_delivers_the_rest_and_never_resends_the_refused() {
    let mut h = start(vec![Partial(1)]).await;
    h.push(3);
    assert_eq!(h.flush(LONG).await, delivered(2));
    assert_eq!(h.seen().len(), 1);
    let st = h.stats();
    assert_eq!((st.delivered, st.dropped_rejected, st.retried), (2, 1, 0));
    // A receiver that says it refused more than it was sent refuses the whole batch.
    let mut h = start(vec![Partial(9)]).await;
    h.push(2);
    assert_eq!(h.flush(LONG).await, delivered(0));
    assert_eq!(h.seen().len(), 1);
    let st = h.stats();
    assert_eq!((st.delivered, st.dropped_rejected, st.pending), (0, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn a_refused_batch_is_dropped_at_once_and_never_resent() {
    for status in [400, 404, 409, 422] {
        let mut h = start(vec![code(status)]).await;
        h.push(2);
        let t0 = Instant::now();
        assert_eq!(h.flush(LONG).await, delivered(0), "{status}");
        assert_eq!(Instant::now(), t0, "no wait");
        assert_eq!(h.seen().len(), 1);
        let st = h.stats();
        assert_eq!((st.dropped_rejected, st.dropped, st.retried), (2, 2, 0));
    }
}

#[tokio::test(start_paused = true)]
async fn refused_credentials_drop_each_batch_and_are_warned_about_once() {
    for status in [401, 403] {
        let mut h = start(vec![code(status), code(status)]).await;
        h.push(2);
        assert_eq!(h.flush(LONG).await, delivered(0));
        h.push(1);
        assert_eq!(h.flush(LONG).await, delivered(0));
        assert_eq!(h.seen().len(), 2, "{status}: each batch tried once");
        let st = h.stats();
        assert_eq!((st.dropped_unauthorized, st.retried), (3, 0));
        let warned = &h.delivery.shared.warned_unauthorized;
        assert!(warned.load(std::sync::atomic::Ordering::Relaxed));
    }
}

#[tokio::test(start_paused = true)]
async fn a_batch_that_may_succeed_later_is_sent_again_after_a_growing_backoff() {
    let retryable = [
        code(408),
        code(429),
        code(500),
        code(502),
        code(503),
        code(504),
        Unreachable,
        Timeout,
    ];
    for answer in retryable {
        let mut h = start(vec![answer.clone(), answer.clone(), answer.clone()]).await;
        // Not flushed (a flush asks for an attempt at once: see the test below).
        h.push(2);
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(h.request().await);
        }
        assert_eq!(
            h.flush(LONG).await,
            delivered(0),
            "{answer:?}: nothing left"
        );
        assert!(h.seen().is_empty(), "{answer:?}");
        let spent = match answer {
            Timeout => REQUEST_TIMEOUT,
            _ => Duration::ZERO,
        };
        for (attempt, pair) in seen.windows(2).enumerate() {
            assert_eq!(pair[1].events, events(&["e0", "e1"]));
            // Between half and all of BASE * 2^attempt, after the failed request itself.
            let ceiling = BASE * 2u32.pow(attempt as u32);
            let gap = pair[1].at - pair[0].at - spent;
            assert!(
                gap >= ceiling / 2 && gap <= ceiling,
                "{answer:?}, attempt {attempt}: {gap:?}"
            );
        }
        let st = h.stats();
        assert_eq!((st.delivered, st.retried, st.dropped), (2, 3, 0));
    }
}

/// The wait between the first and second request when the first is answered with `answer`.
async fn wait_after(answer: Answer) -> Duration {
    let mut h = start(vec![answer]).await;
    h.push(1);
    let first = h.request().await;
    let second = h.request().await;
    assert_eq!(h.flush(LONG).await, delivered(0));
    assert!(h.seen().is_empty());
    let st = h.stats();
    assert_eq!((st.delivered, st.retried), (1, 1));
    second.at - first.at
}

#[tokio::test(start_paused = true)]
async fn after_a_flush_the_first_retry_goes_at_once() {
    // The flush's call for an attempt now outlives the attempt it caused: the first backoff
    // after it is cut short (the server's Retry-After is not).
    let mut h = start(vec![code(503), code(503)]).await;
    h.push(1);
    assert_eq!(h.flush(LONG).await, delivered(1));
    let seen = h.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].at - seen[0].at, Duration::ZERO);
    let gap = seen[2].at - seen[1].at;
    assert!(gap >= BASE && gap <= 2 * BASE, "{gap:?}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_in_seconds_is_waited_exactly() {
    let secs = Duration::from_secs;
    assert_eq!(wait_after(retry_after(429, "7")).await, secs(7));
    assert_eq!(wait_after(retry_after(503, "3")).await, secs(3));
    // Within bounds: no shorter than the floor, no longer than the cap.
    assert_eq!(wait_after(retry_after(429, "0")).await, RETRY_AFTER_FLOOR);
    assert_eq!(wait_after(retry_after(429, "86400")).await, RETRY_AFTER_CAP);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_waits_until_that_date() {
    let date = httpdate::fmt_http_date(wall() + Duration::from_secs(9));
    assert_eq!(
        wait_after(retry_after(429, &date)).await,
        Duration::from_secs(9)
    );
    let date = httpdate::fmt_http_date(wall() + Duration::from_secs(90));
    assert_eq!(
        wait_after(retry_after(503, &date)).await,
        Duration::from_secs(90)
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_a_date_already_past_waits_only_the_floor() {
    let date = httpdate::fmt_http_date(wall() - Duration::from_secs(3600));
    assert_eq!(wait_after(retry_after(429, &date)).await, RETRY_AFTER_FLOOR);
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_retry_after_is_ordinary_backoff() {
    let wait = wait_after(retry_after(503, "soon")).await;
    assert!(wait >= BASE / 2 && wait <= BASE, "{wait:?}");
}

#[tokio::test(start_paused = true)]
async fn a_batch_too_large_is_split_in_halves_until_each_part_is_taken() {
    let mut h = start(vec![code(413), code(413)]).await;
    h.push(5);
    assert_eq!(h.flush(LONG).await, delivered(5));
    let sent: Vec<Vec<String>> = h.seen().into_iter().map(|r| r.events).collect();
    assert_eq!(
        sent,
        vec![
            events(&["e0", "e1", "e2", "e3", "e4"]),
            // The first half is sent at once; the second goes back to the front of the queue.
            events(&["e0", "e1"]),
            events(&["e0"]),
            events(&["e1", "e2", "e3", "e4"]),
        ]
    );
    let st = h.stats();
    assert_eq!((st.delivered, st.dropped, st.retried), (5, 0, 0));
}

/// An event of `bytes` of output, as the worker serializes it.
fn large_event(bytes: usize) -> String {
    format!(
        r#"{{"id":"e","session_id":"s","ts":1,"type":"tool_call","data":{{"tool_use_id":"t","output":"{}"}}}}"#,
        "x".repeat(bytes)
    )
}

#[tokio::test(start_paused = true)]
async fn one_event_too_large_is_cut_to_half_until_it_is_taken() {
    let mut h = start(vec![code(413), code(413)]).await;
    h.push_json(&large_event(40_000));
    assert_eq!(h.flush(LONG).await, delivered(1));
    let seen = h.seen();
    let sizes: Vec<usize> = seen.iter().map(|r| r.events[0].len()).collect();
    assert_eq!(sizes.len(), 3);
    assert!(
        sizes[1] <= sizes[0] / 2 && sizes[2] <= sizes[1] / 2,
        "{sizes:?}"
    );
    let last: serde_json::Value = serde_json::from_str(&seen[2].events[0]).unwrap();
    let output = last["data"]["output"].as_str().unwrap();
    assert!(
        output.contains(crate::truncate::MARKER),
        "the cut is visible"
    );
    assert_eq!(last["data"]["tool_use_id"], "t");
    let st = h.stats();
    assert_eq!((st.delivered, st.dropped, st.retried), (1, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn an_event_that_cannot_be_cut_enough_is_dropped_as_too_large() {
    // Nothing in it to cut.
    let mut h = start(vec![code(413)]).await;
    h.push_json(r#"{"id":"e","session_id":"s","ts":1,"type":"marker","data":{}}"#);
    assert_eq!(h.flush(LONG).await, delivered(0));
    assert_eq!(h.seen().len(), 1);
    assert_eq!(h.stats().dropped_too_large, 1);
    // Cut again at every 413, until a text is as short as a cut leaves it.
    let mut h = start(vec![code(413); 20]).await;
    h.push_json(&large_event(40_000));
    assert_eq!(h.flush(LONG).await, delivered(0));
    let sizes: Vec<usize> = h.seen().iter().map(|r| r.events[0].len()).collect();
    assert!(sizes.len() > 2 && sizes.len() < 20, "{sizes:?}");
    assert!(sizes.windows(2).all(|w| w[1] <= w[0] / 2), "{sizes:?}");
    let st = h.stats();
    assert_eq!((st.dropped_too_large, st.dropped, st.pending), (1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_flush_during_a_backoff_sends_again_at_once() {
    let mut h = start(vec![code(503); 5]).await;
    let t0 = Instant::now();
    h.push(1);
    // Not flushed: the batch goes when the flush interval has passed, then backs off 5 times.
    let first = h.request().await;
    assert_eq!(first.at - t0, Duration::from_millis(500));
    for _ in 0..4 {
        h.request().await;
    }
    // The fifth backoff lasts at least 1.6 s; a flush 100 ms into it does not wait for its end.
    let fifth_failed = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let report = h.flush(LONG).await;
    assert_eq!(report, delivered(1));
    let sixth = h.request().await;
    assert_eq!(sixth.at - fifth_failed, Duration::from_millis(100));
    assert_eq!(h.stats().retried, 5);
}

#[tokio::test(start_paused = true)]
async fn a_flush_does_not_cut_short_the_wait_a_server_asked_for() {
    let mut h = start(vec![retry_after(429, "60")]).await;
    h.push(1);
    let t0 = Instant::now();
    let report = h.flush(Duration::from_secs(5)).await;
    assert_eq!(report, timed_out(1));
    assert_eq!(Instant::now() - t0, Duration::from_secs(5));
    assert_eq!(h.flush(LONG).await, delivered(1));
    let seen = h.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].at - seen[0].at, Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_during_a_backoff_sends_again_at_once_then_stops_the_sender() {
    let mut h = start(vec![code(503), code(503)]).await;
    h.push(1);
    let first = h.request().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let shutdown = h.start_shutdown(Duration::from_secs(30));
    let second = h.request().await;
    assert_eq!(second.at - first.at, Duration::from_millis(50));
    // The second failure backs off as usual; the third attempt is taken.
    assert_eq!(shutdown.await.unwrap(), delivered(1));
    assert_eq!(h.seen().len(), 1);
    (&mut h.sender).await.unwrap();
    // Later events are dropped as shut down.
    h.push(1);
    let st = h.stats();
    assert_eq!((st.delivered, st.dropped_shutdown, st.pending), (1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_that_outlasts_its_deadline_drops_the_queue_and_the_batch_in_flight() {
    let config = DeliveryConfig {
        max_batch_events: 1,
        ..DeliveryConfig::default()
    };
    // The first batch waits a minute for the server, then fails again.
    let mut h = start_with(config, vec![retry_after(429, "60"), code(503)]).await;
    h.push(3);
    let t0 = Instant::now();
    let report = h.start_shutdown(Duration::from_secs(5)).await.unwrap();
    // At the deadline: the two events still queued are dropped; the one in flight is pending.
    assert_eq!(Instant::now() - t0, Duration::from_secs(5));
    assert_eq!(report, timed_out(1));
    assert_eq!(h.stats().dropped_shutdown, 2);
    // Its next failure drops it rather than retrying; the sender then ends.
    (&mut h.sender).await.unwrap();
    let seen = h.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].at - seen[0].at, Duration::from_secs(60));
    assert_eq!(seen[1].events, events(&["e0"]));
    let st = h.stats();
    assert_eq!((st.dropped_shutdown, st.retried, st.pending), (3, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn batches_follow_the_bounds_and_the_timer() {
    let config = DeliveryConfig {
        max_batch_events: 2,
        flush_interval: Duration::from_millis(500),
        ..DeliveryConfig::default()
    };
    let mut h = start_with(config, vec![]).await;
    let t0 = Instant::now();
    // A full batch goes at once; a batch not full waits for the flush interval.
    h.push(2);
    let full = h.request().await;
    assert_eq!(full.at - t0, Duration::ZERO);
    assert_eq!(full.events, events(&["e0", "e1"]));
    h.push(1);
    let rest = h.request().await;
    assert_eq!(rest.at - t0, Duration::from_millis(500));
    assert_eq!(rest.events, events(&["e2"]));
    assert_eq!(h.flush(LONG).await, delivered(0));
    assert_eq!(h.stats().delivered, 3);
}
