//! Timestamps of the read API: ISO-8601 in UTC with milliseconds, e.g. `2025-01-31T09:08:07.006Z`.

use serde::{Serialize, Serializer};

/// Milliseconds since the Unix epoch, serialized as an ISO-8601 UTC string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso8601(self.0))
    }
}

/// Formats ms since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian, UTC).
pub fn iso8601(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// The earliest time the read API takes: 0000-01-01T00:00:00.000Z.
pub const EARLIEST_MS: i64 = -62_167_219_200_000;

/// The latest time the read API takes: 9999-12-31T23:59:59.999Z. Within these bounds a range's
/// length and a bucket's arithmetic cannot overflow an `i64`.
pub const LATEST_MS: i64 = 253_402_300_799_999;

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Reads a time parameter: ms since the epoch (`1700000000000`), or ISO-8601
/// (`2023-11-14`, `2023-11-14T22:13`, `2023-11-14T22:13:20.5Z`, `...+02:00`; no zone is UTC).
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    let num = |part: &str| -> Option<i64> {
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (date, rest) = s.split_at(s.find(['T', 't', ' ']).unwrap_or(s.len()));
    let mut ymd = date.splitn(3, '-');
    let (y, m, d) = (num(ymd.next()?)?, num(ymd.next()?)?, num(ymd.next()?)?);
    // Four-digit years only: a larger one would overflow the arithmetic below (found by fuzzing).
    if !(0..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let rest = rest.get(1..).unwrap_or("");
    let (clock, offset_ms) = match rest.find(['Z', 'z', '+', '-']) {
        None => (rest, 0),
        Some(i) if rest[i..].eq_ignore_ascii_case("z") => (&rest[..i], 0),
        Some(i) => {
            let sign = if &rest[i..=i] == "-" { -1 } else { 1 };
            let (hh, mm) = rest[i + 1..].split_once(':')?;
            let (hh, mm) = (num(hh)?, num(mm)?);
            if hh > 23 || mm > 59 {
                return None;
            }
            (&rest[..i], sign * (hh * 3_600_000 + mm * 60_000))
        }
    };
    let mut in_day = 0;
    if !clock.is_empty() {
        let mut hms = clock.splitn(3, ':');
        let (h, min) = (num(hms.next()?)?, num(hms.next()?)?);
        let (sec, frac) = match hms.next() {
            None => (0, 0),
            Some(sec) => match sec.split_once('.') {
                None => (num(sec)?, 0),
                Some((sec, frac)) => {
                    let digits: String = frac.chars().chain("000".chars()).take(3).collect();
                    (num(sec)?, num(&digits)?)
                }
            },
        };
        if h > 23 || min > 59 || sec > 60 {
            return None;
        }
        in_day = h * 3_600_000 + min * 60_000 + sec * 1000 + frac;
    }
    Some(days_from_civil(y, m, d) * 86_400_000 + in_day - offset_ms)
}

/// Howard Hinnant's `days_from_civil`: (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso8601(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn refuses_what_would_overflow() {
        assert_eq!(parse_time("99999999999999999-01-01"), None);
        assert_eq!(parse_time("10000-01-01"), None);
        assert_eq!(parse_time("2023-01-01T00:00+99999999999999999:00"), None);
        assert_eq!(parse_time("2023-01-01T00:00+24:00"), None);
        assert_eq!(
            parse_time("9999-12-31T23:59:59.999Z"),
            Some(253_402_300_799_999)
        );
    }

    #[test]
    fn the_bounds_are_the_first_and_last_instants_of_four_digit_years() {
        assert_eq!(parse_time("0000-01-01T00:00:00.000Z"), Some(EARLIEST_MS));
        assert_eq!(parse_time("9999-12-31T23:59:59.999Z"), Some(LATEST_MS));
        assert_eq!(iso8601(EARLIEST_MS), "0000-01-01T00:00:00.000Z");
    }

    #[test]
    fn parses_ms_and_iso_8601() {
        assert_eq!(parse_time("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(
            parse_time("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
        assert_eq!(
            parse_time("2023-11-14T22:13:20.1Z"),
            Some(1_700_000_000_100)
        );
        assert_eq!(parse_time("2023-11-14T22:13"), Some(1_699_999_980_000));
        assert_eq!(
            parse_time("2023-11-15T00:13:20+02:00"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_time("2000-02-29"), Some(951_782_400_000));
        assert_eq!(parse_time("1969-12-31T23:59:59.999Z"), Some(-1));
        for bad in [
            "",
            "soon",
            "2023-13-01",
            "2023-11-14T25:00",
            "2023-11-14T22",
            "2023-1x-01",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn serializes_as_a_string() {
        let json = serde_json::to_string(&Timestamp(1_000)).unwrap();
        assert_eq!(json, "\"1970-01-01T00:00:01.000Z\"");
    }
}
