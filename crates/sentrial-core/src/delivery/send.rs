//! The send loop of one batch: what each answer of the receiver does to it. Accepted: delivered
//! (less what a partial success refused). Worth another try (network error, timeout, 408, 429,
//! 5xx): sent again after a backoff, or the server's `Retry-After`. Too large: split in two, or
//! cut when it is one event. Refused: dropped and counted. Tested with a scripted transport in
//! `send_tests.rs`.

use super::backoff;
use super::outbox::Queued;
use super::shared::Shared;
use super::transport::{Sent, Transport};
use crate::redact::Redactor;
use crate::stats::DropReason;
use std::sync::atomic::Ordering;

/// Sends `batch` until it is settled, then settles it (its second half, after a split, goes back
/// to the front of the queue).
pub(super) async fn deliver<T: Transport>(shared: &Shared, transport: &T, mut batch: Vec<Queued>) {
    let stats = &shared.stats;
    let mut attempt = 0;
    loop {
        let n = batch.len() as u64;
        let dropped = match transport.send(&batch).await {
            Sent::Delivered { rejected, message } => {
                tracing::debug!(events = n, "batch delivered");
                let rejected = rejected.min(n);
                stats.delivered(n - rejected);
                if rejected > 0 {
                    // A partial success: those items are refused for good, not retried.
                    let text = Redactor::scrub_for_log(&message, 512);
                    let peer = transport.peer().name();
                    tracing::warn!(rejected, %text, events = n, "{peer} refused part of a batch");
                    stats.dropped(DropReason::Rejected, rejected);
                }
                None
            }
            Sent::Retry { retry_after, why } => {
                if shared.lock().closed {
                    Some(DropReason::Shutdown)
                } else {
                    stats.retried();
                    let wait = backoff::delay(attempt, retry_after);
                    tracing::debug!(%why, ?wait, events = n, "delivery failed; will retry");
                    attempt += 1;
                    if retry_after.is_some() {
                        // The server said when; a flush does not override it.
                        tokio::time::sleep(wait).await;
                    } else {
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = shared.retry_now.notified() => {}
                        }
                    }
                    continue;
                }
            }
            Sent::TooLarge if batch.len() > 1 => {
                let rest = batch.split_off(batch.len() / 2);
                tracing::debug!(events = n, "batch too large; splitting");
                shared.lock().outbox.unshift(rest);
                continue;
            }
            Sent::TooLarge => {
                // One event the receiver finds too large: cut it to half and try again.
                let q = &mut batch[0];
                match crate::truncate::shrink(&q.json, q.json.len() / 2) {
                    Some(smaller) => {
                        tracing::debug!(
                            from = q.json.len(),
                            to = smaller.len(),
                            "event too large; cut"
                        );
                        q.json = smaller;
                        continue;
                    }
                    None => Some(DropReason::TooLarge),
                }
            }
            Sent::Unauthorized(code) => {
                if !shared.warned_unauthorized.swap(true, Ordering::Relaxed) {
                    tracing::warn!("{}", transport.peer().refused_warning(code));
                }
                Some(DropReason::Unauthorized)
            }
            Sent::Rejected(code, text) => {
                // The answer may quote the batch: never log what a pattern finds in it.
                let text = Redactor::scrub_for_log(&text, 512);
                let peer = transport.peer().name();
                tracing::warn!(code, %text, events = n, "{peer} rejected a batch");
                Some(DropReason::Rejected)
            }
        };
        if let Some(reason) = dropped {
            stats.dropped(reason, n);
        }
        shared.lock().settle(&batch);
        return;
    }
}
