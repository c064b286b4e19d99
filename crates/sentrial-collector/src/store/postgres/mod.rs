//! [`PgStore`]: the [`Store`] on PostgreSQL, for several collectors behind a load balancer.
//!
//! Each collector holds a pool of connections; each batch is one transaction. Nothing is kept
//! in a collector's memory that the others would need: dedupe is the events table's unique
//! index, the final state of a session is decided by keys compared inside each upsert, and the
//! sign-ins live in the database. A transaction that PostgreSQL aborts for a deadlock or
//! a serialization failure (two collectors writing the same sessions in another order) is
//! retried.

mod db;
mod ingest;
mod schema;
mod text;

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use sentrial_protocol::IngestResponse;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use crate::store::access::store_access;
use crate::store::alert_access::store_alerts;
use crate::store::api::{BoxFuture, Store};
use crate::store::delete::store_deletes;
use crate::store::dimension_values::store_dimension_values;
use crate::store::error::{pg_message, StoreError};
use crate::store::incoming::Incoming;
use crate::store::reads::store_reads;
use crate::store::retention::store_retention;
use crate::store::user_detail::store_user_detail;
use crate::time::now_ms;
use db::PgDb;
use text::Clean;

pub(crate) use ingest::{all_session_lock_keys, session_lock_key};
pub use schema::SCHEMA_VERSION as PG_SCHEMA_VERSION;

/// Connections each collector keeps open at most.
const POOL_SIZE: usize = 16;

/// How long a request waits for a free connection, and a new connection for the server.
const WAIT: Duration = Duration::from_secs(10);

/// The advisory lock key an evaluation round holds ("alerts" in ASCII, as a number).
const ALERT_LOCK: i64 = 0x61_6c_65_72_74_73;

/// Tries of a transaction that PostgreSQL aborted to resolve a conflict.
const MAX_TRIES: u32 = 8;

