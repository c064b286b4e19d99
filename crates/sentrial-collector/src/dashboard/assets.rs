//! The dashboard's files, embedded in the binary at build time: the page works with no network
//! and no files beside the collector. Sources are in `crates/sentrial-collector/dashboard/`.

/// One embedded file.
pub struct Asset {
    /// File name under `/assets/` (`index.html` is served at the page paths instead).
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!("../../dashboard/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the dashboard.
pub static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("format.js", JS),
    asset!("charts.js", JS),
    asset!("tools.js", JS),
    asset!("timeline.js", JS),
    asset!("page-sessions.js", JS),
    asset!("session-head.js", JS),
    asset!("page-session.js", JS),
    asset!("page-transcript.js", JS),
    asset!("page-conversation.js", JS),
    asset!("page-overview.js", JS),
    asset!("page-login.js", JS),
];

/// The embedded file called `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}
