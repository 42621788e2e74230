//! Visa letter requests (SPEC LETTER-*): the applicant requests one per
//! conference; organizers review (under review, approve, reject with a reason).
//! Passport data is sealed under the applicant's key before it enters the log.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::visa_letter::LetterError;
use tessera_aggregates::visa_letter::{
    LetterCommand, LetterRequest, LetterStatus, ReviewAction, VisaLetter, stream_id,
};
use tessera_projections::Projection;
use tessera_projections::visa_letters::{LETTERS_PREFIX, LetterRow, VisaLetters, letter_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER, ORGANIZER_READ};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path, Query};
use crate::http::page::{PageParams, Paging, page_in_memory, time_sort};

/// CONF-29: visa-letter pages need registration + visa_letters.
const NEEDS: &[Feature] = &[Feature::Registration, Feature::VisaLetters];

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Authenticated,
            OpenApiRouter::new()
                .routes(routes!(request))
                .routes(routes!(mine)),
        ),
        (ORGANIZER_READ, OpenApiRouter::new().routes(routes!(list))),
        (ORGANIZER, OpenApiRouter::new().routes(routes!(review))),
    ]
}

/// LETTER-2: the request form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LetterBody {
    #[schema(max_length = 300)]
    pub passport_name: String,
    #[schema(max_length = 50)]
    pub passport_number: String,
    #[schema(max_length = 100)]
    pub nationality: String,
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub embassy_name: String,
    pub travel_from: NaiveDate,
    pub travel_until: NaiveDate,
    #[schema(max_length = 1000)]
    pub destination_address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterChanged {
    pub id: Uuid,
    pub position: Option<i64>,
}

