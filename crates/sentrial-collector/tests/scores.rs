//! Scores: stored by the id they name, kept before their session arrives, attached to it (and,
//! by Claude session id, to every run carrying it) when it does; the API's scores endpoints and
//! the list's score filter. On every store (`common::stores`) and over real HTTP.

mod common;

use common::stores::*;
use common::*;
use sentrial_collector::hash_key;
use sentrial_collector::store::{ScoreFilter, Store};
use sentrial_collector::Scopes;
use sentrial_protocol::*;
use serde_json::{json, Value};

const T0: i64 = 1_700_000_000_000;

fn score(target: &str, id: &str, of: ScoreOf, name: &str, value: ScoreValue) -> Event {
    event(
        target,
        id,
        T0 + 50,
        Payload::Score(Score {
            name: name.into(),
            value,
            comment: Some(format!("{id} says")),
            source: SCORE_SOURCE_SDK.into(),
            at: T0 + 50,
            of,
        }),
    )
}

fn start_of_claude(session: &str, claude: &str, ts: i64) -> Event {
    let mut ev = start(session, ts, "agent", "u", None);
    if let Payload::SessionStart(s) = &mut ev.payload {
        s.claude_session_id = Some(claude.into());
    }
    ev
}

/// `(id, name, value)` of a session's scores.
async fn scores_of(store: &dyn Store, id: &str) -> Option<Vec<(String, String, Value)>> {
    let scores = store.session_scores("p".into(), id.into()).await.unwrap()?;
    Some(
        scores
            .into_iter()
            .map(|s| (s.id, s.name, serde_json::to_value(s.value).unwrap()))
            .collect(),
    )
}

fn filtered(
    name: Option<&str>,
    min: Option<f64>,
    max: Option<f64>,
) -> sentrial_collector::store::ListQuery {
    let mut query = q();
    query.score = Some(ScoreFilter {
        name: name.map(String::from),
        min,
        max,
    });
    query
}

#[tokio::test]
async fn a_score_before_its_session_is_kept_and_attached_when_it_arrives() {
    for (kind, store, _dir) in stores().await {
        let store = store.as_ref();
        let early = [
            score(
                "s1",
                "sc1",
                ScoreOf::Session,
                "helpful",
                ScoreValue::Bool(true),
            ),
            score(
                "claude-a",
                "sc2",
                ScoreOf::ClaudeSession,
                "accuracy",
                ScoreValue::Number(0.25),
            ),
            score(
                "s2",
                "sc3",
                ScoreOf::Session,
                "tone",
                ScoreValue::Label("curt".into()),
            ),
        ];
        let r = put(store, "p", &early).await;
        assert_eq!((r.accepted, r.duplicates), (3, 0), "{kind}");
        // No session is made up for a score: none is listed, none has scores yet.
        assert_eq!(page(store, q()).await, Vec::<String>::new(), "{kind}");
        assert_eq!(scores_of(store, "s1").await, None, "{kind}");

        // The sessions arrive: s1 by its id, s1 and s3 carry Claude session `claude-a`.
        put(
            store,
            "p",
            &[
                start_of_claude("s1", "claude-a", T0),
                start("s2", T0 + 1, "agent", "u", None),
                start_of_claude("s3", "claude-a", T0 + 2),
            ],
        )
        .await;
        let s1 = scores_of(store, "s1").await.unwrap();
        assert_eq!(
            s1,
            vec![
                ("sc1".into(), "helpful".into(), json!(true)),
                ("sc2".into(), "accuracy".into(), json!(0.25)),
            ],
            "{kind}"
        );
        assert_eq!(
            scores_of(store, "s3").await.unwrap(),
            vec![("sc2".into(), "accuracy".into(), json!(0.25))],
            "{kind}"
        );
        assert_eq!(
            scores_of(store, "s2").await.unwrap(),
            vec![("sc3".into(), "tone".into(), json!("curt"))],
            "{kind}"
        );
        // The detail holds them, with source, comment and what they named.
        let d = detail(store, "p", "s1").await;
        assert_eq!(d["scores"][0]["source"], "sdk", "{kind}");
        assert_eq!(d["scores"][0]["comment"], "sc1 says", "{kind}");
        assert_eq!(d["scores"][1]["of"], "claude_session", "{kind}");
        // A resend is a duplicate, not a second score.
        let r = put(store, "p", &early[..1]).await;
        assert_eq!((r.accepted, r.duplicates), (0, 1), "{kind}");
        assert_eq!(scores_of(store, "s1").await.unwrap().len(), 2, "{kind}");
        // Another project sees none of them.
        let other = store.session_scores("q".into(), "s1".into()).await.unwrap();
        assert_eq!(other, None, "{kind}");
    }
}

