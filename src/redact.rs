//! The redaction and privacy options of a native client, converted for `sentrial-core`.

use napi_derive::napi;
use sentrial_core::redact::{self as core, Privacy, RedactConfig};

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

/// A kind of personal data PII redaction finds, as the `redact.pii` option names it. The one
/// list of the kinds: the JS layer checks `pii`'s fields against it.
#[napi(string_enum = "snake_case")]
pub enum PiiKind {
    /// E-mail addresses: `[REDACTED:email]`.
    Emails,
    /// Phone numbers (E.164, North American): `[REDACTED:phone]`.
    Phones,
    /// Payment card numbers, Luhn-checked: `[REDACTED:card]`.
    Cards,
    /// US social security numbers: `[REDACTED:ssn]`.
    Ssns,
    /// IPv4 and IPv6 addresses: `[REDACTED:ip]`.
    Ips,
}

impl From<PiiKind> for core::PiiKind {
    fn from(kind: PiiKind) -> core::PiiKind {
        match kind {
            PiiKind::Emails => core::PiiKind::Email,
            PiiKind::Phones => core::PiiKind::Phone,
            PiiKind::Cards => core::PiiKind::Card,
            PiiKind::Ssns => core::PiiKind::Ssn,
            PiiKind::Ips => core::PiiKind::Ip,
        }
    }
}

/// What a value PII redaction finds becomes.
#[napi(string_enum = "snake_case")]
pub enum PiiMode {
    /// `[REDACTED:<kind>]`. The default.
    Label,
    /// `[REDACTED:<kind>:<12 hex digits>]`: a keyed hash (HMAC-SHA256), equal values alike.
    Hash,
}

/// PII redaction settings, as the JS layer hands them over (`true` is every kind).
#[napi(object)]
pub struct PiiOptions {
    /// The kinds redacted.
    pub kinds: Vec<PiiKind>,
    /// Label (default) or hash.
    pub mode: Option<PiiMode>,
    /// The hash key; default one derived from the API key. Never logged.
    pub hash_key: Option<String>,
}

/// Secret redaction settings.
#[napi(object)]
pub struct RedactOptions {
    /// Redaction of secrets; default true.
    pub enabled: Option<bool>,
    /// Extra patterns, applied before the built-in ones.
    pub patterns: Option<Vec<RedactPattern>>,
    /// PII redaction; off by default.
    pub pii: Option<PiiOptions>,
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
        pii: o.pii.map(|p| core::PiiConfig {
            kinds: p.kinds.into_iter().map(Into::into).collect(),
            mode: match p.mode {
                Some(PiiMode::Hash) => core::PiiMode::Hash,
                Some(PiiMode::Label) | None => core::PiiMode::Label,
            },
            hash_key: p.hash_key.map(String::into_bytes),
        }),
    });
    (redact, privacy.map_or(Privacy::Full, Privacy::from))
}
