//! The shared SQL's [`Db`] over a SQLite connection (or savepoint): statements run when called,
//! so the futures it returns are ready at once (see [`crate::store::db::now`]).

use std::future::{ready, Future};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection};

use crate::store::db::{Db, MakeRow};
use crate::store::dialect::Dialect;
use crate::store::value::Value;
use crate::store::StoreError;

/// A SQLite connection the shared SQL runs on.
pub(super) struct SqliteDb<'c>(pub &'c Connection);

impl SqliteDb<'_> {
    fn rows_now<T>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.0
            .prepare_cached(sql)?
            .query_and_then(params_from_iter(params), |r| make(r))?
            .collect()
    }
}

impl Db for SqliteDb<'_> {
    const DIALECT: Dialect = Dialect::Sqlite;

    fn execute(
        &self,
        sql: &str,
        params: &[Value<'_>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let changed = self
            .0
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(params_from_iter(params)));
        ready(changed.map(|n| n as u64).map_err(StoreError::from))
    }

    fn rows<T: Send>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        ready(self.rows_now(sql, params, make))
    }

    fn rows_planned<T: Send>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        // SQLite plans a statement with its parameters at hand: keeping it costs nothing.
        ready(self.rows_now(sql, params, make))
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(v) => v.to_sql()?,
            Value::Real(v) => v.to_sql()?,
            Value::Bool(v) => v.to_sql()?,
            Value::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Text(None) => ToSqlOutput::Owned(rusqlite::types::Value::Null),
        })
    }
}
