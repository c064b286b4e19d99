//! What the stores give back about keys, dashboard sessions and sign-in links.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use crate::scope::{Scope, Scopes};
use crate::time::Timestamp;

/// A stored key as listed: never the key, only an id made of its digest's first 12 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredKey {
    /// Its public id (what `key revoke` and `/api/keys/{id}/revoke` take).
    pub id: String,
    /// The SHA-256 hex digest it is looked up by; not shown.
    #[serde(skip)]
    pub key_hash: String,
    /// The project it reads and writes.
    pub project: String,
    /// What it may do.
    #[serde(serialize_with = "scope_names")]
    pub scopes: Scopes,
    /// Made before scopes existed: holds all of them.
    pub made_before_scopes: bool,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked; `None` while it works.
    pub revoked_at: Option<Timestamp>,
}

impl StoredKey {
    /// How the listing shows its scopes: `full (made before scopes)` for an old key.
    pub fn scopes_label(&self) -> String {
        if self.made_before_scopes {
            "full (made before scopes)".into()
        } else {
            self.scopes.to_string()
        }
    }
}

fn scope_names<S: Serializer>(scopes: &Scopes, s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(None)?;
    for scope in Scope::ALL.into_iter().filter(|sc| scopes.has(*sc)) {
        seq.serialize_element(scope.name())?;
    }
    seq.end()
}

/// A live dashboard session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardSession {
    /// The project it reads.
    pub project: String,
    /// The digest of the key it was signed in with; `None` for a sign-in link.
    pub key_hash: Option<String>,
}

/// A sign-in link taken from the store (it works once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenLink {
    /// The project it signs in to.
    pub project: String,
    /// When it was made (ms since the epoch).
    pub created_at: i64,
    /// When it stops working (ms since the epoch).
    pub expires_at: i64,
}
