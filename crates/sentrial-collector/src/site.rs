//! Which names this collector answers for, and where its sign-in forms may be posted from.
//!
//! - The `Host` header must name the collector: `127.0.0.1`, `localhost`, `[::1]`, the `--host`
//!   it binds, `--allowed-host` names and the `--public-url`'s host (any port). Otherwise 421:
//!   a page whose own name was re-pointed at 127.0.0.1 (DNS rebinding) gets nothing. Bound to
//!   every interface (`0.0.0.0`) with no name configured, any `Host` is taken: the names it is
//!   reached by are not known.
//! - `POST /login` and `/logout` are refused (403) unless the browser says they come from this
//!   origin (see [`same_origin`]): another site's form, or another local app's, cannot sign a
//!   browser in or out.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Names a collector always answers for.
const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The host names a collector answers for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// Lowercase names without port; `None`: any.
    allowed: Option<Vec<String>>,
}

impl Site {
    /// The names of a collector bound to `bind_host`, plus `extra` (`--allowed-host`, the
    /// `--public-url`'s host).
    pub fn new(bind_host: &str, extra: &[String]) -> Site {
        let unspecified = bind_host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_unspecified());
        if unspecified && extra.is_empty() {
            return Site { allowed: None };
        }
        let mut names: Vec<String> = LOOPBACK_NAMES.iter().map(|n| n.to_string()).collect();
        let bound = (!unspecified).then_some(bind_host);
        names.extend(
            bound
                .into_iter()
                .chain(extra.iter().map(String::as_str))
                .map(hostname),
        );
        Site {
            allowed: Some(names),
        }
    }

    /// Whether a request with this `Host` header is for this collector (no header: HTTP/1.0,
    /// never a browser, taken).
    pub fn allows(&self, host: Option<&str>) -> bool {
        match (&self.allowed, host) {
            (None, _) | (_, None) => true,
            (Some(names), Some(host)) => names.contains(&hostname(host)),
        }
    }
}

/// The host of `URL` (`https://name:port/path`), if it has one.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then_some(host)
}

/// `host[:port]` or `[v6][:port]` as a lowercase name without port or brackets.
fn hostname(host: &str) -> String {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The middleware answering 421 to a request whose `Host` is not one of the site's names.
pub async fn check_host(State(site): State<Arc<Site>>, req: Request, next: Next) -> Response {
    let host = req.headers().get(HOST).and_then(|h| h.to_str().ok());
    if site.allows(host) {
        next.run(req).await
    } else {
        AppError::MisdirectedRequest(
            "this collector does not answer for that Host; add it with --allowed-host".into(),
        )
        .into_response()
    }
}

/// 403 unless the browser says this request comes from this very origin. `Sec-Fetch-Site`
/// decides when present (every current browser sends it): only `same-origin` (or `none`, typed
/// by the user) passes; `same-site` is another port of the same host, another local app.
/// Otherwise `Origin` must name the `Host`; our own pages send `Origin: null` (their
/// `Referrer-Policy` is `no-referrer`), which then cannot be told from a hostile page's and is
/// refused. A request with neither header (curl, a script: no cookie to ride on) is taken.
pub fn same_origin(headers: &HeaderMap) -> Result<(), AppError> {
    same_origin_or(
        headers,
        "sign-in and sign-out must come from this dashboard",
    )
}

/// [`same_origin`], refusing with `refusal` as the message.
pub fn same_origin_or(headers: &HeaderMap, refusal: &str) -> Result<(), AppError> {
    let refused = || AppError::Forbidden(refusal.into());
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text(SEC_FETCH_SITE) {
        let ours = site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
        return if ours { Ok(()) } else { Err(refused()) };
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin_host = origin.to_str().ok().and_then(url_host);
    match (origin_host, text(HOST.as_str())) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(refused()),
    }
}

/// The header browsers send to say where a request comes from.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_configured_names_pass_any_port_others_do_not() {
        let site = Site::new("127.0.0.1", &[]);
        for ok in [
            "127.0.0.1:7878",
            "localhost:1",
            "LOCALHOST",
            "[::1]:7878",
            "localhost.",
        ] {
            assert!(site.allows(Some(ok)), "{ok}");
        }
        for bad in ["evil.example:7878", "127.0.0.1.evil.example", "10.0.0.1"] {
            assert!(!site.allows(Some(bad)), "{bad}");
        }
        assert!(site.allows(None));
        let named = Site::new("0.0.0.0", &["Sentrial.Example.com".into()]);
        assert!(named.allows(Some("sentrial.example.com:443")));
        assert!(!named.allows(Some("other.example.com")));
        assert!(Site::new("0.0.0.0", &[]).allows(Some("anything")));
        assert!(Site::new("10.1.2.3", &[]).allows(Some("10.1.2.3:7878")));
        assert!(!Site::new("10.1.2.3", &[]).allows(Some("rebound.example")));
    }

    #[test]
    fn origins_must_match_the_host() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        let host = ("host", "127.0.0.1:7878");
        assert!(same_origin(&headers(&[host])).is_ok());
        assert!(same_origin(&headers(&[host, ("origin", "http://127.0.0.1:7878")])).is_ok());
        for bad in ["http://evil.example", "http://127.0.0.1:3000", "null"] {
            let err = same_origin(&headers(&[host, ("origin", bad)])).unwrap_err();
            assert_eq!(err.status(), 403, "{bad}");
        }
        assert!(same_origin(&headers(&[host, ("sec-fetch-site", "cross-site")])).is_err());
        // Our own page's form: `Origin: null` (no-referrer), told apart by Sec-Fetch-Site.
        let ours = [host, ("origin", "null"), ("sec-fetch-site", "same-origin")];
        assert!(same_origin(&headers(&ours)).is_ok());
        let other_port = [host, ("origin", "null"), ("sec-fetch-site", "same-site")];
        assert!(same_origin(&headers(&other_port)).is_err());
        assert_eq!(
            url_host("https://u@x.example:8443/p?q"),
            Some("x.example:8443")
        );
    }
}
