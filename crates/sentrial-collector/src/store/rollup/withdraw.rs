//! Taking a deletion batch's sessions out of the rollups (`store/delete.rs`), in its transaction
//! and under the sessions' locks: their recorded contributions are summed per rollup row and
//! subtracted with one statement a row, before their rows are deleted; once they are, the longest
//! call of each tool row one of them held is found again among the calls left in its hour.

use std::collections::{BTreeMap, BTreeSet};

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::rollup::contrib::{Contribution, Counts, ToolCounts};
use crate::store::rollup::maintain::{add_row, add_tool, recorded};
use crate::store::rollup::sql;
use crate::store::value::values;

/// The tool rows (project, hour, tool) whose longest call may have left with a batch.
pub(crate) struct Withdrawn(BTreeSet<(String, i64, String)>);

/// Subtracts the contributions of `sessions` (project, id) from the rollups; the caller then
/// deletes their rows (the recorded contributions with them) and calls [`after_delete`].
pub(crate) async fn withdraw<D: Db>(
    db: &D,
    sessions: &[(&str, &str)],
) -> Result<Withdrawn, StoreError> {
    type RowKey = (String, i64, String, Option<String>);
    let mut rows: BTreeMap<RowKey, Counts> = BTreeMap::new();
    let mut tools: BTreeMap<(String, i64, String), ToolCounts> = BTreeMap::new();
    let mut lost = BTreeSet::new();
    for (project, id) in sessions {
        let Some(old) = recorded(db, project, id).await? else {
            continue;
        };
        for ((hour, dim, val), d) in Contribution::difference(Some(&old), None) {
            rows.entry((project.to_string(), hour, dim, val))
                .or_default()
                .add(&d, 1);
        }
        for ((hour, tool), c) in Contribution::tool_difference(Some(&old), None) {
            let key = (project.to_string(), hour, tool);
            if c.lost_max.is_some() {
                lost.insert(key.clone());
            }
            tools.entry(key).or_default().add(&c.delta, 1);
        }
    }
    for ((project, hour, dim, val), d) in rows {
        add_row(db, &project, hour, &dim, val, &d).await?;
    }
    for ((project, hour, tool), d) in tools {
        add_tool(db, &project, hour, &tool, &d, None).await?;
    }
    Ok(Withdrawn(lost))
}

/// Finds again the longest call of each tool row of `w`, among the calls left in its hour.
pub(crate) async fn after_delete<D: Db>(db: &D, w: Withdrawn) -> Result<(), StoreError> {
    for (project, hour, tool) in w.0 {
        db.run(
            &sql::TOOL_MAX_AGAIN,
            &values![&project, hour, &tool, "", None::<i64>],
        )
        .await?;
    }
    Ok(())
}
