//! Events on disk until the collector has them, so they survive the process.
//!
//! Each tracker appends the events it queues to segment files (`*.spool`, one JSON event a line) in
//! the spool directory and holds an exclusive lock on them. When every event of a segment is
//! settled (delivered, or refused for good), the segment is deleted. A tracker starting later takes
//! the segments nobody holds a lock on (their writer is gone) and sends their events first.
//!
//! Disk trouble never stops tracking: the first failed write turns spooling off for this tracker
//! (events stay in memory) and is counted and logged once.

use serde::Deserialize;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Events per segment before a new one is started.
const SEGMENT_EVENTS: u64 = 1000;

struct Segment {
    path: PathBuf,
    /// Holds the lock while the segment is ours.
    file: File,
    unsettled: u64,
    written: u64,
}

/// One event read back from an orphaned segment.
pub struct Recovered {
    /// The segment it is in.
    pub segment: u32,
    /// Its session id.
    pub session: String,
    /// Its `type`.
    pub kind: String,
    /// The event as JSON.
    pub json: Vec<u8>,
}

#[derive(Deserialize)]
struct Head {
    session_id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The spool of one tracker.
pub struct Spool {
    dir: PathBuf,
    segments: HashMap<u32, Segment>,
    active: Option<u32>,
    next_id: u32,
    failed: bool,
}

impl Spool {
    /// Opens `dir` (creating it) and takes over the segments no live tracker holds.
    pub fn open(dir: &Path) -> io::Result<(Spool, Vec<Recovered>)> {
        fs::create_dir_all(dir)?;
        let mut spool = Spool {
            dir: dir.to_owned(),
            segments: HashMap::new(),
            active: None,
            next_id: 0,
            failed: false,
        };
        let mut recovered = Vec::new();
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "spool"))
            .collect();
        paths.sort();
        for path in paths {
            let Ok(file) = OpenOptions::new().read(true).append(true).open(&path) else {
                continue;
            };
            if file.try_lock().is_err() {
                continue; // a live tracker owns it
            }
            let id = spool.next_id;
            spool.next_id += 1;
            let mut count = 0;
            for line in BufReader::new(&file).split(b'\n') {
                let Ok(line) = line else { break };
                // A line cut short by a crash does not parse and is skipped.
                if let Ok(head) = serde_json::from_slice::<Head>(&line) {
                    recovered.push(Recovered {
                        segment: id,
                        session: head.session_id,
                        kind: head.kind,
                        json: line,
                    });
                    count += 1;
                }
            }
            if count == 0 {
                let _ = fs::remove_file(&path);
                continue;
            }
            spool.segments.insert(
                id,
                Segment {
                    path,
                    file,
                    unsettled: count,
                    written: SEGMENT_EVENTS,
                },
            );
        }
        Ok((spool, recovered))
    }

    /// Whether a write failed and spooling is off.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Appends one event; returns its segment, or `None` when spooling is off or the write failed.
    pub fn append(&mut self, json: &[u8]) -> Option<u32> {
        if self.failed {
            return None;
        }
        match self.try_append(json) {
            Ok(id) => Some(id),
            Err(e) => {
                self.failed = true;
                tracing::warn!(
                    dir = %self.dir.display(),
                    error = %e,
                    "cannot write to the spool directory; events are kept in memory only"
                );
                None
            }
        }
    }

    fn try_append(&mut self, json: &[u8]) -> io::Result<u32> {
        let id = match self.active {
            Some(id) if self.segments[&id].written < SEGMENT_EVENTS => id,
            _ => self.rotate()?,
        };
        let seg = self.segments.get_mut(&id).expect("active segment exists");
        let mut line = Vec::with_capacity(json.len() + 1);
        line.extend_from_slice(json);
        line.push(b'\n');
        seg.file.write_all(&line)?;
        seg.written += 1;
        seg.unsettled += 1;
        Ok(id)
    }

    fn rotate(&mut self) -> io::Result<u32> {
        if let Some(old) = self.active.take() {
            self.remove_if_done(old);
        }
        let path = self.dir.join(format!(
            "{}-{}.spool",
            std::process::id(),
            uuid::Uuid::now_v7().simple()
        ));
        let file = OpenOptions::new()
            .create_new(true)
            .read(true)
            .append(true)
            .open(&path)?;
        file.try_lock().map_err(io::Error::other)?;
        let id = self.next_id;
        self.next_id += 1;
        self.segments.insert(
            id,
            Segment {
                path,
                file,
                unsettled: 0,
                written: 0,
            },
        );
        self.active = Some(id);
        Ok(id)
    }

    /// `n` events of `segment` are settled; a finished segment is deleted.
    pub fn settle(&mut self, segment: u32, n: u64) {
        if let Some(seg) = self.segments.get_mut(&segment) {
            seg.unsettled = seg.unsettled.saturating_sub(n);
        }
        if self.active != Some(segment) {
            self.remove_if_done(segment);
        }
    }

    fn remove_if_done(&mut self, id: u32) {
        if self.segments.get(&id).is_some_and(|s| s.unsettled == 0) {
            if let Some(seg) = self.segments.remove(&id) {
                let _ = fs::remove_file(&seg.path);
            }
        }
    }

    /// Number of segment files this tracker holds.
    pub fn segments(&self) -> usize {
        self.segments.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(session: &str, n: u32) -> Vec<u8> {
        format!(r#"{{"id":"e{n}","session_id":"{session}","ts":1,"type":"tool_call","data":{{}}}}"#)
            .into_bytes()
    }

    #[test]
    fn unsettled_events_are_recovered_by_the_next_tracker_and_settled_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut spool, recovered) = Spool::open(dir.path()).unwrap();
            assert!(recovered.is_empty());
            let a = spool.append(&event("s1", 1)).unwrap();
            spool.append(&event("s1", 2)).unwrap();
            spool.settle(a, 1);
            // Dropped without settling the second event: the process died.
        }
        let (_spool, recovered) = Spool::open(dir.path()).unwrap();
        let ids: Vec<String> = recovered
            .iter()
            .map(|r| String::from_utf8(r.json.clone()).unwrap())
            .collect();
        // Segments are append-only: both lines are still there; the settled one is sent again and
        // the collector's dedupe by event id makes that harmless.
        assert_eq!(ids.len(), 2);
        assert_eq!(recovered[0].session, "s1");
        assert_eq!(recovered[0].kind, "tool_call");
    }

    #[test]
    fn a_fully_settled_segment_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let (mut spool, _) = Spool::open(dir.path()).unwrap();
        let mut ids = Vec::new();
        for n in 0..(SEGMENT_EVENTS as u32 + 5) {
            ids.push(spool.append(&event("s", n)).unwrap());
        }
        assert_eq!(spool.segments(), 2);
        let first = ids[0];
        spool.settle(first, SEGMENT_EVENTS);
        assert_eq!(spool.segments(), 1);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_locked_segment_is_left_to_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let (mut owner, _) = Spool::open(dir.path()).unwrap();
        owner.append(&event("s", 1)).unwrap();
        let (_other, recovered) = Spool::open(dir.path()).unwrap();
        assert!(recovered.is_empty());
    }

    #[test]
    fn a_torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut good = event("s", 1);
        good.push(b'\n');
        good.extend_from_slice(br#"{"id":"e2","session_"#);
        fs::write(dir.path().join("old.spool"), good).unwrap();
        let (_spool, recovered) = Spool::open(dir.path()).unwrap();
        assert_eq!(recovered.len(), 1);
    }

    #[test]
    fn an_unwritable_directory_is_an_error_at_open() {
        assert!(Spool::open(Path::new("/proc/definitely/not/here")).is_err());
    }
}
