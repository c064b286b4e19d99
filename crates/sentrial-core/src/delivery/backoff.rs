//! How long to wait before trying a batch again.

use rand::Rng;
use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

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
