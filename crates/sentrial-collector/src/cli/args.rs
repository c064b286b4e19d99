//! The command line's shape: `serve`, `key new|list|revoke|rotate`, `dashboard
//! link|sign-out-all`, `alert list|add|pause|resume|delete`, `retention set|clear|list`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{DEFAULT_HOST, DEFAULT_PORT};
use crate::rate_limit::{DEFAULT_FAILURE_LIMIT, DEFAULT_RATE_LIMIT};
use crate::store::Location;

#[derive(Debug, Parser)]
#[command(name = "sentrial", about = "The Sentrial collector", version)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives: a SQLite file, or the collectors' PostgreSQL database.
#[derive(Debug, Args)]
pub(super) struct DbArgs {
    /// SQLite database file (created when missing, readable by its owner only).
    #[arg(long, default_value = "sentrial.db")]
    pub db: PathBuf,
    /// Store in PostgreSQL instead (`postgres://user:password@host:5432/db`); several
    /// collectors may share one database. Also SENTRIAL_DATABASE_URL.
    #[arg(
        long,
        env = "SENTRIAL_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// Where they point.
    pub fn location(self) -> Location {
        match self.database_url {
            Some(url) => Location::Postgres(url),
            None => Location::Sqlite(self.db),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run the collector.
    Serve(ServeArgs),
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Manage dashboard sign-ins.
    Dashboard {
        #[command(subcommand)]
        command: DashboardCommand,
    },
    /// Manage alert rules.
    Alert {
        #[command(subcommand)]
        command: AlertCommand,
    },
    /// Manage projects' own retention (over `serve --retention-days`).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Manage the rollups (hourly sums the overview and analytics read).
    Rollup {
        #[command(subcommand)]
        command: RollupCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum RollupCommand {
    /// Recompute every rollup from the stored sessions (safe while collectors run; reads see
    /// partial sums until it ends).
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Interface to listen on.
    #[arg(long, default_value = DEFAULT_HOST)]
    pub host: String,
    /// Port to listen on; 0 picks a free port.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    #[command(flatten)]
    pub db: DbArgs,
    /// An API key for project `default`, with every scope (repeatable; also SENTRIAL_API_KEYS,
    /// comma-separated). Keys on the command line show in `ps`: prefer --api-key-file.
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,
    /// A file of API keys for project `default`, one a line (`#` starts a comment).
    #[arg(long = "api-key-file", value_name = "PATH")]
    pub api_key_files: Vec<PathBuf>,
    /// Requests per second each API key may make on average (429 with Retry-After past it;
    /// 0: no limit).
    #[arg(long = "rate-limit", value_name = "PER_SECOND", default_value_t = DEFAULT_RATE_LIMIT.per_second)]
    pub rate_limit: f64,
    /// Requests each API key may make at once, above the average rate.
    #[arg(long = "rate-burst", value_name = "N", default_value_t = DEFAULT_RATE_LIMIT.burst)]
    pub rate_burst: u32,
    /// Failed authentications (unknown keys, wrong sign-ins) a client address may make at once;
    /// one more a second after that, and 429 for everything it tries meanwhile (0: no limit).
    #[arg(long = "failed-auth-limit", value_name = "N", default_value_t = DEFAULT_FAILURE_LIMIT.burst)]
    pub failed_auth_limit: u32,
    /// Another host name the collector answers for (repeatable); besides 127.0.0.1, localhost,
    /// [::1] and --host, other `Host` headers get 421 (DNS rebinding).
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_hosts: Vec<String>,
    /// Where users reach the dashboard when not at the bound address, e.g. behind a reverse
    /// proxy: `https://sentrial.example.com`. Its host is allowed, the sign-in link uses it,
    /// and an https URL makes the cookie Secure.
    #[arg(long = "public-url", value_name = "URL")]
    pub public_url: Option<String>,
    /// Delete sessions (with everything stored about them) once they started more than this many
    /// days ago, checked every minute. Without it, everything is kept.
    #[arg(long = "retention-days", value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retention_days: Option<u32>,
    /// Seconds between two evaluations of the alert rules.
    #[arg(long = "alert-interval-secs", value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub alert_interval_secs: u64,
    /// Metadata keys whose values the rollups (the overview and analytics) sum by,
    /// comma-separated; a change rebuilds the rollups at start.
    #[arg(
        long = "rollup-metadata-keys",
        value_name = "KEYS",
        value_delimiter = ',',
        default_value = "version,environment",
        value_parser = rollup_metadata_key
    )]
    pub rollup_metadata_keys: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(super) enum KeyCommand {
    /// Mint a key, store its hash, print it once.
    New {
        #[command(flatten)]
        db: DbArgs,
        /// Project the key reads and writes.
        #[arg(long, default_value = crate::auth::DEFAULT_PROJECT)]
        project: String,
        /// What it may do: ingest (send events: what the SDK needs), read (read API and
        /// dashboard), admin (manage keys). Repeatable or comma-separated.
        #[arg(long = "scope", value_name = "SCOPE", default_value = "ingest")]
        scopes: Vec<String>,
    },
    /// List the stored keys (ids, never the keys).
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Only this project's.
        #[arg(long)]
        project: Option<String>,
    },
    /// Revoke a key: every collector refuses it within 5 seconds, and its dashboard sign-ins end.
    Revoke {
        /// The key's id, as `key list` shows it.
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Replace a key: a new one with the same project and scopes is printed once, the old one is
    /// revoked at once.
    Rotate {
        /// The key's id, as `key list` shows it.
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum DashboardCommand {
    /// Print a dashboard sign-in link (works once, for 15 minutes).
    Link {
        #[command(flatten)]
        db: DbArgs,
        /// Project it signs in to.
        #[arg(long, default_value = crate::auth::DEFAULT_PROJECT)]
        project: String,
        /// Where the dashboard is reached.
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:7878")]
        url: String,
    },
    /// Sign every browser out and void every sign-in link, on every collector of the database.
    SignOutAll {
        #[command(flatten)]
        db: DbArgs,
    },
}

// A command line is parsed once per process: the size of `Add` costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(super) enum AlertCommand {
    /// List the alert rules with their state.
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Only this project's.
        #[arg(long)]
        project: Option<String>,
    },
    /// Add an alert rule (see docs/alerts.md).
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// Project it watches.
        #[arg(long, default_value = crate::auth::DEFAULT_PROJECT)]
        project: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// cost_usd, sessions, failed_sessions, failure_rate, issues, p95_duration_ms or avg_score.
        #[arg(long)]
        metric: String,
        /// The issue kind (metric `issues`).
        #[arg(long = "issue-kind")]
        issue_kind: Option<String>,
        /// The score name (metric `avg_score`).
        #[arg(long = "score-name")]
        score_name: Option<String>,
        /// user_id or agent: one state per user or agent.
        #[arg(long = "group-by")]
        group_by: Option<String>,
        /// The window the metric is taken over, up to now.
        #[arg(long = "window-minutes")]
        window_minutes: i64,
        /// `>` or `<`.
        #[arg(long)]
        op: String,
        /// The threshold.
        #[arg(long, allow_negative_numbers = true)]
        threshold: f64,
        /// Where firings and resolves are POSTed (http:// or https://).
        #[arg(long = "webhook-url")]
        webhook_url: String,
        /// After a resolve, how long the group may not fire again.
        #[arg(long = "cooldown-minutes")]
        cooldown_minutes: Option<i64>,
        /// Add it paused.
        #[arg(long)]
        paused: bool,
    },
    /// Stop evaluating a rule.
    Pause {
        /// The rule's id, as `alert list` shows it.
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Evaluate a paused rule again.
    Resume {
        /// The rule's id.
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Delete a rule, its state and its deliveries.
    Delete {
        /// The rule's id.
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum RetentionCommand {
    /// Give a project a retention of its own: its sessions that started more than DAYS days ago
    /// are deleted, whatever `serve --retention-days` says.
    Set {
        #[command(flatten)]
        db: DbArgs,
        /// The project.
        #[arg(long, default_value = crate::auth::DEFAULT_PROJECT)]
        project: String,
        /// Days its sessions are kept.
        #[arg(long, value_name = "DAYS",
              value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::store::MAX_RETENTION_DAYS)))]
        days: u32,
    },
    /// Remove a project's own retention: `serve --retention-days` applies to it again.
    Clear {
        #[command(flatten)]
        db: DbArgs,
        /// The project.
        #[arg(long, default_value = crate::auth::DEFAULT_PROJECT)]
        project: String,
    },
    /// List the projects that have a retention of their own.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// One `--rollup-metadata-keys` entry, trimmed (blank: none): a key Compare can compare by.
fn rollup_metadata_key(entry: &str) -> Result<String, String> {
    let key = entry.trim();
    if key.is_empty() || crate::compare_api::is_metadata_key(key) {
        Ok(key.to_string())
    } else {
        Err(format!(
            "`{key}` is not a metadata key: 1 to 64 ASCII letters, digits, `_`, `-` and `.`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn rollup_metadata_keys_are_keys_compare_takes() {
        let parse = |keys: &str| {
            Cli::try_parse_from(["sentrial", "serve", "--rollup-metadata-keys", keys]).map(|cli| {
                match cli.command {
                    Command::Serve(args) => args.rollup_metadata_keys,
                    _ => unreachable!(),
                }
            })
        };
        assert_eq!(
            parse("version, team.name ,").unwrap(),
            ["version", "team.name", ""]
        );
        let err = parse("version,user@host").unwrap_err().to_string();
        assert!(err.contains("`user@host` is not a metadata key"), "{err}");
    }
}
