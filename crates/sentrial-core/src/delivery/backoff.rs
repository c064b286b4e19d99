//! How long to wait before trying a batch again.

use rand::Rng;
use std::time::{Duration, SystemTime};

/// First wait after a failure.
pub const BASE: Duration = Duration::from_millis(200);
/// Longest wait between attempts.
pub const CAP: Duration = Duration::from_secs(30);
/// Shortest wait honoured for a server's `Retry-After`.
pub const RETRY_AFTER_FLOOR: Duration = Duration::from_millis(500);
/// Longest wait honoured for a server's `Retry-After`.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);

/// Exponential backoff with jitter (between half and all of the ceiling) for the `attempt`-th retry (0-based), or the server's
/// `Retry-After` clamped to [`RETRY_AFTER_FLOOR`, `RETRY_AFTER_CAP`] when it gave one.
pub fn delay(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        return ra.clamp(RETRY_AFTER_FLOOR, RETRY_AFTER_CAP);
    }
    let ceiling = BASE
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(CAP);
    let ms = rand::rng().random_range(ceiling.as_millis() as u64 / 2..=ceiling.as_millis() as u64);
    Duration::from_millis(ms)
}

/// A `Retry-After` value as a wait from `now`: delay-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`, and the two obsolete forms RFC 9110 asks to accept). A date
/// already past is no wait at all; anything else unreadable is `None` (ordinary backoff).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Tue, 24 Nov 2026 12:00:00 GMT").unwrap();
        let secs = |v: &str| parse_retry_after(v, now).map(|d| d.as_secs());
        assert_eq!(secs("120"), Some(120));
        assert_eq!(secs(" 7 "), Some(7));
        assert_eq!(secs("Tue, 24 Nov 2026 12:01:30 GMT"), Some(90));
        // RFC 850 and asctime forms.
        assert_eq!(secs("Tuesday, 24-Nov-26 12:00:05 GMT"), Some(5));
        assert_eq!(secs("Tue Nov 24 12:00:10 2026"), Some(10));
        // A date in the past: retry now (the floor applies).
        assert_eq!(secs("Tue, 24 Nov 2026 11:00:00 GMT"), Some(0));
        for bad in ["", "-1", "1.5", "soon", "Tue, 31 Nov 2026 12:00:00 GMT"] {
            assert_eq!(secs(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn grows_then_caps() {
        for attempt in 0..40 {
            let d = delay(attempt, None);
            let ceiling = (BASE * 2u32.pow(attempt.min(16))).min(CAP);
            assert!(d <= ceiling && d >= ceiling / 2, "attempt {attempt}: {d:?}");
        }
        assert!(delay(30, None) >= CAP / 2);
    }

    #[test]
    fn retry_after_is_obeyed_within_bounds() {
        assert_eq!(
            delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(delay(5, Some(Duration::ZERO)), RETRY_AFTER_FLOOR);
        assert_eq!(delay(0, Some(Duration::from_secs(86_400))), RETRY_AFTER_CAP);
    }
}
