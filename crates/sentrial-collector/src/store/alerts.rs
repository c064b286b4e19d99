//! Alerts in storage, the same for both stores (statements in `alert_sql.rs`): rules, the
//! evaluation round ([`evaluate`]: every active rule's metric per group, the state changes and
//! their deliveries written together, in the caller's transaction), and the outbox's claims and
//! outcomes.

use std::collections::{BTreeMap, BTreeSet};

use crate::alert::state::{next, GroupState, Outcome};
use crate::alert::{measure, Change, GroupBy, Measure, Metric, Notice, Rule, Sample};
use crate::store::alert_model::{Claimed, DeliveryRecord, GroupView, RuleView};
use crate::store::alert_rows::{delivery, due, rule, score_sample, session_sample, state};
use crate::store::alert_sql as sql;
use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::value::values;

/// Stores `rule`.
pub(crate) async fn add_rule<D: Db>(db: &D, rule: &Rule) -> Result<(), StoreError> {
    let args = values![
        &rule.project,
        &rule.id,
        &rule.name,
        rule.metric.as_str(),
        rule.metric_arg(),
        rule.group_by.map(GroupBy::as_str),
        rule.window_minutes,
        rule.op.as_str(),
        rule.threshold,
        &rule.webhook_url,
        rule.cooldown_minutes,
        rule.paused,
        rule.created_at.0,
    ];
    db.run(&sql::ADD_RULE, &args).await?;
    Ok(())
}

/// The rules of `project` (`None`: all), oldest first, with their states.
pub(crate) async fn rules<D: Db>(
    db: &D,
    project: Option<&str>,
) -> Result<Vec<RuleView>, StoreError> {
    let p = project.unwrap_or("");
    let rules = db.select(&sql::RULES, &values![p], rule).await?;
    let states = db.select(&sql::STATES, &values![p, ""], state).await?;
    let mut by_rule: BTreeMap<(String, String), Vec<GroupView>> = BTreeMap::new();
    for (project, rule_id, view) in states {
        by_rule.entry((project, rule_id)).or_default().push(view);
    }
    Ok(rules
        .into_iter()
        .map(|rule| {
            let groups = by_rule
                .remove(&(rule.project.clone(), rule.id.clone()))
                .unwrap_or_default();
            let state = if rule.paused {
                "paused"
            } else if groups.iter().any(|g| g.state == "firing") {
                "firing"
            } else {
                "ok"
            };
            RuleView {
                state,
                last_fired_at: groups.iter().filter_map(|g| g.fired_at).max(),
                groups,
                rule,
            }
        })
        .collect())
}

/// Pauses or resumes rule `id` of `project` (`None`: any); whether there was one.
pub(crate) async fn set_paused<D: Db>(
    db: &D,
    project: Option<&str>,
    id: &str,
    paused: bool,
) -> Result<bool, StoreError> {
    let n = db
        .run(
            &sql::SET_PAUSED,
            &values![project.unwrap_or(""), id, paused],
        )
        .await?;
    Ok(n > 0)
}

/// Deletes rule `id` of `project` (`None`: any), its states and deliveries; whether there was one.
pub(crate) async fn delete_rule<D: Db>(
    db: &D,
    project: Option<&str>,
    id: &str,
) -> Result<bool, StoreError> {
    let key = values![project.unwrap_or(""), id];
    let n = db.run(&sql::DELETE_RULE, &key).await?;
    db.run(&sql::DELETE_STATES, &key).await?;
    db.run(&sql::DELETE_DELIVERIES, &key).await?;
    Ok(n > 0)
}

/// The latest `limit` deliveries of `project` (`None`: all), of rule `rule_id` (`None`: all).
pub(crate) async fn history<D: Db>(
    db: &D,
    project: Option<&str>,
    rule_id: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    let args = values![project.unwrap_or(""), rule_id.unwrap_or(""), limit];
    db.select(&sql::HISTORY, &args, delivery).await
}

/// One evaluation round at `now`, all in the caller's transaction: [`measure_rules`] then
/// [`apply`].
pub(crate) async fn evaluate<D: Db>(db: &D, now: i64, dashboard: &str) -> Result<u64, StoreError> {
    let measured = measure_rules(db, now).await?;
    apply(db, &measured, now, dashboard).await
}

/// An active rule's value per group over its window `[from, now)`.
pub(crate) struct Measured {
    rule: Rule,
    from: i64,
    measures: BTreeMap<String, Measure>,
}

/// The value per group of each active rule at `now`: reads only, so a store may take it outside
/// the round's transaction (SQLite: the write lock is then held for the changes alone).
pub(crate) async fn measure_rules<D: Db>(db: &D, now: i64) -> Result<Vec<Measured>, StoreError> {
    let mut out = Vec::new();
    for rule in db.select(&sql::ACTIVE_RULES, &[], rule).await? {
        let from = now - rule.window_minutes * 60_000;
        let measures = measure(rule.metric, rule.op, samples(db, &rule, from, now).await?);
        out.push(Measured {
            rule,
            from,
            measures,
        });
    }
    Ok(out)
}

