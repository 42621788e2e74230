//! Outgoing webhook endpoints of a conference (docs/webhooks.md): organizers
//! register, list, rotate, disable, enable, delete and replay them, and read their
//! delivery log. A secret is shown once, in the answer that created it.

mod manage;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::webhook::{KINDS, WebhookCommand, WebhookEndpoint};
use tessera_projections::webhooks::{EndpointRow, NAME as VIEW, conference_prefix, endpoint_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, ConferenceRef};
use crate::http::access::{Group, ORGANIZER};
use crate::http::conferences::MANAGE;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta, Path};
use crate::http::idempotency::NotStored;
use crate::http::page::{Page, PageParams, Paging, page_in_memory, position_sort};
use crate::webhooks::signing::generate_secret;

pub fn groups() -> Vec<Group> {
    vec![(
        ORGANIZER,
        OpenApiRouter::new()
            .routes(routes!(list_endpoints, register))
            .routes(routes!(list_kinds))
            .routes(routes!(get_endpoint, manage::delete))
            .routes(routes!(manage::rotate_secret))
            .routes(routes!(manage::disable))
            .routes(routes!(manage::enable))
            .routes(routes!(manage::replay))
            .routes(routes!(manage::deliveries)),
    )]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    /// `https://…` (plain HTTP only to localhost when the service allows it).
    #[schema(max_length = 2000)]
    pub url: String,
    /// Published kinds (`GET …/webhooks/kinds`).
    #[schema(value_type = Vec<crate::http::input::SlugString>)]
    pub kinds: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub description: String,
}

/// An endpoint as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WebhookEndpointView)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub kinds: Vec<String>,
    pub description: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs beside the current one.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    /// The log position of the registration.
    pub position: i64,
}

impl From<EndpointRow> for EndpointView {
    fn from(r: EndpointRow) -> Self {
        Self {
            id: r.id,
            url: r.url,
            kinds: r.kinds,
            description: r.description,
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
            secret_rotated_at: r.secret_rotated_at,
            previous_secret_valid_until: r.previous_valid_until,
            position: r.position,
        }
    }
}

/// The answer to a registration: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredEndpoint {
    pub id: Uuid,
    pub url: String,
    pub kinds: Vec<String>,
    /// The signing secret: store it now, it is never shown again.
    pub secret: String,
    pub position: Option<i64>,
}

/// Registers an endpoint; its secret is generated and shown once (WH-1..4).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/webhooks", tag = "webhooks",
    params(("slug" = String, Path)), request_body = RegisterBody,
    responses((status = 201, body = RegisteredEndpoint), (status = 422, body = Problem)))]
async fn register(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<Response> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = Uuid::new_v4();
    let secret = generate_secret();
    // WH-4: sealed under the endpoint's own key; deleting it shreds the key.
    let sealed = app.personal.seal(id, &secret).await?;
    let sent = app
        .bus
        .send(
            &WebhookEndpoint::stream(id),
            WebhookCommand::Register {
                conference_id: conf.id,
                url: body.url.clone(),
                kinds: body.kinds.clone(),
                description: body.description,
                secret: sealed,
                allow_insecure_localhost: app.config.webhooks.allow_insecure_localhost,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let mut kinds = body.kinds;
    kinds.sort();
    kinds.dedup();
    let answer = Json(RegisteredEndpoint {
        id,
        url: body.url.trim().to_string(),
        kinds,
        secret,
        position: sent.position,
    });
    Ok(not_stored((StatusCode::CREATED, answer)))
}

/// WH-4: an answer holding a secret is never kept for `Idempotency-Key` replay
/// (a retry registers or rotates again, with a new secret).
fn not_stored(answer: impl IntoResponse) -> Response {
    let mut response = answer.into_response();
    response.extensions_mut().insert(NotStored);
    response
}

/// The conference's endpoints, oldest first (no secrets); paged (`limit`,
/// `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/webhooks", tag = "webhooks",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<EndpointView>), (status = 400, body = Problem)))]
async fn list_endpoints(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<EndpointView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let rows = storage::live_rows_with_prefix(&app.db, VIEW, &conference_prefix(conf.id)).await?;
    let list = rows
        .into_iter()
        .map(|(_, doc)| {
            serde_json::from_str::<EndpointRow>(&doc).map(|r| {
                let v = EndpointView::from(r);
                (position_sort(v.position), v.id.to_string(), v)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(page_in_memory(&paging, "position", false, list)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookKinds {
    pub kinds: Vec<String>,
}

/// The published event kinds an endpoint may subscribe to (WH-2).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/webhooks/kinds", tag = "webhooks",
    params(("slug" = String, Path)),
    responses((status = 200, body = WebhookKinds)))]
async fn list_kinds(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<WebhookKinds>> {
    app.gate(&slug, MANAGE).await?;
    Ok(Json(WebhookKinds {
        kinds: KINDS.iter().map(|k| k.to_string()).collect(),
    }))
}

/// One endpoint (no secret).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/webhooks/{endpoint}", tag = "webhooks",
    params(("slug" = String, Path), ("endpoint" = Uuid, Path)),
    responses((status = 200, body = EndpointView), (status = 404, body = Problem)))]
async fn get_endpoint(
    State(app): State<AppState>,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<EndpointView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    Ok(Json(endpoint(&app, &conf, id).await?.into()))
}

/// The endpoint `id` of `conf`, or 404.
async fn endpoint(app: &AppState, conf: &ConferenceRef, id: Uuid) -> ApiResult<EndpointRow> {
    let doc = storage::live_row(&app.db, VIEW, &endpoint_key(conf.id, id))
        .await?
        .ok_or_else(|| ApiError::not_found("Webhook endpoint"))?;
    Ok(serde_json::from_str(&doc)?)
}
