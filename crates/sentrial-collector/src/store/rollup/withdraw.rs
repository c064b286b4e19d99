//! Taking a deletion batch's sessions out of the rollups (`store/delete.rs`), in its transaction
//! and under the sessions' locks: their recorded contributions are subtracted, summed per rollup
//! row (one statement per table and project, `maintain::Changes`), before their rows are
//! deleted; once they are, the longest call of each tool row one of them held is found again
//! among the calls left in its hour, and the first and last session of each users' row.

use std::collections::BTreeMap;

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::rollup::maintain::{recorded, Again, Changes};

/// Per project, the rows whose non-additive figures may have left with a batch.
pub(crate) struct Withdrawn(BTreeMap<String, Again>);

/// Subtracts the contributions of `sessions` (project, id) from the rollups; the caller then
/// deletes their rows (the recorded contributions with them) and calls [`after_delete`].
pub(crate) async fn withdraw<D: Db>(
    db: &D,
    sessions: &[(&str, &str)],
) -> Result<Withdrawn, StoreError> {
    let mut by_project: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (project, id) in sessions {
        by_project.entry(project).or_default().push(id);
    }
    let mut lost = BTreeMap::new();
    for (project, ids) in by_project {
        let mut changes = Changes::default();
        for old in recorded(db, project, &ids).await?.values() {
            changes.add(Some(old), None);
        }
        lost.insert(project.to_string(), changes.write(db, project).await?);
    }
    Ok(Withdrawn(lost))
}

/// Finds again what `w`'s rows may have lost (`Again::find`), among the sessions left.
pub(crate) async fn after_delete<D: Db>(db: &D, w: Withdrawn) -> Result<(), StoreError> {
    for (project, again) in w.0 {
        again.find(db, &project).await?;
    }
    Ok(())
}
