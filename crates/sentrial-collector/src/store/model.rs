//! What the read API returns, as the store produces it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::store::lineage::{Lineage, RunRow};
use crate::time::Timestamp;
use sentrial_protocol::{Block, McpServer, SessionStatus, Usage};

/// Filters and position of one page of sessions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Only sessions of this end user.
    pub user_id: Option<String>,
    /// Only sessions of this agent.
    pub agent: Option<String>,
    /// Only sessions of this conversation.
    pub convo_id: Option<String>,
    /// Only sessions in this status.
    pub status: Option<SessionStatus>,
    /// Only sessions that ended for this reason.
    pub end_reason: Option<String>,
    /// Only sessions of this Claude session (runs that resumed it included: they share it).
    pub claude_session_id: Option<String>,
    /// Only sessions whose input or output contains this text (case-insensitive).
    pub text: Option<String>,
    /// Only sessions that started at or after this time, ms.
    pub from: Option<i64>,
    /// Only sessions that started before this time, ms.
    pub to: Option<i64>,
    /// Page size, 1..=500.
    pub limit: u32,
    /// Start after this position (from the previous page's `next_cursor`).
    pub after: Option<Cursor>,
}

/// A position in the newest-first order of sessions: the last item of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The item's sort time (its `started_at`, or its earliest event's ts before its start arrived).
    pub sort_ts: i64,
    /// The item's id, the tie breaker.
    pub id: String,
}

impl Cursor {
    /// The opaque form handed to clients.
    pub fn encode(&self) -> String {
        hex::encode(format!("v1:{}:{}", self.sort_ts, self.id))
    }

    /// Reads [`Cursor::encode`]'s output back; `None` when it is not one.
    pub fn decode(s: &str) -> Option<Cursor> {
        let raw = String::from_utf8(hex::decode(s).ok()?).ok()?;
        let rest = raw.strip_prefix("v1:")?;
        let (ts, id) = rest.split_once(':')?;
        Some(Cursor {
            sort_ts: ts.parse().ok()?,
            id: id.to_string(),
        })
    }
}

/// One page of sessions.
#[derive(Debug, Clone)]
pub struct SessionPage {
    /// The sessions, newest first.
    pub sessions: Vec<SessionRecord>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

impl SessionPage {
    /// The page of `limit` from `rows`, up to `limit + 1` sessions newest first as a store reads
    /// them: a row beyond `limit` means there is a next page, which starts after the last kept.
    pub(crate) fn from_rows(mut rows: Vec<SessionRecord>, limit: u32) -> SessionPage {
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|s| Cursor {
                sort_ts: s.sort_ts,
                id: s.id.clone(),
            })
        } else {
            None
        };
        SessionPage {
            sessions: rows,
            next,
        }
    }
}

