//! The SQLite store's single writer: one thread owns the only writing connection and commits
//! the queued work in bounded transactions, taking turns between requests.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rusqlite::{Connection, TransactionBehavior};
use sentrial_protocol::IngestResponse;
use tokio::sync::{mpsc, oneshot};

use super::db::SqliteDb;
use super::ingest;
use super::lag::Lag;
use crate::store::db::now;
use crate::store::error::StoreError;
use crate::store::incoming::Incoming;
use crate::store::rollup::maintain::refresh;
use crate::time::now_ms;

/// A write for the writer thread.
pub(super) enum WriteJob {
    Ingest {
        project_id: String,
        events: Vec<Incoming>,
        reply: oneshot::Sender<Result<IngestResponse, StoreError>>,
    },
}

/// Most events written in one transaction.
pub(super) const MAX_TX_EVENTS: usize = 1_000;

/// Most events written in one savepoint.
///
/// Measured (`cargo bench --bench big_batch`): with one savepoint per batch, the end of each
/// statement walked SQLite's in-memory statement journal, which grows with every page the
/// savepoint changed, so a batch cost grew with its square once the database held data (batches
/// of 2,000 events of new sessions: 0.11 s, then 0.42 s, 0.94 s; 4,000: 9.3 s). Short
/// savepoints keep that walk short and the cost linear; bounded transactions let other requests
/// in between.
const MAX_SAVEPOINT_EVENTS: usize = 250;

/// Jobs the writer holds taken from its channel; the rest wait in the channel (backpressure).
const MAX_HELD_JOBS: usize = 64;

/// A job with what is done of it.
struct Held {
    job: WriteJob,
    /// Events of an ingest already written (in committed transactions or the open one).
    written: usize,
    /// Their counts.
    counts: IngestResponse,
    /// When it was queued, ms since the epoch (see [`Lag`]).
    queued_at: i64,
}

/// A job answered inside the open transaction, its answer held until the commit.
enum Done {
    Ingest(
        oneshot::Sender<Result<IngestResponse, StoreError>>,
        Result<IngestResponse, StoreError>,
    ),
}

impl Done {
    /// Sends the answer, or the commit's error when the transaction did not commit.
    fn send(self, failed: Option<&str>) {
        let fail = |e: &str| StoreError::Commit(Some(e.to_string()));
        match self {
            Done::Ingest(reply, result) => {
                let _ = reply.send(failed.map_or(result, |e| Err(fail(e))));
            }
        }
    }
}

