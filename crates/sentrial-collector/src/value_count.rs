//! How many JSON values a body holds, counted on its bytes before it is decoded: decoding builds a
//! tree node (32 bytes and more) per value, so a 10 MiB body of small numbers would take some
//! 330 MB. A body over [`MAX_JSON_VALUES`] is refused (413) before that.

/// Most JSON values (items of arrays and objects) an ingest body may hold. The SDK sends at most
/// 1 MiB a request, which holds at most about 500,000 values; a body of 10 MiB of typical events
/// holds well under this.
pub const MAX_JSON_VALUES: usize = 1_000_000;

/// Whether `body` holds more than `limit` values: the items of its arrays and objects, counted as
/// their openings and the commas between items outside strings. Stops counting past `limit`.
pub fn exceeds(body: &[u8], limit: usize) -> bool {
    let mut count = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => {
                count += 1;
                if count > limit {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::exceeds;

    #[test]
    fn counts_items_outside_strings() {
        assert!(!exceeds(b"[0,0,0]", 3));
        assert!(exceeds(b"[0,0,0,0]", 3));
        assert!(!exceeds(br#"{"a":"[,,,,{{{\",,,"}"#, 1));
        assert!(exceeds(br#"{"a":[1,{"b":2}]}"#, 3));
        assert!(!exceeds(b"", 0));
    }
}
