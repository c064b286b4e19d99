//! `sentrial alert list|add|pause|resume|delete`, run against the database directly: running
//! collectors pick a change up at their next evaluation.

use crate::alert::NewRule;
use crate::error::CollectorError;
use crate::store::{RuleView, Store};
use crate::time::{iso8601, now_ms};

use super::args::{AlertCommand, DbArgs};

/// Runs an `alert` command.
pub(super) async fn run(command: AlertCommand) -> Result<(), CollectorError> {
    match command {
        AlertCommand::List { db, project } => {
            let rules = with_store(db, |s| s.alert_rules(project)).await?;
            print!("{}", listing(&rules));
            Ok(())
        }
        AlertCommand::Add {
            db,
            project,
            name,
            metric,
            issue_kind,
            score_name,
            group_by,
            window_minutes,
            op,
            threshold,
            webhook_url,
            cooldown_minutes,
            paused,
        } => {
            let form = NewRule {
                name,
                metric,
                issue_kind,
                score_name,
                group_by,
                window_minutes,
                op,
                threshold,
                webhook_url,
                cooldown_minutes,
                paused,
            };
            let id = hex::encode(rand::random::<[u8; 8]>());
            let rule = form
                .check(&project, id, now_ms())
                .map_err(|e| CollectorError::Usage(format!("invalid alert rule: {e}")))?;
            let id = rule.id.clone();
            let condition = rule.condition();
            with_store(db, |s| s.add_alert_rule(rule)).await?;
            eprintln!("Added alert rule {id} to project `{project}`: {condition}");
            println!("{id}");
            Ok(())
        }
        AlertCommand::Pause { id, db } => set_paused(db, id, true).await,
        AlertCommand::Resume { id, db } => set_paused(db, id, false).await,
        AlertCommand::Delete { id, db } => {
            let found = with_store(db, |s| s.delete_alert_rule(None, id.clone())).await?;
            found_or_usage(found, &id)?;
            eprintln!("Deleted alert rule {id}, its state and its deliveries.");
            Ok(())
        }
    }
}

async fn set_paused(db: DbArgs, id: String, paused: bool) -> Result<(), CollectorError> {
    let found = with_store(db, |s| s.set_alert_paused(None, id.clone(), paused)).await?;
    found_or_usage(found, &id)?;
    let done = if paused { "Paused" } else { "Resumed" };
    eprintln!("{done} alert rule {id}.");
    Ok(())
}

fn found_or_usage(found: bool, id: &str) -> Result<(), CollectorError> {
    if found {
        Ok(())
    } else {
        Err(CollectorError::Usage(format!(
            "no alert rule `{id}`; `sentrial alert list` shows them"
        )))
    }
}

/// Opens the store of `db`, runs `f` on it and closes it.
pub(super) async fn with_store<T, F>(db: DbArgs, f: F) -> Result<T, CollectorError>
where
    F: for<'a> FnOnce(
        &'a dyn Store,
    ) -> crate::store::BoxFuture<'a, Result<T, crate::store::StoreError>>,
{
    let store = crate::store::open(&db.location()).await?;
    let out = f(&*store).await;
    store.close().await;
    Ok(out?)
}

/// One line a rule: id, project, state, condition, group, last firing, name.
fn listing(rules: &[RuleView]) -> String {
    if rules.is_empty() {
        return "No alert rules.\n".into();
    }
    let mut out = String::new();
    for v in rules {
        let r = &v.rule;
        let group = r
            .group_by
            .map(|g| format!(" per {}", g.as_str()))
            .unwrap_or_default();
        let fired = v.last_fired_at.map_or_else(
            || "never fired".to_string(),
            |t| format!("last fired {}", iso8601(t.0)),
        );
        out.push_str(&format!(
            "{}  {}  {:<7}  {}{group}  ({fired})  {}\n",
            r.id,
            r.project,
            v.state,
            r.condition(),
            r.name
        ));
    }
    out
}
