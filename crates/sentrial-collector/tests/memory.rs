//! The collector's memory under the worst mix of valid requests one key may send (issue 15):
//! concurrent 10 MiB bodies whose tool input is an array of as many zeros as a body may hold (a
//! tree node per number when decoded), then concurrent list requests over sessions of 8 MiB
//! inputs. The peak resident
//! memory of this process (collector and client; its own test binary, so no other test runs
//! beside it) must stay under 1 GB. Bounded in count; prints the figures.

mod common;

use std::time::Instant;

use common::*;
use sentrial_collector::MAX_BODY_BYTES;
use sentrial_protocol::{Payload, SessionStart, ToolCall, ToolStatus};

/// Concurrent 10 MiB bodies of zeros.
const ZERO_BODIES: usize = 8;
/// Sessions of [`BIG_INPUT`] bytes each.
const BIG_SESSIONS: usize = 4;
const BIG_INPUT: usize = 8 << 20;
/// Concurrent list requests over them.
const LISTS: usize = 40;

const LIMIT_BYTES: u64 = 1 << 30;

/// The collector's cap on the values of a body (`value_count::MAX_JSON_VALUES`).
const MAX_JSON_VALUES: usize = 1_000_000;

/// This process's peak resident memory (`VmHWM`), bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// A batch of one tool call whose input is an array of `zeros` zeros, its output a text that
/// takes the body to just under the body limit.
fn zeros_body(k: usize, zeros: usize) -> Vec<u8> {
    let call = tool(
        &format!("zeros-{k}"),
        &format!("zeros-ev-{k}"),
        1_700_000_000_000,
        ToolCall {
            tool_use_id: format!("toolu_{k}"),
            tool_name: "Bash".into(),
            status: ToolStatus::Success,
            input: serde_json::json!("__ZEROS__"),
            output: serde_json::json!("__PAD__"),
            ..Default::default()
        },
    );
    let text = String::from_utf8(batch_json(&[call])).unwrap();
    let mut array = String::with_capacity(2 * zeros + 1);
    array.push('[');
    for i in 0..zeros {
        array.push_str(if i == 0 { "0" } else { ",0" });
    }
    array.push(']');
    let room = MAX_BODY_BYTES.saturating_sub(text.len() + array.len() + 16);
    text.replace("\"__ZEROS__\"", &array)
        .replace("__PAD__", &"p".repeat(room))
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_memory_stays_under_1_gb_under_the_worst_mix_of_one_key() {
    let srv = TestServer::start_with(&[], |c| {
        c.request_timeout = std::time::Duration::from_secs(120);
    })
    .await;
    let url = format!("{}/v1/batch", srv.url);
    let base = peak_rss();

    // Sessions with large inputs, one batch each.
    for k in 0..BIG_SESSIONS {
        let mut start = start(
            &format!("big-{k}"),
            1_700_000_000_000 + k as i64,
            "a",
            "u",
            None,
        );
        if let Payload::SessionStart(SessionStart { input, .. }) = &mut start.payload {
            *input = Some("a".repeat(BIG_INPUT));
        }
        assert_eq!(srv.post(KEY, &[start]).await.0, 200);
    }

    // A 10 MiB body of zeros (5 million values) is refused before it is decoded.
    let (status, body) = srv
        .post_raw(Some(KEY), zeros_body(0, MAX_BODY_BYTES / 2 - 512), false)
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("JSON values"),
        "{body}"
    );

    // Concurrent bodies of as many zeros as may be sent, padded to the body limit.
    let started = Instant::now();
    let mut sends = Vec::new();
    for k in 0..ZERO_BODIES {
        let (client, url, body) = (
            srv.client.clone(),
            url.clone(),
            zeros_body(k, MAX_JSON_VALUES - 100),
        );
        sends.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let retry = resp.headers().contains_key("retry-after");
            (resp.status().as_u16(), retry)
        }));
    }
    let (mut stored, mut busy) = (0, 0);
    for send in sends {
        match send.await.unwrap() {
            (200, _) => stored += 1,
            (503, true) => busy += 1,
            other => panic!("a body of zeros was answered {other:?}"),
        }
    }
    assert!(stored >= 1, "no body of zeros was stored");
    let after_zeros = peak_rss();
    eprintln!(
        "{ZERO_BODIES} concurrent 10 MiB bodies of 1 million zeros: {stored} stored, {busy} answered 503 \
         (Retry-After) in {:?}; peak RSS {} MB",
        started.elapsed(),
        after_zeros >> 20
    );

    // Concurrent list requests over the large sessions.
    let mut lists = Vec::new();
    for _ in 0..LISTS {
        let (client, url) = (
            srv.client.clone(),
            format!("{}/api/sessions?limit=20", srv.url),
        );
        lists.push(tokio::spawn(async move {
            let resp = client
                .get(url)
                .header("authorization", format!("Bearer {KEY}"))
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.bytes().await.unwrap().len())
        }));
    }
    let mut largest = 0;
    for list in lists {
        let (status, len) = list.await.unwrap();
        assert_eq!(status, 200);
        largest = largest.max(len);
    }
    let peak = peak_rss();
    eprintln!(
        "{LISTS} concurrent lists of {BIG_SESSIONS} sessions of 8 MiB inputs: largest response \
         {largest} bytes; peak RSS {} MB (at start {} MB)",
        peak >> 20,
        base >> 20
    );
    assert!(
        peak < LIMIT_BYTES,
        "peak RSS {} MB is over 1 GB",
        peak >> 20
    );
    // The whole input is still there, on the session's own endpoint.
    let (status, one) = srv.get(KEY, "/api/sessions/big-0").await;
    assert_eq!(status, 200);
    assert_eq!(one["input"].as_str().unwrap().len(), BIG_INPUT);
}
