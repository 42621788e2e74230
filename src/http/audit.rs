//! Auditors: a conference's history, an order's timeline, and the
//! tamper-evident export (`docs/audit.md`). Reads only.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_replay::RawEvent;
use tessera_replay::history::{HistoryQuery, page};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::{AppState, order_id};
use crate::audit::Exporter;
use crate::audit::state::{AsOf, order_as_of};
use crate::http::access::{AUDIT, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, Path, Query};
use crate::http::request_error::RequestError;

pub fn groups() -> Vec<Group> {
    vec![(
        AUDIT,
        OpenApiRouter::new()
            .routes(routes!(history))
            .routes(routes!(order_history))
            .routes(routes!(order_state))
            .routes(routes!(export)),
    )]
}

/// A page's default size and its most.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Only events after this position (the previous page's `next_cursor`).
    pub after: Option<i64>,
    /// 1…1000, default 100.
    pub limit: Option<i64>,
    /// The stream's aggregate type (order, inventory, conference, …).
    pub aggregate_type: Option<String>,
    /// The stream's aggregate id.
    pub aggregate_id: Option<String>,
    /// The event type (OrderPlaced, …).
    pub event_type: Option<String>,
    /// The user id who caused it, or "system".
    pub actor: Option<String>,
    /// Recorded at or after (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Recorded before (RFC 3339).
    pub until: Option<DateTime<Utc>>,
}

/// Where an event sits in its aggregate's stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamRef {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
}

/// One change: what, to which stream, by whom, when, under which request.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The global log position.
    pub position: i64,
    pub stream: StreamRef,
    pub event_type: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    /// A user id, or "system".
    pub actor: String,
    pub request_id: Option<String>,
    pub causation_id: Option<String>,
    pub recorded_at: String,
}

/// A page of history in log order.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub events: Vec<HistoryEntry>,
    /// Send as `after` for the next page; null on the last page.
    pub next_cursor: Option<i64>,
}

impl HistoryEntry {
    fn of(e: RawEvent) -> Self {
        let meta: Value = serde_json::from_str(&e.metadata).unwrap_or(Value::Null);
        let text = |k: &str| {
            meta.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Self {
            position: e.position,
            payload: serde_json::from_str(&e.payload).unwrap_or(Value::String(e.payload)),
            actor: text("actor").unwrap_or_else(|| "system".to_string()),
            request_id: text("request_id"),
            causation_id: text("causation_id"),
            recorded_at: e.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            stream: StreamRef {
                aggregate_type: e.aggregate_type,
                aggregate_id: e.aggregate_id,
                sequence: e.sequence,
            },
            event_type: e.event_type,
        }
    }
}

fn limit_of(limit: Option<i64>) -> ApiResult<i64> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        l @ 1..=MAX_LIMIT => Ok(l),
        _ => Err(RequestError::InvalidHistoryLimit(MAX_LIMIT).into()),
    }
}

