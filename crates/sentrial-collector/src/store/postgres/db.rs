//! The shared SQL's [`Db`] over a PostgreSQL connection or transaction. Statements are prepared
//! once per connection and kept, by their text. Every string bound goes through [`Clean`].

use std::borrow::Cow;

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::text::Clean;
use crate::store::db::{Answer, Db, Plan, Query};
use crate::store::dialect::Dialect;
use crate::store::value::Value;

/// A PostgreSQL client (a pooled connection or an open transaction) the shared SQL runs on.
pub(super) struct PgDb<'c, C>(pub &'c C);

/// `params` as PostgreSQL can store them: text without NUL (see `text.rs`), borrowed as they are
/// when none holds one (nearly always).
fn clean<'v>(params: &'v [Value<'v>]) -> Cow<'v, [Value<'v>]> {
    let nul = |v: &Value<'_>| matches!(v, Value::Text(Some(s)) if s.contains('\0'));
    if !params.iter().any(nul) {
        return Cow::Borrowed(params);
    }
    let cleaned = params.iter().map(|v| match v {
        Value::Text(Some(s)) => Value::Text(Some(Clean::text(s))),
        other => other.clone(),
    });
    Cow::Owned(cleaned.collect())
}

/// `params` as the driver binds them: each the typed `Option` it holds, so a NULL has its
/// column's type.
fn bound<'v>(params: &'v [Value<'_>]) -> Vec<&'v (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|v| -> &(dyn ToSql + Sync) {
            match v {
                Value::Int(v) => v,
                Value::Real(v) => v,
                Value::Bool(v) => v,
                Value::Text(v) => v,
            }
        })
        .collect()
}

impl<C: GenericClient> Db for PgDb<'_, C> {
    const DIALECT: Dialect = Dialect::Postgres;

    async fn execute(&self, sql: &str, args: &[Value<'_>]) -> Answer<u64> {
        let args = clean(args);
        let stmt = self.0.prepare_cached(sql).await?;
        Ok(self.0.execute(&stmt, &bound(&args)).await?)
    }

    async fn rows<T: Send>(&self, q: Query<'_, '_, T>) -> Answer<Vec<T>> {
        let args = clean(q.args);
        let rows = match q.plan {
            Plan::Kept => {
                let stmt = self.0.prepare_cached(q.sql).await?;
                self.0.query(&stmt, &bound(&args)).await?
            }
            Plan::Fresh => self.0.query(q.sql, &bound(&args)).await?,
        };
        rows.iter().map(|r| (q.make)(r)).collect()
    }
}
