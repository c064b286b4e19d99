//! Rows read by column name, the same way from both stores: each driver's row is [`Columns`],
//! and every record of the read API is made from one here, once. The stores' queries name their
//! columns (or alias them) as the functions below read them.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::detect::IssueKind;
use crate::store::detail::ResultRow;
use crate::store::error::StoreError;
use crate::store::incoming::mcp_server;
use crate::store::lineage::RunRow;
use crate::store::model::{
    EventRef, MarkerRecord, ModelCallRecord, SessionRecord, SubagentRecord, ToolCallRecord,
    TurnInput,
};
use crate::store::overview_model::{Bucket, Conversation, Group, Totals};
use crate::time::Timestamp;

/// A result row whose columns are read by name; NULL reads as `None`.
pub(crate) trait Columns {
    /// A text column.
    fn text(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// An integer column.
    fn int(&self, name: &str) -> Result<Option<i64>, StoreError>;
    /// A floating-point column.
    fn real(&self, name: &str) -> Result<Option<f64>, StoreError>;
    /// A boolean column (SQLite: an integer).
    fn flag(&self, name: &str) -> Result<Option<bool>, StoreError>;

    /// A text column that is never NULL.
    fn string(&self, name: &str) -> Result<String, StoreError> {
        self.text(name)?.ok_or_else(|| null(name))
    }

    /// An integer column that is never NULL.
    fn integer(&self, name: &str) -> Result<i64, StoreError> {
        self.int(name)?.ok_or_else(|| null(name))
    }

    /// A time column (ms since the epoch).
    fn time(&self, name: &str) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.int(name)?.map(Timestamp))
    }
}

/// A JSON column of `r`, parsed.
pub(crate) fn json<T: DeserializeOwned>(
    r: &dyn Columns,
    name: &str,
) -> Result<Option<T>, StoreError> {
    Ok(r.text(name)?
        .map(|text| serde_json::from_str(&text))
        .transpose()?)
}

fn null(name: &str) -> StoreError {
    StoreError::Corrupt(format!("column `{name}` is NULL"))
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get(name)?)
    }
    fn int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.get(name)?)
    }
    fn real(&self, name: &str) -> Result<Option<f64>, StoreError> {
        Ok(self.get(name)?)
    }
    fn flag(&self, name: &str) -> Result<Option<bool>, StoreError> {
        Ok(self.get(name)?)
    }
}

impl Columns for tokio_postgres::Row {
    fn text(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(name)?)
    }
    fn int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(name)?)
    }
    fn real(&self, name: &str) -> Result<Option<f64>, StoreError> {
        Ok(self.try_get(name)?)
    }
    fn flag(&self, name: &str) -> Result<Option<bool>, StoreError> {
        Ok(self.try_get(name)?)
    }
}

/// A JSON object column that is NULL until its event arrives: NULL reads as `{}`.
fn object(r: &dyn Columns, name: &str) -> Result<Value, StoreError> {
    Ok(json(r, name)?.unwrap_or_else(|| Value::Object(Default::default())))
}

/// A session: the columns of the stores' `SESSION_COLUMNS`.
pub(crate) fn session(r: &dyn Columns) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: r.string("id")?,
        name: r.text("name")?,
        parent_session_id: r.text("parent_session_id")?,
        claude_session_id: r.text("claude_session_id")?,
        agent: r.text("agent")?,
        user_id: r.text("user_id")?,
        convo_id: r.text("convo_id")?,
        status: r.string("status")?,
        failure_reason: r.text("failure_reason")?,
        end_reason: r.text("end_reason")?,
        api_error_status: r.int("api_error_status")?,
        resumed_from: r.text("resumed_from")?,
        forked_from: r.text("forked_from")?,
        entry_point: r.text("entry_point")?,
        mcp_servers: json(r, "mcp_servers")?.unwrap_or_default(),
        started_at: r.time("started_at")?,
        ended_at: r.time("ended_at")?,
        duration_ms: r.int("duration_ms")?,
        api_duration_ms: r.int("api_duration_ms")?,
        num_turns: r.int("num_turns")?,
        model: r.text("model")?,
        input: r.text("input")?,
        output: r.text("output")?,
        input_length: r.int("input_length")?,
        output_length: r.int("output_length")?,
        metadata: object(r, "metadata")?,
        prompt_tokens: r.int("prompt_tokens")?,
        completion_tokens: r.int("completion_tokens")?,
        total_tokens: r.int("total_tokens")?,
        cache_read_tokens: r.int("cache_read_tokens")?,
        cache_creation_tokens: r.int("cache_creation_tokens")?,
        cost_usd: r.real("cost_usd")?,
        cost_estimated: r.flag("cost_estimated")?,
        model_usage: object(r, "model_usage")?,
        carried: json(r, "carried")?,
        results: r.int("results")?,
        received_at: Timestamp(r.integer("received_at")?),
        tool_call_count: r.integer("tool_call_count")?,
        issue_kinds: issue_kinds(r)?,
        metrics: json(r, "metrics")?.unwrap_or_default(),
        sort_ts: r.integer("sort_ts")?,
    })
}

