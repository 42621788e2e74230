//! Sponsors (SPEC SPONSOR-2…9, SPONSOR-12, ANA-5): the public list and detail, and
//! the organizers' commands (create, change, delete, override, benefits).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::sponsor::SponsorError;
use tessera_aggregates::sponsor::{
    Benefit, Effective, Sponsor, SponsorCommand, SponsorDetails, SponsorOverride, SponsorPatch,
};
use tessera_projections::Projection;
use tessera_projections::sponsors::{
    LevelRow, SponsorRow, Sponsors, SponsorsRow, fulfilment, levels_prefix, sponsor_key,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::bootstrap::slugify;
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta, Path};
use crate::http::page::{Page, PageParams, Paging, order_sort, page_in_memory};
use crate::ids::sponsor_id;
use crate::process::sponsors as flow;

/// CONF-29: public sponsor pages need sponsors + public_ui.
const PUBLIC: &[Feature] = &[Feature::Sponsors, Feature::PublicUi];
/// AMB-17: organizer endpoints need sponsors + manage_ui.
const MANAGE: &[Feature] = &[Feature::Sponsors, Feature::ManageUi];

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Public,
            OpenApiRouter::new()
                .routes(routes!(list_sponsors))
                .routes(routes!(get_sponsor)),
        ),
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_sponsor))
                .routes(routes!(update_sponsor, remove_sponsor))
                .routes(routes!(save_override))
                .routes(routes!(add_benefit))
                .routes(routes!(save_benefit, remove_benefit))
                .routes(routes!(manage_sponsors)),
        ),
    ]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SponsorBody {
    /// Defaults to slugify(name), made unique with "-2", "-3", … (SPONSOR-2).
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// The slug of a sponsor level of this conference (SPONSOR-3).
    #[schema(max_length = 200)]
    pub level: Option<String>,
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    #[schema(max_length = 2000)]
    pub website_url: Option<String>,
    /// An uploaded logo's location.
    #[schema(max_length = 2000)]
    pub logo: Option<String>,
    #[schema(max_length = 2000)]
    pub logo_url: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(max_length = 200)]
    pub contact_name: Option<String>,
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    /// Default true.
    pub is_active: Option<bool>,
}

impl SponsorBody {
    fn into_patch(self) -> SponsorPatch {
        SponsorPatch {
            name: self.name,
            level: self.level,
            external_id: self.external_id,
            website_url: self.website_url,
            logo: self.logo,
            logo_url: self.logo_url,
            description: self.description,
            contact_name: self.contact_name,
            contact_email: self.contact_email,
            is_active: self.is_active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SponsorSaved)]
pub struct Saved {
    pub id: Uuid,
    pub slug: String,
    /// The log position of the change: send it as `X-Tessera-After` to read it back.
    pub position: Option<i64>,
}

/// Creates a sponsor; its level's comp tickets become vouchers (SPONSOR-2/3/12).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sponsors", tag = "sponsors",
    params(("slug" = String, Path)), request_body = SponsorBody,
    responses((status = 201, body = Saved), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_sponsor(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SponsorBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let name = body.name.clone().unwrap_or_default();
    let sponsor_slug = match body.slug.clone() {
        Some(s) if tessera_aggregates::is_valid_slug(&s) => s,
        Some(_) => {
            return Err(SponsorError::InvalidSlug.into());
        }
        None => unique_slug(&app, conf.id, &name).await?,
    };
    let mut details = SponsorDetails {
        is_active: true,
        ..Default::default()
    };
    body.into_patch().apply_to(&mut details);
    let done = flow::create(
        &app.flows(),
        conf.id,
        sponsor_slug.clone(),
        details,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Saved {
            id: done.id,
            slug: sponsor_slug,
            position: done.position,
        }),
    ))
}

/// SPONSOR-2: slugify(name) (fallback "sponsor"), then "-2", "-3", … until free.
async fn unique_slug(app: &AppState, conference: Uuid, name: &str) -> ApiResult<String> {
    let base = match slugify(name) {
        s if s.is_empty() => "sponsor".to_string(),
        s => s,
    };
    for n in 1.. {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken = app
            .bus
            .inspect(&Sponsor::stream(sponsor_id(conference, &candidate)), |s| {
                s.exists()
            })
            .await?;
        if !taken {
            return Ok(candidate);
        }
    }
    Ok(base)
}