/// The scalar fields of a session, as listed. `None` fields are `null` in JSON: the event that
/// sets them has not arrived (a placeholder session made by an early event has no agent yet).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionRecord {
    /// Session id, made by the SDK.
    pub id: String,
    /// Claude Code's own session id.
    pub claude_session_id: Option<String>,
    /// Agent name.
    pub agent: Option<String>,
    /// End user.
    pub user_id: Option<String>,
    /// Conversation thread.
    pub convo_id: Option<String>,
    /// `running`, `completed`, `failed` or `interrupted`.
    pub status: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// How it ended, as a value to filter on (`null` for success); from the end.
    pub end_reason: Option<String>,
    /// The HTTP status of the API error that ended it.
    pub api_error_status: Option<i64>,
    /// The Claude session this run resumed (it shares that session id).
    pub resumed_from: Option<String>,
    /// The Claude session this run forked.
    pub forked_from: Option<String>,
    /// How the run was started: `query`, `startup` or `prewarm`.
    pub entry_point: Option<String>,
    /// The MCP servers the init message listed (`[]` when none).
    pub mcp_servers: Vec<McpServer>,
    /// When the wrapped function was called.
    pub started_at: Option<Timestamp>,
    /// When the session ended.
    pub ended_at: Option<Timestamp>,
    /// Wall clock, from the latest result or the end.
    pub duration_ms: Option<i64>,
    /// Time in the model API.
    pub api_duration_ms: Option<i64>,
    /// Turns reported by the SDK.
    pub num_turns: Option<i64>,
    /// Model named at init.
    pub model: Option<String>,
    /// The prompt: the start's `input`, else the streamed turns joined by a blank line.
    pub input: Option<String>,
    /// The final text.
    pub output: Option<String>,
    /// Metadata object from the start (`{}` before it).
    pub metadata: Value,
    /// Uncached input tokens.
    pub prompt_tokens: Option<i64>,
    /// Output tokens.
    pub completion_tokens: Option<i64>,
    /// All tokens.
    pub total_tokens: Option<i64>,
    /// Prompt-cache reads.
    pub cache_read_tokens: Option<i64>,
    /// Prompt-cache writes.
    pub cache_creation_tokens: Option<i64>,
    /// Cost in USD.
    pub cost_usd: Option<f64>,
    /// Whether the cost was estimated by the SDK.
    pub cost_estimated: Option<bool>,
    /// Usage per model (`{}` before any figures).
    pub model_usage: Value,
    /// What the SDK's totals carried from earlier runs of a resumed session: reported, never
    /// counted in this session's figures.
    pub carried: Option<Usage>,
    /// Number of `result` messages, from the end.
    pub results: Option<i64>,
    /// When the collector first stored an event of this session.
    pub received_at: Timestamp,
    /// Number of distinct tool calls stored.
    pub tool_call_count: i64,
    /// Position in the list order, for cursors.
    #[serde(skip)]
    pub sort_ts: i64,
}

/// One user turn of a streamed prompt.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnInput {
    /// 0-based turn index.
    pub turn: i64,
    /// The text.
    pub text: String,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// When the SDK passed it through.
    pub at: Timestamp,
}

/// One tool call, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ToolCallRecord {
    /// The `tool_use` block id.
    pub tool_use_id: String,
    /// Tool name.
    pub tool_name: String,
    /// Position of the call in the session.
    pub seq: i64,
    /// `success`, `error`, `interrupted`, `denied` or `not_completed`.
    pub status: String,
    /// The tool's input, as the model gave it.
    pub input: Value,
    /// The input the tool ran with, when a hook or `canUseTool` changed it.
    pub updated_input: Option<Value>,
    /// The tool's response.
    pub output: Value,
    /// Error text; for a denied call, the reason it was refused with (`null`: none given).
    pub error: Option<String>,
    /// Who refused a denied call: `hook`, `can_use_tool`, `rule`, `mode`, ...
    pub denied_by: Option<String>,
    /// The MCP server of the tool.
    pub mcp_server: Option<String>,
    /// Duration measured by the SDK.
    pub duration_ms: Option<i64>,
    /// The Task call this call was made under.
    pub parent_tool_use_id: Option<String>,
    /// When the call was first seen.
    pub started_at: Option<Timestamp>,
    /// When its outcome was seen.
    pub ended_at: Option<Timestamp>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// For a Task call: the sub-agent it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent: Option<SubagentRecord>,
}

/// The sub-agent of a Task call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubagentRecord {
    /// The SDK's id of the sub-agent.
    pub agent_id: Option<String>,
    /// Its type.
    pub agent_type: Option<String>,
    /// What it was asked to do.
    pub description: Option<String>,
    /// `running`, `completed`, `failed`, ...
    pub status: String,
    /// Ran in the background.
    pub background: bool,
    /// Its tokens as the SDK counted them.
    pub total_tokens: Option<i64>,
    /// Tools it called.
    pub tool_uses: Option<i64>,
    /// How long it ran.
    pub duration_ms: Option<i64>,
    /// Its final report.
    pub summary: Option<String>,
}

