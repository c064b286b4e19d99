//! JS strings taken in the form that is cheapest to copy off the JS thread.
//!
//! A `String` argument costs V8 two passes over the string (it measures the UTF-8 length, then
//! encodes), slow ones for a string with characters outside Latin-1. That is nothing on a short
//! string, and half the bytes of UTF-16 to hold while the worker catches up; a long string is taken
//! as its UTF-16 code units instead: one copy (a widening copy for a one-byte string), into a buffer
//! the core recycles, transcoded on the core's worker ([`sentrial_core::Text::Utf16`]).

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::{check_status, sys};
use sentrial_core::Text;
use std::ptr;

/// Strings of at least this many UTF-16 code units are taken as code units, shorter ones as UTF-8.
const UTF16_MIN_UNITS: usize = 4096;

/// A JS string as [`Text`].
pub struct JsText(pub Text);

impl FromNapiValue for JsText {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut len = 0;
        // The length in code units, without a pass over the string.
        check_status!(
            unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len) },
            "expected a string"
        )?;
        if len < UTF16_MIN_UNITS {
            return Ok(JsText(Text::Utf8(unsafe {
                String::from_napi_value(env, value)
            }?)));
        }
        // Room for the terminating NUL napi always writes.
        let mut units = sentrial_core::input::utf16_buffer(len + 1);
        let mut written = 0;
        check_status!(
            unsafe {
                sys::napi_get_value_string_utf16(
                    env,
                    value,
                    units.as_mut_ptr(),
                    len + 1,
                    &mut written,
                )
            },
            "expected a string"
        )?;
        // SAFETY: napi wrote `written` (at most `len`) code units into the buffer.
        unsafe { units.set_len(written.min(len)) };
        Ok(JsText(Text::Utf16(units)))
    }
}

impl TypeName for JsText {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for JsText {}
