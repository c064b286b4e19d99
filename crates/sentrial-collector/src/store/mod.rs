//! Storage behind one trait: [`SqliteStore`], the embedded default, and [`PgStore`], for several
//! collectors on one PostgreSQL database. [`open`] picks one from where the data should live.
//!
//! A store owns the apply semantics of protocol v1: dedupe by event id, and a final state of each
//! session that does not depend on how often or in which order its events arrive.

mod apply;
mod db;
mod ddl;
mod dialect;
mod incoming;
mod keys;
mod lineage;
mod model;
mod overview;
mod overview_model;
mod postgres;
mod queries;
mod read;
mod reads;
mod row;
mod search;
mod sqlite;
mod transcript;
mod value;
mod writes;

use std::future::Future;
use std::pin::Pin;

use sentrial_protocol::{Event, IngestResponse};

use incoming::Incoming;

pub use lineage::{Lineage, Relation, RunRef, CONTINUED_BY_LIMIT};
pub use model::{
    Cursor, EventRef, ListQuery, MarkerRecord, ModelCallRecord, SessionDetail, SessionPage,
    SessionRecord, SubagentRecord, ToolCallRecord, TurnInput, TurnRecord,
};
pub use overview_model::{
    Bucket, Conversation, Group, Overview, OverviewQuery, ToolStat, Totals, CONVERSATION_LIMIT,
};
pub use postgres::{redacted_url, PgStore, PG_SCHEMA_VERSION};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};
pub use transcript::{MarkerItem, ToolCallItem, Transcript, TranscriptItem, UserTurn};

/// Where a collector keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file, created when missing.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database URL (`postgres://...`); it holds a password, so it is never logged
    /// as given.
    Postgres(String),
}

/// Opens the store at `location`, applying pending migrations.
pub async fn open(location: &Location) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(path))
                .await
                .map_err(std::io::Error::other)??;
            std::sync::Arc::new(store)
        }
        Location::Postgres(url) => std::sync::Arc::new(PgStore::connect(url).await?),
    })
}

/// A boxed future, so [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no, or could not be reached.
    #[error("database error: {}", postgres::pg_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The database location is malformed, or no connection could be had.
    #[error("{0}")]
    Config(String),
    /// A stored JSON column or an event could not be (de)serialized.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored row is not what this build reads (a NULL where a value must be).
    #[error("unexpected stored data: {0}")]
    Corrupt(String),
    /// The database was written by a newer collector.
    #[error("database schema version {found} is newer than this collector's ({known}); upgrade the collector")]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// Creating the database's folder or starting the writer thread failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The transaction holding this write failed to commit (the message, when there is one).
    #[error("commit failed: {}", .0.as_deref().unwrap_or("unknown error"))]
    Commit(Option<String>),
    /// The store was closed (the collector is shutting down).
    #[error("store closed")]
    Closed,
}

/// What the collector needs from storage. Every read and write is scoped by `project_id`.
pub trait Store: Send + Sync + 'static {
    /// Stores a batch's events in one transaction: new ids are applied, known ids are counted as
    /// duplicates and ignored.
    fn ingest(
        &self,
        project_id: String,
        events: Vec<Event>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>> {
        Box::pin(async move {
            // Serialized here, on the request's task, so the store's writer only writes.
            let events = Incoming::all(events)?;
            self.ingest_serialized(project_id, events).await
        })
    }

    /// [`Store::ingest`] of events already serialized.
    #[doc(hidden)]
    fn ingest_serialized(
        &self,
        project_id: String,
        events: Vec<Incoming>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>>;

    /// The project of the key with this SHA-256 hex digest, if the key is stored.
    fn project_for_key(
        &self,
        key_hash: String,
    ) -> BoxFuture<'_, Result<Option<String>, StoreError>>;

    /// Stores a key digest for a project (idempotent).
    fn add_key(
        &self,
        key_hash: String,
        project_id: String,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// How many keys are stored, all projects together.
    fn key_count(&self) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Whether the database answers a trivial query (what `/healthz` reports).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// One page of a project's sessions, newest first.
    fn list_sessions(
        &self,
        project_id: String,
        query: ListQuery,
    ) -> BoxFuture<'_, Result<SessionPage, StoreError>>;

    /// One session with its inputs and tool calls, or `None` when the project has no such session.
    fn get_session(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<SessionDetail>, StoreError>>;

    /// A session's stored events in ingest order, or `None` when the project has no such session.
    fn session_events(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<Vec<EventRef>>, StoreError>>;

    /// The sessions of one conversation, oldest first, or `None` when the project has none.
    fn conversation(
        &self,
        project_id: String,
        convo_id: String,
    ) -> BoxFuture<'_, Result<Option<Conversation>, StoreError>>;

    /// Sessions and cost over a time range, by agent and user, and the tools' figures.
    fn overview(
        &self,
        project_id: String,
        query: OverviewQuery,
    ) -> BoxFuture<'_, Result<Overview, StoreError>>;

    /// The secret that signs dashboard sign-in links and cookies: random, made once per database
    /// and kept in it, so links and cookies outlive a restart.
    fn signing_secret(&self) -> Vec<u8>;

    /// Finishes pending writes and releases the database. Later calls fail with
    /// [`StoreError::Closed`].
    fn close(&self) -> BoxFuture<'_, ()>;
}
