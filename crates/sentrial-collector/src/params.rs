//! Query strings of the read API. A parameter the endpoint does not take is a 400 that names it
//! and lists those it takes, so a misspelt filter (`?claude_session=...`) fails instead of
//! quietly answering an unfiltered query. The names an endpoint takes are the fields of its
//! parameter struct, read from the struct's `Deserialize` impl: the list is written once.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;

use crate::error::AppError;

/// An endpoint's query string, parsed into `T` once every name in it is a field of `T`.
#[derive(Debug)]
pub struct Params<T>(pub T);

/// The parameters of an endpoint that takes none.
#[derive(Debug, Default, Deserialize)]
pub struct NoParams {}

impl<S, T> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        check_names(&parts.uri, field_names::<T>())?;
        let Query(params) = Query::<T>::try_from_uri(&parts.uri).map_err(bad_query)?;
        Ok(Params(params))
    }
}

/// The 400 of a query string that does not parse.
pub fn bad_query(e: axum::extract::rejection::QueryRejection) -> AppError {
    AppError::BadRequest(e.body_text())
}

/// Checks that every parameter of `uri`'s query string is one of `known` (a name ending in `*`
/// takes every name with that start); a 400 naming the first that is not, and listing `known`.
pub fn check_names(uri: &axum::http::Uri, known: &[&str]) -> Result<(), AppError> {
    let Query(given) = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(bad_query)?;
    let is_known = |n: &str| {
        known.iter().any(|k| match k.strip_suffix('*') {
            Some(start) => n.starts_with(start),
            None => *k == n,
        })
    };
    match given.iter().find(|(n, _)| !is_known(n)) {
        Some((name, _)) => Err(AppError::BadRequest(unknown(name, known))),
        None => Ok(()),
    }
}

/// Longest parameter name quoted back in an error.
const MAX_QUOTED: usize = 64;

/// The message for an unknown parameter `name` of an endpoint that takes `known`.
fn unknown(name: &str, known: &[&str]) -> String {
    let name = match name.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    };
    match known {
        [] => format!("unknown parameter `{name}`: this endpoint takes none"),
        _ => format!("unknown parameter `{name}`; known: {}", known.join(", ")),
    }
}

/// The field names of struct `T`, in declaration order, as its `Deserialize` impl states them.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that only records the fields a struct asks for, then stops.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("fields recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Two {
        alpha: Option<String>,
        beta: Option<String>,
    }

    #[test]
    fn names_are_the_struct_fields_in_order() {
        assert_eq!(field_names::<Two>(), ["alpha", "beta"]);
        assert!(field_names::<NoParams>().is_empty());
    }

    #[test]
    fn the_message_names_the_parameter_and_the_known_ones() {
        assert_eq!(
            unknown("gamma", &["alpha", "beta"]),
            "unknown parameter `gamma`; known: alpha, beta"
        );
        assert_eq!(
            unknown("x", &[]),
            "unknown parameter `x`: this endpoint takes none"
        );
        let long = "é".repeat(100);
        assert_eq!(
            unknown(&long, &[]).chars().filter(|&c| c == 'é').count(),
            64
        );
    }
}
