//! Badges (SPEC ATT-30…37): organizers define templates and generate badges in
//! bulk; an attendee downloads their own badge, organizers anyone's.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tessera_aggregates::badge::{
    BadgeFormat, BadgeTemplate, BadgeTemplates, BadgeTemplatesCommand, BannerPosition, templates_id,
};
use tessera_projections::Projection;
use tessera_projections::attendees::{AttendeeRow, Attendees, AttendeesRow, attendee_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, ConferenceRef};
use crate::badges::{content_type, store};
use crate::http::access::{Access, Group, ORGANIZER, ORGANIZER_READ};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path, Query};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};
use crate::process::badges as flow;

pub fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_template))
                .routes(routes!(attendee_badge))
                .routes(routes!(bulk)),
        ),
        (
            ORGANIZER_READ,
            OpenApiRouter::new()
                .routes(routes!(list_templates))
                .routes(routes!(job)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(my_badge)),
        ),
    ]
}

/// A template; every field but the name has ATT-33's default.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TemplateBody {
    #[schema(max_length = 200)]
    pub name: String,
    /// Defaults to slugify(name).
    #[schema(max_length = 200)]
    pub slug: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    pub width_mm: Option<u32>,
    pub height_mm: Option<u32>,
    /// below_header (default), above_name, below_name or bottom (ATT-34).
    #[schema(value_type = Option<String>, max_length = 32)]
    pub banner_position: Option<BannerPosition>,
    pub show_name: Option<bool>,
    pub show_email: Option<bool>,
    pub show_company: Option<bool>,
    pub show_ticket_type: Option<bool>,
    pub show_qr_code: Option<bool>,
    pub show_conference_name: Option<bool>,
    /// #RRGGBB.
    #[schema(example = "#FFFFFF", pattern = "^#[0-9A-Fa-f]{6}$")]
    pub background_color: Option<String>,
    #[schema(example = "#000000", pattern = "^#[0-9A-Fa-f]{6}$")]
    pub text_color: Option<String>,
    #[schema(example = "#4338CA", pattern = "^#[0-9A-Fa-f]{6}$")]
    pub accent_color: Option<String>,
    /// A standard PDF font; Helvetica when empty or unknown.
    #[schema(max_length = 100)]
    pub font: Option<String>,
}

