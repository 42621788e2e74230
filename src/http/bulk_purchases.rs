//! Bulk voucher purchases, the organizers' side (SPEC SPONSOR-19…29, SPONSOR-34):
//! create (with a unit price), approve, Stripe Checkout, fulfil, mark failed,
//! refund, and the list and detail with each purchase's vouchers.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::bulk_purchase::BulkPurchaseError;
use tessera_aggregates::bulk_purchase::{BulkStatus, VoucherConfig};
use tessera_aggregates::inventory::Inventory;
use tessera_aggregates::pricing::VoucherKind;
use tessera_projections::Projection;
use tessera_projections::bulk_purchases::{BulkPurchaseRow, BulkPurchases, key, prefix};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, ConferenceRef};
use crate::config::Config;
use crate::features::Feature;
use crate::http::access::{FINANCE_READ, Group, ORGANIZER};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path, Query};
use crate::http::page::{Page, PageParams, Paging, page_in_memory, time_sort};
use crate::http::site;
use crate::ids::inventory_id;
use crate::process::bulk_purchases::{self as flow, FulfilledBy, NewPurchase, ReturnUrls};

/// AMB-17: sponsorship endpoints need sponsors + manage_ui.
pub(crate) const MANAGE: &[Feature] = &[Feature::Sponsors, Feature::ManageUi];

pub fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_purchase))
                .routes(routes!(approve_purchase))
                .routes(routes!(checkout_purchase))
                .routes(routes!(fulfil_purchase))
                .routes(routes!(fail_purchase))
                .routes(routes!(refund_purchase)),
        ),
        (
            FINANCE_READ,
            OpenApiRouter::new()
                .routes(routes!(list_purchases))
                .routes(routes!(get_purchase)),
        ),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseSaved {
    pub id: Uuid,
    /// The log position of the change: send it as `X-Tessera-After` to read it back.
    pub position: Option<i64>,
}

/// SPONSOR-22 (organizer): the voucher terms.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct VoucherTermsBody {
    /// comp (default), percentage or fixed_amount.
    #[schema(value_type = Option<String>, max_length = 16)]
    pub voucher_type: Option<VoucherKind>,
    /// A percentage (0–100) or an amount; default 0.
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub discount_value: Option<Option<Decimal>>,
    /// ≥ 1; default 1.
    pub max_uses: Option<u32>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// SPONSOR-26: default `BULK-<SPONSOR SLUG>-` or `BULK-`; at most 20 characters.
    #[schema(max_length = 20)]
    pub prefix: Option<String>,
    /// Default false.
    pub unlocks_hidden: Option<bool>,
}

