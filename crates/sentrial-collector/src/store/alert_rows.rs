//! Alert rows read by column name (`alert_sql.rs`'s statements name them so).

use crate::alert::{GroupBy, Metric, Op, Rule, Sample};
use crate::store::alert_model::{Claimed, DeliveryRecord, GroupView};
use crate::store::error::StoreError;
use crate::store::row::Columns;
use crate::time::Timestamp;

fn bad(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("alert_rules.{column}: unknown value {value:?}"))
}

pub(crate) fn rule(r: &dyn Columns) -> Result<Rule, StoreError> {
    let metric_name = r.string("metric")?;
    let metric = Metric::parse(&metric_name).ok_or_else(|| bad("metric", &metric_name))?;
    let op_name = r.string("op")?;
    let op = Op::parse(&op_name).ok_or_else(|| bad("op", &op_name))?;
    let group_by = match r.text("group_by")? {
        None => None,
        Some(g) => Some(GroupBy::parse(&g).ok_or_else(|| bad("group_by", &g))?),
    };
    let arg = r.text("metric_arg")?;
    let (issue_kind, score_name) = match metric {
        Metric::Issues => (arg, None),
        Metric::AvgScore => (None, arg),
        _ => (None, None),
    };
    Ok(Rule {
        id: r.string("id")?,
        project: r.string("project_id")?,
        name: r.string("name")?,
        metric,
        issue_kind,
        score_name,
        group_by,
        window_minutes: r.integer("window_minutes")?,
        op,
        threshold: r.real("threshold")?.unwrap_or_default(),
        webhook_url: r.string("webhook_url")?,
        cooldown_minutes: r.integer("cooldown_minutes")?,
        paused: r.flag("paused")?.unwrap_or(false),
        created_at: Timestamp(r.integer("created_at")?),
    })
}

pub(crate) fn state(r: &dyn Columns) -> Result<(String, String, GroupView), StoreError> {
    Ok((
        r.string("project_id")?,
        r.string("rule_id")?,
        GroupView {
            group: r.string("grp")?,
            state: r.string("state")?,
            value: r.real("value")?,
            changed_at: Timestamp(r.integer("changed_at")?),
            fired_at: r.time("fired_at")?,
            resolved_at: r.time("resolved_at")?,
        },
    ))
}

pub(crate) fn delivery(r: &dyn Columns) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        id: r.string("id")?,
        rule_id: r.string("rule_id")?,
        group: r.string("grp")?,
        state: r.string("state")?,
        value: r.real("value")?,
        body: serde_json::from_str(&r.string("body")?)?,
        created_at: Timestamp(r.integer("created_at")?),
        status: r.string("status")?,
        attempts: r.integer("attempts")?,
        response_status: r.int("response_status")?,
        last_error: r.text("last_error")?,
        done_at: r.time("done_at")?,
    })
}

pub(crate) fn due(r: &dyn Columns) -> Result<(Claimed, i64), StoreError> {
    Ok((
        Claimed {
            project: r.string("project_id")?,
            id: r.string("id")?,
            webhook_url: r.string("webhook_url")?,
            body: r.string("body")?,
            attempts: r.integer("attempts")?,
        },
        r.integer("next_at")?,
    ))
}

/// A session of a window, with its cost and duration (which the metric picks from).
pub(crate) type SessionRow = (Sample, Option<f64>, Option<f64>);

pub(crate) fn session_sample(r: &dyn Columns) -> Result<SessionRow, StoreError> {
    let status = r.string("status")?;
    Ok((
        Sample {
            session: r.string("session")?,
            group: r.string("grp")?,
            failed: status == "failed",
            ended: r.int("ended_at")?.is_some(),
            figure: None,
        },
        r.real("cost_usd")?,
        r.int("duration_ms")?.map(|d| d as f64),
    ))
}

pub(crate) fn score_sample(r: &dyn Columns) -> Result<SessionRow, StoreError> {
    let (mut s, cost, duration) = session_sample(r)?;
    s.figure = r.real("num")?;
    Ok((s, cost, duration))
}
