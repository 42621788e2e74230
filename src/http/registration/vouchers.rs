//! Vouchers (single and bulk) and discount conditions (DISC-*). Definitions land on
//! the conference's Inventory, which owns code uniqueness and usage.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_aggregates::inventory::{Inventory, InventoryCommand, InventoryError};
use tessera_aggregates::pricing::{Voucher, VoucherKind};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::pricing_bodies::{ConditionBody, NewVoucherBody, VoucherTemplateBody};
use super::{MANAGE, ledger};
use crate::app::{AppState, inventory_id};
use crate::bus::BusError;
use crate::http::access::{FINANCE_READ, Group, ORGANIZER};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta, Path, Query};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_voucher))
                .routes(routes!(bulk_vouchers))
                .routes(routes!(define_discount)),
        ),
        (
            FINANCE_READ,
            OpenApiRouter::new().routes(routes!(list_vouchers)),
        ),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherCreated {
    pub codes: Vec<String>,
    pub position: Option<i64>,
}

/// Creates a voucher (DISC-1…3, AMB-32 scope).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/vouchers", tag = "registration",
    params(("slug" = String, Path)), request_body = NewVoucherBody,
    responses((status = 201, body = VoucherCreated), (status = 422, body = Problem)))]
async fn create_voucher(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewVoucherBody>,
) -> ApiResult<(StatusCode, Json<VoucherCreated>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let voucher = Voucher::from(body);
    let code = voucher.code.clone();
    let sent = app
        .bus
        .send(
            &Inventory::stream(inventory_id(conf.id)),
            InventoryCommand::CreateVoucher { voucher },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(VoucherCreated {
            codes: vec![code],
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkBody {
    /// ≤ 20 characters; each code is prefix + 8 characters of A–Z0–9 (DISC-8).
    #[schema(max_length = 20)]
    pub prefix: String,
    /// 1…500.
    pub count: u32,
    /// Shared by the batch (DISC-9/10).
    pub template: VoucherTemplateBody,
}

/// Generates 1…500 vouchers atomically (DISC-8…10). Codes are drawn here (randomness
/// stays out of the aggregate); a collision is drawn again, up to 100 times.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/vouchers/bulk", tag = "registration",
    params(("slug" = String, Path)), request_body = BulkBody,
    responses((status = 201, body = VoucherCreated), (status = 422, body = Problem)))]
async fn bulk_vouchers(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<(StatusCode, Json<VoucherCreated>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = inventory_id(conf.id).to_string();
    for _ in 0..100 {
        let codes: Vec<String> = (0..body.count.min(500))
            .map(|_| crate::codes::random_code(&body.prefix, 8))
            .collect();
        let sent = app
            .bus
            .send(
                &Inventory::stream(&id),
                InventoryCommand::GenerateVouchers {
                    prefix: body.prefix.clone(),
                    count: body.count,
                    template: Voucher::from(body.template.clone()),
                    codes: codes.clone(),
                },
                &meta.for_conf(Some(conf.id)),
            )
            .await;
        match sent {
            Err(BusError::Refused(InventoryError::CodeCollision { .. })) => continue,
            other => {
                let sent = other?;
                return Ok((
                    StatusCode::CREATED,
                    Json(VoucherCreated {
                        codes,
                        position: sent.position,
                    }),
                ));
            }
        }
    }
    Err(InventoryError::NoFreeCodes.into())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherView {
    #[schema(value_type = Object)]
    pub voucher: Voucher,
    /// Uses held by pending orders (included in `voucher.uses`).
    pub live_holds: u32,
    /// DISC-2 right now.
    pub valid: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VouchersQuery {
    /// Only codes starting with this (case-sensitive, as stored).
    pub code_prefix: Option<String>,
    /// Only vouchers of this kind (comp, percentage, fixed_amount).
    #[param(value_type = Option<String>)]
    pub kind: Option<VoucherKind>,
    /// Only vouchers used at least once, pending holds included (true) or never
    /// used (false).
    pub used: Option<bool>,
}

/// Every voucher with its uses (organizers, finance), by code, paged (`limit`,
/// `cursor`) and filtered by code prefix, kind and use. Vouchers live in the
/// conference's sales ledger (the aggregate the bus keeps in memory), so the page
/// is cut from its state: no read-model query, and cursors are keyset cursors on
/// the code as everywhere.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/vouchers", tag = "registration",
    params(("slug" = String, Path), VouchersQuery, PageParams),
    responses((status = 200, body = Page<VoucherView>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn list_vouchers(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<VouchersQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<VoucherView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let now = app.bus.services().now();
    let list = ledger(&app, &conf, |inv| {
        inv.vouchers(now)
            .into_iter()
            .filter(|v| {
                q.code_prefix
                    .as_deref()
                    .is_none_or(|p| v.voucher.code.starts_with(p))
                    && q.kind.is_none_or(|k| k == v.voucher.kind)
                    && q.used.is_none_or(|u| u == (v.voucher.uses > 0))
            })
            .map(|v| {
                (
                    v.voucher.code.clone(),
                    String::new(),
                    VoucherView {
                        valid: v.voucher.is_valid(now),
                        live_holds: v.live_holds,
                        voucher: v.voucher,
                    },
                )
            })
            .collect()
    })
    .await?;
    Ok(Json(page_in_memory(&paging, "code", false, list)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscountDefined {
    pub id: Uuid,
    pub position: Option<i64>,
}

/// Defines (or replaces, by id) a discount condition of one of the six kinds
/// (DISC-15…35).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/discounts", tag = "registration",
    params(("slug" = String, Path)), request_body = ConditionBody,
    responses((status = 201, body = DiscountDefined), (status = 422, body = Problem)))]
async fn define_discount(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ConditionBody>,
) -> ApiResult<(StatusCode, Json<DiscountDefined>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    // A new condition gets its id here (ids are drawn at the edge).
    let condition = body.into_condition(Uuid::new_v4())?;
    let id = condition.id;
    let sent = app
        .bus
        .send(
            &Inventory::stream(inventory_id(conf.id)),
            InventoryCommand::DefineCondition { condition },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DiscountDefined {
            id,
            position: sent.position,
        }),
    ))
}
