//! Export: `GET /api/export/sessions?format=csv|jsonl&<the list's filters>` streams every session
//! the list would show, page by page, so a million of them never sit in memory at once;
//! `GET /api/sessions/{id}/export?format=json|md` gives one session as a file (the Markdown is
//! [`crate::export_md`]).

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Reader;
use crate::error::AppError;
use crate::metric_params::{metric_filters, METRIC_PARAMS};
use crate::params::{bad_query, check_names, field_names, Params};
use crate::read_api::{parse_list, ListParams, MAX_LIMIT};
use crate::store::{Cursor, ListQuery, SessionRecord, Store, StoreError, Transcript};
use crate::time::iso8601;

/// The columns of the CSV export, in order: the scalar fields of a list item (a new one goes at the
/// end, so the columns that were keep their places). `input` and `output`
/// are the list's previews, `input_length` and `output_length` their whole lengths (the JSONL
/// export has the whole texts); `metadata`, `model_usage`, `carried`, `mcp_servers`,
/// `issue_kinds` and `metrics` are JSON.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "started_at",
    "ended_at",
    "agent",
    "user_id",
    "convo_id",
    "claude_session_id",
    "status",
    "end_reason",
    "failure_reason",
    "api_error_status",
    "entry_point",
    "resumed_from",
    "forked_from",
    "model",
    "duration_ms",
    "api_duration_ms",
    "num_turns",
    "results",
    "tool_call_count",
    "prompt_tokens",
    "completion_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "total_tokens",
    "cost_usd",
    "cost_estimated",
    "input",
    "input_length",
    "output",
    "output_length",
    "metadata",
    "model_usage",
    "carried",
    "mcp_servers",
    "issue_kinds",
    "received_at",
    "name",
    "parent_session_id",
    "metrics",
];

/// What `GET /api/export/sessions` writes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ListFormat {
    Csv,
    Jsonl,
}

/// The parameters of `GET /api/export/sessions`: `format` and the list's filters (not its
/// `limit` and `cursor`: the export is every matching session).
#[derive(Debug)]
pub struct ExportQuery {
    format: ListFormat,
    query: ListQuery,
}

impl<S: Send + Sync> FromRequestParts<S> for ExportQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let mut known: Vec<&str> = field_names::<ListParams>()
            .iter()
            .copied()
            .filter(|n| !["limit", "cursor"].contains(n))
            .collect();
        known.extend(["format", METRIC_PARAMS]);
        check_names(&parts.uri, &known)?;
        let raw = parts.uri.query().unwrap_or("");
        let (format, filters): (Vec<&str>, Vec<&str>) = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .partition(|p| *p == "format" || p.starts_with("format="));
        let format = match format.last().and_then(|p| p.strip_prefix("format=")) {
            Some("csv") => ListFormat::Csv,
            Some("jsonl") => ListFormat::Jsonl,
            other => {
                return Err(AppError::BadRequest(format!(
                    "invalid format `{}`: expected csv or jsonl",
                    other.unwrap_or_default()
                )))
            }
        };
        let uri: Uri = format!("/?{}", filters.join("&"))
            .parse()
            .map_err(|_| AppError::BadRequest("invalid query string".into()))?;
        let Query(params) = Query::<ListParams>::try_from_uri(&uri).map_err(bad_query)?;
        let mut query = parse_list(params)?;
        query.metrics = metric_filters(&uri)?;
        query.limit = MAX_LIMIT;
        Ok(ExportQuery { format, query })
    }
}

/// Streams every session of the project that matches the filters, newest first: CSV (a header,
/// then one row per session) or JSONL (each session as `GET /api/sessions/{id}` gives it, one per
/// line). The first page is read before the answer starts, so a store that fails is a 500; a
/// failure later cuts the stream short (the client sees an incomplete body, never a wrong one).
pub async fn export_sessions(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    q: ExportQuery,
) -> Result<Response, AppError> {
    let first = store
        .list_sessions(project.clone(), q.query.clone())
        .await?;
    let export = Export {
        store,
        project,
        query: q.query,
        format: q.format,
        pending: first.sessions.into(),
        next: first.next,
        header: q.format == ListFormat::Csv,
    };
    let stream = futures_util::stream::unfold(export, |mut e| async move {
        e.next_chunk().await.transpose().map(|chunk| (chunk, e))
    });
    let (content_type, ext) = match q.format {
        ListFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ListFormat::Jsonl => ("application/jsonl; charset=utf-8", "jsonl"),
    };
    let name = format!("sentrial-sessions-{}.{ext}", today());
    Ok(file_response(
        content_type,
        &name,
        Body::from_stream(stream),
    ))
}

/// Where an export stands: the sessions of the page read but not yet written, and where the next
/// page starts.
struct Export {
    store: Arc<dyn Store>,
    project: String,
    query: ListQuery,
    format: ListFormat,
    pending: VecDeque<SessionRecord>,
    next: Option<Cursor>,
    header: bool,
}

