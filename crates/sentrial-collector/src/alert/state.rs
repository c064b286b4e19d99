//! What happens to a group of a rule each round ([`next`]), and to a delivery after each attempt
//! ([`after_attempt`]): pure functions, the evaluator's and the sender's decisions.

use std::time::Duration;

use crate::alert::body::Change;

/// A group's stored state, as the evaluator reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupState {
    /// Whether it is firing.
    pub firing: bool,
    /// When it last fired.
    pub fired_at: Option<i64>,
    /// When it last resolved (the cooldown counts from there).
    pub resolved_at: Option<i64>,
}

/// The change of a group in state `state` (`None`: never seen, so ok) whose value breaches the
/// threshold (`breach`) at `now`: ok -> firing, unless it resolved less than `cooldown_ms` ago;
/// firing -> ok when it no longer breaches; else nothing.
pub fn next(
    state: Option<&GroupState>,
    breach: bool,
    now: i64,
    cooldown_ms: i64,
) -> Option<Change> {
    let firing = state.is_some_and(|s| s.firing);
    match (firing, breach) {
        (false, true) => {
            let cooling = state
                .and_then(|s| s.resolved_at)
                .is_some_and(|at| now - at < cooldown_ms);
            (!cooling).then_some(Change::Firing)
        }
        (true, false) => Some(Change::Resolved),
        _ => None,
    }
}

/// Attempts at a delivery before it is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 8;

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// The outcome of an attempt, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `delivered`, `pending` (tried again at `next_at`) or `failed` (given up).
    pub status: &'static str,
    /// The next attempt (`pending`), else when it was done.
    pub next_at: i64,
    /// The receiver's HTTP status, when it answered.
    pub response_status: Option<i64>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// When it was delivered or given up.
    pub done_at: Option<i64>,
}

/// What an attempt (the `attempts`th) that answered `result` (the HTTP status, or the error)
/// leaves at `now`: a 2xx is delivered; anything else is tried again after `base` doubled per
/// attempt (up to [`MAX_BACKOFF`]), until [`MAX_ATTEMPTS`].
pub fn after_attempt(
    attempts: i64,
    result: Result<u16, String>,
    now: i64,
    base: Duration,
) -> Outcome {
    let (ok, response_status, error) = match result {
        Ok(status) if (200..300).contains(&status) => (true, Some(i64::from(status)), None),
        Ok(status) => (
            false,
            Some(i64::from(status)),
            Some(format!("the webhook answered {status}")),
        ),
        Err(e) => (false, None, Some(e)),
    };
    if ok || attempts >= MAX_ATTEMPTS {
        return Outcome {
            status: if ok { "delivered" } else { "failed" },
            next_at: now,
            response_status,
            error,
            done_at: Some(now),
        };
    }
    let shift = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let wait = base.saturating_mul(1 << shift).min(MAX_BACKOFF);
    Outcome {
        status: "pending",
        next_at: now + wait.as_millis() as i64,
        response_status,
        error,
        done_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_fires_firing_resolves_and_the_cooldown_holds_a_refire() {
        let minute = 60_000;
        assert_eq!(next(None, true, 0, 0), Some(Change::Firing));
        assert_eq!(next(None, false, 0, 0), None);
        let firing = GroupState {
            firing: true,
            fired_at: Some(0),
            resolved_at: None,
        };
        assert_eq!(next(Some(&firing), true, 1, 0), None);
        assert_eq!(next(Some(&firing), false, 1, 0), Some(Change::Resolved));
        let resolved = GroupState {
            firing: false,
            fired_at: Some(0),
            resolved_at: Some(minute),
        };
        assert_eq!(next(Some(&resolved), true, 2 * minute, 5 * minute), None);
        assert_eq!(
            next(Some(&resolved), true, 6 * minute, 5 * minute),
            Some(Change::Firing)
        );
    }

    #[test]
    fn attempts_back_off_and_end() {
        let base = Duration::from_secs(1);
        let ok = after_attempt(1, Ok(204), 10, base);
        assert_eq!((ok.status, ok.done_at), ("delivered", Some(10)));
        let again = after_attempt(1, Ok(500), 10, base);
        assert_eq!((again.status, again.next_at), ("pending", 1_010));
        let third = after_attempt(3, Err("refused".into()), 10, base);
        assert_eq!((third.status, third.next_at), ("pending", 4_010));
        let late = after_attempt(12, Ok(500), 0, Duration::from_secs(60));
        assert_eq!(late.status, "failed");
        let capped = after_attempt(7, Ok(500), 0, Duration::from_secs(60));
        assert_eq!(capped.next_at, MAX_BACKOFF.as_millis() as i64);
    }
}
