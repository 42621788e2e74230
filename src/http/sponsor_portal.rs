//! The sponsor portal (SPEC SPONSOR-22, SPONSOR-30/31/34): a sponsor's contact
//! sees their sponsor, their bulk purchases with the uses of their vouchers, asks
//! for voucher codes (quantity 1–500, priced 0), and exports a purchase's vouchers
//! as CSV.
//!
//! Access (SPONSOR-30): any signed-in user whose e-mail equals (case-insensitive)
//! the effective contact e-mail of an active sponsor of the conference; staff
//! (global admins, the conference's organizers) see its first active sponsor.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tessera_aggregates::bulk_purchase::BulkPurchaseError;
use tessera_aggregates::bulk_purchase::VoucherConfig;
use tessera_aggregates::conference::Role;
use tessera_projections::Projection;
use tessera_projections::sponsors::{LevelRow, SponsorRow, Sponsors, SponsorsRow, levels_prefix};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, Caller, ConferenceRef};
use crate::features::Feature;
use crate::http::access::{Access, Group};
use crate::http::bulk_purchases::{
    PurchaseSaved, PurchaseView, PurchaseVoucher, purchase_row, purchase_rows, purchase_vouchers,
};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path};
use crate::http::stats::exports::{Cell, line};
use crate::process::bulk_purchases::{self as flow, NewPurchase};

/// The portal needs the sponsors feature.
const PORTAL: &[Feature] = &[Feature::Sponsors];

pub fn groups() -> Vec<Group> {
    vec![(
        // SPONSOR-30: the handler decides which sponsor, if any, is the caller's.
        Access::SponsorContact,
        OpenApiRouter::new()
            .routes(routes!(portal))
            .routes(routes!(request_vouchers))
            .routes(routes!(export_vouchers)),
    )]
}

