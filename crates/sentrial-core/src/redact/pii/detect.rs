//! The detectors of each kind: a candidate pattern and a check of what it found.
//!
//! Left alone on purpose: dates and ISO timestamps (`2024-01-15T10:30:00Z`), versions
//! (`1.2.3`), UUIDs, token counts and ms timestamps (`1700000000000`: no card starts with 1),
//! digit runs inside longer ones, times (`10:30:00`) and Rust paths (`std::net`). Four-part
//! versions (`1.2.3.4`) look like IPv4 addresses and are taken for them.

use std::net::Ipv6Addr;
use std::ops::Range;

use super::PiiKind;

/// A candidate's check: given the whole text and the candidate's span, where the value ends (a
/// check may take less than the candidate) and its normal form (what hash mode hashes, so
/// `(415) 555-0123` and `+14155550123` hash alike); `None` when it is no value.
pub(super) type Check = fn(&str, Range<usize>) -> Option<(usize, String)>;

/// A candidate pattern and its check.
pub(super) struct Detector {
    pub regex: &'static str,
    pub check: Check,
}

/// The detectors of `kind`, in the order they run.
pub(super) fn detectors(kind: PiiKind) -> &'static [Detector] {
    match kind {
        PiiKind::Email => &[Detector {
            // // RFC 5322's usual subset; every part bounded, so a failed candidate is cheap to retry.
            regex: r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,8}\.[A-Za-z]{2,24}",
            check: |t, s| email(t, s.clone()).map(|n| (s.end, n)),
        }],
        PiiKind::Card => &[Detector {
            // 13 to 19 digits, whole or in the printed groups (4-4-4-4[-3], Amex's 4-6-5).
            regex: r"[0-9]{13,19}|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{1,7}|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}",
            check: |t, s| card(t, s.clone()).map(|n| (s.end, n)),
        }],
        PiiKind::Ssn => &[Detector {
            regex: r"[0-9]{3}-[0-9]{2}-[0-9]{4}",
            check: |t, s| ssn(t, s.clone()).map(|n| (s.end, n)),
        }],
        PiiKind::Phone => &[
            Detector {
                // (415) 555-0123, 415-555-0123, 415.555.0123, +1 415 555 0123 (not bare digits:
                // those are counts as often as numbers).
                regex: r"(?:\+?1[ .-])?(?:\([0-9]{3}\) ?|[0-9]{3}[.-]|[0-9]{3} )[0-9]{3}[.-][0-9]{4}",
                check: |t, s| nanp(t, s.clone()).map(|n| (s.end, n)),
            },
            Detector {
                // E.164: + and 8 to 15 digits, single spaces or dashes between them.
                regex: r"\+[0-9](?:[ -]?[0-9]){7,14}",
                check: e164,
            },
        ],
        PiiKind::Ip => &[
            Detector {
                regex: r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:\.[0-9]{1,3}){0,3}",
                check: |t, s| ipv6(t, s.clone()).map(|n| (s.end, n)),
            },
            Detector {
                regex: r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}",
                check: |t, s| ipv4(t, s.clone()).map(|n| (s.end, n)),
            },
        ],
    }
}

/// The character before `span` (`None` at the start).
fn before(text: &str, span: &Range<usize>) -> Option<char> {
    text[..span.start].chars().next_back()
}

/// The character after `span` and the one after it.
fn after(text: &str, span: &Range<usize>) -> (Option<char>, Option<char>) {
    let mut rest = text[span.end..].chars();
    (rest.next(), rest.next())
}

