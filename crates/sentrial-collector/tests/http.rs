//! End-to-end over real sockets: a collector on 127.0.0.1:0, a temporary SQLite file, reqwest.

mod common;

use common::*;
use sentrial_collector::{hash_key, KeyInfo};
use sentrial_protocol::*;
use serde_json::{json, Value};

const T0: i64 = 1_700_000_000_000; // 2023-11-14T22:13:20.000Z

#[tokio::test]
async fn health_and_unknown_paths_need_no_key() {
    let srv = TestServer::start(&[]).await;
    let resp = srv
        .client
        .get(format!("{}/healthz", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().await.unwrap(), "ok");
    let (status, body) = srv.get(KEY, "/nope").await;
    assert_eq!((status, body), (404, json!({"error": "no such endpoint"})));
}

#[tokio::test]
async fn missing_malformed_or_unknown_keys_get_401_saying_which() {
    let srv = TestServer::start(&[]).await;
    let body = batch_json(&[start("s", T0, "a", "u", None)]);
    let (status, err) = srv.post_raw(None, body.clone(), false).await;
    assert_eq!(status, 401);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("missing Authorization header"),
        "{err}"
    );
    let (status, err) = srv.post_raw(Some("not-a-key"), body.clone(), false).await;
    assert_eq!((status, err), (401, json!({"error": "unknown API key"})));
    let resp = srv
        .client
        .get(format!("{}/api/sessions", srv.url))
        .header("authorization", format!("Basic {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let err: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed Authorization"),
        "{err}"
    );
    let (status, _) = srv.get("wrong", "/api/sessions/s").await;
    assert_eq!(status, 401);
    // Nothing was stored by the refused requests.
    let (_, list) = srv.get(KEY, "/api/sessions").await;
    assert_eq!(list["sessions"], json!([]));
}

#[tokio::test]
async fn bad_bodies_get_400_with_what_is_wrong() {
    let srv = TestServer::start(&[]).await;
    let (status, err) = srv
        .post_raw(Some(KEY), b"{\"protocol\": 1, ".to_vec(), false)
        .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid batch: EOF"),
        "{err}"
    );

    let wrong_type = json!({"protocol": 1, "events": [{"id": "e", "session_id": "s", "ts": 1,
        "type": "tool_call", "data": {"tool_use_id": "t", "tool_name": "Bash", "seq": "first",
        "status": "success"}}]});
    let (status, err) = srv
        .post_raw(Some(KEY), wrong_type.to_string().into(), false)
        .await;
    assert_eq!(status, 400);
    let msg = err["error"].as_str().unwrap();
    assert!(
        msg.contains("events[0]") && msg.contains("invalid type: string \"first\""),
        "{msg}"
    );

    let unknown_type = json!({"protocol": 1, "events": [{"id": "e", "session_id": "s", "ts": 1,
        "type": "session_pause", "data": {}}]});
    let (status, err) = srv
        .post_raw(Some(KEY), unknown_type.to_string().into(), false)
        .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("unknown variant `session_pause`"),
        "{err}"
    );

    let v4 = json!({"protocol": 4, "events": []});
    let (status, err) = srv.post_raw(Some(KEY), v4.to_string().into(), false).await;
    assert_eq!(
        (status, err),
        (
            400,
            json!({"error": "unsupported protocol version 4; this collector speaks 1, 2 and 3"})
        )
    );
    // A version-1 batch (an SDK that predates markers) is still read.
    let v1 = json!({"protocol": 1, "events": []});
    let (status, _) = srv.post_raw(Some(KEY), v1.to_string().into(), false).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bodies_over_10_mib_get_413_plain_or_gzipped() {
    let srv = TestServer::start(&[]).await;
    // Valid JSON, so only the size can be the problem: a 10.5 MiB string in the sdk name.
    let mut big = json!({"protocol": 1, "events": [], "sdk": {"name": "", "version": "1"}});
    big["sdk"]["name"] = Value::String("x".repeat(10 * 1024 * 1024 + 512 * 1024));
    let big = big.to_string().into_bytes();
    let (status, err) = srv.post_raw(Some(KEY), big.clone(), false).await;
    assert_eq!(status, 413, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("exceeds 10 MiB"),
        "{err}"
    );

    // A gzip bomb: 40 KiB on the wire, 40 MiB inflated. Refused at the limit.
    let bomb = gzip(&vec![b' '; 40 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    let (status, _) = srv.post_raw(Some(KEY), bomb, true).await;
    assert_eq!(status, 413);

    // Just under the limit is fine.
    let mut ok = json!({"protocol": 1, "events": [], "sdk": {"name": "", "version": "1"}});
    ok["sdk"]["name"] = Value::String("x".repeat(10 * 1024 * 1024 - 1024));
    let (status, body) = srv
        .post_raw(Some(KEY), gzip(ok.to_string().as_bytes()), true)
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"accepted": 0, "duplicates": 0}))
    );
}

