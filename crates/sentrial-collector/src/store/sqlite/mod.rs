//! [`SqliteStore`]: one writer thread owning the only writing connection, plus a small pool of
//! reading connections used from `spawn_blocking`. WAL mode lets reads run beside the writer.

mod apply;
mod overview;
mod read;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};
use sentrial_protocol::{Event, IngestResponse};
use tokio::sync::{mpsc, oneshot};

use super::{
    BoxFuture, Conversation, EventRef, ListQuery, Overview, OverviewQuery, SessionDetail,
    SessionPage, Store, StoreError,
};
use crate::store::incoming::Incoming;
use crate::time::now_ms;

pub use schema::SCHEMA_VERSION;

/// How long a connection waits for a lock held by another connection (or process) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle reading connections kept open.
const MAX_IDLE_READERS: usize = 8;

/// Writes queued for the writer thread before senders wait: backpressure, not unbounded memory.
const WRITE_QUEUE: usize = 64;

/// A write for the writer thread.
enum WriteJob {
    Ingest {
        project_id: String,
        events: Vec<Incoming>,
        reply: oneshot::Sender<Result<IngestResponse, StoreError>>,
    },
    AddKey {
        key_hash: String,
        project_id: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// A [`Store`] on one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    secret: Vec<u8>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `path`, applies pending migrations and starts
    /// the writer thread. Blocking: call it from `spawn_blocking` or outside a runtime.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = open_connection(&path)?;
        // WAL: readers do not block the writer; NORMAL: no fsync per commit, still durable
        // across an application crash (only an OS crash may lose the last commits).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MiB of page cache for the writer: the hot index pages stay in memory.
        conn.pragma_update(None, "cache_size", -65_536)?;
        // Checkpoint every ~16 MiB of WAL rather than 4 MiB: hot pages are copied back less often.
        conn.pragma_update(None, "wal_autocheckpoint", 4_000)?;
        schema::migrate(&mut conn)?;
        let secret = signing_secret(&conn)?;
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let thread = std::thread::Builder::new()
            .name("sentrial-db-writer".into())
            .spawn(move || writer_loop(conn, rx))?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(thread)),
            readers: Arc::new(Mutex::new(Vec::new())),
            secret,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn write<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> WriteJob,
    ) -> Result<T, StoreError> {
        let sender = self
            .writer
            .lock()
            .unwrap()
            .clone()
            .ok_or(StoreError::Closed)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(job(reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a pooled reading connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = pool.lock().unwrap().pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => {
                    let conn = open_connection(&path)?;
                    conn.pragma_update(None, "query_only", true)?;
                    conn
                }
            };
            let out = f(&conn);
            let mut idle = pool.lock().unwrap();
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }
}

