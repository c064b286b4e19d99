//! Why a store operation failed.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no, or could not be reached.
    #[error("database error: {}", pg_message(.0))]
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

/// A tokio-postgres error with the server's message, when there is one (its own `Display` says
/// only "db error").
pub(crate) fn pg_message(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}