impl TemplateBody {
    fn into_template(self) -> BadgeTemplate {
        let slug = self
            .slug
            .unwrap_or_else(|| crate::bootstrap::slugify(&self.name));
        let d = BadgeTemplate::new(&slug, &self.name);
        BadgeTemplate {
            is_default: self.is_default,
            width_mm: self.width_mm.unwrap_or(d.width_mm),
            height_mm: self.height_mm.unwrap_or(d.height_mm),
            banner_position: self.banner_position.unwrap_or(d.banner_position),
            show_name: self.show_name.unwrap_or(d.show_name),
            show_email: self.show_email.unwrap_or(d.show_email),
            show_company: self.show_company.unwrap_or(d.show_company),
            show_ticket_type: self.show_ticket_type.unwrap_or(d.show_ticket_type),
            show_qr_code: self.show_qr_code.unwrap_or(d.show_qr_code),
            show_conference_name: self.show_conference_name.unwrap_or(d.show_conference_name),
            background_color: self.background_color.unwrap_or(d.background_color.clone()),
            text_color: self.text_color.unwrap_or(d.text_color.clone()),
            accent_color: self.accent_color.unwrap_or(d.accent_color.clone()),
            font: self.font.unwrap_or_default(),
            ..d
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateCreated {
    pub slug: String,
    pub position: Option<i64>,
}

/// Creates a badge template (ATT-32/33); a new default replaces the previous one.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/badge-templates", tag = "badges",
    params(("slug" = String, Path)), request_body = TemplateBody,
    responses((status = 201, body = TemplateCreated), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_template(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<TemplateBody>,
) -> ApiResult<(StatusCode, Json<TemplateCreated>)> {
    let conf = app.conference(&slug).await?;
    let template = body.into_template();
    let made = template.slug.clone();
    let cmd = BadgeTemplatesCommand::Create {
        conference_id: conf.id,
        template: Box::new(template),
    };
    let sent = app
        .bus
        .send(
            &BadgeTemplates::stream(templates_id(conf.id)),
            cmd,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TemplateCreated {
            slug: made,
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub slug: String,
    pub name: String,
    pub is_default: bool,
    pub width_mm: u32,
    pub height_mm: u32,
    #[schema(value_type = String)]
    pub banner_position: BannerPosition,
    pub show_name: bool,
    pub show_email: bool,
    pub show_company: bool,
    pub show_ticket_type: bool,
    pub show_qr_code: bool,
    pub show_conference_name: bool,
    pub background_color: String,
    pub text_color: String,
    pub accent_color: String,
    /// ATT-33: the font badges are set in.
    pub font: String,
}

impl From<BadgeTemplate> for TemplateView {
    fn from(t: BadgeTemplate) -> Self {
        Self {
            font: t.font_or_default().to_string(),
            slug: t.slug,
            name: t.name,
            is_default: t.is_default,
            width_mm: t.width_mm,
            height_mm: t.height_mm,
            banner_position: t.banner_position,
            show_name: t.show_name,
            show_email: t.show_email,
            show_company: t.show_company,
            show_ticket_type: t.show_ticket_type,
            show_qr_code: t.show_qr_code,
            show_conference_name: t.show_conference_name,
            background_color: t.background_color,
            text_color: t.text_color,
            accent_color: t.accent_color,
        }
    }
}

/// The conference's badge templates, by slug; paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/badge-templates", tag = "badges",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<TemplateView>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn list_templates(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<TemplateView>>> {
    let conf = app.conference(&slug).await?;
    let all = flow::templates(&app.records(), conf.id).await?;
    let items = all
        .into_iter()
        .map(|t| {
            let v = TemplateView::from(t);
            (v.slug.clone(), v.slug.clone(), v)
        })
        .collect();
    Ok(Json(page_in_memory(&paging, "slug", false, items)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BadgeQuery {
    /// pdf (default) or png (ATT-30).
    pub format: Option<String>,
    /// A template slug; the conference default when absent (ATT-31).
    pub template: Option<String>,
}

/// The badge file as an attachment.
fn file_response(file: store::BadgeFile, format: BadgeFormat) -> ApiResult<Response> {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(format))
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        )
        .header("x-badge-generated-at", file.generated_at.to_rfc3339())
        .body(Body::from(file.content))
        .map_err(ApiError::internal)
}

async fn serve_badge(
    app: &AppState,
    conf: &ConferenceRef,
    attendee: Option<AttendeeRow>,
    q: BadgeQuery,
) -> ApiResult<Response> {
    let format = BadgeFormat::parse(q.format.as_deref().unwrap_or("pdf"))
        .map_err(flow::BadgeFlowError::from)?;
    let template = flow::template(&app.records(), conf, q.template.as_deref()).await?;
    let attendee = attendee.ok_or(flow::BadgeFlowError::NoAttendee)?;
    let file = flow::badge(&app.records(), conf, &template, &attendee, format).await?;
    file_response(file, format)
}

async fn attendee_row(app: &AppState, key: &str) -> ApiResult<Option<AttendeeRow>> {
    Ok(
        match storage::live_row(&app.db, Attendees::NAME, key)
            .await?
            .map(|d| serde_json::from_str::<AttendeesRow>(&d))
            .transpose()?
        {
            Some(AttendeesRow::Attendee(a)) => Some(a),
            _ => None,
        },
    )
}

/// The caller's own badge (ATT-30, ATT-31, ATT-36).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/badges/mine", tag = "badges",
    params(("slug" = String, Path), BadgeQuery),
    responses((status = 200, description = "The badge file (application/pdf or image/png)"),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn my_badge(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<BadgeQuery>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let row = attendee_row(&app, &attendee_key(conf.id, user.id)).await?;
    serve_badge(&app, &conf, row, q).await
}

/// Any attendee's badge, by access code (organizers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/attendees/{access_code}/badge", tag = "badges",
    params(("slug" = String, Path), ("access_code" = String, Path), BadgeQuery),
    responses((status = 200, description = "The badge file (application/pdf or image/png)"),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn attendee_badge(
    State(app): State<AppState>,
    _after: After,
    Path((slug, access_code)): Path<(String, String)>,
    Query(q): Query<BadgeQuery>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let code = access_code.trim();
    let row = flow::attendees(&app.records(), conf.id)
        .await?
        .into_iter()
        .find(|a| a.access_code == code);
    serve_badge(&app, &conf, row, q).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = BadgeBulkBody)]
pub struct BulkBody {
    /// pdf (default) or png.
    #[schema(max_length = 10)]
    pub format: Option<String>,
    /// A template slug; the default when absent.
    #[schema(max_length = 200)]
    pub template: Option<String>,
    /// ATT-37: only attendees whose order holds this ticket type (slug).
    #[schema(max_length = 200)]
    pub ticket_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub template: String,
    pub format: String,
    pub ticket_type: Option<String>,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    /// running or finished.
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<store::Job> for JobView {
    fn from(j: store::Job) -> Self {
        Self {
            id: j.id,
            template: j.template_slug,
            format: j.format,
            ticket_type: j.ticket_type,
            total: j.total,
            done: j.done,
            failed: j.failed,
            status: j.status,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

/// Starts generating the conference's badges in the background (ATT-37); the
/// answer's `id` reads the progress.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/badges/bulk", tag = "badges",
    params(("slug" = String, Path)), request_body = BulkBody,
    responses((status = 202, body = JobView), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn bulk(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let conf = app.conference(&slug).await?;
    let format = BadgeFormat::parse(body.format.as_deref().unwrap_or("pdf"))
        .map_err(flow::BadgeFlowError::from)?;
    let template = flow::template(&app.records(), &conf, body.template.as_deref()).await?;
    let job = flow::start_bulk(&app.records(), &conf, template, format, body.ticket_type).await?;
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// A bulk generation's progress (ATT-37).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/badges/jobs/{job}", tag = "badges",
    params(("slug" = String, Path), ("job" = Uuid, Path)),
    responses((status = 200, body = JobView), (status = 404, body = Problem)))]
async fn job(
    State(app): State<AppState>,
    Path((slug, job)): Path<(String, Uuid)>,
) -> ApiResult<Json<JobView>> {
    let conf = app.conference(&slug).await?;
    let found = store::job(&app.db, conf.id, job)
        .await?
        .ok_or_else(|| ApiError::not_found("Badge job"))?;
    Ok(Json(found.into()))
}
