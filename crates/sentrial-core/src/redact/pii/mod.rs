//! PII redaction, opt-in: e-mail addresses, phone numbers, card numbers, US social security
//! numbers and IP addresses, each on or off, replaced by `[REDACTED:<kind>]` (label mode) or by
//! `[REDACTED:<kind>:<12 hex digits>]` (hash mode: a keyed hash of the value, so equal values stay
//! joinable and nobody without the key can test a guess).
//!
//! A regular expression finds candidates (linear time, like the secret patterns); a check in code
//! keeps only real ones: Luhn and an issuer's prefix for cards, the assigned ranges for SSNs,
//! octets up to 255 for IPv4, [`std::net::Ipv6Addr`] for IPv6, NANP's area and exchange rules for
//! phones, and for all, what surrounds the match (a digit run inside a longer one is no hit).
//! See [`detect`] for each kind and the text they leave alone.
//!
//! Cost (`cargo run --release -p sentrial-core --example redaction`, µs per event, secrets only →
//! with PII, two runs): a 200 B prompt 45–51 → 45–49; 4 KB of log lines 1,260–1,390 →
//! 1,300–1,440; 64 KB of log lines 20,100–20,800 → 21,200–31,300; 256 KB of digits, every
//! position a candidate, 34,400–53,300 → 56,300–93,600. Linear: see `Markers`.

mod detect;
mod hash;

use regex::{Regex, RegexSet};

use super::MARKER_PREFIX;
pub use hash::{derive_key, HASH_HEX_DIGITS};

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    /// E-mail addresses: `[REDACTED:email]`.
    Email,
    /// Phone numbers, E.164 (`+14155550123`) and North American (`(415) 555-0123`):
    /// `[REDACTED:phone]`.
    Phone,
    /// Payment card numbers, Luhn-checked: `[REDACTED:card]`.
    Card,
    /// US social security numbers (`123-45-6789`): `[REDACTED:ssn]`.
    Ssn,
    /// IPv4 and IPv6 addresses: `[REDACTED:ip]`.
    Ip,
}

impl PiiKind {
    /// Every kind, in the order they are applied.
    pub const ALL: [PiiKind; 5] = [
        PiiKind::Email,
        PiiKind::Card,
        PiiKind::Ssn,
        PiiKind::Phone,
        PiiKind::Ip,
    ];

    /// The marker's kind: `[REDACTED:<label>]`.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Card => "card",
            PiiKind::Ssn => "ssn",
            PiiKind::Ip => "ip",
        }
    }
}

/// What a value found becomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PiiMode {
    /// `[REDACTED:<kind>]`. The default.
    #[default]
    Label,
    /// `[REDACTED:<kind>:<hash>]`, the hash keyed by [`PiiConfig::hash_key`].
    Hash,
}

/// User settings of PII redaction.
#[derive(Clone, Default)]
pub struct PiiConfig {
    /// The kinds redacted; any order, repeats ignored.
    pub kinds: Vec<PiiKind>,
    /// Label or hash.
    pub mode: PiiMode,
    /// The key of hash mode. `None`: the tracker derives one from the API key (see
    /// [`derive_key`]), so equal values hash alike across the runs of one project.
    pub hash_key: Option<Vec<u8>>,
}

impl std::fmt::Debug for PiiConfig {
    // Never the key: a config can end up in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiiConfig")
            .field("kinds", &self.kinds)
            .field("mode", &self.mode)
            .field("hash_key", &self.hash_key.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The shortest text that can hold any kind (`a@b.io`).
pub(super) const MIN_PII_TEXT: usize = 6;

struct Rule {
    kind: PiiKind,
    regex: Regex,
    /// Where the value ends and its normal form (what is hashed); `None` when it is no value.
    check: detect::Check,
}

/// The compiled PII redaction of one tracker.
pub(super) struct Pii {
    set: RegexSet,
    rules: Vec<Rule>,
    key: Option<Vec<u8>>,
}

impl Pii {
    /// The detectors of `config.kinds`, in [`PiiKind::ALL`]'s order; `None` when no kind is on.
    pub(super) fn new(config: &PiiConfig) -> Option<Pii> {
        let rules: Vec<Rule> = PiiKind::ALL
            .into_iter()
            .filter(|k| config.kinds.contains(k))
            .flat_map(|kind| detect::detectors(kind).iter().map(move |d| (kind, d)))
            .map(|(kind, d)| Rule {
                kind,
                regex: Regex::new(d.regex).expect("built-in PII pattern"),
                check: d.check,
            })
            .collect();
        if rules.is_empty() {
            return None;
        }
        let set = RegexSet::new(rules.iter().map(|r| r.regex.as_str())).expect("PII patterns");
        let key = match config.mode {
            PiiMode::Label => None,
            // The tracker fills in the default; a key-less hash config still never labels alike
            // values apart, nor leaks them.
            PiiMode::Hash => Some(config.hash_key.clone().unwrap_or_default()),
        };
        Some(Pii { set, rules, key })
    }

    /// `text` with every value found replaced; `None` when none was.
    pub(super) fn redact(&self, text: &str) -> Option<String> {
        let hits = self.set.matches(text);
        if !hits.matched_any() {
            return None;
        }
        let mut out: Option<String> = None;
        for i in hits.iter() {
            let current = out.as_deref().unwrap_or(text);
            if let Some(replaced) = self.replace(&self.rules[i], current) {
                out = Some(replaced);
            }
        }
        out
    }

    fn replace(&self, rule: &Rule, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut last = 0;
        let mut from = 0;
        let mut markers = Markers::new(text);
        while let Some(m) = rule.regex.find_at(text, from) {
            let normal = match markers.inside(m.start()) {
                true => None,
                false => (rule.check)(text, m.range()),
            };
            let Some((end, normal)) = normal else {
                // Not one; one may still start inside it (a card after a date's digits). Every
                // pattern's match is bounded, so this retry costs a bounded amount per character.
                let step = text[m.start()..].chars().next().map_or(1, char::len_utf8);
                from = m.start() + step;
                continue;
            };
            from = end;
            out.push_str(&text[last..m.start()]);
            out.push_str(MARKER_PREFIX);
            out.push_str(rule.kind.label());
            if let Some(key) = &self.key {
                out.push(':');
                out.push_str(&hash::digest(key, rule.kind, &normal));
            }
            out.push(']');
            last = end;
        }
        if last == 0 {
            return None;
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}

/// The markers already in a text (`[REDACTED:...]`, left by a secret pattern or an earlier
/// rule), asked about in increasing positions: a hash's digits are no phone number. One pass over
/// the text in all, however many candidates there are.
struct Markers<'a> {
    text: &'a str,
    /// The marker found last at or after the position last asked about, as a byte range.
    next: Option<std::ops::Range<usize>>,
}

impl<'a> Markers<'a> {
    fn new(text: &'a str) -> Self {
        Markers {
            text,
            next: find_marker(text, 0),
        }
    }

    /// Whether `at` is inside a marker; `at` never goes back between calls.
    fn inside(&mut self, at: usize) -> bool {
        while let Some(span) = self.next.clone() {
            if at < span.end {
                return span.start <= at;
            }
            self.next = find_marker(self.text, span.end);
        }
        false
    }
}

/// The first marker at or after `from`: `[REDACTED:` to its `]` (or the end).
fn find_marker(text: &str, from: usize) -> Option<std::ops::Range<usize>> {
    let start = from + text[from..].find(MARKER_PREFIX)?;
    let end = text[start..]
        .find(']')
        .map_or(text.len(), |i| start + i + 1);
    Some(start..end)
}

#[cfg(test)]
mod tests;
