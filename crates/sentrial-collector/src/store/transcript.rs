//! The transcript of a session: the run step by step, as a person reads it top to bottom. It is
//! made here from what a store reads for the session's detail, so both stores give the same one.
//!
//! Order: the string prompt first (turn 0, when no turn was streamed); then everything the SDK
//! numbered, by its `position`; then what an older SDK sent without one, by time. A tool call
//! appears once, after the model call that named it in a `tool_use` block: one with no position
//! (or numbered before that call) sits right after it. Nesting: what a sub-agent did (its `parent_tool_use_id` names a call of this
//! session: the Task call that started it) goes under that call's `items`, so a sub-agent reads
//! as one block, its own sub-agents nested in turn.

use std::collections::{HashMap, HashSet};

use sentrial_protocol::Block;
use serde::Serialize;

use crate::store::model::{
    MarkerRecord, ModelCallRecord, SessionDetail, ToolCallRecord, TurnRecord,
};
use crate::time::Timestamp;

/// Deepest nesting of sub-agent sections. What lies deeper (bad data, or a runaway chain of
/// sub-agents) is listed flat under the call at this depth, so the answer stays shallow enough
/// to serialize and draw.
pub const MAX_DEPTH: usize = 16;

/// A session's transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    /// The session.
    pub session_id: String,
    /// Its steps, in order.
    pub items: Vec<TranscriptItem>,
}

/// One step of a transcript, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TranscriptItem {
    /// A user turn: the string prompt, or a streamed turn.
    User(UserTurn),
    /// A model call with its content blocks.
    ModelCall(ModelCallRecord),
    /// A tool call with its result; a Task call holds its sub-agent's steps.
    ToolCall(Box<ToolCallItem>),
    /// A marker (a compaction, an API retry, ...).
    Marker(MarkerItem),
    /// A result: the end of a turn, with what the turn cost.
    Result(TurnRecord),
}

/// A user turn of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserTurn {
    /// The text.
    pub text: String,
    /// 0-based turn index.
    pub turn: i64,
    /// Place in the transcript (`null` for the string prompt, which always comes first).
    pub position: Option<i64>,
    /// When it was passed through, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// A marker of a transcript: a [`MarkerRecord`] whose `kind` is called `marker` here, since
/// `kind` tags the item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerItem {
    /// `compact`, `api_retry`, ...
    pub marker: String,
    /// Place in the transcript.
    pub position: i64,
    /// When it was seen.
    pub at: Timestamp,
    /// The Task call whose sub-agent it happened in.
    pub parent_tool_use_id: Option<String>,
    /// What the SDK said of it.
    pub data: serde_json::Value,
}

impl From<MarkerRecord> for MarkerItem {
    fn from(m: MarkerRecord) -> MarkerItem {
        MarkerItem {
            marker: m.kind,
            position: m.position,
            at: m.at,
            parent_tool_use_id: m.parent_tool_use_id,
            data: m.data,
        }
    }
}

/// A tool call of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCallItem {
    /// The call.
    #[serde(flatten)]
    pub call: ToolCallRecord,
    /// What the sub-agent it started did, in order (`[]` for other calls).
    pub items: Vec<TranscriptItem>,
}

impl Transcript {
    /// The transcript of `detail`.
    pub fn from_detail(detail: SessionDetail) -> Transcript {
        let SessionDetail {
            session,
            inputs,
            tool_calls,
            model_calls,
            turns,
            markers,
            ..
        } = detail;
        let mut entries = Vec::new();
        if inputs.is_empty() {
            if let Some(text) = session.input {
                let turn = UserTurn {
                    text,
                    turn: 0,
                    position: None,
                    at: session.started_at,
                };
                entries.push(Entry::new(Place::Prompt, None, TranscriptItem::User(turn)));
            }
        }
        for i in inputs {
            let place = Place::of(i.position, Some(i.at), i.turn);
            let turn = UserTurn {
                text: i.text,
                turn: i.turn,
                position: i.position,
                at: Some(i.at),
            };
            entries.push(Entry::new(place, None, TranscriptItem::User(turn)));
        }
        let named = tool_uses(&model_calls);
        for m in model_calls {
            let place = Place::of(m.position, Some(m.started_at), 0);
            let parent = m.parent_tool_use_id.clone();
            entries.push(Entry::new(place, parent, TranscriptItem::ModelCall(m)));
        }
        for call in tool_calls {
            // After the model call that named it: a call with no position, or one numbered as if
            // before that call (bad data), goes right after it.
            let place = match (call.position, named.get(call.tool_use_id.as_str())) {
                (own, Some(&(position, nth))) if own.is_none_or(|p| p <= position) => {
                    Place::Numbered(position, nth)
                }
                _ => Place::of(call.position, call.started_at.or(call.ended_at), call.seq),
            };
            let parent = call.parent_tool_use_id.clone();
            let item = TranscriptItem::ToolCall(Box::new(ToolCallItem {
                call,
                items: Vec::new(),
            }));
            entries.push(Entry::new(place, parent, item));
        }
        for m in markers {
            let place = Place::of(Some(m.position), Some(m.at), 0);
            let parent = m.parent_tool_use_id.clone();
            entries.push(Entry::new(place, parent, TranscriptItem::Marker(m.into())));
        }
        for t in turns {
            let place = Place::of(t.position, Some(t.at), t.index);
            entries.push(Entry::new(place, None, TranscriptItem::Result(t)));
        }
        entries.sort_by(|a, b| a.order().cmp(&b.order()));
        Transcript {
            session_id: session.id,
            items: nest(entries),
        }
    }
}

