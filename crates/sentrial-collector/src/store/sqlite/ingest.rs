//! Ingest into SQLite: the raw event log dedupes by event id, then each new event is applied by
//! the shared rules (`store/apply.rs`), and the ended sessions it touched get their issues
//! found again (`store/issues.rs`). The writer thread brings the rollups up to date for every
//! session its transaction touched, once, and commits.

use std::collections::BTreeSet;

use rusqlite::Connection;
use sentrial_protocol::IngestResponse;

use super::db::SqliteDb;
use crate::store::apply::apply;
use crate::store::db::now;
use crate::store::error::StoreError;
use crate::store::incoming::{kind, Incoming};
use crate::store::issues::recompute;
use crate::store::value::values;

/// An event into the raw log, unless its id is stored (then it changes nothing). The log's
/// `seq`, its rowid, is the ingest order.
const INSERT_EVENT: &str =
    "INSERT INTO events (project_id, id, session_id, type, ts, received_at, payload)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (project_id, id) DO NOTHING";

/// Stores `events` for `project_id` in `tx`, received at `received`, and adds the sessions they
/// touched to `touched`; the caller refreshes their rollups (`rollup::maintain::refresh`) and
/// commits.
pub fn ingest(
    tx: &Connection,
    project_id: &str,
    events: &[Incoming],
    received: i64,
    touched: &mut BTreeSet<String>,
) -> Result<IngestResponse, StoreError> {
    let db = SqliteDb(tx);
    let mut insert_event = tx.prepare_cached(INSERT_EVENT)?;
    let mut out = IngestResponse::default();
    let mut these = BTreeSet::new();
    for Incoming { event, raw, json } in events {
        let row = values![
            project_id,
            &event.id,
            &event.session_id,
            kind(&event.payload),
            event.ts,
            received,
            raw
        ];
        if insert_event.execute(rusqlite::params_from_iter(&row))? == 0 {
            out.duplicates += 1;
            continue;
        }
        out.accepted += 1;
        now(apply(&db, project_id, event, json, received))?;
        these.insert(event.session_id.as_str());
    }
    touched.extend(these.iter().map(|id| id.to_string()));
    now(recompute(&db, project_id, these))?;
    Ok(out)
}
