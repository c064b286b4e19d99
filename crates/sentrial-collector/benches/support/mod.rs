//! What the benchmarks share: a real collector on 127.0.0.1 (any free port) that stops on demand.

use sentrial_collector::{CollectorError, ServeConfig, Server};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A collector serving on a background task.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), CollectorError>>,
}

/// Binds and serves `config` (its port: 0 picks a free one), and installs the crypto provider
/// reqwest's rustls needs (the SDK brings its own; a benchmark's client has none).
pub async fn serve(config: ServeConfig) -> Running {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = Server::bind(config).await.unwrap();
    let url = server.url();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running { url, stop, task }
}

impl Running {
    /// Stops the collector and waits until it has closed its database.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}
