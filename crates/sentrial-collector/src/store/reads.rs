//! The methods of [`Store`] that only read, written once for every store: each runs a shared
//! query (`read.rs`, `overview.rs`) on a connection the store lends for that read.
//!
//! [`Store`]: crate::store::api::Store

/// Expands, inside an `impl Store for ...`, to the reading methods. `$lend` is the store's macro
/// `$lend!(self, |db| query)`: it gets a connection, makes a [`Db`] of it named `db`, and
/// answers with the `query` future's output as a [`BoxFuture`].
///
/// [`Db`]: crate::store::db::Db
/// [`BoxFuture`]: crate::store::api::BoxFuture
macro_rules! store_reads {
    ($lend:ident) => {
        fn list_sessions(
            &self,
            project_id: String,
            query: $crate::store::page::ListQuery,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<$crate::store::page::SessionPage, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::read::list_sessions(
                db,
                &project_id,
                &query
            ))
        }

        fn get_session(
            &self,
            project_id: String,
            session_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<$crate::store::model::SessionDetail>, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::read::get_session(
                db,
                &project_id,
                &session_id
            ))
        }

        fn session_scores(
            &self,
            project_id: String,
            session_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<
                Option<Vec<$crate::store::scores::ScoreRecord>>,
                $crate::store::error::StoreError,
            >,
        > {
            $lend!(self, |db| $crate::store::scores::session_scores(
                db,
                &project_id,
                &session_id
            ))
        }

        fn session_events(
            &self,
            project_id: String,
            session_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<Vec<$crate::store::model::EventRef>>, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::read::session_events(
                db,
                &project_id,
                &session_id
            ))
        }

        fn conversation(
            &self,
            project_id: String,
            convo_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<
                Option<$crate::store::overview_model::Conversation>,
                $crate::store::error::StoreError,
            >,
        > {
            $lend!(self, |db| $crate::store::overview::conversation(
                db,
                &project_id,
                &convo_id
            ))
        }

        fn overview(
            &self,
            project_id: String,
            query: $crate::store::overview_model::OverviewQuery,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<$crate::store::overview_model::Overview, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::overview::overview(
                db,
                &project_id,
                &query
            ))
        }

        fn users(
            &self,
            project_id: String,
            query: $crate::store::UsersQuery,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<$crate::store::UsersPage, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::users::users(
                db,
                &project_id,
                &query
            ))
        }

        fn compare(
            &self,
            project_id: String,
            dim: $crate::store::Dimension,
            values: Vec<String>,
            score: String,
            from: i64,
            to: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::CompareRow>, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::compare::compare(
                db,
                &project_id,
                &dim,
                &values,
                &score,
                from,
                to
            ))
        }

        fn tools(
            &self,
            project_id: String,
            from: i64,
            to: i64,
            group: $crate::store::ToolGroup,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::ToolRow>, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::tools::tools(
                db,
                &project_id,
                from,
                to,
                group
            ))
        }

        fn tool_calls_of(
            &self,
            project_id: String,
            name: String,
            from: i64,
            to: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<$crate::store::ToolCalls, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::tools::tool_calls(
                db,
                &project_id,
                &name,
                from,
                to
            ))
        }

        fn issue_summary(
            &self,
            project_id: String,
            from: i64,
            to: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::IssueGroup>, $crate::store::error::StoreError>,
        > {
            $lend!(self, |db| $crate::store::issue_summary::summary(
                db,
                &project_id,
                from,
                to
            ))
        }
    };
}
pub(crate) use store_reads;
