//! What every handler shares, and how each reaches the part it needs (`FromRef`): the store,
//! and [`Auth`] for the extractors and the dashboard's sign-in.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;

use crate::auth::signin::CookieJar;
use crate::auth::Auth;
use crate::ingest_limit::IngestLimit;
use crate::rate_limit::RateLimit;
use crate::retention::RetentionDays;
use crate::site::Site;
use crate::store::Store;

/// [`AppState::max_writer_lag`] unless told otherwise: a third of the default request timeout,
/// so a collector is taken out of rotation before its ingest answers 408.
pub const DEFAULT_MAX_WRITER_LAG: Duration = Duration::from_secs(10);

/// The router's state.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is stored.
    pub store: Arc<dyn Store>,
    auth: Arc<Auth>,
    site: Arc<Site>,
    request_timeout: Duration,
    max_writer_lag: Duration,
    ingest_limit: IngestLimit,
    retention: RetentionDays,
}

impl AppState {
    /// State over `store`, accepting the stored keys plus `api_keys` (for project `default`), on
    /// any host name, with the default failure limit.
    pub fn new(store: Arc<dyn Store>, api_keys: &[String], request_timeout: Duration) -> Self {
        let auth = Arc::new(Auth::new(store.clone(), api_keys));
        AppState {
            store,
            auth,
            site: Arc::default(),
            request_timeout,
            max_writer_lag: DEFAULT_MAX_WRITER_LAG,
            ingest_limit: IngestLimit::default(),
            retention: RetentionDays(None),
        }
    }

    /// The same state, limiting failed authentications per client address (`None`: no limit).
    pub fn with_failure_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.auth = Arc::new((*self.auth).clone().with_failure_limit(limit));
        self
    }

    /// The same state, answering for `site`'s host names with `cookie` for the dashboard.
    pub fn with_site(mut self, site: Site, cookie: CookieJar) -> Self {
        self.auth = Arc::new((*self.auth).clone().with_cookie(cookie));
        self.site = Arc::new(site);
        self
    }

    /// The host names it answers for.
    pub fn site(&self) -> Arc<Site> {
        self.site.clone()
    }

    /// The same state, ingest bounded by `limit`.
    pub fn with_ingest_limit(mut self, limit: IngestLimit) -> Self {
        self.ingest_limit = limit;
        self
    }

    /// The same state, `/healthz` unhealthy once a write has waited longer than `lag`.
    pub fn with_max_writer_lag(mut self, lag: Duration) -> Self {
        self.max_writer_lag = lag;
        self
    }

    /// The same state, saying that sessions are kept `retention` (`None`: until deleted).
    pub fn with_retention(mut self, retention: Option<crate::retention::Retention>) -> Self {
        self.retention = RetentionDays(retention.map(|r| r.days()));
        self
    }

    /// The same state, limiting each key to `limit` (`None`: no limit).
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.auth = Arc::new((*self.auth).clone().with_rate_limit(limit));
        self
    }

    /// Who may call.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// How long the oldest write may wait for the store before `/healthz` answers 503.
    pub fn max_writer_lag(&self) -> Duration {
        self.max_writer_lag
    }

    /// How long a request may take.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
}

impl FromRef<AppState> for Arc<dyn Store> {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

impl FromRef<AppState> for RetentionDays {
    fn from_ref(state: &AppState) -> Self {
        state.retention
    }
}

impl FromRef<AppState> for IngestLimit {
    fn from_ref(state: &AppState) -> Self {
        state.ingest_limit.clone()
    }
}

impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}
