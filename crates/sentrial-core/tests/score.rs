//! Scores through the tracker's delivery to a real collector on 127.0.0.1: by Sentrial session id
//! and by Claude session id, one sent before its session exists, and a bad one counted, not sent.

use std::sync::Arc;
use std::time::Duration;

use sentrial_collector::store::Store;
use sentrial_collector::{ServeConfig, Server};
use sentrial_core::{Config, DeliveryConfig, Ending, SessionInit, Tracker};
use sentrial_protocol::{Score, ScoreOf, ScoreValue, SCORE_SOURCE_SDK};

const KEY: &str = "test-key-score-0123456789";

fn score(name: &str, value: ScoreValue, of: ScoreOf) -> Score {
    Score {
        name: name.into(),
        value,
        comment: Some("from the app".into()),
        source: SCORE_SOURCE_SDK.into(),
        at: 1_700_000_000_000,
        of,
    }
}

async fn flush(t: &Tracker) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    t.flush(Duration::from_secs(10), move |r| {
        let _ = tx.send(r);
    });
    let report = rx.await.unwrap();
    assert!(!report.timed_out, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_round_trip_by_session_and_claude_session_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(ServeConfig {
        port: 0,
        db: dir.path().join("c.db"),
        api_keys: vec![KEY.into()],
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let url = server.url();
    let store: Arc<dyn Store> = server.state().store.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));

    let t = Tracker::new(Config {
        api_key: KEY.into(),
        api_url: url,
        delivery: DeliveryConfig {
            flush_interval: Duration::from_millis(20),
            ..DeliveryConfig::default()
        },
        ..Config::default()
    })
    .unwrap();
    // Before the run: a thumbs-down by the Claude session id it will have.
    let early = score("helpful", ScoreValue::Bool(false), ScoreOf::ClaudeSession);
    t.score("claude-42".into(), early).unwrap();
    flush(&t).await;

    let s = t.start_session(SessionInit {
        agent: "a".into(),
        ..Default::default()
    });
    let id = s.id().expect("a tracked session has an id").to_string();
    // Before the session's start is even queued: it must not wait for it (nor hold it up).
    let by_id = score("accuracy", ScoreValue::Number(0.75), ScoreOf::Session);
    t.score(id.clone(), by_id).unwrap();
    s.message(r#"{"type":"system","subtype":"init","session_id":"claude-42","model":"m"}"#);
    s.finish(Ending::Done);
    // A bad score is refused here, counted, and never sent.
    let bad = score("", ScoreValue::Bool(true), ScoreOf::Session);
    assert!(t.score(id.clone(), bad).unwrap_err().contains("`name`"));
    flush(&t).await;

    let scores = store
        .session_scores("default".into(), id.clone())
        .await
        .unwrap()
        .expect("the session arrived");
    let got: Vec<(String, serde_json::Value, String)> = scores
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                serde_json::to_value(&s.value).unwrap(),
                s.source.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("helpful".into(), serde_json::json!(false), "sdk".into()),
            ("accuracy".into(), serde_json::json!(0.75), "sdk".into()),
        ]
    );
    let st = t.stats();
    assert_eq!(st.bad_inputs, 1);
    // Start, end and the two scores were delivered; nothing dropped.
    assert_eq!((st.delivered, st.dropped, st.pending), (4, 0, 0), "{st:?}");

    drop(t);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}
