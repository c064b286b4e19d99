//! Alerts: rules on a project's data ([`Rule`]), checked every minute (configurable) by an
//! evaluator task, which posts each change of a rule's group (firing, resolved) to the rule's
//! webhook through an outbox of deliveries, retried with backoff by a sender task (`task.rs`).
//!
//! The pieces without I/O are here: rules (`rule.rs`) and their checks (`new_rule.rs`), metrics from a window's
//! rows (`metric.rs`), state changes and retries (`state.rs`), the webhook's body (`body.rs`).
//! The round itself, written once for both stores, is `store/alerts.rs`; `docs/alerts.md` says
//! what each metric means and what a webhook receives.

mod body;
mod metric;
mod new_rule;
mod rule;
pub(crate) mod state;
mod task;
mod webhook;

pub use body::{Change, Notice};
pub use metric::{measure, Measure, Sample, LINKED};
pub use new_rule::{check_webhook_url, NewRule, MAX_MINUTES};
pub use rule::{shown_url, GroupBy, Metric, Op, Rule};
pub use state::Outcome;
pub use task::{AlertConfig, AlertTasks, DEFAULT_ALERT_INTERVAL};