#[tokio::test]
async fn the_list_filters_by_score_name_and_range() {
    for (kind, store, _dir) in stores().await {
        let store = store.as_ref();
        put(
            store,
            "p",
            &[
                start("s1", T0, "agent", "u", None),
                start("s2", T0 + 1, "agent", "u", None),
                start_of_claude("s3", "claude-b", T0 + 2),
                start("s4", T0 + 3, "agent", "u", None),
                score(
                    "s1",
                    "a",
                    ScoreOf::Session,
                    "helpful",
                    ScoreValue::Bool(true),
                ),
                score(
                    "s2",
                    "b",
                    ScoreOf::Session,
                    "helpful",
                    ScoreValue::Bool(false),
                ),
                score(
                    "claude-b",
                    "c",
                    ScoreOf::ClaudeSession,
                    "accuracy",
                    ScoreValue::Number(7.5),
                ),
                score(
                    "s4",
                    "d",
                    ScoreOf::Session,
                    "accuracy",
                    ScoreValue::Label("high".into()),
                ),
            ],
        )
        .await;
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            page(store, filtered(Some("helpful"), None, None)).await,
            ids(&["s2", "s1"]),
            "{kind}"
        );
        assert_eq!(
            page(store, filtered(Some("helpful"), Some(1.0), None)).await,
            ids(&["s1"]),
            "{kind}"
        );
        // A label has no number: it is in no range, though it has the name.
        assert_eq!(
            page(store, filtered(Some("accuracy"), None, None)).await,
            ids(&["s4", "s3"]),
            "{kind}"
        );
        assert_eq!(
            page(store, filtered(Some("accuracy"), Some(5.0), Some(10.0))).await,
            ids(&["s3"]),
            "{kind}"
        );
        assert_eq!(
            page(store, filtered(None, None, Some(0.5))).await,
            ids(&["s2"]),
            "{kind}"
        );
        assert_eq!(
            page(store, filtered(Some("nope"), None, None)).await,
            Vec::<String>::new(),
            "{kind}"
        );
    }
}

/// POSTs `body` to `path` with `key`.
async fn post_json(srv: &TestServer, key: &str, path: &str, body: &str) -> (u16, Value) {
    srv.send_json("POST", key, path, body).await
}

