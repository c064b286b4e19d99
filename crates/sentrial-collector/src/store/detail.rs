//! A session's detail made from the rows a store reads for it, the same for both stores: its
//! turns (each result's figures minus the previous one's), reconciliation, marker counts and
//! lineage.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::store::lineage::{Lineage, RunRow};
use crate::store::model::{
    MarkerRecord, ModelCallRecord, SessionDetail, SessionRecord, ToolCallRecord, TurnInput,
    TurnRecord,
};
use crate::store::scores::ScoreRecord;
use crate::time::Timestamp;

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
    /// Its scores, oldest first.
    pub scores: Vec<ScoreRecord>,
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
        let lineage = Lineage::from_rows(self.session.run(), self.previous, self.continued_by);
        Ok(SessionDetail {
            session: self.session,
            inputs: self.inputs,
            tool_calls: self.tool_calls,
            model_calls: self.model_calls,
            turns,
            usage_reconciliation,
            markers: self.markers,
            marker_counts,
            scores: self.scores,
            lineage,
            issues: Vec::new(),
            children: Vec::new(),
        })
    }
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
pub(crate) fn turns_from_results(
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
