//! `/healthz` reports the database: a collector whose PostgreSQL goes away answers 503 (so a load
//! balancer takes it out of rotation), and 200 again once the database is back. The database is
//! reached through a TCP relay the test can cut, as a network partition would.

mod common;

use common::*;
use sentrial_collector::ServeConfig;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Relays 127.0.0.1:`port` to `target`; while cut, it drops every connection.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue;
                }
                let target = target.clone();
                links2.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Relay { port, up, links }
    }

    /// Closes every relayed connection and refuses new ones.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Polls `/healthz` until it answers `status` (the pool notices a dead connection on its next
/// use), for at most 15 s.
async fn wait_for(srv: &TestServer, status: u16) -> (u16, String) {
    let mut last = (0, String::new());
    for _ in 0..60 {
        last = srv.health().await;
        if last.0 == status {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("/healthz never answered {status}; last {last:?}");
}

#[tokio::test]
async fn healthz_answers_503_while_the_database_is_unreachable_and_200_once_it_is_back() {
    let Some(url) = fresh_postgres().await else {
        assert!(
            !postgres_required(),
            "SENTRIAL_TEST_DATABASE_URL is not set"
        );
        return;
    };
    // postgres://user@host:port/db: the same database, through the relay.
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (target, db) = rest.split_once('/').unwrap();
    let relay = Relay::start(target.to_string()).await;
    let relayed = format!("{scheme_user}@127.0.0.1:{}/{db}", relay.port);

    let mut srv = TestServer::start_config(
        ServeConfig {
            port: 0,
            database_url: Some(relayed),
            api_keys: vec![KEY.to_string()],
            ..ServeConfig::default()
        },
        &[],
    )
    .await;
    assert_eq!(srv.health().await, (200, "ok".to_string()));

    relay.cut();
    let (status, body) = wait_for(&srv, 503).await;
    assert_eq!((status, body.as_str()), (503, "database unavailable"));

    relay.restore();
    assert_eq!(wait_for(&srv, 200).await, (200, "ok".to_string()));
    srv.stop().await;
}
