//! [`Store`]: what the collector needs from storage, whichever store holds it.

use std::future::Future;
use std::pin::Pin;

use sentrial_protocol::{Event, IngestResponse};

use crate::store::error::StoreError;
use crate::store::incoming::Incoming;
use crate::store::model::{EventRef, SessionDetail};
use crate::store::overview_model::{Conversation, Overview, OverviewQuery};
use crate::store::page::{ListQuery, SessionPage};

/// A boxed future, so [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the collector needs from storage. Every read and write is scoped by `project_id`.
pub trait Store: Send + Sync + 'static {
    /// Stores a batch's events: new ids are applied, known ids are counted as duplicates and
    /// ignored. PostgreSQL writes a batch in one transaction; SQLite in bounded parts (see its
    /// writer), so a batch that fails may be partly stored, and its resend completes it.
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

    /// How long the oldest write waiting for the store's single writer has waited (zero for a
    /// store without one); `/healthz` is unhealthy past a limit.
    fn writer_lag(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }

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
