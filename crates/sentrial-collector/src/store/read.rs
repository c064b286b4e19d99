//! The read API's queries, once for both stores: a page of sessions, one session with everything
//! it holds, its events. Filters are bound parameters; only fixed SQL fragments are joined.

use crate::store::db::{Db, Plan, Query};
use crate::store::detail::DetailRows;
use crate::store::dialect::Dialect;
use crate::store::error::StoreError;
use crate::store::lineage::{Lineage, CONTINUED_BY_LIMIT};
use crate::store::model::{EventRef, SessionDetail, SessionRecord};
use crate::store::page::{ListQuery, SessionPage};
use crate::store::value::{values, Value};
use crate::store::{issues, manual, manual_sql, queries, row, scores, search};

/// One page of a project's sessions, newest first.
pub(crate) async fn list_sessions<D: Db>(
    db: &D,
    project: &str,
    q: &ListQuery,
) -> Result<SessionPage, StoreError> {
    let sessions = match &q.text {
        None => page_rows(db, project, q, None).await?,
        Some(text) => {
            let arms = search::arms(D::DIALECT, text);
            let merge = arms.len() > 1;
            let mut rows = Vec::new();
            for arm in arms {
                rows.extend(page_rows(db, project, q, Some(arm)).await?);
            }
            if merge {
                rows.sort_by(|a, b| (b.sort_ts, &b.id).cmp(&(a.sort_ts, &a.id)));
                rows.dedup_by(|a, b| a.id == b.id);
                rows.truncate(q.limit as usize + 1);
            }
            rows
        }
    };
    Ok(SessionPage::from_rows(sessions, q.limit))
}

/// A statement being built, its parameters numbered as they are bound.
struct Select<'a> {
    dialect: Dialect,
    sql: String,
    args: Vec<Value<'a>>,
}

impl<'a> Select<'a> {
    /// Appends `fragment` with each `?` bound to `value` (the same parameter when repeated).
    fn bind(&mut self, fragment: &str, value: Value<'a>) {
        self.args.push(value);
        let placeholder = self.dialect.placeholder(self.args.len());
        self.sql.push_str(&fragment.replace('?', &placeholder));
    }
}

/// Up to `q.limit + 1` sessions matching `q`, newest first; with `arm`, those whose text there
/// matches `q.text`.
async fn page_rows<D: Db>(
    db: &D,
    project: &str,
    q: &ListQuery,
    arm: Option<search::Arm>,
) -> Result<Vec<SessionRecord>, StoreError> {
    let mut s = Select {
        dialect: D::DIALECT,
        sql: queries::SESSIONS.text(D::DIALECT).to_string(),
        args: vec![Value::from(project)],
    };
    let filters = [
        ("s.user_id", &q.user_id),
        ("s.agent", &q.agent),
        ("s.convo_id", &q.convo_id),
        ("s.end_reason", &q.end_reason),
        ("s.claude_session_id", &q.claude_session_id),
        ("s.name", &q.name),
        ("s.parent_session_id", &q.parent),
        ("s.model", &q.model),
    ];
    for (column, value) in filters {
        if let Some(value) = value {
            s.bind(&format!(" AND {column} = ?"), Value::from(value));
        }
    }
    if let Some(status) = q.status {
        s.bind(" AND s.status = ?", Value::from(status.as_str()));
    }
    let on_issues = q.issue_from.is_some() || q.issue_to.is_some();
    // A session's findings are found by its key only: the other columns are compared as
    // expressions (`|| ''`, `+ 0`), which no index serves. Without them SQLite (which keeps no
    // statistics here) may pick `session_issues_by_time` or `_by_kind` for every session of the
    // page and walk the whole range each time: a rare kind over 90 days at 100,000 sessions took
    // over 10 s; now at most one scan of the sessions (`benches/issues_page.rs`).
    if q.issue.is_some() || q.issue_tool.is_some() || on_issues {
        s.sql.push_str(
            " AND EXISTS (SELECT 1 FROM session_issues i
                WHERE i.project_id = s.project_id AND i.session_id = s.id",
        );
        if let Some(kind) = q.issue {
            s.bind(" AND i.kind || '' = ?", Value::from(kind.as_str()));
        }
        if let Some(tool) = &q.issue_tool {
            s.bind(" AND i.tool || '' = ?", Value::from(tool));
        }
        if let Some(from) = q.issue_from {
            s.bind(" AND i.at + 0 >= ?", Value::from(from));
        }
        if let Some(to) = q.issue_to {
            s.bind(" AND i.at + 0 < ?", Value::from(to));
        }
        s.sql.push(')');
    }
    for (column, value) in [("t.tool_name", &q.tool), ("t.mcp_server", &q.mcp_server)] {
        if let Some(value) = value {
            s.bind(
                &format!(
                    " AND EXISTS (SELECT 1 FROM tool_calls t \
                     WHERE t.project_id = s.project_id AND t.session_id = s.id AND {column} = ?)"
                ),
                Value::from(value),
            );
        }
    }
    if let Some((key, value)) = &q.metadata {
        s.args.extend([Value::from(key), Value::from(value)]);
        let n = s.args.len();
        let fragment = format!(" AND {{json_text:s.metadata, ?{}}} = ?{n}", n - 1);
        s.sql.push_str(&s.dialect.render(&fragment));
    }
    if let Some(from) = q.from {
        s.bind(" AND s.sort_ts >= ?", Value::from(from));
    }
    if let Some(to) = q.to {
        s.bind(" AND s.sort_ts < ?", Value::from(to));
    }
    if let Some(f) = &q.score {
        s.sql.push_str(scores::FILTER_OPEN);
        if let Some(name) = &f.name {
            s.bind(" AND sc.name = ?", Value::from(name));
        }
        if let Some(min) = f.min {
            s.bind(" AND sc.num >= ?", Value::from(min));
        }
        if let Some(max) = f.max {
            s.bind(" AND sc.num <= ?", Value::from(max));
        }
        s.sql.push(')');
    }
    for m in &q.metrics {
        s.bind(manual_sql::METRIC_FILTER_OPEN, Value::from(&m.name));
        if let Some(min) = m.min {
            s.bind(" AND m.value >= ?", Value::from(min));
        }
        if let Some(max) = m.max {
            s.bind(" AND m.value <= ?", Value::from(max));
        }
        s.sql.push(')');
    }
    let searching = arm.is_some();
    if let Some(arm) = arm {
        s.bind(arm.fragment, Value::from(arm.value));
    }
    if let Some(after) = &q.after {
        s.bind(" AND (s.sort_ts, s.id) < (?", Value::from(after.sort_ts));
        s.bind(", ?)", Value::from(&after.id));
    }
    s.bind(
        " ORDER BY s.sort_ts DESC, s.id DESC LIMIT ?",
        Value::from(i64::from(q.limit) + 1),
    );
    db.rows(Query {
        sql: &s.sql,
        args: &s.args,
        plan: if searching { Plan::Fresh } else { Plan::Kept },
        make: row::session,
    })
    .await
}