/// A streamed turn: `turn, text, position, at`.
pub(crate) fn input(r: &dyn Columns) -> Result<TurnInput, StoreError> {
    Ok(TurnInput {
        turn: r.integer("turn")?,
        text: r.string("text")?,
        position: r.int("position")?,
        at: Timestamp(r.integer("at")?),
    })
}

/// A tool call with its sub-agent (`sub_*` columns, all NULL when it started none).
pub(crate) fn tool_call(r: &dyn Columns) -> Result<ToolCallRecord, StoreError> {
    let tool_name = r.string("tool_name")?;
    let stored_server = r.text("mcp_server")?;
    Ok(ToolCallRecord {
        tool_use_id: r.string("tool_use_id")?,
        mcp_server: mcp_server(&tool_name, stored_server.as_deref()).map(String::from),
        tool_name,
        seq: r.integer("seq")?,
        status: r.string("status")?,
        input: json(r, "input")?.unwrap_or_default(),
        updated_input: json(r, "updated_input")?,
        output: json(r, "output")?.unwrap_or_default(),
        error: r.text("error")?,
        denied_by: r.text("denied_by")?,
        duration_ms: r.int("duration_ms")?,
        parent_tool_use_id: r.text("parent_tool_use_id")?,
        started_at: r.time("started_at")?,
        ended_at: r.time("ended_at")?,
        position: r.int("position")?,
        reasoning: r.text("reasoning")?,
        subagent: match r.text("sub_status")? {
            None => None,
            Some(status) => Some(SubagentRecord {
                status,
                agent_id: r.text("sub_agent_id")?,
                agent_type: r.text("sub_agent_type")?,
                description: r.text("sub_description")?,
                background: r.flag("sub_background")?.unwrap_or(false),
                total_tokens: r.int("sub_total_tokens")?,
                tool_uses: r.int("sub_tool_uses")?,
                duration_ms: r.int("sub_duration_ms")?,
                summary: r.text("sub_summary")?,
            }),
        },
    })
}

/// A model call.
pub(crate) fn model_call(r: &dyn Columns) -> Result<ModelCallRecord, StoreError> {
    Ok(ModelCallRecord {
        message_id: r.string("message_id")?,
        model: r.string("model")?,
        stop_reason: r.text("stop_reason")?,
        input_tokens: r.integer("input_tokens")?,
        output_tokens: r.integer("output_tokens")?,
        output_tokens_final: r.flag("output_tokens_final")?.unwrap_or(false),
        cache_read_tokens: r.integer("cache_read_tokens")?,
        cache_creation_tokens: r.integer("cache_creation_tokens")?,
        parent_tool_use_id: r.text("parent_tool_use_id")?,
        started_at: Timestamp(r.integer("started_at")?),
        ended_at: Timestamp(r.integer("ended_at")?),
        ttft_ms: r.int("ttft_ms")?,
        position: r.int("position")?,
        content: json(r, "content")?.unwrap_or_default(),
        prompt: r.text("prompt")?,
        cost_usd: r.real("cost_usd")?,
        cost_estimated: r.flag("cost_estimated")?,
    })
}

/// A marker.
pub(crate) fn marker(r: &dyn Columns) -> Result<MarkerRecord, StoreError> {
    Ok(MarkerRecord {
        position: r.integer("position")?,
        kind: r.string("kind")?,
        at: Timestamp(r.integer("at")?),
        parent_tool_use_id: r.text("parent_tool_use_id")?,
        data: object(r, "data")?,
    })
}

