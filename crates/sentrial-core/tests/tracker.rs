//! The tracker's account of what the host handed it: every input is counted once, as read,
//! unreadable or ignored, whichever way it was handed over.

use sentrial_core::{Config, DeliveryConfig, Ending, Input, InputKind, SessionInit, Text, Tracker};
use std::time::Duration;

/// A tracker delivering to a port nothing listens on: these tests look only at the inputs.
fn tracker() -> Tracker {
    Tracker::new(Config {
        api_key: "test".into(),
        api_url: "http://127.0.0.1:9".into(),
        delivery: DeliveryConfig {
            flush_interval: Duration::from_secs(60),
            ..DeliveryConfig::default()
        },
        ..Config::default()
    })
    .unwrap()
}

fn settle(t: &Tracker) {
    t.flush_blocking(Duration::from_millis(200));
}

#[test]
fn every_form_of_input_is_read_and_bad_text_is_counted_not_lost_silently() {
    let t = tracker();
    let s = t.start_session(SessionInit {
        agent: "a".into(),
        ..Default::default()
    });
    let init = r#"{"type":"system","subtype":"init","session_id":"c1","model":"m"}"#;
    s.message(init);
    s.input_with(InputKind::Message, |buf| {
        buf.extend_from_slice(init.as_bytes());
        true
    });
    s.input(
        InputKind::Message,
        Input {
            json: Text::Utf16(init.encode_utf16().collect()),
            parts: vec![],
        },
    );
    s.message("not json");
    s.input_with(InputKind::Hook, |buf| {
        buf.extend_from_slice(b"\xff\xfe");
        true
    });
    // A host that could not write its text: nothing of it is read.
    s.input_with(InputKind::Hook, |buf| {
        buf.extend_from_slice(b"{\"half");
        false
    });
    s.finish(Ending::Done);
    settle(&t);
    let st = t.stats();
    // Start, six inputs, finish.
    assert_eq!(st.inputs, 8);
    // "not json", the invalid UTF-8 and the failed write.
    assert_eq!(st.bad_inputs, 3);
    assert_eq!(st.inputs_ignored, 0);
    assert_eq!(st.inputs_overload, 0);
}

#[test]
fn inputs_after_a_shutdown_are_ignored_and_counted() {
    let t = tracker();
    let s = t.start_session(SessionInit::default());
    let (tx, rx) = std::sync::mpsc::channel();
    t.shutdown(Duration::from_millis(100), move |r| {
        let _ = tx.send(r);
    });
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    s.message(r#"{"type":"result"}"#);
    s.hook(r#"{"hook_event_name":"PostToolUse"}"#);
    settle(&t);
    assert_eq!(t.stats().inputs_ignored, 2);
}

#[test]
fn a_session_after_its_finish_takes_nothing() {
    let t = tracker();
    let s = t.start_session(SessionInit::default());
    s.finish(Ending::Done);
    let before = t.stats().inputs;
    s.message(r#"{"type":"result"}"#);
    s.input_with(InputKind::Hook, |_| {
        panic!("a finished session asked the host for its text")
    });
    assert_eq!(t.stats().inputs, before);
}
