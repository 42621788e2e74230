//! Receipts (GRANT-29…36): the applicant uploads (multipart/form-data with the
//! file streamed, or JSON with the file in base64), lists, deletes and downloads
//! their own; reviewers approve, flag, take a random one from the queue and
//! download any.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::travel_grant::{
    GrantCommand, GrantError, ReceiptKind, ReceiptReview, stream_id,
};
use utoipa::ToSchema;
use uuid::Uuid;

use super::bodies::ReceiptView;
use super::staff::{applicant_of, send as staff_send};
use super::{GrantChanged, MANAGE, PUBLIC, conference_grants, grant_row};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path};
use crate::http::input::MoneyString;
use crate::http::page::{PageParams, Paging, page_in_memory, time_sort};
use crate::http::request_error::RequestError;
use crate::http::{input, schema};
use crate::personal::files::Found;
use crate::process::grant_receipts::{self as flow, NewReceipt};
use crate::refusal::Failure;

/// GRANT-30/31: a receipt with its file, base64 (standard alphabet, padded).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiptBody {
    #[schema(value_type = String, max_length = 16, example = "airfare")]
    pub kind: ReceiptKind,
    pub date: NaiveDate,
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = MoneyString)]
    pub amount: Decimal,
    #[serde(default)]
    #[schema(max_length = 255)]
    pub description: String,
    /// The file's name; its extension must be pdf, jpg, jpeg or png (GRANT-31).
    #[schema(max_length = 255, example = "boarding-pass.pdf")]
    pub file_name: String,
    /// The file, base64; at most 10 MiB decoded (GRANT-31).
    #[schema(max_length = 14_000_000)]
    pub content_base64: String,
}

/// GRANT-30/31: the multipart/form-data form of a receipt (the file streamed,
/// refused past 10 MiB while it arrives).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the form; the handler reads it part by part
pub struct ReceiptForm {
    /// airfare or lodging (`kind` is accepted too).
    #[serde(rename = "type")]
    #[schema(value_type = String, max_length = 16, example = "airfare")]
    pub kind: String,
    #[schema(value_type = String, format = Date, example = "2027-05-12")]
    pub date: String,
    #[schema(value_type = MoneyString)]
    pub amount: String,
    #[serde(default)]
    #[schema(max_length = 255)]
    pub description: String,
    /// The file, with its name (extension pdf, jpg, jpeg or png) in the part's
    /// `filename`; at most 10 MiB (GRANT-31).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// What a receipt command answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptChanged {
    pub grant: Uuid,
    pub receipt: Uuid,
    /// The log position of the change: send it as `X-Tessera-After` to read it back.
    pub position: Option<i64>,
}

/// A page of the applicant's receipts with the sum of all of them (GRANT-36).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptList {
    /// A page of the receipts (oldest upload first), like every list.
    pub items: Vec<ReceiptView>,
    /// Send as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many receipts there are, on the first page.
    pub total: Option<i64>,
    /// Σ the amounts of every receipt (GRANT-36).
    #[schema(value_type = MoneyString)]
    pub total_amount: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FlagBody {
    /// GRANT-34: required, at most 1024 characters.
    #[schema(max_length = 1024)]
    pub reason: String,
}

/// GRANT-35: a random receipt awaiting review, if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueue {
    /// How many receipts of the conference are neither approved nor flagged.
    pub pending: usize,
    pub grant: Option<Uuid>,
    pub receipt: Option<ReceiptView>,
}

fn too_large() -> ApiError {
    GrantError::ReceiptTooLarge.into()
}

/// Uploads a receipt of an accepted grant with an approved amount: pdf, jpg,
/// jpeg or png of at most 10 MiB (GRANT-29…31). The file is kept sealed beside
/// the log, never in an event.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/mine/receipts", tag = "grants",
    params(("slug" = String, Path)),
    request_body(content((ReceiptBody = "application/json"), (ReceiptForm = "multipart/form-data"))),
    responses((status = 201, body = ReceiptChanged), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    request: Request,
) -> ApiResult<(StatusCode, Json<ReceiptChanged>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let new = if multipart {
        let form = Multipart::from_request(request, &app)
            .await
            .map_err(|e| RequestError::UnreadableBody(e.body_text()))?;
        read_form(form).await?
    } else {
        let ApiJson(body) = ApiJson::<ReceiptBody>::from_request(request, &app).await?;
        from_json(body)?
    };
    let meta = meta.for_conf(Some(conf.id));
    match flow::upload(&app.records(), conf.id, user.id, new, &meta).await {
        Ok((receipt, sent)) => Ok((
            StatusCode::CREATED,
            Json(ReceiptChanged {
                grant: stream_id(conf.id, user.id),
                receipt,
                position: sent.position,
            }),
        )),
        Err(e) if e.code() == GrantError::ReceiptTooLarge.code() => Err(too_large()),
        Err(e) => Err(e.into()),
    }
}