/// One session with everything it holds.
pub(crate) async fn get_session<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Option<SessionDetail>, StoreError> {
    let key = values![project, id];
    let Some(session) = db
        .select(&queries::SESSION, &key, row::session)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let (previous_of, continued_of) = Lineage::lookups(session.run());
    let previous = match previous_of {
        Some(c) => db
            .select(
                &queries::PREVIOUS_RUN,
                &values![project, c, session.sort_ts, id],
                row::run,
            )
            .await?
            .pop(),
        None => None,
    };
    let continued_by = match continued_of {
        Some(c) => {
            let args = values![project, c, session.sort_ts, id, CONTINUED_BY_LIMIT];
            db.select(&queries::CONTINUED_BY, &args, row::run).await?
        }
        None => Vec::new(),
    };
    let reconciliation = db
        .select(&queries::RECONCILIATION, &key, row::reconciliation)
        .await?
        .pop()
        .flatten();
    let rows = DetailRows {
        inputs: db.select(&queries::INPUTS, &key, row::input).await?,
        tool_calls: db
            .select(&queries::TOOL_CALLS, &key, row::tool_call)
            .await?,
        model_calls: db
            .select(&queries::MODEL_CALLS, &key, row::model_call)
            .await?,
        results: db.select(&queries::RESULTS, &key, row::result).await?,
        markers: db.select(&queries::MARKERS, &key, row::marker).await?,
        scores: scores::of_session(db, project, id, session.claude_session_id.as_deref()).await?,
        reconciliation,
        session,
        previous,
        continued_by,
    };
    let mut detail = rows.assemble()?;
    detail.issues = issues::of_session(db, project, id).await?;
    detail.children = manual::children_of(db, project, id).await?;
    Ok(Some(detail))
}

/// A session's events in ingest order; `None` when the project has no such session.
pub(crate) async fn session_events<D: Db>(
    db: &D,
    project: &str,
    id: &str,
) -> Result<Option<Vec<EventRef>>, StoreError> {
    let key = values![project, id];
    if db
        .select(&queries::EXISTS, &key, row::found)
        .await?
        .is_empty()
    {
        return Ok(None);
    }
    Ok(Some(db.select(&queries::EVENTS, &key, row::event).await?))
}
