//! The methods of [`Store`] for keys, dashboard sessions, sign-in links and issue settings, written once for
//! every store: each runs a shared function of `keys.rs` on a connection the store lends.
//!
//! [`Store`]: crate::store::api::Store

/// Expands, inside an `impl Store for ...`, to the key and sign-in methods. `$read` lends a
/// connection for a read and `$write` one that may write (see [`store_reads`]); both are
/// `$lend!(self, |db| future)`.
///
/// [`store_reads`]: crate::store::reads::store_reads
macro_rules! store_access {
    ($read:ident, $write:ident) => {
        fn live_key(
            &self,
            key_hash: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<$crate::store::StoredKey>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::keys::live_key(db, &key_hash))
        }

        fn add_key(
            &self,
            key_hash: String,
            project_id: String,
            scopes: $crate::scope::Scopes,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            let now = $crate::time::now_ms();
            $write!(self, |db| $crate::store::keys::add_key(
                db,
                &key_hash,
                &project_id,
                scopes,
                now
            ))
        }

        fn key_count(
            &self,
        ) -> $crate::store::api::BoxFuture<'_, Result<u64, $crate::store::StoreError>> {
            $read!(self, |db| $crate::store::keys::key_count(db))
        }

        fn list_keys(
            &self,
            project_id: Option<String>,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::StoredKey>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::keys::list_keys(
                db,
                project_id.as_deref()
            ))
        }

        fn keys_by_id(
            &self,
            id: String,
            project_id: Option<String>,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::StoredKey>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::keys::keys_by_id(
                db,
                &id,
                project_id.as_deref()
            ))
        }

        fn revoke_key(
            &self,
            key_hash: String,
        ) -> $crate::store::api::BoxFuture<'_, Result<bool, $crate::store::StoreError>> {
            let now = $crate::time::now_ms();
            $write!(self, |db| $crate::store::keys::revoke_key(
                db, &key_hash, now
            ))
        }

        fn open_session(
            &self,
            id_hash: String,
            session: $crate::store::DashboardSession,
            expires_at: i64,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            let now = $crate::time::now_ms();
            $write!(self, |db| $crate::store::keys::open_session(
                db, &id_hash, &session, now, expires_at
            ))
        }

        fn session(
            &self,
            id_hash: String,
            max_ms: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<$crate::store::DashboardSession>, $crate::store::StoreError>,
        > {
            let now = $crate::time::now_ms();
            $read!(self, |db| $crate::store::keys::session(
                db, &id_hash, now, max_ms
            ))
        }

        fn close_session(
            &self,
            id_hash: String,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::keys::close_session(db, &id_hash))
        }

        fn add_link(
            &self,
            token_hash: String,
            project_id: String,
            expires_at: i64,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            let now = $crate::time::now_ms();
            $write!(self, |db| $crate::store::keys::add_link(
                db,
                &token_hash,
                &project_id,
                now,
                expires_at
            ))
        }

        fn take_link(
            &self,
            token_hash: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Option<$crate::store::TakenLink>, $crate::store::StoreError>,
        > {
            $write!(self, |db| $crate::store::keys::take_link(db, &token_hash))
        }

        fn sign_out_all(
            &self,
        ) -> $crate::store::api::BoxFuture<'_, Result<u64, $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::keys::sign_out_all(db))
        }

        fn issue_settings(
            &self,
            project_id: String,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<$crate::store::IssueSettings, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::issue_settings::settings(
                db,
                &project_id
            ))
        }

        fn set_issue_settings(
            &self,
            project_id: String,
            overrides: serde_json::Map<String, serde_json::Value>,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            let now = $crate::time::now_ms();
            $write!(self, |db| $crate::store::issue_settings::set(
                db,
                &project_id,
                &overrides,
                now
            ))
        }
    };
}
pub(crate) use store_access;
