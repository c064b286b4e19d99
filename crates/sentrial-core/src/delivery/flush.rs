//! Flushes waiting on a delivery: each waits for every event queued before it to be settled
//! (delivered or dropped), or for its deadline, and is answered once.

use crate::stats::StatsSnapshot;
use std::time::Duration;

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

/// How long a flush may wait when the caller gives no timeout.
pub const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// One flush not answered yet.
pub(super) struct Waiter {
    id: u64,
    /// Every event with a smaller sequence number must be settled.
    target: u64,
    delivered_before: u64,
    reply: FlushReply,
}

impl Waiter {
    /// Answers with what was delivered since the flush began, as of `now`.
    pub fn answer(self, now: &StatsSnapshot, timed_out: bool) {
        (self.reply)(FlushReport {
            delivered: now.delivered - self.delivered_before,
            pending: now.pending,
            timed_out,
        });
    }
}

/// The flushes waiting on one delivery.
#[derive(Default)]
pub(super) struct Waiters {
    waiting: Vec<Waiter>,
    next_id: u64,
}

impl Waiters {
    /// A flush waiting for every event below `target`, begun when `delivered_before` events were
    /// delivered. Returns its id.
    pub fn add(&mut self, target: u64, delivered_before: u64, reply: FlushReply) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.waiting.push(Waiter {
            id,
            target,
            delivered_before,
            reply,
        });
        id
    }

    /// Takes out flush `id`, unless it was answered already.
    pub fn remove(&mut self, id: u64) -> Option<Waiter> {
        let pos = self.waiting.iter().position(|w| w.id == id)?;
        Some(self.waiting.swap_remove(pos))
    }

    /// Takes out the flushes whose events are all settled, `oldest` being the oldest event not
    /// settled.
    pub fn settled(&mut self, oldest: u64) -> Vec<Waiter> {
        let (done, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.target <= oldest);
        self.waiting = waiting;
        done
    }

    /// Whether no flush waits.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}
