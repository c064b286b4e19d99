//! Key-name rules: in any JSON object (tool inputs and outputs, metadata, at any depth), the string
//! values under a key named like a secret are replaced, whatever they look like.
//!
//! A key is compared lowercased with `-`, `_`, `.` and spaces removed, so `api_key`, `apiKey`,
//! `X-Api-Key` and `API-KEY` are one name. It is sensitive when it ends with one of the names of
//! [`RULES`] (or is one of [`EXACT`]): `password`, `db_password`, `clientSecret`,
//! `accessToken`, `AWS_SECRET_ACCESS_KEY` are; `max_tokens`, `prompt_tokens`, `apiKeySource`,
//! `token_count` are not.

use serde_json::Value;

/// (normalized suffix, marker kind)
pub const RULES: &[(&str, &str)] = &[
    ("password", "password"),
    ("passwd", "password"),
    ("passphrase", "password"),
    ("secret", "secret"),
    ("secrets", "secret"),
    ("secretkey", "secret"),
    ("token", "token"),
    ("apikey", "api_key"),
    ("accesskey", "access_key"),
    ("accesskeyid", "access_key"),
    ("privatekey", "private_key"),
    ("authorization", "authorization"),
    ("cookie", "cookie"),
    ("credential", "credentials"),
    ("credentials", "credentials"),
];

/// Names sensitive only as a whole (as a suffix they are too common).
pub const EXACT: &[(&str, &str)] = &[("auth", "authorization"), ("pwd_hash", "password")];

/// The marker kind when `key` is named like a secret.
pub fn sensitive(key: &str) -> Option<&'static str> {
    if key.len() > 128 {
        return None;
    }
    let norm: String = key
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    EXACT
        .iter()
        .find(|(name, _)| norm == *name)
        .or_else(|| RULES.iter().find(|(suffix, _)| norm.ends_with(suffix)))
        .map(|(_, kind)| *kind)
}

/// Replaces every string under `v` (itself, or inside arrays and objects) by `marker`.
pub fn replace_strings(v: &mut Value, marker: &str) {
    match v {
        Value::String(s) if !s.is_empty() => *s = marker.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|x| replace_strings(x, marker)),
        Value::Object(map) => map.values_mut().for_each(|x| replace_strings(x, marker)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key names that must be recognized, with their kind.
    pub(crate) const SENSITIVE: &[(&str, &str)] = &[
        ("password", "password"),
        ("DB_PASSWORD", "password"),
        ("passwd", "password"),
        ("ssh-passphrase", "password"),
        ("secret", "secret"),
        ("client_secret", "secret"),
        ("clientSecret", "secret"),
        ("AWS_SECRET_ACCESS_KEY", "access_key"),
        ("secret_key", "secret"),
        ("token", "token"),
        ("accessToken", "token"),
        ("refresh_token", "token"),
        ("GITHUB_TOKEN", "token"),
        ("api_key", "api_key"),
        ("apiKey", "api_key"),
        ("X-Api-Key", "api_key"),
        ("ANTHROPIC_API_KEY", "api_key"),
        ("access_key", "access_key"),
        ("aws_access_key_id", "access_key"),
        ("private_key", "private_key"),
        ("privateKey", "private_key"),
        ("Authorization", "authorization"),
        ("proxy-authorization", "authorization"),
        ("auth", "authorization"),
        ("Cookie", "cookie"),
        ("set-cookie", "cookie"),
        ("credentials", "credentials"),
    ];

    /// Key names that must not be.
    pub(crate) const NOT_SENSITIVE: &[&str] = &[
        "max_tokens",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cache_read_tokens",
        "input_tokens",
        "apiKeySource",
        "token_count",
        "tokenizer",
        "author",
        "authors",
        "PWD",
        "file_path",
        "command",
        "output",
        "secretary_name",
        "password_policy",
        "cost_usd",
        "tool_use_id",
        "session_id",
    ];

    #[test]
    fn recognizes_secret_names() {
        for (key, kind) in SENSITIVE {
            assert_eq!(sensitive(key), Some(*kind), "{key}");
        }
        for key in NOT_SENSITIVE {
            assert_eq!(sensitive(key), None, "{key}");
        }
    }
}
