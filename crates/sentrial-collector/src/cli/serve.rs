//! `sentrial serve`: its flags as a [`ServeConfig`], with the keys given on the command line,
//! in `SENTRIAL_API_KEYS` and in `--api-key-file` files, and a warning for each short one.

use std::time::Duration;

use crate::config::ServeConfig;
use crate::error::CollectorError;
use crate::rate_limit::{RateLimit, DEFAULT_FAILURE_LIMIT};
use crate::retention::Retention;

use super::args::ServeArgs;

/// Environment variable with more API keys, comma-separated.
const KEYS_ENV: &str = "SENTRIAL_API_KEYS";

/// Keys shorter than this are warned about: a minted key is 60 characters (192 random bits).
pub(super) const SHORT_KEY: usize = 24;

/// The collector `args` describe.
pub(super) fn config(args: ServeArgs) -> Result<ServeConfig, CollectorError> {
    let mut api_keys = args.api_keys;
    let on_command_line = !api_keys.is_empty();
    if let Ok(list) = std::env::var(KEYS_ENV) {
        api_keys.extend(list.split(',').map(str::to_string));
    }
    for path in &args.api_key_files {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CollectorError::Usage(format!(
                "cannot read --api-key-file {}: {e}",
                path.display()
            ))
        })?;
        api_keys.extend(keys_in_file(&text));
    }
    api_keys.retain(|k| !k.trim().is_empty());
    warn_short_keys(&api_keys, on_command_line);
    Ok(ServeConfig {
        host: args.host,
        port: args.port,
        db: args.db.db,
        database_url: args.db.database_url,
        api_keys,
        rate_limit: (args.rate_limit.is_finite() && args.rate_limit > 0.0).then_some(RateLimit {
            per_second: args.rate_limit,
            burst: args.rate_burst.max(1),
        }),
        failure_limit: (args.failed_auth_limit > 0).then_some(RateLimit {
            burst: args.failed_auth_limit,
            ..DEFAULT_FAILURE_LIMIT
        }),
        allowed_hosts: args.allowed_hosts,
        public_url: args.public_url,
        retention: args.retention_days.map(|days| Retention {
            keep: Duration::from_secs(u64::from(days) * 86_400),
            every: crate::retention::DEFAULT_INTERVAL,
        }),
        alert_interval: std::time::Duration::from_secs(args.alert_interval_secs),
        rollup_metadata_keys: args
            .rollup_metadata_keys
            .into_iter()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        ..ServeConfig::default()
    })
}

/// The keys of a key file: one a line, blank lines and `#` comments skipped.
fn keys_in_file(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
}

/// Warns (without the key) about each given key shorter than [`SHORT_KEY`].
fn warn_short_keys(keys: &[String], on_command_line: bool) {
    for key in keys.iter().filter(|k| k.trim().chars().count() < SHORT_KEY) {
        let len = key.trim().chars().count();
        let hint = if on_command_line {
            "; keys on the command line also show in `ps`: put keys in a file for --api-key-file"
        } else {
            ""
        };
        eprintln!(
            "warning: a given API key is only {len} characters long and easy to guess; use a \
             minted one (`sentrial key new`, 60 characters){hint}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_skip_blank_lines_and_comments() {
        let keys: Vec<String> = keys_in_file("# ours\n k1 \n\nk2\n").collect();
        assert_eq!(keys, ["k1", "k2"]);
    }
}
