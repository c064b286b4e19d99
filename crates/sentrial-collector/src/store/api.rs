//! [`Store`]: what the collector needs from storage, whichever store holds it.

use std::future::Future;
use std::pin::Pin;

use sentrial_protocol::{Event, IngestResponse};

use crate::alert::state::Outcome;
use crate::alert::Rule;
use crate::scope::Scopes;
use crate::store::alert_model::{Claimed, DeliveryRecord, RuleView};
use crate::store::error::StoreError;
use crate::store::incoming::Incoming;
use crate::store::issue_settings::IssueSettings;
use crate::store::issue_summary::IssueGroup;
use crate::store::key_model::{DashboardSession, StoredKey, TakenLink};
use crate::store::model::{EventRef, SessionDetail};
use crate::store::overview_model::{Conversation, Overview, OverviewQuery};
use crate::store::page::{ListQuery, SessionPage};
use crate::store::scores::ScoreRecord;

/// A boxed future, so [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the collector needs from storage. Every read and write is scoped by `project_id`.
pub trait Store: Send + Sync + 'static {
    /// Stores a batch's events: new ids are applied, known ids are counted as duplicates and
    /// ignored. PostgreSQL writes a batch in one transaction; SQLite in bounded parts (see its
    /// writer), so a batch that fails may be partly stored, and its resend completes it.
    fn ingest(
        &self,
        project_id: String,
        events: Vec<Event>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>> {
        Box::pin(async move {
            // Serialized here, on the request's task, so the store's writer only writes.
            let events = Incoming::all(events)?;
            self.ingest_serialized(project_id, events).await
        })
    }

    /// [`Store::ingest`] of events already serialized.
    #[doc(hidden)]
    fn ingest_serialized(
        &self,
        project_id: String,
        events: Vec<Incoming>,
    ) -> BoxFuture<'_, Result<IngestResponse, StoreError>>;

    /// The live (stored, not revoked) key with this SHA-256 hex digest.
    fn live_key(&self, key_hash: String) -> BoxFuture<'_, Result<Option<StoredKey>, StoreError>>;

    /// Stores a key digest for a project with its scopes (a stored digest keeps its own).
    fn add_key(
        &self,
        key_hash: String,
        project_id: String,
        scopes: Scopes,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// How many live keys are stored, all projects together.
    fn key_count(&self) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// The keys of a project (`None`: of all), revoked ones included, oldest first.
    fn list_keys(
        &self,
        project_id: Option<String>,
    ) -> BoxFuture<'_, Result<Vec<StoredKey>, StoreError>>;

    /// The keys with this public id (see [`StoredKey::id`]), in a project (`None`: any).
    fn keys_by_id(
        &self,
        id: String,
        project_id: Option<String>,
    ) -> BoxFuture<'_, Result<Vec<StoredKey>, StoreError>>;

    /// Revokes a key by digest and ends its dashboard sessions; whether it was live.
    fn revoke_key(&self, key_hash: String) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Opens a dashboard session under the digest of its cookie's value, until `expires_at` (ms).
    fn open_session(
        &self,
        id_hash: String,
        session: DashboardSession,
        expires_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The live dashboard session with this digest, if it was made to last at most `max_ms`.
    fn session(
        &self,
        id_hash: String,
        max_ms: i64,
    ) -> BoxFuture<'_, Result<Option<DashboardSession>, StoreError>>;

    /// Ends a dashboard session.
    fn close_session(&self, id_hash: String) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Stores a sign-in link's token digest for a project, until `expires_at` (ms).
    fn add_link(
        &self,
        token_hash: String,
        project_id: String,
        expires_at: i64,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Takes (deletes: it works once) the link with this digest.
    fn take_link(&self, token_hash: String)
        -> BoxFuture<'_, Result<Option<TakenLink>, StoreError>>;

    /// Ends every dashboard session and voids every sign-in link; how many sessions ended.
    fn sign_out_all(&self) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// A project's thresholds for the issue rules: in force, its overrides, the defaults.
    fn issue_settings(
        &self,
        project_id: String,
    ) -> BoxFuture<'_, Result<IssueSettings, StoreError>>;

    /// Replaces a project's overrides of the thresholds (checked by the caller: see
    /// [`Thresholds::with_overrides`](crate::detect::Thresholds::with_overrides)); later
    /// batches are checked with them.
    fn set_issue_settings(
        &self,
        project_id: String,
        overrides: serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Whether the database answers a trivial query (what `/healthz` reports).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// How long the oldest write waiting for the store's single writer has waited (zero for a
    /// store without one); `/healthz` is unhealthy past a limit.
    fn writer_lag(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }

    /// One page of a project's sessions, newest first.
    fn list_sessions(
        &self,
        project_id: String,
        query: ListQuery,
    ) -> BoxFuture<'_, Result<SessionPage, StoreError>>;

    /// One session with its inputs and tool calls, or `None` when the project has no such session.
    fn get_session(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<SessionDetail>, StoreError>>;

    /// A session's scores, oldest first (its own and its Claude session id's), or `None` when
    /// the project has no such session.
    fn session_scores(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<Vec<ScoreRecord>>, StoreError>>;

    /// A session's stored events in ingest order, or `None` when the project has no such session.
    fn session_events(
        &self,
        project_id: String,
        session_id: String,
    ) -> BoxFuture<'_, Result<Option<Vec<EventRef>>, StoreError>>;

    /// The sessions of one conversation, oldest first, or `None` when the project has none.
    fn conversation(
        &self,
        project_id: String,
        convo_id: String,
    ) -> BoxFuture<'_, Result<Option<Conversation>, StoreError>>;

    /// Sessions and cost over a time range, by agent and user, and the tools' figures.
    fn overview(
        &self,
        project_id: String,
        query: OverviewQuery,
    ) -> BoxFuture<'_, Result<Overview, StoreError>>;

    /// The project's end users with their figures over a time range (`GET /api/analytics/users`).
    fn users(
        &self,
        project_id: String,
        query: crate::store::UsersQuery,
    ) -> BoxFuture<'_, Result<crate::store::UsersPage, StoreError>>;

    /// End user `user_id`'s figures, series and conversations over a range, or `None` when
    /// they have no session at all (`GET /api/analytics/users/{user_id}`).
    fn user_detail(
        &self,
        project_id: String,
        user_id: String,
        query: crate::store::UserQuery,
    ) -> BoxFuture<'_, Result<Option<crate::store::UserDetail>, StoreError>>;

    /// The values `dim` took over `[from, to)` (ms), most sessions first (at most
    /// [`VALUES_LISTED`](crate::store::VALUES_LISTED)).
    fn dimension_values(
        &self,
        project_id: String,
        dim: crate::store::Dimension,
        from: i64,
        to: i64,
    ) -> BoxFuture<'_, Result<Vec<crate::store::ValueCount>, StoreError>>;

    /// The figures of each of `values` of `dim` over `[from, to)` (ms), `score` naming the score
    /// averaged (empty: every number).
    fn compare(
        &self,
        project_id: String,
        dim: crate::store::Dimension,
        values: Vec<String>,
        score: String,
        from: i64,
        to: i64,
    ) -> BoxFuture<'_, Result<Vec<crate::store::CompareRow>, StoreError>>;

    /// The project's tools (or MCP servers) with their figures over `[from, to)` (ms).
    fn tools(
        &self,
        project_id: String,
        from: i64,
        to: i64,
        group: crate::store::ToolGroup,
    ) -> BoxFuture<'_, Result<Vec<crate::store::ToolRow>, StoreError>>;

    /// Tool `name`'s slowest calls and latest failing calls over `[from, to)` (ms).
    fn tool_calls_of(
        &self,
        project_id: String,
        name: String,
        from: i64,
        to: i64,
    ) -> BoxFuture<'_, Result<crate::store::ToolCalls, StoreError>>;

    /// The project's detected issues of sessions that ended in `[from, to)` (ms), by kind.
    fn issue_summary(
        &self,
        project_id: String,
        from: i64,
        to: i64,
    ) -> BoxFuture<'_, Result<Vec<IssueGroup>, StoreError>>;

    /// Deletes up to [`DELETE_BATCH`](crate::store::DELETE_BATCH) sessions of end user `user_id`
    /// with everything stored about them, in one transaction: how many sessions it picked (fewer
    /// than the batch: none are left) and the rows deleted per table.
    fn delete_user_batch(
        &self,
        project_id: String,
        user_id: String,
    ) -> BoxFuture<'_, Result<(u64, crate::store::Deleted), StoreError>>;

    /// As [`Store::delete_user_batch`], for the sessions that started before `cutoff` (ms) of
    /// project `Some(id)`, or (`None`) of every project without a retention of its own; its last
    /// batch also deletes the scores given before it.
    fn delete_expired_batch(
        &self,
        project_id: Option<String>,
        cutoff: i64,
    ) -> BoxFuture<'_, Result<(u64, crate::store::Deleted), StoreError>>;

    /// A project's own retention (overriding `--retention-days`), if it has one.
    fn project_retention(
        &self,
        project_id: String,
    ) -> BoxFuture<'_, Result<Option<crate::store::ProjectRetention>, StoreError>>;

    /// Every project's own retention, by project.
    fn project_retentions(
        &self,
    ) -> BoxFuture<'_, Result<Vec<crate::store::ProjectRetention>, StoreError>>;

    /// Sets a project's own retention to `days` (1 to
    /// [`MAX_RETENTION_DAYS`](crate::store::MAX_RETENTION_DAYS), checked by the caller) or
    /// removes it (`None`); whether it had one before.
    fn set_project_retention(
        &self,
        project_id: String,
        days: Option<u32>,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;
    /// Recomputes every rollup from the stored sessions (`sentrial rollup rebuild`); how many
    /// sessions it counted. Safe while collectors serve (see `store/rollup/rebuild.rs`).
    fn rebuild_rollups(&self) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Makes the rollups sum by the values of metadata keys `keys`, and fills them from the
    /// stored sessions when they are pending (made by the migration, or summed by other keys
    /// until now): how many sessions that counted, if it did.
    fn prepare_rollups(&self, keys: Vec<String>) -> BoxFuture<'_, Result<Option<u64>, StoreError>>;

    /// Stores an alert rule.
    fn add_alert_rule(&self, rule: Rule) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The alert rules of a project (`None`: of all), oldest first, with their states.
    fn alert_rules(
        &self,
        project_id: Option<String>,
    ) -> BoxFuture<'_, Result<Vec<RuleView>, StoreError>>;

    /// Pauses or resumes alert rule `id` of a project (`None`: any); whether there was one.
    fn set_alert_paused(
        &self,
        project_id: Option<String>,
        id: String,
        paused: bool,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Deletes alert rule `id` of a project (`None`: any) with its states and deliveries;
    /// whether there was one.
    fn delete_alert_rule(
        &self,
        project_id: Option<String>,
        id: String,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// The latest `limit` webhook deliveries of a project (`None`: all), of one rule (`None`:
    /// all), newest first.
    fn alert_history(
        &self,
        project_id: Option<String>,
        rule_id: Option<String>,
        limit: i64,
    ) -> BoxFuture<'_, Result<Vec<DeliveryRecord>, StoreError>>;

    /// One evaluation round of every active rule at `now` (ms), in one transaction: state
    /// changes and their deliveries (with links to `dashboard`) are written together. `None`
    /// when another collector is evaluating (PostgreSQL); else how many deliveries it queued.
    fn evaluate_alerts(
        &self,
        now: i64,
        dashboard: String,
    ) -> BoxFuture<'_, Result<Option<u64>, StoreError>>;

    /// Claims up to `limit` deliveries due at `now` for `lease_ms`: no other sender takes them
    /// meanwhile.
    fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, StoreError>>;

    /// Stores the outcome of an attempt at a claimed delivery.
    fn finish_delivery(
        &self,
        project_id: String,
        id: String,
        outcome: Outcome,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Finishes pending writes and releases the database. Later calls fail with
    /// [`StoreError::Closed`].
    fn close(&self) -> BoxFuture<'_, ()>;
}
