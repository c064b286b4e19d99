//! What manual sessions (protocol 4) add to a session, written once for both stores: applying
//! their decisions, errors and reported model calls, their custom metrics (read with a session's
//! columns, `queries.rs`), and reading the tree of child sessions back.
//!
//! Ordering keys are `apply.rs`'s: a decision or an error is a marker of that kind at its
//! position, keyed `(ts, id)`; a reported model call is a model call keyed `(ts, id)` per call id;
//! custom metrics belong to the session's newest end (key `(ts, id)`), whose set replaces any
//! older end's.

use std::collections::{BTreeMap, HashMap, HashSet};

use sentrial_protocol::{Event, Payload};
use serde::Serialize;

use crate::store::apply::{write_marker, write_model_call};
use crate::store::db::{Db, Plan, Query};
use crate::store::error::StoreError;
use crate::store::incoming::Json;
use crate::store::row::Columns;
use crate::store::value::{values, Value};
use crate::store::{manual_sql, writes};
use crate::time::Timestamp;

/// Applies a `decision`, `error` or `llm_call` event (its session row already made).
pub(crate) async fn apply<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    json: &Json,
) -> Result<(), StoreError> {
    match (&ev.payload, json) {
        (Payload::Decision(d), Json::Marker { data }) => {
            write_marker(db, project, ev, (d.position, "decision", d.at, None), data).await?;
        }
        (Payload::Error(e), Json::Marker { data }) => {
            write_marker(db, project, ev, (e.position, "error", e.at, None), data).await?;
        }
        (Payload::LlmCall(c), Json::ModelCall { content }) => {
            write_model_call(db, project, ev, &c.model_call(), content, Some(c)).await?;
        }
        _ => {
            return Err(StoreError::Corrupt(format!(
                "event {}: its JSON columns were made for another type",
                ev.id
            )))
        }
    }
    Ok(())
}

/// Stores the custom metrics of end `ev` (just applied) when it is the session's newest end,
/// replacing an older end's.
pub(crate) async fn set_metrics<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    metrics: &BTreeMap<String, f64>,
) -> Result<(), StoreError> {
    let sid = &ev.session_id;
    db.run(
        &writes::METRICS_CLEAR,
        &values![project, sid, ev.ts, &ev.id],
    )
    .await?;
    for (name, value) in metrics {
        db.run(
            &writes::METRIC,
            &values![project, sid, ev.ts, &ev.id, name, *value],
        )
        .await?;
    }
    Ok(())
}

/// Levels of descendants a session's detail lists under `children`.
pub const CHILDREN_DEPTH: usize = 5;

/// Most descendants a session's detail lists, all levels together.
pub const CHILDREN_MAX: usize = 200;

/// A session started under another one (`parent_session_id`), with its own children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildSession {
    /// Session id.
    pub id: String,
    /// Its name, when it was given one.
    pub name: Option<String>,
    /// Agent name.
    pub agent: Option<String>,
    /// `running`, `completed`, `failed` or `interrupted`.
    pub status: String,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// Its cost in USD.
    pub cost_usd: Option<f64>,
    /// Its own children, oldest first (`[]` past [`CHILDREN_DEPTH`] levels or
    /// [`CHILDREN_MAX`] sessions).
    pub children: Vec<ChildSession>,
}

/// A child session and its parent's id.
fn child(r: &dyn Columns) -> Result<(String, ChildSession), StoreError> {
    let parent = r.string("parent_session_id")?;
    Ok((
        parent,
        ChildSession {
            id: r.string("id")?,
            name: r.text("name")?,
            agent: r.text("agent")?,
            status: r.string("status")?,
            started_at: r.time("started_at")?,
            cost_usd: r.real("cost_usd")?,
            children: Vec::new(),
        },
    ))
}

/// The sessions under session `id`, oldest first, each with its own: at most
/// [`CHILDREN_DEPTH`] levels and [`CHILDREN_MAX`] sessions, one query a level; a session met
/// twice (a cycle of parents) is listed once.
pub(crate) async fn children_of<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Vec<ChildSession>, StoreError> {
    let mut seen: HashSet<String> = HashSet::from([id.to_string()]);
    let mut budget = CHILDREN_MAX;
    let mut parents = vec![id.to_string()];
    let mut levels: Vec<Vec<(String, ChildSession)>> = Vec::new();
    while levels.len() < CHILDREN_DEPTH && !parents.is_empty() && budget > 0 {
        let mut found = level(db, project, &parents, budget).await?;
        found.retain(|(_, c)| seen.insert(c.id.clone()));
        budget -= found.len().min(budget);
        parents = found.iter().map(|(_, c)| c.id.clone()).collect();
        levels.push(found);
    }
    // From the deepest level up, each session takes its children from the level below.
    let mut below: HashMap<String, Vec<ChildSession>> = HashMap::new();
    for found in levels.into_iter().rev() {
        let mut here: HashMap<String, Vec<ChildSession>> = HashMap::new();
        for (parent, mut c) in found {
            c.children = below.remove(&c.id).unwrap_or_default();
            here.entry(parent).or_default().push(c);
        }
        below = here;
    }
    Ok(below.remove(id).unwrap_or_default())
}

/// The sessions whose parent is one of `parents`, oldest first, at most `limit`, each with its
/// parent's id.
async fn level<D: Db>(
    db: &D,
    project: &str,
    parents: &[String],
    limit: usize,
) -> Result<Vec<(String, ChildSession)>, StoreError> {
    let marks: Vec<String> = (0..parents.len()).map(|i| format!("?{}", i + 3)).collect();
    let sql = D::DIALECT.render(&format!(
        "{}{}{}",
        manual_sql::CHILDREN_OPEN,
        marks.join(", "),
        manual_sql::CHILDREN_CLOSE
    ));
    let mut args = vec![
        Value::from(project),
        Value::from(i64::try_from(limit).unwrap_or(i64::MAX)),
    ];
    args.extend(parents.iter().map(Value::from));
    db.rows(Query {
        sql: &sql,
        args: &args,
        // One text per number of parents: not worth keeping.
        plan: Plan::Fresh,
        make: child,
    })
    .await
}
