//! URLs as a log line or an error message may show them: credentials hidden, no query (a backend
//! may take its key there), no fragment. Used for the SDK's OTLP endpoint and the collector's
//! database URL.
//!
//! Parsed by hand (no URL crate here), cautiously: what stands before the last `@` is taken as
//! the userinfo even where a URL parser would not (a password holding an unescaped `/`, `?` or
//! `#`, as libpq-style parsers accept it), so a password is never shown for being malformed;
//! such a userinfo, which may well hold a path or a query, is hidden whole.

/// What a shown URL keeps of its userinfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Userinfo {
    /// The user name, and `***` for a password (a database URL: the user says which role
    /// connected, and is no secret).
    UserOnly,
    /// Nothing (an HTTP endpoint, where a user name may itself be a token).
    Hidden,
}

/// `url` without its password (or, with [`Userinfo::Hidden`], its whole userinfo), query and
/// fragment; `None` when it is not of the form `scheme://...`.
///
/// ```
/// use sentrial_protocol::url::{redacted, Userinfo};
/// assert_eq!(
///     redacted("postgres://app:s3cret@db:5432/x?sslmode=require", Userinfo::UserOnly).unwrap(),
///     "postgres://app:***@db:5432/x"
/// );
/// assert_eq!(
///     redacted("https://user:pw@otlp.example/v1/traces?key=k", Userinfo::Hidden).unwrap(),
///     "https://otlp.example/v1/traces"
/// );
/// ```
pub fn redacted(url: &str, userinfo: Userinfo) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (info, location) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    // Host and path: the query and the fragment go.
    let location = &location[..location.find(['?', '#']).unwrap_or(location.len())];
    let shown_info = match (info, userinfo) {
        (None, _) | (Some(_), Userinfo::Hidden) => String::new(),
        // A "userinfo" holding a path, a query or a fragment: no telling what is what.
        (Some(info), Userinfo::UserOnly) if info.contains(['/', '?', '#']) => "***@".into(),
        (Some(info), Userinfo::UserOnly) => match info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@"),
            None => format!("{info}@"),
        },
    };
    Some(format!("{scheme}://{shown_info}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_only(url: &str) -> String {
        redacted(url, Userinfo::UserOnly).unwrap()
    }

    fn hidden(url: &str) -> String {
        redacted(url, Userinfo::Hidden).unwrap()
    }

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            user_only("postgres://app:s3cret@db.internal:5432/sentrial?sslmode=require"),
            "postgres://app:***@db.internal:5432/sentrial"
        );
        assert_eq!(
            user_only("postgresql://app@localhost/x"),
            "postgresql://app@localhost/x"
        );
        assert!(!user_only("postgres://u:p%40ss@h/d").contains("p%40ss"));
        assert_eq!(user_only("postgres://h/d#frag"), "postgres://h/d");
    }

    #[test]
    fn a_malformed_password_is_hidden_too() {
        for url in [
            "postgres://u:pa/ss@h/d",
            "postgres://u:pa?ss@h/d",
            "postgres://u:pa#ss@h/d",
            "postgres://u:p@ss@h/d",
        ] {
            for shown in [user_only(url), hidden(url)] {
                assert!(
                    !shown.contains("pa") && !shown.contains("ss@"),
                    "{url}: {shown}"
                );
                assert!(shown.ends_with("h/d"), "{url}: {shown}");
            }
        }
    }

    #[test]
    fn an_endpoint_shows_no_userinfo_query_or_fragment() {
        assert_eq!(
            hidden("http://user:pw@h:4318/v1/traces?key=k#x"),
            "http://h:4318/v1/traces"
        );
        assert_eq!(hidden("https://token@h/v1/traces"), "https://h/v1/traces");
        assert_eq!(hidden("http://h"), "http://h");
    }

    #[test]
    fn what_is_not_a_url_is_none() {
        for s in ["", "h:4318", "host=/tmp password=x", "h/v1/traces"] {
            assert_eq!(redacted(s, Userinfo::Hidden), None, "{s}");
        }
    }
}
