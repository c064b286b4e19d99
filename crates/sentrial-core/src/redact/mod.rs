//! Secrets and privacy: what is removed from an event before it is queued, spooled or sent.
//!
//! A [`Redactor`] is built once per tracker from [`RedactConfig`] and [`Privacy`], and applied in
//! one place: the worker's `emit`, to every event ([`Redactor::event_json`]). In order:
//!
//! 1. the privacy mode blanks whole fields (prompts, tool inputs, outputs; see [`Privacy`]);
//! 2. every string of the event's `data` is cut to [`MAX_TEXT_BYTES`] (plus a margin, so a secret
//!    on the cut is still whole when patterns run);
//! 3. every object key named like a secret (see [`keys`]) has its string values replaced;
//! 4. every string and object key is matched against the built-in [`patterns`] and the user's;
//!    what matches becomes `[REDACTED:<kind>]`; then, when asked for, against the [`pii`]
//!    detectors (e-mails, phones, cards, SSNs, IPs);
//! 5. every string is cut to [`MAX_TEXT_BYTES`] with the marker of [`crate::truncate`] giving its
//!    original size.
//!
//! A [`regex::RegexSet`] over all patterns is the prefilter: a string no pattern matches is
//! scanned once and left as it is (no copy).

mod keys;
pub mod patterns;
pub mod pii;
mod privacy;

use regex::{Regex, RegexSet};
use sentrial_protocol::Event;
use serde_json::{Map, Value};
use std::borrow::Cow;

pub use pii::{PiiConfig, PiiKind, PiiMode};
pub use privacy::Privacy;

/// Largest stored text: every string of an event is cut to this many bytes (256 KiB), ending with
/// `…[truncated by sentrial: N bytes]` (N the original size).
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// Text past the cap kept while patterns run, so a secret across the cut is still seen whole
/// (and a PEM block longer than this is still removed: an unterminated block is removed to the end).
const SCAN_MARGIN_BYTES: usize = 64 * 1024;

/// Strings shorter than this hold no secret any pattern knows (the shortest is `password=x`).
const MIN_SECRET_TEXT: usize = 8;

/// Start of every redaction marker.
pub const MARKER_PREFIX: &str = "[REDACTED:";

/// The marker for a kind: `[REDACTED:<kind>]`.
pub fn marker(kind: &str) -> String {
    format!("{MARKER_PREFIX}{kind}]")
}

/// User settings of redaction.
#[derive(Debug, Clone)]
pub struct RedactConfig {
    /// Redaction of secrets (patterns and key names). On by default; the size cap applies anyway.
    pub enabled: bool,
    /// Extra patterns as `(kind, regex)`, `regex` crate syntax; the marker says `kind`.
    pub patterns: Vec<(String, String)>,
    /// PII redaction; off (`None`) by default. Applies whether or not `enabled` is.
    pub pii: Option<PiiConfig>,
}

impl Default for RedactConfig {
    fn default() -> Self {
        RedactConfig {
            enabled: true,
            patterns: Vec::new(),
            pii: None,
        }
    }
}

/// A user pattern that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("invalid redact pattern {pattern:?}: {reason}")]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// The regex crate's message.
    pub reason: String,
}

struct Rule {
    marker: String,
    regex: Regex,
    /// Whether the pattern has capture groups (then only the first participating one is replaced).
    grouped: bool,
}

/// Removes secrets, applies the privacy mode and caps texts; built once per tracker.
pub struct Redactor {
    enabled: bool,
    privacy: Privacy,
    set: RegexSet,
    rules: Vec<Rule>,
    pii: Option<pii::Pii>,
}

impl Redactor {
    /// Compiles the built-in patterns and `config.patterns`.
    pub fn new(config: &RedactConfig, privacy: Privacy) -> Result<Redactor, PatternError> {
        let mut sources: Vec<(String, String)> = patterns::BUILTIN
            .iter()
            .map(|p| (p.kind.to_string(), p.regex.to_string()))
            .collect();
        // User patterns run first: what they name, they name.
        for (kind, regex) in config.patterns.iter().rev() {
            let kind = sanitize_kind(kind);
            sources.insert(0, (kind, regex.clone()));
        }
        let mut rules = Vec::with_capacity(sources.len());
        for (kind, source) in &sources {
            let regex = regex::RegexBuilder::new(source)
                .size_limit(1 << 22)
                .build()
                .map_err(|e| PatternError {
                    pattern: source.clone(),
                    reason: e.to_string(),
                })?;
            rules.push(Rule {
                marker: marker(kind),
                grouped: regex.captures_len() > 1,
                regex,
            });
        }
        let set = RegexSet::new(sources.iter().map(|(_, s)| s)).map_err(|e| PatternError {
            pattern: "(all patterns together)".into(),
            reason: e.to_string(),
        })?;
        Ok(Redactor {
            enabled: config.enabled,
            privacy,
            set,
            rules,
            pii: config.pii.as_ref().and_then(pii::Pii::new),
        })
    }

