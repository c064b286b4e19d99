//! The read API: `GET /api/sessions` (filters, time range, text search), `GET /api/sessions/{id}`,
//! `GET /api/sessions/{id}/events`, `GET /api/sessions/{id}/transcript`. Bearer key or dashboard
//! cookie ([`Reader`]); a query parameter an endpoint does not take is a 400 ([`Params`]).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::Json;
use sentrial_protocol::SessionStatus;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::detect::{IssueKind, ISSUE_KINDS};
use crate::error::AppError;
use crate::metric_params::{metric_filters, METRIC_PARAMS};
use crate::params::{bad_query, check_names, field_names, NoParams, Params};
use crate::scores_api;
use crate::store::{Cursor, EventRef, ListQuery, SessionDetail, SessionRecord, Store, Transcript};
use crate::time::{iso8601, parse_time, EARLIEST_MS, LATEST_MS};

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;

/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// Query string of `GET /api/sessions`. Strings, so a bad value gets our message, not serde's;
/// the fields' order is the order an unknown parameter's message lists them in.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    agent: Option<String>,
    user_id: Option<String>,
    convo_id: Option<String>,
    status: Option<String>,
    end_reason: Option<String>,
    issue: Option<String>,
    issue_tool: Option<String>,
    issue_from: Option<String>,
    issue_to: Option<String>,
    claude_session_id: Option<String>,
    name: Option<String>,
    parent: Option<String>,
    score: Option<String>,
    score_min: Option<String>,
    score_max: Option<String>,
    q: Option<String>,
    model: Option<String>,
    tool: Option<String>,
    mcp_server: Option<String>,
    metadata_key: Option<String>,
    metadata_value: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Body of `GET /api/sessions`.
#[derive(Debug, Serialize)]
pub struct SessionList {
    sessions: Vec<SessionRecord>,
    next_cursor: Option<String>,
}

