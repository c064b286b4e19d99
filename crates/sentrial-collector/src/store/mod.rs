//! Storage behind one trait: [`SqliteStore`], the embedded default, and [`PgStore`], for several
//! collectors on one PostgreSQL database. [`open`] picks one from where the data should live.
//!
//! A store owns the apply semantics of protocol v1: dedupe by event id, and a final state of each
//! session that does not depend on how often or in which order its events arrive.
//!
//! Both stores run the same SQL (`queries.rs`, `writes.rs`, rendered per engine by `dialect.rs`)
//! through the same code (`apply.rs`, `read.rs`, `overview.rs`, `keys.rs`, `reads.rs`, `access.rs`) over a
//! small `Db` trait (`db.rs`) each implements; what differs is each store's own (`sqlite/`, `postgres/`).

mod access;
mod alert_access;
mod alert_model;
mod alert_rows;
mod alert_sql;
mod alerts;
mod api;
mod apply;
mod baselines;
mod compare;
mod db;
mod ddl;
mod delete;
mod detail;
mod dialect;
mod dimension_values;
mod error;
mod incoming;
mod issue_settings;
mod issue_summary;
mod issues;
mod key_model;
mod key_sql;
mod keys;
mod lineage;
mod location;
mod manual;
mod manual_sql;
mod model;
mod overview;
mod overview_model;
mod page;
mod postgres;
mod queries;
mod read;
mod reads;
mod retention;
mod rollup;
mod row;
mod scores;
mod search;
mod sqlite;
mod tools;
mod transcript;
mod user_detail;
mod users;
mod value;
mod writes;

pub use alert_model::{Claimed, DeliveryRecord, GroupView, RuleView};
pub use api::{BoxFuture, Store};
pub use compare::{CompareRow, Dimension};
pub use delete::{Deleted, BATCH as DELETE_BATCH, SESSION_TABLES};
pub use dimension_values::{ValueCount, VALUES_LISTED};
pub use error::StoreError;
pub use issue_settings::IssueSettings;
pub use issue_summary::{DayCount, IssueGroup, NameCount, TOP_LIMIT};
pub use key_model::{DashboardSession, StoredKey, TakenLink};
pub use lineage::{Lineage, Relation, RunRef, CONTINUED_BY_LIMIT};
pub use location::{open, Location};
pub use manual::{ChildSession, CHILDREN_DEPTH, CHILDREN_MAX};
pub use model::{
    EventRef, MarkerRecord, ModelCallRecord, SessionDetail, SessionRecord, SubagentRecord,
    ToolCallRecord, TurnInput, TurnRecord, PREVIEW_CHARS,
};
pub use overview_model::{
    Bucket, Conversation, Group, Overview, OverviewQuery, ScoreAverage, ToolStat, Totals,
    CONVERSATION_LIMIT,
};
pub use page::{Cursor, ListQuery, MetricFilter, ScoreFilter, SessionPage};
pub use postgres::{redacted_url, PgStore, PG_SCHEMA_VERSION};
pub use retention::{ProjectRetention, MAX_RETENTION_DAYS};
pub use rollup::DEFAULT_METADATA_KEYS;
pub use scores::ScoreRecord;
pub use sqlite::{SqliteStore, SCHEMA_VERSION};
pub use tools::{CallRef, ToolCalls, ToolGroup, ToolRow, CALLS_LISTED};
pub use transcript::{MarkerItem, ToolCallItem, Transcript, TranscriptItem, UserTurn};
pub use user_detail::{
    UserBucket, UserConversation, UserDetail, UserQuery, UserTotals, USER_CONVERSATIONS,
};
pub use users::{UserRow, UserSort, UsersPage, UsersQuery};