#[tokio::test]
async fn gzip_bodies_are_decoded() {
    let srv = TestServer::start(&[]).await;
    let events = full_session("s-gz", T0);
    let (status, body) = srv
        .post_raw(Some(KEY), gzip(&batch_json(&events)), true)
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"accepted": 7, "duplicates": 0}))
    );
    let (status, s) = srv.get(KEY, "/api/sessions/s-gz").await;
    assert_eq!((status, &s["status"]), (200, &json!("completed")));
}

fn expected_full_session(id: &str) -> Value {
    // One turn per result, each with what it added to the cumulative figures.
    let turns = json!([
        {"index": 0, "input": "fix the build", "output": "first answer", "subtype": "success",
         "is_error": false, "duration_ms": 20, "prompt_tokens": 100, "completion_tokens": 101,
         "cache_read_tokens": 20, "cache_creation_tokens": 10, "total_tokens": 231,
         "cost_usd": 0.1, "cumulative_cost_usd": 0.1, "at": "2023-11-14T22:13:20.020Z",
         "terminal_reason": null, "api_error_status": null, "position": null},
        {"index": 1, "input": null, "output": "final answer", "subtype": "success",
         "is_error": false, "duration_ms": 20, "prompt_tokens": 100, "completion_tokens": 100,
         "cache_read_tokens": 0, "cache_creation_tokens": 0, "total_tokens": 200,
         "cost_usd": 0.1, "cumulative_cost_usd": 0.2, "at": "2023-11-14T22:13:20.040Z",
         "terminal_reason": null, "api_error_status": null, "position": null}
    ]);
    let iso = |ms: i64| sentrial_collector::iso8601(ms);
    let tool_calls = json!([
        {"tool_use_id": "toolu_0", "tool_name": "Task", "seq": 0, "status": "success",
         "input": {"command": "ls 0"}, "output": {"stdout": "out 0"}, "error": null,
         "duration_ms": 5, "parent_tool_use_id": null,
         "started_at": iso(T0 + 1), "ended_at": iso(T0 + 6), "updated_input": null,
         "denied_by": null, "mcp_server": null, "position": null},
        {"tool_use_id": "toolu_1", "tool_name": "Bash", "seq": 1, "status": "error",
         "input": {"command": "ls 1"}, "output": null, "error": "boom",
         "duration_ms": 6, "parent_tool_use_id": "toolu_0",
         "started_at": iso(T0 + 11), "ended_at": iso(T0 + 16), "updated_input": null,
         "denied_by": null, "mcp_server": null, "position": null},
        {"tool_use_id": "toolu_2", "tool_name": "Bash", "seq": 2, "status": "success",
         "input": {"command": "ls 2"}, "output": {"stdout": "out 2"}, "error": null,
         "duration_ms": 7, "parent_tool_use_id": null,
         "started_at": iso(T0 + 21), "ended_at": iso(T0 + 26), "updated_input": null,
         "denied_by": null, "mcp_server": null, "position": null}
    ]);
    let mut session = json!({
        "id": id,
        "claude_session_id": "claude-abc",
        "agent": "support-bot",
        "user_id": "user-1",
        "convo_id": "convo-1",
        "status": "completed",
        "failure_reason": null,
        "started_at": "2023-11-14T22:13:20.000Z",
        "ended_at": "2023-11-14T22:13:20.040Z",
        "duration_ms": 40,
        "api_duration_ms": 30,
        "num_turns": 4,
        "model": "claude-sonnet-4-5",
        "input": "fix the build",
        "inputs": [],
        "output": "final answer",
        "metadata": {"cwd": "/repo", "tools": ["Bash"]},
        "prompt_tokens": 200,
        "completion_tokens": 201,
        "total_tokens": 431,
        "cache_read_tokens": 20,
        "cache_creation_tokens": 10,
        "cost_usd": 0.2,
        "cost_estimated": true,
        "model_usage": {"claude-sonnet-4-5": {"input_tokens": 200, "output_tokens": 201,
            "cache_read_tokens": 20, "cache_creation_tokens": 10, "cost_usd": 0.2}},
        "results": 2,
        "tool_call_count": 3,
        "issue_kinds": [],
        "received_at": "<checked apart>",
        "tool_calls": tool_calls,
        "model_calls": [],
        "usage_reconciliation": null,
        "turns": turns,
        "markers": [],
        "marker_counts": {},
        "scores": [],
        "lineage": {"previous": null, "continued_by": []},
        "issues": [],
    });
    // What protocol v1's later fields add; none of them is sent here.
    let later = json!({
        "end_reason": null, "api_error_status": null, "resumed_from": null,
        "forked_from": null, "entry_point": null, "mcp_servers": [], "carried": null,
    });
    session
        .as_object_mut()
        .unwrap()
        .extend(later.as_object().unwrap().clone());
    session
}

