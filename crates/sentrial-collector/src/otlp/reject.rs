//! Spans that were not mapped, counted by reason, and the OTLP `partial_success` that tells the
//! sender about them.

use std::collections::BTreeMap;
use std::fmt;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess;

/// Distinct reasons kept apart in the message; further ones are counted together, so a request of
/// many odd operation names cannot make the answer large.
const MAX_REASONS: usize = 8;

/// Longest operation name quoted in the message, in characters.
const MAX_OP_CHARS: usize = 64;

/// Why a span became no event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reject {
    /// No `gen_ai.operation.name`: not a GenAI span (HTTP, database, ...). Ignored.
    NotGenAi,
    /// A GenAI operation this collector does not map (`embeddings`, `create_agent`, ...).
    Operation(String),
    /// More distinct reasons than [`MAX_REASONS`].
    Other,
    /// The trace id is not 16 bytes or the span id not 8, or one is all zero.
    Ids,
    /// `startTimeUnixNano` is missing (zero).
    StartTime,
}

/// Reads after a count: "2 without gen_ai.operation.name ...".
impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reject::NotGenAi => {
                f.write_str("without gen_ai.operation.name (not GenAI spans; ignored)")
            }
            Reject::Operation(op) => {
                let op: String = op.chars().take(MAX_OP_CHARS).collect();
                write!(
                    f,
                    "with gen_ai.operation.name `{op}` (not mapped: only invoke_agent, chat, \
                     text_completion, generate_content and execute_tool are)"
                )
            }
            Reject::Other => f.write_str("for other reasons"),
            Reject::Ids => f.write_str(
                "with an invalid traceId or spanId (must be 16 and 8 bytes, not all zero)",
            ),
            Reject::StartTime => f.write_str("without startTimeUnixNano"),
        }
    }
}

/// The spans of one request that were not mapped, by reason.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Rejected {
    counts: BTreeMap<Reject, u64>,
}

impl Rejected {
    /// Counts one span rejected for `reason`.
    pub fn add(&mut self, reason: Reject) {
        let reason = if self.counts.len() >= MAX_REASONS && !self.counts.contains_key(&reason) {
            Reject::Other
        } else {
            reason
        };
        *self.counts.entry(reason).or_default() += 1;
    }

    /// How many spans were rejected.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The `partial_success` of the answer: `None` when every span was mapped, as OTLP asks.
    pub fn partial_success(&self) -> Option<ExportTracePartialSuccess> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let reasons: Vec<String> = self
            .counts
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        let spans = if total == 1 { "span" } else { "spans" };
        Some(ExportTracePartialSuccess {
            rejected_spans: i64::try_from(total).unwrap_or(i64::MAX),
            error_message: format!("{total} {spans} rejected: {}", reasons.join("; ")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_rejected_is_no_partial_success() {
        assert_eq!(Rejected::default().partial_success(), None);
    }

    #[test]
    fn counts_by_reason_in_one_message() {
        let mut r = Rejected::default();
        r.add(Reject::NotGenAi);
        r.add(Reject::NotGenAi);
        r.add(Reject::Operation("embeddings".into()));
        r.add(Reject::Ids);
        let p = r.partial_success().unwrap();
        assert_eq!(p.rejected_spans, 4);
        assert_eq!(
            p.error_message,
            "4 spans rejected: 2 without gen_ai.operation.name (not GenAI spans; ignored); \
             1 with gen_ai.operation.name `embeddings` (not mapped: only invoke_agent, chat, \
             text_completion, generate_content and execute_tool are); \
             1 with an invalid traceId or spanId (must be 16 and 8 bytes, not all zero)"
        );
    }

    #[test]
    fn many_distinct_reasons_stay_a_short_message() {
        let mut r = Rejected::default();
        for i in 0..1000 {
            r.add(Reject::Operation(format!("op{i}{}", "x".repeat(500))));
        }
        let p = r.partial_success().unwrap();
        assert_eq!(p.rejected_spans, 1000);
        assert!(
            p.error_message.contains("; 992 for other reasons"),
            "{}",
            p.error_message
        );
        assert!(p.error_message.len() < 2000, "{}", p.error_message.len());
    }
}
