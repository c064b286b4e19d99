//! What a started collector prints: where it listens, its database, its keys, and a dashboard
//! sign-in link.

use std::fmt;
use std::net::SocketAddr;

/// Which keys a started collector accepts, for the start banner.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyInfo {
    /// The database held no key and none was given: this `ingest` key (what the SDK needs) was
    /// minted and stored hashed. It is not recoverable later, so show it once.
    Created(String),
    /// This many keys were given in the config (`--api-key`, `SENTRIAL_API_KEYS`).
    Given(usize),
    /// None given; the database holds this many.
    Stored(u64),
}

impl fmt::Debug for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyInfo::Created(_) => f.write_str("Created(<redacted>)"),
            KeyInfo::Given(n) => write!(f, "Given({n})"),
            KeyInfo::Stored(n) => write!(f, "Stored({n})"),
        }
    }
}

/// The start banner's lines.
pub struct Banner<'a> {
    /// Where the collector listens.
    pub url: &'a str,
    /// Where the data lives, fit for a log line (no password).
    pub database: &'a str,
    /// The `sentrial key new` flag that points at the same database.
    pub key_flag: &'a str,
    /// The keys it accepts.
    pub keys: &'a KeyInfo,
    /// A dashboard sign-in link (works once, for 15 minutes).
    pub signin_link: &'a str,
}

impl fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = self.key_flag;
        let keys = match self.keys {
            KeyInfo::Created(key) => {
                format!("Ingest key for the SDK (created now, shown once): {key}")
            }
            KeyInfo::Given(n) => format!("API keys: {n} from --api-key/SENTRIAL_API_KEYS"),
            KeyInfo::Stored(0) => {
                format!("API keys: none yet; mint one with `sentrial key new {flag}`")
            }
            KeyInfo::Stored(n) => format!(
                "API keys: {n} stored in the database; mint another with `sentrial key new {flag}`"
            ),
        };
        write!(
            f,
            "Sentrial collector listening on {}\nDatabase: {}\n{keys}\nDashboard: {}\n",
            self.url, self.database, self.signin_link
        )
    }
}

/// Where the dashboard of the collector at `addr` is reached: `public_url` when given, else the
/// bound address (`127.0.0.1` when bound to every interface). No trailing slash.
pub fn base_url(addr: SocketAddr, public_url: Option<&str>) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}", addr.port())
}

/// The sign-in link of `token` on the dashboard at `base`.
pub fn signin_link(base: &str, token: &str) -> String {
    format!("{base}/login?token={token}")
}
