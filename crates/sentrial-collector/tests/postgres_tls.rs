//! TLS to PostgreSQL: `sslmode=require` encrypts and verifies the server's certificate against the
//! platform's trust store. The test server of `scripts/postgres.sh` has TLS on with a certificate
//! from a throwaway CA (`SENTRIAL_TEST_PG_CA`). Its own test binary: it sets `SSL_CERT_FILE`,
//! which the platform verifier reads, and nothing else may run beside it in this process.

use sentrial_collector::store::PgStore;

#[tokio::test]
async fn require_encrypts_and_verifies_the_server_certificate() {
    let (Ok(admin), Ok(ca)) = (
        std::env::var("SENTRIAL_TEST_DATABASE_URL"),
        std::env::var("SENTRIAL_TEST_PG_CA"),
    ) else {
        assert!(
            std::env::var("SENTRIAL_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "SENTRIAL_TEST_DATABASE_URL and SENTRIAL_TEST_PG_CA are not set"
        );
        return;
    };
    let sep = if admin.contains('?') { '&' } else { '?' };
    let require = format!("{admin}{sep}sslmode=require");

    // Not trusted yet: the self-signed chain is refused, and the error says why.
    let err = PgStore::connect(&require)
        .await
        .err()
        .expect("an untrusted certificate must be refused");
    let text = err.to_string().to_lowercase();
    assert!(
        text.contains("certificate") || text.contains("unknownissuer") || text.contains("tls"),
        "{err}"
    );

    // Trusted through the platform's trust store (SSL_CERT_FILE): connected, over TLS.
    // SAFETY (edition 2021 has no unsafe set_var): this binary runs this one test only.
    std::env::set_var("SSL_CERT_FILE", &ca);
    let store = PgStore::connect(&require).await.unwrap();
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let encrypted: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE s.ssl AND a.application_name = 'sentrial-collector'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "the collector's connections use TLS");
    drop(store);
}
