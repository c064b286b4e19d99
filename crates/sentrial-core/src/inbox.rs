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
mod tests {
    use super::*;

    fn inline(inbox: &Inbox, handle: u64, json: &str) -> bool {
        inbox.push_inline(handle, InputKind::Message, 1, |buf| {
            buf.extend_from_slice(json.as_bytes());
            true
        }) == Pushed::Queued
    }

    fn handles(batch: &Batch) -> Vec<(u64, Option<String>)> {
        batch
            .commands
            .iter()
            .map(|c| match c {
                Command::Inline { handle, range, .. } => (
                    *handle,
                    Some(String::from_utf8(batch.text[range.clone()].to_vec()).unwrap()),
                ),
                Command::Interrupting { handle } => (*handle, None),
                _ => panic!("unexpected command"),
            })
            .collect()
    }

    #[test]
    fn inline_and_other_commands_keep_their_order() {
        let inbox = Inbox::new(Arc::new(Stats::default()));
        assert!(inline(&inbox, 1, r#"{"a":1}"#));
        inbox
            .push(Command::Interrupting { handle: 2 })
            .ok()
            .unwrap();
        assert!(inline(&inbox, 3, r#"{"b":"é"}"#));
        let taken = inbox.take(inbox.empty_batch());
        assert!(!taken.host_gone);
        assert_eq!(
            handles(&taken.batch),
            vec![
                (1, Some(r#"{"a":1}"#.into())),
                (2, None),
                (3, Some(r#"{"b":"é"}"#.into()))
            ]
        );
        // The next take starts empty, in the handed-back allocation.
        assert!(inline(&inbox, 4, "{}"));
        let next = inbox.take(taken.batch);
        assert_eq!(handles(&next.batch), vec![(4, Some("{}".into()))]);
    }

    #[test]
    fn a_fast_host_fills_several_bounded_batches_taken_in_order() {
        let inbox = Inbox::new(Arc::new(Stats::default()));
        let doc = format!("{{\"pad\":\"{}\"}}", "x".repeat(1000));
        let n = 3 * SEAL_BYTES / doc.len();
        for i in 0..n {
            assert!(inline(&inbox, i as u64, &doc));
        }
        let mut seen = Vec::new();
        let mut spare = inbox.empty_batch();
        loop {
            let taken = inbox.take(spare);
            if taken.batch.commands.is_empty() {
                break;
            }
            assert!(taken.batch.text.len() < SEAL_BYTES + doc.len());
            seen.extend(handles(&taken.batch).into_iter().map(|(h, text)| {
                assert_eq!(text.as_deref(), Some(doc.as_str()));
                h
            }));
            spare = taken.batch;
        }
        assert_eq!(seen, (0..n as u64).collect::<Vec<_>>());
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let inbox = Inbox::new(Arc::new(Stats::default()));
        assert!(inline(&inbox, 1, "{}"));
        let pushed = inbox.push_inline(2, InputKind::Hook, 1, |buf| {
            buf.extend_from_slice(b"{\"half");
            false
        });
        assert_eq!(pushed, Pushed::Unreadable);
        let taken = inbox.take(inbox.empty_batch());
        assert_eq!(handles(&taken.batch), vec![(1, Some("{}".into()))]);
        assert_eq!(taken.batch.text, b"{}");
    }

    #[test]
    fn inline_bytes_count_in_the_backlog_and_a_full_backlog_refuses() {
        let stats = Arc::new(Stats::default());
        let inbox = Inbox::new(stats.clone());
        assert!(inline(&inbox, 1, "{}"));
        // The two bytes queued plus this fill the backlog exactly.
        let rest = Reservation::new(&stats, crate::stats::MAX_INPUT_BACKLOG - 2);
        assert!(rest.is_some());
        assert!(!inline(&inbox, 1, "{}"));
        assert_eq!(stats.snapshot().inputs_overload, 1);
        assert_eq!(inbox.take(inbox.empty_batch()).batch.commands.len(), 1);
    }

    #[test]
    fn nothing_is_queued_once_the_worker_is_gone() {
        let inbox = Inbox::new(Arc::new(Stats::default()));
        assert!(inline(&inbox, 1, "{}"));
        let left = inbox.close_worker();
        assert_eq!(left.len(), 1);
        assert!(!inline(&inbox, 1, "{}"));
        assert!(inbox.push(Command::Interrupting { handle: 1 }).is_err());
    }

    #[test]
    fn commands_left_when_the_worker_stops_give_their_bytes_back() {
        let stats = Arc::new(Stats::default());
        let inbox = Inbox::new(stats.clone());
        // Full batches waiting, one being filled, and an input handed over on its own.
        let doc = format!("{{\"pad\":\"{}\"}}", "x".repeat(1000));
        for i in 0..(2 * SEAL_BYTES / doc.len() + 3) {
            assert!(inline(&inbox, i as u64, &doc));
        }
        let json = crate::input::Input::from(doc.clone());
        let reserved = Reservation::new(&stats, json.byte_len()).unwrap();
        let cmd = Command::Input {
            handle: 1,
            kind: InputKind::Hook,
            json,
            at: 1,
            reserved,
        };
        assert!(inbox.push(cmd).is_ok());
        assert!(stats.input_backlog() > 2 * SEAL_BYTES as u64);
        let left = inbox.close_worker();
        assert_eq!(left.len(), 2 * SEAL_BYTES / doc.len() + 4);
        drop(left);
        assert_eq!(stats.input_backlog(), 0);
    }

    #[tokio::test]
    async fn a_push_wakes_a_waiting_worker_and_a_push_before_the_wait_is_not_lost() {
        let inbox = Inbox::new(Arc::new(Stats::default()));
        // Queued before anyone waits: the wait returns at once.
        assert!(inline(&inbox, 1, "{}"));
        tokio::time::timeout(std::time::Duration::from_secs(5), inbox.wait())
            .await
            .expect("the push before the wait was lost");
        let _ = inbox.take(inbox.empty_batch());
        let waiter = {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.wait().await })
        };
        tokio::task::yield_now().await;
        inbox.close_host();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("closing did not wake the worker")
            .unwrap();
        assert!(inbox.take(inbox.empty_batch()).host_gone);
    }
}