/// Changes a sponsor; absent fields keep their value; never issues vouchers
/// (SPONSOR-2/3/12).
#[utoipa::path(patch, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path)), request_body = SponsorBody,
    responses((status = 200, body = Saved), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_sponsor(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, sponsor)): Path<(String, String)>,
    ApiJson(body): ApiJson<SponsorBody>,
) -> ApiResult<Json<Saved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    if body.slug.as_ref().is_some_and(|s| *s != sponsor) {
        return Err(SponsorError::SlugFixed.into());
    }
    let done = flow::change(
        &app.flows(),
        conf.id,
        &sponsor,
        body.into_patch(),
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(Saved {
        id: done.id,
        slug: sponsor,
        position: done.position,
    }))
}

/// Deletes a sponsor (its vouchers stay).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path)),
    responses((status = 200, body = Saved), (status = 404, body = Problem)))]
async fn remove_sponsor(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, sponsor)): Path<(String, String)>,
) -> ApiResult<Json<Saved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = sponsor_id(conf.id, &sponsor);
    let sent = app
        .bus
        .send(
            &Sponsor::stream(id),
            SponsorCommand::Remove,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(Saved {
        id,
        slug: sponsor,
        position: sent.position,
    }))
}

/// SPONSOR-4/5: the override; empty strings and absent fields mean "use the base".
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OverrideBody {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub website_url: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub logo_url: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact_name: String,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub contact_email: String,
    pub is_active: Option<bool>,
    /// A level slug of this conference.
    #[schema(max_length = 200)]
    pub level: Option<String>,
    /// A remark; it overrides nothing (SPONSOR-6).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

/// Saves the sponsor's one override; one with every field empty deletes it
/// (SPONSOR-4/6).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}/override", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path)), request_body = OverrideBody,
    responses((status = 200, body = Saved), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn save_override(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, sponsor)): Path<(String, String)>,
    ApiJson(b): ApiJson<OverrideBody>,
) -> ApiResult<Json<Saved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let over = SponsorOverride {
        name: b.name,
        description: b.description,
        website_url: b.website_url,
        logo_url: b.logo_url,
        contact_name: b.contact_name,
        contact_email: b.contact_email,
        is_active: b.is_active,
        level: b.level.filter(|l| !l.is_empty()),
        note: b.note,
    };
    let done = flow::save_override(
        &app.flows(),
        conf.id,
        &sponsor,
        over,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(Saved {
        id: done.id,
        slug: sponsor,
        position: done.position,
    }))
}

/// SPONSOR-9: a benefit, as a whole.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BenefitBody {
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default)]
    pub is_complete: bool,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
}

impl From<BenefitBody> for Benefit {
    fn from(b: BenefitBody) -> Self {
        Benefit {
            name: b.name,
            description: b.description,
            is_complete: b.is_complete,
            notes: b.notes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitSaved {
    pub id: Uuid,
    pub position: Option<i64>,
}

async fn send_benefit(
    app: &AppState,
    meta: &CommandMeta,
    conference: Uuid,
    sponsor: &str,
    cmd: SponsorCommand,
) -> ApiResult<Option<i64>> {
    let sent = app
        .bus
        .send(
            &Sponsor::stream(sponsor_id(conference, sponsor)),
            cmd,
            &meta.for_conf(Some(conference)),
        )
        .await?;
    Ok(sent.position)
}

/// Adds a benefit to a sponsor (SPONSOR-9).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}/benefits", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path)), request_body = BenefitBody,
    responses((status = 201, body = BenefitSaved), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_benefit(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, sponsor)): Path<(String, String)>,
    ApiJson(body): ApiJson<BenefitBody>,
) -> ApiResult<(StatusCode, Json<BenefitSaved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = meta.scoped_id("sponsor-benefit", &format!("{}/{sponsor}", conf.id));
    let cmd = SponsorCommand::SaveBenefit {
        id,
        benefit: body.into(),
    };
    let position = send_benefit(&app, &meta, conf.id, &sponsor, cmd).await?;
    Ok((StatusCode::CREATED, Json(BenefitSaved { id, position })))
}

/// Replaces a benefit (completion included) (SPONSOR-9, ANA-5).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}/benefits/{benefit}", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path), ("benefit" = Uuid, Path)), request_body = BenefitBody,
    responses((status = 200, body = BenefitSaved), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn save_benefit(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, sponsor, id)): Path<(String, String, Uuid)>,
    ApiJson(body): ApiJson<BenefitBody>,
) -> ApiResult<Json<BenefitSaved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = SponsorCommand::SaveBenefit {
        id,
        benefit: body.into(),
    };
    let position = send_benefit(&app, &meta, conf.id, &sponsor, cmd).await?;
    Ok(Json(BenefitSaved { id, position }))
}