/// Pages stop at the projection runner's position: on PostgreSQL a position can
/// commit after a higher one is visible, and the runner never passes such a gap,
/// so a cursor never skips an event that commits late. Send `X-Tessera-After`
/// with a command's position to include it.
async fn answer(app: &AppState, mut q: HistoryQuery) -> ApiResult<HistoryPage> {
    q.up_to = Some(app.runner.position());
    if q.after < 0 {
        return Err(RequestError::InvalidHistoryCursor.into());
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    let events = page(&app.db, &q).await?;
    let next_cursor = match events.last() {
        Some(last) if events.len() as i64 == limit => Some(last.position),
        _ => None,
    };
    Ok(HistoryPage {
        events: events.into_iter().map(HistoryEntry::of).collect(),
        next_cursor,
    })
}

/// The conference's events in log order, a page at a time, filtered by stream,
/// event type, actor and time (auditors and admins).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/history", tag = "audit",
    params(("slug" = String, Path), HistoryParams),
    responses((status = 200, body = HistoryPage), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn history(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(p): Query<HistoryParams>,
) -> ApiResult<axum::Json<HistoryPage>> {
    let conf = app.conference(&slug).await?;
    let q = HistoryQuery {
        conference_id: conf.id.to_string(),
        after: p.after.unwrap_or(0),
        limit: Some(limit_of(p.limit)?),
        aggregate_type: p.aggregate_type,
        aggregate_id: p.aggregate_id,
        event_type: p.event_type,
        actor: p.actor,
        since: p.since,
        until: p.until,
        up_to: None,
    };
    Ok(axum::Json(answer(&app, q).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Only events after this position (the previous page's `next_cursor`).
    pub after: Option<i64>,
    /// 1…1000, default 100.
    pub limit: Option<i64>,
}

/// One order's own timeline: every event of its stream, in log order.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/orders/{reference}/history", tag = "audit",
    params(("slug" = String, Path), ("reference" = String, Path), PageParams),
    responses((status = 200, body = HistoryPage), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn order_history(
    State(app): State<AppState>,
    _after: After,
    Path((slug, reference)): Path<(String, String)>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<HistoryPage>> {
    Ok(axum::Json(
        order_timeline(&app, &slug, &reference, p.after.unwrap_or(0), p.limit).await?,
    ))
}

/// A page of one order's timeline (the JSON handler and the dashboard's order page).
pub(crate) async fn order_timeline(
    app: &AppState,
    slug: &str,
    reference: &str,
    after: i64,
    limit: Option<i64>,
) -> ApiResult<HistoryPage> {
    let conf = app.conference(slug).await?;
    let q = HistoryQuery {
        conference_id: conf.id.to_string(),
        after,
        limit: Some(limit_of(limit)?),
        aggregate_type: Some("order".to_string()),
        aggregate_id: Some(order_id(reference).to_string()),
        ..HistoryQuery::default()
    };
    let answer = answer(app, q).await?;
    // No event of this conference in the order's stream: no such order here.
    if after == 0 && answer.events.is_empty() {
        return Err(ApiError::not_found("Order"));
    }
    Ok(answer)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StateParams {
    /// The moment (RFC 3339): events recorded at or before it.
    pub as_of: Option<DateTime<Utc>>,
    /// The log position: events at or before it.
    pub position: Option<i64>,
}

/// An order as it stood then.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderState {
    pub reference: String,
    /// The position of the last event folded: the state stands there.
    pub position: i64,
    /// How many of the order's events were folded.
    pub events: usize,
    /// The order aggregate's state (billing details stay sealed).
    #[schema(value_type = Object)]
    pub state: Value,
}

/// An order folded from its own events up to a moment (`as_of`) or a log
/// position (`position`): exactly one of them.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/orders/{reference}/state", tag = "audit",
    params(("slug" = String, Path), ("reference" = String, Path), StateParams),
    responses((status = 200, body = OrderState), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn order_state(
    State(app): State<AppState>,
    Path((slug, reference)): Path<(String, String)>,
    Query(p): Query<StateParams>,
) -> ApiResult<axum::Json<OrderState>> {
    let as_of = match (p.as_of, p.position) {
        (Some(t), None) => AsOf::Time(t),
        (None, Some(n)) if n >= 0 => AsOf::Position(n),
        _ => {
            return Err(RequestError::InvalidHistoryAsOf.into());
        }
    };
    let conf = app.conference(&slug).await?;
    let folded = order_as_of(&app.db, conf.id, order_id(&reference), as_of)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("Order"))?;
    Ok(axum::Json(OrderState {
        reference,
        position: folded.position,
        events: folded.events,
        state: serde_json::to_value(&folded.order)?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Replace personal fields by stable keyed pseudonyms (default false).
    #[serde(default)]
    pub pseudonymize: bool,
}

/// The conference's history as hash-chained JSON lines, streamed: a header, one
/// line per event with `prev_hash` and `hash`, a trailer with the head hash and
/// the count. Check it with `tessera audit verify`.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/audit/export", tag = "audit",
    params(("slug" = String, Path), ExportParams),
    responses((status = 200, description = "application/x-ndjson", content_type = "application/x-ndjson", body = String),
        (status = 404, body = Problem)))]
async fn export(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    Query(p): Query<ExportParams>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let exporter = Exporter::start(app.db.clone(), &conf.slug, conf.id, p.pseudonymize).await?;
    let stream = futures::stream::unfold(Some(exporter), |state| async move {
        let mut exporter = state?;
        match exporter.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok::<_, sqlx::Error>(chunk), Some(exporter))),
            Ok(None) => None,
            // The body breaks off: the reader sees no trailer, so the cut-short
            // file never verifies.
            Err(e) => Some((Err(e), None)),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-export.jsonl\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
