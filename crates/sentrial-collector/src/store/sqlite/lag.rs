//! [`Lag`]: how far behind the writer thread is, for `/healthz`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::time::now_ms;

/// When the oldest write the writer holds was queued; none while it holds none.
#[derive(Debug, Default)]
pub(super) struct Lag {
    /// ms since the epoch; 0: none.
    oldest: AtomicI64,
}

impl Lag {
    /// Records the oldest held write's queue time (`None`: the writer is idle).
    pub(super) fn set(&self, queued_at: Option<i64>) {
        self.oldest
            .store(queued_at.unwrap_or(0).max(0), Ordering::Release);
    }

    /// How long the oldest held write has waited: zero when none is held.
    pub(super) fn behind(&self) -> Duration {
        match self.oldest.load(Ordering::Acquire) {
            0 => Duration::ZERO,
            since => Duration::from_millis(u64::try_from(now_ms() - since).unwrap_or(0)),
        }
    }
}