impl VoucherTermsBody {
    pub(crate) fn into_config(self) -> ApiResult<VoucherConfig> {
        if self.prefix.as_ref().is_some_and(|p| p.chars().count() > 20) {
            return Err(BulkPurchaseError::PrefixTooLong.into());
        }
        Ok(VoucherConfig {
            voucher_type: Some(self.voucher_type.unwrap_or_default()),
            discount_value: Some(self.discount_value.flatten().unwrap_or_default()),
            max_uses: Some(self.max_uses.unwrap_or(1)),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            prefix: self.prefix.filter(|p| !p.trim().is_empty()),
            unlocks_hidden: self.unlocks_hidden,
            ..Default::default()
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PurchaseBody {
    /// A sponsor slug of this conference.
    #[schema(max_length = 200)]
    pub sponsor: Option<String>,
    /// 1…500.
    pub quantity: u32,
    /// A ticket type slug with bulk purchasing enabled (SPONSOR-21).
    #[schema(max_length = 200)]
    pub ticket_type: Option<String>,
    /// An add-on slug with bulk purchasing enabled (SPONSOR-21).
    #[schema(max_length = 200)]
    pub addon: Option<String>,
    /// ≥ 0; total = unit price × quantity.
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub unit_price: Decimal,
    #[serde(default)]
    pub voucher_config: Option<VoucherTermsBody>,
}

/// Creates a bulk voucher purchase, pending (SPONSOR-19…22).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/bulk-purchases", tag = "sponsorships",
    params(("slug" = String, Path)), request_body = PurchaseBody,
    responses((status = 201, body = PurchaseSaved), (status = 422, body = Problem)))]
async fn create_purchase(
    State(app): State<AppState>,
    meta: CommandMeta,
    AuthUser(user): AuthUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<PurchaseBody>,
) -> ApiResult<(StatusCode, Json<PurchaseSaved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = meta.scoped_id("bulk-purchase", &conf.id.to_string());
    let new = NewPurchase {
        sponsor: body.sponsor.filter(|s| !s.is_empty()),
        quantity: body.quantity,
        ticket_type: body.ticket_type.filter(|s| !s.is_empty()),
        addon: body.addon.filter(|s| !s.is_empty()),
        unit_price: body.unit_price,
        voucher_config: body.voucher_config.unwrap_or_default().into_config()?,
        requester: user.id,
        from_portal: false,
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

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApproveBody {
    /// The voucher terms, when the request lacks them (a sponsor portal request,
    /// AMB-23).
    pub voucher_config: Option<VoucherTermsBody>,
}

/// Approves a pending purchase, recording the approver (SPONSOR-23).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/bulk-purchases/{purchase}/approve", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)), request_body = ApproveBody,
    responses((status = 200, body = PurchaseSaved), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn approve_purchase(
    State(app): State<AppState>,
    meta: CommandMeta,
    AuthUser(user): AuthUser,
    Path((slug, id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> ApiResult<Json<PurchaseSaved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let config = body.voucher_config.map(|c| c.into_config()).transpose()?;
    let done = flow::approve(
        &app.flows(),
        conf.id,
        id,
        user.id,
        config,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(PurchaseSaved {
        id,
        position: done.position,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BulkCheckoutBody {
    /// Where Stripe sends the buyer after paying (http or https; under
    /// `[site] public_url` when that is set). Default: the purchase's page on the
    /// public site.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub success_url: Option<String>,
    /// Where Stripe sends the buyer who gives up. Default as `success_url`.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub cancel_url: Option<String>,
}

impl BulkCheckoutBody {
    /// The return URLs: those given, else the purchase's page on the public
    /// site (`[site] public_url`, else the request's origin).
    pub(crate) fn urls(self, config: &Config, origin: &str, page: &str) -> ApiResult<ReturnUrls> {
        let success_url = self
            .success_url
            .unwrap_or_else(|| format!("{origin}{page}?checkout=success"));
        let cancel_url = self
            .cancel_url
            .unwrap_or_else(|| format!("{origin}{page}?checkout=cancel"));
        for u in [&success_url, &cancel_url] {
            if !site::allowed_return_url(config, u) {
                return Err(BulkPurchaseError::InvalidReturnUrl.into());
            }
        }
        Ok(ReturnUrls {
            success_url,
            cancel_url,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutStarted {
    pub id: Uuid,
    pub session_id: String,
    /// Where the buyer pays.
    pub url: Option<String>,
    pub position: Option<i64>,
}

/// Opens the purchase's Stripe Checkout Session (SPONSOR-24): pending and total >
/// 0 only; pending → processing. Asking again answers the same session.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/bulk-purchases/{purchase}/checkout", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)), request_body = BulkCheckoutBody,
    responses((status = 200, body = CheckoutStarted), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 502, body = Problem)))]
async fn checkout_purchase(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BulkCheckoutBody>,
) -> ApiResult<Json<CheckoutStarted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let origin = site::origin(&app.config, &headers);
    let urls = body.urls(
        &app.config,
        &origin,
        &format!("/conferences/{slug}/bulk-purchases/{id}"),
    )?;
    let (session, position) = flow::checkout(
        &app.flows(),
        conf.id,
        id,
        urls,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(CheckoutStarted {
        id,
        session_id: session.id,
        url: session.url,
        position,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FulfilDone {
    pub id: Uuid,
    /// Every voucher code linked to the purchase.
    pub codes: Vec<String>,
    pub position: Option<i64>,
}

/// Generates the purchase's missing vouchers (SPONSOR-25/26/29, AMB-23): paid or
/// approved purchases only; an already fulfilled one generates nothing.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/bulk-purchases/{purchase}/fulfil", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)),
    responses((status = 200, body = FulfilDone), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn fulfil_purchase(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<FulfilDone>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let done = flow::fulfil(
        &app.flows(),
        conf.id,
        id,
        FulfilledBy::Organizer,
        None,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(FulfilDone {
        id,
        codes: done.codes,
        position: done.position,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FailBody {
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Marks a pending or processing purchase failed; otherwise nothing changes
/// (SPONSOR-28).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/bulk-purchases/{purchase}/fail", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)), request_body = FailBody,
    responses((status = 200, body = PurchaseSaved), (status = 404, body = Problem)))]
async fn fail_purchase(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<FailBody>,
) -> ApiResult<Json<PurchaseSaved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let reason = body
        .reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "Marked failed by an organizer.".into());
    let done = flow::mark_failed(
        &app.flows(),
        conf.id,
        id,
        reason,
        None,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(PurchaseSaved {
        id,
        position: done.position,
    }))
}

/// Refunds the purchase in full through Stripe (when it was paid by card), marks
/// it refunded and deactivates its vouchers (SPONSOR-27).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/bulk-purchases/{purchase}/refund", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)),
    responses((status = 200, body = PurchaseSaved), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 502, body = Problem)))]
async fn refund_purchase(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<PurchaseSaved>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let done = flow::refund(
        &app.flows(),
        conf.id,
        id,
        true,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(PurchaseSaved {
        id,
        position: done.position,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseView {
    pub id: Uuid,
    pub sponsor: Option<String>,
    pub quantity: u32,
    pub product_description: String,
    pub ticket_type: Option<String>,
    pub addon: Option<String>,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub total_amount: Decimal,
    /// pending, approved, processing, paid, failed, refunded (SPONSOR-18).
    #[schema(value_type = String)]
    pub status: BulkStatus,
    #[schema(value_type = Object)]
    pub voucher_config: VoucherConfig,
    pub requester: Uuid,
    pub approver: Option<Uuid>,
    pub from_portal: bool,
    pub checkout_session_id: Option<String>,
    pub payment_intent_id: Option<String>,
    /// SPONSOR-20.
    pub vouchers_generated: usize,
    pub is_fulfilled: bool,
    pub failure: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&BulkPurchaseRow> for PurchaseView {
    fn from(r: &BulkPurchaseRow) -> Self {
        Self {
            id: r.id,
            sponsor: r.terms.sponsor.clone(),
            quantity: r.terms.quantity,
            product_description: r.terms.product_description.clone(),
            ticket_type: r.terms.ticket_type.clone(),
            addon: r.terms.addon.clone(),
            unit_price: r.terms.unit_price,
            total_amount: r.terms.total_amount,
            status: r.status,
            voucher_config: r.terms.voucher_config.clone(),
            requester: r.terms.requester,
            approver: r.approver,
            from_portal: r.terms.from_portal,
            checkout_session_id: r.session_id.clone(),
            payment_intent_id: r.payment_intent.clone(),
            vouchers_generated: r.codes.len(),
            is_fulfilled: r.is_fulfilled(),
            failure: r.failure.clone(),
            requested_at: r.requested_at,
            updated_at: r.updated_at,
        }
    }
}

/// A purchase's voucher with its uses (SPONSOR-31).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseVoucher {
    pub code: String,
    pub times_used: u32,
    pub max_uses: u32,
    pub is_active: bool,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Every purchase of the conference, oldest first.
pub(crate) async fn purchase_rows(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<Vec<BulkPurchaseRow>> {
    let mut out = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, BulkPurchases::NAME, &prefix(conference)).await?
    {
        out.push(serde_json::from_str::<BulkPurchaseRow>(&doc)?);
    }
    out.sort_by_key(|r| (r.requested_at, r.id));
    Ok(out)
}

pub(crate) async fn purchase_row(
    app: &AppState,
    conference: Uuid,
    id: Uuid,
) -> ApiResult<BulkPurchaseRow> {
    match storage::live_row(&app.db, BulkPurchases::NAME, &key(conference, id)).await? {
        Some(doc) => Ok(serde_json::from_str(&doc)?),
        None => Err(ApiError::not_found("Bulk purchase")),
    }
}

/// The purchase's vouchers as the Inventory counts their uses (pending holds
/// included, DISC-2).
pub(crate) async fn purchase_vouchers(
    app: &AppState,
    conf: &ConferenceRef,
    codes: Vec<String>,
) -> ApiResult<Vec<PurchaseVoucher>> {
    let now = app.bus.services().now();
    Ok(app
        .bus
        .peek(&Inventory::stream(inventory_id(conf.id)), move |inv| {
            codes
                .iter()
                .filter_map(|c| inv.voucher(c, now))
                .map(|v| PurchaseVoucher {
                    code: v.voucher.code,
                    times_used: v.voucher.uses,
                    max_uses: v.voucher.max_uses,
                    is_active: v.voucher.is_active,
                    valid_from: v.voucher.window.from,
                    valid_until: v.voucher.window.until,
                })
                .collect()
        })
        .await?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchasesQuery {
    /// Only purchases with this status (SPONSOR-34).
    #[param(value_type = Option<String>)]
    pub status: Option<BulkStatus>,
}

/// The conference's bulk purchases, oldest request first, optionally of one
/// status (SPONSOR-34); paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/bulk-purchases", tag = "sponsorships",
    params(("slug" = String, Path), PurchasesQuery, PageParams),
    responses((status = 200, body = Page<PurchaseView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn list_purchases(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<PurchasesQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<PurchaseView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let rows = purchase_rows(&app, conf.id).await?;
    let items = rows
        .iter()
        .filter(|r| q.status.is_none_or(|s| s == r.status))
        .map(|r| {
            (
                time_sort(&r.requested_at),
                r.id.to_string(),
                PurchaseView::from(r),
            )
        })
        .collect();
    Ok(Json(page_in_memory(&paging, "requested_at", false, items)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseDetail {
    pub purchase: PurchaseView,
    pub vouchers: Vec<PurchaseVoucher>,
}

/// One purchase with its generated vouchers and their uses (SPONSOR-34).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/bulk-purchases/{purchase}", tag = "sponsorships",
    params(("slug" = String, Path), ("purchase" = Uuid, Path)),
    responses((status = 200, body = PurchaseDetail), (status = 404, body = Problem)))]
async fn get_purchase(
    State(app): State<AppState>,
    _after: After,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<PurchaseDetail>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let row = purchase_row(&app, conf.id, id).await?;
    let vouchers = purchase_vouchers(&app, &conf, row.codes.clone()).await?;
    Ok(Json(PurchaseDetail {
        purchase: PurchaseView::from(&row),
        vouchers,
    }))
}
