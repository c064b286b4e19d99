//! A project's thresholds for the issue rules (`issue_settings`): the ones it set, laid over the
//! defaults of `detect/thresholds.rs`. Read once per ingested batch; written by
//! `PUT /api/issue-settings`.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::detect::Thresholds;
use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::store::{queries, writes};
use crate::time::Timestamp;

/// A project's thresholds as the settings API shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueSettings {
    /// The thresholds in force: the defaults with the project's overrides.
    pub thresholds: Thresholds,
    /// The project's overrides, by name (`{}`: the defaults).
    pub overrides: Map<String, Value>,
    /// The defaults.
    pub defaults: Thresholds,
    /// When the overrides were last set; `None` if never.
    pub updated_at: Option<Timestamp>,
}

struct Stored {
    overrides: Map<String, Value>,
    updated_at: Timestamp,
}

/// Project `project`'s settings.
pub(crate) async fn settings<D: Db>(db: &D, project: &str) -> Result<IssueSettings, StoreError> {
    let stored = db
        .select(&queries::ISSUE_SETTINGS, &values![project], stored)
        .await?
        .pop();
    let (overrides, updated_at) = match stored {
        Some(s) => (s.overrides, Some(s.updated_at)),
        None => (Map::new(), None),
    };
    let thresholds = Thresholds::with_overrides(&overrides).unwrap_or_else(|problem| {
        tracing::warn!(
            project,
            problem,
            "stored thresholds refused; using the defaults"
        );
        Thresholds::default()
    });
    Ok(IssueSettings {
        thresholds,
        overrides,
        defaults: Thresholds::default(),
        updated_at,
    })
}

/// The thresholds in force for `project`.
pub(crate) async fn thresholds<D: Db>(db: &D, project: &str) -> Result<Thresholds, StoreError> {
    Ok(settings(db, project).await?.thresholds)
}

/// Replaces `project`'s overrides with `overrides` (checked by the caller), at `at`.
pub(crate) async fn set<D: Db>(
    db: &D,
    project: &str,
    overrides: &Map<String, Value>,
    at: i64,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(overrides)?;
    db.run(&writes::ISSUE_SETTINGS, &values![project, &text, at])
        .await?;
    Ok(())
}

fn stored(r: &dyn Columns) -> Result<Stored, StoreError> {
    let overrides = match serde_json::from_str(&r.string("thresholds")?)? {
        Value::Object(m) => m,
        _ => {
            return Err(StoreError::Corrupt(
                "issue_settings.thresholds: not an object".into(),
            ))
        }
    };
    Ok(Stored {
        overrides,
        updated_at: Timestamp(r.integer("updated_at")?),
    })
}
