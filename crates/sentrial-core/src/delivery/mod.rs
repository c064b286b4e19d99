//! Getting events to the collector: the queue, the sender task, flush and shutdown.
//!
//! The OTLP exporter runs a second [`Delivery`] of its own, whose queued items are encoded spans
//! (see [`crate::otlp`]): same bounds, batching, backoff, flush and counters, another
//! [`transport::Encoder`].
//!
//! One sender task per tracker sends one batch at a time, oldest events first. A batch is sent when
//! enough events are queued, when the oldest has waited `flush_interval`, or at once when a flush
//! asks. Failed requests are retried with backoff; refused ones are dropped and counted.

pub mod backoff;
pub mod outbox;
pub mod spool;
pub mod transport;

use crate::config::Config;
use crate::stats::{DropReason, Stats};
use outbox::{Kind, Outbox, Queued};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;
use transport::{Sent, Transport};

/// What a flush achieved by the time it returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Events delivered while the flush waited.
    pub delivered: u64,
    /// Events still waiting when it returned.
    pub pending: u64,
    /// True when the timeout passed before everything queued was settled.
    pub timed_out: bool,
}

/// Called once with the outcome of a flush.
pub type FlushReply = Box<dyn FnOnce(FlushReport) + Send + 'static>;

struct Waiter {
    id: u64,
    /// Every event with a smaller sequence number must be settled.
    target: u64,
    delivered_before: u64,
    reply: FlushReply,
}

struct State {
    outbox: Outbox,
    spool: Option<spool::Spool>,
    /// First sequence number of the batch being sent, if any.
    in_flight: Option<u64>,
    waiters: Vec<Waiter>,
    next_waiter: u64,
    urgent: bool,
    closed: bool,
}

impl State {
    fn oldest_unsettled(&self) -> u64 {
        self.in_flight
            .or(self.outbox.front_seq())
            .unwrap_or(self.outbox.next_seq())
    }
}

/// The delivery side of one tracker.
pub struct Delivery {
    state: Mutex<State>,
    wake: Notify,
    /// Cuts a backoff wait short: a flush wants an attempt now, not at the next scheduled retry.
    retry_now: Notify,
    stats: Arc<Stats>,
    config: Config,
    warned_unauthorized: AtomicBool,
}

