//! What a collector is started with.

use std::path::PathBuf;
use std::time::Duration;

/// Host the collector binds to unless told otherwise: loopback only.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// Port the collector binds to unless told otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// Largest request body accepted, counted after gzip decompression (10 MiB).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Ingest requests holding a body at once, unless told otherwise (see `ingest_limit.rs`).
pub const DEFAULT_INGEST_REQUESTS: usize = 16;

/// Body bytes being decoded and written at once, unless told otherwise: with the worst
/// amplification measured (about 33 times, a body of small numbers) that is some 550 MB.
pub const DEFAULT_DECODE_BYTES: usize = 16 * 1024 * 1024;

/// [`ServeConfig::header_timeout`] unless told otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// [`ServeConfig::shutdown_grace`] unless told otherwise.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Most connections a collector keeps open, whatever the file limit.
const MAX_CONNECTIONS: usize = 1024;

/// File descriptors kept for the database, its WAL, logs and the listener.
const RESERVED_FILES: usize = 64;

/// [`ServeConfig::max_connections`] unless told otherwise: [`MAX_CONNECTIONS`], or less when the
/// process's file limit leaves less once [`RESERVED_FILES`] are kept (at least 16).
pub fn default_max_connections() -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct it is given and nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let soft = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
            return soft
                .saturating_sub(RESERVED_FILES)
                .clamp(16, MAX_CONNECTIONS);
        }
    }
    MAX_CONNECTIONS
}

/// Settings of one collector.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Interface to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    pub host: String,
    /// Port to bind; 0 picks a free one (see [`crate::server::Server::local_addr`]).
    pub port: u16,
    /// SQLite database file; created with its schema when missing. Unused when
    /// [`ServeConfig::database_url`] is set.
    pub db: PathBuf,
    /// A PostgreSQL database URL (`postgres://user:password@host/db`): store there instead of
    /// in [`ServeConfig::db`], so several collectors can share one database.
    pub database_url: Option<String>,
    /// Plaintext API keys accepted for project `default` with every scope, in addition to the keys stored in the
    /// database. They are held hashed in memory and never written to the database.
    pub api_keys: Vec<String>,
    /// When no key was given and the database holds none, mint an `ingest` key for the SDK
    /// (reported through [`crate::banner::KeyInfo::Created`]) so a fresh collector is usable at
    /// once; the printed sign-in link opens the dashboard.
    pub create_key_if_none: bool,
    /// Longest a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Requests each API key may make (429 with `Retry-After` past it). `None` (the default of
    /// this struct, for embedding and benchmarks) is no limit; `sentrial serve` applies
    /// [`crate::rate_limit::DEFAULT_RATE_LIMIT`] unless `--rate-limit 0`.
    pub rate_limit: Option<crate::rate_limit::RateLimit>,
    /// Failed authentications each client address may make (429 with `Retry-After` past it,
    /// for right and wrong credentials alike); `None`: no limit. Defaults to
    /// [`crate::rate_limit::DEFAULT_FAILURE_LIMIT`].
    pub failure_limit: Option<crate::rate_limit::RateLimit>,
    /// More host names the collector answers for (see `site.rs`), beside loopback and `host`.
    pub allowed_hosts: Vec<String>,
    /// Where users reach the dashboard, when not at the bound address (behind a reverse proxy):
    /// its host is allowed, the printed sign-in link uses it, and an `https://` URL makes the
    /// cookie `Secure`.
    pub public_url: Option<String>,
    /// Longest a connection may take to send a request's headers, counted from when it opens or
    /// finished its previous request: silent, half-sent and idle connections close after it.
    pub header_timeout: Duration,
    /// Connections open at once, at most; past it the collector accepts no more until one
    /// closes. The default, [`default_max_connections`], stays under the file limit.
    pub max_connections: usize,
    /// How long open requests may go on once shutdown begins; then the collector exits.
    pub shutdown_grace: Duration,
    /// `/healthz` answers 503 once the oldest write queued for the store has waited longer.
    pub max_writer_lag: Duration,
    /// Ingest requests holding a body at once; more are answered 503 with `Retry-After`.
    pub ingest_requests: usize,
    /// Body bytes being decoded and written at once (see `ingest_limit.rs`).
    pub ingest_decode_bytes: usize,
    /// Sessions past this are deleted in the background (`--retention-days`); `None` keeps all.
    pub retention: Option<crate::retention::Retention>,
    /// Time between two evaluations of the alert rules (`alert/`).
    pub alert_interval: Duration,
    /// The metadata keys whose values the rollups sum by (`--rollup-metadata-keys`); a change
    /// rebuilds the rollups at start.
    pub rollup_metadata_keys: Vec<String>,
}

impl ServeConfig {
    /// Where this collector keeps its data.
    pub fn location(&self) -> crate::store::Location {
        match &self.database_url {
            Some(url) => crate::store::Location::Postgres(url.clone()),
            None => crate::store::Location::Sqlite(self.db.clone()),
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            host: DEFAULT_HOST.to_string(),
            port: DEFAULT_PORT,
            db: PathBuf::from("sentrial.db"),
            database_url: None,
            api_keys: Vec::new(),
            create_key_if_none: true,
            request_timeout: Duration::from_secs(30),
            rate_limit: None,
            failure_limit: Some(crate::rate_limit::DEFAULT_FAILURE_LIMIT),
            allowed_hosts: Vec::new(),
            public_url: None,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: default_max_connections(),
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            max_writer_lag: crate::state::DEFAULT_MAX_WRITER_LAG,
            ingest_requests: DEFAULT_INGEST_REQUESTS,
            ingest_decode_bytes: DEFAULT_DECODE_BYTES,
            retention: None,
            alert_interval: crate::alert::DEFAULT_ALERT_INTERVAL,
            rollup_metadata_keys: crate::store::DEFAULT_METADATA_KEYS
                .iter()
                .map(|k| k.to_string())
                .collect(),
        }
    }
}
