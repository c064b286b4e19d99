//! The one tokio runtime of the process that all trackers share.
//!
//! It runs on a single named worker thread. Its threads are plain OS threads that the host's event
//! loop knows nothing about, so they never keep a Node process alive, and the runtime is never
//! dropped (a static), so nothing of it runs during process teardown.

use crate::error::CoreError;
use once_cell::sync::OnceCell;
use tokio::runtime::{Builder, Handle, Runtime};

static RUNTIME: OnceCell<Runtime> = OnceCell::new();

/// A handle to the shared runtime, started on first use.
pub fn handle() -> Result<Handle, CoreError> {
    RUNTIME
        .get_or_try_init(|| {
            Builder::new_multi_thread()
                .worker_threads(1)
                .max_blocking_threads(1)
                .thread_name("sentrial-worker")
                .enable_all()
                .build()
        })
        .map(|rt| rt.handle().clone())
        .map_err(|e| CoreError::Startup(e.to_string()))
}
