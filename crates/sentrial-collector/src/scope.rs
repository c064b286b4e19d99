//! What a key may do: [`Scope`]s, and the set of them a key holds ([`Scopes`]).
//!
//! `ingest` sends events and scores (what the SDK needs), `read` reads the API and the dashboard,
//! `admin` manages keys. Keys made before scopes existed, and keys given with `--api-key`, hold
//! all three ([`Scopes::FULL`]); a stored key's scopes are NULL in that case, so the listing can
//! say so.

use std::fmt;

/// One right a key may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Send events (`/v1/batch`, `/v1/traces`).
    Ingest,
    /// Read the API (`/api/sessions`, ...) and sign in to the dashboard.
    Read,
    /// Manage keys (`/api/keys`).
    Admin,
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Scope; 3] = [Scope::Ingest, Scope::Read, Scope::Admin];

    /// Its name, as flags, the API and the database spell it.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// All rights: keys given on the command line, and keys made before scopes.
    pub const FULL: Scopes = Scopes(0b111);

    /// Just `scope`.
    pub fn only(scope: Scope) -> Scopes {
        Scopes(scope.bit())
    }

    /// These and `scope`.
    pub fn with(self, scope: Scope) -> Scopes {
        Scopes(self.0 | scope.bit())
    }

    /// Whether `scope` is among them.
    pub fn has(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Parses names separated by commas or given as several items (`["ingest", "read,admin"]`);
    /// an unknown name is an error naming it and the known ones. An empty list is an error too.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Scopes, String> {
        let mut set = Scopes::default();
        for name in items.iter().flat_map(|i| i.as_ref().split(',')) {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let scope = Scope::ALL
                .into_iter()
                .find(|s| s.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!("unknown scope `{name}`; scopes are ingest, read and admin")
                })?;
            set.0 |= scope.bit();
        }
        if set.0 == 0 {
            return Err("no scope given; scopes are ingest, read and admin".into());
        }
        Ok(set)
    }

    /// The stored form: NULL (`None`) for [`Scopes::FULL`] of a key made before scopes is read
    /// back as full; a new key always stores its list, full or not.
    pub fn from_stored(text: Option<&str>) -> Scopes {
        match text {
            None => Scopes::FULL,
            // Written by us; an unknown name (from a later version) grants nothing.
            Some(t) => Scopes::parse(&[t]).unwrap_or_default(),
        }
    }
}

impl fmt::Display for Scopes {
    /// The names, comma-separated, in [`Scope::ALL`] order: `ingest,read`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Scope::ALL
            .into_iter()
            .filter(|s| self.has(*s))
            .map(Scope::name)
            .collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_prints_them_in_order() {
        let s = Scopes::parse(&["admin,ingest"]).unwrap();
        assert!(s.has(Scope::Admin) && s.has(Scope::Ingest) && !s.has(Scope::Read));
        assert_eq!(s.to_string(), "ingest,admin");
        assert_eq!(
            Scopes::parse(&["read", "READ"]).unwrap().to_string(),
            "read"
        );
        assert_eq!(Scopes::FULL.to_string(), "ingest,read,admin");
        assert!(Scopes::parse(&["write"]).unwrap_err().contains("`write`"));
        assert!(Scopes::parse::<&str>(&[]).is_err());
        assert_eq!(Scopes::from_stored(None), Scopes::FULL);
        assert_eq!(Scopes::from_stored(Some("read")), Scopes::only(Scope::Read));
        assert_eq!(Scopes::from_stored(Some("bogus")), Scopes::default());
    }
}
