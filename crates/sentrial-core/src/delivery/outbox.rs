//! Events waiting for delivery: a bounded FIFO with the session-ready gate.
//!
//! Events are serialized once, when they are born, and kept as bytes. The queue is bounded in count
//! and bytes; when full, new events are dropped and counted, except a session's start and end,
//! which are always kept (they are small, and a session without them is useless).
//!
//! The gate: no event of a session is sent before the collector has acknowledged the session's
//! start, unless the start travels earlier in the same batch. Batches are cut at the first event
//! that would break this, so the FIFO order is never changed.

use sentrial_protocol::MANUAL_PROTOCOL_VERSION;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Whether an event opens or closes a session (these are never dropped for space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `session_start`.
    Start,
    /// A `session_end`.
    End,
    /// A `score` (dropped for space like any other event; its batch is sent as protocol 3).
    Score,
    /// A manual session's `decision`, `error` or `llm_call` (like any other event; its batch is
    /// sent as protocol 4).
    Manual,
    /// Anything else.
    Other,
}

impl Kind {
    /// The kind of an event of type `type_name`.
    pub fn of_type(type_name: &str) -> Kind {
        match type_name {
            "session_start" => Kind::Start,
            "session_end" => Kind::End,
            "score" => Kind::Score,
            other if sentrial_protocol::protocol_of_type(other) == MANUAL_PROTOCOL_VERSION => {
                Kind::Manual
            }
            _ => Kind::Other,
        }
    }

    /// The protocol version a batch holding this kind of event is sent as (at least).
    pub fn protocol(self) -> u32 {
        match self {
            Kind::Score => sentrial_protocol::SCORE_PROTOCOL_VERSION,
            Kind::Manual => MANUAL_PROTOCOL_VERSION,
            _ => sentrial_protocol::PROTOCOL_VERSION,
        }
    }
}

/// One serialized event.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Position in production order.
    pub seq: u64,
    /// The protocol session id.
    pub session: Arc<str>,
    /// Start, end or other.
    pub kind: Kind,
    /// The event as JSON (for the OTLP exporter's queue: one span, protobuf-encoded).
    pub json: Vec<u8>,
    /// The spool segment holding it, when spooling.
    pub segment: Option<u32>,
}

/// The queue of one tracker.
#[derive(Debug)]
pub struct Outbox {
    queue: VecDeque<Queued>,
    bytes: usize,
    next_seq: u64,
    max_events: usize,
    max_bytes: usize,
    /// Sessions whose start is queued or in flight but not yet acknowledged.
    unconfirmed: HashSet<Arc<str>>,
}

impl Outbox {
    /// An empty queue with these bounds.
    pub fn new(max_events: usize, max_bytes: usize) -> Self {
        Outbox {
            queue: VecDeque::new(),
            bytes: 0,
            next_seq: 0,
            max_events,
            max_bytes,
            unconfirmed: HashSet::new(),
        }
    }

    /// Whether an event of `kind` and `bytes` would be queued (starts and ends always are).
    pub fn has_room(&self, kind: Kind, bytes: usize) -> bool {
        matches!(kind, Kind::Start | Kind::End)
            || (self.queue.len() < self.max_events && self.bytes + bytes <= self.max_bytes)
    }

    /// Queues an event. Returns false when it was dropped for lack of room.
    pub fn push(&mut self, session: Arc<str>, kind: Kind, json: Vec<u8>) -> bool {
        self.push_spooled(session, kind, json, None)
    }

    /// [`Outbox::push`] for an event also written to spool `segment`.
    pub fn push_spooled(
        &mut self,
        session: Arc<str>,
        kind: Kind,
        json: Vec<u8>,
        segment: Option<u32>,
    ) -> bool {
        if !self.has_room(kind, json.len()) {
            return false;
        }
        if kind == Kind::Start {
            self.unconfirmed.insert(session.clone());
        }
        self.bytes += json.len();
        self.queue.push_back(Queued {
            seq: self.next_seq,
            session,
            kind,
            json,
            segment,
        });
        self.next_seq += 1;
        true
    }

    /// Number of events queued (not counting a batch taken and not yet settled).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The sequence number the next event will get; every event below it has been queued.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The oldest queued event's sequence number.
    pub fn front_seq(&self) -> Option<u64> {
        self.queue.front().map(|q| q.seq)
    }

