//! What the host's thread hands the worker: one [`Command`] per input, in the order given.
//!
//! Its own module so that the queue the host writes to (the inbox) and the worker that reads it
//! both depend on it, and not on each other.

use crate::delivery::FlushReply;
use crate::input::{Input, InputKind};
use crate::session::{Ending, SessionInit};
use crate::stats::Reservation;
use tokio::time::Instant;

/// One input from the host, stamped on the host's thread with the time it was given.
pub enum Command {
    /// The wrapped function was called.
    Start {
        /// Tracker-local handle of the session.
        handle: u64,
        /// Its Sentrial session id (a UUIDv7).
        id: std::sync::Arc<str>,
        /// What the wrapper knows (with the time of the call).
        init: Box<SessionInit>,
    },
    /// A manual session was created (`createSession`).
    StartManual {
        /// Tracker-local handle of the session.
        handle: u64,
        /// Its Sentrial session id (a UUIDv7).
        id: std::sync::Arc<str>,
        /// What the host gave ([`crate::manual::ManualStart`] as JSON).
        json: String,
        /// When it was created.
        at: i64,
    },
    /// A step of a manual session (`trackToolCall`, `trackDecision`, ...).
    Step {
        /// Session handle.
        handle: u64,
        /// The step ([`crate::manual::Step`] as JSON).
        json: String,
        /// When it was reported.
        at: i64,
    },
    /// `completeSession`.
    Complete {
        /// Session handle.
        handle: u64,
        /// What it said ([`crate::manual::ManualEnd`] as JSON).
        json: String,
        /// When.
        at: i64,
    },
    /// An SDK message or hook payload handed over as its own [`Input`] (long text, lifted parts).
    Input {
        /// Session handle.
        handle: u64,
        /// Message or hook payload.
        kind: InputKind,
        /// The JSON and its lifted parts.
        json: Input,
        /// When it was given.
        at: i64,
        /// Its bytes in the input backlog, released when the command is read or dropped.
        reserved: Reservation,
    },
    /// An SDK message or hook payload whose JSON the host wrote into the batch's text (the
    /// batch's own reservation holds its bytes).
    Inline {
        /// Session handle.
        handle: u64,
        /// Message or hook payload.
        kind: InputKind,
        /// When it was given.
        at: i64,
        /// Where its JSON is in the batch's text.
        range: std::ops::Range<usize>,
    },
    /// A user turn of a streamed prompt.
    UserTurn {
        /// Session handle.
        handle: u64,
        /// Its text.
        text: String,
        /// When it was given.
        at: i64,
    },
    /// `interrupt()` was called through the wrapper.
    Interrupting {
        /// Session handle.
        handle: u64,
    },
    /// The wrapped function turned out not to start a run: forget the session, send nothing.
    Discard {
        /// Session handle.
        handle: u64,
    },
    /// The iteration ended (or a manual session's handle was dropped unfinished).
    Finish {
        /// Session handle.
        handle: u64,
        /// How.
        ending: Ending,
        /// When.
        at: i64,
    },
    /// A score of a session (or of a Claude session id), sent as its own event.
    Score {
        /// The id the score names (see [`sentrial_protocol::Score::of`]).
        session_id: String,
        /// The score.
        score: Box<sentrial_protocol::Score>,
    },
    /// Settle everything queued before this command, or give up at `deadline`.
    Flush {
        /// Latest time to answer.
        deadline: Instant,
        /// Where the answer goes.
        reply: FlushReply,
    },
    /// Flush, then stop.
    Shutdown {
        /// Latest time to answer.
        deadline: Instant,
        /// Where the answer goes.
        reply: FlushReply,
    },
}

#[cfg(test)]
impl Command {
    /// A message handed over on its own as `json`, its bytes reserved in `stats`'s backlog.
    pub fn reserved_input(stats: &std::sync::Arc<crate::stats::Stats>, json: &str) -> Command {
        let json = Input::from(json.to_string());
        let reserved = Reservation::new(stats, json.byte_len()).expect("room in the backlog");
        Command::Input {
            handle: 1,
            kind: InputKind::Message,
            json,
            at: 1,
            reserved,
        }
    }
}
