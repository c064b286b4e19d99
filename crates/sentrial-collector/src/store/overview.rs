//! The dashboard's aggregate views, once for both stores: a conversation, and the overview of a
//! time range. Sums of integer columns saturate at `i64::MAX` instead of failing (see
//! `{capped_sum}` in `store/dialect.rs`): one session reporting absurd counts must not take the
//! overview down.

use crate::store::db::Db;
use crate::store::error::StoreError;
use crate::store::overview_model::{
    Conversation, Overview, OverviewQuery, ScoreAverage, CONVERSATION_LIMIT,
};
use crate::store::rollup::overview::figures;
use crate::store::row::Columns;
use crate::store::value::values;
use crate::store::{manual_sql, queries, row};
use crate::time::Timestamp;

/// The sessions of `convo_id`, oldest first; `None` when the project has none.
pub(crate) async fn conversation<D: Db>(
    db: &D,
    project: &str,
    convo_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let key = values![project, convo_id];
    let totals = db
        .select(
            &queries::CONVERSATION_TOTALS,
            &key,
            row::conversation_totals,
        )
        .await?
        .pop();
    let Some(totals) = totals.filter(|t| t.session_count > 0) else {
        return Ok(None);
    };
    let sessions = db
        .select(
            &queries::CONVERSATION,
            &values![project, convo_id, CONVERSATION_LIMIT],
            row::session,
        )
        .await?;
    Ok(Some(Conversation { sessions, ..totals }))
}

/// Sessions and cost over `q`'s range, by agent and user (from the rollups when the range holds a
/// whole hour: `rollup/overview.rs`), the tools' figures, and the scores' and custom metrics'
/// averages (`rollup/overview_scores.rs`).
pub(crate) async fn overview<D: Db>(
    db: &D,
    project: &str,
    q: &OverviewQuery,
) -> Result<Overview, StoreError> {
    let range = values![project, q.from, q.to];
    let (totals, series, by_agent, by_user) = match figures(db, project, q).await? {
        Some(f) => (f.totals, f.series, f.by_agent, f.by_user),
        None => {
            let totals = db
                .select(&queries::OVERVIEW_TOTALS, &range, row::totals)
                .await?
                .pop()
                .unwrap_or_default();
            let series = db
                .select(
                    &queries::OVERVIEW_SERIES,
                    &values![project, q.from, q.to, q.bucket_ms],
                    row::bucket,
                )
                .await?;
            let by_agent = db.select(&queries::TOP_AGENTS, &range, row::group).await?;
            let by_user = db.select(&queries::TOP_USERS, &range, row::group).await?;
            (totals, series, by_agent, by_user)
        }
    };
    let tools = crate::store::rollup::overview::tools(db, project, q).await?;
    let mut overview = Overview::new(q, totals, series, by_agent, by_user, tools);
    overview.scores = crate::store::rollup::overview_scores::scores(db, project, q).await?;
    overview.metrics = db
        .select(
            &manual_sql::OVERVIEW_METRICS,
            &values![project, q.from, q.to, q.bucket_ms],
            score_average,
        )
        .await?;
    Ok(overview)
}

fn score_average(r: &dyn Columns) -> Result<ScoreAverage, StoreError> {
    Ok(ScoreAverage {
        start: Timestamp(r.integer("bucket_start")?),
        agent: r.text("agent")?,
        name: r.string("name")?,
        average: r.real("average")?.unwrap_or(0.0),
        count: r.integer("count")?,
    })
}
