//! The worker task of a tracker: turns the host's inputs into events, in the order they were given.

use crate::command::Command;
use crate::delivery::outbox::Kind;
use crate::inbox::Inbox;
use crate::input::InputKind;
use crate::manual::ManualState;
use crate::redact::Redactor;
use crate::session::{Ending, SessionState};
use crate::sinks::Sinks;
use crate::stats::Stats;
use crate::truncate;
use sentrial_protocol::{Event, Payload};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long the worker keeps reading after the queue runs empty, before it waits to be woken.
const LINGER: Duration = Duration::from_millis(1);

struct Live<S> {
    id: Arc<str>,
    state: S,
}

/// However the worker task ends (its handles gone, the runtime shut down, a panic, or dropped
/// before it ever ran), pushes after it are refused and counted instead of queued for nobody, and
/// what was left queued is answered (flushes) or dropped (inputs, releasing their bytes).
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

/// The worker task: runs until every tracker handle is dropped (having read everything they
/// queued).
pub fn run(
    inbox: Arc<Inbox>,
    sinks: Sinks,
    stats: Arc<Stats>,
    redactor: Redactor,
) -> impl Future<Output = ()> + Send {
    // Made before the task first runs, so even a task that never runs closes the inbox.
    let closing = Closing(inbox.clone());
    async move {
        let _closing = closing;
        let worker = Worker {
            sessions: HashMap::new(),
            manual: HashMap::new(),
            out: Vec::new(),
            closed: false,
            sinks,
            stats,
            redactor,
        };
        read(&inbox, worker).await;
    }
}

/// Reads the inbox batch after batch until the host is gone.
async fn read(inbox: &Inbox, mut worker: Worker) {
    let mut spare = inbox.empty_batch();
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
        for cmd in batch.commands.drain(..) {
            worker.handle(cmd, &batch.text);
        }
        // Handing the batch back releases its text's bytes.
        spare = batch;
    }
}

/// The worker's state between commands.
struct Worker {
    sessions: HashMap<u64, Live<SessionState>>,
    /// Manual sessions, by handle.
    manual: HashMap<u64, Live<ManualState>>,
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
            // Dropped unread: an input's reservation goes with it.
            match cmd {
                Command::Flush { reply, .. } | Command::Shutdown { reply, .. } => {
                    reply(Default::default())
                }
                _ => stats.input_ignored(),
            }
            return;
        }
        let (handle, at) = match cmd {
            Command::Start { handle, id, init } => {
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
            Command::StartManual {
                handle,
                id,
                json,
                at,
            } => {
                // An unreadable start still makes the session, so its steps are not lost.
                let start = self.parse(&json).unwrap_or_default();
                let state = ManualState::new(start, at, &mut self.out);
                emit(&mut self.sinks, &self.redactor, &id, at, &mut self.out);
                self.manual.insert(handle, Live { id, state });
                return;
            }
            Command::Step { handle, json, at } => {
                let step = self.parse(&json);
                match (self.manual.get_mut(&handle), step) {
                    (Some(s), Some(step)) => {
                        s.state.step(step, at, &mut self.out);
                        emit(&mut self.sinks, &self.redactor, &s.id, at, &mut self.out);
                    }
                    (None, _) => stats.input_ignored(),
                    (Some(_), None) => {}
                }
                return;
            }
            Command::Complete { handle, json, at } => {
                let end = self.parse(&json).unwrap_or_default();
                if let Some(s) = self.manual.remove(&handle) {
                    s.state.complete(end, at, &mut self.out);
                    emit(&mut self.sinks, &self.redactor, &s.id, at, &mut self.out);
                }
                return;
            }
            Command::Input {
                handle,
                kind,
                json,
                at,
                reserved,
            } => {
                drop(reserved);
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
            Command::UserTurn { handle, text, at } => {
                match self.sessions.get_mut(&handle) {
                    Some(s) => s.state.on_user_turn(text, &mut self.out),
                    None => stats.input_ignored(),
                }
                (handle, at)
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
                } else if let Some(s) = self.manual.remove(&handle) {
                    s.state.abandon(ending, at, &mut self.out);
                    emit(&mut self.sinks, &self.redactor, &s.id, at, &mut self.out);
                }
                return;
            }
            Command::Score { session_id, score } => {
                let (session, at) = (Arc::from(session_id), score.at);
                self.out.push(Payload::Score(*score));
                emit(&mut self.sinks, &self.redactor, &session, at, &mut self.out);
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
                for (_, s) in self.manual.drain() {
                    s.state.abandon(Ending::Shutdown, now, &mut self.out);
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

    /// A manual session's JSON read as `T`; `None` (counted as a bad input) when it is not one.
    fn parse<T: serde::de::DeserializeOwned>(&self, json: &str) -> Option<T> {
        let parsed = serde_json::from_str(json);
        if let Err(e) = &parsed {
            tracing::debug!(error = %e, "a manual session's input could not be read");
            self.stats.bad_input();
        }
        parsed.ok()
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
        let kind = Kind::of_type(payload.type_name());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::{Privacy, RedactConfig};

    #[test]
    fn a_worker_that_stops_with_inputs_queued_leaves_no_backlog() {
        let stats = Arc::new(Stats::default());
        let inbox = Inbox::new(stats.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let sinks = Sinks {
            collector: None,
            otlp: None,
        };
        let redactor = Redactor::new(&RedactConfig::default(), Privacy::Full).unwrap();
        rt.spawn(run(inbox.clone(), sinks, stats.clone(), redactor));
        // The worker runs until it waits for inputs.
        rt.block_on(async { tokio::time::sleep(Duration::from_millis(10)).await });
        // Inputs it will never read: one written into the queue, one handed over on its own.
        let pushed = inbox.push_inline(1, InputKind::Message, 1, |buf| {
            buf.extend_from_slice(br#"{"type":"system"}"#);
            true
        });
        assert_eq!(pushed, crate::inbox::Pushed::Queued);
        let input = Command::reserved_input(&stats, r#"{"type":"user"}"#);
        assert!(inbox.push(input).is_ok());
        assert_eq!(stats.input_backlog(), 32);
        // The runtime shuts down with the worker waiting.
        drop(rt);
        assert_eq!(stats.input_backlog(), 0);
        assert!(inbox.push(Command::Interrupting { handle: 1 }).is_err());
    }

    #[test]
    fn a_worker_that_never_ran_still_closes_its_inbox() {
        let stats = Arc::new(Stats::default());
        let inbox = Inbox::new(stats.clone());
        let redactor = Redactor::new(&RedactConfig::default(), Privacy::Full).unwrap();
        let sinks = Sinks {
            collector: None,
            otlp: None,
        };
        let task = run(inbox.clone(), sinks, stats.clone(), redactor);
        assert!(inbox.push(Command::reserved_input(&stats, "{}")).is_ok());
        drop(task);
        assert_eq!(stats.input_backlog(), 0);
        assert!(inbox.push(Command::Interrupting { handle: 1 }).is_err());
    }
}
