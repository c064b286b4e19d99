//! Each kind with text that must be redacted and text that must stay; label and hash modes.
//! Card numbers are the networks' published test numbers; the rest is made up.

use super::*;
use crate::redact::{Privacy, RedactConfig, Redactor};

fn redactor(kinds: &[PiiKind], mode: PiiMode, key: &[u8]) -> Redactor {
    let config = RedactConfig {
        pii: Some(PiiConfig {
            kinds: kinds.to_vec(),
            mode,
            hash_key: Some(key.to_vec()),
        }),
        ..RedactConfig::default()
    };
    Redactor::new(&config, Privacy::Full).unwrap()
}

fn all(mode: PiiMode) -> Redactor {
    redactor(&PiiKind::ALL, mode, b"test key")
}

fn redact(r: &Redactor, text: &str) -> String {
    r.redact_text(text).unwrap_or_else(|| text.to_string())
}

/// (kind, text, the value that must be gone)
const POSITIVE: &[(PiiKind, &str, &str)] = &[
    (
        PiiKind::Email,
        "mail jane.doe+tag@example.co.uk now",
        "jane.doe+tag@example.co.uk",
    ),
    (
        PiiKind::Email,
        "<Bob_99@Mail-Server.example.com>",
        "Bob_99@Mail-Server.example.com",
    ),
    (PiiKind::Email, "a@b.io", "a@b.io"),
    (PiiKind::Phone, "call (415) 555-0123 today", "555-0123"),
    (PiiKind::Phone, "call 415-555-0123.", "415-555-0123"),
    (PiiKind::Phone, "415.555.0123", "415.555.0123"),
    (PiiKind::Phone, "tel: +1 415 555 0123", "415 555 0123"),
    (PiiKind::Phone, "+1 (415) 555-0123", "555-0123"),
    (PiiKind::Phone, "1-800-555-0199 toll free", "800-555-0199"),
    (PiiKind::Phone, "UK +44 20 7946 0958", "7946 0958"),
    (PiiKind::Phone, "whatsapp +4915123456789", "4915123456789"),
    (PiiKind::Phone, "+44 20 7946 0958 0A", "7946 0958"),
    (
        PiiKind::Card,
        "visa 4111 1111 1111 1111 exp",
        "1111 1111 1111",
    ),
    (PiiKind::Card, "4111-1111-1111-1111", "1111-1111-1111"),
    (PiiKind::Card, "card=5555555555554444;", "5555555555554444"),
    (PiiKind::Card, "amex 3782 822463 10005", "822463"),
    (PiiKind::Card, "378282246310005", "378282246310005"),
    (
        PiiKind::Card,
        "discover 6011111111111117",
        "6011111111111117",
    ),
    (PiiKind::Card, "mc2 2223003122003222", "2223003122003222"),
    (
        PiiKind::Card,
        "on 2024-01-15 4111 1111 1111 1111",
        "1111 1111 1111",
    ),
    (PiiKind::Ssn, "SSN 123-45-6789.", "123-45-6789"),
    (PiiKind::Ssn, "ssn:078-05-1120", "078-05-1120"),
    (PiiKind::Ip, "from 192.168.1.20 port", "192.168.1.20"),
    (PiiKind::Ip, "client=8.8.8.8", "8.8.8.8"),
    (PiiKind::Ip, "255.255.255.255", "255.255.255.255"),
    (
        PiiKind::Ip,
        "v6 2001:db8::8a2e:370:7334 x",
        "2001:db8::8a2e:370:7334",
    ),
    (
        PiiKind::Ip,
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "85a3:0000",
    ),
    (PiiKind::Ip, "[fe80::1]:8080", "fe80::1"),
    (PiiKind::Ip, "mapped ::ffff:192.0.2.1 here", "192.0.2.1"),
];

/// Text no PII kind may change.
const NEGATIVE: &[&str] = &[
    "2024-01-15",
    "at 2024-01-15T10:30:00.000Z and 2024-01-15T10:30:00+02:00",
    "session 3f0c2a1e-7d0b-4b8e-9a63-0c7f5c2d9e11 started",
    "ts 1700000000000 ms",
    "prompt_tokens=123456789 completion_tokens=4567",
    "version 1.2.3 and 10.0.19045",
    "1.2.3.4.5",
    "999.1.1.1",
    "4111 1111 1111 1112",
    "4111111111111112",
    "1234567890123456",
    "000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000",
    "ref 2024-123-45-6789-x",
    "123-555-0123 and 415-155-0123",
    "4155550123",
    "std::net::Ipv6Addr and a::b and Foo::bar()",
    "at 10:30:00 and 12:30",
    "mac 00:1a:2b:3c:4d:5e",
    "x+12345678901",
    "user@localhost and @scope/pkg and npm i foo@1.2.3",
    "total 3+4=7",
    "[REDACTED:email]",
];

#[test]
fn every_positive_sample_is_redacted_with_its_kind() {
    let r = all(PiiMode::Label);
    for (kind, text, value) in POSITIVE {
        let out = redact(&r, text);
        assert!(!out.contains(value), "{kind:?}: {value} left in {out:?}");
        let marker = format!("[REDACTED:{}]", kind.label());
        assert!(out.contains(&marker), "{kind:?}: no {marker} in {out:?}");
    }
}

#[test]
fn negative_samples_are_left_alone() {
    let r = all(PiiMode::Label);
    for text in NEGATIVE {
        assert_eq!(r.redact_text(text), None, "changed: {text:?}");
    }
}