impl Delivery {
    /// A delivery queue for `config`, counting into `stats`.
    pub fn new(config: Config, stats: Arc<Stats>) -> Arc<Self> {
        let mut outbox = Outbox::new(config.max_queue_events, config.max_queue_bytes);
        let spool = config.spool_dir.as_deref().and_then(|dir| match spool::Spool::open(dir) {
            Ok((spool, recovered)) => {
                let mut n = 0;
                for r in recovered {
                    let kind = match r.kind.as_str() {
                        "session_start" => Kind::Start,
                        "session_end" => Kind::End,
                        _ => Kind::Other,
                    };
                    // What does not fit in memory stays on disk for a later start.
                    let session = Arc::from(r.session);
                    if outbox.push_spooled(session, kind, r.json, Some(r.segment)) {
                        n += 1;
                    }
                }
                if n > 0 {
                    stats.produced(n);
                    stats.recovered(n);
                    tracing::debug!(events = n, "events recovered from the spool directory");
                }
                Some(spool)
            }
            Err(e) => {
                stats.spool_error();
                tracing::warn!(dir = %dir.display(), error = %e, "cannot use the spool directory; events are kept in memory only");
                None
            }
        });
        Arc::new(Delivery {
            state: Mutex::new(State {
                outbox,
                spool,
                in_flight: None,
                waiters: Vec::new(),
                next_waiter: 0,
                urgent: false,
                closed: false,
            }),
            wake: Notify::new(),
            retry_now: Notify::new(),
            stats,
            config,
            warned_unauthorized: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not stop delivery for good.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues one serialized event.
    pub fn push(&self, session: &Arc<str>, kind: Kind, json: Vec<u8>) {
        self.stats.produced(1);
        let mut st = self.lock();
        if st.closed {
            drop(st);
            self.stats.dropped(DropReason::Shutdown, 1);
            return;
        }
        let was_empty = st.outbox.is_empty();
        if !st.outbox.has_room(kind, json.len()) {
            drop(st);
            self.stats.dropped(DropReason::QueueFull, 1);
            return;
        }
        let segment = match st.spool.as_mut() {
            Some(spool) => {
                let segment = spool.append(&json);
                if segment.is_none() && spool.failed() {
                    st.spool = None;
                    self.stats.spool_error();
                }
                segment
            }
            None => None,
        };
        st.outbox.push_spooled(session.clone(), kind, json, segment);
        let full = st.outbox.len() >= self.config.max_batch_events;
        drop(st);
        if was_empty || full {
            self.wake.notify_one();
        }
    }

    /// Calls `reply` once everything queued so far is settled, or at `deadline`.
    pub fn flush(self: &Arc<Self>, deadline: Instant, reply: FlushReply) {
        let mut st = self.lock();
        let target = st.outbox.next_seq();
        if st.oldest_unsettled() >= target {
            drop(st);
            reply(FlushReport {
                delivered: 0,
                pending: self.stats.snapshot().pending,
                timed_out: false,
            });
            return;
        }
        let id = st.next_waiter;
        st.next_waiter += 1;
        st.waiters.push(Waiter {
            id,
            target,
            delivered_before: self.stats.snapshot().delivered,
            reply,
        });
        st.urgent = true;
        drop(st);
        self.wake.notify_one();
        self.retry_now.notify_one();
        let this = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep_until(deadline).await;
            this.expire(id);
        });
    }

    /// Flushes, then stops: what is still queued at `deadline` is dropped and counted.
    pub fn shutdown(self: &Arc<Self>, deadline: Instant, reply: FlushReply) {
        let this = Arc::clone(self);
        self.flush(
            deadline,
            Box::new(move |report| {
                let mut st = this.lock();
                st.closed = true;
                let dropped = st.outbox.clear() as u64;
                drop(st);
                this.stats.dropped(DropReason::Shutdown, dropped);
                this.wake.notify_one();
                reply(FlushReport {
                    pending: this.stats.snapshot().pending,
                    ..report
                });
            }),
        );
    }

    fn expire(&self, id: u64) {
        let mut st = self.lock();
        let Some(pos) = st.waiters.iter().position(|w| w.id == id) else {
            return;
        };
        let w = st.waiters.swap_remove(pos);
        drop(st);
        let snap = self.stats.snapshot();
        (w.reply)(FlushReport {
            delivered: snap.delivered - w.delivered_before,
            pending: snap.pending,
            timed_out: true,
        });
    }

    fn settle_waiters(&self, st: &mut MutexGuard<'_, State>) -> Vec<Waiter> {
        let oldest = st.oldest_unsettled();
        let (done, waiting): (Vec<_>, Vec<_>) =
            st.waiters.drain(..).partition(|w| w.target <= oldest);
        st.waiters = waiting;
        if st.waiters.is_empty() {
            st.urgent = false;
        }
        done
    }

    fn answer(&self, done: Vec<Waiter>) {
        if done.is_empty() {
            return;
        }
        let snap = self.stats.snapshot();
        for w in done {
            (w.reply)(FlushReport {
                delivered: snap.delivered - w.delivered_before,
                pending: snap.pending,
                timed_out: false,
            });
        }
    }

    /// Waits until a batch is due and takes it. `None` when the tracker is closed and empty.
    async fn next_batch(&self) -> Option<Vec<Queued>> {
        loop {
            let due = {
                let st = self.lock();
                if st.outbox.is_empty() {
                    if st.closed {
                        return None;
                    }
                    None
                } else {
                    Some(st.urgent || st.closed || st.outbox.len() >= self.config.max_batch_events)
                }
            };
            match due {
                None => self.wake.notified().await,
                Some(false) => {
                    // Give the batch time to fill, unless something asks for it sooner.
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(self.config.flush_interval) => {}
                    }
                    return self.take();
                }
                Some(true) => return self.take(),
            }
        }
    }