/// The database's signing secret, made on first use (the first writer wins, so two collectors
/// on one file agree).
fn signing_secret(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    conn.execute(
        "INSERT INTO settings (name, value) VALUES ('signing_secret', ?1)
         ON CONFLICT (name) DO NOTHING",
        [hex::encode(rand::random::<[u8; 32]>())],
    )?;
    let value: String = conn.query_row(
        "SELECT value FROM settings WHERE name = 'signing_secret'",
        [],
        |r| r.get(0),
    )?;
    hex::decode(value).map_err(|e| StoreError::Io(std::io::Error::other(e)))
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// Most jobs committed together; bounds the latency a job can add to the others of its group.
const MAX_GROUP_JOBS: usize = 32;

/// A job done inside the open transaction, its answer held until the commit.
enum Done {
    Ingest(
        oneshot::Sender<Result<IngestResponse, StoreError>>,
        Result<IngestResponse, StoreError>,
    ),
    AddKey(
        oneshot::Sender<Result<(), StoreError>>,
        Result<(), StoreError>,
    ),
}

/// Group commit: the jobs queued while the previous commit ran are done in one transaction, each
/// in a savepoint of its own, so a failing batch leaves no trace and does not fail the others.
/// A batch is never split across transactions.
fn writer_loop(mut conn: Connection, mut jobs: mpsc::Receiver<WriteJob>) {
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
        let now = now_ms();
        for job in group {
            let sp = tx.savepoint()?;
            let (ok, answer) = match job {
                WriteJob::Ingest {
                    project_id,
                    events,
                    reply,
                } => {
                    let result = apply::ingest(&sp, &project_id, &events, now);
                    (result.is_ok(), Done::Ingest(reply, result))
                }
                WriteJob::AddKey {
                    key_hash,
                    project_id,
                    reply,
                } => {
                    let result = sp
                        .execute(
                            "INSERT INTO api_keys (key_hash, project_id, created_at)
                             VALUES (?1, ?2, ?3) ON CONFLICT (key_hash) DO NOTHING",
                            params![key_hash, project_id, now],
                        )
                        .map(|_| ())
                        .map_err(StoreError::from);
                    (result.is_ok(), Done::AddKey(reply, result))
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
            Done::AddKey(reply, result) => {
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

impl Store for SqliteStore {
    fn ingest(
        &self,
        project_id: String,
        events: Vec<Event>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>> {
        Box::pin(async move {
            // Serialized here, on the request's task, so the single writer thread only writes.
            let events = events
                .into_iter()
                .map(|event| Ok(Incoming::new(event)?))
                .collect::<Result<Vec<_>, StoreError>>()?;
            self.write(|reply| WriteJob::Ingest {
                project_id,
                events,
                reply,
            })
            .await
        })
    }

    fn project_for_key(
        &self,
        key_hash: String,
    ) -> BoxFuture<'_, Result<Option<String>, StoreError>> {
        Box::pin(self.read(move |conn| {
            use rusqlite::OptionalExtension;
            Ok(conn
                .prepare_cached("SELECT project_id FROM api_keys WHERE key_hash = ?1")?
                .query_row([key_hash], |r| r.get(0))
                .optional()?)
        }))
    }

    fn add_key(
        &self,
        key_hash: String,
        project_id: String,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.write(|reply| WriteJob::AddKey {
            key_hash,
            project_id,
            reply,
        }))
    }

    fn key_count(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(self.read(|conn| {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM api_keys", [], |r| r.get(0))?;
            Ok(n as u64)
        }))
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            // The writer must be running (ingest goes through it), and the file must answer.
            let writing = self
                .writer
                .lock()
                .unwrap()
                .as_ref()
                .is_some_and(|w| !w.is_closed());
            if !writing {
                return Err(StoreError::Closed);
            }
            self.read(|conn| {
                conn.query_row("SELECT 1", [], |_| Ok(()))?;
                Ok(())
            })
            .await
        })
    }

    fn list_sessions(
        &self,
        project_id: String,
        query: ListQuery,
    ) -> BoxFuture<'_, Result<SessionPage, StoreError>> {
        Box::pin(self.read(move |conn| read::list_sessions(conn, &project_id, &query)))
    }

    fn get_session(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<SessionDetail>, StoreError>> {
        Box::pin(self.read(move |conn| read::get_session(conn, &project_id, &session_id)))
    }

    fn session_events(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<Vec<EventRef>>, StoreError>> {
        Box::pin(self.read(move |conn| read::session_events(conn, &project_id, &session_id)))
    }

    fn conversation(
        &self,
        project_id: String,
        convo_id: String,
    ) -> BoxFuture<'_, Result<Option<Conversation>, StoreError>> {
        Box::pin(self.read(move |conn| overview::conversation(conn, &project_id, &convo_id)))
    }

    fn overview(
        &self,
        project_id: String,
        query: OverviewQuery,
    ) -> BoxFuture<'_, Result<Overview, StoreError>> {
        Box::pin(self.read(move |conn| overview::overview(conn, &project_id, &query)))
    }

    fn signing_secret(&self) -> Vec<u8> {
        self.secret.clone()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Dropping the last sender ends the writer loop once queued jobs are done.
            drop(self.writer.lock().unwrap().take());
            self.readers.lock().unwrap().clear();
            let thread = self.writer_thread.lock().unwrap().take();
            if let Some(thread) = thread {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
        })
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Without close() the writer thread still ends: its channel closes with this store.
        drop(self.writer.lock().unwrap().take());
    }
}

#[cfg(test)]
mod tests;
