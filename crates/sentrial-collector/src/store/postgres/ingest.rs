//! Ingest into PostgreSQL: one transaction per batch, dedupe by event id, apply each new event by
//! the shared rules (`store/apply.rs`), then find the issues of the ended sessions it touched
//! (`store/issues.rs`).
//!
//! Those rules make the final state independent of arrival order; here that also makes
//! concurrent collectors agree: every upsert is one statement whose `WHERE` compares keys on the
//! row as committed, and a duplicate event id inserted by another collector waits for that
//! collector's commit and is then skipped.

use std::borrow::Cow;

use deadpool_postgres::Transaction;
use sentrial_protocol::IngestResponse;
use tokio_postgres::types::ToSql;

use super::db::PgDb;
use super::text::Clean;
use crate::store::apply::apply;
use crate::store::error::StoreError;
use crate::store::incoming::{kind, Incoming};
use crate::store::issues::recompute;
use crate::store::rollup::maintain::refresh;

/// Stores `events` for `project` in `tx`; the caller commits.
///
/// Three round trips whatever the batch size, plus the steps of the longest event: the session
/// locks; every event into the log in one statement, which says which ids were new; then the
/// new events' statements, pipelined on the connection (sent without waiting for each answer).
/// Their order does not matter: every write is keyed (see the module doc), and each event's own
/// statements still run in order.
pub async fn ingest(
    tx: &Transaction<'_>,
    project: &str,
    events: &[Incoming],
    now: i64,
) -> Result<IngestResponse, StoreError> {
    lock_sessions(tx, project, events).await?;
    // serde_json writes a NUL as `\u0000`: without one in the raw text there is none to clean.
    let cleaned: Vec<Cow<'_, sentrial_protocol::Event>> = events
        .iter()
        .map(|incoming| {
            if incoming.raw.contains("\\u0000") {
                Clean::event(&incoming.event)
            } else {
                Cow::Borrowed(&incoming.event)
            }
        })
        .collect();
    let ids: Vec<&str> = cleaned.iter().map(|e| e.id.as_str()).collect();
    let sessions: Vec<&str> = cleaned.iter().map(|e| e.session_id.as_str()).collect();
    let kinds: Vec<&str> = cleaned.iter().map(|e| kind(&e.payload)).collect();
    let ts: Vec<i64> = cleaned.iter().map(|e| e.ts).collect();
    let raw: Vec<&str> = events.iter().map(|e| e.raw.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO events (project_id, id, session_id, type, ts, received_at, payload)
             SELECT $1, u.id, u.session_id, u.type, u.ts, $2, u.payload
             FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
                  WITH ORDINALITY AS u (id, session_id, type, ts, payload, n)
             ORDER BY u.n
             ON CONFLICT (project_id, id) DO NOTHING
             RETURNING id",
        )
        .await?;
    let mut new: std::collections::HashSet<String> = tx
        .query(&stmt, &[&project, &now, &ids, &sessions, &kinds, &ts, &raw])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut out = IngestResponse::default();
    let db = PgDb(tx);
    let mut writes = Vec::new();
    let mut touched = std::collections::BTreeSet::new();
    for (incoming, ev) in events.iter().zip(&cleaned) {
        // An id is new once: a second copy in the same batch is a duplicate.
        if !new.remove(&ev.id) {
            out.duplicates += 1;
            continue;
        }
        out.accepted += 1;
        // JSON text holds no raw NUL (it is escaped), so it is stored as made.
        writes.push(apply(&db, project, ev, &incoming.json, now));
        touched.insert(ev.session_id.as_str());
    }
    futures_util::future::try_join_all(writes).await?;
    // Under the batch's session locks, so two collectors never find a session's issues, or
    // change its contribution to the rollups, at once.
    refresh(&db, project, touched.iter().copied()).await?;
    recompute(&db, project, touched).await?;
    Ok(out)
}

/// Takes a transaction-scoped advisory lock on the key of each session the batch touches (at
/// most [`LOCK_KEYS`]), in one order for everyone. Two collectors writing batches that share sessions then queue on the first shared
/// session instead of each locking rows the other needs next (a deadlock PostgreSQL would break
/// by aborting one of them). A batch's own order, which is the ingest order, is kept.
async fn lock_sessions(
    tx: &Transaction<'_>,
    project: &str,
    events: &[Incoming],
) -> Result<(), StoreError> {
    let mut keys: Vec<i64> = events
        .iter()
        .map(|e| session_lock_key(project, &e.event.session_id))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    run(
        tx,
        "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k ORDER BY k",
        &[&keys],
    )
    .await
}

/// Advisory lock keys: a batch takes at most this many locks, however many sessions it has.
///
/// PostgreSQL's lock table is shared and small (`max_locks_per_transaction`, 64 by default, times
/// the connections): a lock per session made three concurrent batches of 20,000 new sessions fail
/// with `out of shared memory` (issue 15). 256 keys per batch, times the pool's 16 connections,
/// stay under the default table; sessions sharing a key only wait for each other.
const LOCK_KEYS: u64 = 256;

/// A session's advisory lock key: SHA-256 over project and session id, into [`LOCK_KEYS`]
/// keys (offset by a constant so they do not collide with the migrations' lock).
pub(crate) fn session_lock_key(project: &str, session_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(project.as_bytes());
    hasher.update([0u8]);
    hasher.update(session_id.as_bytes());
    let digest = hasher.finalize();
    let hash = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    SESSION_LOCKS_BASE + (hash % LOCK_KEYS) as i64
}

/// Every session lock key, in the order they are taken: a writer that holds them all waits for
/// every batch in progress and holds off the next ones (a rollup rebuild's start).
pub(crate) fn all_session_lock_keys() -> impl Iterator<Item = i64> {
    (0..LOCK_KEYS as i64).map(|k| SESSION_LOCKS_BASE + k)
}

/// The first session lock key ("sessions" in ASCII, shifted to leave room for [`LOCK_KEYS`]).
const SESSION_LOCKS_BASE: i64 = 0x7365_7373_696f_6e00;

async fn run(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached(sql).await?;
    tx.execute(&stmt, params).await?;
    Ok(())
}
