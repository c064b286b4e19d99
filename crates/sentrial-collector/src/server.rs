//! The HTTP server: state, router and layers, and [`Server`] (bind, then run until shutdown).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{hash_key, new_key};
use crate::config::{ServeConfig, MAX_BODY_BYTES};
use crate::error::{AppError, CollectorError};
use crate::rate_limit::{retry_after_secs, RateLimit, RateLimiter};
use crate::signin::{Signer, TokenKind, LINK_TTL_MS};
use crate::store::{Location, Store};
use crate::time::now_ms;
use crate::{dashboard, ingest, otlp, read_api, views_api};

/// The project keys given on the command line belong to.
pub const DEFAULT_PROJECT: &str = "default";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is stored.
    pub store: Arc<dyn Store>,
    /// Digests of the keys given in the config, to their project; never written to the store.
    given_keys: Arc<HashMap<String, String>>,
    /// Digests of stored keys already looked up, to their project, to spare a query per request.
    known_keys: Arc<RwLock<HashMap<String, String>>>,
    request_timeout: Duration,
    signer: Signer,
    rate_limiter: Option<Arc<RateLimiter>>,
}

impl AppState {
    /// State over `store`, accepting the stored keys plus `api_keys` (for project `default`).
    pub fn new(store: Arc<dyn Store>, api_keys: &[String], request_timeout: Duration) -> Self {
        let given_keys = api_keys
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
            .map(|k| (hash_key(k), DEFAULT_PROJECT.to_string()))
            .collect();
        let signer = Signer::new(store.signing_secret());
        AppState {
            store,
            given_keys: Arc::new(given_keys),
            known_keys: Arc::default(),
            request_timeout,
            signer,
            rate_limiter: None,
        }
    }

    /// The same state, limiting each key to `limit` (`None`: no limit).
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limiter = limit.map(|l| Arc::new(RateLimiter::new(l)));
        self
    }

    /// Takes one request from the budget of the key with this digest: 429 when it has none left.
    pub fn check_rate(&self, key_hash: &str) -> Result<(), AppError> {
        match &self.rate_limiter {
            Some(rl) => rl
                .check(key_hash, std::time::Instant::now())
                .map_err(|wait| AppError::TooManyRequests(retry_after_secs(wait))),
            None => Ok(()),
        }
    }

    /// Signs and checks the dashboard's sign-in links and cookies.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The project of a key digest: given keys first, then stored keys (cached once found, so a
    /// key minted by `sentrial key new` while the collector runs works at once).
    pub async fn project_for_key(&self, key_hash: &str) -> Result<Option<String>, AppError> {
        if let Some(project) = self.given_keys.get(key_hash) {
            return Ok(Some(project.clone()));
        }
        if let Some(project) = self.known_keys.read().unwrap().get(key_hash) {
            return Ok(Some(project.clone()));
        }
        let found = self.store.project_for_key(key_hash.to_string()).await?;
        if let Some(project) = &found {
            self.known_keys
                .write()
                .unwrap()
                .insert(key_hash.to_string(), project.clone());
        }
        Ok(found)
    }
}

/// How long `/healthz` waits for the database before it answers 503.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 `ok` when the database answers a trivial query within [`HEALTH_TIMEOUT`],
/// else 503, so a load balancer takes a collector that lost its database out of rotation. The
/// cause goes to the log, not to the caller.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(HEALTH_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within {HEALTH_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The routes and layers over `state`; what [`Server::run`] serves.
pub fn router(state: AppState) -> Router {
    let timeout = state.request_timeout;
    Router::new()
        .route(sentrial_protocol::INGEST_PATH, post(ingest::post_batch))
        .route(otlp::TRACES_PATH, post(otlp::post_traces))
        .route("/api/sessions", get(read_api::list_sessions))
        .route("/api/sessions/{id}", get(read_api::get_session))
        .route("/api/sessions/{id}/events", get(read_api::session_events))
        .route(
            "/api/sessions/{id}/transcript",
            get(read_api::session_transcript),
        )
        .route("/api/conversations/{convo_id}", get(views_api::conversation))
        .route("/api/overview", get(views_api::overview))
        .route("/healthz", get(healthz))
        .merge(dashboard::routes())
        .fallback(|| async { AppError::NotFound("no such endpoint".into()) })
        .layer(axum::middleware::map_response(dashboard::security_headers))
        // Outermost last. The limit applies to the body as the handler reads it, which is after
        // decompression, chunk by chunk: a gzip bomb stops at MAX_BODY_BYTES.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestDecompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // The span has method and path only: never headers (keys, cookies) nor the query string
        // (a sign-in link's token).
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            },
        ))
        .with_state(state)
}

/// Which keys a started collector accepts, for the start banner.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyInfo {
    /// The database held no key and none was given: this one was minted and stored hashed. It is
    /// not recoverable later, so show it once.
    Created(String),
    /// This many keys were given in the config (`--api-key`, `SENTRIAL_API_KEYS`).
    Given(usize),
    /// None given; the database holds this many.
    Stored(u64),
}

impl fmt::Debug for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyInfo::Created(_) => f.write_str("Created(<redacted>)"),
            KeyInfo::Given(n) => write!(f, "Given({n})"),
            KeyInfo::Stored(n) => write!(f, "Stored({n})"),
        }
    }
}

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
        let state = AppState::new(store.clone(), &config.api_keys, config.request_timeout)
            .with_rate_limit(config.rate_limit);
        let key_info = if !state.given_keys.is_empty() {
            KeyInfo::Given(state.given_keys.len())
        } else {
            match store.key_count().await? {
                0 if config.create_key_if_none => {
                    let key = new_key();
                    store
                        .add_key(hash_key(&key), DEFAULT_PROJECT.to_string())
                        .await?;
                    KeyInfo::Created(key)
                }
                n => KeyInfo::Stored(n),
            }
        };
        Ok(Server {
            listener,
            addr,
            database,
            key_flag,
            state,
            key_info,
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

    /// A dashboard sign-in link for project `default`, valid for a day.
    pub fn signin_link(&self) -> String {
        let token =
            self.state
                .signer
                .sign(TokenKind::Link, DEFAULT_PROJECT, now_ms() + LINK_TTL_MS);
        let host = match self.addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        format!("http://{host}:{}/login?token={token}", self.addr.port())
    }

    /// The start banner, one line each: address, database, keys, the dashboard's sign-in link
    /// (valid for a day; a new one at every start). Only a freshly created key is ever shown.
    pub fn banner(&self) -> String {
        let db = &self.database;
        let flag = &self.key_flag;
        let keys = match &self.key_info {
            KeyInfo::Created(key) => format!("API key (created now, shown once): {key}"),
            KeyInfo::Given(n) => format!("API keys: {n} from --api-key/SENTRIAL_API_KEYS"),
            KeyInfo::Stored(0) => {
                format!("API keys: none yet; mint one with `sentrial key new {flag}`")
            }
            KeyInfo::Stored(n) => format!(
                "API keys: {n} stored in the database; mint another with `sentrial key new {flag}`"
            ),
        };
        format!(
            "Sentrial collector listening on {}\nDatabase: {db}\n{keys}\nDashboard: {}\n",
            self.url(),
            self.signin_link()
        )
    }

    /// Serves until `shutdown` resolves, lets open requests finish, then closes the database.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), CollectorError> {
        let store = self.state.store.clone();
        tracing::info!(addr = %self.addr, "collector listening");
        let served = axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await;
        store.close().await;
        tracing::info!("collector stopped");
        served.map_err(CollectorError::Io)
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