/// For each group of `measured` whose state changes, the new state and a pending delivery of
/// `dashboard`'s links; rules no longer active (paused or deleted since they were measured) are
/// left alone. The caller runs it in one transaction, alone (see the stores): so a change is
/// written, and its delivery queued, once. Answers how many deliveries it queued.
pub(crate) async fn apply<D: Db>(
    db: &D,
    measured: &[Measured],
    now: i64,
    dashboard: &str,
) -> Result<u64, StoreError> {
    let active: BTreeSet<(String, String)> = db
        .select(&sql::ACTIVE_RULES, &[], rule)
        .await?
        .into_iter()
        .map(|r| (r.project, r.id))
        .collect();
    let mut queued = 0;
    for m in measured {
        if active.contains(&(m.rule.project.clone(), m.rule.id.clone())) {
            queued += apply_rule(db, m, now, dashboard).await?;
        }
    }
    Ok(queued)
}

async fn apply_rule<D: Db>(
    db: &D,
    measured: &Measured,
    now: i64,
    dashboard: &str,
) -> Result<u64, StoreError> {
    let Measured {
        rule,
        from,
        measures,
    } = measured;
    let states: BTreeMap<String, GroupState> = db
        .select(&sql::STATES, &values![&rule.project, &rule.id], state)
        .await?
        .into_iter()
        .map(|(_, _, g)| {
            let s = GroupState {
                firing: g.state == "firing",
                fired_at: g.fired_at.map(|t| t.0),
                resolved_at: g.resolved_at.map(|t| t.0),
            };
            (g.group, s)
        })
        .collect();
    // The groups with a value, those firing (their value may be gone), and the whole project.
    let mut groups: BTreeSet<&str> = measures.keys().map(String::as_str).collect();
    groups.extend(
        states
            .iter()
            .filter(|(_, s)| s.firing)
            .map(|(g, _)| g.as_str()),
    );
    if rule.group_by.is_none() {
        groups.insert("");
    }
    let cooldown_ms = rule.cooldown_minutes * 60_000;
    let mut queued = 0;
    for group in groups {
        let m = measures
            .get(group)
            .cloned()
            .unwrap_or_else(|| Measure::empty(rule.metric));
        let breach = m.value.is_some_and(|v| rule.op.breached(v, rule.threshold));
        let before = states.get(group);
        let Some(change) = next(before, breach, now, cooldown_ms) else {
            continue;
        };
        let notice = Notice {
            rule,
            group,
            change,
            value: m.value,
            from: *from,
            to: now,
            sessions: &m.sessions,
            dashboard,
        };
        write_change(db, &notice, before, now).await?;
        queued += 1;
    }
    Ok(queued)
}

/// The group's new state and its pending delivery.
async fn write_change<D: Db>(
    db: &D,
    n: &Notice<'_>,
    before: Option<&GroupState>,
    now: i64,
) -> Result<(), StoreError> {
    let rule = n.rule;
    let (state, fired_at, resolved_at) = match n.change {
        Change::Firing => ("firing", Some(now), before.and_then(|s| s.resolved_at)),
        Change::Resolved => ("ok", before.and_then(|s| s.fired_at), Some(now)),
    };
    let args = values![
        &rule.project,
        &rule.id,
        n.group,
        state,
        n.value,
        now,
        fired_at,
        resolved_at,
    ];
    db.run(&sql::PUT_STATE, &args).await?;
    let id = hex::encode(rand::random::<[u8; 12]>());
    let body = n.body().to_string();
    let args = values![
        &rule.project,
        &id,
        &rule.id,
        n.group,
        n.change.as_str(),
        n.value,
        &rule.webhook_url,
        &body,
        now,
    ];
    db.run(&sql::ADD_DELIVERY, &args).await?;
    Ok(())
}

/// The rows of `rule`'s window `[from, to)`.
async fn samples<D: Db>(
    db: &D,
    rule: &Rule,
    from: i64,
    to: i64,
) -> Result<Vec<Sample>, StoreError> {
    let group = rule.group_by.map_or("", GroupBy::as_str);
    let p = &rule.project;
    let arg = rule.metric_arg().unwrap_or("");
    let rows = match rule.metric {
        Metric::Issues => {
            let args = values![p, from, to, group, arg];
            db.select(&sql::ISSUE_SAMPLES, &args, session_sample)
                .await?
        }
        Metric::AvgScore => {
            let args = values![p, from, to, group, arg];
            db.select(&sql::SCORE_SAMPLES, &args, score_sample).await?
        }
        _ => {
            let args = values![p, from, to, group];
            db.select(&sql::SESSION_SAMPLES, &args, session_sample)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(mut s, cost, duration)| {
            s.figure = match rule.metric {
                Metric::CostUsd => cost,
                Metric::P95DurationMs => duration,
                Metric::AvgScore => s.figure,
                _ => None,
            };
            s
        })
        .collect())
}

/// Claims up to `limit` deliveries due at `now` until `now + lease_ms`; those it won.
pub(crate) async fn claim<D: Db>(
    db: &D,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let due = db.select(&sql::DUE, &values![now, limit], due).await?;
    let mut won = Vec::new();
    for (mut d, next_at) in due {
        let args = values![&d.project, &d.id, now + lease_ms, next_at, d.attempts];
        if db.run(&sql::CLAIM, &args).await? == 1 {
            d.attempts += 1;
            won.push(d);
        }
    }
    Ok(won)
}

/// Stores the outcome of an attempt at delivery `id` of `project`.
pub(crate) async fn finish<D: Db>(
    db: &D,
    project: &str,
    id: &str,
    o: &Outcome,
) -> Result<(), StoreError> {
    let args = values![
        project,
        id,
        o.status,
        o.next_at,
        o.response_status,
        o.error.as_deref(),
        o.done_at,
    ];
    db.run(&sql::FINISH, &args).await?;
    Ok(())
}