/// The session as read, with `received_at` checked for shape and then blanked.
async fn read_session(srv: &TestServer, key: &str, id: &str) -> Value {
    let (status, mut s) = srv.get(key, &format!("/api/sessions/{id}")).await;
    assert_eq!(status, 200, "{s}");
    let received = s["received_at"].as_str().unwrap();
    assert!(
        received.len() == 24 && received.ends_with('Z'),
        "{received}"
    );
    s["received_at"] = json!("<checked apart>");
    s
}

#[tokio::test]
async fn a_full_session_reads_back_with_every_field() {
    let srv = TestServer::start(&[]).await;
    let (status, body) = srv.post(KEY, &full_session("s-full", T0)).await;
    assert_eq!(
        (status, body),
        (200, json!({"accepted": 7, "duplicates": 0}))
    );
    assert_eq!(
        read_session(&srv, KEY, "s-full").await,
        expected_full_session("s-full")
    );

    // The list item is the same scalars without inputs and tool calls.
    let (_, list) = srv.get(KEY, "/api/sessions").await;
    let mut expected = expected_full_session("s-full");
    for detail_only in [
        "tool_calls",
        "inputs",
        "model_calls",
        "turns",
        "usage_reconciliation",
        "markers",
        "marker_counts",
        "scores",
        "lineage",
        "issues",
    ] {
        expected.as_object_mut().unwrap().remove(detail_only);
    }
    // A list item's input and output are previews, with the whole texts' lengths.
    expected["input_length"] = json!("fix the build".len());
    expected["output_length"] = json!("final answer".len());
    let mut item = list["sessions"][0].clone();
    item["received_at"] = json!("<checked apart>");
    assert_eq!(item, expected);
    assert_eq!(list["next_cursor"], Value::Null);

    // Unknown ids are 404.
    let (status, err) = srv.get(KEY, "/api/sessions/nope").await;
    assert_eq!((status, err), (404, json!({"error": "session not found"})));
}

#[tokio::test]
async fn streamed_inputs_are_joined_in_turn_order() {
    let srv = TestServer::start(&[]).await;
    let mut st = start("s-in", T0, "a", "u", None);
    let input = |turn: u32, text: &str| {
        event(
            "s-in",
            &format!("in{turn}"),
            T0 + 1,
            Payload::SessionInput(SessionInput {
                turn,
                text: text.into(),
                ..Default::default()
            }),
        )
    };
    st.ts = T0;
    srv.post(KEY, &[input(1, "and then this"), st, input(0, "do this")])
        .await;
    let s = read_session(&srv, KEY, "s-in").await;
    assert_eq!(s["input"], "do this\n\nand then this");
    let at = sentrial_collector::iso8601(T0 + 1);
    assert_eq!(
        s["inputs"],
        json!([{"turn": 0, "text": "do this", "position": null, "at": at},
               {"turn": 1, "text": "and then this", "position": null, "at": at}])
    );
}

