//! What the stores' shared SQL needs of a database: run a statement, read rows by column name.
//! Each store implements [`Db`] for its connection; the reads (`read.rs`, `overview.rs`), the
//! ingest rules (`apply.rs`) and the keys (`keys.rs`) are written once over it.
//!
//! The methods return futures so PostgreSQL can await its round trips (and pipeline a batch's
//! events). SQLite answers at once: its futures are ready when returned, and its store runs a
//! shared function to completion on its own thread with [`now`].

use std::future::Future;

use crate::store::dialect::{Dialect, Sql};
use crate::store::row::Columns;
use crate::store::value::Value;
use crate::store::StoreError;

/// How a row becomes a record: one of `row.rs`'s functions.
pub(crate) type MakeRow<T> = fn(&dyn Columns) -> Result<T, StoreError>;

/// A connection (or transaction) of one store.
pub(crate) trait Db {
    /// The SQL it speaks.
    const DIALECT: Dialect;

    /// Runs `sql` (this dialect's text) with `params`; how many rows it changed.
    fn execute(
        &self,
        sql: &str,
        params: &[Value<'_>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The rows `sql` answers for `params`, each made by `make`. The statement is prepared once
    /// and kept, by its text.
    fn rows<T: Send>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;

    /// As [`Db::rows`], but planned for these very parameters and not kept: a cached generic
    /// plan cannot tell a rare search text from a common one (PostgreSQL; SQLite plans alike).
    fn rows_planned<T: Send>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;

    /// Runs statement `sql` with `params`.
    fn run(
        &self,
        sql: &Sql,
        params: &[Value<'_>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.execute(sql.text(Self::DIALECT), params)
    }

    /// The rows statement `sql` answers for `params`, each made by `make`.
    fn select<T: Send>(
        &self,
        sql: &Sql,
        params: &[Value<'_>],
        make: MakeRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        self.rows(sql.text(Self::DIALECT), params, make)
    }
}

/// The output of `future`, which must be ready at once: a shared function run over SQLite's
/// [`Db`], whose futures all are. A pending one is a bug, reported as an error.
pub(crate) fn now<T>(future: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
    let future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => Err(StoreError::Io(std::io::Error::other(
            "a SQLite statement did not complete at once",
        ))),
    }
}
