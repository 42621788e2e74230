//! Visa letter PDFs (LETTER-8…10): organizers generate (one, or every approved
//! request at once) and send; the applicant downloads only their own PDF and only
//! once one exists; organizers download any. The PDF is kept sealed under the
//! applicant's key: erasing the applicant makes it unreadable (410).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use serde::Serialize;
use tessera_aggregates::visa_letter::LetterError;
use tessera_aggregates::visa_letter::{LetterCommand, VisaLetter, stream_id};
use tessera_projections::Projection;
use tessera_projections::visa_letters::{LETTERS_PREFIX, LetterRow, VisaLetters, letter_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, AuthUser, CommandMeta, Path};
use crate::http::visa_letters::LetterChanged;
use crate::personal::files::{self, FileKind, Found};
use crate::process::visa_letters as flow;

/// CONF-29: visa-letter pages need registration + visa_letters.
const NEEDS: &[Feature] = &[Feature::Registration, Feature::VisaLetters];

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(my_pdf)),
        ),
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(generate))
                .routes(routes!(generate_all))
                .routes(routes!(send))
                .routes(routes!(pdf)),
        ),
    ]
}

async fn row(app: &AppState, conference: Uuid, letter: Uuid) -> ApiResult<LetterRow> {
    let doc = storage::live_row(&app.db, VisaLetters::NAME, &letter_key(letter)).await?;
    doc.map(|d| serde_json::from_str::<LetterRow>(&d))
        .transpose()?
        .filter(|r| r.conference_id == conference)
        .ok_or_else(|| ApiError::not_found("Visa letter request"))
}

/// Generates the letter PDF of an approved request (LETTER-8, LETTER-11).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/visa-letters/{letter}/generate", tag = "visa letters",
    params(("slug" = String, Path), ("letter" = Uuid, Path)),
    responses((status = 200, body = LetterChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn generate(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    _after: After,
    Path((slug, letter)): Path<(String, Uuid)>,
) -> ApiResult<Json<LetterChanged>> {
    let conf = app.gate(&slug, NEEDS).await?;
    let row = row(&app, conf.id, letter).await?;
    let position =
        flow::generate(&app.records(), &row, user.id, &meta.for_conf(Some(conf.id))).await?;
    Ok(Json(LetterChanged {
        id: letter,
        position,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkGenerated {
    pub generated: usize,
    /// Requests that stopped being approved meanwhile.
    pub refused: usize,
    pub position: Option<i64>,
}

/// Generates every approved request of the conference (LETTER-8).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/visa-letters/generate", tag = "visa letters",
    params(("slug" = String, Path)),
    responses((status = 200, body = BulkGenerated), (status = 403, body = Problem)))]
async fn generate_all(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<BulkGenerated>> {
    let conf = app.gate(&slug, NEEDS).await?;
    let mut rows = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, VisaLetters::NAME, LETTERS_PREFIX).await?
    {
        let row: LetterRow = serde_json::from_str(&doc)?;
        if row.conference_id == conf.id {
            rows.push(row);
        }
    }
    let (generated, refused, position) = flow::generate_all(
        &app.records(),
        &rows,
        user.id,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(BulkGenerated {
        generated,
        refused,
        position,
    }))
}

/// Marks a generated letter sent, setting sent_at and e-mailing the applicant
/// through the notifications outbox (LETTER-9).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/visa-letters/{letter}/send", tag = "visa letters",
    params(("slug" = String, Path), ("letter" = Uuid, Path)),
    responses((status = 200, body = LetterChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn send(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, letter)): Path<(String, Uuid)>,
) -> ApiResult<Json<LetterChanged>> {
    let conf = app.gate(&slug, NEEDS).await?;
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
    let sent = app
        .bus
        .send(
            &VisaLetter::stream(&id),
            LetterCommand::Send { by: user.id },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(LetterChanged {
        id: letter,
        position: sent.position,
    }))
}

async fn pdf_response(app: &AppState, row: &LetterRow) -> ApiResult<Response> {
    let found = files::open(
        &app.db,
        &app.personal,
        FileKind::VisaLetter,
        row.id,
        row.applicant,
    )
    .await?;
    let file = match found {
        Found::File(f) => f,
        Found::Missing => return Err(ApiError::not_found("Visa letter PDF")),
        Found::Erased => {
            return Err(LetterError::Erased.into());
        }
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        )
        .body(Body::from(file.content))
        .map_err(ApiError::internal)
}

/// The caller's own letter PDF, once generated (LETTER-10).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/visa-letters/mine/pdf", tag = "visa letters",
    params(("slug" = String, Path)),
    responses((status = 200, description = "letter-<id>.pdf (application/pdf)"),
        (status = 404, body = Problem), (status = 410, body = Problem)))]
async fn my_pdf(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.gate(&slug, NEEDS).await?;
    let row = row(&app, conf.id, stream_id(conf.id, user.id)).await?;
    pdf_response(&app, &row).await
}

/// Any letter PDF of the conference (organizers, LETTER-10).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/visa-letters/{letter}/pdf", tag = "visa letters",
    params(("slug" = String, Path), ("letter" = Uuid, Path)),
    responses((status = 200, description = "letter-<id>.pdf (application/pdf)"),
        (status = 404, body = Problem), (status = 410, body = Problem)))]
async fn pdf(
    State(app): State<AppState>,
    Path((slug, letter)): Path<(String, Uuid)>,
) -> ApiResult<Response> {
    let conf = app.gate(&slug, NEEDS).await?;
    let row = row(&app, conf.id, letter).await?;
    pdf_response(&app, &row).await
}