fn from_json(body: ReceiptBody) -> ApiResult<NewReceipt> {
    // Refuse an oversized file before decoding it (4 base64 characters = 3 bytes).
    if body.content_base64.len() / 4 * 3 > 10 * 1024 * 1024 + 3 {
        return Err(too_large());
    }
    let content = STANDARD
        .decode(body.content_base64.trim())
        .map_err(|_| GrantError::ReceiptUnreadable)?;
    Ok(NewReceipt {
        kind: body.kind,
        date: body.date,
        amount: body.amount,
        description: body.description,
        file_name: body.file_name,
        content,
    })
}

/// The most a text part of the form may hold.
const MAX_TEXT_PART: usize = 4096;

fn form_error(detail: impl Into<String>) -> ApiError {
    RequestError::InvalidForm(detail.into()).into()
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        RequestError::UnreadableBody(e.body_text()).into()
    }
}

/// Reads the form part by part: the text fields into the JSON shape of
/// [`ReceiptBody`] (checked as strictly as the JSON upload), the file streamed
/// and refused (413) as soon as it passes 10 MiB.
async fn read_form(mut form: Multipart) -> ApiResult<NewReceipt> {
    let max =
        usize::try_from(tessera_aggregates::travel_grant::MAX_RECEIPT_BYTES).unwrap_or(usize::MAX);
    let mut fields = serde_json::Map::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(mut part) = form.next_field().await.map_err(multipart_error)? {
        let name = part.name().unwrap_or_default().to_string();
        let key = match name.as_str() {
            "type" | "kind" => "kind",
            "date" | "amount" | "description" => name.as_str(),
            "file" => {
                if file.is_some() {
                    return Err(form_error("The form holds more than one file."));
                }
                let file_name = part.file_name().unwrap_or_default().to_string();
                let mut content = vec![];
                while let Some(chunk) = part.chunk().await.map_err(multipart_error)? {
                    if content.len() + chunk.len() > max {
                        return Err(too_large());
                    }
                    content.extend_from_slice(&chunk);
                }
                file = Some((file_name, content));
                continue;
            }
            other => return Err(form_error(format!("Unknown form field `{other}`."))),
        };
        let mut text = vec![];
        while let Some(chunk) = part.chunk().await.map_err(multipart_error)? {
            if text.len() + chunk.len() > MAX_TEXT_PART {
                return Err(form_error(format!("The form field `{name}` is too long.")));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text)
            .map_err(|_| form_error(format!("The form field `{name}` is not UTF-8 text.")))?;
        if fields.insert(key.to_string(), text.into()).is_some() {
            return Err(form_error(format!(
                "The form field `{name}` appears twice."
            )));
        }
    }
    let Some((file_name, content)) = file else {
        return Err(form_error("The form has no `file`."));
    };
    fields.insert("file_name".into(), file_name.into());
    fields.insert("content_base64".into(), String::new().into());
    let json = serde_json::Value::Object(fields).to_string();
    let components = schema::components();
    let body: ReceiptBody =
        input::parse(json.as_bytes(), components.get("ReceiptBody"), components)?;
    Ok(NewReceipt {
        kind: body.kind,
        date: body.date,
        amount: body.amount,
        description: body.description,
        file_name: body.file_name,
        content,
    })
}

/// The caller's receipts with Σ amounts (GRANT-29, GRANT-36), oldest upload
/// first; paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/mine/receipts", tag = "grants",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = ReceiptList), (status = 400, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<ReceiptList>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let row = grant_row(&app, stream_id(conf.id, user.id))
        .await?
        .ok_or_else(|| ApiError::not_found("Travel grant application"))?;
    // GRANT-29: the same gate as uploading.
    let open = row.status == tessera_aggregates::travel_grant::GrantStatus::Accepted
        && row.approved_amount.is_some_and(|a| !a.is_zero());
    if !open {
        return Err(GrantError::ReceiptsNotAllowed.into());
    }
    let total_amount = row.receipts_total();
    let receipts = row
        .receipts
        .into_iter()
        .map(|r| (time_sort(&r.uploaded_at), r.id.to_string(), r))
        .collect();
    // Only the page's descriptions are opened.
    let page = page_in_memory(&paging, "uploaded_at", false, receipts)?;
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        items.push(ReceiptView::open(&app, row.applicant, r).await?);
    }
    Ok(Json(ReceiptList {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
        total_amount,
    }))
}

