//! The values one dimension of the compare view took over a time range, most sessions first
//! (`GET /api/analytics/values`): what the Compare page offers to pick. Written once for both
//! stores, with the same dimensions as `compare.rs`.

use serde::Serialize;

use crate::store::compare::Dimension;
use crate::store::db::Db;
use crate::store::dialect::Sql;
use crate::store::error::StoreError;
use crate::store::value::values;

/// Most values listed.
pub const VALUES_LISTED: i64 = 50;

/// One value and how many sessions of the range had it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueCount {
    /// The value, as text.
    pub value: String,
    /// Sessions that started in the range with it.
    pub sessions: i64,
}

macro_rules! seen {
    ($dim:literal) => {
        Sql::new(concat!(
            "SELECT ",
            $dim,
            " AS value, COUNT(*) AS sessions FROM sessions s
             WHERE s.project_id = ?1 AND s.sort_ts >= ?2 AND s.sort_ts < ?3
               AND CAST(?4 AS TEXT) = CAST(?4 AS TEXT) AND ",
            $dim,
            " IS NOT NULL GROUP BY ",
            $dim,
            " ORDER BY sessions DESC, value LIMIT ?5"
        ))
    };
}
// `?4` is the metadata key: the agent and model statements take it too (and ignore it).
static AGENTS: Sql = seen!("s.agent");
static MODELS: Sql = seen!("s.model");
static META: Sql = seen!("{json_text:s.metadata, ?4}");

/// The values `dim` took in `project_id` over `[from, to)` (ms), most sessions first.
pub(crate) async fn dimension_values<D: Db>(
    db: &D,
    project_id: &str,
    dim: &Dimension,
    from: i64,
    to: i64,
) -> Result<Vec<ValueCount>, StoreError> {
    let (sql, key) = match dim {
        Dimension::Agent => (&AGENTS, ""),
        Dimension::Model => (&MODELS, ""),
        Dimension::Metadata(k) => (&META, k.as_str()),
    };
    db.select(
        sql,
        &values![project_id, from, to, key, VALUES_LISTED],
        |r| {
            Ok(ValueCount {
                value: r.string("value")?,
                sessions: r.integer("sessions")?,
            })
        },
    )
    .await
}

/// Expands, inside an `impl Store for ...`, to [`Store::dimension_values`]; `$lend` lends a
/// connection for a read, as for [`store_reads`](crate::store::reads::store_reads).
///
/// [`Store::dimension_values`]: crate::store::Store::dimension_values
macro_rules! store_dimension_values {
    ($lend:ident) => {
        fn dimension_values(
            &self,
            project_id: String,
            dim: $crate::store::Dimension,
            from: i64,
            to: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::ValueCount>, $crate::store::StoreError>,
        > {
            $lend!(
                self,
                |db| $crate::store::dimension_values::dimension_values(
                    db,
                    &project_id,
                    &dim,
                    from,
                    to
                )
            )
        }
    };
}
pub(crate) use store_dimension_values;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_render_in_both_dialects() {
        crate::store::dialect::assert_renders(&[&AGENTS, &MODELS, &META]);
    }
}
