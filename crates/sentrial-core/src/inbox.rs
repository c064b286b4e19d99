//! The queue from the host's thread to the worker.
//!
//! Handing each message over on its own cost the host's thread an allocation for its text (freed
//! later on the worker's thread, where glibc's allocator makes the two threads contend for one lock)
//! and a channel operation on cache lines the worker was touching at the same moment: about half of
//! what a short message cost the host. Here the host appends a short input's JSON to one text buffer
//! and its command to one list, under a lock the worker holds only to swap the pair for an empty one;
//! the worker reads a whole batch at once and hands the emptied pair back for reuse. Every command
//! goes through this one queue, so the worker sees inputs in exactly the order the host gave them.
//!
//! A batch's text is held in the input backlog by one [`Reservation`] of the batch's own (one per
//! inline input would cost the host a reference count on a line the worker writes): it grows as
//! the host writes and is released when the worker is done with the batch, or when the batch is
//! dropped unread.

use crate::command::Command;
use crate::input::InputKind;
use crate::stats::{Reservation, Stats};
use std::collections::VecDeque;
use std::mem;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// A batch this full is closed and a new one begun, so that a worker that falls behind a fast
/// host gets several batches of bounded size rather than one that grows (and is copied as it
/// grows, into freshly mapped memory) without end.
const SEAL_BYTES: usize = 64 * 1024;
/// The same bound on the number of commands.
const SEAL_COMMANDS: usize = 1024;
/// Emptied batches kept for reuse; each keeps at most twice the sealing size allocated.
const KEEP_FREE: usize = 4;

/// Commands in the order the host gave them, and the JSON text of the inline ones.
pub(crate) struct Batch {
    /// The commands; an [`Command::Inline`] refers to a range of `text`.
    pub commands: Vec<Command>,
    /// The JSON of inline inputs, back to back, as the host wrote it (UTF-8, checked by the worker).
    pub text: Vec<u8>,
    /// The bytes of `text` in the input backlog.
    reserved: Reservation,
}

impl Batch {
    fn new(stats: &Arc<Stats>) -> Batch {
        Batch {
            commands: Vec::new(),
            text: Vec::new(),
            reserved: Reservation::empty(stats),
        }
    }

    /// Empties the batch for reuse, keeping a reasonable allocation; its text leaves the backlog.
    fn recycle(&mut self) {
        self.commands.clear();
        self.text.clear();
        self.reserved.release();
        self.commands.shrink_to(2 * SEAL_COMMANDS);
        self.text.shrink_to(2 * SEAL_BYTES);
    }

    fn is_full(&self) -> bool {
        self.text.len() >= SEAL_BYTES || self.commands.len() >= SEAL_COMMANDS
    }
}

struct Queue {
    /// Where the host queues.
    filling: Batch,
    /// Batches closed because they were full, oldest first; all older than `filling`.
    full: VecDeque<Batch>,
    /// Emptied batches handed back by the worker.
    free: Vec<Batch>,
    /// Every tracker handle is gone: nothing more will be queued.
    host_gone: bool,
    /// The worker has stopped (or panicked): nothing queued will be read.
    worker_gone: bool,
}

impl Queue {
    fn is_empty(&self) -> bool {
        self.filling.commands.is_empty() && self.full.is_empty()
    }

    /// Closes `filling` if it is full.
    fn seal_if_full(&mut self, stats: &Arc<Stats>) {
        if self.filling.is_full() {
            let fresh = self.free.pop().unwrap_or_else(|| Batch::new(stats));
            let full = mem::replace(&mut self.filling, fresh);
            self.full.push_back(full);
        }
    }
}

/// The queue shared by a tracker's handles and its worker.
pub(crate) struct Inbox {
    queue: Mutex<Queue>,
    wake: Notify,
    stats: Arc<Stats>,
}

/// What became of an input given to [`Inbox::push_inline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued for the worker.
    Queued,
    /// The host could not write it.
    Unreadable,
    /// The input backlog is full.
    Overloaded,
    /// The worker has stopped.
    WorkerGone,
}

