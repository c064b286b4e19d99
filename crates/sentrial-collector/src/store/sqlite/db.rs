//! The shared SQL over a SQLite connection (or savepoint): statements run when called (see
//! [`Immediate`]).

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection};

use crate::store::db::{Answer, Immediate, Query};
use crate::store::dialect::Dialect;
use crate::store::value::Value;

/// A SQLite connection the shared SQL runs on.
pub(super) struct SqliteDb<'c>(pub &'c Connection);

impl Immediate for SqliteDb<'_> {
    const DIALECT: Dialect = Dialect::Sqlite;

    fn execute_now(&self, sql: &str, args: &[Value<'_>]) -> Answer<u64> {
        let mut stmt = self.0.prepare_cached(sql)?;
        Ok(stmt.execute(params_from_iter(args))? as u64)
    }

    fn rows_now<T>(&self, q: Query<'_, '_, T>) -> Answer<Vec<T>> {
        // Kept whatever `q.plan` says: SQLite plans with the parameters at hand anyway.
        let mut stmt = self.0.prepare_cached(q.sql)?;
        let rows = stmt.query_and_then(params_from_iter(q.args), |r| (q.make)(r))?;
        rows.collect()
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
