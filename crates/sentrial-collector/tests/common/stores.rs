//! The storage suite's stores and helpers: every store kind on a new empty database, and the
//! calls the suite makes through the `Store` trait.

use std::sync::Arc;

use sentrial_collector::store::{ListQuery, PgStore, SqliteStore, Store};
use sentrial_protocol::{Event, IngestResponse};
use serde_json::Value;

use super::{fresh_postgres, postgres_required};

/// A store of each kind, named, each on a new empty database.
pub async fn stores() -> Vec<(&'static str, Arc<dyn Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("s.db")).unwrap());
    let mut out = vec![("sqlite", sqlite, Some(dir))];
    match fresh_postgres().await {
        Some(url) => {
            let pg: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
            out.push(("postgres", pg, None));
        }
        None if postgres_required() => {
            panic!("SENTRIAL_REQUIRE_POSTGRES=1 but SENTRIAL_TEST_DATABASE_URL is not set")
        }
        None => eprintln!("PostgreSQL not tested: SENTRIAL_TEST_DATABASE_URL is not set"),
    }
    out
}

pub async fn put(store: &dyn Store, project: &str, events: &[Event]) -> IngestResponse {
    store
        .ingest(project.to_string(), events.to_vec())
        .await
        .unwrap()
}

pub async fn detail(store: &dyn Store, project: &str, id: &str) -> Value {
    let d = store
        .get_session(project.into(), id.into())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no session {id}"));
    let mut v = serde_json::to_value(d).unwrap();
    v["received_at"] = Value::Null;
    v
}

pub async fn page(store: &dyn Store, q: ListQuery) -> Vec<String> {
    store
        .list_sessions("p".into(), q)
        .await
        .unwrap()
        .sessions
        .into_iter()
        .map(|s| s.id)
        .collect()
}

pub fn q() -> ListQuery {
    ListQuery {
        limit: 50,
        ..Default::default()
    }
}

/// Fisher-Yates with a fixed LCG: reproducible orders without a dependency.
pub fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        items.swap(i, (*seed >> 33) as usize % (i + 1));
    }
}
