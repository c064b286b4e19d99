//! The dashboard: the page (`/`, `/overview`, `/issues`, `/alerts`, `/users`, `/tools`,
//! `/compare`, `/users/{id}`, `/sessions/{id}`, `/sessions/{id}/transcript`, `/conversations/{id}`), its embedded assets (`/assets/{name}`), sign-in and sign-out
//! (`login.rs`), and the security headers every response carries.
//!
//! The page is static; it reads everything through the read API with the sign-in cookie, and
//! renders data through DOM text nodes only. The Content-Security-Policy allows nothing but this
//! origin's own scripts and styles, so even a rendering bug cannot run a tool output as script.

mod assets;
mod login;

use std::sync::Arc;

use axum::extract::{FromRef, Path};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::Auth;
use crate::error::AppError;

/// The policy of every response: this origin's scripts, styles and fetches only; no inline
/// script or style, no framing, no `<base>`, forms post only here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// The dashboard's routes, on a router whose state gives [`Auth`].
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Auth>: FromRef<S>,
{
    Router::new()
        .route("/", get(page))
        .route("/overview", get(page))
        .route("/issues", get(page))
        .route("/alerts", get(page))
        .route("/users", get(page))
        .route("/tools", get(page))
        .route("/compare", get(page))
        .route("/users/{id}", get(page_with_id))
        .route("/sessions/{id}", get(page_with_id))
        .route("/sessions/{id}/transcript", get(page_with_id))
        .route("/conversations/{id}", get(page_with_id))
        .route("/login", get(login::login_link).post(login::login_key))
        .route("/logout", post(login::logout))
        .route("/assets/protocol.js", get(protocol_js))
        .route("/assets/{name}", get(asset))
}

/// Adds the security headers to every response, the API's included.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Data read with a cookie must not sit in a shared cache; assets set their own policy.
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// `index.html`: the page renders the view its path names.
pub(super) async fn page(headers: HeaderMap) -> Response {
    let index = assets::find("index.html").expect("index.html is embedded");
    index.response(&headers)
}

async fn page_with_id(Path(_id): Path<String>, headers: HeaderMap) -> Response {
    page(headers).await
}

/// One embedded asset.
async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let asset = assets::find(&name).ok_or_else(|| AppError::NotFound("no such asset".into()))?;
    Ok(asset.response(&headers))
}

/// `/assets/protocol.js`: what the page uses of the protocol, made from the protocol crate so it
/// is written once (the end reasons the sessions list offers as a filter).
async fn protocol_js() -> Response {
    let reasons = serde_json::to_string(sentrial_protocol::END_REASONS).expect("strings serialize");
    let body = format!(
        "// Made by the collector from the sentrial-protocol crate.\n\
         export const END_REASONS = Object.freeze({reasons});\n"
    );
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
