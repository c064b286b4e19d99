//! The tracker: what the host holds. Every method returns at once and never fails; the work is done
//! by the worker task on the shared runtime.

use crate::clock::now_ms;
use crate::collector;
use crate::command::Command;
use crate::config::Config;
use crate::delivery::{Delivery, FlushReply, FlushReport};
use crate::error::CoreError;
use crate::inbox::{Inbox, Pushed};
use crate::input::{Input, InputKind};
use crate::otlp::{self, OtlpStats, OtlpStatsSnapshot};
use crate::redact::Redactor;
use crate::runtime;
use crate::session::{Ending, SessionInit};
use crate::sinks::Sinks;
use crate::stats::{Reservation, Stats, StatsSnapshot};
use crate::worker;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Inner {
    inbox: Arc<Inbox>,
    next_handle: AtomicU64,
}

impl Drop for Inner {
    /// The last handle is gone: the worker reads what is queued, then ends.
    fn drop(&mut self) {
        self.inbox.close_host();
    }
}

/// Tracks sessions and delivers them to one collector (and/or an OTLP endpoint). Cheap to clone.
#[derive(Clone)]
pub struct Tracker {
    inner: Option<Arc<Inner>>,
    stats: Arc<Stats>,
    otlp_stats: Option<Arc<OtlpStats>>,
}

impl Tracker {
    /// Starts a tracker delivering to `config.api_url` and, with `config.otlp`, to an OTLP
    /// endpoint too (or only, when `config.api_key` is empty).
    pub fn new(config: Config) -> Result<Tracker, CoreError> {
        // Everything that can fail comes first: nothing is started for settings that cannot work.
        let otlp_only = config.api_key.is_empty() && config.otlp.is_some();
        let collector = match otlp_only {
            true => None,
            false => Some(collector::transport(&config)?),
        };
        let otlp = match &config.otlp {
            Some(o) => Some(otlp::transport(
                o,
                config.delivery.request_timeout,
                &config.sdk(),
            )?),
            None => None,
        };
        let rt = runtime::handle()?;
        let redactor = Redactor::new(&redact_config(&config), config.privacy)
            .map_err(|e| CoreError::InvalidPattern(e.to_string()))?;
        let stats = Arc::new(Stats::default());
        let exporter = otlp.map(|transport| {
            let exporter = otlp::Exporter::new(config.delivery);
            rt.spawn(Arc::clone(exporter.delivery()).run(transport));
            exporter
        });
        let otlp_stats = exporter.as_ref().map(|e| Arc::clone(e.stats()));
        let collector = collector.map(|transport| {
            let delivery =
                Delivery::new(config.delivery, config.spool_dir.as_deref(), stats.clone());
            rt.spawn(Arc::clone(&delivery).run(transport));
            delivery
        });
        let sinks = Sinks {
            collector,
            otlp: exporter,
        };
        let inbox = Inbox::new(stats.clone());
        rt.spawn(worker::run(inbox.clone(), sinks, stats.clone(), redactor));
        Ok(Tracker {
            inner: Some(Arc::new(Inner {
                inbox,
                next_handle: AtomicU64::new(1),
            })),
            stats,
            otlp_stats,
        })
    }

    /// A tracker that records nothing (tracking turned off).
    pub fn disabled() -> Tracker {
        Tracker {
            inner: None,
            stats: Arc::new(Stats::default()),
            otlp_stats: None,
        }
    }

    /// Whether this tracker records anything.
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Queues `cmd` for the worker (counted as an input; ignored when tracking is off).
    pub(crate) fn send(&self, cmd: Command) {
        self.stats.input();
        let Some(inner) = &self.inner else {
            self.stats.input_ignored();
            return;
        };
        // A command refused is dropped here, with whatever it held.
        if inner.inbox.push(cmd).is_err() {
            self.stats.input_ignored();
        }
    }

