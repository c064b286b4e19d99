//! Hash mode's keyed hash: HMAC-SHA256 of the kind and the value's normal form, its first
//! [`HASH_HEX_DIGITS`] hex digits shown. Keyed, so that a list of guesses (every phone number of
//! an area) cannot be hashed and compared by whoever reads the data without the key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::PiiKind;

/// Hex digits of the hash shown in a marker: 48 bits, so two values of one project collide
/// about once in 16 million million pairs.
pub const HASH_HEX_DIGITS: usize = 12;

/// What the default key is derived for (a label: the API key is not the hash key itself).
const KEY_CONTEXT: &[u8] = b"sentrial pii hash key v1";

/// The default key of hash mode: HMAC-SHA256 of a fixed label under the API key, so the runs
/// of one project hash a value alike without the API key being the hash key. Without an API key
/// (OTLP only) a random key per process: values join within one run only.
pub fn derive_key(api_key: &str) -> Vec<u8> {
    if api_key.is_empty() {
        return rand::random::<[u8; 32]>().to_vec();
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(api_key.as_bytes()).expect("any key length");
    mac.update(KEY_CONTEXT);
    mac.finalize().into_bytes().to_vec()
}

/// The shown hash of `normal`, a value of `kind`, under `key`.
pub(super) fn digest(key: &[u8], kind: PiiKind, normal: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(kind.label().as_bytes());
    mac.update(b"\0");
    mac.update(normal.as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes
        .iter()
        .take(HASH_HEX_DIGITS / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}
