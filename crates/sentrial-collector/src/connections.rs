//! The accept loop: HTTP/1 connections served by hyper with what `axum::serve` does not offer.
//!
//! - A header-read timeout. hyper runs it whenever it waits for a request's head, which is also
//!   while a kept-alive connection sits idle between requests: a silent connection, one that
//!   sends half its headers or sends them a byte at a time, is closed after
//!   [`ConnectionLimits::header_timeout`]. (A slow body is the request timeout's: 408.)
//! - A cap on open connections: past [`ConnectionLimits::max_connections`] the loop stops
//!   accepting until one closes, so connections cannot use up the process's file descriptors
//!   (which would fail the database and `/healthz` too).
//! - A bounded shutdown: once `shutdown` resolves no connection is accepted, open ones finish
//!   the request in hand, and after [`ConnectionLimits::shutdown_grace`] the rest are dropped
//!   (their requests cut: the SDK sends a batch it got no answer for again).
//!
//! Each request carries its client's address as axum's `ConnectInfo<SocketAddr>` (failed
//! authentications are limited per address).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How connections are bounded (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Longest a connection may take to send a request's headers, counted from when it opens
    /// or finished its previous request (so also the longest it may sit idle).
    pub header_timeout: Duration,
    /// Connections open at once, at most.
    pub max_connections: usize,
    /// How long open requests may go on after shutdown begins.
    pub shutdown_grace: Duration,
}

/// Pause after a failed accept (e.g. no file descriptor left), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `shutdown` resolves, then drains within the grace.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // `closing` tells connections to finish; `open` holds them, so the rest can be dropped when
    // the grace is over.
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut open = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while open.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        open.spawn(serve_one(
            stream,
            peer,
            app.clone(),
            limits.header_timeout,
            permit,
            closing_rx.clone(),
        ));
    }
    drop(listener);
    let _ = closing_tx.send(true);
    let drained = async { while open.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_grace, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            "{} connections still open {:?} after shutdown began; closing them",
            open.len(),
            limits.shutdown_grace
        );
        open.shutdown().await;
    }
}

/// One connection, until it ends or shutdown asks it to finish.
async fn serve_one(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    header_timeout: Duration,
    _permit: OwnedSemaphorePermit,
    mut closing: watch::Receiver<bool>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let app = app.map_request(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(conn);
    let mut asked = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended");
                }
                break;
            }
            changed = closing.wait_for(|c| *c), if !asked => {
                asked = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