/// A [`Store`] on one PostgreSQL database.
pub struct PgStore {
    pool: Pool,
    location: String,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?...`, or the key=value
    /// form), applies pending migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad --database-url: {}", pg_message(&e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(WAIT);
        }
        if config.get_application_name().is_none() {
            config.application_name("sentrial-collector");
        }
        let options = session_options(config.get_options());
        config.options(&options);
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match config.get_ssl_mode() {
            // TLS only when asked for: `prefer` (the default) would otherwise fail on the
            // self-signed certificates many servers carry, where libpq goes on unencrypted.
            SslMode::Require => Manager::from_config(config, tls()?, manager_config),
            _ => Manager::from_config(config, NoTls, manager_config),
        };
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .build()
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let mut conn = get(&pool).await?;
        schema::migrate(&mut conn).await?;
        Ok(PgStore {
            pool,
            location: redacted_url(url),
        })
    }

    /// The database, as given but with any password hidden: fit for a log line.
    pub fn location(&self) -> &str {
        &self.location
    }

    async fn conn(&self) -> Result<Object, StoreError> {
        if self.pool.is_closed() {
            return Err(StoreError::Closed);
        }
        get(&self.pool).await
    }
}

/// The `options` of the collector's sessions: `options` as given, with PostgreSQL's JIT
/// compilation off unless they set it. The collector's reads are short and index-driven; for
/// those costed above `jit_above_cost` the JIT spent longer compiling than the read took (at a
/// million sessions, 30 to 70 ms on each of the tools page's two edge reads, measured with
/// `psql` on PostgreSQL 15).
fn session_options(given: Option<&str>) -> String {
    match given {
        Some(o) if o.contains("jit") => o.to_string(),
        Some(o) if !o.trim().is_empty() => format!("{o} -c jit=off"),
        _ => "-c jit=off".to_string(),
    }
}

/// TLS for `sslmode=require`, verifying the server's certificate against the platform's trust
/// store (stricter than libpq's `require`, which encrypts without verifying): `crate::tls`.
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    let config = crate::tls::client_config()
        .map_err(|e| StoreError::Config(format!("to PostgreSQL: {e}")))?;
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

async fn get(pool: &Pool) -> Result<Object, StoreError> {
    pool.get().await.map_err(|e| match e {
        deadpool_postgres::PoolError::Closed => StoreError::Closed,
        deadpool_postgres::PoolError::Backend(e) => StoreError::Postgres(e),
        other => StoreError::Config(format!("no database connection: {other}")),
    })
}

/// Whether PostgreSQL aborted the transaction to resolve a conflict, so running it again can
/// succeed.
fn retryable(err: &StoreError) -> bool {
    match err {
        StoreError::Postgres(e) => matches!(
            e.code(),
            Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
        ),
        _ => false,
    }
}

/// `url` with the password replaced by `***`, fit for a log line: a URL as
/// [`sentrial_protocol::url::redacted`] shows it (the user kept), else the key=value form with
/// any `password=...` pair hidden.
pub fn redacted_url(url: &str) -> String {
    use sentrial_protocol::url::{redacted, Userinfo};
    redacted(url, Userinfo::UserOnly).unwrap_or_else(|| {
        url.split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=***"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Lends a pooled connection for one shared read (see [`store_reads`]).
macro_rules! on_connection {
    ($store:expr, |$db:ident| $query:expr) => {
        Box::pin(async move {
            let conn = $store.conn().await?;
            let $db = &PgDb(&conn);
            $query.await
        })
    };
}

impl Store for PgStore {
    fn ingest_serialized(
        &self,
        project_id: String,
        events: Vec<Incoming>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>> {
        Box::pin(async move {
            let project = Clean::text(&project_id);
            let mut tries = 0;
            loop {
                tries += 1;
                let mut conn = self.conn().await?;
                let outcome = async {
                    let tx = conn.transaction().await?;
                    let out = ingest::ingest(&tx, &project, &events, now_ms()).await?;
                    tx.commit().await?;
                    Ok(out)
                }
                .await;
                match outcome {
                    Err(err) if tries < MAX_TRIES && retryable(&err) => {
                        let pause = rand::random_range(5..20u64 << tries.min(5));
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                    other => return other,
                }
            }
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.conn().await?.simple_query("SELECT 1").await?;
            Ok(())
        })
    }

    store_reads!(on_connection);
    store_user_detail!(on_connection);
    store_dimension_values!(on_connection);
    store_access!(on_connection, on_connection);
    store_deletes!(on_connection);
    store_retention!(on_connection, on_connection);
    store_alerts!(on_connection, on_connection);

    fn evaluate_alerts(
        &self,
        now: i64,
        dashboard: String,
    ) -> BoxFuture<'_, Result<Option<u64>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn().await?;
            let tx = conn.transaction().await?;
            // One evaluator at a time over all collectors: the others skip this round. The lock
            // ends with the transaction, so a collector that dies mid-round holds nothing.
            let locked: bool = tx
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&ALERT_LOCK])
                .await?
                .get(0);
            if !locked {
                return Ok(None);
            }
            let queued = crate::store::alerts::evaluate(&PgDb(&tx), now, &dashboard).await?;
            tx.commit().await?;
            Ok(Some(queued))
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.pool.close();
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{redacted_url, session_options};

    #[test]
    fn the_sessions_run_without_jit_unless_the_url_says_otherwise() {
        assert_eq!(session_options(None), "-c jit=off");
        assert_eq!(session_options(Some("")), "-c jit=off");
        assert_eq!(
            session_options(Some("-c statement_timeout=5000")),
            "-c statement_timeout=5000 -c jit=off"
        );
        assert_eq!(session_options(Some("-c jit=on")), "-c jit=on");
    }

    #[test]
    fn passwords_never_reach_a_log_line() {
        // The URL form is `sentrial_protocol::url`'s (tested there); the key=value form is
        // PostgreSQL's own.
        assert_eq!(
            redacted_url("postgres://app:s3cret@db.internal:5432/sentrial?sslmode=require"),
            "postgres://app:***@db.internal:5432/sentrial"
        );
        assert_eq!(
            redacted_url("host=/tmp user=app password=s3cret dbname=x"),
            "host=/tmp user=app password=*** dbname=x"
        );
    }
}