/// One model call (one assistant message id), as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelCallRecord {
    /// The assistant message id.
    pub message_id: String,
    /// The model.
    pub model: String,
    /// Why it stopped, when the stream told.
    pub stop_reason: Option<String>,
    /// Uncached input tokens.
    pub input_tokens: i64,
    /// Output tokens as the stream showed them: final when `output_tokens_final`.
    pub output_tokens: i64,
    /// Whether `output_tokens` is the call's final count (else only the count as it started).
    pub output_tokens_final: bool,
    /// Cache read tokens.
    pub cache_read_tokens: i64,
    /// Cache write tokens.
    pub cache_creation_tokens: i64,
    /// The Task call whose sub-agent made it.
    pub parent_tool_use_id: Option<String>,
    /// First block seen.
    pub started_at: Timestamp,
    /// Last block (or final usage) seen.
    pub ended_at: Timestamp,
    /// Time to first token.
    pub ttft_ms: Option<i64>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// What the model said and thought, in order (`[]` when not kept).
    pub content: Vec<Block>,
}

/// One turn: what one `result` added to the session (its figures minus the previous result's).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnRecord {
    /// 0-based result index.
    pub index: i64,
    /// The user input of this turn, when the prompt was streamed (or the prompt, for turn 0).
    pub input: Option<String>,
    /// The result's text.
    pub output: Option<String>,
    /// The result's subtype.
    pub subtype: String,
    /// The result's is_error.
    pub is_error: bool,
    /// Why the SDK's loop ended the turn.
    pub terminal_reason: Option<String>,
    /// The HTTP status of the API error that ended the turn.
    pub api_error_status: Option<i64>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// Wall clock of this turn (from the previous result, or from the call for the first).
    pub duration_ms: i64,
    /// Tokens of this turn: prompt, completion, cache read, cache write, total.
    pub prompt_tokens: i64,
    /// Completion tokens of this turn.
    pub completion_tokens: i64,
    /// Cache read tokens of this turn.
    pub cache_read_tokens: i64,
    /// Cache write tokens of this turn.
    pub cache_creation_tokens: i64,
    /// All tokens of this turn.
    pub total_tokens: i64,
    /// Cost of this turn (the change in the cumulative total).
    pub cost_usd: f64,
    /// The session's cumulative cost at this result.
    pub cumulative_cost_usd: f64,
    /// When the result arrived.
    pub at: Timestamp,
}

/// A session with everything it holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionDetail {
    /// The scalar fields.
    #[serde(flatten)]
    pub session: SessionRecord,
    /// The streamed prompt's turns, in turn order.
    pub inputs: Vec<TurnInput>,
    /// Tool calls in call order (`seq`, then `started_at`).
    pub tool_calls: Vec<ToolCallRecord>,
    /// Model calls in the order they started.
    pub model_calls: Vec<ModelCallRecord>,
    /// One entry per `result`, with its own cost.
    pub turns: Vec<TurnRecord>,
    /// How the stream's model calls compare with the result's totals (`null` before the end).
    pub usage_reconciliation: Value,
    /// Markers in position order.
    pub markers: Vec<MarkerRecord>,
    /// How many markers of each kind.
    pub marker_counts: BTreeMap<String, i64>,
    /// The run this one continued, and the runs that continued it.
    pub lineage: Lineage,
}

/// Something that happened to a run and changes how it reads (a compaction, an API retry, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerRecord {
    /// Place in the transcript; one marker per position.
    pub position: i64,
    /// `compact`, `api_retry`, ... (a newer SDK may send others).
    pub kind: String,
    /// When it was seen.
    pub at: Timestamp,
    /// The Task call whose sub-agent it happened in.
    pub parent_tool_use_id: Option<String>,
    /// What the SDK said of it; fields depend on the kind.
    pub data: Value,
}

/// What a store reads for one session's detail; [`DetailRows::assemble`] makes the detail, the
/// same for both stores.
pub(crate) struct DetailRows {
    /// The session.
    pub session: SessionRecord,
    /// Its streamed turns.
    pub inputs: Vec<TurnInput>,
    /// Its tool calls.
    pub tool_calls: Vec<ToolCallRecord>,
    /// Its model calls.
    pub model_calls: Vec<ModelCallRecord>,
    /// Its results, cumulative.
    pub results: Vec<ResultRow>,
    /// Its reconciliation, as stored JSON.
    pub reconciliation: Option<String>,
    /// Its markers.
    pub markers: Vec<MarkerRecord>,
    /// The run it continued (see [`Lineage::from_rows`]).
    pub previous: Option<RunRow>,
    /// The runs that continued it.
    pub continued_by: Vec<RunRow>,
}

