//! The dashboard's sign-ins: a cookie holding a random session id, and single-use sign-in links.
//! Both are rows in the database under the SHA-256 digest of their random value (see
//! `store/key_sql.rs`), so sign-out, revoking the key, `sentrial dashboard sign-out-all` and
//! expiry end them on every collector; a stolen database file holds no usable cookie or link.

use crate::auth::hash_key;
use crate::store::{Store, StoreError};
use crate::time::now_ms;

/// How long a sign-in link works, and only once.
pub const LINK_TTL_MS: i64 = 15 * 60_000;

/// How long a browser stays signed in; also the longest any session row is honoured, whatever
/// expiry it claims.
pub const COOKIE_TTL_MS: i64 = 7 * 24 * 3_600_000;

/// A fresh random value for a cookie or a link: 256 bits, hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The digest a cookie's or a link's value is stored under.
pub fn token_hash(token: &str) -> String {
    hash_key(token)
}

/// Stores a new sign-in link for `project` (single use, [`LINK_TTL_MS`]); its token.
pub async fn mint_link(store: &dyn Store, project: &str) -> Result<String, StoreError> {
    let token = new_token();
    store
        .add_link(token_hash(&token), project.into(), now_ms() + LINK_TTL_MS)
        .await?;
    Ok(token)
}

/// How a collector names and marks its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieJar {
    /// The cookie's name: `sentrial_session_<port>`, so two collectors on one host (cookies are
    /// not separated by port) keep theirs apart.
    pub name: String,
    /// Whether the cookie is `Secure` (the dashboard is served over HTTPS).
    pub secure: bool,
}

impl CookieJar {
    /// The cookie of the collector on `port`, `Secure` when `secure`.
    pub fn for_port(port: u16, secure: bool) -> CookieJar {
        CookieJar {
            name: format!("sentrial_session_{port}"),
            secure,
        }
    }

    /// The `Set-Cookie` value that signs a browser in with session `value`.
    pub fn set(&self, value: &str) -> String {
        self.with_attributes(value, COOKIE_TTL_MS / 1000)
    }

    /// The `Set-Cookie` value that signs a browser out.
    pub fn clear(&self) -> String {
        self.with_attributes("", 0)
    }

    fn with_attributes(&self, value: &str, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
            self.name
        )
    }

    /// This cookie's value among a request's `Cookie` headers.
    pub fn find<'a>(&self, headers: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        headers
            .into_iter()
            .find_map(|h| cookie_value(h, &self.name))
    }
}

impl Default for CookieJar {
    /// The cookie of a collector whose port is not known (a router built without [`Server`]).
    ///
    /// [`Server`]: crate::server::Server
    fn default() -> Self {
        CookieJar {
            name: "sentrial_session".into(),
            secure: false,
        }
    }
}

/// The value of cookie `name` in a `Cookie` header, if present.
fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_cookie_among_several() {
        let jar = CookieJar::for_port(7878, false);
        let h = "a=1; sentrial_session_7879=other; sentrial_session_7878=tok; b=2";
        assert_eq!(jar.find([h]), Some("tok"));
        assert_eq!(jar.find(["x=1"]), None);
    }

    #[test]
    fn the_cookie_is_secure_over_https_only() {
        let plain = CookieJar::for_port(1, false).set("v");
        assert_eq!(
            plain,
            "sentrial_session_1=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800"
        );
        assert!(CookieJar::for_port(1, true).set("v").ends_with("; Secure"));
        assert!(CookieJar::for_port(1, true).clear().contains("Max-Age=0"));
    }

    #[test]
    fn tokens_are_random_256_bit_hex() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
