//! Retention (`sentrial serve --retention-days N`, and a project's own: `PUT /api/retention`,
//! `sentrial retention set`): a background task that deletes the sessions that started longer
//! ago than their project's retention, with everything stored about them, a batch (one short
//! transaction) at a time with a pause between batches, so ingest and reads go on meanwhile.
//! A project's own retention overrides the collector's, shorter or longer; the task always runs,
//! since a project may be given one at any time, by any collector of the database.

use std::sync::Arc;
use std::time::Duration;

use crate::store::{Deleted, Store, StoreError, DELETE_BATCH};
use crate::time::now_ms;

/// How often the task looks for sessions past the retention, unless told otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// The pause between two batches of one round.
const PAUSE: Duration = Duration::from_millis(50);

const DAY_MS: i64 = 86_400_000;

/// What the retention task is told by `--retention-days` (`None` there: keep everything, unless
/// a project says otherwise).
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

/// Starts the task on the current runtime with the collector's retention (`None`: projects'
/// own only), looking every [`Retention::every`] ([`DEFAULT_INTERVAL`] without one); it runs
/// until aborted (the server aborts it when it stops serving, before closing the store).
pub fn spawn(store: Arc<dyn Store>, retention: Option<Retention>) -> tokio::task::JoinHandle<()> {
    let every = retention.map_or(DEFAULT_INTERVAL, |r| r.every);
    let keep = retention.map(|r| r.keep);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match round(store.as_ref(), keep).await {
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

/// Deletes every session past its project's retention: each project's own, then `keep` (the
/// collector's, if any) for the projects without one; a batch at a time.
pub async fn round(store: &dyn Store, keep: Option<Duration>) -> Result<Deleted, StoreError> {
    let now = now_ms();
    let mut deleted = Deleted::new();
    for own in store.project_retentions().await? {
        let cutoff = now.saturating_sub(i64::from(own.days).saturating_mul(DAY_MS));
        drain(store, Some(own.project_id), cutoff, &mut deleted).await?;
    }
    if let Some(keep) = keep {
        let cutoff = now.saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX));
        drain(store, None, cutoff, &mut deleted).await?;
    }
    Ok(deleted)
}

/// Deletes the sessions of `project` (`None`: of the projects without a retention of their
/// own) that started before `cutoff`, a batch at a time, adding up what went.
async fn drain(
    store: &dyn Store,
    project: Option<String>,
    cutoff: i64,
    deleted: &mut Deleted,
) -> Result<(), StoreError> {
    loop {
        let (picked, rows) = store.delete_expired_batch(project.clone(), cutoff).await?;
        for (table, n) in rows {
            *deleted.entry(table).or_default() += n;
        }
        if picked < DELETE_BATCH as u64 {
            return Ok(());
        }
        tokio::time::sleep(PAUSE).await;
    }
}
