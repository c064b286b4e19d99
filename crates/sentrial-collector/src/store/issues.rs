//! Detected issues in storage, the same for both stores: recomputed for the ended sessions a
//! batch touched, inside the batch's transaction (`recompute`), and read back for a session's
//! detail (the summary by kind is `issue_summary.rs`).
//!
//! Cost: per batch, the project's thresholds (one row); per session of the batch, one small row;
//! per ended one, its tool calls, results and markers read, its baselines (one row each, see
//! `store/baselines.rs`) and its findings written.

use std::collections::{BTreeSet, HashMap};

use crate::detect::{detect, Evidence, Finding, IssueKind, Severity};
use crate::store::baselines::Baselines;
use crate::store::db::Db;
use crate::store::detail::turns_from_results;
use crate::store::error::StoreError;
use crate::store::model::{SessionDetail, SessionRecord, SubagentRecord, ToolCallRecord};
use crate::store::row::Columns;
use crate::store::value::values;
use crate::store::{issue_settings, queries, row, writes};

/// Replaces the stored issues of each of `sessions` of `project` that has ended with what
/// [`detect`] finds in it now, under the project's thresholds.
pub(crate) async fn recompute<D: Db>(
    db: &D,
    project: &str,
    sessions: BTreeSet<&str>,
) -> Result<(), StoreError> {
    let thresholds = issue_settings::thresholds(db, project).await?;
    let mut baselines = Baselines::default();
    for id in sessions {
        let Some(detail) = ended_session(db, project, id).await? else {
            continue;
        };
        let s = &detail.session;
        let at = s.ended_at.map_or(s.sort_ts, |t| t.0);
        let history = baselines
            .history(db, project, &detail, at, &thresholds)
            .await?;
        db.run(&writes::DELETE_ISSUES, &values![project, id])
            .await?;
        for (idx, f) in (0i64..).zip(detect(&detail, &thresholds, &history)) {
            let evidence = serde_json::to_string(&f.evidence)?;
            let args = values![
                project,
                id,
                idx,
                f.kind.as_str(),
                f.severity.as_str(),
                &f.summary,
                &evidence,
                at,
                s.agent.as_deref(),
                main_tool(&f, &detail),
            ];
            db.run(&writes::ISSUE, &args).await?;
        }
    }
    baselines.store(db, project).await
}

/// The tool most of `f`'s evidence calls are of (the first such on a tie), if it names any.
fn main_tool<'a>(f: &Finding, detail: &'a SessionDetail) -> Option<&'a str> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (order, e) in f.evidence.iter().enumerate() {
        let Evidence::ToolCall { tool_use_id } = e else {
            continue;
        };
        if let Some(c) = detail
            .tool_calls
            .iter()
            .find(|c| &c.tool_use_id == tool_use_id)
        {
            let entry = counts.entry(c.tool_name.as_str()).or_insert((0, order));
            entry.0 += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .map(|(name, _)| name)
}

/// What the rules read of session `id`, when it has ended: its end, tool calls, turns and
/// markers (not its model calls, inputs or lineage, which no rule reads: the full detail made
/// detection halve ingest throughput in the ingest bench).
async fn ended_session<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Option<SessionDetail>, StoreError> {
    let key = values![project, id];
    let Some(session) = db.select(&queries::ISSUE_FACTS, &key, facts).await?.pop() else {
        return Ok(None);
    };
    if session.status == "running" {
        return Ok(None);
    }
    let results = db.select(&queries::RESULTS, &key, row::result).await?;
    Ok(Some(SessionDetail {
        turns: turns_from_results(results, &session, &[]),
        tool_calls: db.select(&queries::ISSUE_CALLS, &key, call).await?,
        markers: db.select(&queries::MARKERS, &key, row::marker).await?,
        session,
        ..SessionDetail::default()
    }))
}

/// The stored issues of session `id`, in the order they were found.
pub(crate) async fn of_session<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Vec<Finding>, StoreError> {
    db.select(&queries::SESSION_ISSUES, &values![project, id], finding)
        .await
}

pub(crate) fn bad(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("session_issues.{column}: unknown value {value:?}"))
}

pub(crate) fn kind(r: &dyn Columns) -> Result<IssueKind, StoreError> {
    let name = r.string("kind")?;
    IssueKind::parse(&name).ok_or_else(|| bad("kind", &name))
}

fn facts(r: &dyn Columns) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        status: r.string("status")?,
        end_reason: r.text("end_reason")?,
        api_error_status: r.int("api_error_status")?,
        num_turns: r.int("num_turns")?,
        ended_at: r.time("ended_at")?,
        sort_ts: r.integer("sort_ts")?,
        agent: r.text("agent")?,
        cost_usd: r.real("cost_usd")?,
        entry_point: r.text("entry_point")?,
        ..SessionRecord::default()
    })
}

/// A tool call with what the rules read of it (`queries::ISSUE_CALLS`).
fn call(r: &dyn Columns) -> Result<ToolCallRecord, StoreError> {
    Ok(ToolCallRecord {
        tool_use_id: r.string("tool_use_id")?,
        tool_name: r.string("tool_name")?,
        seq: r.integer("seq")?,
        status: r.string("status")?,
        input: row::json(r, "input")?.unwrap_or_default(),
        parent_tool_use_id: r.text("parent_tool_use_id")?,
        duration_ms: r.int("duration_ms")?,
        subagent: r.text("sub_status")?.map(|status| SubagentRecord {
            status,
            agent_id: None,
            agent_type: None,
            description: None,
            background: false,
            total_tokens: None,
            tool_uses: None,
            duration_ms: None,
            summary: None,
        }),
        ..ToolCallRecord::default()
    })
}

fn finding(r: &dyn Columns) -> Result<Finding, StoreError> {
    let name = r.string("severity")?;
    let severity = Severity::parse(&name).ok_or_else(|| bad("severity", &name))?;
    let evidence: Vec<Evidence> = serde_json::from_str(&r.string("evidence")?)?;
    Ok(Finding {
        kind: kind(r)?,
        severity,
        summary: r.string("summary")?,
        evidence,
    })
}
