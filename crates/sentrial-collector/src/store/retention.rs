//! A project's own retention (`project_retention`), overriding `--retention-days` for it: read
//! by the retention task each round and by the answers that say the retention, written by
//! `PUT /api/retention` and `sentrial retention set|clear`.

use serde::Serialize;

use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::time::Timestamp;

/// Most days a retention may be (100 years), as `--retention-days` allows.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// A project's own retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectRetention {
    /// The project.
    pub project_id: String,
    /// Its sessions that started more than this many days ago are deleted.
    pub days: u32,
    /// When it was set.
    pub updated_at: Timestamp,
}

static OF_PROJECT: Sql =
    Sql::new("SELECT project_id, days, updated_at FROM project_retention WHERE project_id = ?1");
static ALL: Sql =
    Sql::new("SELECT project_id, days, updated_at FROM project_retention ORDER BY project_id");
static SET: Sql = Sql::new(
    "INSERT INTO project_retention AS o (project_id, days, updated_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (project_id) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at",
);
static CLEAR: Sql = Sql::new("DELETE FROM project_retention WHERE project_id = ?1");

fn retention(r: &dyn Columns) -> Result<ProjectRetention, StoreError> {
    let days = r.integer("days")?;
    Ok(ProjectRetention {
        project_id: r.string("project_id")?,
        days: u32::try_from(days)
            .map_err(|_| StoreError::Corrupt(format!("project_retention.days: {days}")))?,
        updated_at: Timestamp(r.integer("updated_at")?),
    })
}

/// Project `project`'s own retention, if it has one.
pub(crate) async fn of_project<D: Db>(
    db: &D,
    project: &str,
) -> Result<Option<ProjectRetention>, StoreError> {
    Ok(db
        .select(&OF_PROJECT, &values![project], retention)
        .await?
        .pop())
}

/// Every project's own retention, by project.
pub(crate) async fn all<D: Db>(db: &D) -> Result<Vec<ProjectRetention>, StoreError> {
    db.select(&ALL, &[], retention).await
}

/// Sets `project`'s own retention to `days` (checked by the caller) at `at`, or removes it
/// (`None`: the collector's `--retention-days` applies again); whether it had one before.
pub(crate) async fn set<D: Db>(
    db: &D,
    project: &str,
    days: Option<u32>,
    at: i64,
) -> Result<bool, StoreError> {
    let had = of_project(db, project).await?.is_some();
    match days {
        Some(days) => db.run(&SET, &values![project, i64::from(days), at]).await?,
        None => db.run(&CLEAR, &values![project]).await?,
    };
    Ok(had)
}

/// Expands, inside an `impl Store for ...`, to the retention methods; `$read` and `$write` lend
/// connections as for [`store_access`](crate::store::access::store_access).
macro_rules! store_retention {
    ($read:ident, $write:ident) => {
        fn project_retention(
            &self,
            project_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<$crate::store::ProjectRetention>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::retention::of_project(
                db,
                &project_id
            ))
        }

        fn project_retentions(
            &self,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::ProjectRetention>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::retention::all(db))
        }

        fn set_project_retention(
            &self,
            project_id: String,
            days: Option<u32>,
        ) -> $crate::store::api::BoxFuture<'_, Result<bool, $crate::store::StoreError>> {
            let now = $crate::time::now_ms();
            $write!(self, |db| $crate::store::retention::set(
                db,
                &project_id,
                days,
                now
            ))
        }
    };
}
pub(crate) use store_retention;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&OF_PROJECT, &ALL, &SET, &CLEAR]);
    }
}