/// Whether a digit run at `span` stands alone: no letter or digit touches it, and no `.`, `-`
/// or `+` joins it to another number (`1.2.3.4.5`, `2024-123-45-6789`).
fn stands_alone(text: &str, span: &Range<usize>) -> bool {
    let joined = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let joiner = |c: Option<char>| matches!(c, Some('.' | '-' | '+' | ','));
    let prev = before(text, span);
    let prev2 = prev.and_then(|p| text[..span.start - p.len_utf8()].chars().next_back());
    let (next, next2) = after(text, span);
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let touches = joined(prev) || joined(next);
    let continues = joiner(prev) && digit(prev2) || joiner(next) && digit(next2);
    !touches && !continues
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn email(text: &str, span: Range<usize>) -> Option<String> {
    let local_char = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
    if before(text, &span).is_some_and(local_char) {
        return None;
    }
    let value = &text[span];
    let local = &value[..value.find('@')?];
    (!local.starts_with('.') && !local.ends_with('.')).then(|| value.to_ascii_lowercase())
}

fn card(text: &str, span: Range<usize>) -> Option<String> {
    if !stands_alone(text, &span) {
        return None;
    }
    let d = digits(&text[span]);
    (issued(&d) && luhn(&d)).then_some(d)
}

/// Whether `d` has a card issuer's prefix and length (Visa, Mastercard, Amex, Discover, JCB,
/// Diners, UnionPay, Maestro). Keeps ms timestamps and other long counts out.
fn issued(d: &str) -> bool {
    let n = d.len();
    let p = |k: usize| d[..k].parse::<u32>().unwrap_or(0);
    match d.as_bytes()[0] {
        b'4' => matches!(n, 13 | 16 | 19),
        b'5' => (51..=55).contains(&p(2)) && n == 16,
        b'2' => (2221..=2720).contains(&p(4)) && n == 16,
        b'3' => match p(2) {
            34 | 37 => n == 15,
            30 | 36 | 38 | 39 => (14..=19).contains(&n),
            35 => (16..=19).contains(&n),
            _ => false,
        },
        b'6' => (16..=19).contains(&n),
        _ => false,
    }
}

/// The Luhn checksum of a digit string.
pub(super) fn luhn(d: &str) -> bool {
    let sum: u32 = d
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            match i % 2 {
                1 if v * 2 > 9 => v * 2 - 9,
                1 => v * 2,
                _ => v,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn ssn(text: &str, span: Range<usize>) -> Option<String> {
    if !stands_alone(text, &span) {
        return None;
    }
    let value = &text[span];
    let (area, group, serial) = (&value[..3], &value[4..6], &value[7..]);
    let valid = area != "000" && area != "666" && !area.starts_with('9');
    (valid && group != "00" && serial != "0000").then(|| digits(value))
}

fn nanp(text: &str, span: Range<usize>) -> Option<String> {
    let value = &text[span.clone()];
    // A `(` or `+` starts the match: only what comes before it must not be a word.
    if !stands_alone(text, &span) {
        return None;
    }
    let d = digits(value);
    let d = if d.len() == 11 { &d[1..] } else { &d };
    let (area, exchange) = (d.as_bytes()[0], d.as_bytes()[3]);
    (area >= b'2' && exchange >= b'2').then(|| format!("+1{d}"))
}

fn e164(text: &str, span: Range<usize>) -> Option<(usize, String)> {
    let prev = before(text, &span);
    if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ')') {
        return None;
    }
    // The pattern takes every group it can: `+44 20 7946 0958 0A` ends before ` 0A`.
    let mut end = span.end;
    loop {
        let value = &text[span.start..end];
        let next = text[end..].chars().next();
        let d = digits(value);
        if d.len() < 8 {
            return None;
        }
        if !next.is_some_and(|c| c.is_alphanumeric()) {
            return Some((end, format!("+{d}")));
        }
        end = span.start + value.rfind([' ', '-'])?;
    }
}

fn ipv4(text: &str, span: Range<usize>) -> Option<String> {
    if !stands_alone(text, &span) {
        return None;
    }
    let octets: Option<Vec<u8>> = text[span].split('.').map(|o| o.parse().ok()).collect();
    let o = octets?;
    Some(format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3]))
}

fn ipv6(text: &str, span: Range<usize>) -> Option<String> {
    let value = &text[span.clone()];
    let word =
        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.'));
    if word(before(text, &span)) || word(after(text, &span).0) {
        return None;
    }
    // Two groups at least, one with a digit: `fe80::1`, not `std::` nor `a::b`.
    let groups: Vec<&str> = value.split(':').filter(|g| !g.is_empty()).collect();
    if groups.len() < 2 || !value.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<Ipv6Addr>().ok().map(|ip| ip.to_string())
}
