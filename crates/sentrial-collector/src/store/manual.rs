//! What manual sessions (protocol 4) add to a session, written once for both stores: applying
//! their decisions, errors and reported model calls, their custom metrics (read with a session's
//! columns, `queries.rs`), and reading the tree of child sessions back.
//!
//! Ordering keys are `apply.rs`'s: a decision or an error is a marker of that kind at its
//! position, keyed `(ts, id)`; a reported model call is a model call keyed `(ts, id)` per call id;
//! custom metrics belong to the session's newest end (key `(ts, id)`), whose set replaces any
//! older end's.

use std::collections::{BTreeMap, HashSet};

use sentrial_protocol::{Event, Payload};
use serde::Serialize;

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::incoming::{clamp, Json};
use crate::store::row::Columns;
use crate::store::value::values;
use crate::store::{manual_sql, writes};
use crate::time::Timestamp;

/// Applies a `decision`, `error` or `llm_call` event (its session row already made).
pub(crate) async fn apply<D: Db>(
    db: &D,
    project: &str,
    ev: &Event,
    json: &Json,
) -> Result<(), StoreError> {
    let sid = &ev.session_id;
    let no_parent: Option<&str> = None;
    match (&ev.payload, json) {
        (Payload::Decision(d), Json::Marker { data }) => {
            let row =
                values![project, sid, d.position, "decision", d.at, no_parent, data, ev.ts, &ev.id];
            db.run(&writes::MARKER, &row).await?;
        }
        (Payload::Error(e), Json::Marker { data }) => {
            let row =
                values![project, sid, e.position, "error", e.at, no_parent, data, ev.ts, &ev.id];
            db.run(&writes::MARKER, &row).await?;
        }
        (Payload::LlmCall(c), Json::ModelCall { content }) => {
            db.run(
                &writes::MODEL_CALL,
                &values![
                    project,
                    sid,
                    &c.call_id,
                    &c.model,
                    no_parent,
                    clamp(c.input_tokens),
                    clamp(c.output_tokens),
                    clamp(c.cache_read_tokens),
                    clamp(c.cache_creation_tokens),
                    no_parent,
                    c.started_at,
                    c.ended_at,
                    ev.ts,
                    &ev.id,
                    true,
                    None::<i64>,
                    c.position,
                    content,
                    &c.input,
                    c.cost_usd,
                    Some(c.cost_estimated),
                ],
            )
            .await?;
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

fn child(r: &dyn Columns) -> Result<ChildSession, StoreError> {
    Ok(ChildSession {
        id: r.string("id")?,
        name: r.text("name")?,
        agent: r.text("agent")?,
        status: r.string("status")?,
        started_at: r.time("started_at")?,
        cost_usd: r.real("cost_usd")?,
        children: Vec::new(),
    })
}

/// The sessions under session `id`, oldest first, each with its own: at most
/// [`CHILDREN_DEPTH`] levels and [`CHILDREN_MAX`] sessions; a session met twice (a cycle of
/// parents) is listed once.
pub(crate) async fn children_of<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Vec<ChildSession>, StoreError> {
    let mut seen: HashSet<String> = HashSet::from([id.to_string()]);
    let mut budget = CHILDREN_MAX;
    let mut roots = direct_children(db, project, id, &mut seen, &mut budget).await?;
    // Breadth first, one level at a time: paths from the root to each child of the level.
    let mut level: Vec<Vec<usize>> = (0..roots.len()).map(|i| vec![i]).collect();
    for _ in 1..CHILDREN_DEPTH {
        let mut next = Vec::new();
        for path in level {
            if budget == 0 {
                break;
            }
            let node = node_at(&mut roots, &path);
            let found =
                direct_children(db, project, &node.id.clone(), &mut seen, &mut budget).await?;
            let node = node_at(&mut roots, &path);
            for i in 0..found.len() {
                next.push([path.as_slice(), &[i]].concat());
            }
            node.children = found;
        }
        level = next;
    }
    Ok(roots)
}

fn node_at<'a>(roots: &'a mut [ChildSession], path: &[usize]) -> &'a mut ChildSession {
    let mut node = &mut roots[path[0]];
    for &i in &path[1..] {
        node = &mut node.children[i];
    }
    node
}

async fn direct_children<D: Db>(
    db: &D,
    project: &str,
    id: &str,
    seen: &mut HashSet<String>,
    budget: &mut usize,
) -> Result<Vec<ChildSession>, StoreError> {
    let limit = i64::try_from(*budget).unwrap_or(i64::MAX);
    let mut found = db
        .select(&manual_sql::CHILDREN, &values![project, id, limit], child)
        .await?;
    found.retain(|c| seen.insert(c.id.clone()));
    *budget -= found.len().min(*budget);
    Ok(found)
}
