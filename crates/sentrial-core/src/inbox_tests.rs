use super::*;

fn inline(inbox: &Inbox, handle: u64, json: &str) -> bool {
    inbox.push_inline(handle, InputKind::Message, 1, |buf| {
        buf.extend_from_slice(json.as_bytes());
        true
    }) == Pushed::Queued
}

fn handles(batch: &Batch) -> Vec<(u64, Option<String>)> {
    batch
        .commands
        .iter()
        .map(|c| match c {
            Command::Inline { handle, range, .. } => (
                *handle,
                Some(String::from_utf8(batch.text[range.clone()].to_vec()).unwrap()),
            ),
            Command::Interrupting { handle } => (*handle, None),
            _ => panic!("unexpected command"),
        })
        .collect()
}

#[test]
fn inline_and_other_commands_keep_their_order() {
    let inbox = Inbox::new(Arc::new(Stats::default()));
    assert!(inline(&inbox, 1, r#"{"a":1}"#));
    inbox
        .push(Command::Interrupting { handle: 2 })
        .ok()
        .unwrap();
    assert!(inline(&inbox, 3, r#"{"b":"é"}"#));
    let taken = inbox.take(inbox.empty_batch());
    assert!(!taken.host_gone);
    assert_eq!(
        handles(&taken.batch),
        vec![
            (1, Some(r#"{"a":1}"#.into())),
            (2, None),
            (3, Some(r#"{"b":"é"}"#.into()))
        ]
    );
    // The next take starts empty, in the handed-back allocation.
    assert!(inline(&inbox, 4, "{}"));
    let next = inbox.take(taken.batch);
    assert_eq!(handles(&next.batch), vec![(4, Some("{}".into()))]);
}

#[test]
fn a_fast_host_fills_several_bounded_batches_taken_in_order() {
    let inbox = Inbox::new(Arc::new(Stats::default()));
    let doc = format!("{{\"pad\":\"{}\"}}", "x".repeat(1000));
    let n = 3 * SEAL_BYTES / doc.len();
    for i in 0..n {
        assert!(inline(&inbox, i as u64, &doc));
    }
    let mut seen = Vec::new();
    let mut spare = inbox.empty_batch();
    loop {
        let taken = inbox.take(spare);
        if taken.batch.commands.is_empty() {
            break;
        }
        assert!(taken.batch.text.len() < SEAL_BYTES + doc.len());
        seen.extend(handles(&taken.batch).into_iter().map(|(h, text)| {
            assert_eq!(text.as_deref(), Some(doc.as_str()));
            h
        }));
        spare = taken.batch;
    }
    assert_eq!(seen, (0..n as u64).collect::<Vec<_>>());
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let inbox = Inbox::new(Arc::new(Stats::default()));
    assert!(inline(&inbox, 1, "{}"));
    let pushed = inbox.push_inline(2, InputKind::Hook, 1, |buf| {
        buf.extend_from_slice(b"{\"half");
        false
    });
    assert_eq!(pushed, Pushed::Unreadable);
    let taken = inbox.take(inbox.empty_batch());
    assert_eq!(handles(&taken.batch), vec![(1, Some("{}".into()))]);
    assert_eq!(taken.batch.text, b"{}");
}

#[test]
fn inline_bytes_count_in_the_backlog_and_a_full_backlog_refuses() {
    let stats = Arc::new(Stats::default());
    let inbox = Inbox::new(stats.clone());
    assert!(inline(&inbox, 1, "{}"));
    // The two bytes queued plus this fill the backlog exactly.
    let rest = Reservation::new(&stats, crate::stats::MAX_INPUT_BACKLOG - 2);
    assert!(rest.is_some());
    assert!(!inline(&inbox, 1, "{}"));
    assert_eq!(stats.snapshot().inputs_overload, 1);
    assert_eq!(inbox.take(inbox.empty_batch()).batch.commands.len(), 1);
}

#[test]
fn nothing_is_queued_once_the_worker_is_gone() {
    let inbox = Inbox::new(Arc::new(Stats::default()));
    assert!(inline(&inbox, 1, "{}"));
    let left = inbox.close_worker();
    assert_eq!(left.len(), 1);
    assert!(!inline(&inbox, 1, "{}"));
    assert!(inbox.push(Command::Interrupting { handle: 1 }).is_err());
}

#[test]
fn commands_left_when_the_worker_stops_give_their_bytes_back() {
    let stats = Arc::new(Stats::default());
    let inbox = Inbox::new(stats.clone());
    // Full batches waiting, one being filled, and an input handed over on its own.
    let doc = format!("{{\"pad\":\"{}\"}}", "x".repeat(1000));
    for i in 0..(2 * SEAL_BYTES / doc.len() + 3) {
        assert!(inline(&inbox, i as u64, &doc));
    }
    assert!(inbox.push(Command::reserved_input(&stats, &doc)).is_ok());
    assert!(stats.input_backlog() > 2 * SEAL_BYTES as u64);
    let left = inbox.close_worker();
    assert_eq!(left.len(), 2 * SEAL_BYTES / doc.len() + 4);
    drop(left);
    assert_eq!(stats.input_backlog(), 0);
}

#[tokio::test]
async fn a_push_wakes_a_waiting_worker_and_a_push_before_the_wait_is_not_lost() {
    let inbox = Inbox::new(Arc::new(Stats::default()));
    // Queued before anyone waits: the wait returns at once.
    assert!(inline(&inbox, 1, "{}"));
    tokio::time::timeout(std::time::Duration::from_secs(5), inbox.wait())
        .await
        .expect("the push before the wait was lost");
    let _ = inbox.take(inbox.empty_batch());
    let waiter = {
        let inbox = inbox.clone();
        tokio::spawn(async move { inbox.wait().await })
    };
    tokio::task::yield_now().await;
    inbox.close_host();
    tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
        .await
        .expect("closing did not wake the worker")
        .unwrap();
    assert!(inbox.take(inbox.empty_batch()).host_gone);
}
