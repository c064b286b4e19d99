//! Retention (`sentrial serve --retention-days N`): a background task that deletes the sessions
//! that started more than N days ago, with everything stored about them, a batch (one short
//! transaction) at a time with a pause between batches, so ingest and reads go on meanwhile.

use std::sync::Arc;
use std::time::Duration;

use crate::store::{Deleted, Store, DELETE_BATCH};
use crate::time::now_ms;

/// How often the task looks for sessions past the retention, unless told otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// The pause between two batches of one round.
const PAUSE: Duration = Duration::from_millis(50);

/// What the retention task is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Sessions that started longer ago than this are deleted.
    pub keep: Duration,
    /// How often it looks.
    pub every: Duration,
}

impl Retention {
    /// How long sessions are kept, in whole days (as `--retention-days` gives it).
    pub fn days(&self) -> u32 {
        u32::try_from(self.keep.as_secs() / 86_400).unwrap_or(u32::MAX)
    }
}

/// How many days sessions are kept (`None`: until deleted), for the answers that say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionDays(pub Option<u32>);

/// Starts the task on the current runtime; it runs until aborted (the server aborts it when it
/// stops serving, before closing the store).
pub fn spawn(store: Arc<dyn Store>, retention: Retention) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(retention.every);
        loop {
            tick.tick().await;
            match round(store.as_ref(), retention.keep).await {
                Ok(deleted) if deleted.get("sessions").copied().unwrap_or(0) > 0 => {
                    tracing::info!(?deleted, "retention: deleted sessions past it");
                }
                Ok(_) => {}
                // Tried again at the next tick; nothing half-deleted (each batch is a transaction).
                Err(err) => tracing::warn!(%err, "retention: a batch failed"),
            }
        }
    })
}

/// Deletes every session that started before now minus `keep`, a batch at a time.
pub async fn round(store: &dyn Store, keep: Duration) -> Result<Deleted, crate::store::StoreError> {
    let cutoff = now_ms().saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX));
    let mut deleted = Deleted::new();
    loop {
        let (picked, rows) = store.delete_expired_batch(cutoff).await?;
        for (table, n) in rows {
            *deleted.entry(table).or_default() += n;
        }
        if picked < DELETE_BATCH as u64 {
            return Ok(deleted);
        }
        tokio::time::sleep(PAUSE).await;
    }
}
