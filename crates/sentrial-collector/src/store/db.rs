//! What the stores' shared SQL needs of a database: run a statement, read rows by column name.
//! Each store implements [`Db`] for its connection; the reads (`read.rs`, `overview.rs`), the
//! ingest rules (`apply.rs`) and the keys (`keys.rs`) are written once over it.
//!
//! The methods return futures so PostgreSQL can await its round trips (and pipeline a batch's
//! events). SQLite answers at once ([`Immediate`]): its futures are ready when returned, and its
//! store runs a shared function to completion on its own thread with [`now`].

use std::future::{ready, Future};

use crate::store::dialect::{Dialect, Sql};
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::store::value::Value;

/// What a database call gives.
pub(crate) type Answer<T> = Result<T, StoreError>;

/// How a row becomes a record: one of `row.rs`'s functions.
pub(crate) type MakeRow<T> = fn(&dyn Columns) -> Answer<T>;

/// Whether a query's plan is kept with its prepared statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Prepared once per connection and kept, by its text.
    Kept,
    /// Planned for these very parameters and not kept: a cached generic plan cannot tell a
    /// rare search text from a common one (PostgreSQL; SQLite plans with its parameters at hand
    /// anyway, and keeps it).
    Fresh,
}

/// A query and what to make of its rows.
pub(crate) struct Query<'a, 'v, T> {
    /// Its text, in the database's dialect.
    pub sql: &'a str,
    /// Its parameters.
    pub args: &'a [Value<'v>],
    /// Whether its plan is kept.
    pub plan: Plan,
    /// How each row becomes a record.
    pub make: MakeRow<T>,
}

/// A connection (or transaction) of one store.
pub(crate) trait Db {
    /// The SQL it speaks.
    const DIALECT: Dialect;

    /// Runs `sql` (this dialect's text) with `args`; how many rows it changed.
    fn execute(&self, sql: &str, args: &[Value<'_>]) -> impl Future<Output = Answer<u64>> + Send;

    /// The rows `q` answers, each made by `q.make`.
    fn rows<T: Send>(&self, q: Query<'_, '_, T>) -> impl Future<Output = Answer<Vec<T>>> + Send;

    /// Runs statement `sql` with `args`.
    fn run(
        &self,
        sql: &'static Sql,
        args: &[Value<'_>],
    ) -> impl Future<Output = Answer<u64>> + Send {
        self.execute(sql.text(Self::DIALECT), args)
    }

    /// The rows statement `sql` answers for `args`, each made by `make`.
    fn select<T: Send>(
        &self,
        sql: &'static Sql,
        args: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Answer<Vec<T>>> + Send {
        let sql = sql.text(Self::DIALECT);
        self.rows(Query {
            sql,
            args,
            plan: Plan::Kept,
            make,
        })
    }
}

/// A database that answers at once (SQLite): it implements [`Db`] with futures that are ready
/// when returned, the statement already run.
pub(crate) trait Immediate {
    /// The SQL it speaks.
    const DIALECT: Dialect;

    /// Runs `sql` with `args` now; how many rows it changed.
    fn execute_now(&self, sql: &str, args: &[Value<'_>]) -> Answer<u64>;

    /// The rows `q` answers now.
    fn rows_now<T>(&self, q: Query<'_, '_, T>) -> Answer<Vec<T>>;
}

impl<I: Immediate> Db for I {
    const DIALECT: Dialect = I::DIALECT;

    fn execute(&self, sql: &str, args: &[Value<'_>]) -> impl Future<Output = Answer<u64>> + Send {
        ready(self.execute_now(sql, args))
    }

    fn rows<T: Send>(&self, q: Query<'_, '_, T>) -> impl Future<Output = Answer<Vec<T>>> + Send {
        ready(self.rows_now(q))
    }
}

/// The output of `future`, which must be ready at once: a shared function run over an
/// [`Immediate`] database, whose futures all are. A pending one is a bug, reported as an error.
pub(crate) fn now<T>(future: impl Future<Output = Answer<T>>) -> Answer<T> {
    let future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => Err(StoreError::Io(std::io::Error::other(
            "a SQLite statement did not complete at once",
        ))),
    }
}
