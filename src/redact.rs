//! The redaction and privacy options of a native client, converted for `sentrial-core`.

use napi_derive::napi;
use sentrial_core::redact::{Privacy, RedactConfig};

/// What of a session is kept (see `docs/security.md`). The one list of the modes' names: a name
/// not listed is refused when the options are read (`InvalidArg`).
#[napi(string_enum = "snake_case")]
pub enum PrivacyMode {
    /// Everything (after redaction). The default.
    Full,
    /// No prompt, user turns or tool inputs.
    NoInputs,
    /// No tool outputs or errors, no final text, no model text.
    NoOutputs,
    /// Counts, timings, tokens and cost only.
    MetadataOnly,
}

impl From<PrivacyMode> for Privacy {
    fn from(mode: PrivacyMode) -> Privacy {
        match mode {
            PrivacyMode::Full => Privacy::Full,
            PrivacyMode::NoInputs => Privacy::NoInputs,
            PrivacyMode::NoOutputs => Privacy::NoOutputs,
            PrivacyMode::MetadataOnly => Privacy::MetadataOnly,
        }
    }
}

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

/// The core's settings from the options.
pub(crate) fn config(
    redact: Option<RedactOptions>,
    privacy: Option<PrivacyMode>,
) -> (RedactConfig, Privacy) {
    let redact = redact.map_or_else(RedactConfig::default, |o| RedactConfig {
        enabled: o.enabled.unwrap_or(true),
        patterns: o
            .patterns
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.name.unwrap_or_default(), p.source))
            .collect(),
    });
    (redact, privacy.map_or(Privacy::Full, Privacy::from))
}
