//! The worker task of a tracker: turns the host's inputs into events, in the order they were given.

use crate::delivery::outbox::Kind;
use crate::delivery::FlushReply;
use crate::inbox::{Batch, Inbox};
use crate::input::{Input, InputKind};
use crate::redact::Redactor;
use crate::session::{Ending, SessionInit, SessionState};
use crate::sinks::Sinks;
use crate::stats::Stats;
use crate::truncate;
use sentrial_protocol::{Event, Payload};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// One input from the host, stamped with the time it was given.
pub enum Command {
    /// The wrapped function was called.
    Start {
        /// Tracker-local handle of the session.
        handle: u64,
        /// What the wrapper knows.
        init: Box<SessionInit>,
    },
    /// An SDK message or hook payload handed over as its own [`Input`] (long text, lifted parts).
    Input {
        /// Session handle.
        handle: u64,
        /// Message or hook payload.
        kind: InputKind,
        /// The JSON and its lifted parts.
        json: Input,
        /// When it was seen.
        at: i64,
    },
    /// An SDK message or hook payload whose JSON the host wrote into the batch's text.
    Inline {
        /// Session handle.
        handle: u64,
        /// Message or hook payload.
        kind: InputKind,
        /// When it was seen.
        at: i64,
        /// Where its JSON is in [`Batch::text`].
        range: std::ops::Range<usize>,
    },
    /// A user turn of a streamed prompt.
    UserTurn {
        /// Session handle.
        handle: u64,
        /// Its text.
        text: String,
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
    /// The iteration ended.
    Finish {
        /// Session handle.
        handle: u64,
        /// How.
        ending: Ending,
        /// When.
        at: i64,
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

/// How long the worker keeps reading after the queue runs empty, before it waits to be woken.
const LINGER: Duration = Duration::from_millis(1);

struct Live {
    id: Arc<str>,
    state: SessionState,
}

/// Runs until every tracker handle is dropped (having read everything they queued).
pub async fn run(inbox: Arc<Inbox>, sinks: Sinks, stats: Arc<Stats>, redactor: Redactor) {
    // However the task ends (its handles gone, the runtime shut down, a panic), pushes after it
    // are refused and counted instead of queued for nobody.
    struct Closing(Arc<Inbox>);
    impl Drop for Closing {
        fn drop(&mut self) {
            for cmd in self.0.close_worker() {
                if let Command::Flush { reply, .. } | Command::Shutdown { reply, .. } = cmd {
                    reply(Default::default());
                }
            }
        }
    }
    let _closing = Closing(inbox.clone());
    let mut worker = Worker {
        sessions: HashMap::new(),
        out: Vec::new(),
        closed: false,
        sinks,
        stats,
        redactor,
    };
    let mut spare = Batch::default();
    let mut lingered = false;
    loop {
        let taken = inbox.take(spare);
        let mut batch = taken.batch;
        if batch.commands.is_empty() {
            if taken.host_gone {
                break;
            }
            spare = batch;
            if !lingered {
                // Inputs come in bursts, microseconds apart. Waiting a moment before going idle
                // lets the host queue the rest of a burst without waking this thread for each
                // input, a syscall on the host's thread every time; what arrives meanwhile waits
                // at most LINGER.
                lingered = true;
                tokio::time::sleep(LINGER).await;
            } else {
                inbox.wait().await;
            }
            continue;
        }
        lingered = false;
        let mut inline_bytes = 0;
        for cmd in batch.commands.drain(..) {
            if let Command::Inline { range, .. } = &cmd {
                inline_bytes += range.len() as u64;
            }
            worker.handle(cmd, &batch.text);
        }
        worker.stats.release_input(inline_bytes);
        spare = batch;
    }
}

/// The worker's state between commands.
struct Worker {
    sessions: HashMap<u64, Live>,
    out: Vec<Payload>,
    /// Shut down: later inputs are ignored, flushes answered at once.
    closed: bool,
    sinks: Sinks,
    stats: Arc<Stats>,
    redactor: Redactor,
}

impl Worker {
    /// Applies one command; `text` holds the JSON of inline inputs.
    fn handle(&mut self, cmd: Command, text: &[u8]) {
        let stats = &self.stats;
        if self.closed {
            if let Command::Input { json, .. } = &cmd {
                stats.release_input(json.byte_len());
            }
            match cmd {
                Command::Flush { reply, .. } | Command::Shutdown { reply, .. } => {
                    reply(Default::default())
                }
                _ => stats.input_ignored(),
            }
            return;
        }
        let (handle, at) = match cmd {
            Command::Start { handle, init } => {
                let id: Arc<str> = Arc::from(uuid::Uuid::now_v7().to_string());
                tracing::debug!(session = %id, agent = %init.agent, "session started");
                self.sessions.insert(
                    handle,
                    Live {
                        id,
                        state: SessionState::new(*init),
                    },
                );
                return;
            }
            Command::Input {
                handle,
                kind,
                json,
                at,
            } => {
                stats.release_input(json.byte_len());
                self.input(handle, kind, json.parse(), at);
                (handle, at)
            }
            Command::Inline {
                handle,
                kind,
                at,
                range,
            } => {
                let parsed = std::str::from_utf8(&text[range])
                    .map_err(|_| ())
                    .and_then(|s| crate::json::parse(s).map_err(|_| ()));
                self.input(handle, kind, parsed, at);
                (handle, at)
            }
            Command::UserTurn { handle, text } => {
                match self.sessions.get_mut(&handle) {
                    Some(s) => s.state.on_user_turn(text, &mut self.out),
                    None => stats.input_ignored(),
                }
                (handle, crate::clock::now_ms())
            }
            Command::Interrupting { handle } => {
                if let Some(s) = self.sessions.get_mut(&handle) {
                    s.state.interrupting();
                }
                return;
            }
            Command::Discard { handle } => {
                self.sessions.remove(&handle);
                return;
            }
            Command::Finish { handle, ending, at } => {
                if let Some(s) = self.sessions.remove(&handle) {
                    tracing::debug!(session = %s.id, "session finished");
                    s.state.finish(ending, at, &mut self.out);
                    emit(&mut self.sinks, &self.redactor, &s.id, at, &mut self.out);
                }
                return;
            }
            Command::Flush { deadline, reply } => {
                self.sinks.flush(deadline, reply);
                return;
            }
            Command::Shutdown { deadline, reply } => {
                self.closed = true;
                let now = crate::clock::now_ms();
                for (_, s) in self.sessions.drain() {
                    s.state.finish(Ending::Shutdown, now, &mut self.out);
                    emit(&mut self.sinks, &self.redactor, &s.id, now, &mut self.out);
                }
                self.sinks.shutdown(deadline, reply);
                return;
            }
        };
        if !self.out.is_empty() {
            if let Some(s) = self.sessions.get(&handle) {
                emit(&mut self.sinks, &self.redactor, &s.id, at, &mut self.out);
            }
        }
    }

    /// A message or hook payload for session `handle`, parsed (or not).
    fn input<E>(&mut self, handle: u64, kind: InputKind, parsed: Result<Value, E>, at: i64) {
        match (self.sessions.get_mut(&handle), parsed) {
            (Some(s), Ok(v)) => match kind {
                InputKind::Message => s.state.on_message(v, at, &mut self.out),
                InputKind::Hook => s.state.on_hook(v, at, &mut self.out),
                InputKind::Decision => s.state.on_decision(v),
            },
            (Some(_), Err(_)) => self.stats.bad_input(),
            (None, _) => self.stats.input_ignored(),
        }
    }
}

/// Wraps payloads into events (each with its own id made now) and queues them.
fn emit(
    sinks: &mut Sinks,
    redactor: &Redactor,
    session: &Arc<str>,
    at: i64,
    out: &mut Vec<Payload>,
) {
    for payload in out.drain(..) {
        let kind = match payload {
            Payload::SessionStart(_) => Kind::Start,
            Payload::SessionEnd(_) => Kind::End,
            _ => Kind::Other,
        };
        let event = Event {
            id: uuid::Uuid::now_v7().to_string(),
            session_id: session.to_string(),
            ts: at,
            payload,
        };
        // The one place secrets, privacy and text caps are applied: before anything is queued.
        match redactor.event_json(&event) {
            Ok(json) => {
                let json = truncate::shrink(&json, truncate::MAX_EVENT_BYTES).unwrap_or(json);
                sinks.push(session, kind, json)
            }
            Err(e) => tracing::warn!(error = %e, "could not serialize an event"),
        }
    }
}
