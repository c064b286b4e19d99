//! The Sentrial collector: receives the SDK's event batches (`POST /v1/batch`, protocol v1) and
//! OTLP/HTTP traces of GenAI spans (`POST /v1/traces`, mapped to the same events), stores them in
//! SQLite and serves them back through a small read API (`/api/sessions`) and a dashboard (`/`,
//! assets embedded in the binary).
//!
//! Three ways in:
//! - [`run_cli`]: the command line (`serve`, `key ...`, `dashboard ...`) of the `sentrial-collector`
//!   binary, which the npm package's `sentrial` command runs. It owns its tokio runtime.
//! - [`serve`]: run a collector on the caller's runtime until a shutdown future resolves.
//! - [`Server::bind`] then [`Server::run`]: the same in two steps, so a caller (a test) can learn the
//!   bound address first, e.g. with port 0.
//!
//! `docs/protocol.md` describes the wire protocol and the read API this crate implements.

pub mod alert;
mod alerts_api;
mod analytics_api;
mod auth;
mod banner;
mod cli;
mod compare_api;
mod config;
mod connections;
mod dashboard;
pub mod detect;
mod error;
mod export_api;
mod export_md;
mod health;
mod ingest;
pub mod ingest_limit;
mod issue_settings_api;
mod issues_api;
mod keyring;
mod keys_api;
mod logging;
mod metric_params;
mod otlp;
mod params;
mod rate_limit;
mod read_api;
pub mod retention;
mod retention_api;
mod router;
mod scope;
mod scores_api;
mod server;
mod site;
mod state;
pub mod store;
mod time;
mod tls;
mod user_api;
mod users_api;
mod value_count;
mod values_api;
mod views_api;

pub use auth::{hash_key, new_key, Caller, DEFAULT_PROJECT, KEY_CACHE_TTL};
pub use banner::KeyInfo;
pub use cli::run_cli;
pub use config::{
    default_max_connections, ServeConfig, DEFAULT_HEADER_TIMEOUT, DEFAULT_HOST, DEFAULT_PORT,
    DEFAULT_SHUTDOWN_GRACE, MAX_BODY_BYTES,
};
pub use error::{AppError, CollectorError};
pub use rate_limit::{RateLimit, DEFAULT_FAILURE_LIMIT, DEFAULT_RATE_LIMIT};
pub use router::router;
pub use scope::{Scope, Scopes};
pub use server::{serve, Server};
pub use state::AppState;
pub use time::{iso8601, parse_time, Timestamp};