/// For each tool call a numbered model call named, that call's position and which of its
/// `tool_use` blocks it was (from 1).
fn tool_uses(model_calls: &[ModelCallRecord]) -> HashMap<String, (i64, i64)> {
    let mut named = HashMap::new();
    for m in model_calls {
        let Some(position) = m.position else { continue };
        let ids = m.content.iter().filter_map(|b| match b {
            Block::ToolUse { id, .. } => Some(id.clone()),
            _ => None,
        });
        for (nth, id) in (1..).zip(ids) {
            named.entry(id).or_insert((position, nth));
        }
    }
    named
}

/// Where a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// The string prompt: first.
    Prompt,
    /// Numbered by the SDK: its position, and for a tool call placed after the model call that
    /// named it, which `tool_use` block of that call it was (else 0).
    Numbered(i64, i64),
    /// Not numbered (an older SDK): by time (unknown last), then a number of its kind (turn,
    /// `seq`, result index).
    Timed(i64, i64),
}

impl Place {
    fn of(position: Option<i64>, at: Option<Timestamp>, nth: i64) -> Place {
        match position {
            Some(p) => Place::Numbered(p, 0),
            None => Place::Timed(at.map_or(i64::MAX, |t| t.0), nth),
        }
    }
}

/// A step before nesting.
struct Entry {
    place: Place,
    /// The call it happened under, when it is a sub-agent's.
    parent: Option<String>,
    item: TranscriptItem,
}

impl Entry {
    fn new(place: Place, parent: Option<String>, item: TranscriptItem) -> Entry {
        Entry {
            place,
            parent,
            item,
        }
    }

    /// The sort key: place, then kind, then an id, so equal places still order one way.
    fn order(&self) -> (Place, u8, &str) {
        let (rank, id) = match &self.item {
            TranscriptItem::User(_) => (0, ""),
            TranscriptItem::ModelCall(m) => (1, m.message_id.as_str()),
            TranscriptItem::ToolCall(t) => (2, t.call.tool_use_id.as_str()),
            TranscriptItem::Marker(_) => (3, ""),
            TranscriptItem::Result(_) => (4, ""),
        };
        (self.place, rank, id)
    }

    fn tool_use_id(&self) -> Option<&str> {
        match &self.item {
            TranscriptItem::ToolCall(t) => Some(&t.call.tool_use_id),
            _ => None,
        }
    }
}

/// `entries` (sorted) as a tree: each under the tool call its parent names, when the session has
/// that call; the rest at the top. Order is kept at every level.
fn nest(entries: Vec<Entry>) -> Vec<TranscriptItem> {
    let n = entries.len();
    let mut calls: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(id) = e.tool_use_id() {
            calls.entry(id).or_insert(i);
        }
    }
    let mut parent: Vec<Option<usize>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let p = *calls.get(e.parent.as_deref()?)?;
            (p != i).then_some(p)
        })
        .collect();
    let mut children = vec![Vec::new(); n];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    let mut reached = vec![false; n];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        if p.is_none() {
            roots.push(i);
            mark(i, &children, &mut reached);
        }
    }
    // What no top-level step reaches hangs off a cycle of parents (bad data): its ancestors are
    // unreached too, so walking up ends on the cycle, which is cut there.
    for i in 0..n {
        if reached[i] {
            continue;
        }
        let mut seen = HashSet::new();
        let mut j = i;
        while seen.insert(j) {
            j = parent[j].expect("an unreached step has a parent");
        }
        let p = parent[j].take().expect("a step on a cycle has a parent");
        children[p].retain(|&c| c != j);
        roots.push(j);
        mark(j, &children, &mut reached);
    }
    roots.sort_unstable();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    roots
        .into_iter()
        .map(|i| build(i, 0, &children, &mut slots))
        .collect()
}

/// Marks `i` and everything under it as reached.
fn mark(i: usize, children: &[Vec<usize>], reached: &mut [bool]) {
    let mut stack = vec![i];
    while let Some(j) = stack.pop() {
        if !std::mem::replace(&mut reached[j], true) {
            stack.extend(&children[j]);
        }
    }
}

/// The item of entry `i` at `depth`, with what is under it.
fn build(
    i: usize,
    depth: usize,
    children: &[Vec<usize>],
    slots: &mut [Option<Entry>],
) -> TranscriptItem {
    let entry = slots[i].take().expect("each step is placed once");
    let TranscriptItem::ToolCall(mut call) = entry.item else {
        return entry.item;
    };
    call.items = if depth < MAX_DEPTH {
        children[i]
            .iter()
            .map(|&c| build(c, depth + 1, children, slots))
            .collect()
    } else {
        let mut under = Vec::new();
        let mut stack = children[i].clone();
        while let Some(j) = stack.pop() {
            under.push(j);
            stack.extend(&children[j]);
        }
        under.sort_unstable();
        under
            .into_iter()
            .map(|j| slots[j].take().expect("each step is placed once").item)
            .collect()
    };
    TranscriptItem::ToolCall(call)
}

#[cfg(test)]
mod tests;
