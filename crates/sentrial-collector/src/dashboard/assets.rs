//! The dashboard's files, embedded in the binary at build time: the page works with no network
//! and no files beside the collector. Sources are in `crates/sentrial-collector/dashboard/`; they
//! are embedded gzip'd (`build.rs`), as most clients take them, which keeps the addon smaller.

use std::io::Read;

use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// File name under `/assets/` (`index.html` is served at the page paths instead).
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes, gzip'd.
    pub gzipped: &'static [u8],
}

impl Asset {
    /// Its bytes, as they are in the source folder.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(self.gzipped)
            .read_to_end(&mut out)
            .expect("an embedded file is valid gzip");
        out
    }

    /// The response serving it to a request with `headers`: gzip'd when the client takes gzip,
    /// else as it is. Revalidated on every use (`no-cache`): a new collector serves new files.
    pub fn response(&self, headers: &HeaderMap) -> Response {
        let base = [
            (CONTENT_TYPE, self.content_type),
            (CACHE_CONTROL, "no-cache"),
            (VARY, "accept-encoding"),
        ];
        if takes_gzip(headers) {
            (base, [(CONTENT_ENCODING, "gzip")], self.gzipped).into_response()
        } else {
            (base, self.bytes()).into_response()
        }
    }
}

/// Whether `Accept-Encoding` takes gzip (`gzip`, `x-gzip` or `*`, with a q-value above 0).
fn takes_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            matches!(name.as_str(), "gzip" | "x-gzip" | "*") && !refused
        })
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            gzipped: include_bytes!(concat!(env!("OUT_DIR"), "/dashboard/", $name, ".gz")),
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
    asset!("exports.js", JS),
    asset!("format.js", JS),
    asset!("charts.js", JS),
    asset!("tools.js", JS),
    asset!("timeline.js", JS),
    asset!("page-sessions.js", JS),
    asset!("session-head.js", JS),
    asset!("session-manual.js", JS),
    asset!("page-session.js", JS),
    asset!("page-transcript.js", JS),
    asset!("page-conversation.js", JS),
    asset!("page-overview.js", JS),
    asset!("page-issues.js", JS),
    asset!("ranges.js", JS),
    asset!("score-averages.js", JS),
    asset!("session-findings.js", JS),
    asset!("session-scores.js", JS),
    asset!("page-alerts.js", JS),
    asset!("page-users.js", JS),
    asset!("page-tools.js", JS),
    asset!("page-user.js", JS),
    asset!("page-compare.js", JS),
    asset!("chart-table.js", JS),
    asset!("buckets.js", JS),
    asset!("page-login.js", JS),
    asset!("routes.js", JS),
    asset!("widgets.js", JS),
];

/// The embedded file called `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accepting(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn gzip_is_served_only_to_who_takes_it() {
        for yes in [
            "gzip",
            "gzip, deflate, br",
            "br;q=1.0, GZIP;q=0.5",
            "*",
            "x-gzip",
        ] {
            assert!(takes_gzip(&accepting(yes)), "{yes}");
        }
        for no in ["br", "identity", "gzip;q=0", "gzip; q=0.0, br"] {
            assert!(!takes_gzip(&accepting(no)), "{no}");
        }
        assert!(!takes_gzip(&HeaderMap::new()));
    }

    #[test]
    fn every_file_comes_back_as_it_is_in_the_source_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboard");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut embedded: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        embedded.sort();
        assert_eq!(embedded, names, "every file of dashboard/ is embedded");
        for a in ASSETS {
            assert_eq!(
                a.bytes(),
                std::fs::read(dir.join(a.name)).unwrap(),
                "{}",
                a.name
            );
            assert!(
                a.gzipped.len() < a.bytes().len() || a.bytes().len() < 512,
                "{}",
                a.name
            );
        }
    }
}
