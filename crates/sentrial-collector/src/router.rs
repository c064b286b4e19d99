//! The routes and the layers every request goes through.

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::MAX_BODY_BYTES;
use crate::error::AppError;
use crate::state::AppState;
use crate::{
    alerts_api, analytics_api, compare_api, dashboard, export_api, health, ingest,
    issue_settings_api, issues_api, keys_api, otlp, read_api, retention_api, scores_api, site,
    user_api, users_api, values_api, views_api,
};

/// The routes and layers over `state`; what [`Server::run`] serves.
pub fn router(state: AppState) -> Router {
    let timeout = state.request_timeout();
    Router::new()
        .route(sentrial_protocol::INGEST_PATH, post(ingest::post_batch))
        .route(otlp::TRACES_PATH, post(otlp::post_traces))
        .route("/api/sessions", get(read_api::list_sessions))
        .route("/api/sessions/{id}", get(read_api::get_session))
        .route("/api/sessions/{id}/events", get(read_api::session_events))
        .route(
            "/api/sessions/{id}/scores",
            get(scores_api::get_scores).post(scores_api::post_score),
        )
        .route(
            "/api/sessions/{id}/transcript",
            get(read_api::session_transcript),
        )
        .route("/api/conversations/{convo_id}", get(views_api::conversation))
        .route("/api/overview", get(views_api::overview))
        .route("/api/issues", get(issues_api::issues))
        .route("/api/analytics/users", get(analytics_api::users))
        .route("/api/analytics/users/{user_id}", get(user_api::user))
        .route("/api/analytics/tools", get(analytics_api::tools))
        .route("/api/analytics/compare", get(compare_api::compare))
        .route("/api/analytics/values", get(values_api::values))
        .route("/api/analytics/tools/{name}", get(analytics_api::tool))
        .route("/api/export/sessions", get(export_api::export_sessions))
        .route("/api/sessions/{id}/export", get(export_api::export_session))
        .route("/api/users/{user_id}", delete(users_api::delete_user))
        .route(
            "/api/issue-settings",
            get(issue_settings_api::get_settings).put(issue_settings_api::put_settings),
        )
        .route(
            "/api/retention",
            get(retention_api::get_retention).put(retention_api::put_retention),
        )
        .route("/healthz", get(health::healthz))
        .merge(keys_api::routes())
        .merge(alerts_api::routes())
        .merge(dashboard::routes())
        .fallback(|| async { AppError::NotFound("no such endpoint".into()) })
        .layer(axum::middleware::from_fn_with_state(
            state.site(),
            site::check_host,
        ))
        .layer(axum::middleware::map_response(dashboard::security_headers))
        // Outermost last. The limit applies to the body as the handler reads it, which is after
        // decompression, chunk by chunk: a gzip bomb stops at MAX_BODY_BYTES.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestDecompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // The span has method and path only: never headers (keys, cookies) nor the query string
        // (a sign-in link's token).
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            },
        ))
        .with_state(state)
}