#[tokio::test]
async fn a_batch_posted_twice_is_stored_once() {
    let srv = TestServer::start(&[]).await;
    let events = full_session("s-dup", T0);
    let (_, first) = srv.post(KEY, &events).await;
    let (status, second) = srv.post(KEY, &events).await;
    assert_eq!(first, json!({"accepted": 7, "duplicates": 0}));
    assert_eq!(
        (status, second),
        (200, json!({"accepted": 0, "duplicates": 7}))
    );
    // Overlapping retry: the old events are duplicates, the new one is applied.
    let mut more = events[5..].to_vec();
    more.push(event(
        "s-dup",
        "extra",
        T0 + 50,
        Payload::ToolCall(ToolCall {
            tool_use_id: "toolu_late".into(),
            tool_name: "Read".into(),
            seq: 3,
            ..Default::default()
        }),
    ));
    let (_, third) = srv.post(KEY, &more).await;
    assert_eq!(third, json!({"accepted": 1, "duplicates": 2}));
    let (_, evs) = srv.get(KEY, "/api/sessions/s-dup/events").await;
    assert_eq!(evs.as_array().unwrap().len(), 8);
    let s = read_session(&srv, KEY, "s-dup").await;
    assert_eq!(s["tool_call_count"], 4);
}

#[tokio::test]
async fn out_of_order_batches_give_the_in_order_session() {
    let srv = TestServer::start(&[]).await;
    srv.post(KEY, &full_session("s-in-order", T0)).await;

    let ev = full_session("s-shuffled", T0);
    let (start, t0, t1, r0, t2, r1, end) = (&ev[0], &ev[1], &ev[2], &ev[3], &ev[4], &ev[5], &ev[6]);
    // End first, tool calls before the start, both results after the end.
    for batch in [
        vec![end.clone(), t2.clone()],
        vec![t0.clone()],
        vec![start.clone()],
    ] {
        assert_eq!(srv.post(KEY, &batch).await.0, 200);
    }
    // Mid-way the session exists with the end's figures.
    let mid = read_session(&srv, KEY, "s-shuffled").await;
    assert_eq!(
        (&mid["status"], &mid["output"]),
        (&json!("completed"), &json!("final answer"))
    );
    for batch in [vec![r1.clone(), t1.clone()], vec![r0.clone()]] {
        assert_eq!(srv.post(KEY, &batch).await.0, 200);
    }
    let shuffled = read_session(&srv, KEY, "s-shuffled").await;
    assert_eq!(shuffled, expected_full_session("s-shuffled"));

    // The ingest order is kept per event and shows what arrived first.
    let (status, events) = srv.get(KEY, "/api/sessions/s-shuffled/events").await;
    assert_eq!(status, 200);
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "session_end",
            "tool_call",
            "tool_call",
            "session_start",
            "session_result",
            "tool_call",
            "session_result"
        ]
    );
    let seqs: Vec<i64> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ingest_seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(events[0]["id"], "s-shuffled-end");
    assert_eq!(events[0]["ts"], "2023-11-14T22:13:20.040Z");

    // A placeholder made by an early event is a running session with no start fields.
    srv.post(
        KEY,
        &[t0.clone()].map(|mut e| {
            e.session_id = "s-orphan".into();
            e.id = "orphan-t0".into();
            e
        }),
    )
    .await;
    let orphan = read_session(&srv, KEY, "s-orphan").await;
    assert_eq!(
        (&orphan["status"], &orphan["agent"], &orphan["started_at"]),
        (&json!("running"), &Value::Null, &Value::Null)
    );
}

