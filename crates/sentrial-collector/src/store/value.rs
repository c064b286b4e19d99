//! A value bound to a statement, the same for both stores: each store's [`Db`] binds it with its
//! driver (SQLite: `rusqlite::ToSql`; PostgreSQL: the typed `Option` inside, so a NULL is
//! still of the column's type, as the driver checks).
//!
//! [`Db`]: crate::store::db::Db

use std::borrow::Cow;

/// One statement parameter; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// An integer (`INTEGER`, `BIGINT`).
    Int(Option<i64>),
    /// A float (`REAL`, `DOUBLE PRECISION`).
    Real(Option<f64>),
    /// A boolean (SQLite: 0 or 1; PostgreSQL: `BOOLEAN`).
    Bool(Option<bool>),
    /// Text.
    Text(Option<Cow<'a, str>>),
}

/// The parameters of a statement, each converted by [`Value::from`]:
/// `values![project, id, ts]`.
macro_rules! values {
    ($($value:expr),* $(,)?) => {
        [$($crate::store::value::Value::from($value)),*]
    };
}
pub(crate) use values;

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<String> for Value<'a> {
    fn from(v: String) -> Self {
        Value::Text(Some(Cow::Owned(v)))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::Text(v.as_deref().map(Cow::Borrowed))
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(Some(i64::from(v)))
    }
}

impl From<Option<u32>> for Value<'_> {
    fn from(v: Option<u32>) -> Self {
        Value::Int(v.map(i64::from))
    }
}

impl From<Option<u16>> for Value<'_> {
    fn from(v: Option<u16>) -> Self {
        Value::Int(v.map(i64::from))
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}

impl From<Option<bool>> for Value<'_> {
    fn from(v: Option<bool>) -> Self {
        Value::Bool(v)
    }
}

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Real(Some(v))
    }
}

impl From<Option<f64>> for Value<'_> {
    fn from(v: Option<f64>) -> Self {
        Value::Real(v)
    }
}
