//! Delivery counters, shared between the host's thread and the worker.
//!
//! Every event the tracker produces is, at any moment, exactly one of delivered, pending or dropped:
//! `produced == delivered + pending + dropped` holds at every snapshot.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Why events were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The in-memory queue was full.
    QueueFull,
    /// The collector refused the batch as malformed (400, 422, ...).
    Rejected,
    /// The collector refused the key (401, 403).
    Unauthorized,
    /// An event was too large even alone (413).
    TooLarge,
    /// The tracker was shut down with the event still queued.
    Shutdown,
}

/// Live counters.
#[derive(Debug, Default)]
pub struct Stats {
    produced: AtomicU64,
    delivered: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_rejected: AtomicU64,
    dropped_unauthorized: AtomicU64,
    dropped_too_large: AtomicU64,
    dropped_shutdown: AtomicU64,
    retried: AtomicU64,
    recovered: AtomicU64,
    spool_errors: AtomicU64,
    inputs_ignored: AtomicU64,
    inputs_overload: AtomicU64,
    bad_inputs: AtomicU64,
    host: HostCounters,
}

/// The counters the host's thread writes for every input, on cache lines of their own: sharing a
/// line with counters the delivery task writes would make every input wait for that line to come
/// back from the other core.
#[derive(Debug, Default)]
#[repr(align(128))]
struct HostCounters {
    inputs: AtomicU64,
    /// Bytes of inputs handed over and not yet read by the worker.
    input_backlog: AtomicU64,
}

/// Most bytes of unread inputs (messages and hook payloads) held for the worker; past it, inputs are
/// refused and counted, so a stalled worker can never grow the host's memory without bound.
pub const MAX_INPUT_BACKLOG: u64 = 256 * 1024 * 1024;

/// A consistent reading of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Events made.
    pub produced: u64,
    /// Events the collector accepted.
    pub delivered: u64,
    /// Events queued or in flight.
    pub pending: u64,
    /// Events dropped, all reasons.
    pub dropped: u64,
    /// Dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Dropped because the collector refused them as malformed.
    pub dropped_rejected: u64,
    /// Dropped because the collector refused the key.
    pub dropped_unauthorized: u64,
    /// Dropped because too large.
    pub dropped_too_large: u64,
    /// Dropped at shutdown.
    pub dropped_shutdown: u64,
    /// Requests retried.
    pub retried: u64,
    /// Events read back from the spool directory at start (also counted in `produced`).
    pub recovered: u64,
    /// Times the spool directory could not be used (events then stay in memory).
    pub spool_errors: u64,
    /// Inputs given to the tracker (session starts and ends, messages, hook payloads, user turns).
    pub inputs: u64,
    /// Messages and hook payloads ignored because the tracker was off or shut down.
    pub inputs_ignored: u64,
    /// Messages and hook payloads refused because the worker was too far behind.
    pub inputs_overload: u64,
    /// Messages and hook payloads that could not be read (not JSON).
    pub bad_inputs: u64,
}

impl Stats {
    /// Counts produced events.
    pub fn produced(&self, n: u64) {
        self.produced.fetch_add(n, Relaxed);
    }

    /// Counts delivered events.
    pub fn delivered(&self, n: u64) {
        self.delivered.fetch_add(n, Relaxed);
    }

    /// Counts dropped events.
    pub fn dropped(&self, reason: DropReason, n: u64) {
        let counter = match reason {
            DropReason::QueueFull => &self.dropped_queue_full,
            DropReason::Rejected => &self.dropped_rejected,
            DropReason::Unauthorized => &self.dropped_unauthorized,
            DropReason::TooLarge => &self.dropped_too_large,
            DropReason::Shutdown => &self.dropped_shutdown,
        };
        counter.fetch_add(n, Relaxed);
    }

    /// Counts a retried request.
    pub fn retried(&self) {
        self.retried.fetch_add(1, Relaxed);
    }

    /// Counts events recovered from the spool.
    pub fn recovered(&self, n: u64) {
        self.recovered.fetch_add(n, Relaxed);
    }

    /// Counts a failure of the spool directory.
    pub fn spool_error(&self) {
        self.spool_errors.fetch_add(1, Relaxed);
    }

    /// Counts an input given to the tracker.
    pub fn input(&self) {
        self.host.inputs.fetch_add(1, Relaxed);
    }

    /// Counts an input ignored because tracking is off.
    pub fn input_ignored(&self) {
        self.inputs_ignored.fetch_add(1, Relaxed);
    }

    /// Bytes of inputs handed over and not yet read by the worker (held by [`Reservation`]s).
    pub fn input_backlog(&self) -> u64 {
        self.host.input_backlog.load(Relaxed)
    }

