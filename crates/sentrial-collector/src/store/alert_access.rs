//! The methods of [`Store`] for alerts, written once for every store: each runs a shared function
//! of `alerts.rs` on a connection the store lends. The evaluation round, which needs each store's
//! own transaction and lock, is in each store.
//!
//! [`Store`]: crate::store::api::Store

/// Expands, inside an `impl Store for ...`, to the alert methods but `evaluate_alerts`. `$read`
/// and `$write` lend connections as in [`store_access`].
///
/// [`store_access`]: crate::store::access::store_access
macro_rules! store_alerts {
    ($read:ident, $write:ident) => {
        fn add_alert_rule(
            &self,
            rule: $crate::alert::Rule,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::alerts::add_rule(db, &rule))
        }

        fn alert_rules(
            &self,
            project_id: Option<String>,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::RuleView>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::alerts::rules(
                db,
                project_id.as_deref()
            ))
        }

        fn set_alert_paused(
            &self,
            project_id: Option<String>,
            id: String,
            paused: bool,
        ) -> $crate::store::api::BoxFuture<'_, Result<bool, $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::alerts::set_paused(
                db,
                project_id.as_deref(),
                &id,
                paused
            ))
        }

        fn delete_alert_rule(
            &self,
            project_id: Option<String>,
            id: String,
        ) -> $crate::store::api::BoxFuture<'_, Result<bool, $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::alerts::delete_rule(
                db,
                project_id.as_deref(),
                &id
            ))
        }

        fn alert_history(
            &self,
            project_id: Option<String>,
            rule_id: Option<String>,
            limit: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::DeliveryRecord>, $crate::store::StoreError>,
        > {
            $read!(self, |db| $crate::store::alerts::history(
                db,
                project_id.as_deref(),
                rule_id.as_deref(),
                limit
            ))
        }

        fn claim_deliveries(
            &self,
            now: i64,
            lease_ms: i64,
            limit: i64,
        ) -> $crate::store::api::BoxFuture<
            '_,
            Result<Vec<$crate::store::Claimed>, $crate::store::StoreError>,
        > {
            $write!(self, |db| $crate::store::alerts::claim(
                db, now, lease_ms, limit
            ))
        }

        fn finish_delivery(
            &self,
            project_id: String,
            id: String,
            outcome: $crate::alert::Outcome,
        ) -> $crate::store::api::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
            $write!(self, |db| $crate::store::alerts::finish(
                db,
                &project_id,
                &id,
                &outcome
            ))
        }
    };
}
pub(crate) use store_alerts;
