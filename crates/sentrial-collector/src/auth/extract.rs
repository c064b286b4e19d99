//! The extractors: [`Project`] (a Bearer key with `ingest`), [`Reader`] (a Bearer key with
//! `read`, or the dashboard's cookie), [`Admin`] (a Bearer key with `admin`), [`Reviewer`]
//! (the dashboard's cookie on a same-origin JSON request: a reviewer's score) and [`Manager`]
//! (`admin` by key, or by a dashboard session from the dashboard's own pages). A missing,
//! malformed or unknown credential is 401; a known one without the scope is 403 naming it; a
//! client address that failed too often is 429 whatever it shows.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;

use crate::auth::{hash_key, Auth, Caller};
use crate::error::AppError;
use crate::scope::Scope;
use crate::site::same_origin;

/// The project of the request's API key, which holds `ingest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project(pub String);

/// The project of a read request: from its Bearer key (with `read`) when it has an
/// `Authorization` header, else from a live dashboard session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader(pub String);

/// The caller of an admin request: a Bearer key with `admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin(pub Caller);

/// The project of a request that changes alert rules: a Bearer key with `admin`, or a dashboard
/// session that holds `admin` on a request the browser says comes from the dashboard itself
/// ([`same_origin`]: a cookie rides on any site's form, a header does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager(pub String);

impl<S> FromRequestParts<S> for Project
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = Arc::<Auth>::from_ref(state);
        let caller = bearer(&auth, parts).await?.require(Scope::Ingest)?;
        Ok(Project(caller.project))
    }
}

impl<S> FromRequestParts<S> for Reader
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = Arc::<Auth>::from_ref(state);
        let caller = key_or_cookie(&auth, parts, |_| Ok(())).await?;
        Ok(Reader(caller.require(Scope::Read)?.project))
    }
}

impl<S> FromRequestParts<S> for Admin
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = Arc::<Auth>::from_ref(state);
        Ok(Admin(bearer(&auth, parts).await?.require(Scope::Admin)?))
    }
}

/// The project of a write the dashboard makes (a reviewer's score): a live dashboard cookie, no
/// `Authorization` header, a JSON body (a cross-site form cannot send one without CORS, which
/// the collector never grants) and a same-origin request (`Sec-Fetch-Site`, else `Origin`; see
/// [`same_origin`](crate::site::same_origin)). Anything else is refused before the cookie is
/// looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer(pub String);

impl<S> FromRequestParts<S> for Reviewer
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let refusal = "dashboard writes must come from this dashboard";
        crate::site::same_origin_or(&parts.headers, refusal)?;
        let json = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(AppError::UnsupportedMediaType(
                "a dashboard write must be sent as application/json".into(),
            ));
        }
        let auth = Arc::<Auth>::from_ref(state);
        let caller = cookie(&auth, parts).await?.require(Scope::Read)?;
        Ok(Reviewer(caller.project))
    }
}

impl<S> FromRequestParts<S> for Manager
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = Arc::<Auth>::from_ref(state);
        let caller = key_or_cookie(&auth, parts, |parts| {
            same_origin(&parts.headers).map_err(|_| {
                AppError::Forbidden(
                    "changes from the dashboard must come from its own pages".into(),
                )
            })
        })
        .await?;
        Ok(Manager(caller.require(Scope::Admin)?.project))
    }
}

/// The caller of a request: by its Bearer key when it sends an `Authorization` header, else by
/// the dashboard's cookie once `vet` (a check of the request itself) has passed.
async fn key_or_cookie(
    auth: &Auth,
    parts: &Parts,
    vet: impl FnOnce(&Parts) -> Result<(), AppError>,
) -> Result<Caller, AppError> {
    if parts.headers.contains_key(AUTHORIZATION) {
        bearer(auth, parts).await
    } else {
        vet(parts)?;
        cookie(auth, parts).await
    }
}

/// The client's address, when the server passes it (`into_make_service_with_connect_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The caller of the request's `Authorization: Bearer <key>`.
async fn bearer(auth: &Auth, parts: &Parts) -> Result<Caller, AppError> {
    let client = client_ip(parts);
    let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
        AppError::Unauthorized(
            "missing Authorization header; send `Authorization: Bearer <api key>`".into(),
        )
    })?;
    auth.attempt(client)?;
    let key = header
        .to_str()
        .ok()
        .and_then(|h| {
            let (scheme, key) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
        })
        .filter(|k| !k.is_empty());
    let Some(key) = key else {
        return Err(AppError::Unauthorized(
            "malformed Authorization header; expected `Bearer <api key>`".into(),
        ));
    };
    let digest = hash_key(key);
    let caller = auth.caller_for_key(&digest).await?;
    let caller = caller.ok_or_else(|| AppError::Unauthorized("unknown API key".into()))?;
    auth.succeeded(client);
    auth.check_rate(&digest)?;
    Ok(caller)
}

/// The caller of the request's dashboard cookie.
async fn cookie(auth: &Auth, parts: &Parts) -> Result<Caller, AppError> {
    let client = client_ip(parts);
    let headers = parts.headers.get_all(COOKIE).iter();
    let value = auth.cookie().find(headers.filter_map(|h| h.to_str().ok()));
    let Some(value) = value else {
        return Err(AppError::Unauthorized(
            "missing Authorization header; send `Authorization: Bearer <api key>`, or sign in \
             to the dashboard"
                .into(),
        ));
    };
    auth.attempt(client)?;
    let caller = auth.session_caller(value).await?;
    let caller = caller
        .ok_or_else(|| AppError::Unauthorized("dashboard sign-in expired or invalid".into()))?;
    auth.succeeded(client);
    Ok(caller)
}
