//! POSTing a delivery's body to its webhook: one reqwest client with timeouts, no redirects
//! (a webhook answers itself; following a redirect would let it point the collector elsewhere),
//! and errors that never show the URL (a Slack webhook's URL is its secret).

use std::time::Duration;

/// How long a webhook may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a whole attempt may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The client deliveries are sent with.
#[derive(Clone)]
pub struct Webhook {
    client: reqwest::Client,
}

impl Webhook {
    /// A client with the collector's TLS (the platform's trust store).
    pub fn new() -> Result<Webhook, String> {
        let mut tls = crate::tls::client_config()?;
        // reqwest speaks HTTP/1.1 only here (no http2 feature); say so in the handshake.
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sentrial-collector/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make the webhook client: {}", e.without_url()))?;
        Ok(Webhook { client })
    }

    /// POSTs `body` (JSON) to `url`: the answer's status, or why there was none (without the
    /// URL).
    pub async fn post(&self, url: &str, body: String) -> Result<u16, String> {
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        match sent {
            Ok(resp) => Ok(resp.status().as_u16()),
            Err(e) => Err(describe(e)),
        }
    }
}

/// What went wrong, in words (with its causes), without the URL.
fn describe(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let e = e.without_url();
    let mut text = format!("{what}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}
