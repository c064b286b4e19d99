//! `GET /healthz`: whether this collector can serve, for a load balancer.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::store::Store;

/// How long `/healthz` waits for the database before it answers 503.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 `ok` when the database answers a trivial query within [`HEALTH_TIMEOUT`],
/// else 503, so a load balancer takes a collector that lost its database out of rotation. The
/// cause goes to the log, not to the caller.
pub async fn healthz(State(store): State<Arc<dyn Store>>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(HEALTH_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within {HEALTH_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