/// Removes a benefit (SPONSOR-9).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}/benefits/{benefit}", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path), ("benefit" = Uuid, Path)),
    responses((status = 200, body = BenefitSaved), (status = 404, body = Problem)))]
async fn remove_benefit(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, sponsor, id)): Path<(String, String, Uuid)>,
) -> ApiResult<Json<BenefitSaved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = SponsorCommand::RemoveBenefit { id };
    let position = send_benefit(&app, &meta, conf.id, &sponsor, cmd).await?;
    Ok(Json(BenefitSaved { id, position }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    pub slug: String,
    pub name: String,
    pub order: i32,
}

/// A sponsor as the public sees it: effective values (SPONSOR-5), the logo to
/// display (SPONSOR-7).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSponsor {
    pub slug: String,
    pub name: String,
    pub level: LevelView,
    pub description: String,
    pub website_url: String,
    pub logo: Option<String>,
}

/// The conference's levels by slug, and every sponsor row of the conference.
async fn conference_rows(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<(Vec<LevelRow>, Vec<SponsorRow>)> {
    let mut levels = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, Sponsors::NAME, &levels_prefix(conference)).await?
    {
        if let SponsorsRow::Level(l) = serde_json::from_str(&doc)? {
            levels.push(l);
        }
    }
    let mut sponsors = vec![];
    for (_, doc) in storage::live_rows_with_prefix(&app.db, Sponsors::NAME, "sponsor:").await? {
        if let SponsorsRow::Sponsor(s) = serde_json::from_str(&doc)?
            && s.conference_id == conference
        {
            sponsors.push(s);
        }
    }
    Ok((levels, sponsors))
}

fn level_view(levels: &[LevelRow], slug: &str) -> LevelView {
    match levels.iter().find(|l| l.slug == slug) {
        Some(l) => LevelView {
            slug: l.slug.clone(),
            name: l.name.clone(),
            order: l.order,
        },
        None => LevelView {
            slug: slug.to_string(),
            name: slug.to_string(),
            order: 0,
        },
    }
}

fn public_view(levels: &[LevelRow], s: SponsorRow) -> PublicSponsor {
    let e: Effective = s.effective();
    // SPONSOR-7: the uploaded logo, else the (effective) logo URL.
    let logo = [s.details.logo.as_str(), e.logo_url.as_str()]
        .into_iter()
        .find(|l| !l.is_empty())
        .map(str::to_string);
    PublicSponsor {
        slug: s.slug,
        name: e.name,
        level: level_view(levels, &e.level),
        description: e.description,
        website_url: e.website_url,
        logo,
    }
}

/// Active sponsors of the conference, by level order then name (SPONSOR-2), paged
/// (`limit`, `cursor`) (SPONSOR-8: the
/// base active flag decides, overrides are not consulted).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsors", tag = "sponsors",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<PublicSponsor>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn list_sponsors(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<PublicSponsor>>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let items = active_sponsors(&app, conf.id)
        .await?
        .into_iter()
        .map(|view| {
            let sort = format!("{}|{}", order_sort(view.level.order), view.name);
            (sort, view.slug.clone(), view)
        })
        .collect();
    Ok(Json(page_in_memory(&paging, "level", false, items)?))
}