#[tokio::test]
async fn scores_round_trip_through_the_api_and_bad_ones_are_400s() {
    let srv = TestServer::start(&[]).await;
    let (status, _) = srv.post(KEY, &[start("s1", T0, "agent", "u", None)]).await;
    assert_eq!(status, 200);
    let (status, made) = post_json(
        &srv,
        KEY,
        "/api/sessions/s1/scores",
        r#"{"name":"helpful","value":4.5,"comment":"good run"}"#,
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        (
            &made["name"],
            &made["value"],
            &made["source"],
            &made["comment"]
        ),
        (
            &json!("helpful"),
            &json!(4.5),
            &json!("api"),
            &json!("good run")
        )
    );
    let (status, got) = srv.get(KEY, "/api/sessions/s1/scores").await;
    assert_eq!(status, 200);
    assert_eq!(got["scores"], json!([made.clone()]));
    let (_, d) = srv.get(KEY, "/api/sessions/s1").await;
    assert_eq!(d["scores"], json!([made]));
    let (_, list) = srv
        .get(KEY, "/api/sessions?score=helpful&score_min=4")
        .await;
    assert_eq!(list["sessions"][0]["id"], "s1", "{list}");
    let (_, list) = srv
        .get(KEY, "/api/sessions?score=helpful&score_min=5")
        .await;
    assert_eq!(list["sessions"], json!([]), "{list}");

    // Bad input: a clear 400 and nothing stored.
    for (body, says) in [
        (r#"{"name":"","value":1}"#, "`name`"),
        (r#"{"name":"x","value":{"a":1}}"#, "invalid score"),
        (
            r#"{"name":"x","value":1,"extra":1}"#,
            "unknown field `extra`",
        ),
        (r#"{"name":"x","value":""}"#, "label"),
        ("not json", "invalid score"),
    ] {
        let (status, err) = post_json(&srv, KEY, "/api/sessions/s1/scores", body).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(
            err["error"].as_str().unwrap().contains(says),
            "{body}: {err}"
        );
    }
    let (_, got) = srv.get(KEY, "/api/sessions/s1/scores").await;
    assert_eq!(got["scores"].as_array().unwrap().len(), 1);
    let (status, err) = srv.get(KEY, "/api/sessions?score_min=lots").await;
    assert_eq!(status, 400);
    assert!(
        err["error"].as_str().unwrap().contains("score_min"),
        "{err}"
    );

    // An unknown session is a 404 on both.
    let (status, _) = post_json(
        &srv,
        KEY,
        "/api/sessions/nope/scores",
        r#"{"name":"x","value":1}"#,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = srv.get(KEY, "/api/sessions/nope/scores").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn writing_a_score_takes_ingest_and_reading_takes_read() {
    let srv = TestServer::start(&[]).await;
    srv.post(KEY, &[start("s1", T0, "agent", "u", None)]).await;
    let reader = "sk-read-only-0123456789abcdef";
    let sender = "sk-ingest-only-0123456789abcdef";
    for (key, scope) in [(reader, "read"), (sender, "ingest")] {
        let scopes = Scopes::parse(&[scope]).unwrap();
        srv.store
            .add_key(hash_key(key), "default".into(), scopes)
            .await
            .unwrap();
    }
    let body = r#"{"name":"x","value":true}"#;
    let (status, err) = post_json(&srv, reader, "/api/sessions/s1/scores", body).await;
    assert_eq!(status, 403, "{err}");
    let (status, _) = post_json(&srv, sender, "/api/sessions/s1/scores", body).await;
    assert_eq!(status, 201);
    let (status, _) = srv.get(sender, "/api/sessions/s1/scores").await;
    assert_eq!(status, 403);
    let (status, got) = srv.get(reader, "/api/sessions/s1/scores").await;
    assert_eq!(
        (status, got["scores"][0]["value"].clone()),
        (200, json!(true))
    );
}

#[tokio::test]
async fn a_batch_of_version_3_carries_scores_and_a_bad_score_is_a_400() {
    let srv = TestServer::start(&[]).await;
    let batch = |events: &[Event]| {
        serde_json::to_vec(&json!({"protocol": SCORE_PROTOCOL_VERSION, "events": events})).unwrap()
    };
    let by_claude = score(
        "claude-z",
        "e1",
        ScoreOf::ClaudeSession,
        "helpful",
        ScoreValue::Bool(false),
    );
    let (status, r) = srv.post_raw(Some(KEY), batch(&[by_claude]), false).await;
    assert_eq!((status, r), (200, json!({"accepted": 1, "duplicates": 0})));
    srv.post(KEY, &[start_of_claude("s9", "claude-z", T0)])
        .await;
    let (_, got) = srv.get(KEY, "/api/sessions/s9/scores").await;
    assert_eq!(got["scores"][0]["value"], json!(false), "{got}");

    let mut bad = score(
        "s9",
        "e2",
        ScoreOf::Session,
        "helpful",
        ScoreValue::Number(1.0),
    );
    if let Payload::Score(s) = &mut bad.payload {
        s.source = "someone".into();
    }
    let (status, err) = srv.post_raw(Some(KEY), batch(&[bad]), false).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid batch: events[0].data: `source`"),
        "{err}"
    );
}

/// A dashboard cookie for `srv` (signed in with [`KEY`]).
async fn dashboard_cookie(srv: &TestServer) -> String {
    let resp = http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("key={KEY}"))
        .send()
        .await
        .unwrap();
    let set = resp.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn the_dashboard_adds_a_reviewers_score_from_its_own_origin_only() {
    let srv = TestServer::start(&[]).await;
    assert_eq!(
        srv.post(KEY, &[start("s", T0, "a", "u", None)]).await.0,
        200
    );
    let cookie = dashboard_cookie(&srv).await;
    let post = |headers: Vec<(&'static str, String)>, body: &'static str| {
        let mut req = srv
            .client
            .post(format!("{}/api/sessions/s/scores", srv.url))
            .body(body);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text)),
            )
        }
    };
    let body = r#"{"name": "review", "value": "good", "comment": "clear answer"}"#;
    let json = ("content-type", "application/json".to_string());
    let ours = ("sec-fetch-site", "same-origin".to_string());
    let with = |cookie: &str| ("cookie", cookie.to_string());

    let (status, score) = post(vec![with(&cookie), json.clone(), ours.clone()], body).await;
    assert_eq!(status, 201, "{score}");
    assert_eq!(score["source"], "dashboard");
    assert_eq!(score["value"], "good");

    // Another site, another local app, a form, no cookie: refused, nothing stored.
    let refused = [
        (
            vec![
                with(&cookie),
                json.clone(),
                ("sec-fetch-site", "cross-site".into()),
            ],
            403,
        ),
        (
            vec![
                with(&cookie),
                json.clone(),
                ("sec-fetch-site", "same-site".into()),
            ],
            403,
        ),
        (
            vec![
                with(&cookie),
                json.clone(),
                ("origin", "http://evil.example".into()),
            ],
            403,
        ),
        (
            vec![
                with(&cookie),
                ours.clone(),
                ("content-type", "application/x-www-form-urlencoded".into()),
            ],
            415,
        ),
        (vec![json.clone(), ours.clone()], 401),
        (
            vec![with("sentrial_session=forged"), json.clone(), ours.clone()],
            401,
        ),
    ];
    for (headers, want) in refused {
        let (status, err) = post(headers, body).await;
        assert_eq!(status, want, "{err}");
        assert!(err["error"].is_string(), "{err}");
    }
    let (status, err) = post(
        vec![with(&cookie), json.clone(), ours.clone()],
        r#"{"name": ""}"#,
    )
    .await;
    assert_eq!(status, 400, "{err}");

    let (_, scores) = srv.get(KEY, "/api/sessions/s/scores").await;
    let sources: Vec<&str> = scores["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["dashboard"]);
}

#[tokio::test]
async fn the_overview_averages_each_score_per_agent_over_time() {
    use sentrial_collector::store::OverviewQuery;
    const HOUR: i64 = 3_600_000;
    for (name, store, _dir) in stores().await {
        let s = store.as_ref();
        let at = |mut e: Event, t: i64| {
            if let Payload::Score(sc) = &mut e.payload {
                sc.at = t;
            }
            e.ts = t;
            e
        };
        let num = |n: f64| ScoreValue::Number(n);
        put(
            s,
            "p",
            &[
                start("a1", T0, "alpha", "u", None),
                start("a2", T0, "alpha", "u", None),
                start_of_claude("b1", "claude-b", T0),
                at(
                    score("a1", "s1", ScoreOf::Session, "quality", num(1.0)),
                    T0 + 10,
                ),
                at(
                    score("a2", "s2", ScoreOf::Session, "quality", num(0.5)),
                    T0 + 20,
                ),
                at(
                    score("a2", "s3", ScoreOf::Session, "quality", num(0.0)),
                    T0 + HOUR + 5,
                ),
                at(
                    score(
                        "a1",
                        "s4",
                        ScoreOf::Session,
                        "verdict",
                        ScoreValue::Label("ok".into()),
                    ),
                    T0 + 30,
                ),
                at(
                    score(
                        "claude-b",
                        "s5",
                        ScoreOf::ClaudeSession,
                        "helpful",
                        ScoreValue::Bool(true),
                    ),
                    T0 + 40,
                ),
                at(
                    score("ghost", "s6", ScoreOf::Session, "quality", num(0.2)),
                    T0 + 50,
                ),
                // In the quarter hour the second bucket's start cuts (read from the scores).
                at(
                    score("ghost", "s7", ScoreOf::Session, "quality", num(0.4)),
                    T0 + HOUR + 10,
                ),
            ],
        )
        .await;
        let q = OverviewQuery {
            from: T0,
            to: T0 + 2 * HOUR,
            bucket_ms: HOUR,
        };
        let first = "2023-11-14T22:13:20.000Z".to_string();
        let second = "2023-11-14T23:13:20.000Z".to_string();
        let averages = || async {
            let o = serde_json::to_value(s.overview("p".into(), q.clone()).await.unwrap()).unwrap();
            o["scores"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["start"].as_str().unwrap().to_string(),
                        a["agent"].clone(),
                        a["name"].as_str().unwrap().to_string(),
                        a["average"].as_f64().unwrap(),
                        a["count"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<(String, Value, String, f64, i64)>>()
        };
        assert_eq!(
            averages().await,
            [
                (first.clone(), json!("agent"), "helpful".into(), 1.0, 1),
                (first.clone(), json!("alpha"), "quality".into(), 0.75, 2),
                (second.clone(), json!("alpha"), "quality".into(), 0.0, 1),
            ],
            "{name}: labels have no average, and a score waits for its session"
        );
        put(s, "p", &[start("ghost", T0 + 3 * HOUR, "beta", "u", None)]).await;
        assert_eq!(
            averages().await,
            [
                (first.clone(), json!("agent"), "helpful".into(), 1.0, 1),
                (first.clone(), json!("alpha"), "quality".into(), 0.75, 2),
                (first, json!("beta"), "quality".into(), 0.2, 1),
                (second.clone(), json!("alpha"), "quality".into(), 0.0, 1),
                (second, json!("beta"), "quality".into(), 0.4, 1),
            ],
            "{name}: the score of a session that arrived counts under its agent"
        );
    }
}
