//! The collector's two alert tasks, beside the server and never in a request's way: the
//! evaluator (a round every interval, see `store/alerts.rs`) and the sender (posts the outbox's
//! due deliveries, woken by the evaluator or every few seconds).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::alert::state::{after_attempt, Outcome};
use crate::alert::webhook::{Webhook, REQUEST_TIMEOUT};
use crate::store::{Claimed, Store};
use crate::time::now_ms;

/// How often rules are evaluated unless told otherwise.
pub const DEFAULT_ALERT_INTERVAL: Duration = Duration::from_secs(60);

/// The longest the sender sleeps before looking for due deliveries (retries, or those another
/// collector queued).
const MAX_POLL: Duration = Duration::from_secs(5);

/// The first retry's wait at most (it doubles per attempt).
const MAX_RETRY_BASE: Duration = Duration::from_secs(30);

/// Deliveries claimed at once.
const BATCH: i64 = 16;

/// How the alert tasks run.
#[derive(Debug, Clone)]
pub struct AlertConfig {
    /// Time between two evaluation rounds.
    pub interval: Duration,
    /// Where the dashboard is reached, for the webhook's links (no trailing `/`).
    pub dashboard: String,
}

/// The running tasks; they stop when this is dropped.
pub struct AlertTasks {
    tasks: Vec<JoinHandle<()>>,
}

impl AlertTasks {
    /// Starts the evaluator and the sender on `store`.
    pub fn start(store: Arc<dyn Store>, config: AlertConfig) -> Result<AlertTasks, String> {
        let webhook = Webhook::new()?;
        let wake = Arc::new(Notify::new());
        let evaluator = tokio::spawn(evaluate(store.clone(), config.clone(), wake.clone()));
        let sender = tokio::spawn(send(store, config.interval, webhook, wake));
        Ok(AlertTasks {
            tasks: vec![evaluator, sender],
        })
    }

    /// Stops both tasks (a delivery in flight is tried again by the next sender after its
    /// claim ends).
    pub fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for AlertTasks {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn evaluate(store: Arc<dyn Store>, config: AlertConfig, wake: Arc<Notify>) {
    let mut tick = tokio::time::interval(config.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store
            .evaluate_alerts(now_ms(), config.dashboard.clone())
            .await
        {
            Ok(Some(queued)) if queued > 0 => {
                tracing::info!(queued, "alert rules changed state");
                wake.notify_one();
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "alert evaluation failed"),
        }
    }
}

async fn send(store: Arc<dyn Store>, interval: Duration, webhook: Webhook, wake: Arc<Notify>) {
    let poll = interval.min(MAX_POLL);
    let base = interval.min(MAX_RETRY_BASE);
    // A claim outlasts an attempt, so a slow receiver's delivery is not sent twice.
    let lease = (REQUEST_TIMEOUT * 3).as_millis() as i64;
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
        loop {
            let claimed = match store.claim_deliveries(now_ms(), lease, BATCH).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the alert outbox");
                    break;
                }
            };
            if claimed.is_empty() {
                break;
            }
            let attempts = claimed
                .into_iter()
                .map(|d| attempt(&*store, &webhook, d, base));
            futures_util::future::join_all(attempts).await;
        }
    }
}

/// Posts one claimed delivery and stores the outcome.
async fn attempt(store: &dyn Store, webhook: &Webhook, d: Claimed, base: Duration) {
    let result = webhook.post(&d.webhook_url, d.body).await;
    let outcome: Outcome = after_attempt(d.attempts, result, now_ms(), base);
    if let Some(error) = &outcome.error {
        tracing::warn!(delivery = %d.id, attempts = d.attempts, status = outcome.status, %error,
            "alert webhook delivery failed");
    }
    if let Err(err) = store.finish_delivery(d.project, d.id, outcome).await {
        tracing::warn!(error = %err, "cannot record an alert delivery's outcome");
    }
}
