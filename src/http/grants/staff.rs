//! Reviewers, finance staff and readers (GRANT-11, 19, 20, 25, 26; ANA-15/33).

use axum::Json;
use axum::extract::State;
use tessera_aggregates::travel_grant::{GrantCommand, TravelGrant};
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{CatalogRow, ConferenceCatalog, conference_key};
use tessera_projections::travel_grants::{GrantSummary, summarize};
use tessera_replay::storage;
use uuid::Uuid;

use super::bodies::{DisburseBody, GrantView, MessageBody, ReviewBody};
use super::{GrantChanged, MANAGE, changed, conference_grants, grant_row};
use crate::app::{AppState, ConferenceRef};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path};
use crate::http::page::{Page, PageParams, Paging, page_in_memory, time_sort};

/// The conference's applications, oldest first, with every message; paged
/// (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants", tag = "grants",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<GrantView>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<GrantView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let rows = conference_grants(&app, conf.id).await?;
    let mut items = vec![];
    for r in rows {
        let key = (time_sort(&r.created_at), r.id.to_string());
        items.push((key.0, key.1, GrantView::open(&app, r).await?));
    }
    Ok(Json(page_in_memory(&paging, "created", false, items)?))
}

/// One application with reviewer notes and every message (GRANT-26).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/{grant}", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path)),
    responses((status = 200, body = GrantView), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    _after: After,
    Path((slug, grant)): Path<(String, Uuid)>,
) -> ApiResult<Json<GrantView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let row = grant_row(&app, grant)
        .await?
        .filter(|r| r.conference_id == conf.id)
        .ok_or_else(not_found)?;
    Ok(Json(GrantView::open(&app, row).await?))
}

fn not_found() -> ApiError {
    ApiError::not_found("Travel grant application")
}

/// The applicant of `grant` when it is a grant of this conference (another
/// conference's grant is not found).
pub(super) async fn applicant_of(
    app: &AppState,
    conf: &ConferenceRef,
    grant: Uuid,
) -> ApiResult<Uuid> {
    let of = app
        .bus
        .inspect(&TravelGrant::stream(grant), |g| {
            g.exists().then(|| (g.conference_id(), g.applicant()))
        })
        .await?;
    match of {
        Some((c, applicant)) if c == conf.id => Ok(applicant),
        _ => Err(not_found()),
    }
}

/// Sends a staff command to a grant of this conference (another conference's
/// grant is not found).
pub(super) async fn send(
    app: &AppState,
    conf: &ConferenceRef,
    grant: Uuid,
    cmd: GrantCommand,
    meta: &CommandMeta,
) -> ApiResult<Json<GrantChanged>> {
    applicant_of(app, conf, grant).await?;
    let id = TravelGrant::stream(grant);
    let sent = app
        .bus
        .send(&id, cmd, &meta.for_conf(Some(conf.id)))
        .await?;
    Ok(changed(grant, sent))
}

/// A reviewer's save: status, approved amount, promo code and notes, with
/// reviewer and time recorded (GRANT-19; disbursed is final, AMB-13).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/{grant}/review", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path)), request_body = ReviewBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn review(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, grant)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = GrantCommand::Review {
        by: user.id,
        status: body.status,
        approved_amount: body.approved_amount,
        promo_code: body.promo_code,
        reviewer_notes: body.reviewer_notes,
    };
    send(&app, &conf, grant, cmd, &meta).await
}

/// A reviewer's message: an internal note unless marked visible (GRANT-25).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/{grant}/messages", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path)), request_body = MessageBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn message(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, grant)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<MessageBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    // Sealed under the applicant's key: erasing them shreds the thread.
    let applicant = applicant_of(&app, &conf, grant).await?;
    let text = app
        .personal
        .seal_opt(applicant, body.message.trim())
        .await?;
    let cmd = GrantCommand::PostMessage {
        author: user.id,
        from_reviewer: true,
        text,
        visible: body.visible,
    };
    send(&app, &conf, grant, cmd, &meta).await
}

/// Finance staff pay out an accepted grant (GRANT-20).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/{grant}/disburse", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path)), request_body = DisburseBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn disburse(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, grant)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<DisburseBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = GrantCommand::Disburse {
        by: user.id,
        amount: body.amount,
    };
    send(&app, &conf, grant, cmd, &meta).await
}

/// The grant budget: counts, committed, remaining and disbursed (ANA-15, ANA-33).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/summary", tag = "grants",
    params(("slug" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = Problem)))]
pub async fn summary(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<GrantSummary>> {
    let conf = app.gate(&slug, MANAGE).await?;
    Ok(Json(budget_summary(&app, conf.id).await?))
}

/// The grant budget of one conference (the JSON handler and the grants dashboard).
pub(crate) async fn budget_summary(app: &AppState, conference: Uuid) -> ApiResult<GrantSummary> {
    let doc = storage::live_row(
        &app.db,
        ConferenceCatalog::NAME,
        &conference_key(conference),
    )
    .await?;
    let budget = match doc
        .map(|d| serde_json::from_str::<CatalogRow>(&d))
        .transpose()?
    {
        Some(CatalogRow::Conference(c)) => c.details.grant_budget,
        _ => None,
    };
    let rows = conference_grants(app, conference).await?;
    Ok(summarize(rows.iter(), budget))
}