    /// Queues a message or hook payload whose JSON `write` appends to the buffer it is given.
    fn send_inline(&self, handle: u64, kind: InputKind, write: impl FnOnce(&mut Vec<u8>) -> bool) {
        self.stats.input();
        let pushed = match &self.inner {
            Some(inner) => inner.inbox.push_inline(handle, kind, now_ms(), write),
            None => Pushed::WorkerGone,
        };
        match pushed {
            Pushed::Queued | Pushed::Overloaded => {}
            Pushed::Unreadable => self.stats.bad_input(),
            Pushed::WorkerGone => self.stats.input_ignored(),
        }
    }

    /// Queues a score of the session (or Claude session) `session_id` names, as its own event
    /// through the same delivery as sessions' (queued, retried, counted). A score that breaks the
    /// protocol's rules ([`sentrial_protocol::Score::problem`], an empty id) is counted as a bad
    /// input and not sent; the error says why.
    pub fn score(&self, session_id: String, score: sentrial_protocol::Score) -> Result<(), String> {
        let problem = match session_id.is_empty() {
            true => Some("the session id must not be empty".to_string()),
            false => score.problem(),
        };
        if let Some(problem) = problem {
            self.stats.input();
            self.stats.bad_input();
            return Err(problem);
        }
        self.send(Command::Score {
            session_id,
            score: Box::new(score),
        });
        Ok(())
    }

    /// Counts a score the host refused before it reached [`Tracker::score`] (no id, no value)
    /// as a bad input, as the tracker counts its own refusals; gives `problem` back.
    pub fn refuse_score(&self, problem: &str) -> String {
        self.stats.input();
        self.stats.bad_input();
        problem.to_string()
    }

    /// A new session's handle and id; `None` when tracking is off.
    pub(crate) fn new_handle(&self) -> Option<(u64, Arc<str>)> {
        let inner = self.inner.as_ref()?;
        let handle = inner.next_handle.fetch_add(1, Ordering::Relaxed);
        // Made here, not by the worker, so the host can name the session at once.
        Some((handle, Arc::from(uuid::Uuid::now_v7().to_string())))
    }

    /// Begins a session for one call of the wrapped function.
    pub fn start_session(&self, init: SessionInit) -> Session {
        let (handle, id) = match self.new_handle() {
            Some((handle, id)) => {
                self.send(Command::Start {
                    handle,
                    id: Arc::clone(&id),
                    init: Box::new(init),
                });
                (handle, Some(id))
            }
            None => (0, None),
        };
        Session {
            tracker: self.clone(),
            handle,
            id,
            finished: AtomicBool::new(handle == 0),
        }
    }

    /// Calls `reply` once everything given so far is delivered or dropped, or after `timeout`.
    pub fn flush(&self, timeout: Duration, reply: impl FnOnce(FlushReport) + Send + 'static) {
        self.settle(timeout, Box::new(reply), false);
    }

    /// Flushes, then stops: later inputs are ignored, and what could not be delivered within
    /// `timeout` is dropped and counted.
    pub fn shutdown(&self, timeout: Duration, reply: impl FnOnce(FlushReport) + Send + 'static) {
        self.settle(timeout, Box::new(reply), true);
    }

    /// Sends a flush (or a shutdown) to the worker; answers at once when there is no worker.
    fn settle(&self, timeout: Duration, reply: FlushReply, stop: bool) {
        let Some(inner) = &self.inner else {
            return reply(self.report());
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let cmd = if stop {
            Command::Shutdown { deadline, reply }
        } else {
            Command::Flush { deadline, reply }
        };
        if let Err(cmd) = inner.inbox.push(cmd) {
            if let Command::Flush { reply, .. } | Command::Shutdown { reply, .. } = *cmd {
                reply(self.report());
            }
        }
    }

    /// [`Tracker::flush`], waiting on the calling thread (for Rust callers and tests; never call it
    /// from the runtime's own thread).
    pub fn flush_blocking(&self, timeout: Duration) -> FlushReport {
        let (tx, rx) = std::sync::mpsc::channel();
        self.flush(timeout, move |r| {
            let _ = tx.send(r);
        });
        // The worker answers by the deadline; the margin only guards against a worker that died.
        rx.recv_timeout(timeout + Duration::from_millis(200))
            .unwrap_or_else(|_| FlushReport {
                timed_out: true,
                ..self.report()
            })
    }

    /// The delivery counters (of the collector; inputs of both).
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// The OTLP exporter's counters, when it has one.
    pub fn otlp_stats(&self) -> Option<OtlpStatsSnapshot> {
        self.otlp_stats.as_ref().map(|s| s.snapshot())
    }

    fn report(&self) -> FlushReport {
        let otlp_pending = self.otlp_stats().map_or(0, |s| s.pending);
        FlushReport {
            delivered: 0,
            pending: self.stats.snapshot().pending + otlp_pending,
            timed_out: false,
        }
    }
}

/// One tracked call. Dropping it unfinished ends the session as stopped by the caller.
pub struct Session {
    tracker: Tracker,
    handle: u64,
    /// Its Sentrial session id; none when tracking is off.
    id: Option<Arc<str>>,
    finished: AtomicBool,
}

impl Session {
    /// Its Sentrial session id (what the collector lists it by); `None` when tracking is off.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// An SDK message, as the JSON the SDK would write for it.
    pub fn message(&self, json: impl AsRef<str>) {
        self.input_with(InputKind::Message, |buf| {
            buf.extend_from_slice(json.as_ref().as_bytes());
            true
        });
    }

