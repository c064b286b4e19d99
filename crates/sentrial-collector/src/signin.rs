//! Signed tokens for the dashboard: the sign-in link `sentrial serve` prints, and the cookie a
//! browser holds after signing in (with the link or with an API key).
//!
//! A token is `KIND.PROJECT_HEX.EXPIRY_MS.MAC`, where MAC is HMAC-SHA256 (hex) of the part before
//! it under the database's signing secret. Nothing is kept per token: a token is valid until it
//! expires, and every token dies with the secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The cookie that carries a dashboard sign-in.
pub const COOKIE_NAME: &str = "sentrial_session";

/// How long a printed sign-in link works.
pub const LINK_TTL_MS: i64 = 24 * 3_600_000;

/// How long a browser stays signed in.
pub const COOKIE_TTL_MS: i64 = 7 * 24 * 3_600_000;

/// What a token is for; a token of one kind is refused as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The `token` of a sign-in link.
    Link,
    /// The value of [`COOKIE_NAME`].
    Cookie,
}

impl TokenKind {
    fn tag(self) -> &'static str {
        match self {
            TokenKind::Link => "l1",
            TokenKind::Cookie => "c1",
        }
    }
}

/// Makes and checks tokens under one secret.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<secret>)")
    }
}

impl Signer {
    /// A signer over `secret`.
    pub fn new(secret: Vec<u8>) -> Signer {
        Signer { secret }
    }

    /// A token of `kind` for `project`, valid until `expires_ms`.
    pub fn sign(&self, kind: TokenKind, project: &str, expires_ms: i64) -> String {
        let body = format!("{}.{}.{expires_ms}", kind.tag(), hex::encode(project));
        let mac = hex::encode(hmac_sha256(&self.secret, body.as_bytes()));
        format!("{body}.{mac}")
    }

    /// The project of a valid, unexpired token of `kind`.
    pub fn verify(&self, kind: TokenKind, token: &str, now_ms: i64) -> Option<String> {
        let (body, mac) = token.rsplit_once('.')?;
        let expected = hmac_sha256(&self.secret, body.as_bytes());
        if !bool::from(hex::decode(mac).ok()?.ct_eq(&expected)) {
            return None;
        }
        let mut parts = body.splitn(3, '.');
        if parts.next()? != kind.tag() {
            return None;
        }
        let project = String::from_utf8(hex::decode(parts.next()?).ok()?).ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        (now_ms < expires).then_some(project)
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The value of cookie `name` in a `Cookie` header, if present.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The `Set-Cookie` value that signs a browser in with `token`.
pub fn set_cookie(token: &str) -> String {
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        COOKIE_TTL_MS / 1000
    )
}

/// The `Set-Cookie` value that signs a browser out.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than a block is hashed first (RFC 4231 case 6).
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn tokens_verify_only_unaltered_unexpired_and_of_their_kind() {
        let signer = Signer::new(b"secret".to_vec());
        let token = signer.sign(TokenKind::Link, "default", 1000);
        assert_eq!(
            signer.verify(TokenKind::Link, &token, 999).as_deref(),
            Some("default")
        );
        assert_eq!(signer.verify(TokenKind::Link, &token, 1000), None);
        assert_eq!(signer.verify(TokenKind::Cookie, &token, 0), None);
        let other = Signer::new(b"other".to_vec());
        assert_eq!(other.verify(TokenKind::Link, &token, 0), None);
        let forged = token.replace(&hex::encode("default"), &hex::encode("other"));
        assert_eq!(signer.verify(TokenKind::Link, &forged, 0), None);
        for junk in ["", ".", "a.b.c.d", "l1.zz.1.zz"] {
            assert_eq!(signer.verify(TokenKind::Link, junk, 0), None);
        }
    }

    #[test]
    fn reads_one_cookie_among_several() {
        let h = "a=1; sentrial_session=tok.en; b=2";
        assert_eq!(cookie_value(h, COOKIE_NAME), Some("tok.en"));
        assert_eq!(cookie_value("x=1", COOKIE_NAME), None);
    }
}