    /// Built-in patterns only, privacy `full`: for scrubbing text before it is logged.
    pub fn builtin() -> &'static Redactor {
        static BUILTIN: once_cell::sync::Lazy<Redactor> = once_cell::sync::Lazy::new(|| {
            Redactor::new(&RedactConfig::default(), Privacy::Full).expect("built-in patterns")
        });
        &BUILTIN
    }

    /// Serializes `event` with the privacy mode, size cap and redaction applied to its `data`.
    pub fn event_json(&self, event: &Event) -> serde_json::Result<Vec<u8>> {
        let mut value = serde_json::to_value(event)?;
        self.apply_event(&mut value);
        serde_json::to_vec(&value)
    }

    /// [`Redactor::event_json`] on an event already as JSON (`{type, data, ...}`).
    pub fn apply_event(&self, event: &mut Value) {
        let Value::Object(ev) = event else { return };
        let kind = ev
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(data) = ev.get_mut("data") {
            self.privacy.apply(&kind, data);
            self.apply(data);
        }
    }

    /// Caps and redacts every string and key in `value`, in place.
    pub fn apply(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.apply_string(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            Value::Object(map) => self.apply_object(map),
            _ => {}
        }
    }

    fn apply_object(&self, map: &mut Map<String, Value>) {
        let renamed = self.rewrites()
            && map
                .keys()
                .any(|k| k.len() > MAX_TEXT_BYTES || self.redact_text(k).is_some());
        if renamed {
            let old = std::mem::take(map);
            for (k, v) in old {
                let mut k = self.redact_text(&k).unwrap_or(k);
                crate::truncate::cut_text(&mut k, MAX_TEXT_BYTES);
                map.insert(k, v);
            }
        }
        for (k, v) in map.iter_mut() {
            match (self.enabled, keys::sensitive(k)) {
                (true, Some(kind)) => keys::replace_strings(v, &marker(kind)),
                _ => self.apply(v),
            }
        }
    }

    fn apply_string(&self, s: &mut String) {
        if s.len() > MAX_TEXT_BYTES + SCAN_MARGIN_BYTES {
            crate::truncate::cut_text(s, MAX_TEXT_BYTES + SCAN_MARGIN_BYTES);
        }
        if self.rewrites() {
            if let Some(clean) = self.redact_text(s) {
                *s = clean;
            }
        }
        crate::truncate::cut_text(s, MAX_TEXT_BYTES);
    }

    /// Whether texts are rewritten at all (secrets or PII), beyond the cap.
    fn rewrites(&self) -> bool {
        self.enabled || self.pii.is_some()
    }

    /// `text` with every secret (when on) and then every PII value (when on) replaced by
    /// markers; `None` when nothing matched.
    pub fn redact_text(&self, text: &str) -> Option<String> {
        let secrets = match self.enabled {
            true => self.redact_secrets(text),
            false => None,
        };
        let Some(pii) = &self.pii else {
            return secrets;
        };
        if text.len() < pii::MIN_PII_TEXT {
            return None;
        }
        pii.redact(secrets.as_deref().unwrap_or(text)).or(secrets)
    }

    /// `text` with every secret pattern's matches replaced by markers; `None` when none matched.
    fn redact_secrets(&self, text: &str) -> Option<String> {
        if text.len() < MIN_SECRET_TEXT {
            return None;
        }
        let hits = self.set.matches(text);
        if !hits.matched_any() {
            return None;
        }
        let mut out = Cow::Borrowed(text);
        for i in hits.iter() {
            if let Some(replaced) = self.rules[i].replace(&out) {
                out = Cow::Owned(replaced);
            }
        }
        match out {
            Cow::Owned(s) => Some(s),
            Cow::Borrowed(_) => None,
        }
    }

    /// `text` as it may appear in a log line: built-in patterns applied, at most `max` bytes.
    pub fn scrub_for_log(text: &str, max: usize) -> String {
        let mut s = Redactor::builtin()
            .redact_text(text)
            .unwrap_or_else(|| text.to_string());
        crate::truncate::cut_text(&mut s, max);
        s
    }
}

impl Rule {
    fn replace(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut last = 0;
        for caps in self.regex.captures_iter(text) {
            let span = if self.grouped {
                caps.iter().skip(1).flatten().next()
            } else {
                caps.get(0)
            };
            let Some(span) = span else { continue };
            // Already a marker (a provider key under a secret-looking name): keep the precise one.
            if span.as_str().starts_with(MARKER_PREFIX) || span.is_empty() {
                continue;
            }
            out.push_str(&text[last..span.start()]);
            out.push_str(&self.marker);
            last = span.end();
        }
        if last == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}

/// A marker kind is shown verbatim; keep it to `[A-Za-z0-9_-]`, 1 to 40 characters.
fn sanitize_kind(kind: &str) -> String {
    let k: String = kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(40)
        .collect();
    if k.is_empty() {
        patterns::CUSTOM_KIND.to_string()
    } else {
        k
    }
}

#[cfg(test)]
mod tests;