/// Runs transactions until the channel closes or `closing` is set; then answers what is left
/// with [`StoreError::Closed`] (a batch not answered is sent again by the SDK).
///
/// Each transaction writes at most [`MAX_TX_EVENTS`] events, taken from the held jobs in turn,
/// [`MAX_SAVEPOINT_EVENTS`] at a time: a large batch is written in parts, between which the
/// other held jobs get theirs, so another request's batch waits at most one transaction. Each
/// part is its own savepoint: a failing part leaves no trace and fails only its batch (whose
/// earlier parts stay; a resend of the batch skips them as duplicates). A batch is answered
/// once its last part commits.
///
/// The rollups are brought up to date once per transaction, before it commits, for every
/// session its parts touched: a session whose events came in several parts (or batches) is
/// counted once, and the rollups' statements run once for all of them (`--bench ingest`, quiet
/// machine, alternating runs: 23,300 events/s with a refresh per part, 23,900 per transaction).
pub(super) fn writer_loop(
    mut conn: Connection,
    mut jobs: mpsc::Receiver<WriteJob>,
    lag: Arc<Lag>,
    closing: Arc<AtomicBool>,
) {
    let mut held: VecDeque<Held> = VecDeque::new();
    let hold = |job: WriteJob| Held {
        job,
        written: 0,
        counts: IngestResponse::default(),
        queued_at: now_ms(),
    };
    loop {
        if closing.load(Ordering::Acquire) {
            break;
        }
        if held.is_empty() {
            lag.set(None);
            match jobs.blocking_recv() {
                Some(job) => held.push_back(hold(job)),
                None => break,
            }
        }
        while held.len() < MAX_HELD_JOBS {
            match jobs.try_recv() {
                Ok(job) => held.push_back(hold(job)),
                Err(_) => break,
            }
        }
        lag.set(held.iter().map(|h| h.queued_at).min());
        run_transaction(&mut conn, &mut held, &lag);
    }
    lag.set(None);
    jobs.close();
    while let Ok(job) = jobs.try_recv() {
        held.push_back(hold(job));
    }
    for h in held {
        refuse(h.job);
    }
    // Fold the WAL back into the database so a stopped collector leaves one file behind.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

fn refuse(job: WriteJob) {
    match job {
        WriteJob::Ingest { reply, .. } => {
            let _ = reply.send(Err(StoreError::Closed));
        }
    }
}

/// One transaction over the front of `held`, within [`MAX_TX_EVENTS`].
fn run_transaction(conn: &mut Connection, held: &mut VecDeque<Held>, lag: &Lag) {
    let mut done = Vec::new();
    let mut unfinished = Vec::new();
    let committed = (|| -> Result<(), StoreError> {
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Per project, the sessions whose events this transaction wrote.
        let mut touched: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let received = now_ms();
        let mut budget = MAX_TX_EVENTS;
        while budget > 0 {
            let Some(mut h) = held.pop_front() else {
                if unfinished.is_empty() {
                    break;
                }
                // Every held job had a turn; the unfinished ones take another.
                held.extend(unfinished.drain(..));
                continue;
            };
            let sp = tx.savepoint()?;
            let (ok, answer) = match h.job {
                WriteJob::Ingest {
                    project_id,
                    events,
                    reply,
                } => {
                    let end = events
                        .len()
                        .min(h.written + budget.min(MAX_SAVEPOINT_EVENTS));
                    let part = &events[h.written..end];
                    budget = budget.saturating_sub(part.len().max(1));
                    let mut these = BTreeSet::new();
                    let result = ingest::ingest(&sp, &project_id, part, received, &mut these);
                    if result.is_ok() {
                        touched
                            .entry(project_id.clone())
                            .or_default()
                            .append(&mut these);
                    }
                    match result {
                        Ok(counts) if end < events.len() => {
                            h.written = end;
                            h.counts.accepted += counts.accepted;
                            h.counts.duplicates += counts.duplicates;
                            h.job = WriteJob::Ingest {
                                project_id,
                                events,
                                reply,
                            };
                            sp.commit()?;
                            unfinished.push(h);
                            continue;
                        }
                        Ok(counts) => {
                            h.counts.accepted += counts.accepted;
                            h.counts.duplicates += counts.duplicates;
                            (true, Done::Ingest(reply, Ok(h.counts)))
                        }
                        Err(e) => (false, Done::Ingest(reply, Err(e))),
                    }
                }
            };
            if ok {
                sp.commit()?;
            } else {
                sp.finish()?; // drop behavior: roll back to the savepoint and release it
            }
            done.push(answer);
        }
        let db = SqliteDb(&tx);
        for (project, ids) in &touched {
            now(refresh(&db, project, ids.iter().map(String::as_str)))?;
        }
        Ok(tx.commit()?)
    })();
    let failed = committed.err().map(|e| e.to_string());
    if let Some(err) = &failed {
        tracing::error!(error = %err, "write transaction failed");
        // A batch part of which was lost is answered with the error; the SDK sends it again.
        for h in unfinished.drain(..) {
            let WriteJob::Ingest { reply, .. } = h.job;
            let _ = reply.send(Err(StoreError::Commit(Some(err.clone()))));
        }
    }
    // The rest of a large batch waits behind the jobs already held: each request takes turns.
    held.extend(unfinished);
    // The lag as it stands after this transaction, before anyone hears back: a request answered
    // and a `/healthz` after it see the writer as it is then.
    lag.set(held.iter().map(|h| h.queued_at).min());
    for answer in done {
        answer.send(failed.as_deref());
    }
}