impl Export {
    /// The next piece of the body (CSV: the header, then a page of rows at a time; JSONL: one
    /// session at a time, since a session's whole texts may be megabytes), `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, StoreError> {
        if std::mem::take(&mut self.header) {
            return Ok(Some(csv_rows(std::iter::once(CSV_COLUMNS.to_vec()))?));
        }
        if self.pending.is_empty() {
            let Some(after) = self.next.take() else {
                return Ok(None);
            };
            let query = ListQuery {
                after: Some(after),
                ..self.query.clone()
            };
            let page = self
                .store
                .list_sessions(self.project.clone(), query)
                .await?;
            self.pending = page.sessions.into();
            self.next = page.next;
            if self.pending.is_empty() {
                return Ok(None);
            }
        }
        match self.format {
            ListFormat::Csv => {
                let rows: Vec<Vec<String>> = self.pending.drain(..).map(|s| csv_row(&s)).collect();
                Ok(Some(csv_rows(
                    rows.iter().map(|r| r.iter().map(String::as_str).collect()),
                )?))
            }
            ListFormat::Jsonl => {
                let summary = self.pending.pop_front().expect("not empty");
                // A session deleted since the page was read is left out.
                let Some(detail) = self
                    .store
                    .get_session(self.project.clone(), summary.id)
                    .await?
                else {
                    return Ok(Some(Bytes::new()));
                };
                let mut line = serde_json::to_vec(&detail)?;
                line.push(b'\n');
                Ok(Some(line.into()))
            }
        }
    }
}

/// One session's CSV cells, in [`CSV_COLUMNS`] order.
fn csv_row(session: &SessionRecord) -> Vec<String> {
    let value = serde_json::to_value(session).unwrap_or(Value::Null);
    CSV_COLUMNS
        .iter()
        .map(|c| match value.get(*c) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        })
        .collect()
}

/// Rows as CSV text (RFC 4180 quoting).
fn csv_rows<'a>(rows: impl Iterator<Item = Vec<&'a str>>) -> Result<Bytes, StoreError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        out.write_record(row).map_err(csv_error)?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(|e| csv_error(e.into_error()))
}

/// Writing CSV into memory fails only as its writer's I/O would: never, in practice.
fn csv_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(std::io::Error::other(format!("csv: {e}")))
}

/// Query string of `GET /api/sessions/{id}/export`.
#[derive(Debug, Default, Deserialize)]
pub struct SessionExportParams {
    format: Option<String>,
}

/// One session as a file: `json` (what `GET /api/sessions/{id}` answers), or `md`, Markdown
/// written to be read by a person or pasted into a model ([`crate::export_md`]).
pub async fn export_session(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(id): Path<String>,
    Params(p): Params<SessionExportParams>,
) -> Result<Response, AppError> {
    let format = p.format.unwrap_or_default();
    if !["json", "md"].contains(&format.as_str()) {
        return Err(AppError::BadRequest(format!(
            "invalid format `{format}`: expected json or md"
        )));
    }
    let detail = store
        .get_session(project, id)
        .await?
        .ok_or_else(|| AppError::NotFound("session not found".into()))?;
    let name = format!(
        "sentrial-session-{}.{format}",
        file_safe(&detail.session.id)
    );
    if format == "json" {
        let body = serde_json::to_vec_pretty(&detail).map_err(StoreError::from)?;
        return Ok(file_response("application/json", &name, body.into()));
    }
    let text = crate::export_md::markdown(&detail, &Transcript::from_detail(detail.clone()));
    Ok(file_response(
        "text/markdown; charset=utf-8",
        &name,
        text.into(),
    ))
}

/// A response that browsers save as `name`.
fn file_response(content_type: &'static str, name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `s` with every character but ASCII letters, digits, `-` and `_` made `_`, for a file name.
fn file_safe(s: &str) -> String {
    s.chars()
        .take(100)
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                true => c,
                false => '_',
            },
        )
        .collect()
}

/// Today's date, `YYYY-MM-DD` (UTC).
fn today() -> String {
    iso8601(crate::time::now_ms())[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scalar_field_of_a_list_item_is_a_column() {
        let record = SessionRecord {
            input_length: Some(1),
            output_length: Some(1),
            ..SessionRecord::default()
        };
        let Value::Object(fields) = serde_json::to_value(&record).unwrap() else {
            panic!("an object");
        };
        let mut missing: Vec<&String> = fields
            .keys()
            .filter(|k| !CSV_COLUMNS.contains(&k.as_str()))
            .collect();
        missing.sort();
        assert!(missing.is_empty(), "not exported: {missing:?}");
        for c in CSV_COLUMNS {
            assert!(fields.contains_key(*c), "{c} is not a field");
        }
    }

    #[test]
    fn cells_quote_what_csv_needs_and_names_are_file_safe() {
        let rows = csv_rows([vec!["a,b", "say \"hi\"", "two\nlines", ""]].into_iter()).unwrap();
        assert_eq!(&rows[..], b"\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n");
        assert_eq!(file_safe("01a2-b/../x y"), "01a2-b____x_y");
    }
}
