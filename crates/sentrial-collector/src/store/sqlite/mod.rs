//! [`SqliteStore`]: one writer thread owning the ingest's writing connection, plus a small pool of
//! reading connections used from `spawn_blocking`. WAL mode lets reads run beside the writer.
//! The rare writes of keys and sign-ins take a connection of their own (SQLite's lock and the
//! busy timeout order them with the writer's), so they never wait behind a queue of batches.
//!
//! The file is created readable by its owner only (0600): it holds every prompt and output. SQLite
//! gives the `-wal` and `-shm` files the database file's mode.

mod db;
mod file;
mod ingest;
mod lag;
mod migrations;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sentrial_protocol::IngestResponse;
use tokio::sync::{mpsc, oneshot};

use crate::store::access::store_access;
use crate::store::alert_access::store_alerts;
use crate::store::api::{BoxFuture, Store};
use crate::store::db::now;
use crate::store::delete::store_deletes;
use crate::store::dimension_values::store_dimension_values;
use crate::store::error::StoreError;
use crate::store::incoming::Incoming;
use crate::store::reads::store_reads;
use crate::store::retention::store_retention;
use crate::store::user_detail::store_user_detail;
use db::SqliteDb;
use lag::Lag;
use writer::{writer_loop, WriteJob};

pub use schema::SCHEMA_VERSION;

/// How long a connection waits for a lock held by another connection (or process) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle reading connections kept open.
const MAX_IDLE_READERS: usize = 8;

/// Writes queued for the writer thread before senders wait: backpressure, not unbounded memory.
const WRITE_QUEUE: usize = 64;

/// A [`Store`] on one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    lag: Arc<Lag>,
    /// Set by [`Store::close`]: the writer stops after its transaction in hand.
    closing: Arc<AtomicBool>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `path`, applies pending migrations and starts
    /// the writer thread. Blocking: call it from `spawn_blocking` or outside a runtime.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        file::create_private(&path)?;
        let mut conn = open_connection(&path)?;
        // Space freed by deletions (retention, a user's data) is given back to the file system
        // a little after each batch (`delete.rs`). Takes effect for a new file only: an older
        // one keeps reusing the freed pages for new rows instead.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        // WAL: readers do not block the writer; NORMAL: no fsync per commit, still durable
        // across an application crash (only an OS crash may lose the last commits).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 8 MiB of page cache for the writer. More is slower: at 64 MiB a profile shows 11% of
        // the writer's time in the page cache's truncation at each commit, a walk of the cache.
        // Measured with `--bench ingest` (200,000 events, quiet machine): 64 MiB 24,000
        // events/s, 16 MiB 25,600, 8 MiB 27,000, 2 MiB 28,700 into a new database; into one
        // holding a million sessions, 8 MiB 16,900, 2 MiB 15,900, 64 MiB 14,900.
        conn.pragma_update(None, "cache_size", -8_192)?;
        // Checkpoint every ~16 MiB of WAL rather than 4 MiB: hot pages are copied back less often.
        conn.pragma_update(None, "wal_autocheckpoint", 4_000)?;
        schema::migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let lag = Arc::new(Lag::default());
        let closing = Arc::new(AtomicBool::new(false));
        let (writer_lag, writer_closing) = (lag.clone(), closing.clone());
        let thread = std::thread::Builder::new()
            .name("sentrial-db-writer".into())
            .spawn(move || writer_loop(conn, rx, writer_lag, writer_closing))?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(thread)),
            readers: Arc::new(Mutex::new(Vec::new())),
            lag,
            closing,
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

    /// Runs `f` on a writing connection of its own, on the blocking pool: the key and sign-in
    /// writes, a few a minute at most.
    async fn write_aside<T: Send + 'static>(&self, f: Job<T>) -> Result<T, StoreError> {
        if self.writer.lock().unwrap().is_none() {
            return Err(StoreError::Closed);
        }
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || f(&open_connection(&path)?))
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }
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

/// Lends a writing connection of its own for one key or sign-in write (see [`store_access`]).
macro_rules! on_writer {
    ($store:expr, |$db:ident| $query:expr) => {
        Box::pin($store.write_aside(Box::new(move |conn: &Connection| {
            let $db = &SqliteDb(conn);
            now($query)
        })))
    };
}

/// A job for a connection, boxed: the blocking pool's plumbing is made once per result type
/// rather than once per job (the addon's size).
type Job<T> = Box<dyn FnOnce(&Connection) -> Result<T, StoreError> + Send>;

/// [`on_reader`] with the job boxed (see [`Job`]), for the key and sign-in reads.
macro_rules! on_reader_boxed {
    ($store:expr, |$db:ident| $query:expr) => {
        Box::pin($store.read(Box::new(move |conn: &Connection| {
            let $db = &SqliteDb(conn);
            now($query)
        }) as Job<_>))
    };
}

/// Lends a pooled reading connection for one shared read, on the blocking pool (see
/// [`store_reads`]).
macro_rules! on_reader {
    ($store:expr, |$db:ident| $query:expr) => {
        Box::pin($store.read(move |conn| {
            let $db = &SqliteDb(conn);
            now($query)
        }))
    };
}

impl Store for SqliteStore {
    fn ingest_serialized(
        &self,
        project_id: String,
        events: Vec<Incoming>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>> {
        Box::pin(self.write(|reply| WriteJob::Ingest {
            project_id,
            events,
            reply,
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

    fn writer_lag(&self) -> Duration {
        self.lag.behind()
    }

    store_reads!(on_reader);
    store_user_detail!(on_reader);
    store_dimension_values!(on_reader);
    store_access!(on_reader_boxed, on_writer);
    store_deletes!(on_writer);
    store_retention!(on_reader_boxed, on_writer);
    store_alerts!(on_reader_boxed, on_writer);

    fn evaluate_alerts(
        &self,
        at: i64,
        dashboard: String,
    ) -> BoxFuture<'_, Result<Option<u64>, StoreError>> {
        // The windows are read on a reading connection, beside ingest; the changes are written
        // in one IMMEDIATE transaction (the write lock taken at once, so it never fails to
        // upgrade a read), held for the changes alone. A round is one process's (one collector
        // a file), and the transaction re-reads the states it changes.
        use crate::store::alerts::{apply, measure_rules};
        Box::pin(async move {
            let measured = self
                .read(move |conn| now(measure_rules(&SqliteDb(conn), at)))
                .await?;
            self.write_aside(Box::new(move |conn: &Connection| {
                let tx =
                    rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
                let queued = now(apply(&SqliteDb(&tx), &measured, at, &dashboard))?;
                tx.commit()?;
                Ok(Some(queued))
            }))
            .await
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // The writer ends after the transaction in hand, answering the jobs left with
            // `Closed`; dropping the last sender wakes it when it is idle.
            self.closing.store(true, Ordering::Release);
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
