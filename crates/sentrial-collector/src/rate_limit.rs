//! Rate limiting by token buckets: one per API key (by its digest) for requests, and one per
//! client address for failed sign-ins and unknown keys (see [`DEFAULT_FAILURE_LIMIT`]). A request
//! over a limit is answered 429 with `Retry-After`, which the SDK honours before it retries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per second a key may make on average, and how many it may make at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained rate, requests per second (> 0).
    pub per_second: f64,
    /// Bucket size: requests allowed in a burst (≥ 1).
    pub burst: u32,
}

/// The limit `sentrial serve` applies unless told otherwise: 100 requests/s per key, bursts of 200.
/// An SDK sends at most a few requests a second, so this only stops a runaway or hostile client.
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    per_second: 100.0,
    burst: 200,
};

/// Failed authentications (unknown key, wrong sign-in) a client address may make: bursts of 20,
/// then one a second. Past it every attempt from the address, right or wrong, gets 429 until the
/// bucket refills, so guessing costs a second a guess (it was free: 3,500 guesses/s).
pub const DEFAULT_FAILURE_LIMIT: RateLimit = RateLimit {
    per_second: 1.0,
    burst: 20,
};

/// Past this many tracked keys, buckets that are full again (idle keys) are forgotten.
const MAX_TRACKED_KEYS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of all keys.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter applying `limit` to each key.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit: RateLimit {
                per_second: limit.per_second.max(f64::MIN_POSITIVE),
                burst: limit.burst.max(1),
            },
            buckets: Mutex::default(),
        }
    }

    /// Returns the token a [`RateLimiter::check`] of `key` took (the attempt it paid for turned
    /// out not to count), never past the bucket's size.
    pub fn give_back(&self, key: &str) {
        let burst = f64::from(self.limit.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(burst);
        }
    }

    /// Takes one token for `key` at `now`; when there is none, how long until there is one.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED_KEYS && !buckets.contains_key(key) {
            let rate = self.limit.per_second;
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.limit.per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.limit.per_second,
            ))
        }
    }
}

/// `Retry-After` in whole seconds (at least 1) for a wait.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_rate_per_key() {
        let rl = RateLimiter::new(RateLimit {
            per_second: 10.0,
            burst: 5,
        });
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(rl.check("a", t0).is_ok());
        }
        let wait = rl.check("a", t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
        assert_eq!(retry_after_secs(wait), 1);
        rl.give_back("a");
        assert!(
            rl.check("a", t0).is_ok(),
            "a token given back is there again"
        );
        assert!(rl.check("a", t0).is_err());
        rl.give_back("never-seen");
        // Another key has its own bucket.
        assert!(rl.check("b", t0).is_ok());
        // 100 ms later one more request fits, not two.
        let t1 = t0 + Duration::from_millis(100);
        assert!(rl.check("a", t1).is_ok());
        assert!(rl.check("a", t1).is_err());
        // After a long pause the bucket is full again, never more.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..5 {
            assert!(rl.check("a", t2).is_ok());
        }
        assert!(rl.check("a", t2).is_err());
    }

    #[test]
    fn idle_keys_are_forgotten_past_the_cap() {
        let rl = RateLimiter::new(RateLimit {
            per_second: 1000.0,
            burst: 2,
        });
        let t0 = Instant::now();
        for i in 0..MAX_TRACKED_KEYS {
            rl.check(&format!("k{i}"), t0).unwrap();
        }
        rl.check("new", t0 + Duration::from_secs(1)).unwrap();
        assert!(rl.buckets.lock().unwrap().len() < 10);
    }
}
