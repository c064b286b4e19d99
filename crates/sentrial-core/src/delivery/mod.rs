//! Getting events to a receiver: the queue, the sender task, flush and shutdown.
//!
//! The OTLP exporter runs a second [`Delivery`] of its own, whose queued items are encoded spans
//! (see `crate::otlp`): same bounds, batching, backoff, flush and counters, another
//! [`transport::Encoder`].
//!
//! One sender task per delivery sends one batch at a time, oldest events first. A batch is sent
//! when enough events are queued, when the oldest has waited `flush_interval`, or at once when a
//! flush asks. What each answer does to the batch is the send loop's (`send.rs`); the receiver is
//! behind the [`Transport`] trait.

pub mod backoff;
pub mod config;
mod flush;
pub mod outbox;
mod send;
mod shared;
pub mod spool;
pub mod transport;

pub use config::DeliveryConfig;
pub use flush::{FlushReply, FlushReport, DEFAULT_FLUSH_TIMEOUT};
pub use transport::{HttpTransport, Transport};

use crate::stats::{DropReason, Stats};
use flush::Waiters;
use outbox::{Kind, Outbox, Queued};
use shared::{Shared, State};
use std::path::Path;
use std::sync::Arc;
use tokio::time::Instant;

/// The delivery side of one tracker (or of its OTLP exporter).
pub struct Delivery {
    shared: Shared,
}

impl Delivery {
    /// A delivery queue with `config`'s bounds, counting into `stats`; with `spool_dir`, events are
    /// also written there and those a stopped tracker left are read back.
    pub fn new(config: DeliveryConfig, spool_dir: Option<&Path>, stats: Arc<Stats>) -> Arc<Self> {
        let mut outbox = Outbox::new(config.max_queue_events, config.max_queue_bytes);
        let spool = spool_dir.and_then(|dir| match spool::Spool::open(dir) {
            Ok((spool, recovered)) => {
                let mut n = 0;
                for r in recovered {
                    let kind = Kind::of_type(&r.kind);
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
        let state = State {
            outbox,
            spool,
            in_flight: None,
            waiters: Waiters::default(),
            urgent: false,
            closed: false,
        };
        Arc::new(Delivery {
            shared: Shared::new(state, config, stats),
        })
    }

    /// Queues one serialized event.
    pub fn push(&self, session: &Arc<str>, kind: Kind, json: Vec<u8>) {
        let shared = &self.shared;
        shared.stats.produced(1);
        let mut st = shared.lock();
        if st.closed {
            drop(st);
            shared.stats.dropped(DropReason::Shutdown, 1);
            return;
        }
        let was_empty = st.outbox.is_empty();
        if !st.outbox.has_room(kind, json.len()) {
            drop(st);
            shared.stats.dropped(DropReason::QueueFull, 1);
            return;
        }
        let segment = match st.spool.as_mut() {
            Some(spool) => {
                let segment = spool.append(&json);
                if segment.is_none() && spool.failed() {
                    st.spool = None;
                    shared.stats.spool_error();
                }
                segment
            }
            None => None,
        };
        st.outbox.push_spooled(session.clone(), kind, json, segment);
        let full = st.outbox.len() >= shared.config.max_batch_events;
        drop(st);
        if was_empty || full {
            shared.wake.notify_one();
        }
    }

    /// Calls `reply` once everything queued so far is settled, or at `deadline`.
    pub fn flush(self: &Arc<Self>, deadline: Instant, reply: FlushReply) {
        let shared = &self.shared;
        let mut st = shared.lock();
        let target = st.outbox.next_seq();
        if st.oldest_unsettled() >= target {
            drop(st);
            reply(FlushReport {
                delivered: 0,
                pending: shared.stats.snapshot().pending,
                timed_out: false,
            });
            return;
        }
        let delivered_before = shared.stats.snapshot().delivered;
        let id = st.waiters.add(target, delivered_before, reply);
        st.urgent = true;
        drop(st);
        shared.wake.notify_one();
        shared.retry_now.notify_one();
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
                let shared = &this.shared;
                let mut st = shared.lock();
                st.closed = true;
                let dropped = st.outbox.clear() as u64;
                drop(st);
                shared.stats.dropped(DropReason::Shutdown, dropped);
                shared.wake.notify_one();
                reply(FlushReport {
                    pending: shared.stats.snapshot().pending,
                    ..report
                });
            }),
        );
    }

    /// Flush `id` reached its deadline: answered as timed out, unless answered already.
    fn expire(&self, id: u64) {
        let Some(w) = self.shared.lock().waiters.remove(id) else {
            return;
        };
        w.answer(&self.shared.stats.snapshot(), true);
    }

    /// Waits until a batch is due and takes it. `None` when the delivery is closed and empty.
    async fn next_batch(&self) -> Option<Vec<Queued>> {
        let shared = &self.shared;
        loop {
            let due = {
                let st = shared.lock();
                if st.outbox.is_empty() {
                    if st.closed {
                        return None;
                    }
                    None
                } else {
                    Some(
                        st.urgent || st.closed || st.outbox.len() >= shared.config.max_batch_events,
                    )
                }
            };
            match due {
                None => shared.wake.notified().await,
                Some(false) => {
                    // Give the batch time to fill, unless something asks for it sooner.
                    tokio::select! {
                        _ = shared.wake.notified() => {}
                        _ = tokio::time::sleep(shared.config.flush_interval) => {}
                    }
                    return self.take();
                }
                Some(true) => return self.take(),
            }
        }
    }

    fn take(&self) -> Option<Vec<Queued>> {
        let config = &self.shared.config;
        let mut st = self.shared.lock();
        let batch = st
            .outbox
            .take_batch(config.max_batch_events, config.max_batch_bytes);
        st.in_flight = batch.first().map(|q| q.seq);
        Some(batch)
    }

    /// The sender task: runs until the delivery is shut down and its queue is empty.
    pub async fn run<T: Transport>(self: Arc<Self>, transport: T) {
        while let Some(batch) = self.next_batch().await {
            if !batch.is_empty() {
                send::deliver(&self.shared, &transport, batch).await;
            }
            let mut st = self.shared.lock();
            st.in_flight = None;
            let done = st.settle_waiters();
            drop(st);
            self.shared.answer(done);
        }
    }
}

#[cfg(test)]
#[path = "send_tests.rs"]
mod send_tests;