/// The conference's active sponsors as the public sees them (the JSON list and
/// the sponsorships dashboard).
pub(crate) async fn active_sponsors(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<Vec<PublicSponsor>> {
    let (levels, sponsors) = conference_rows(app, conference).await?;
    Ok(sponsors
        .into_iter()
        .filter(|s| s.details.is_active)
        .map(|s| public_view(&levels, s))
        .collect())
}

/// One active sponsor (SPONSOR-8).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsors/{sponsor}", tag = "sponsors",
    params(("slug" = String, Path), ("sponsor" = String, Path)),
    responses((status = 200, body = PublicSponsor), (status = 404, body = Problem)))]
async fn get_sponsor(
    State(app): State<AppState>,
    _after: After,
    Path((slug, sponsor)): Path<(String, String)>,
) -> ApiResult<Json<PublicSponsor>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let key = sponsor_key(sponsor_id(conf.id, &sponsor));
    let row = match storage::live_row(&app.db, Sponsors::NAME, &key).await? {
        Some(doc) => match serde_json::from_str::<SponsorsRow>(&doc)? {
            SponsorsRow::Sponsor(s) if s.details.is_active => Some(s),
            _ => None,
        },
        None => None,
    }
    .ok_or_else(|| ApiError::not_found("Sponsor"))?;
    let (levels, _) = conference_rows(&app, conf.id).await?;
    Ok(Json(public_view(&levels, row)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub is_complete: bool,
    pub notes: String,
}

/// A sponsor as organizers see it: base, override, effective values, benefits.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedSponsor {
    pub id: Uuid,
    pub slug: String,
    #[schema(value_type = Object)]
    pub details: SponsorDetails,
    #[schema(value_type = Option<Object>)]
    pub over: Option<SponsorOverride>,
    #[schema(value_type = Object)]
    pub effective: Effective,
    pub level: LevelView,
    pub logo: Option<String>,
    pub comp_ticket_count: u32,
    pub benefits: Vec<BenefitView>,
    pub created_at: DateTime<Utc>,
}

/// A page of the conference's sponsors with ANA-5's benefit fulfilment of all
/// of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedSponsors {
    /// A page of the sponsors (level order, then name), like every list.
    pub items: Vec<ManagedSponsor>,
    /// Send as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many sponsors there are, on the first page.
    pub total: Option<i64>,
    pub benefits_completed: u32,
    pub benefits_total: u32,
    /// completed / all × 100, 2 dp; "0.00" without benefits (ANA-5).
    #[schema(value_type = String)]
    pub fulfilment_rate: Decimal,
}

/// Every sponsor of the conference, active or not, with overrides and benefits
/// (organizers), by level order then name (SPONSOR-2); paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsorships/sponsors", tag = "sponsors",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = ManagedSponsors), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn manage_sponsors(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<ManagedSponsors>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let (levels, rows) = conference_rows(&app, conf.id).await?;
    let (benefits_completed, benefits_total, fulfilment_rate) = fulfilment(&rows);
    let sponsors: Vec<(String, String, ManagedSponsor)> = rows
        .into_iter()
        .map(|s| {
            let effective = s.effective();
            ManagedSponsor {
                level: level_view(&levels, &s.details.level),
                logo: s.details.display_logo().map(str::to_string),
                benefits: s
                    .benefits
                    .into_iter()
                    .map(|(id, b)| BenefitView {
                        id,
                        name: b.name,
                        description: b.description,
                        is_complete: b.is_complete,
                        notes: b.notes,
                    })
                    .collect(),
                id: s.id,
                slug: s.slug,
                details: s.details,
                over: s.over,
                effective,
                comp_ticket_count: s.comp_ticket_count,
                created_at: s.created_at,
            }
        })
        .map(|m| {
            let sort = format!("{}|{}", order_sort(m.level.order), m.details.name);
            (sort, m.slug.clone(), m)
        })
        .collect();
    let page = page_in_memory(&paging, "level", false, sponsors)?;
    Ok(Json(ManagedSponsors {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
        benefits_completed,
        benefits_total,
        fulfilment_rate,
    }))
}