#[tokio::test]
async fn pages_follow_the_cursor_with_filters() {
    let srv = TestServer::start(&[]).await;
    let mut events = Vec::new();
    // Seven sessions of user u1 (two with the same start time), newest is s6.
    for i in 0..7 {
        let ts = T0 + if i == 3 { 2 * 1000 } else { i * 1000 };
        events.push(start(&format!("s{i}"), ts, "agent-a", "u1", Some("c1")));
    }
    events.push(end("s5", T0 + 9_000, SessionStatus::Failed));
    // Noise: another user, another agent.
    events.push(start("n1", T0 + 500, "agent-a", "u2", None));
    events.push(start("n2", T0 + 600, "agent-b", "u1", None));
    srv.post(KEY, &events).await;

    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/api/sessions?user_id=u1&agent=agent-a&limit=3".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = srv.get(KEY, &path).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        let items = page["sessions"].as_array().unwrap();
        assert!(items.len() <= 3);
        ids.extend(items.iter().map(|s| s["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // started_at desc, then id desc for the tie between s2 and s3.
    assert_eq!(ids, ["s6", "s5", "s4", "s3", "s2", "s1", "s0"]);

    let (_, failed) = srv
        .get(KEY, "/api/sessions?status=failed&convo_id=c1")
        .await;
    let failed: Vec<&str> = failed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["s5"]);
    let (_, other) = srv.get(KEY, "/api/sessions?agent=agent-b").await;
    assert_eq!(other["sessions"][0]["id"], "n2");
    assert_eq!(other["sessions"].as_array().unwrap().len(), 1);

    for (query, start) in [
        ("limit=0", "invalid limit `0`"),
        ("limit=501", "invalid limit `501`"),
        ("status=done", "invalid status `done`"),
        ("cursor=bogus", "invalid cursor"),
    ] {
        let (status, err) = srv.get(KEY, &format!("/api/sessions?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(
            err["error"].as_str().unwrap().starts_with(start),
            "{query}: {err}"
        );
    }
    // A filter value is data, never SQL.
    let (status, none) = srv
        .get(KEY, "/api/sessions?user_id=u1'%20OR%20'1'='1")
        .await;
    assert_eq!(
        (status, none["sessions"].as_array().unwrap().len()),
        (200, 0)
    );
}

#[tokio::test]
async fn a_key_sees_only_its_own_project() {
    let srv = TestServer::start(&[("key-p2", "p2")]).await;
    srv.post("key-p2", &full_session("secret", T0)).await;
    srv.post(KEY, &[start("mine", T0, "a", "u", None)]).await;

    let (_, list) = srv.get(KEY, "/api/sessions").await;
    let ids: Vec<&str> = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mine"]);
    assert_eq!(srv.get(KEY, "/api/sessions/secret").await.0, 404);
    assert_eq!(srv.get(KEY, "/api/sessions/secret/events").await.0, 404);
    assert_eq!(srv.get("key-p2", "/api/sessions/mine").await.0, 404);
    assert_eq!(
        read_session(&srv, "key-p2", "secret").await,
        expected_full_session("secret")
    );

    // The same event ids in another project are not duplicates there.
    let (_, body) = srv.post(KEY, &full_session("secret", T0)).await;
    assert_eq!(body, json!({"accepted": 7, "duplicates": 0}));
}

#[tokio::test]
async fn a_fresh_database_gets_one_key_stored_only_as_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let mut srv = TestServer::start_on(db.clone(), vec![], &[]).await;
    let KeyInfo::Created(key) = srv.key_info.clone() else {
        panic!("expected a created key, got {:?}", srv.key_info);
    };
    let (status, _) = srv.post(&key, &full_session("s", T0)).await;
    assert_eq!(status, 200);
    srv.stop().await;

    let mut bytes = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("fresh.db-wal")) {
        bytes.extend(wal);
    }
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains("support-bot"),
        "the data is in the file we searched"
    );
    assert!(contains(&hash_key(&key)));
    assert!(!contains(&key), "plaintext key found in the database");

    // A restart keeps the key and mints no other; a key given in the config is not stored.
    let mut again = TestServer::start_on(db.clone(), vec![], &[]).await;
    assert_eq!(again.key_info, KeyInfo::Stored(1));
    assert_eq!(again.post(&key, &full_session("s2", T0)).await.0, 200);
    let (status, body) = again.get(&key, "/api/sessions/s").await;
    assert_eq!(status, 403, "the minted key only sends: {body}");
    again.stop().await;
    let mut given = TestServer::start_on(db.clone(), vec![KEY.into()], &[]).await;
    assert_eq!(given.key_info, KeyInfo::Given(1));
    given.stop().await;
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_by_name_and_known_ones_work() {
    let srv = TestServer::start(&[]).await;
    srv.post(KEY, &full_session("s-q", T0)).await;
    let (status, err) = srv
        .get(KEY, "/api/sessions?claude_session=claude-abc")
        .await;
    assert_eq!(
        (status, err),
        (
            400,
            json!({"error": "unknown parameter `claude_session`; known: agent, user_id, convo_id, \
                             status, end_reason, issue, issue_tool, issue_from, issue_to, claude_session_id, score, score_min, score_max, q, \
                             model, tool, mcp_server, metadata_key, metadata_value, from, to, limit, cursor"})
        )
    );
    for path in [
        "/api/sessions/s-q?verbose=1",
        "/api/sessions/s-q/events?verbose=1",
        "/api/sessions/s-q/transcript?verbose=1",
        "/api/conversations/convo-1?verbose=1",
    ] {
        let (status, err) = srv.get(KEY, path).await;
        assert_eq!(
            (status, err),
            (
                400,
                json!({"error": "unknown parameter `verbose`: this endpoint takes none"})
            ),
            "{path}"
        );
    }
    let (status, err) = srv.get(KEY, "/api/overview?bucket=day&form=1").await;
    assert_eq!(
        (status, err),
        (
            400,
            json!({"error": "unknown parameter `form`; known: from, to, bucket"})
        )
    );
    // Without a key the answer is 401 whatever the query says.
    let resp = srv
        .client
        .get(format!("{}/api/sessions?nope=1", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    let ids = |body: &Value| -> Vec<String> {
        body["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    for (query, want) in [
        ("claude_session_id=claude-abc", vec!["s-q"]),
        ("claude_session_id=claude-other", vec![]),
        ("end_reason=api_error", vec![]),
        ("end_reason=&agent=support-bot", vec!["s-q"]),
    ] {
        let (status, body) = srv.get(KEY, &format!("/api/sessions?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(ids(&body), want, "{query}");
    }
    let (status, err) = srv.get(KEY, "/api/sessions?end_reason=Max%20Turns").await;
    assert_eq!(status, 400);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid end_reason `Max Turns`"),
        "{err}"
    );
    for path in [
        "/api/overview?bucket=day&from=0&to=1000000",
        "/api/sessions/s-q",
        "/api/sessions/s-q/events",
        "/api/sessions/s-q/transcript",
        "/api/conversations/convo-1",
    ] {
        assert_eq!(srv.get(KEY, path).await.0, 200, "{path}");
    }
}

/// The two query strings that once answered 500 (issue 15, finding 8), and their kin: a time
/// out of range (whose arithmetic overflowed) and a NUL in the text search (which SQLite's
/// full-text query could not take) are 400s naming the parameter. An exact-match filter still
/// takes a NUL (a stored value may hold one).
#[tokio::test]
async fn out_of_range_times_and_nul_characters_get_400_naming_the_parameter() {
    let srv = TestServer::start(&[]).await;
    srv.post(KEY, &full_session("s-nul", T0)).await;
    for (path, name) in [
        ("/api/overview?from=-9223372036854775808", "from"),
        ("/api/overview?to=-9223372036854775808", "to"),
        ("/api/overview?to=9223372036854775807", "to"),
        (
            "/api/overview?from=-9223372036854775808&to=0&bucket=day",
            "from",
        ),
        ("/api/sessions?from=-9223372036854775808", "from"),
        ("/api/sessions?to=9223372036854775807", "to"),
        ("/api/sessions?q=%00abc", "q"),
        ("/api/sessions?q=ab%00", "q"),
        ("/api/sessions?q=%00", "q"),
        ("/api/overview?bucket=day%00", "bucket"),
    ] {
        let (status, err) = srv.get(KEY, path).await;
        assert_eq!(status, 400, "{path}: {err}");
        let message = err["error"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("invalid {name}")),
            "{path}: {message}"
        );
    }
    // The edges of the range still work.
    for path in [
        "/api/sessions?from=0000-01-01&to=9999-12-31T23:59:59.999Z",
        "/api/overview?from=9999-12-01&to=9999-12-31T23:59:59.999Z&bucket=day",
        "/api/sessions?q=abc",
        "/api/sessions?agent=support%00bot",
        "/api/sessions?user_id=%00",
    ] {
        let (status, body) = srv.get(KEY, path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
}

/// A transcript's items as `kind:id`, a call's items in brackets after it.
fn outline(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let kind = item["kind"].as_str().unwrap();
            let id = match kind {
                "user" => item["turn"].to_string(),
                "model_call" => item["message_id"].as_str().unwrap().to_string(),
                "tool_call" => item["tool_use_id"].as_str().unwrap().to_string(),
                "marker" => item["marker"].as_str().unwrap().to_string(),
                _ => item["index"].to_string(),
            };
            match item["items"].as_array() {
                Some(under) if !under.is_empty() => {
                    format!("{kind}:{id}{:?}", outline(&item["items"]))
                }
                _ => format!("{kind}:{id}"),
            }
        })
        .collect()
}

#[tokio::test]
async fn the_transcript_reads_the_run_in_order_with_sub_agents_nested() {
    let srv = TestServer::start(&[("key-p2", "p2")]).await;
    let mut events = transcript_session("s-tr", T0);
    assert_eq!(srv.post(KEY, &events).await.0, 200);
    let (status, t) = srv.get(KEY, "/api/sessions/s-tr/transcript").await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["session_id"], "s-tr");
    assert_eq!(
        outline(&t["items"]),
        [
            "user:0",
            "model_call:m1",
            "tool_call:task-1[\"model_call:sm1\", \"tool_call:sub-bash\", \"marker:api_retry\", \
             \"model_call:sm2\"]",
            "marker:compact",
            "model_call:m2",
            "tool_call:mcp-1",
            "tool_call:denied-1",
            "model_call:m3",
            "result:0",
        ]
    );
    let items = &t["items"];
    assert_eq!(
        items[0],
        json!({"kind": "user", "text": "Look around and add 2 and 3", "turn": 0,
               "position": null, "at": "2023-11-14T22:13:20.000Z"})
    );
    assert_eq!(
        items[1]["content"],
        json!([{"type": "thinking", "thinking": "A sub-agent should look first."},
               {"type": "text", "text": "I'll ask a sub-agent."},
               {"type": "tool_use", "id": "task-1", "name": "Task"}])
    );
    let task = &items[2];
    assert_eq!(task["subagent"]["agent_type"], "general-purpose");
    assert_eq!(task["items"][2]["data"]["error_status"], 529);
    assert_eq!(task["items"][2]["parent_tool_use_id"], "task-1");
    assert_eq!(items[3]["data"]["post_tokens"], 30_000);
    assert_eq!(items[4]["content"][0], json!({"type": "redacted_thinking"}));
    assert_eq!(
        (&items[5]["mcp_server"], &items[5]["updated_input"]["round"]),
        (&json!("calc"), &json!(true))
    );
    assert_eq!(
        (
            &items[6]["status"],
            &items[6]["error"],
            &items[6]["denied_by"]
        ),
        (
            &json!("denied"),
            &json!("Blocked by policy: no rm"),
            &json!("hook")
        )
    );
    assert_eq!(
        (
            &items[8]["subtype"],
            &items[8]["cost_usd"],
            &items[8]["terminal_reason"],
            &items[8]["position"]
        ),
        (
            &json!("success"),
            &json!(0.02),
            &json!("completed"),
            &json!(11)
        )
    );

    // The same run, arriving in reverse, one event a batch, reads the same.
    events.reverse();
    for e in &mut events {
        e.session_id = "s-tr2".into();
        e.id = format!("2-{}", e.id);
        assert_eq!(srv.post(KEY, std::slice::from_ref(e)).await.0, 200);
    }
    let (_, mut again) = srv.get(KEY, "/api/sessions/s-tr2/transcript").await;
    again["session_id"] = json!("s-tr");
    assert_eq!(again, t);

    // The detail carries the markers, their counts and the new call fields.
    let (_, d) = srv.get(KEY, "/api/sessions/s-tr").await;
    assert_eq!(d["marker_counts"], json!({"api_retry": 1, "compact": 1}));
    assert_eq!(d["markers"][0]["kind"], "api_retry");
    assert_eq!(d["entry_point"], "query");
    assert_eq!(
        d["mcp_servers"],
        json!([{"name": "calc", "status": "connected"}])
    );
    assert_eq!(d["lineage"], json!({"previous": null, "continued_by": []}));

    // Same auth and 404 as the detail.
    assert_eq!(
        srv.get(KEY, "/api/sessions/nope/transcript").await,
        (404, json!({"error": "session not found"}))
    );
    assert_eq!(
        srv.get("key-p2", "/api/sessions/s-tr/transcript").await.0,
        404
    );
    assert_eq!(
        srv.get("wrong", "/api/sessions/s-tr/transcript").await.0,
        401
    );
}

#[tokio::test]
async fn an_old_sdk_session_without_positions_reads_by_time() {
    let srv = TestServer::start(&[]).await;
    srv.post(KEY, &full_session("s-old", T0)).await;
    let (status, t) = srv.get(KEY, "/api/sessions/s-old/transcript").await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        outline(&t["items"]),
        [
            "user:0",
            "tool_call:toolu_0[\"tool_call:toolu_1\"]",
            "result:0",
            "tool_call:toolu_2",
            "result:1",
        ]
    );
    assert_eq!(t["items"][2]["cost_usd"], 0.1);
    // A session with no prompt and no steps yet has an empty transcript.
    srv.post(KEY, &[end("s-bare", T0, SessionStatus::Failed)])
        .await;
    let (status, t) = srv.get(KEY, "/api/sessions/s-bare/transcript").await;
    assert_eq!(
        (status, t),
        (200, json!({"session_id": "s-bare", "items": []}))
    );
}
