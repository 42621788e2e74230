//! The applicant's own grant (GRANT-1…18, 24, 38…42): the stream is always the
//! caller's, `stream_id(conference, caller)`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use tessera_aggregates::travel_grant::{GrantCommand, TravelGrant, stream_id};

use super::bodies::{ApplicantMessageBody, GrantForm, MyGrantView};
use super::payment::{PaymentInfoBody, seal};
use super::{GrantChanged, PUBLIC, changed, grant_row};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path};
use crate::http::program::offered_days;

/// Applies for a travel grant: one application per conference and user (GRANT-1).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants", tag = "grants",
    params(("slug" = String, Path)), request_body = GrantForm,
    responses((status = 201, body = GrantChanged), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn apply(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<GrantForm>,
) -> ApiResult<(StatusCode, Json<GrantChanged>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let id = stream_id(conf.id, user.id);
    let cmd = GrantCommand::Apply {
        conference_id: conf.id,
        applicant: user.id,
        application: body.into_application(),
        max_grant_amount: app.config.max_grant_amount,
        offered_days: days_offered(&app, conf.id).await?,
    };
    let sent = app
        .bus
        .send(&TravelGrant::stream(id), cmd, &meta.for_conf(Some(conf.id)))
        .await?;
    Ok((StatusCode::CREATED, changed(id, sent)))
}

/// The caller's application with its visible messages, oldest first (GRANT-26);
/// its days only those still offered (GRANT-49).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/mine", tag = "grants",
    params(("slug" = String, Path)),
    responses((status = 200, body = MyGrantView), (status = 404, body = Problem)))]
pub async fn mine(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<MyGrantView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let row = grant_row(&app, stream_id(conf.id, user.id))
        .await?
        .ok_or_else(|| ApiError::not_found("Travel grant application"))?;
    let offered = offered_dates(&app, conf.id).await?;
    Ok(Json(MyGrantView::open(&app, row, &offered).await?))
}

/// Replaces the form while the application is editable (GRANT-14, GRANT-18).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/grants/mine", tag = "grants",
    params(("slug" = String, Path)), request_body = GrantForm,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<GrantForm>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let cmd = GrantCommand::Edit {
        application: body.into_application(),
        max_grant_amount: app.config.max_grant_amount,
        offered_days: days_offered(&app, conf.id).await?,
    };
    send(&app, conf.id, user.id, cmd, &meta).await
}

/// GRANT-49: the days the form offers now, which the submitted days must be among.
/// Read once the read models hold every event committed so far, so a section or a
/// schedule sync answered a moment ago already counts.
async fn days_offered(app: &AppState, conference: uuid::Uuid) -> ApiResult<Vec<NaiveDate>> {
    app.wait_for(Some(app.db.head().await?)).await;
    offered_dates(app, conference).await
}

/// The dates of the days the form offers, as the read models hold them.
async fn offered_dates(app: &AppState, conference: uuid::Uuid) -> ApiResult<Vec<NaiveDate>> {
    Ok(offered_days(app, conference)
        .await?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

async fn send(
    app: &AppState,
    conference: uuid::Uuid,
    user: uuid::Uuid,
    cmd: GrantCommand,
    meta: &CommandMeta,
) -> ApiResult<Json<GrantChanged>> {
    let id = stream_id(conference, user);
    let sent = app
        .bus
        .send(
            &TravelGrant::stream(id),
            cmd,
            &meta.for_conf(Some(conference)),
        )
        .await?;
    Ok(changed(id, sent))
}

/// Withdraws a submitted or info-needed application (GRANT-15).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/mine/withdraw", tag = "grants",
    params(("slug" = String, Path)),
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    send(&app, conf.id, user.id, GrantCommand::Withdraw, &meta).await
}

/// Accepts an offer (GRANT-16).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/mine/accept", tag = "grants",
    params(("slug" = String, Path)),
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn accept(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    send(&app, conf.id, user.id, GrantCommand::Accept, &meta).await
}

/// Declines an offer (GRANT-16).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/mine/decline", tag = "grants",
    params(("slug" = String, Path)),
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn decline(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    send(&app, conf.id, user.id, GrantCommand::Decline, &meta).await
}

/// Answers a request for information: back to submitted (GRANT-17).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/mine/provide-info", tag = "grants",
    params(("slug" = String, Path)), request_body = ApplicantMessageBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn provide_info(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ApplicantMessageBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let message = app.personal.seal_opt(user.id, body.message.trim()).await?;
    let cmd = GrantCommand::ProvideInfo { message };
    send(&app, conf.id, user.id, cmd, &meta).await
}

/// Sends a message to the reviewers, in any status; always visible (GRANT-24).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/mine/messages", tag = "grants",
    params(("slug" = String, Path)), request_body = ApplicantMessageBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn message(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ApplicantMessageBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    // Personal data: sealed under the applicant's key (erasure shreds it).
    let text = app.personal.seal_opt(user.id, body.message.trim()).await?;
    let cmd = GrantCommand::PostMessage {
        author: user.id,
        from_reviewer: false,
        text,
        visible: true,
    };
    send(&app, conf.id, user.id, cmd, &meta).await
}

/// Records the payment details of an accepted grant, sealed under the
/// applicant's key before they enter the log (GRANT-38…42).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/grants/mine/payment-info", tag = "grants",
    params(("slug" = String, Path)), request_body = PaymentInfoBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn payment_info(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<PaymentInfoBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let info = seal(&app, user.id, body).await?;
    let cmd = GrantCommand::RecordPaymentInfo {
        info: Box::new(info),
    };
    send(&app, conf.id, user.id, cmd, &meta).await
}
