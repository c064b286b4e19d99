//! The built-in secret patterns: one row per kind of secret, with the marker kind it leaves.
//!
//! Convention: when a pattern has capture groups, only the first group that took part in the match
//! is the secret and is replaced (so `postgres://app:[REDACTED:url_password]@db` keeps the user
//! and host); a pattern without groups is replaced whole. Rows are applied in order, specific
//! providers before the generic `key = value` rule, so a provider key keeps its precise marker.
//! Every row is linear-time (the `regex` crate has no backtracking). Distinctive prefixes
//! (`sk-ant-`, `ghp_`, `AIza`) match even glued to the text before them; short or generic ones
//! (`sk-`, `AKIA`) need a word boundary.

/// One built-in pattern.
pub struct Pattern {
    /// What the marker says was removed: `[REDACTED:<kind>]`.
    pub kind: &'static str,
    /// The regular expression (`regex` crate syntax).
    pub regex: &'static str,
}

/// The built-in patterns, in the order they are applied.
pub const BUILTIN: &[Pattern] = &[
    Pattern {
        kind: "private_key",
        // A PEM block; an unterminated one (cut off) is removed to the end of the text.
        regex: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\z)",
    },
    Pattern {
        kind: "anthropic_key",
        regex: r"sk-ant-[A-Za-z0-9_-]{20,}",
    },
    Pattern {
        kind: "openai_key",
        regex: r"(?-u:\b)sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,})",
    },
    Pattern {
        kind: "aws_access_key",
        regex: r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?-u:\b)",
    },
    Pattern {
        kind: "aws_secret_key",
        // 40 base64 characters are only a secret in context: a name mentioning aws and secret.
        regex: r#"(?i)aws[A-Za-z0-9_.-]{0,20}?secret[A-Za-z0-9_.-]{0,20}["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?-u:\b)"#,
    },
    Pattern {
        kind: "github_token",
        regex: r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
    },
    Pattern {
        kind: "slack_webhook",
        regex: r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,}",
    },
    Pattern {
        kind: "slack_token",
        regex: r"xox[abposre]-[A-Za-z0-9-]{10,}",
    },
    Pattern {
        kind: "stripe_key",
        regex: r"(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})",
    },
    Pattern {
        kind: "google_api_key",
        regex: r"AIza[0-9A-Za-z_-]{35}",
    },
    Pattern {
        kind: "google_oauth",
        regex: r"(?:ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[0-9A-Za-z_-]{20,})",
    },
    Pattern {
        kind: "npm_token",
        regex: r"npm_[A-Za-z0-9]{36}(?-u:\b)",
    },
    Pattern {
        kind: "huggingface_token",
        regex: r"(?-u:\b)hf_[A-Za-z0-9]{30,}",
    },
    Pattern {
        kind: "gitlab_token",
        // Personal, project and group access tokens, deploy, runner, trigger, feed and agent
        // tokens: `glpat-` and its siblings, then 20 or more.
        regex: r"(?-u:\b)gl(?:pat|dt|rt|ptt|cbt|imt|ft|soat|agent|oas)-[A-Za-z0-9_-]{20,}",
    },
    Pattern {
        kind: "azure_key",
        // The key of an Azure storage (`AccountKey=`) or Service Bus / Event Hubs
        // (`SharedAccessKey=`) connection string: only the key goes.
        regex: r"(?i)(?-u:\b)(?:AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{20,}={0,2})",
    },
    Pattern {
        kind: "sentrial_key",
        regex: r"sk_sentrial_[0-9a-f]{16,}",
    },
    Pattern {
        kind: "jwt",
        regex: r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    },
    Pattern {
        kind: "url_password",
        // scheme://user:PASSWORD@host: only the password goes.
        regex: r"(?i)(?-u:\b)[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{0,128}:([^\s/@]{1,256})@",
    },
    Pattern {
        kind: "authorization",
        // `Authorization: Bearer x`, `Authorization: Basic x`, `-H "Authorization: x"`, `Bearer x`.
        // A value without a scheme, or after a bare `bearer`, must look like a credential (12+).
        regex: r#"(?i)(?-u:\b)(?:(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|digest|apikey)\s+([A-Za-z0-9._~+/=-]{1,})|([A-Za-z0-9._~+/=-]{12,}))|bearer\s+([A-Za-z0-9._~+/=-]{12,}))"#,
    },
    Pattern {
        kind: "secret_value",
        // `PASSWORD=x`, `api_key: "x"`, `"client_secret": "x"` inside text (shell output, .env
        // files, JSON as a string). The name must end with the sensitive word.
        regex: r#"(?i)(?-u:\b)[A-Za-z0-9_.-]{0,40}?(?:password|passwd|passphrase|secret|secret_?key|token|api_?key|access_?key|private_?key|credentials?)["']?\s*(?::=|=|:)\s*(?:"([^"\r\n]{1,512})"|'([^'\r\n]{1,512})'|([^\s"',;&]{1,512}))"#,
    },
];

