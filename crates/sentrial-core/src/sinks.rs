//! Where the worker's events go: the collector, the OTLP exporter, or both; and one flush (or
//! shutdown) answer that waits for all of them.

use crate::delivery::outbox::Kind;
use crate::delivery::{Delivery, FlushReply, FlushReport};
use crate::otlp::Exporter;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// The receivers of one tracker.
pub struct Sinks {
    /// The Sentrial collector, unless the tracker exports to OTLP only.
    pub collector: Option<Arc<Delivery>>,
    /// The OTLP exporter, when configured.
    pub otlp: Option<Exporter>,
}

impl Sinks {
    /// Queues one serialized (redacted) event everywhere.
    pub fn push(&mut self, session: &Arc<str>, kind: Kind, json: Vec<u8>) {
        if let Some(otlp) = &mut self.otlp {
            otlp.event(session, &json);
        }
        if let Some(collector) = &self.collector {
            collector.push(session, kind, json);
        }
    }

    /// Calls `reply` once everything queued so far is settled everywhere, or at `deadline`.
    pub fn flush(&self, deadline: Instant, reply: FlushReply) {
        self.settle(deadline, reply, false);
    }

    /// Flushes, then stops every delivery.
    pub fn shutdown(&self, deadline: Instant, reply: FlushReply) {
        self.settle(deadline, reply, true);
    }

    fn settle(&self, deadline: Instant, reply: FlushReply, stop: bool) {
        let all: Vec<&Arc<Delivery>> = self
            .collector
            .iter()
            .chain(self.otlp.as_ref().map(Exporter::delivery))
            .collect();
        let mut replies = join(all.len(), reply).into_iter();
        for (delivery, reply) in all.into_iter().zip(&mut replies) {
            if stop {
                delivery.shutdown(deadline, reply);
            } else {
                delivery.flush(deadline, reply);
            }
        }
    }
}

struct Joined {
    remaining: usize,
    sum: FlushReport,
    reply: Option<FlushReply>,
}

/// `n` replies that together call `reply` once, with the reports added up (timed out if any
/// was). With `n == 0`, `reply` is called at once.
pub fn join(n: usize, reply: FlushReply) -> Vec<FlushReply> {
    if n == 0 {
        reply(FlushReport::default());
        return Vec::new();
    }
    let joined = Arc::new(Mutex::new(Joined {
        remaining: n,
        sum: FlushReport::default(),
        reply: Some(reply),
    }));
    (0..n)
        .map(|_| {
            let joined = Arc::clone(&joined);
            Box::new(move |report: FlushReport| {
                let mut j = joined.lock().unwrap_or_else(|e| e.into_inner());
                j.sum.delivered += report.delivered;
                j.sum.pending += report.pending;
                j.sum.timed_out |= report.timed_out;
                j.remaining -= 1;
                if j.remaining == 0 {
                    let (sum, reply) = (j.sum, j.reply.take());
                    drop(j);
                    if let Some(reply) = reply {
                        reply(sum);
                    }
                }
            }) as FlushReply
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn joined_replies_answer_once_with_the_sum() {
        let (tx, rx) = mpsc::channel();
        let mut parts = join(2, Box::new(move |r| tx.send(r).unwrap()));
        let second = parts.pop().unwrap();
        let first = parts.pop().unwrap();
        first(FlushReport {
            delivered: 3,
            pending: 1,
            timed_out: false,
        });
        assert!(rx.try_recv().is_err(), "must wait for the second");
        second(FlushReport {
            delivered: 2,
            pending: 0,
            timed_out: true,
        });
        assert_eq!(
            rx.try_recv().unwrap(),
            FlushReport {
                delivered: 5,
                pending: 1,
                timed_out: true
            }
        );
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn nothing_to_join_answers_at_once() {
        let (tx, rx) = mpsc::channel();
        assert!(join(0, Box::new(move |r| tx.send(r).unwrap())).is_empty());
        assert_eq!(rx.try_recv().unwrap(), FlushReport::default());
    }
}