    fn take(&self) -> Option<Vec<Queued>> {
        let mut st = self.lock();
        let batch = st
            .outbox
            .take_batch(self.config.max_batch_events, self.config.max_batch_bytes);
        st.in_flight = batch.first().map(|q| q.seq);
        Some(batch)
    }

    /// The sender task: runs until the tracker is shut down and its queue is empty.
    pub async fn run(self: Arc<Self>, transport: Transport) {
        while let Some(batch) = self.next_batch().await {
            if !batch.is_empty() {
                self.deliver(&transport, batch).await;
            }
            let mut st = self.lock();
            st.in_flight = None;
            let done = self.settle_waiters(&mut st);
            drop(st);
            self.answer(done);
        }
    }

    async fn deliver(&self, transport: &Transport, mut batch: Vec<Queued>) {
        let mut attempt = 0;
        loop {
            let n = batch.len() as u64;
            let outcome = transport.send(transport.body(&batch)).await;
            let dropped = match outcome {
                Sent::Delivered { rejected, message } => {
                    tracing::debug!(events = n, "batch delivered");
                    let rejected = rejected.min(n);
                    self.stats.delivered(n - rejected);
                    if rejected > 0 {
                        // A partial success: those items are refused for good, not retried.
                        let text = crate::redact::Redactor::scrub_for_log(&message, 512);
                        let peer = transport.peer().name();
                        tracing::warn!(rejected, %text, events = n, "{peer} refused part of a batch");
                        self.stats.dropped(DropReason::Rejected, rejected);
                    }
                    None
                }
                Sent::Retry { retry_after, why } => {
                    if self.lock().closed {
                        Some(DropReason::Shutdown)
                    } else {
                        self.stats.retried();
                        let wait = backoff::delay(attempt, retry_after);
                        tracing::debug!(%why, ?wait, events = n, "delivery failed; will retry");
                        attempt += 1;
                        if retry_after.is_some() {
                            // The server said when; a flush does not override it.
                            tokio::time::sleep(wait).await;
                        } else {
                            tokio::select! {
                                _ = tokio::time::sleep(wait) => {}
                                _ = self.retry_now.notified() => {}
                            }
                        }
                        continue;
                    }
                }
                Sent::TooLarge if batch.len() > 1 => {
                    let rest = batch.split_off(batch.len() / 2);
                    tracing::debug!(events = n, "batch too large; splitting");
                    self.lock().outbox.unshift(rest);
                    continue;
                }
                Sent::TooLarge => {
                    // One event the collector finds too large: cut it to half and try again.
                    let q = &mut batch[0];
                    match crate::truncate::shrink(&q.json, q.json.len() / 2) {
                        Some(smaller) => {
                            tracing::debug!(
                                from = q.json.len(),
                                to = smaller.len(),
                                "event too large; cut"
                            );
                            q.json = smaller;
                            continue;
                        }
                        None => Some(DropReason::TooLarge),
                    }
                }
                Sent::Unauthorized(code) => {
                    if !self.warned_unauthorized.swap(true, Ordering::Relaxed) {
                        tracing::warn!("{}", transport.peer().refused_warning(code));
                    }
                    Some(DropReason::Unauthorized)
                }
                Sent::Rejected(code, text) => {
                    // The answer may quote the batch: never log what a pattern finds in it.
                    let text = crate::redact::Redactor::scrub_for_log(&text, 512);
                    let peer = transport.peer().name();
                    tracing::warn!(code, %text, events = n, "{peer} rejected a batch");
                    Some(DropReason::Rejected)
                }
            };
            if let Some(reason) = dropped {
                self.stats.dropped(reason, n);
            }
            let mut st = self.lock();
            st.outbox.settle(&batch);
            if let Some(spool) = st.spool.as_mut() {
                for q in &batch {
                    if let Some(segment) = q.segment {
                        spool.settle(segment, 1);
                    }
                }
            }
            return;
        }
    }
}

/// How long a flush may wait when the caller gives no timeout.
pub const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);