    /// A hook payload (PreToolUse, PostToolUse, PostToolUseFailure), as JSON.
    pub fn hook(&self, json: impl AsRef<str>) {
        self.input_with(InputKind::Hook, |buf| {
            buf.extend_from_slice(json.as_ref().as_bytes());
            true
        });
    }

    /// A message or hook payload for a host that writes the JSON (UTF-8) itself: `write` appends
    /// it to the buffer it is given, or returns false when it cannot. The cheapest hand-over of a
    /// short input: no allocation of its own, and no per-input synchronization beyond one lock.
    pub fn input_with(&self, kind: InputKind, write: impl FnOnce(&mut Vec<u8>) -> bool) {
        if !self.is_done() {
            self.tracker.send_inline(self.handle, kind, write);
        }
    }

    /// A message or hook payload in whichever form the host could hand it over most cheaply (long
    /// text as UTF-16, lifted parts).
    pub fn input(&self, kind: InputKind, json: Input) {
        if self.is_done() {
            return;
        }
        if let Some(reserved) = Reservation::new(&self.tracker.stats, json.byte_len()) {
            self.tracker.send(Command::Input {
                handle: self.handle,
                kind,
                json,
                at: now_ms(),
                reserved,
            });
        }
    }

    /// A user turn of a streamed prompt.
    pub fn user_turn(&self, text: String) {
        if !self.is_done() {
            self.tracker.send(Command::UserTurn {
                handle: self.handle,
                text,
                at: now_ms(),
            });
        }
    }

    /// `interrupt()` was called through the wrapper.
    pub fn interrupting(&self) {
        if !self.is_done() {
            self.tracker.send(Command::Interrupting {
                handle: self.handle,
            });
        }
    }

    /// Forgets the session without sending anything of it (the wrapped call did not start a run:
    /// a function that is not `query()` was wrapped). Later calls are ignored.
    pub fn discard(&self) {
        if !self.finished.swap(true, Ordering::AcqRel) {
            self.tracker.send(Command::Discard {
                handle: self.handle,
            });
        }
    }

    /// Ends the session. Later calls, and a second finish, are ignored.
    pub fn finish(&self, ending: Ending) {
        if !self.finished.swap(true, Ordering::AcqRel) {
            self.tracker.send(Command::Finish {
                handle: self.handle,
                ending,
                at: now_ms(),
            });
        }
    }

    fn is_done(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.finish(Ending::Stopped);
    }
}

/// The redaction settings with hash mode's default key filled in: derived from the API key (see
/// [`crate::redact::pii::derive_key`]) when none is given.
fn redact_config(config: &Config) -> crate::redact::RedactConfig {
    let mut redact = config.redact.clone();
    if let Some(pii) = &mut redact.pii {
        if pii.hash_key.is_none() && pii.mode == crate::redact::PiiMode::Hash {
            pii.hash_key = Some(crate::redact::pii::derive_key(&config.api_key));
        }
    }
    redact
}
