//! Settings of the OTLP exporter, checked once when the tracker is made.

use crate::config::safe_url;
use crate::error::CoreError;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// The path OTLP/HTTP receivers take traces on.
pub const TRACES_PATH: &str = "/v1/traces";

/// `service.name` when none is given.
pub const DEFAULT_SERVICE_NAME: &str = "sentrial-agent";

/// How spans are encoded. (The names users give them, `http/protobuf` and `http/json`, are the
/// binding's `OtlpProtocol`.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// `http/protobuf`: `application/x-protobuf`, the OTLP default every receiver accepts.
    #[default]
    Protobuf,
    /// `http/json`: `application/json`, OTLP's JSON mapping.
    Json,
}

/// Where and how sessions are exported as OTLP traces.
#[derive(Clone, Default)]
pub struct OtlpConfig {
    /// The full URL spans are posted to (see [`traces_url`] for a base URL).
    pub endpoint: String,
    /// Extra request headers, typically the backend's key. Never logged.
    pub headers: Vec<(String, String)>,
    /// Encoding of the bodies.
    pub protocol: OtlpProtocol,
    /// The resource's `service.name`.
    pub service_name: String,
}

impl std::fmt::Debug for OtlpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values hold keys: only their names are shown.
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("OtlpConfig")
            .field("endpoint", &safe_url(&self.endpoint))
            .field("headers", &names)
            .field("protocol", &self.protocol)
            .field("service_name", &self.service_name)
            .finish()
    }
}

/// The traces URL of an OTLP base URL: `{base}/v1/traces`, or `base` itself when it already ends
/// with `/v1/traces` (as `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
/// are read by every OpenTelemetry SDK).
pub fn traces_url(base: &str) -> String {
    let with_path = |path: &str| {
        let path = path.trim_end_matches('/');
        match path.ends_with(TRACES_PATH) {
            true => path.to_string(),
            false => format!("{path}{TRACES_PATH}"),
        }
    };
    match reqwest::Url::parse(base) {
        // The path only: a query (some backends take their key there) stays where it is.
        Ok(mut url) if url.has_authority() => {
            let path = with_path(url.path());
            url.set_path(&path);
            url.to_string()
        }
        _ => with_path(base),
    }
}

impl OtlpConfig {
    /// Checks the endpoint (an http(s) URL) and builds the headers (sensitive, so never printed).
    pub fn checked_headers(&self) -> Result<HeaderMap, CoreError> {
        crate::delivery::transport::parse_http_url(&self.endpoint).map_err(|reason| {
            CoreError::InvalidOtlp(format!(
                "otlp.endpoint {:?} is not an http(s) URL: {reason}",
                safe_url(&self.endpoint)
            ))
        })?;
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let key = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                CoreError::InvalidOtlp(format!("otlp.headers: {name:?} is not a valid header name"))
            })?;
            // The message names the header, never its value.
            let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
                CoreError::InvalidOtlp(format!(
                    "otlp.headers: the value of {name:?} holds characters not allowed in a header"
                ))
            })?;
            value.set_sensitive(true);
            map.insert(key, value);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_url_appends_the_path_once() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://h:4318/"),
            "http://h:4318/v1/traces",
            "no double slash"
        );
        assert_eq!(
            traces_url("https://api.example.com/otlp"),
            "https://api.example.com/otlp/v1/traces"
        );
        assert_eq!(traces_url("http://h/v1/traces"), "http://h/v1/traces");
        assert_eq!(traces_url("http://h/v1/traces/"), "http://h/v1/traces");
        assert_eq!(
            traces_url("https://h/otlp?key=k"),
            "https://h/otlp/v1/traces?key=k"
        );
        assert_eq!(traces_url("not a url"), "not a url/v1/traces");
    }

    #[test]
    fn bad_settings_are_refused_without_showing_header_values() {
        let bad_url = OtlpConfig {
            endpoint: "ftp://h".into(),
            ..Default::default()
        };
        assert!(matches!(
            bad_url.checked_headers(),
            Err(CoreError::InvalidOtlp(m)) if m.contains("http(s)")
        ));
        let bad_value = OtlpConfig {
            endpoint: "http://h".into(),
            headers: vec![("x-key".into(), "secret\nvalue".into())],
            ..Default::default()
        };
        let err = bad_value.checked_headers().unwrap_err().to_string();
        assert!(err.contains("x-key") && !err.contains("secret"), "{err}");
        let bad_name = OtlpConfig {
            endpoint: "http://h".into(),
            headers: vec![("bad name".into(), "v".into())],
            ..Default::default()
        };
        assert!(bad_name.checked_headers().is_err());
        let good = OtlpConfig {
            endpoint: "http://user:pw@h:4318/v1/traces?key=k".into(),
            headers: vec![("x-honeycomb-team".into(), "hc-secret".into())],
            ..Default::default()
        };
        let headers = good.checked_headers().unwrap();
        assert!(headers["x-honeycomb-team"].is_sensitive());
        let shown = format!("{good:?}");
        assert!(!shown.contains("hc-secret") && !shown.contains("pw") && !shown.contains("key=k"));
        assert!(shown.contains("x-honeycomb-team"), "{shown}");
    }
}
