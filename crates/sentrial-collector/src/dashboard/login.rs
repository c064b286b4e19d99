//! Signing the dashboard in and out: `GET /login?token=...` (a single-use link), `POST /login`
//! (an API key with `read`) and `POST /logout`. Each sign-in opens a session row; the cookie
//! carries its random id (see `auth/signin.rs`). The forms must be posted from this dashboard
//! (see [`same_origin`]), and failures count against the client address like unknown keys.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::{hash_key, Auth, Caller, ClientIp};
use crate::error::AppError;
use crate::scope::Scope;
use crate::site::same_origin;

/// Query string of `GET /login`.
#[derive(Debug, Deserialize)]
pub(super) struct LinkParams {
    token: Option<String>,
}

/// `GET /login?token=...`: a live, unused link signs the browser in and goes to `/`; without a
/// token, the sign-in page (a form for an API key).
pub(super) async fn login_link(
    State(auth): State<Arc<Auth>>,
    ClientIp(client): ClientIp,
    Query(p): Query<LinkParams>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(token) = p.token.filter(|t| !t.is_empty()) else {
        return Ok(super::page(headers).await);
    };
    auth.attempt(client)?;
    match auth.take_link(&token).await? {
        Some(caller) => {
            auth.succeeded(client);
            signed_in(&auth, &caller).await
        }
        None => Ok(redirect("/login?error=link", None)),
    }
}

/// Body of `POST /login`.
#[derive(Deserialize)]
pub(super) struct KeyForm {
    key: String,
}

/// `POST /login` with an API key (`key=...`): a live key with `read` signs the browser in for
/// its project; a key without it goes back with `error=scope`.
pub(super) async fn login_key(
    State(auth): State<Arc<Auth>>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<KeyForm>,
) -> Result<Response, AppError> {
    same_origin(&headers)?;
    let key = form.key.trim();
    if key.is_empty() {
        return Ok(redirect("/login?error=key", None));
    }
    auth.attempt(client)?;
    let Some(caller) = auth.caller_for_key(&hash_key(key)).await? else {
        return Ok(redirect("/login?error=key", None));
    };
    auth.succeeded(client);
    if !caller.scopes.has(Scope::Read) {
        return Ok(redirect("/login?error=scope", None));
    }
    signed_in(&auth, &caller).await
}

/// `POST /logout`: ends the session and forgets the cookie.
pub(super) async fn logout(
    State(auth): State<Arc<Auth>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    same_origin(&headers)?;
    let cookies = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok());
    if let Some(value) = auth.cookie().find(cookies) {
        auth.close_session(value).await?;
    }
    Ok(redirect("/login", Some(auth.cookie().clear())))
}

async fn signed_in(auth: &Auth, caller: &Caller) -> Result<Response, AppError> {
    let value = auth.open_session(caller).await?;
    Ok(redirect("/", Some(auth.cookie().set(&value))))
}

/// 303 to `to`, setting `cookie` when given.
fn redirect(to: &'static str, cookie: Option<String>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response();
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}
