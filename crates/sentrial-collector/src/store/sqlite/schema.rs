//! Versioned migrations, applied in order at open and recorded in `schema_version`.
//!
//! The migrations themselves are in `migrations.rs`.

use rusqlite::{Connection, OptionalExtension};

use super::migrations::MIGRATIONS;
use crate::store::error::StoreError;

/// The schema version this build creates.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`], one transaction per migration.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let mut version: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    while version < SCHEMA_VERSION {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated between our read and our lock.
        let now: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )?;
        if now == version {
            tx.execute_batch(MIGRATIONS[version as usize])?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [version + 1],
            )?;
        }
        tx.commit()?;
        version = now.max(version + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
