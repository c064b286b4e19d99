//! TLS for the collector's own connections (PostgreSQL with `sslmode=require`, HTTPS webhooks):
//! rustls with the ring provider, verifying servers against the platform's trust store (the same
//! as the SDK's, `sentrial-core/src/tls.rs`).

use std::sync::Arc;

/// A client configuration verifying against the platform's trust store, without ALPN (each use
/// sets its own).
pub fn client_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth())
}