#[test]
fn every_kind_has_samples() {
    for kind in PiiKind::ALL {
        assert!(POSITIVE.iter().any(|(k, _, _)| *k == kind), "{kind:?}");
    }
}

#[test]
fn only_the_kinds_asked_for_are_redacted() {
    let text = "jane@example.com 415-555-0123 4111111111111111 123-45-6789 10.0.0.1";
    for kind in PiiKind::ALL {
        let out = redact(&redactor(&[kind], PiiMode::Label, b"k"), text);
        let markers: Vec<&str> = PiiKind::ALL
            .iter()
            .map(|k| k.label())
            .filter(|l| out.contains(&format!("[REDACTED:{l}]")))
            .collect();
        assert_eq!(markers, [kind.label()], "{out}");
    }
    assert_eq!(
        redact(&all(PiiMode::Label), text),
        "[REDACTED:email] [REDACTED:phone] [REDACTED:card] [REDACTED:ssn] [REDACTED:ip]"
    );
    let none = Redactor::new(&RedactConfig::default(), Privacy::Full).unwrap();
    assert_eq!(none.redact_text(text), None, "off by default");
}

#[test]
fn hash_mode_joins_equal_values_and_depends_on_the_key() {
    let r = all(PiiMode::Hash);
    let out = redact(
        &r,
        "from jane@example.com to JANE@Example.com, bob@example.com",
    );
    let hashes: Vec<&str> = out
        .split("[REDACTED:email:")
        .skip(1)
        .map(|rest| &rest[..rest.find(']').unwrap()])
        .collect();
    assert_eq!(hashes.len(), 3, "{out}");
    assert!(hashes
        .iter()
        .all(|h| h.len() == HASH_HEX_DIGITS && h.bytes().all(|b| b.is_ascii_hexdigit())));
    assert_eq!(hashes[0], hashes[1], "case of an address does not count");
    assert_ne!(hashes[0], hashes[2]);
    // One number in its different spellings: one hash.
    let phones = [
        "(415) 555-0123",
        "415-555-0123",
        "+1 415 555 0123",
        "+14155550123",
    ];
    let marked: Vec<String> = phones.iter().map(|p| redact(&r, p)).collect();
    assert!(marked[0].starts_with("[REDACTED:phone:"), "{marked:?}");
    assert!(marked.iter().all(|m| m == &marked[0]), "{marked:?}");
    assert_eq!(
        redact(&r, "4111 1111 1111 1111"),
        redact(&r, "4111111111111111")
    );
    assert_eq!(redact(&r, "2001:DB8:0::1"), redact(&r, "2001:db8::1"));
    // Another key, another hash; the same kind and value under one key, the same hash.
    let other = redactor(&PiiKind::ALL, PiiMode::Hash, b"another key");
    assert_ne!(
        redact(&r, "jane@example.com"),
        redact(&other, "jane@example.com")
    );
    assert_eq!(
        redact(&r, "jane@example.com"),
        redact(&all(PiiMode::Hash), "jane@example.com")
    );
    // Label mode shows no hash.
    assert_eq!(
        redact(&all(PiiMode::Label), "jane@example.com"),
        "[REDACTED:email]"
    );
}

#[test]
fn the_default_key_follows_the_api_key() {
    assert_eq!(derive_key("sk_a"), derive_key("sk_a"));
    assert_ne!(derive_key("sk_a"), derive_key("sk_b"));
    assert_ne!(derive_key("sk_a"), b"sk_a".to_vec());
    assert_ne!(derive_key(""), derive_key(""), "no API key: a random key");
}

#[test]
fn secrets_go_first_and_keep_their_markers() {
    let r = all(PiiMode::Hash);
    let out = redact(
        &r,
        "postgres://jane:hunter2-FAKE@10.0.0.5:5432/db jane@example.com",
    );
    assert!(out.contains("[REDACTED:url_password]"), "{out}");
    assert!(out.contains("[REDACTED:ip:"), "{out}");
    assert!(out.contains("[REDACTED:email:"), "{out}");
    // A hash's digits are never taken for a number.
    assert_eq!(r.redact_text(&out), None, "{out}");
}

#[test]
fn pii_applies_with_secret_redaction_off_and_to_keys_and_values() {
    let config = RedactConfig {
        enabled: false,
        pii: Some(PiiConfig {
            kinds: vec![PiiKind::Email],
            ..PiiConfig::default()
        }),
        ..RedactConfig::default()
    };
    let r = Redactor::new(&config, Privacy::Full).unwrap();
    let mut v = serde_json::json!({
        "jane@example.com": ["write to jane@example.com", {"password": "FAKEpw"}],
    });
    r.apply(&mut v);
    assert_eq!(
        v,
        serde_json::json!({
            "[REDACTED:email]": ["write to [REDACTED:email]", {"password": "FAKEpw"}],
        })
    );
}

#[test]
fn the_key_is_not_in_the_debug_form() {
    let config = PiiConfig {
        kinds: vec![PiiKind::Email],
        mode: PiiMode::Hash,
        hash_key: Some(b"very secret key".to_vec()),
    };
    assert!(!format!("{config:?}").contains("very secret"));
}

#[test]
fn luhn_is_the_checksum() {
    assert!(detect::luhn("79927398713"));
    assert!(!detect::luhn("79927398710"));
}
