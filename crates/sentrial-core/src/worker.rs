//! The worker task of a tracker: turns the host's inputs into events, in the order they were given.

use crate::delivery::outbox::Kind;
use crate::delivery::FlushReply;
use crate::input::Input;
use crate::redact::Redactor;
use crate::session::{Ending, SessionInit, SessionState};
use crate::sinks::Sinks;
use crate::stats::Stats;
use crate::truncate;
use sentrial_protocol::{Event, Payload};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// One input from the host, stamped with the time it was given.
pub enum Command {
    /// The wrapped function was called.
    Start {
        /// Tracker-local handle of the session.
        handle: u64,
        /// What the wrapper knows.
        init: SessionInit,
    },
    /// An SDK message as JSON.
    Message {
        /// Session handle.
        handle: u64,
        /// The message.
        json: Input,
        /// When it was seen.
        at: i64,
    },
    /// A hook payload as JSON.
    Hook {
        /// Session handle.
        handle: u64,
        /// The payload.
        json: Input,
        /// When it was seen.
        at: i64,
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

/// Runs until the tracker is dropped or shut down.
pub async fn run(
    mut rx: UnboundedReceiver<Command>,
    mut sinks: Sinks,
    stats: Arc<Stats>,
    redactor: Redactor,
) {
    let mut sessions: HashMap<u64, Live> = HashMap::new();
    let mut out: Vec<Payload> = Vec::new();
    let mut closed = false;
    let mut lingered = false;
    loop {
        let cmd = match rx.try_recv() {
            Ok(cmd) => cmd,
            Err(TryRecvError::Disconnected) => break,
            // Inputs come in bursts, microseconds apart. Waiting a moment before going idle lets the
            // host queue the rest of a burst without waking this thread for each input, a syscall on
            // the host's thread every time; what arrives meanwhile waits at most LINGER.
            Err(TryRecvError::Empty) if !lingered => {
                lingered = true;
                tokio::time::sleep(LINGER).await;
                continue;
            }
            Err(TryRecvError::Empty) => match rx.recv().await {
                Some(cmd) => cmd,
                None => break,
            },
        };
        lingered = false;
        if closed {
            if let Command::Message { json, .. } | Command::Hook { json, .. } = &cmd {
                stats.release_input(json.byte_len());
            }
            if let Command::Flush { reply, .. } | Command::Shutdown { reply, .. } = cmd {
                reply(Default::default());
            } else {
                stats.input_ignored();
            }
            continue;
        }
        let (handle, at) = match cmd {
            Command::Start { handle, init } => {
                let id: Arc<str> = Arc::from(uuid::Uuid::now_v7().to_string());
                tracing::debug!(session = %id, agent = %init.agent, "session started");
                sessions.insert(
                    handle,
                    Live {
                        id,
                        state: SessionState::new(init),
                    },
                );
                continue;
            }
            Command::Message { handle, json, at } => {
                stats.release_input(json.byte_len());
                match (sessions.get_mut(&handle), json.parse()) {
                    (Some(s), Ok(v)) => s.state.on_message(v, at, &mut out),
                    (Some(_), Err(_)) => stats.bad_input(),
                    (None, _) => stats.input_ignored(),
                }
                (handle, at)
            }
            Command::Hook { handle, json, at } => {
                stats.release_input(json.byte_len());
                match (sessions.get_mut(&handle), json.parse()) {
                    (Some(s), Ok(v)) => s.state.on_hook(v, at, &mut out),
                    (Some(_), Err(_)) => stats.bad_input(),
                    (None, _) => stats.input_ignored(),
                }
                (handle, at)
            }
            Command::UserTurn { handle, text } => {
                match sessions.get_mut(&handle) {
                    Some(s) => s.state.on_user_turn(text, &mut out),
                    None => stats.input_ignored(),
                }
                (handle, crate::clock::now_ms())
            }
            Command::Interrupting { handle } => {
                if let Some(s) = sessions.get_mut(&handle) {
                    s.state.interrupting();
                }
                continue;
            }
            Command::Finish { handle, ending, at } => {
                if let Some(s) = sessions.remove(&handle) {
                    tracing::debug!(session = %s.id, "session finished");
                    s.state.finish(ending, at, &mut out);
                    emit(&mut sinks, &redactor, &s.id, at, &mut out);
                }
                continue;
            }
            Command::Flush { deadline, reply } => {
                sinks.flush(deadline, reply);
                continue;
            }
            Command::Shutdown { deadline, reply } => {
                closed = true;
                let now = crate::clock::now_ms();
                for (_, s) in sessions.drain() {
                    s.state.finish(
                        Ending::Threw {
                            message: "the tracker was shut down while the session ran".into(),
                            aborted: false,
                        },
                        now,
                        &mut out,
                    );
                    emit(&mut sinks, &redactor, &s.id, now, &mut out);
                }
                sinks.shutdown(deadline, reply);
                continue;
            }
        };
        if !out.is_empty() {
            if let Some(s) = sessions.get(&handle) {
                emit(&mut sinks, &redactor, &s.id, at, &mut out);
            }
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
