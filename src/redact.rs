//! The redaction and privacy options of a native client, converted for `sentrial-core`.

use napi::{Error, Result, Status};
use napi_derive::napi;
use sentrial_core::redact::{Privacy, RedactConfig};

/// One extra pattern. The JS layer turns a `RegExp` into its source (flags as `(?ims)`).
#[napi(object)]
pub struct RedactPattern {
    /// What the marker says: `[REDACTED:<name>]` (default `custom`).
    pub name: Option<String>,
    /// The regular expression, `regex` crate syntax (no look-around, no backreferences).
    pub source: String,
}

/// Secret redaction settings.
#[napi(object)]
pub struct RedactOptions {
    /// Redaction of secrets; default true.
    pub enabled: Option<bool>,
    /// Extra patterns, applied before the built-in ones.
    pub patterns: Option<Vec<RedactPattern>>,
}

/// The core's settings from the options; an unknown privacy mode is an `InvalidArg` error.
pub(crate) fn config(
    redact: Option<RedactOptions>,
    privacy: Option<String>,
) -> Result<(RedactConfig, Privacy)> {
    let redact = redact.map_or_else(RedactConfig::default, |o| RedactConfig {
        enabled: o.enabled.unwrap_or(true),
        patterns: o
            .patterns
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.name.unwrap_or_default(), p.source))
            .collect(),
    });
    let privacy = match privacy.as_deref() {
        None => Privacy::Full,
        Some(name) => Privacy::parse(name).ok_or_else(|| {
            Error::new(
                Status::InvalidArg,
                format!(
                    "privacy must be 'full', 'no_inputs', 'no_outputs' or 'metadata_only', got {name:?}"
                ),
            )
        })?,
    };
    Ok((redact, privacy))
}
