//! Changing an endpoint: rotate its secret, disable, enable, delete, replay; and
//! its delivery log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::webhook::{WebhookCommand, WebhookEndpoint};
use utoipa::ToSchema;
use uuid::Uuid;

use super::endpoint;
use crate::app::AppState;
use crate::http::conferences::MANAGE;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta, Path};
use crate::http::page::{Page, PageParams, Paging, page_of_rows, position_sort, start_after};
use crate::http::request_error::RequestError;
use crate::webhooks::signing::generate_secret;
use crate::webhooks::store::{self, DeliveryView};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WebhookChanged)]
pub struct Changed {
    pub position: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    /// The new signing secret: store it now, it is never shown again.
    pub secret: String,
    /// Until then the previous secret signs too (both signatures are sent).
    pub previous_valid_until: DateTime<Utc>,
    pub position: Option<i64>,
}

async fn send(
    app: &AppState,
    meta: &CommandMeta,
    slug: &str,
    id: Uuid,
    command: WebhookCommand,
) -> ApiResult<Changed> {
    let conf = app.gate(slug, MANAGE).await?;
    endpoint(app, &conf, id).await?;
    let sent = app
        .bus
        .send(
            &WebhookEndpoint::stream(id),
            command,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Changed {
        position: sent.position,
    })
}

/// Rotates the signing secret; the old one keeps signing for the grace period (WH-5).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}/rotate-secret", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path)),
    responses((status = 200, body = RotatedSecret), (status = 404, body = Problem)))]
pub(super) async fn rotate_secret(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Response> {
    let secret = generate_secret();
    let sealed = app.personal.seal(id, &secret).await?;
    let grace = chrono::Duration::hours(i64::from(app.config.webhooks.secret_grace_hours));
    let until = app.bus.services().now() + grace;
    let command = WebhookCommand::RotateSecret {
        secret: sealed,
        grace_until: until,
    };
    let changed = send(&app, &meta, &slug, id, command).await?;
    Ok(super::not_stored(Json(RotatedSecret {
        secret,
        previous_valid_until: until,
        position: changed.position,
    })))
}

/// Stops deliveries to the endpoint; what is owed waits until it is enabled (WH-6).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}/disable", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path)),
    responses((status = 200, body = Changed), (status = 404, body = Problem)))]
pub(super) async fn disable(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<Changed>> {
    Ok(Json(
        send(&app, &meta, &slug, id, WebhookCommand::Disable).await?,
    ))
}

/// Resumes deliveries to the endpoint (WH-6).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}/enable", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path)),
    responses((status = 200, body = Changed), (status = 404, body = Problem)))]
pub(super) async fn enable(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<Changed>> {
    Ok(Json(
        send(&app, &meta, &slug, id, WebhookCommand::Enable).await?,
    ))
}

/// Deletes the endpoint: deliveries stop and its secrets are shredded (WH-7).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path)),
    responses((status = 200, body = Changed), (status = 404, body = Problem)))]
pub(super) async fn delete(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<Changed>> {
    let changed = send(&app, &meta, &slug, id, WebhookCommand::Delete).await?;
    app.personal.erase(id).await?;
    Ok(Json(changed))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplayBody {
    /// Redeliver the endpoint's kinds of every event at or after this log position.
    pub from_position: i64,
}

/// Redelivers the endpoint's events from a past log position (WH-12).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}/replay", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path)), request_body = ReplayBody,
    responses((status = 202, body = Changed), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub(super) async fn replay(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<ReplayBody>,
) -> ApiResult<(StatusCode, Json<Changed>)> {
    let command = WebhookCommand::RequestReplay {
        from_position: body.from_position,
    };
    let changed = send(&app, &meta, &slug, id, command).await?;
    Ok((StatusCode::ACCEPTED, Json(changed)))
}

/// The endpoint's deliveries, newest first (replay rounds before live
/// deliveries, then by log position), with every attempt (status code, response
/// time, error) (WH-10); paged (`limit`, `cursor`) in SQL.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}/deliveries", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path), PageParams),
    responses((status = 200, body = Page<DeliveryView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
pub(super) async fn deliveries(
    State(app): State<AppState>,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
    paging: Paging,
) -> ApiResult<Json<Page<DeliveryView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    endpoint(&app, &conf, id).await?;
    let bad = || {
        crate::http::error::ApiError::from(RequestError::InvalidPaging {
            field: Some("cursor".to_string()),
            detail: "cursor is not one this list gave".to_string(),
        })
    };
    let after = match start_after(&paging, "round", true)? {
        None => None,
        Some((round, position)) => Some((
            round.parse::<i64>().map_err(|_| bad())?,
            position.parse::<i64>().map_err(|_| bad())?,
        )),
    };
    let endpoint_id = id.to_string();
    let rows = store::list(&app.db, &endpoint_id, after, i64::from(paging.limit) + 1).await?;
    let total = match paging.is_first() {
        true => Some(store::count(&app.db, &endpoint_id).await?),
        false => None,
    };
    let rows = rows
        .into_iter()
        .map(|d| (position_sort(d.round), position_sort(d.position), d))
        .collect();
    Ok(Json(page_of_rows(&paging, "round", true, rows, total)))
}