impl DetailRows {
    /// The detail these rows make.
    pub fn assemble(self) -> Result<SessionDetail, serde_json::Error> {
        let turns = turns_from_results(self.results, &self.session, &self.inputs);
        let usage_reconciliation = match self.reconciliation {
            Some(text) => serde_json::from_str(&text)?,
            None => Value::Null,
        };
        let mut marker_counts = BTreeMap::new();
        for m in &self.markers {
            *marker_counts.entry(m.kind.clone()).or_insert(0) += 1;
        }
        let lineage = Lineage::from_rows(&self.session, self.previous, self.continued_by);
        Ok(SessionDetail {
            session: self.session,
            inputs: self.inputs,
            tool_calls: self.tool_calls,
            model_calls: self.model_calls,
            turns,
            usage_reconciliation,
            markers: self.markers,
            marker_counts,
            lineage,
        })
    }
}

/// One stored event, for checking ingest order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRef {
    /// Event id.
    pub id: String,
    /// Event type (`session_start`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// When the SDK produced it.
    pub ts: Timestamp,
    /// Position in the collector's ingest order: strictly increasing across all stored events.
    pub ingest_seq: i64,
}

/// One stored result of a session, as both stores read it: cumulative figures.
pub(crate) struct ResultRow {
    /// 0-based result index.
    pub index: i64,
    /// When it was produced, ms.
    pub ts: i64,
    /// The result's subtype.
    pub subtype: String,
    /// The result's is_error.
    pub is_error: bool,
    /// Why the SDK's loop ended the turn.
    pub terminal_reason: Option<String>,
    /// The HTTP status of the API error that ended the turn.
    pub api_error_status: Option<i64>,
    /// Place in the transcript.
    pub position: Option<i64>,
    /// The result's text.
    pub output: Option<String>,
    /// Cumulative duration, prompt, completion, total, cache read and cache write tokens.
    pub figures: [i64; 6],
    /// Cumulative cost, USD.
    pub cost_usd: f64,
}

/// A session's results (in index order) as turns: each with the change in the cumulative figures
/// since the previous result, and its input (the streamed turn's, or the prompt for turn 0).
fn turns_from_results(
    rows: Vec<ResultRow>,
    session: &SessionRecord,
    inputs: &[TurnInput],
) -> Vec<TurnRecord> {
    let mut prev = [0i64; 6];
    let mut prev_cost = 0.0;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let figures = row.figures;
        let d = |i: usize| (figures[i] - prev[i]).max(0);
        let input = inputs
            .iter()
            .find(|t| t.turn == row.index)
            .map(|t| t.text.clone())
            .or_else(|| (row.index == 0).then(|| session.input.clone()).flatten());
        out.push(TurnRecord {
            index: row.index,
            input,
            output: row.output,
            subtype: row.subtype,
            is_error: row.is_error,
            terminal_reason: row.terminal_reason,
            api_error_status: row.api_error_status,
            position: row.position,
            duration_ms: d(0),
            prompt_tokens: d(1),
            completion_tokens: d(2),
            total_tokens: d(3),
            cache_read_tokens: d(4),
            cache_creation_tokens: d(5),
            cost_usd: (row.cost_usd - prev_cost).max(0.0),
            cumulative_cost_usd: row.cost_usd,
            at: Timestamp(row.ts),
        });
        prev = figures;
        prev_cost = row.cost_usd;
    }
    out
}

/// `text` with LIKE's wildcards (and the escape character) escaped by a backslash, the escape
/// both stores' LIKE clauses use.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            sort_ts: -5,
            id: "a:b".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode(&hex::encode("v2:1:x")), None);
        assert_eq!(Cursor::decode(&hex::encode("v1:x:y")), None);
    }
}
