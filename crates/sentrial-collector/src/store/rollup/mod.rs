//! Hourly rollups: per project, UTC hour and dimension (the whole project, agent, user, model,
//! and the values of chosen metadata keys), the sums of the sessions' figures, kept on ingest
//! (`maintain.rs`) so the aggregate reads need not visit every session, and rebuilt from the
//! sessions on demand (`rebuild.rs`). A session counts in the hour of its sort time (its start).

pub(crate) mod compare;
pub(crate) mod contrib;
pub(crate) mod maintain;
pub(crate) mod overview;
pub(crate) mod overview_scores;
pub(crate) mod read_sql;
pub(crate) mod rebuild;
pub(crate) mod sql;
pub(crate) mod tools;
pub(crate) mod users;
pub(crate) mod withdraw;

pub use maintain::DEFAULT_METADATA_KEYS;
