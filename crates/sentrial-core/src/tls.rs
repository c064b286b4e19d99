//! TLS for every HTTPS request the SDK makes (the collector, an OTLP endpoint): rustls with the
//! ring crypto provider, verifying servers against the platform's trust store (the OS store;
//! `SSL_CERT_FILE` adds to it on Linux).

use std::sync::Arc;

/// A client configuration for reqwest's `tls_backend_preconfigured`.
pub fn client_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth();
    // reqwest speaks HTTP/1.1 only here (no http2 feature); say so in the handshake.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_with_the_platform_trust_store() {
        let config = super::client_config().unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
