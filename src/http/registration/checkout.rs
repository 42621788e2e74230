//! `POST …/checkout`: the caller's cart becomes a pending order with an inventory
//! hold (ORDER-3…16).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::PUBLIC;
use crate::app::AppState;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{AuthUser, CommandMeta};
use crate::process::checkout::{Billing, How, checkout};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new().routes(routes!(check_out)),
    )]
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CheckoutBody {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub billing_name: String,
    #[serde(default)]
    #[schema(max_length = 320, format = Email)]
    pub billing_email: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub billing_company: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedOut {
    pub order_id: Uuid,
    pub reference: String,
    /// pending (ORDER-11/16).
    pub status: String,
    #[schema(value_type = String)]
    pub subtotal: Decimal,
    #[schema(value_type = String)]
    pub discount_amount: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub position: Option<i64>,
}

/// Checks out the caller's open cart: re-validates it, holds the stock, voucher and
/// capacity it needs for `pending_order_expiry_minutes`, and places a pending order
/// `<prefix>-XXXXXXXX`.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/checkout", tag = "registration",
    params(("slug" = String, Path)), request_body = CheckoutBody,
    responses((status = 201, body = CheckedOut), (status = 422, body = Problem), (status = 409, body = Problem)))]
async fn check_out(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<CheckedOut>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    // The body is optional: billing fields default to empty (ORDER-2).
    let body: CheckoutBody = crate::http::extract::optional_json(&body)?;
    let email = if body.billing_email.is_empty() {
        user.email.clone()
    } else {
        body.billing_email
    };
    let sealed = app
        .personal
        .seal_billing(user.id, &body.billing_name, &email, &body.billing_company)
        .await?;
    let billing = Billing {
        name: body.billing_name,
        email,
        company: body.billing_company,
        sealed: Some(sealed),
    };
    let placed = checkout(
        app.flows(),
        conf.id,
        user.id,
        billing,
        How::Online,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CheckedOut {
            order_id: placed.order.order_id,
            reference: placed.order.reference,
            status: "pending".to_string(),
            subtotal: placed.order.subtotal,
            discount_amount: placed.order.discount_amount,
            total: placed.order.total,
            hold_expires_at: placed.order.hold_expires_at,
            position: placed.position,
        }),
    ))
}