    /// Counts an input that could not be read.
    pub fn bad_input(&self) {
        self.bad_inputs.fetch_add(1, Relaxed);
    }

    /// Reads all counters. `pending` is derived, so the identity holds by construction.
    pub fn snapshot(&self) -> StatsSnapshot {
        let dropped_queue_full = self.dropped_queue_full.load(Relaxed);
        let dropped_rejected = self.dropped_rejected.load(Relaxed);
        let dropped_unauthorized = self.dropped_unauthorized.load(Relaxed);
        let dropped_too_large = self.dropped_too_large.load(Relaxed);
        let dropped_shutdown = self.dropped_shutdown.load(Relaxed);
        let dropped = dropped_queue_full
            + dropped_rejected
            + dropped_unauthorized
            + dropped_too_large
            + dropped_shutdown;
        // Read outcomes before `produced` so that pending never goes negative.
        let delivered = self.delivered.load(Relaxed);
        let produced = self.produced.load(Relaxed);
        StatsSnapshot {
            produced,
            delivered,
            pending: produced.saturating_sub(delivered + dropped),
            dropped,
            dropped_queue_full,
            dropped_rejected,
            dropped_unauthorized,
            dropped_too_large,
            dropped_shutdown,
            retried: self.retried.load(Relaxed),
            inputs: self.host.inputs.load(Relaxed),
            recovered: self.recovered.load(Relaxed),
            spool_errors: self.spool_errors.load(Relaxed),
            inputs_ignored: self.inputs_ignored.load(Relaxed),
            inputs_overload: self.inputs_overload.load(Relaxed),
            bad_inputs: self.bad_inputs.load(Relaxed),
        }
    }
}

/// Room for some bytes of input in the backlog ([`MAX_INPUT_BACKLOG`]), held until this is dropped
/// (or [`Reservation::release`]d): whatever becomes of the input (read, ignored, or left queued by
/// a worker that stopped), its bytes leave the backlog exactly once. Nothing else reserves or
/// releases input bytes.
#[must_use]
pub struct Reservation {
    stats: Arc<Stats>,
    bytes: u64,
}

impl Reservation {
    /// Nothing reserved yet, in `stats`'s backlog.
    pub fn empty(stats: &Arc<Stats>) -> Reservation {
        Reservation {
            stats: Arc::clone(stats),
            bytes: 0,
        }
    }

    /// Reserves `bytes`; `None` (counted as an overload) when the backlog has no room for them.
    pub fn new(stats: &Arc<Stats>, bytes: u64) -> Option<Reservation> {
        let mut r = Reservation::empty(stats);
        r.grow(bytes).then_some(r)
    }

    /// Reserves `bytes` more; false (counted as an overload, nothing reserved) when the backlog
    /// has no room for them.
    pub fn grow(&mut self, bytes: u64) -> bool {
        let backlog = &self.stats.host.input_backlog;
        let before = backlog.fetch_add(bytes, Relaxed);
        if before + bytes > MAX_INPUT_BACKLOG {
            backlog.fetch_sub(bytes, Relaxed);
            self.stats.inputs_overload.fetch_add(1, Relaxed);
            return false;
        }
        self.bytes += bytes;
        true
    }

    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Gives back everything held; the reservation may grow again.
    pub fn release(&mut self) {
        if self.bytes > 0 {
            self.stats.host.input_backlog.fetch_sub(self.bytes, Relaxed);
            self.bytes = 0;
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.release();
    }
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation")
            .field("bytes", &self.bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_gives_its_bytes_back_once_however_it_ends() {
        let stats = Arc::new(Stats::default());
        let a = Reservation::new(&stats, 10).unwrap();
        let mut b = Reservation::empty(&stats);
        assert!(b.grow(5) && b.grow(7));
        assert_eq!(stats.input_backlog(), 22);
        drop(a);
        assert_eq!(stats.input_backlog(), 12);
        b.release();
        b.release();
        assert_eq!((stats.input_backlog(), b.bytes()), (0, 0));
        assert!(b.grow(3));
        drop(b);
        assert_eq!(stats.input_backlog(), 0);
    }

    #[test]
    fn a_full_backlog_refuses_and_counts_without_holding_anything() {
        let stats = Arc::new(Stats::default());
        let all = Reservation::new(&stats, MAX_INPUT_BACKLOG).unwrap();
        assert!(Reservation::new(&stats, 1).is_none());
        let mut r = Reservation::empty(&stats);
        assert!(!r.grow(1));
        assert_eq!(r.bytes(), 0);
        assert_eq!(stats.snapshot().inputs_overload, 2);
        drop(all);
        assert_eq!(stats.input_backlog(), 0);
        assert!(r.grow(1));
    }
}
