//! The analytics endpoints (`docs/protocol.md`), each needing `read`:
//! - `GET /api/analytics/users`: the project's end users over a time range, each with their
//!   sessions, failures, cost, tokens, average score and when they were seen;
//!   sorted, searched and paged.
//! - `GET /api/analytics/tools`: per tool or per MCP server, calls, failures, denials, duration
//!   percentiles, share of session time, calls per day; `GET /api/analytics/tools/{name}`: one
//!   tool's slowest and latest failing calls.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::Reader;
use crate::error::AppError;
use crate::params::Params;
use crate::read_api::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::store::{Store, ToolCalls, ToolGroup, ToolRow, UserRow, UserSort, UsersQuery};
use crate::time::{iso8601, now_ms};
use crate::views_api::time_range;

/// Query string of `GET /api/analytics/users`.
#[derive(Debug, Default, Deserialize)]
pub struct UsersParams {
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    score: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// Body of `GET /api/analytics/users`.
#[derive(Debug, Serialize)]
pub struct UsersAnswer {
    from: String,
    to: String,
    sort: &'static str,
    order: &'static str,
    /// Users matching the range and search, over every page.
    total: i64,
    users: Vec<UserRow>,
}

/// The page of users the parameters ask for.
pub async fn users(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Params(p): Params<UsersParams>,
) -> Result<Json<UsersAnswer>, AppError> {
    let query = parse(p, now_ms())?;
    let page = store.users(project, query.clone()).await?;
    Ok(Json(UsersAnswer {
        from: iso8601(query.from),
        to: iso8601(query.to),
        sort: query.sort.as_str(),
        order: if query.descending { "desc" } else { "asc" },
        total: page.total,
        users: page.users,
    }))
}

fn parse(p: UsersParams, now: i64) -> Result<UsersQuery, AppError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let (from, to) = time_range(p.from, p.to, now)?;
    let sort = match given(p.sort) {
        None => UserSort::Cost,
        Some(raw) => UserSort::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                let names: Vec<&str> = UserSort::ALL.iter().map(|s| s.as_str()).collect();
                AppError::BadRequest(format!(
                    "invalid sort `{raw}`: expected one of {}",
                    names.join(", ")
                ))
            })?,
    };
    let descending = match given(p.order).as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "invalid order `{other}`: expected asc or desc"
            )))
        }
    };
    let number =
        |name: &str, raw: Option<String>, default: i64, min: i64, max: i64| match given(raw) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "invalid {name} `{raw}`: expected an integer from {min} to {max}"
                    ))
                }),
        };
    let search = given(p.q).map(|q| q.trim().to_string()).unwrap_or_default();
    if search.len() > 200 || search.contains('\0') {
        return Err(AppError::BadRequest(
            "invalid q: at most 200 bytes, and no NUL character".into(),
        ));
    }
    Ok(UsersQuery {
        from,
        to,
        search,
        score: given(p.score).unwrap_or_default(),
        sort,
        descending,
        limit: number(
            "limit",
            p.limit,
            i64::from(DEFAULT_LIMIT),
            1,
            i64::from(MAX_LIMIT),
        )?,
        offset: number("offset", p.offset, 0, 0, 1_000_000_000)?,
    })
}

/// Query string of `GET /api/analytics/tools`.
#[derive(Debug, Default, Deserialize)]
pub struct ToolsParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

/// Body of `GET /api/analytics/tools`.
#[derive(Debug, Serialize)]
pub struct ToolsAnswer {
    from: String,
    to: String,
    by: &'static str,
    tools: Vec<ToolRow>,
}

/// Every tool (`by=tool`, the default) or MCP server (`by=mcp_server`) called in the range.
pub async fn tools(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Params(p): Params<ToolsParams>,
) -> Result<Json<ToolsAnswer>, AppError> {
    let (from, to) = time_range(p.from, p.to, now_ms())?;
    let (group, by) = match p.by.as_deref().filter(|b| !b.is_empty()) {
        None | Some("tool") => (ToolGroup::Tool, "tool"),
        Some("mcp_server") => (ToolGroup::McpServer, "mcp_server"),
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "invalid by `{other}`: expected tool or mcp_server"
            )))
        }
    };
    let tools = store.tools(project, from, to, group).await?;
    Ok(Json(ToolsAnswer {
        from: iso8601(from),
        to: iso8601(to),
        by,
        tools,
    }))
}

/// Query string of `GET /api/analytics/tools/{name}`.
#[derive(Debug, Default, Deserialize)]
pub struct ToolParams {
    from: Option<String>,
    to: Option<String>,
}

/// Body of `GET /api/analytics/tools/{name}`.
#[derive(Debug, Serialize)]
pub struct ToolAnswer {
    name: String,
    from: String,
    to: String,
    #[serde(flatten)]
    calls: ToolCalls,
}

/// One tool's slowest and latest failing calls in the range (20 of each at most).
pub async fn tool(
    State(store): State<Arc<dyn Store>>,
    Reader(project): Reader,
    Path(name): Path<String>,
    Params(p): Params<ToolParams>,
) -> Result<Json<ToolAnswer>, AppError> {
    let (from, to) = time_range(p.from, p.to, now_ms())?;
    let calls = store.tool_calls_of(project, name.clone(), from, to).await?;
    Ok(Json(ToolAnswer {
        name,
        from: iso8601(from),
        to: iso8601(to),
        calls,
    }))
}
