//! Where a collector keeps its data, and opening the store there.

use std::sync::Arc;

use crate::store::api::Store;
use crate::store::error::StoreError;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;

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
pub async fn open(location: &Location) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(path))
                .await
                .map_err(std::io::Error::other)??;
            Arc::new(store)
        }
        Location::Postgres(url) => Arc::new(PgStore::connect(url).await?),
    })
}
