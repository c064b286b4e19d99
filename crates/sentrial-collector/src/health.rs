//! `GET /healthz`: whether this collector can serve, for a load balancer.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// How long `/healthz` waits for the database before it answers 503.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 `ok` when the database answers a trivial query within [`HEALTH_TIMEOUT`]
/// and the store's writer is not behind by more than [`AppState::max_writer_lag`]; else 503, so
/// a load balancer takes a collector that lost its database, or cannot keep up with its writes,
/// out of rotation. The cause goes to the log, not to the caller.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let store = &state.store;
    match tokio::time::timeout(HEALTH_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database did not answer");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within {HEALTH_TIMEOUT:?}");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
        }
    }
    let lag = store.writer_lag();
    if lag > state.max_writer_lag() {
        tracing::warn!("health check: the oldest write has waited {lag:?}");
        return (StatusCode::SERVICE_UNAVAILABLE, "writer behind");
    }
    (StatusCode::OK, "ok")
}
