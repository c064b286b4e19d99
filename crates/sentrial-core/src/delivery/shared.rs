//! What a delivery's handle and its sender task share: the queue and the flushes under one lock,
//! the signals between them, the counters and the settings.

use super::config::DeliveryConfig;
use super::flush::{Waiter, Waiters};
use super::outbox::{Outbox, Queued};
use super::spool::Spool;
use crate::stats::Stats;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// The state under the lock.
pub(super) struct State {
    pub outbox: Outbox,
    pub spool: Option<Spool>,
    /// First sequence number of the batch being sent, if any.
    pub in_flight: Option<u64>,
    pub waiters: Waiters,
    /// A flush waits: send what is queued now, not when the batch is full or the timer ends.
    pub urgent: bool,
    /// Shut down: nothing more is queued; the sender stops once the queue is empty.
    pub closed: bool,
}

impl State {
    /// The oldest event not settled yet (in flight or queued), or the next one to be queued.
    pub fn oldest_unsettled(&self) -> u64 {
        self.in_flight
            .or(self.outbox.front_seq())
            .unwrap_or(self.outbox.next_seq())
    }

    /// Takes out the flushes that are now answered.
    pub fn settle_waiters(&mut self) -> Vec<Waiter> {
        let done = self.waiters.settled(self.oldest_unsettled());
        if self.waiters.is_empty() {
            self.urgent = false;
        }
        done
    }

    /// A batch is settled (delivered or dropped): its sessions' starts are confirmed and its
    /// events leave the spool.
    pub fn settle(&mut self, batch: &[Queued]) {
        self.outbox.settle(batch);
        if let Some(spool) = self.spool.as_mut() {
            for q in batch {
                if let Some(segment) = q.segment {
                    spool.settle(segment, 1);
                }
            }
        }
    }
}

/// Shared by a delivery's handle and its sender task.
pub(super) struct Shared {
    state: Mutex<State>,
    /// Wakes the sender: something was queued, a flush asks, or the delivery was shut down.
    pub wake: Notify,
    /// Cuts a backoff wait short: a flush wants an attempt now, not at the next scheduled retry.
    pub retry_now: Notify,
    pub stats: Arc<Stats>,
    pub config: DeliveryConfig,
    /// The receiver's refusal of our credentials was logged (it is logged once).
    pub warned_unauthorized: AtomicBool,
}

impl Shared {
    pub fn new(state: State, config: DeliveryConfig, stats: Arc<Stats>) -> Shared {
        Shared {
            state: Mutex::new(state),
            wake: Notify::new(),
            retry_now: Notify::new(),
            stats,
            config,
            warned_unauthorized: AtomicBool::new(false),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not stop delivery for good.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers flushes taken out of the state (outside the lock: a reply may do anything).
    pub fn answer(&self, done: Vec<Waiter>) {
        if done.is_empty() {
            return;
        }
        let snap = self.stats.snapshot();
        for w in done {
            w.answer(&snap, false);
        }
    }
}