    /// Takes the next batch off the front: at most `max_events` events and `max_bytes` bytes (but
    /// always at least one event), stopping before an event whose session is not yet confirmed.
    pub fn take_batch(&mut self, max_events: usize, max_bytes: usize) -> Vec<Queued> {
        let mut batch: Vec<Queued> = Vec::new();
        let mut size = 0;
        let mut starts_here: Vec<Arc<str>> = Vec::new();
        while let Some(front) = self.queue.front() {
            if batch.len() >= max_events
                || (!batch.is_empty() && size + front.json.len() > max_bytes)
            {
                break;
            }
            // A score is never held back: the collector keeps one that arrives before its
            // session (and one queued before its session's start would otherwise wait forever).
            let gated = !matches!(front.kind, Kind::Start | Kind::Score)
                && self.unconfirmed.contains(&front.session)
                && !starts_here.contains(&front.session);
            if gated {
                break;
            }
            let q = self.queue.pop_front().expect("front exists");
            if q.kind == Kind::Start {
                starts_here.push(q.session.clone());
            }
            size += q.json.len();
            self.bytes -= q.json.len();
            batch.push(q);
        }
        batch
    }

    /// A batch is settled (delivered or dropped for good): its sessions' starts are confirmed, so
    /// their later events may go.
    pub fn settle(&mut self, batch: &[Queued]) {
        for q in batch.iter().filter(|q| q.kind == Kind::Start) {
            self.unconfirmed.remove(&q.session);
        }
    }

    /// Puts a batch back at the front, in order (for a split after a 413).
    pub fn unshift(&mut self, batch: Vec<Queued>) {
        for q in batch.into_iter().rev() {
            self.bytes += q.json.len();
            self.queue.push_front(q);
        }
    }

    /// Removes everything queued (at shutdown), returning how many events were removed.
    pub fn clear(&mut self) -> usize {
        let n = self.queue.len();
        self.queue.clear();
        self.bytes = 0;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str) -> Arc<str> {
        Arc::from(id)
    }

    #[test]
    fn events_wait_for_their_sessions_start_to_be_confirmed() {
        let mut o = Outbox::new(100, 1 << 20);
        o.push(s("a"), Kind::Start, b"a0".to_vec());
        o.push(s("a"), Kind::Other, b"a1".to_vec());
        // The start and its event may travel together, start first.
        let b = o.take_batch(1, 1 << 20);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].kind, Kind::Start);
        // Start taken but not settled: a1 must wait.
        assert!(o.take_batch(10, 1 << 20).is_empty());
        o.settle(&b);
        let b2 = o.take_batch(10, 1 << 20);
        assert_eq!(b2.len(), 1);
        assert_eq!(b2[0].json, b"a1");
    }

    #[test]
    fn start_and_its_events_share_a_batch_in_order() {
        let mut o = Outbox::new(100, 1 << 20);
        o.push(s("a"), Kind::Start, b"a0".to_vec());
        o.push(s("a"), Kind::Other, b"a1".to_vec());
        o.push(s("a"), Kind::End, b"a2".to_vec());
        let b = o.take_batch(10, 1 << 20);
        let seqs: Vec<u64> = b.iter().map(|q| q.seq).collect();
        assert_eq!(seqs, [0, 1, 2]);
    }

    #[test]
    fn full_queue_drops_other_events_but_keeps_start_and_end() {
        let mut o = Outbox::new(2, 1 << 20);
        assert!(o.push(s("a"), Kind::Start, vec![0; 4]));
        assert!(o.push(s("a"), Kind::Other, vec![0; 4]));
        assert!(!o.push(s("a"), Kind::Other, vec![0; 4]));
        assert!(o.push(s("a"), Kind::End, vec![0; 4]));
        assert!(o.push(s("b"), Kind::Start, vec![0; 4]));
        assert_eq!(o.len(), 4);
    }

    #[test]
    fn byte_bound_applies_and_batches_respect_max_bytes() {
        let mut o = Outbox::new(100, 10);
        assert!(o.push(s("a"), Kind::Start, vec![0; 6]));
        assert!(!o.push(s("a"), Kind::Other, vec![0; 6]));
        o.push(s("b"), Kind::Start, vec![0; 6]);
        let b = o.take_batch(100, 8);
        assert_eq!(b.len(), 1, "second event would pass 8 bytes");
        o.unshift(b);
        assert_eq!(o.len(), 2);
        assert_eq!(o.front_seq(), Some(0));
    }
}
