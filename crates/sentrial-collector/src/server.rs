//! [`Server`]: bind, open the database and settle the keys, then serve until shutdown.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::alert::{AlertConfig, AlertTasks};
use crate::auth::signin::CookieJar;
use crate::auth::DEFAULT_PROJECT;
use crate::banner::{base_url, signin_link, Banner, KeyInfo};
use crate::config::ServeConfig;
use crate::connections::{serve_connections, ConnectionLimits};
use crate::error::CollectorError;
use crate::ingest_limit::IngestLimit;
use crate::router::router;
use crate::scope::{Scope, Scopes};
use crate::site::{url_host, Site};
use crate::state::AppState;
use crate::store::Location;

/// A collector bound to its socket with its database open, not yet serving.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    /// Where the data lives, fit for a log line (no password).
    database: String,
    /// The `sentrial key new` flag that points at the same database.
    key_flag: String,
    state: AppState,
    key_info: KeyInfo,
    /// Where the dashboard is reached (`--public-url`, else the bound address).
    base_url: String,
    /// The sign-in link the banner prints.
    signin_link: String,
    /// How connections are bounded.
    limits: ConnectionLimits,
    retention: Option<crate::retention::Retention>,
    /// How the alert tasks run.
    alerts: AlertConfig,
}

impl Server {
    /// Binds `config.host:config.port` (port 0: any free port), opens and migrates the database,
    /// and settles the keys (see [`KeyInfo`]).
    pub async fn bind(config: ServeConfig) -> Result<Server, CollectorError> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .await
            .map_err(|source| CollectorError::Listen {
                addr: format!("{}:{}", config.host, config.port),
                source,
            })?;
        let addr = listener.local_addr()?;
        let location = config.location();
        let store = crate::store::open(&location).await?;
        if let Some(n) = store
            .prepare_rollups(config.rollup_metadata_keys.clone())
            .await?
        {
            tracing::info!(sessions = n, "rollups filled from the stored sessions");
        }
        let (database, key_flag) = match &location {
            Location::Sqlite(path) => (
                path.display().to_string(),
                format!("--db {}", path.display()),
            ),
            Location::Postgres(url) => (
                format!("PostgreSQL {}", crate::store::redacted_url(url)),
                "--database-url <the same URL>".to_string(),
            ),
        };
        let public_url = config.public_url.as_deref();
        let mut names = config.allowed_hosts.clone();
        names.extend(public_url.and_then(url_host).map(str::to_string));
        let https = public_url.is_some_and(|u| u.starts_with("https://"));
        let state = AppState::new(store.clone(), &config.api_keys, config.request_timeout)
            .with_rate_limit(config.rate_limit)
            .with_failure_limit(config.failure_limit)
            .with_site(
                Site::new(&config.host, &names),
                CookieJar::for_port(addr.port(), https),
            )
            .with_max_writer_lag(config.max_writer_lag)
            .with_retention(config.retention)
            .with_ingest_limit(IngestLimit::new(
                config.ingest_requests,
                config.ingest_decode_bytes,
            ));
        let given = state.auth().given_key_count();
        let key_info = if given > 0 {
            KeyInfo::Given(given)
        } else {
            match store.key_count().await? {
                0 if config.create_key_if_none => {
                    let scopes = Scopes::only(Scope::Ingest);
                    let (key, _) = crate::keyring::mint(&*store, DEFAULT_PROJECT, scopes).await?;
                    KeyInfo::Created(key)
                }
                n => KeyInfo::Stored(n),
            }
        };
        let base_url = base_url(addr, public_url);
        let token = crate::auth::signin::mint_link(&*store, DEFAULT_PROJECT).await?;
        Ok(Server {
            listener,
            addr,
            database,
            key_flag,
            state,
            key_info,
            signin_link: signin_link(&base_url, &token),
            base_url: base_url.clone(),
            retention: config.retention,
            limits: ConnectionLimits {
                header_timeout: config.header_timeout,
                max_connections: config.max_connections,
                shutdown_grace: config.shutdown_grace,
            },
            alerts: AlertConfig {
                interval: config
                    .alert_interval
                    .max(std::time::Duration::from_millis(100)),
                dashboard: base_url.trim_end_matches('/').to_string(),
            },
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` and [`Server::local_addr`].
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The keys this collector accepts.
    pub fn key_info(&self) -> &KeyInfo {
        &self.key_info
    }

    /// The shared state, e.g. to add keys from a test.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The dashboard sign-in link for project `default` made at start (the banner's): it works
    /// once, for 15 minutes.
    pub fn signin_link(&self) -> &str {
        &self.signin_link
    }

    /// Another sign-in link for project `default`, as [`Server::signin_link`].
    pub async fn new_signin_link(&self) -> Result<String, CollectorError> {
        let token = crate::auth::signin::mint_link(&*self.state.store, DEFAULT_PROJECT).await?;
        Ok(signin_link(&self.base_url, &token))
    }

    /// The start banner, one line each: address, database, keys, the dashboard's sign-in link
    /// (single use, 15 minutes; a new one at every start). Only a freshly created key is ever
    /// shown.
    pub fn banner(&self) -> String {
        Banner {
            url: &self.url(),
            database: &self.database,
            key_flag: &self.key_flag,
            keys: &self.key_info,
            signin_link: &self.signin_link,
        }
        .to_string()
    }

    /// Serves until `shutdown` resolves, lets open requests finish within the shutdown grace,
    /// then closes the database (waiting at most the grace again for its last commit).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), CollectorError> {
        let store = self.state.store.clone();
        let mut alerts = AlertTasks::start(store.clone(), self.alerts)
            .map_err(|e| CollectorError::Usage(format!("cannot start the alert tasks: {e}")))?;
        tracing::info!(addr = %self.addr, "collector listening");
        let retention = crate::retention::spawn(store.clone(), self.retention);
        serve_connections(self.listener, router(self.state), self.limits, shutdown).await;
        retention.abort();
        alerts.stop();
        if tokio::time::timeout(self.limits.shutdown_grace, store.close())
            .await
            .is_err()
        {
            tracing::warn!("the database did not close within the shutdown grace");
        }
        tracing::info!("collector stopped");
        Ok(())
    }
}

/// Binds, prints [`Server::banner`] to stdout, and serves until `shutdown` resolves.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), CollectorError> {
    let server = Server::bind(config).await?;
    let mut out = std::io::stdout().lock();
    out.write_all(server.banner().as_bytes())?;
    out.flush()?;
    drop(out);
    server.run(shutdown).await
}