/// SPONSOR-30: the sponsor the caller may see.
async fn portal_sponsor(
    app: &AppState,
    conf: &ConferenceRef,
    caller: &Caller,
) -> ApiResult<SponsorRow> {
    let mut levels: Vec<LevelRow> = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, Sponsors::NAME, &levels_prefix(conf.id)).await?
    {
        if let SponsorsRow::Level(l) = serde_json::from_str(&doc)? {
            levels.push(l);
        }
    }
    let mut active = vec![];
    for (_, doc) in storage::live_rows_with_prefix(&app.db, Sponsors::NAME, "sponsor:").await? {
        if let SponsorsRow::Sponsor(s) = serde_json::from_str(&doc)?
            && s.conference_id == conf.id
            && s.effective().is_active
        {
            active.push(s);
        }
    }
    // SPONSOR-2: by level order, then name.
    let order = |s: &SponsorRow| {
        let e = s.effective();
        let level = levels
            .iter()
            .find(|l| l.slug == e.level)
            .map_or(i32::MAX, |l| l.order);
        (level, e.name.to_lowercase(), s.slug.clone())
    };
    active.sort_by_key(order);
    let staff = caller.is_admin
        || app
            .roles_in(conf.id, caller.id)
            .await?
            .contains(&Role::Organizer);
    if staff {
        return active.into_iter().next().ok_or_else(ApiError::forbidden);
    }
    let email = caller.email.trim();
    if email.is_empty() {
        return Err(ApiError::forbidden());
    }
    active
        .into_iter()
        .find(|s| {
            s.effective()
                .contact_email
                .trim()
                .eq_ignore_ascii_case(email)
        })
        .ok_or_else(ApiError::forbidden)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalSponsor {
    pub slug: String,
    pub name: String,
    pub level: String,
    pub contact_name: String,
    pub contact_email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Portal {
    pub sponsor: PortalSponsor,
    /// The sponsor's bulk purchases, oldest first (SPONSOR-34).
    pub purchases: Vec<PurchaseView>,
    /// SPONSOR-31: Σ times_used over the purchases' vouchers.
    pub vouchers_used: u64,
    /// SPONSOR-31: Σ max_uses over the purchases' vouchers.
    pub vouchers_available: u64,
}

/// The caller's sponsor, its purchases and how much of their vouchers is used
/// (SPONSOR-30/31/34).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsor-portal", tag = "sponsorships",
    params(("slug" = String, Path)),
    responses((status = 200, body = Portal), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn portal(
    State(app): State<AppState>,
    _after: After,
    AuthUser(user): AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<Json<Portal>> {
    let conf = app.gate(&slug, PORTAL).await?;
    let sponsor = portal_sponsor(&app, &conf, &user).await?;
    let rows: Vec<_> = purchase_rows(&app, conf.id)
        .await?
        .into_iter()
        .filter(|r| r.terms.sponsor.as_deref() == Some(sponsor.slug.as_str()))
        .collect();
    let codes = rows.iter().flat_map(|r| r.codes.iter().cloned()).collect();
    let vouchers = purchase_vouchers(&app, &conf, codes).await?;
    let e = sponsor.effective();
    Ok(Json(Portal {
        sponsor: PortalSponsor {
            slug: sponsor.slug.clone(),
            name: e.name,
            level: e.level,
            contact_name: e.contact_name,
            contact_email: e.contact_email,
        },
        purchases: rows.iter().map(PurchaseView::from).collect(),
        vouchers_used: vouchers.iter().map(|v| u64::from(v.times_used)).sum(),
        vouchers_available: vouchers.iter().map(|v| u64::from(v.max_uses)).sum(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PortalRequestBody {
    /// 1…500.
    #[serde(default)]
    pub quantity: u32,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub ticket_type_preference: String,
}

/// Asks for voucher codes (SPONSOR-22): quantity 1–500, priced 0, pending until an
/// organizer approves it.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sponsor-portal/bulk-purchases", tag = "sponsorships",
    params(("slug" = String, Path)), request_body = PortalRequestBody,
    responses((status = 201, body = PurchaseSaved), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn request_vouchers(
    State(app): State<AppState>,
    meta: CommandMeta,
    AuthUser(user): AuthUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<PortalRequestBody>,
) -> ApiResult<(StatusCode, Json<PurchaseSaved>)> {
    let conf = app.gate(&slug, PORTAL).await?;
    let sponsor = portal_sponsor(&app, &conf, &user).await?;
    if body.notes.chars().count() > 5000 || body.ticket_type_preference.chars().count() > 200 {
        return Err(BulkPurchaseError::TextTooLong.into());
    }
    let id = meta.scoped_id("bulk-purchase", &conf.id.to_string());
    let new = NewPurchase {
        sponsor: Some(sponsor.slug),
        quantity: body.quantity,
        ticket_type: None,
        addon: None,
        unit_price: rust_decimal::Decimal::ZERO,
        voucher_config: VoucherConfig {
            notes: body.notes,
            ticket_type_preference: body.ticket_type_preference,
            ..Default::default()
        },
        requester: user.id,
        from_portal: true,
    };
    let done = flow::request(
        &app.flows(),
        conf.id,
        id,
        new,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PurchaseSaved {
            id,
            position: done.position,
        }),
    ))
}

fn csv_line(v: &PurchaseVoucher) -> String {
    let when =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    line(&[
        Cell::Text(v.code.clone()),
        Cell::Figure(v.times_used.to_string()),
        Cell::Figure(v.max_uses.to_string()),
        Cell::Figure(v.is_active.to_string()),
        Cell::Figure(when(v.valid_from)),
        Cell::Figure(when(v.valid_until)),
    ])
}

/// One of the sponsor's purchases' vouchers as CSV: code, times_used, max_uses,
/// is_active, valid_from, valid_until (SPONSOR-31; text cells defused, ANA-51).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsor-portal/bulk-purchases/{purchase}/vouchers.csv", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn export_vouchers(
    State(app): State<AppState>,
    _after: After,
    AuthUser(user): AuthUser,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Response> {
    let conf = app.gate(&slug, PORTAL).await?;
    let sponsor = portal_sponsor(&app, &conf, &user).await?;
    let row = purchase_row(&app, conf.id, id).await?;
    // SPONSOR-34: only the sponsor's own purchases.
    if row.terms.sponsor.as_deref() != Some(sponsor.slug.as_str()) {
        return Err(ApiError::not_found("Bulk purchase"));
    }
    let vouchers = purchase_vouchers(&app, &conf, row.codes.clone()).await?;
    let mut out = line(&[
        Cell::Text("code".into()),
        Cell::Text("times_used".into()),
        Cell::Text("max_uses".into()),
        Cell::Text("is_active".into()),
        Cell::Text("valid_from".into()),
        Cell::Text("valid_until".into()),
    ]);
    for v in &vouchers {
        out.push_str(&csv_line(v));
    }
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-vouchers-{id}.csv\""),
        )
        .body(Body::from(out))
        .map_err(ApiError::internal)
}
