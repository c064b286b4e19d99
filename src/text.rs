//! JS strings taken in the form that is cheapest to copy off the JS thread.
//!
//! A short string (most messages) is written as UTF-8 straight into the tracker's queue, in one
//! pass: room for its longest encoding is reserved, so V8 does not measure it first, and nothing is
//! allocated for it. A long string is taken as its UTF-16 code units: one copy (a widening copy for
//! a one-byte string), into a buffer the core recycles, transcoded on the core's worker
//! ([`sentrial_core::Text::Utf16`]); that spares V8's slow UTF-8 pass over a string with characters
//! outside Latin-1, and a reservation of three bytes per code unit.

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
        unsafe { JsStr::from_napi_value(env, value) }?
            .into_text()
            .map(JsText)
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

/// A JS string argument not copied yet, valid for the call it was passed to. A short one is
/// written straight into the tracker's queue ([`JsStr::write_utf8`]); a long one is taken as
/// [`Text`] ([`JsStr::into_text`]).
pub struct JsStr {
    env: sys::napi_env,
    value: sys::napi_value,
    units: usize,
}

impl JsStr {
    /// Whether the string is short enough to be written into the queue as UTF-8.
    pub fn is_short(&self) -> bool {
        self.units < UTF16_MIN_UNITS
    }

    /// Appends the string as UTF-8 to `buf`, in one pass (V8 measures nothing first: room for the
    /// longest encoding is reserved). Lone surrogates become U+FFFD. False when napi fails.
    pub fn write_utf8(&self, buf: &mut Vec<u8>) -> bool {
        // At most 3 bytes per UTF-16 code unit, and napi writes a terminating NUL.
        let room = self.units * 3 + 1;
        buf.reserve(room);
        let spare = buf.spare_capacity_mut();
        let mut written = 0;
        // SAFETY: `spare` has at least `room` bytes; napi writes at most `room` of them (the text
        // and its NUL) and reports how many bytes of text it wrote.
        let status = unsafe {
            sys::napi_get_value_string_utf8(
                self.env,
                self.value,
                spare.as_mut_ptr().cast(),
                room,
                &mut written,
            )
        };
        if status != sys::Status::napi_ok {
            return false;
        }
        let len = buf.len() + written.min(room - 1);
        // SAFETY: napi initialized those bytes.
        unsafe { buf.set_len(len) };
        true
    }

    /// The string as [`Text`]: UTF-8 when short, its UTF-16 code units when long.
    pub fn into_text(self) -> napi::Result<Text> {
        if self.is_short() {
            let mut buf = Vec::new();
            if !self.write_utf8(&mut buf) {
                return Err(napi::Error::from_reason("expected a string"));
            }
            // SAFETY: napi writes valid UTF-8 (lone surrogates replaced).
            return Ok(Text::Utf8(unsafe { String::from_utf8_unchecked(buf) }));
        }
        let len = self.units;
        // Room for the terminating NUL napi always writes.
        let mut units = sentrial_core::input::utf16_buffer(len + 1);
        let mut written = 0;
        check_status!(
            unsafe {
                sys::napi_get_value_string_utf16(
                    self.env,
                    self.value,
                    units.as_mut_ptr(),
                    len + 1,
                    &mut written,
                )
            },
            "expected a string"
        )?;
        // SAFETY: napi wrote `written` (at most `len`) code units into the buffer.
        unsafe { units.set_len(written.min(len)) };
        Ok(Text::Utf16(units))
    }
}

impl FromNapiValue for JsStr {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut units = 0;
        // The length in code units, without a pass over the string.
        check_status!(
            unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut units) },
            "expected a string"
        )?;
        Ok(JsStr { env, value, units })
    }
}

impl TypeName for JsStr {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for JsStr {}