/// Lists the project's sessions, newest first.
pub async fn list_sessions(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    uri: Uri,
) -> Result<Json<SessionList>, AppError> {
    let mut known = field_names::<ListParams>().to_vec();
    known.push(METRIC_PARAMS);
    check_names(&uri, &known)?;
    let Query(params) = Query::<ListParams>::try_from_uri(&uri).map_err(bad_query)?;
    let mut query = parse_list(params)?;
    query.metrics = metric_filters(&uri)?;
    let page = store.list_sessions(project, query).await?;
    Ok(Json(SessionList {
        sessions: page.sessions,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// One session with everything it holds.
pub async fn get_session(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<SessionDetail>, AppError> {
    detail(store.as_ref(), project, id).await.map(Json)
}

/// A session's transcript: its steps in order, sub-agents nested under their Task calls.
pub async fn session_transcript(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<Transcript>, AppError> {
    let detail = detail(store.as_ref(), project, id).await?;
    Ok(Json(Transcript::from_detail(detail)))
}

async fn detail(store: &dyn Store, project: String, id: String) -> Result<SessionDetail, AppError> {
    store
        .get_session(project, id)
        .await?
        .ok_or_else(|| AppError::NotFound("session not found".into()))
}

/// A session's events in ingest order.
pub async fn session_events(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<Vec<EventRef>>, AppError> {
    store
        .session_events(project, id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound("session not found".into()))
}

/// Checks the query string; an empty value counts as not given.
pub(crate) fn parse_list(p: ListParams) -> Result<ListQuery, AppError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let limit = match given(p.limit) {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "invalid limit `{raw}`: expected an integer from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    let status = match given(p.status) {
        None => None,
        Some(raw) => Some(parse_status(&raw).ok_or_else(|| {
            AppError::BadRequest(format!(
                "invalid status `{raw}`: expected running, completed, failed or interrupted"
            ))
        })?),
    };
    let after = match given(p.cursor) {
        None => None,
        Some(raw) => Some(Cursor::decode(&raw).ok_or_else(|| {
            AppError::BadRequest(
                "invalid cursor: pass back the `next_cursor` of a previous page unchanged".into(),
            )
        })?),
    };
    let from = given(p.from)
        .map(|raw| time_param("from", &raw))
        .transpose()?;
    let to = given(p.to).map(|raw| time_param("to", &raw)).transpose()?;
    let issue_from = given(p.issue_from)
        .map(|raw| time_param("issue_from", &raw))
        .transpose()?;
    let issue_to = given(p.issue_to)
        .map(|raw| time_param("issue_to", &raw))
        .transpose()?;
    let end_reason = given(p.end_reason)
        .map(|raw| match is_reason(&raw) {
            true => Ok(raw),
            false => Err(AppError::BadRequest(format!(
                "invalid end_reason `{raw}`: expected 1 to 64 lowercase letters, digits or `_`, \
                 e.g. error_max_turns"
            ))),
        })
        .transpose()?;
    let issue = given(p.issue).map(|raw| parse_issue(&raw)).transpose()?;
    let text = given(p.q.map(|q| q.trim().to_string()));
    if text.as_ref().is_some_and(|t| t.len() > MAX_QUERY_BYTES) {
        return Err(AppError::BadRequest(format!(
            "invalid q: at most {MAX_QUERY_BYTES} bytes"
        )));
    }
    // SQLite's full-text query fails on U+0000 and PostgreSQL would search for U+FFFD (what it
    // stores in its place): the same 400 on both. (The exact-match filters take it: a NUL is
    // stored, and matched, as the store keeps it.)
    if text.as_ref().is_some_and(|t| t.contains('\0')) {
        return Err(AppError::BadRequest(
            "invalid q: it holds a NUL character (%00), which a text search cannot take".into(),
        ));
    }
    let score = scores_api::filter(p.score, p.score_min, p.score_max)?;
    let metadata = match (given(p.metadata_key), p.metadata_value) {
        (None, None) => None,
        (Some(key), Some(value)) => Some((key, value)),
        _ => {
            return Err(AppError::BadRequest(
                "invalid metadata filter: metadata_key and metadata_value go together".into(),
            ))
        }
    };
    Ok(ListQuery {
        user_id: given(p.user_id),
        agent: given(p.agent),
        convo_id: given(p.convo_id),
        status,
        end_reason,
        claude_session_id: given(p.claude_session_id),
        issue,
        issue_tool: given(p.issue_tool),
        issue_from,
        issue_to,
        text,
        from,
        to,
        score,
        name: given(p.name),
        parent: given(p.parent),
        metrics: Vec::new(),
        model: given(p.model),
        tool: given(p.tool),
        mcp_server: given(p.mcp_server),
        metadata,
        limit,
        after,
    })
}

/// Longest text search accepted.
const MAX_QUERY_BYTES: usize = 1000;

/// A time parameter (`from`, `to`): ms since the epoch or ISO-8601, from [`EARLIEST_MS`] to
/// [`LATEST_MS`] (so no arithmetic on it can overflow).
pub fn time_param(name: &str, raw: &str) -> Result<i64, AppError> {
    let ms = parse_time(raw).ok_or_else(|| {
        AppError::BadRequest(format!(
            "invalid {name} `{raw}`: expected ISO-8601 (2025-01-31T09:00:00Z) or ms since the epoch"
        ))
    })?;
    if !(EARLIEST_MS..=LATEST_MS).contains(&ms) {
        return Err(AppError::BadRequest(format!(
            "invalid {name} `{raw}`: out of range; expected a time from {} to {} \
             ({EARLIEST_MS} to {LATEST_MS} ms since the epoch)",
            iso8601(EARLIEST_MS),
            iso8601(LATEST_MS),
        )));
    }
    Ok(ms)
}

/// An `issue` parameter: one of the kinds of [`ISSUE_KINDS`].
fn parse_issue(raw: &str) -> Result<IssueKind, AppError> {
    IssueKind::parse(raw).ok_or_else(|| {
        let kinds: Vec<&str> = ISSUE_KINDS.iter().map(|k| k.as_str()).collect();
        AppError::BadRequest(format!(
            "invalid issue `{raw}`: expected one of {}",
            kinds.join(", ")
        ))
    })
}

/// Whether `s` can be an end reason: `^[a-z0-9_]{1,64}$` (the known ones and a newer SDK's).
fn is_reason(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn parse_status(s: &str) -> Option<SessionStatus> {
    [
        SessionStatus::Running,
        SessionStatus::Completed,
        SessionStatus::Failed,
        SessionStatus::Interrupted,
    ]
    .into_iter()
    .find(|st| st.as_str() == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(p: ListParams) -> String {
        match parse_list(p) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected 400, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_limits() {
        let q = parse_list(ListParams::default()).unwrap();
        assert_eq!(q.limit, DEFAULT_LIMIT);
        let q = parse_list(ListParams {
            limit: Some("500".into()),
            status: Some("failed".into()),
            user_id: Some(String::new()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (q.limit, q.status, q.user_id),
            (500, Some(SessionStatus::Failed), None)
        );
        for limit in ["0", "501", "-1", "ten"] {
            let m = bad(ListParams {
                limit: Some(limit.into()),
                ..Default::default()
            });
            assert!(m.starts_with(&format!("invalid limit `{limit}`")), "{m}");
        }
        let m = bad(ListParams {
            status: Some("done".into()),
            ..Default::default()
        });
        assert!(m.starts_with("invalid status `done`"), "{m}");
        let m = bad(ListParams {
            cursor: Some("xyz".into()),
            ..Default::default()
        });
        assert!(m.starts_with("invalid cursor"), "{m}");
        let m = bad(ListParams {
            from: Some("yesterday".into()),
            ..Default::default()
        });
        assert!(m.starts_with("invalid from `yesterday`"), "{m}");
        for reason in ["Error", "a-b", "é", &"x".repeat(65), "a b"] {
            let m = bad(ListParams {
                end_reason: Some(reason.into()),
                ..Default::default()
            });
            assert!(
                m.starts_with(&format!("invalid end_reason `{reason}`")),
                "{m}"
            );
        }
        for reason in sentrial_protocol::END_REASONS
            .iter()
            .copied()
            .chain(["error_from_a_newer_sdk", &"x".repeat(64)])
        {
            let q = parse_list(ListParams {
                end_reason: Some(reason.into()),
                claude_session_id: Some("c-1".into()),
                ..Default::default()
            })
            .unwrap();
            assert_eq!(q.end_reason.as_deref(), Some(reason));
            assert_eq!(q.claude_session_id.as_deref(), Some("c-1"));
        }
        let q = parse_list(ListParams {
            q: Some("  needle ".into()),
            from: Some("2023-11-14T22:13:20Z".into()),
            to: Some("1700000001000".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (q.text.as_deref(), q.from, q.to),
            (
                Some("needle"),
                Some(1_700_000_000_000),
                Some(1_700_000_001_000)
            )
        );
    }
}
