//! The shared SQL's [`Db`] over a PostgreSQL connection or transaction. Statements are prepared
//! once per connection and kept, by their text.

use std::future::Future;

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use crate::store::db::{Db, MakeRow};
use crate::store::dialect::Dialect;
use crate::store::value::Value;
use crate::store::StoreError;

/// A PostgreSQL client (a pooled connection or an open transaction) the shared SQL runs on.
pub(super) struct PgDb<'c, C>(pub &'c C);

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

    fn execute(
        &self,
        sql: &str,
        params: &[Value<'_>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        async move {
            let stmt = self.0.prepare_cached(sql).await?;
            Ok(self.0.execute(&stmt, &bound(params)).await?)
        }
    }

    fn rows<T: Send>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        async move {
            let stmt = self.0.prepare_cached(sql).await?;
            let rows = self.0.query(&stmt, &bound(params)).await?;
            rows.iter().map(|r| make(r)).collect()
        }
    }

    fn rows_planned<T: Send>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        async move {
            let rows = self.0.query(sql, &bound(params)).await?;
            rows.iter().map(|r| make(r)).collect()
        }
    }
}
