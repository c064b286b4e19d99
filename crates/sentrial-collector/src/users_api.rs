//! `DELETE /api/users/{user_id}`: everything stored about one end user of the project (their
//! sessions, each session's events, tool and model calls, results, markers, detected issues, and
//! the scores given to them), for a data-protection request. Needs `admin`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use crate::auth::Admin;
use crate::error::AppError;
use crate::params::{NoParams, Params};
use crate::store::{Deleted, Store, DELETE_BATCH, SESSION_TABLES};

/// Body of `DELETE /api/users/{user_id}`.
#[derive(Debug, Serialize)]
pub struct UserDeleted {
    /// The end user.
    user_id: String,
    /// Rows deleted, by table; `sessions` is the user's sessions.
    deleted: Deleted,
}

/// Deletes the end user's sessions a batch (one transaction) at a time until none is left, and
/// says how many rows of each table went. A user with no sessions deletes nothing (200, zeros):
/// the request is done either way.
pub async fn delete_user(
    State(store): State<Arc<dyn Store>>,
    Admin(caller): Admin,
    Path(user_id): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<UserDeleted>, AppError> {
    let mut deleted: Deleted = ["sessions", "scores"]
        .iter()
        .chain(SESSION_TABLES)
        .map(|t| (*t, 0))
        .collect();
    loop {
        let (picked, rows) = store
            .delete_user_batch(caller.project.clone(), user_id.clone())
            .await?;
        for (table, n) in rows {
            *deleted.entry(table).or_default() += n;
        }
        if picked < DELETE_BATCH as u64 {
            break;
        }
    }
    tracing::info!(project = %caller.project, sessions = deleted["sessions"], "deleted an end user's data");
    Ok(Json(UserDeleted { user_id, deleted }))
}