/// Deletes a receipt neither approved nor flagged, and its file (GRANT-33).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/grants/mine/receipts/{receipt}", tag = "grants",
    params(("slug" = String, Path), ("receipt" = Uuid, Path)),
    responses((status = 200, body = ReceiptChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, receipt)): Path<(String, Uuid)>,
) -> ApiResult<Json<ReceiptChanged>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let meta = meta.for_conf(Some(conf.id));
    let sent = flow::delete(&app.records(), conf.id, user.id, receipt, &meta).await?;
    Ok(Json(ReceiptChanged {
        grant: stream_id(conf.id, user.id),
        receipt,
        position: sent.position,
    }))
}

async fn file_response(
    app: &AppState,
    conference: Uuid,
    receipt: Uuid,
    applicant: Uuid,
) -> ApiResult<Response> {
    let row = grant_row(app, stream_id(conference, applicant)).await?;
    let stored = row
        .as_ref()
        .and_then(|g| g.receipts.iter().find(|r| r.id == receipt));
    let found = flow::open_file(&app.records(), applicant, receipt, stored).await?;
    let file = match found {
        Found::File(f) => f,
        Found::Missing => return Err(ApiError::not_found("Receipt")),
        Found::Erased => {
            return Err(GrantError::ReceiptErased.into());
        }
    };
    let name = file.file_name.rsplit('/').next().unwrap_or("receipt");
    Response::builder()
        .header(header::CONTENT_TYPE, file.content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from(file.content))
        .map_err(ApiError::internal)
}

/// The caller's own receipt file (GRANT-36).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/mine/receipts/{receipt}/file", tag = "grants",
    params(("slug" = String, Path), ("receipt" = Uuid, Path)),
    responses((status = 200, description = "The file (application/pdf, image/jpeg or image/png)"),
        (status = 404, body = Problem), (status = 410, body = Problem)))]
pub async fn my_file(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    Path((slug, receipt)): Path<(String, Uuid)>,
) -> ApiResult<Response> {
    let conf = app.gate(&slug, PUBLIC).await?;
    file_response(&app, conf.id, receipt, user.id).await
}

/// Any receipt file of a grant of this conference (reviewers, GRANT-11).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/{grant}/receipts/{receipt}/file", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path), ("receipt" = Uuid, Path)),
    responses((status = 200, description = "The file (application/pdf, image/jpeg or image/png)"),
        (status = 404, body = Problem), (status = 410, body = Problem)))]
pub async fn file(
    State(app): State<AppState>,
    Path((slug, grant, receipt)): Path<(String, Uuid, Uuid)>,
) -> ApiResult<Response> {
    let conf = app.gate(&slug, MANAGE).await?;
    let applicant = applicant_of(&app, &conf, grant).await?;
    file_response(&app, conf.id, receipt, applicant).await
}

/// A reviewer approves a receipt (GRANT-34).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/{grant}/receipts/{receipt}/approve", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path), ("receipt" = Uuid, Path)),
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem)))]
pub async fn approve(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, grant, receipt)): Path<(String, Uuid, Uuid)>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = GrantCommand::ApproveReceipt {
        receipt_id: receipt,
        by: user.id,
    };
    staff_send(&app, &conf, grant, cmd, &meta).await
}

/// A reviewer flags a receipt with a reason (GRANT-34).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/grants/{grant}/receipts/{receipt}/flag", tag = "grants",
    params(("slug" = String, Path), ("grant" = Uuid, Path), ("receipt" = Uuid, Path)), request_body = FlagBody,
    responses((status = 200, body = GrantChanged), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn flag(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, grant, receipt)): Path<(String, Uuid, Uuid)>,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<Json<GrantChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = GrantCommand::FlagReceipt {
        receipt_id: receipt,
        by: user.id,
        reason: body.reason,
    };
    staff_send(&app, &conf, grant, cmd, &meta).await
}

/// A random receipt of the conference that is neither approved nor flagged
/// (GRANT-35).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/grants/receipt-queue", tag = "grants",
    params(("slug" = String, Path)),
    responses((status = 200, body = ReviewQueue), (status = 403, body = Problem)))]
pub async fn queue(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<ReviewQueue>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let pending: Vec<_> = conference_grants(&app, conf.id)
        .await?
        .into_iter()
        .flat_map(|g| {
            let (grant, applicant) = (g.id, g.applicant);
            g.receipts
                .into_iter()
                .filter(|r| r.review() == ReceiptReview::Pending)
                .map(move |r| (grant, applicant, r))
        })
        .collect();
    let count = pending.len();
    let picked = flow::pick(pending, |n| rand::thread_rng().gen_range(0..n));
    let (grant, receipt) = match picked {
        Some((grant, applicant, r)) => (
            Some(grant),
            Some(ReceiptView::open(&app, applicant, r).await?),
        ),
        None => (None, None),
    };
    Ok(Json(ReviewQueue {
        pending: count,
        grant,
        receipt,
    }))
}