/// A stored result with its cumulative figures.
pub(crate) fn result(r: &dyn Columns) -> Result<ResultRow, StoreError> {
    let mut figures = [0i64; 6];
    let names = [
        "duration_ms",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cache_read_tokens",
        "cache_creation_tokens",
    ];
    for (f, name) in figures.iter_mut().zip(names) {
        *f = r.integer(name)?;
    }
    Ok(ResultRow {
        index: r.integer("idx")?,
        ts: r.integer("ts")?,
        subtype: r.string("subtype")?,
        is_error: r.flag("is_error")?.unwrap_or(false),
        terminal_reason: r.text("terminal_reason")?,
        api_error_status: r.int("api_error_status")?,
        position: r.int("position")?,
        output: r.text("output")?,
        figures,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
    })
}

/// A run, for a lineage.
pub(crate) fn run(r: &dyn Columns) -> Result<RunRow, StoreError> {
    Ok(RunRow {
        id: r.string("id")?,
        claude_session_id: r.text("claude_session_id")?,
        resumed_from: r.text("resumed_from")?,
        forked_from: r.text("forked_from")?,
        started_at: r.int("started_at")?,
        status: r.string("status")?,
        cost_usd: r.real("cost_usd")?,
    })
}

/// A stored event: `id, type, ts, seq`.
pub(crate) fn event(r: &dyn Columns) -> Result<EventRef, StoreError> {
    Ok(EventRef {
        id: r.string("id")?,
        kind: r.string("type")?,
        ts: Timestamp(r.integer("ts")?),
        ingest_seq: r.integer("seq")?,
    })
}

/// A conversation's totals (`queries::CONVERSATION_TOTALS`); the caller adds its sessions.
pub(crate) fn conversation_totals(r: &dyn Columns) -> Result<Conversation, StoreError> {
    Ok(Conversation {
        convo_id: r.string("convo_id")?,
        session_count: r.integer("session_count")?,
        total_cost_usd: r.real("total_cost_usd")?.unwrap_or(0.0),
        total_tokens: r.integer("total_tokens")?,
        total_duration_ms: r.integer("total_duration_ms")?,
        sessions: Vec::new(),
    })
}

/// The figures of a range of sessions.
pub(crate) fn totals(r: &dyn Columns) -> Result<Totals, StoreError> {
    Ok(Totals {
        sessions: r.integer("sessions")?,
        failed: r.integer("failed")?,
        running: r.integer("running")?,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
        total_tokens: r.integer("total_tokens")?,
        avg_duration_ms: r.real("avg_duration_ms")?,
    })
}

/// One bucket of the overview's series.
pub(crate) fn bucket(r: &dyn Columns) -> Result<Bucket, StoreError> {
    Ok(Bucket {
        start: Timestamp(r.integer("bucket_start")?),
        sessions: r.integer("sessions")?,
        failed: r.integer("failed")?,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
        total_tokens: r.integer("total_tokens")?,
    })
}

/// One agent's or user's sessions.
pub(crate) fn group(r: &dyn Columns) -> Result<Group, StoreError> {
    Ok(Group {
        key: r.text("group_key")?,
        sessions: r.integer("sessions")?,
        failed: r.integer("failed")?,
        cost_usd: r.real("cost_usd")?.unwrap_or(0.0),
    })
}

/// A session's usage reconciliation, as stored JSON.
pub(crate) fn reconciliation(r: &dyn Columns) -> Result<Option<String>, StoreError> {
    r.text("reconciliation")
}

/// A count.
pub(crate) fn count(r: &dyn Columns) -> Result<i64, StoreError> {
    r.integer("n")
}

/// Nothing: a row that is there.
pub(crate) fn found(_: &dyn Columns) -> Result<(), StoreError> {
    Ok(())
}

/// `issue_kinds` (kinds joined by commas, in finding order) as each kind once.
fn issue_kinds(r: &dyn Columns) -> Result<Vec<IssueKind>, StoreError> {
    let mut out = Vec::new();
    for name in r.text("issue_kinds")?.iter().flat_map(|t| t.split(',')) {
        let kind = IssueKind::parse(name).ok_or_else(|| {
            StoreError::Corrupt(format!("session_issues.kind: unknown value {name:?}"))
        })?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}