/// Marker kind of a user pattern given without a name.
pub const CUSTOM_KIND: &str = "custom";

#[cfg(test)]
mod tests {
    //! Every pattern, with text that must be redacted and text that must not. The keys are fake:
    //! made to match the formats, never real ones.

    use crate::redact::{RedactConfig, Redactor};

    fn redactor() -> Redactor {
        Redactor::new(&RedactConfig::default(), Default::default()).unwrap()
    }

    /// (kind, text containing a secret, the secret that must be gone)
    pub(crate) const POSITIVE: &[(&str, &str, &str)] = &[
        ("private_key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7fakefakefake\nZm9vYmFy\n-----END RSA PRIVATE KEY-----\nend", "MIIEpAIBAAKCAQEA7fakefakefake"),
        ("private_key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAAfake\n-----END PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAAfake"),
        ("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQfake\n-----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQfake"),
        ("private_key", "cut off: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFAKEFAKEFAKEFAKEFAKE", "MHcCAQEEIFAKEFAKEFAKEFAKEFAKE"),
        ("private_key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBFAKEFAKE\n-----END PGP PRIVATE KEY BLOCK-----", "lQOYBFAKEFAKE"),
        ("anthropic_key", "ANTHROPIC_API_KEY=sk-ant-api03-FAKEfake0123456789abcdefghijklmnopqrstuvwxyz-AAAA", "sk-ant-api03-FAKE"),
        ("anthropic_key", "use sk-ant-admin01-0000000000FAKE0000000000 here", "sk-ant-admin01-0000000000FAKE"),
        ("openai_key", "key sk-proj-FAKEfake0123456789_abcdefghijklmnopqrstuv done", "sk-proj-FAKEfake0123456789"),
        ("openai_key", "OPENAI=sk-FAKE0123456789abcdefghijklmnopqrstuvwxyzABCD", "sk-FAKE0123456789abcdefghij"),
        ("openai_key", "sk-svcacct-FAKEfake0123456789abcdefghij", "sk-svcacct-FAKEfake0123456789"),
        ("aws_access_key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("aws_access_key", "\"AccessKeyId\": \"ASIAY34FZKBOKMUTVV7A\"", "ASIAY34FZKBOKMUTVV7A"),
        ("aws_secret_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("aws_secret_key", "export AWS_SECRET_ACCESS_KEY=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", "wJalrXUtnFEMI/K7MDENG"),
        ("github_token", "token ghp_FAKEfake0123456789abcdefghijklmnopqr in git config", "ghp_FAKEfake0123456789abcdefghijklmnopqr"),
        ("github_token", "gho_0123456789FAKEfake0123456789abcdefgh", "gho_0123456789FAKEfake"),
        ("github_token", "github_pat_11AAAAAAA0FAKEfake0123_abcdefghijklmnopqrstuvwxyz", "github_pat_11AAAAAAA0FAKE"),
        ("slack_token", "SLACK_BOT=xoxb-0000000000-0000000000000-FAKEfakeFAKEfake", "xoxb-0000000000-0000000000000-FAKE"),
        ("slack_token", "xoxp-1111111111-FAKE-fake", "xoxp-1111111111-FAKE"),
        ("slack_webhook", "post to https://hooks.slack.com/services/T00000000/B00000000/FAKEfakeFAKEfakeFAKEfake now", "FAKEfakeFAKEfakeFAKEfake"),
        ("stripe_key", "stripe: sk_live_FAKEfake0123456789abcdef", "sk_live_FAKEfake0123456789"),
        ("stripe_key", "rk_test_FAKEfake0123456789abcdef", "rk_test_FAKEfake0123456789"),
        ("stripe_key", "whsec_FAKEfake0123456789abcdefghijkl", "whsec_FAKEfake0123456789"),
        ("google_api_key", "maps key AIzaSyFAKE_fake-0123456789abcdefghijklm", "AIzaSyFAKE_fake-0123456789"),
        ("google_oauth", "access ya29.a0FAKEfake0123456789abcdefghij", "ya29.a0FAKEfake0123456789"),
        ("google_oauth", "client GOCSPX-FAKEfake0123456789abcdefg", "GOCSPX-FAKEfake0123456789"),
        ("npm_token", "//registry.npmjs.org/:_authToken=npm_FAKEfake0123456789abcdefghijklmnopqr", "npm_FAKEfake0123456789abcdefghijklmnopqr"),
        ("huggingface_token", "HF_TOKEN=hf_FAKEfake0123456789abcdefghijklmnop", "hf_FAKEfake0123456789abcdefghij"),
        ("huggingface_token", "huggingface-cli login --token hf_0123456789FAKEfakeFAKEfakeFAKEfake00", "hf_0123456789FAKEfakeFAKE"),
        ("gitlab_token", "git remote with glpat-FAKEfake0123456789ab in the URL", "glpat-FAKEfake0123456789ab"),
        ("gitlab_token", "CI_JOB=gldt-FAKE_fake-0123456789abcd", "gldt-FAKE_fake-0123456789abcd"),
        ("azure_key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=FAKEfake0123456789abcdefghijklmnopqrstuvwxyzFAKEfake0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01==;EndpointSuffix=core.windows.net", "FAKEfake0123456789abcdefghij"),
        ("azure_key", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=FAKEfake0123456789abcdefghij+/FAKE=", "FAKEfake0123456789abcdefghij"),
        ("sentrial_key", "SENTRIAL_API_KEY=sk_sentrial_0123456789abcdef0123456789abcdef0123456789abcdef", "sk_sentrial_0123456789abcdef"),
        ("jwt", "id_token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.FAKEsignatureFAKE123", "eyJzdWIiOiIxMjM0NTY3ODkwIn0"),
        ("url_password", "DATABASE_URL=postgres://app:hunter2-FAKE@db.internal:5432/app", "hunter2-FAKE"),
        ("url_password", "git clone https://user:FAKEpassw0rd@github.com/org/repo.git", "FAKEpassw0rd"),
        ("url_password", "mongodb+srv://admin:FAKE%40pw@cluster0.mongodb.net/db", "FAKE%40pw"),
        ("authorization", "curl -H 'Authorization: Bearer FAKEopaqueTOKEN123456' https://api", "FAKEopaqueTOKEN123456"),
        ("authorization", "Authorization: Basic dXNlcjpGQUtFcGFzcw==", "dXNlcjpGQUtFcGFzcw=="),
        ("authorization", "{\"authorization\": \"FAKEtokenWithoutScheme99\"}", "FAKEtokenWithoutScheme99"),
        ("authorization", "sent with bearer FAKEfake.opaque-token~1", "FAKEfake.opaque-token~1"),
        ("secret_value", "DB_PASSWORD=FAKEhunter2", "FAKEhunter2"),
        ("secret_value", "password: \"FAKE correct horse\"", "FAKE correct horse"),
        ("secret_value", "client_secret='FAKEsecret-xyz'", "FAKEsecret-xyz"),
        ("secret_value", "{\"api_key\": \"FAKEapikey123\"}", "FAKEapikey123"),
        ("secret_value", "MY_TOKEN=FAKEtok_123;", "FAKEtok_123"),
        ("secret_value", "Server=db;User Id=sa;Password=FAKEpw123;", "FAKEpw123"),
        ("secret_value", "private_key := FAKEpk0123", "FAKEpk0123"),
    ];

    /// Text that must come out unchanged.
    pub(crate) const NEGATIVE: &[&str] = &[
        "The quick brown fox jumps over the lazy dog.",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----",
        "sk-ant is the prefix of Anthropic keys",
        "pip install scikit-learn; task-list",
        "sk-this-is-a-hyphenated-name-of-a-thing-in-prose",
        "AKIA is how AWS access key ids start",
        "AKIAIOSFODNN7EXAMPL",
        "the aws docs say secret keys are 40 characters",
        "ghp_short",
        "github_pat_ is a prefix",
        "xoxb-",
        "pk_live_0123456789abcdefghij is publishable",
        "sk_test_short",
        "AIza is a prefix",
        "ya29.short",
        "npm_ci_cache",
        "from huggingface_hub import hf_hub_download",
        "hf_token is the name of the variable",
        "glpat- is the prefix of GitLab personal access tokens",
        "SharedAccessKeyName=RootManageSharedAccessKey",
        "AccountKey is the name of the field",
        "eyJhbGciOiJIUzI1NiJ9 alone is just a header",
        "https://example.com/path?q=1",
        "https://user@example.com/repo.git",
        "see http://localhost:8080/a:b@c",
        "the bearer of bad news",
        "Authorization: required",
        "prompt_tokens=120 completion_tokens=80 max_tokens: 4096",
        "password:",
        "The token is stored in the keychain.",
        "Use a secret manager.",
        "total_tokens: 331",
        "PWD=/home/user/project",
        "cost_usd: 0.0123",
        "session 3f0c2a1e-7d0b-4b8e-9a63-0c7f5c2d9e11 started",
        "toolu_01A09q90qw90lq917835lq9",
        "[REDACTED:openai_key]",
    ];

    #[test]
    fn every_positive_sample_is_redacted_with_its_kind() {
        let r = redactor();
        for (kind, text, secret) in POSITIVE {
            let out = r.redact_text(text).unwrap_or_else(|| text.to_string());
            assert!(
                !out.contains(secret),
                "{kind}: secret left in {out:?} (from {text:?})"
            );
            let marker = format!("[REDACTED:{kind}]");
            assert!(
                out.contains(&marker),
                "{kind}: no {marker} in {out:?} (from {text:?})"
            );
        }
    }

    #[test]
    fn every_builtin_kind_has_positive_samples() {
        for p in super::BUILTIN {
            assert!(
                POSITIVE.iter().any(|(k, _, _)| *k == p.kind),
                "no positive sample for {}",
                p.kind
            );
        }
    }

    #[test]
    fn negative_samples_are_left_alone() {
        let r = redactor();
        for text in NEGATIVE {
            assert_eq!(r.redact_text(text), None, "changed: {text:?}");
        }
    }

    #[test]
    fn only_the_secret_part_is_replaced() {
        let r = redactor();
        assert_eq!(
            r.redact_text("postgres://app:hunter2-FAKE@db:5432/x")
                .unwrap(),
            "postgres://app:[REDACTED:url_password]@db:5432/x"
        );
        assert_eq!(
            r.redact_text("DB_PASSWORD=FAKEhunter2 next").unwrap(),
            "DB_PASSWORD=[REDACTED:secret_value] next"
        );
        assert_eq!(
            r.redact_text("Authorization: Bearer FAKEopaque123")
                .unwrap(),
            "Authorization: Bearer [REDACTED:authorization]"
        );
        // A provider key under a secret-looking name keeps the provider's marker.
        assert_eq!(
            r.redact_text("OPENAI_API_KEY=sk-proj-FAKEfake0123456789_abcdefghij")
                .unwrap(),
            "OPENAI_API_KEY=[REDACTED:openai_key]"
        );
    }
}
