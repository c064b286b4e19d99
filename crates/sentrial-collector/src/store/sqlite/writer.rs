//! The SQLite store's single writer: one thread owns the only writing connection and commits
//! the jobs queued for it in groups.

use rusqlite::{Connection, TransactionBehavior};
use sentrial_protocol::IngestResponse;
use tokio::sync::{mpsc, oneshot};

use super::ingest;
use crate::store::error::StoreError;
use crate::store::incoming::Incoming;
use crate::time::now_ms;

/// A write for the writer thread.
pub(super) enum WriteJob {
    Ingest {
        project_id: String,
        events: Vec<Incoming>,
        reply: oneshot::Sender<Result<IngestResponse, StoreError>>,
    },
}

/// Most jobs committed together; bounds the latency a job can add to the others of its group.
const MAX_GROUP_JOBS: usize = 32;

/// A job done inside the open transaction, its answer held until the commit.
enum Done {
    Ingest(
        oneshot::Sender<Result<IngestResponse, StoreError>>,
        Result<IngestResponse, StoreError>,
    ),
}

/// Group commit: the jobs queued while the previous commit ran are done in one transaction, each
/// in a savepoint of its own, so a failing batch leaves no trace and does not fail the others.
/// A batch is never split across transactions.
pub(super) fn writer_loop(mut conn: Connection, mut jobs: mpsc::Receiver<WriteJob>) {
    while let Some(first) = jobs.blocking_recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP_JOBS {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        run_group(&mut conn, group);
    }
    // Fold the WAL back into the database so a stopped collector leaves one file behind.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

fn run_group(conn: &mut Connection, group: Vec<WriteJob>) {
    let mut done = Vec::with_capacity(group.len());
    let committed = (|| -> Result<(), rusqlite::Error> {
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let received = now_ms();
        for job in group {
            let sp = tx.savepoint()?;
            let (ok, answer) = match job {
                WriteJob::Ingest {
                    project_id,
                    events,
                    reply,
                } => {
                    let result = ingest::ingest(&sp, &project_id, &events, received);
                    (result.is_ok(), Done::Ingest(reply, result))
                }
            };
            if ok {
                sp.commit()?;
            } else {
                sp.finish()?; // drop behavior: roll back to the savepoint and release it
            }
            done.push(answer);
        }
        tx.commit()
    })();
    for answer in done {
        let failed = || StoreError::Commit(committed.as_ref().err().map(|e| e.to_string()));
        match answer {
            Done::Ingest(reply, result) => {
                let _ = reply.send(if committed.is_ok() {
                    result
                } else {
                    Err(failed())
                });
            }
        }
    }
    if let Err(err) = committed {
        tracing::error!(error = %err, "write transaction failed");
    }
}