/// What [`Inbox::take`] found.
pub(crate) struct Taken {
    /// The oldest commands queued and not taken yet (possibly none).
    pub batch: Batch,
    /// No handle is left to queue more.
    pub host_gone: bool,
}

impl Inbox {
    /// An empty inbox; `stats` counts the backlog of inline inputs.
    pub fn new(stats: Arc<Stats>) -> Arc<Inbox> {
        Arc::new(Inbox {
            queue: Mutex::new(Queue {
                filling: Batch::new(&stats),
                full: VecDeque::new(),
                free: Vec::new(),
                host_gone: false,
                worker_gone: false,
            }),
            wake: Notify::new(),
            stats,
        })
    }

    /// An empty batch, for the worker's first [`Inbox::take`].
    pub fn empty_batch(&self) -> Batch {
        Batch::new(&self.stats)
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic elsewhere while the lock was held leaves a queue that is still consistent: every
        // change to it is a push, a truncation back to where a push began, or a swap.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `cmd`; gives it back when the worker is gone (dropping it releases what it holds).
    pub fn push(&self, cmd: Command) -> Result<(), Box<Command>> {
        let mut q = self.lock();
        if q.worker_gone {
            return Err(Box::new(cmd));
        }
        let was_empty = q.is_empty();
        q.filling.commands.push(cmd);
        q.seal_if_full(&self.stats);
        drop(q);
        if was_empty {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Queues an input whose JSON `write` appends to the buffer it is given (false: it could not).
    /// The bytes written are reserved in the input backlog (a full backlog is counted there).
    pub fn push_inline(
        &self,
        handle: u64,
        kind: InputKind,
        at: i64,
        write: impl FnOnce(&mut Vec<u8>) -> bool,
    ) -> Pushed {
        let mut q = self.lock();
        if q.worker_gone {
            return Pushed::WorkerGone;
        }
        let was_empty = q.is_empty();
        let start = q.filling.text.len();
        let written = write(&mut q.filling.text);
        let len = q.filling.text.len() - start;
        if !written {
            q.filling.text.truncate(start);
            return Pushed::Unreadable;
        }
        if !q.filling.reserved.grow(len as u64) {
            q.filling.text.truncate(start);
            return Pushed::Overloaded;
        }
        q.filling.commands.push(Command::Inline {
            handle,
            kind,
            at,
            range: start..start + len,
        });
        q.seal_if_full(&self.stats);
        drop(q);
        if was_empty {
            self.wake.notify_one();
        }
        Pushed::Queued
    }

    /// Takes the oldest batch not taken yet, and keeps `spare` (emptied) for reuse.
    pub fn take(&self, mut spare: Batch) -> Taken {
        spare.recycle();
        let mut q = self.lock();
        if q.free.len() < KEEP_FREE {
            q.free.push(spare);
        }
        let batch = match q.full.pop_front() {
            Some(batch) => batch,
            None => {
                let fresh = q.free.pop().unwrap_or_else(|| Batch::new(&self.stats));
                mem::replace(&mut q.filling, fresh)
            }
        };
        Taken {
            batch,
            host_gone: q.host_gone,
        }
    }

    /// Waits until something is queued (or was queued since the last take), or the host is gone.
    pub async fn wait(&self) {
        self.wake.notified().await;
    }

    /// The last tracker handle is gone.
    pub fn close_host(&self) {
        self.lock().host_gone = true;
        self.wake.notify_one();
    }

    /// The worker has stopped: later pushes are refused. Returns the commands still queued; the
    /// text of their batches has left the input backlog, and each command releases what it holds
    /// when dropped.
    pub fn close_worker(&self) -> Vec<Command> {
        let mut q = self.lock();
        q.worker_gone = true;
        let mut left: Vec<Command> = q.full.drain(..).flat_map(|b| b.commands).collect();
        left.append(&mut q.filling.commands);
        q.filling.recycle();
        left
    }
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