/// Requests a visa letter: one per conference (LETTER-1…4).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/visa-letters", tag = "visa letters",
    params(("slug" = String, Path)), request_body = LetterBody,
    responses((status = 201, body = LetterChanged), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn request(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<LetterBody>,
) -> ApiResult<(StatusCode, Json<LetterChanged>)> {
    let conf = app.gate(&slug, NEEDS).await?;
    let p = &app.personal;
    let dob = body
        .date_of_birth
        .map(|d| d.to_string())
        .unwrap_or_default();
    let sealed = LetterRequest {
        passport_name: p.seal_opt(user.id, body.passport_name.trim()).await?,
        passport_number: p.seal_opt(user.id, body.passport_number.trim()).await?,
        nationality: body.nationality,
        date_of_birth: p.seal_opt(user.id, &dob).await?,
        embassy_name: body.embassy_name,
        travel_from: body.travel_from,
        travel_until: body.travel_until,
        destination_address: p.seal_opt(user.id, body.destination_address.trim()).await?,
    };
    let id = stream_id(conf.id, user.id);
    let cmd = LetterCommand::Request {
        conference_id: conf.id,
        applicant: user.id,
        request: Box::new(sealed),
    };
    let sent = app
        .bus
        .send(&VisaLetter::stream(id), cmd, &meta.for_conf(Some(conf.id)))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(LetterChanged {
            id,
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterView {
    pub id: Uuid,
    pub applicant: Uuid,
    #[schema(value_type = String)]
    pub status: LetterStatus,
    pub nationality: String,
    pub embassy_name: String,
    pub travel_from: NaiveDate,
    pub travel_until: NaiveDate,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub rejection_reason: String,
    pub created_at: DateTime<Utc>,
    /// LETTER-8/10: "letter-<id>.pdf" once generated.
    pub file_name: Option<String>,
    pub generated_at: Option<DateTime<Utc>>,
    /// LETTER-9.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<LetterRow> for LetterView {
    fn from(r: LetterRow) -> Self {
        Self {
            id: r.id,
            applicant: r.applicant,
            status: r.status,
            nationality: r.request.nationality,
            embassy_name: r.request.embassy_name,
            travel_from: r.request.travel_from,
            travel_until: r.request.travel_until,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            rejection_reason: r.rejection_reason,
            created_at: r.created_at,
            file_name: r.file_name,
            generated_at: r.generated_at,
            sent_at: r.sent_at,
        }
    }
}

/// The caller's request (LETTER-1: visiting again shows the existing one).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/visa-letters/mine", tag = "visa letters",
    params(("slug" = String, Path)),
    responses((status = 200, body = LetterView), (status = 404, body = Problem)))]
async fn mine(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<LetterView>> {
    let conf = app.gate(&slug, NEEDS).await?;
    let doc = storage::live_row(
        &app.db,
        VisaLetters::NAME,
        &letter_key(stream_id(conf.id, user.id)),
    )
    .await?;
    let row: LetterRow = doc
        .map(|d| serde_json::from_str(&d))
        .transpose()?
        .ok_or_else(|| ApiError::not_found("Visa letter request"))?;
    Ok(Json(row.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// LETTER-12: only requests in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<LetterStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterList {
    /// A page of the requests (oldest first), like every list.
    pub items: Vec<LetterView>,
    /// Send as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many requests match the filter, on the first page.
    pub total: Option<i64>,
    /// LETTER-12: a count per status of all the conference's requests.
    pub counts: BTreeMap<String, usize>,
}

/// The conference's requests, oldest first, filtered by status, with counts
/// (LETTER-12); paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/visa-letters", tag = "visa letters",
    params(("slug" = String, Path), ListQuery, PageParams),
    responses((status = 200, body = LetterList), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn list(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
    paging: Paging,
) -> ApiResult<Json<LetterList>> {
    let conf = app.gate(&slug, NEEDS).await?;
    let rows = storage::live_rows_with_prefix(&app.db, VisaLetters::NAME, LETTERS_PREFIX).await?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut letters = vec![];
    for (_, doc) in rows {
        let row: LetterRow = serde_json::from_str(&doc)?;
        if row.conference_id != conf.id {
            continue;
        }
        let status = serde_json::to_value(row.status)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        *counts.entry(status).or_default() += 1;
        if q.status.is_none_or(|s| s == row.status) {
            let view = LetterView::from(row);
            letters.push((time_sort(&view.created_at), view.id.to_string(), view));
        }
    }
    let page = page_in_memory(&paging, "created_at", false, letters)?;
    Ok(Json(LetterList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
        counts,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LetterReviewBody {
    /// under_review, approve or reject (LETTER-12).
    #[schema(max_length = 32, example = "approve")]
    pub action: String,
    /// Required to reject (LETTER-7).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// An organizer's review action (LETTER-6/7/12).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/visa-letters/{letter}/review", tag = "visa letters",
    params(("slug" = String, Path), ("letter" = Uuid, Path)), request_body = LetterReviewBody,
    responses((status = 200, body = LetterChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn review(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, letter)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<LetterReviewBody>,
) -> ApiResult<Json<LetterChanged>> {
    let conf = app.gate(&slug, NEEDS).await?;
    let action = match body.action.as_str() {
        "under_review" => ReviewAction::UnderReview,
        "approve" => ReviewAction::Approve,
        "reject" => ReviewAction::Reject {
            reason: body.reason,
        },
        _ => {
            return Err(LetterError::InvalidTransition.into());
        }
    };
    let id = letter.to_string();
    let of = app
        .bus
        .inspect(&VisaLetter::stream(&id), |l| {
            l.exists().then(|| l.conference_id())
        })
        .await?;
    if of != Some(conf.id) {
        return Err(ApiError::not_found("Visa letter request"));
    }
    let cmd = LetterCommand::Review {
        by: user.id,
        action,
    };
    let sent = app
        .bus
        .send(&VisaLetter::stream(&id), cmd, &meta.for_conf(Some(conf.id)))
        .await?;
    Ok(Json(LetterChanged {
        id: letter,
        position: sent.position,
    }))
}
