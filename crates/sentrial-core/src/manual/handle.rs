//! [`ManualSession`]: what the host holds of a manual session.

use crate::clock::now_ms;
use crate::command::Command;
use crate::session::Ending;
use crate::tracker::Tracker;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One manual session. Each method queues its step and returns at once; the steps reach the
/// worker in the order they were given. Dropping it uncompleted ends the session as failed
/// (`stopped`).
pub struct ManualSession {
    tracker: Tracker,
    handle: u64,
    id: Arc<str>,
    completed: AtomicBool,
}

impl ManualSession {
    /// Its Sentrial session id (made here, so the host has it at once).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether [`ManualSession::complete`] was called.
    pub fn is_completed(&self) -> bool {
        self.completed.load(Ordering::Acquire)
    }

    /// Reports one step (a tool call, a decision, an error, a model call), as the JSON of a
    /// [`super::Step`]. Ignored once completed.
    pub fn step(&self, json: String) {
        if !self.is_completed() {
            self.tracker.send(Command::Step {
                handle: self.handle,
                json,
                at: now_ms(),
            });
        }
    }

    /// Ends the session as the JSON of a [`super::ManualEnd`] says. Returns false (and sends
    /// nothing) when it was already completed.
    pub fn complete(&self, json: String) -> bool {
        if self.completed.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.tracker.send(Command::Complete {
            handle: self.handle,
            json,
            at: now_ms(),
        });
        true
    }
}

impl Drop for ManualSession {
    fn drop(&mut self) {
        if !self.completed.swap(true, Ordering::AcqRel) {
            self.tracker.send(Command::Finish {
                handle: self.handle,
                ending: Ending::Stopped,
                at: now_ms(),
            });
        }
    }
}

impl Tracker {
    /// Creates a manual session as the JSON of a [`super::ManualStart`] says; `None` when
    /// tracking is off.
    pub fn start_manual(&self, json: String) -> Option<ManualSession> {
        let (handle, id) = self.new_handle()?;
        self.send(Command::StartManual {
            handle,
            id: Arc::clone(&id),
            json,
            at: now_ms(),
        });
        Some(ManualSession {
            tracker: self.clone(),
            handle,
            id,
            completed: AtomicBool::new(false),
        })
    }
}
