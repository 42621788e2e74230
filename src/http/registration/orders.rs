//! Orders (SPEC ORDER-17…29): an order is seen by its owner and by the conference's
//! organizers and finance staff (ORDER-24: anyone else gets "not found"); pending
//! orders are cancelled by either (ORDER-17/18; the process manager gives the hold,
//! the voucher use and the applied credits back).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use tessera_aggregates::conference::Role;
use tessera_aggregates::order::{
    CancelReason, Order, OrderStatus, PaymentMethod, PaymentStatus, RefundReason, RefundTo,
    is_valid_reference,
};
use tessera_aggregates::pricing::ProductKind;

use tessera_projections::Projection;
use tessera_projections::orders::{OrderRecord, Orders, OrdersRow, order_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{MANAGE, PUBLIC};
use crate::app::{AppState, Caller, ConferenceRef, order_id};
use crate::features;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, AuthUser, CommandMeta};
use crate::process::orders::refund_credit_id;

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new()
            .routes(routes!(get_order))
            .routes(routes!(cancel_order)),
    )]
}

/// Who is looking at a conference's orders, and in which capacity.
pub(super) struct Viewer {
    pub caller: Caller,
    pub conf: ConferenceRef,
    /// Organizer, finance or admin, with the organizer side on (AMB-17).
    pub staff: bool,
    /// Staff, or an auditor of the conference: reads every order, acts on none.
    pub reader: bool,
    /// The attendee side is on (CONF-29: registration + public_ui).
    pub public: bool,
}

impl Viewer {
    /// Resolves the conference for `caller`: staff work through the organizer side
    /// (registration + manage_ui), attendees through the public one (registration +
    /// public_ui). With neither available the conference is "not found" (CONF-28).
    pub async fn resolve(app: &AppState, slug: &str, caller: Caller) -> ApiResult<Self> {
        let conf = app.conference(slug).await?;
        let on = |needs| features::all_enabled(needs, &app.config.features, Some(&conf.overrides));
        let public = on(PUBLIC);
        let roles = match caller.is_admin {
            true => vec![],
            false => app.roles_in(conf.id, caller.id).await?,
        };
        let manage = on(MANAGE);
        let staff = manage
            && (caller.is_admin
                || roles
                    .iter()
                    .any(|r| matches!(r, Role::Organizer | Role::Finance)));
        let reader = staff || (manage && roles.contains(&Role::Auditor));
        if !public && !reader {
            return Err(ApiError::not_found("Conference"));
        }
        Ok(Self {
            caller,
            conf,
            staff,
            reader,
            public,
        })
    }

    /// Whether the viewer may read the order of `owner`: its owner or a reader.
    pub fn may_read(&self, owner: Uuid) -> bool {
        self.reader || (self.public && owner == self.caller.id)
    }

    /// ORDER-24: the owner (through the public side) or staff.
    pub fn may_see(&self, owner: Uuid) -> bool {
        self.staff || (self.public && owner == self.caller.id)
    }
}

/// What a handler needs to know about an order before acting on it.
#[derive(Debug, Clone)]
pub(super) struct OrderFacts {
    pub order_id: Uuid,
    pub reference: String,
    pub user: Uuid,
    pub status: OrderStatus,
    pub balance: Decimal,
}

/// The order `reference` of this conference as the viewer may see it, or 404
/// (ORDER-24: the same answer whether it does not exist or is someone else's).
pub(super) async fn visible_order(
    app: &AppState,
    viewer: &Viewer,
    reference: &str,
) -> ApiResult<OrderFacts> {
    let facts = read_order(app, &viewer.conf, reference, |o| OrderFacts {
        order_id: order_id(reference),
        reference: o.reference.to_string(),
        user: o.user,
        status: o.status,
        balance: o.balance,
    })
    .await?;
    match facts {
        Some(f) if viewer.may_see(f.user) => Ok(f),
        _ => Err(ApiError::not_found("Order")),
    }
}

/// The order `id` of the conference as the orders read model holds it (send
/// `X-Tessera-After` with a command's position to read that command's effect).
pub(crate) async fn order_record(
    app: &AppState,
    conference: Uuid,
    id: Uuid,
) -> ApiResult<Option<OrderRecord>> {
    let row = storage::live_row_of(&app.db, Orders::NAME, &order_key(conference, id)).await?;
    Ok(match row {
        Some(OrdersRow::Order(o)) => Some(o),
        _ => None,
    })
}

/// Reads the order `reference` if it exists in this conference, from the Order
/// itself: what a command on the order is about to be decided on.
pub(super) async fn read_order<T>(
    app: &AppState,
    conf: &ConferenceRef,
    reference: &str,
    read: impl FnOnce(&Order) -> T,
) -> ApiResult<Option<T>> {
    if !is_valid_reference(reference) {
        return Ok(None);
    }
    let conference = conf.id;
    Ok(app
        .bus
        .inspect(&Order::stream(order_id(reference)), |o| {
            (o.exists() && o.conference_id == conference).then(|| read(o))
        })
        .await?)
}

/// ORDER-14: one line as sold.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    #[schema(value_type = String, example = "ticket")]
    pub kind: ProductKind,
    pub slug: String,
    pub description: String,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    pub quantity: u32,
    /// The line's voucher share.
    #[schema(value_type = String)]
    pub discount_amount: Decimal,
    #[schema(value_type = String)]
    pub line_total: Decimal,
}

/// PAY-1: one payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub payment_id: Uuid,
    #[schema(value_type = String, example = "manual")]
    pub method: PaymentMethod,
    #[schema(value_type = String, example = "succeeded")]
    pub status: PaymentStatus,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub credit_id: Option<Uuid>,
    pub reference: String,
    /// Staff only.
    pub note: Option<String>,
    /// Staff only: who recorded it.
    pub recorded_by: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// PAY-25…29: one refund.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    pub refund_id: Option<Uuid>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String, example = "credit")]
    pub to: RefundTo,
    #[schema(value_type = String, example = "requested_by_customer")]
    pub reason: RefundReason,
    /// The store credit or credit note it issued (refunds made here).
    pub credit_id: Option<Uuid>,
    /// The Stripe call failed: the refund did not happen.
    pub failed: bool,
    /// A refund to the card whose Stripe call has no outcome yet (a crash or an
    /// unknown answer): the process managers finish it with the same Stripe key.
    pub pending: bool,
    pub at: DateTime<Utc>,
}

/// An order with its lines, totals, payments and refunds (ORDER-29).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub order_id: Uuid,
    pub reference: String,
    pub user_id: Uuid,
    #[schema(value_type = String, example = "pending")]
    pub status: OrderStatus,
    /// ORDER-27: in insertion order.
    pub lines: Vec<LineView>,
    #[schema(value_type = String)]
    pub subtotal: Decimal,
    #[schema(value_type = String)]
    pub discount_amount: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    /// PAY-2: Σ succeeded payments.
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// PAY-2: total − paid.
    #[schema(value_type = String)]
    pub balance: Decimal,
    #[schema(value_type = String)]
    pub refunded: Decimal,
    /// AMB-10: what can still be refunded.
    #[schema(value_type = String)]
    pub refundable: Decimal,
    pub voucher_code: Option<String>,
    pub billing_name: String,
    pub billing_email: String,
    pub billing_company: String,
    /// Cleared when paid or cancelled (ORDER-22).
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub placed_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, example = "cancelled")]
    pub cancel_reason: Option<CancelReason>,
    /// AMB-6: money arrived after the order stopped awaiting payment.
    pub flagged_for_refund: bool,
    pub payments: Vec<PaymentView>,
    pub refunds: Vec<RefundView>,
}

impl OrderView {
    /// The order as `staff` or its owner sees it (staff also see payment notes).
    pub fn of(o: &OrderRecord, staff: bool) -> Self {
        Self {
            order_id: o.id,
            reference: o.reference.to_string(),
            user_id: o.user,
            status: o.status,
            lines: o
                .lines
                .iter()
                .map(|l| LineView {
                    kind: l.product.kind,
                    slug: l.product.slug.clone(),
                    description: l.description.clone(),
                    unit_price: l.unit_price,
                    quantity: l.quantity,
                    discount_amount: l.discount_amount,
                    line_total: l.line_total,
                })
                .collect(),
            subtotal: o.subtotal,
            discount_amount: o.discount_amount,
            total: o.total,
            paid: o.paid,
            balance: o.balance,
            refunded: o.refunded,
            refundable: o.refundable(),
            voucher_code: o.voucher_code.clone(),
            billing_name: o.billing_name.to_string(),
            billing_email: o.billing_email.to_string(),
            billing_company: o.billing_company.to_string(),
            hold_expires_at: o.hold_expires_at,
            placed_at: Some(o.placed_at),
            paid_at: o.paid_at,
            cancelled_at: o.cancelled_at,
            cancel_reason: o.cancel_reason,
            flagged_for_refund: o.flagged_for_refund,
            payments: o
                .payments
                .iter()
                .map(|p| PaymentView {
                    payment_id: p.payment_id,
                    method: p.method,
                    status: p.status,
                    amount: p.amount,
                    credit_id: p.credit_id,
                    reference: p.reference.clone(),
                    note: staff.then(|| p.note.clone()),
                    recorded_by: if staff { p.by } else { None },
                    at: p.at,
                })
                .collect(),
            refunds: o
                .refunds
                .iter()
                .map(|r| RefundView {
                    refund_id: r.refund_id,
                    amount: r.amount,
                    to: r.to,
                    reason: r.reason,
                    credit_id: r.refund_id.filter(|_| !r.failed).map(refund_credit_id),
                    failed: r.failed,
                    pending: r.awaits_stripe(),
                    at: r.at,
                })
                .collect(),
        }
    }
}

/// One order: its lines, totals, status, payments and refunds (ORDER-24/29). The
/// owner and the conference's organizers and finance staff see it; anyone else
/// gets 404. Read from the orders read model: send `X-Tessera-After` with a
/// command's `position` to read that command's effect.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/orders/{reference}", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = Problem)))]
async fn get_order(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(order_view(&app, caller, &slug, &reference).await?))
}

/// One order as `caller` may see it (the JSON handler and the dashboard page).
pub(crate) async fn order_view(
    app: &AppState,
    caller: Caller,
    slug: &str,
    reference: &str,
) -> ApiResult<OrderView> {
    let viewer = Viewer::resolve(app, slug, caller).await?;
    let found = match is_valid_reference(reference) {
        true => order_record(app, viewer.conf.id, order_id(reference)).await?,
        false => None,
    };
    match found {
        Some(mut o) if viewer.may_read(o.user) => {
            // Personal fields are sealed under the buyer's key (src/personal).
            app.personal.open_order_row(&mut o).await?;
            Ok(OrderView::of(&o, viewer.reader))
        }
        _ => Err(ApiError::not_found("Order")),
    }
}

/// One order in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummary {
    pub order_id: Uuid,
    pub reference: String,
    pub user_id: Uuid,
    #[schema(value_type = String, example = "paid")]
    pub status: OrderStatus,
    /// Σ quantities of the lines.
    pub items: u32,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub balance: Decimal,
    #[schema(value_type = String)]
    pub refunded: Decimal,
    pub billing_name: String,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub placed_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    /// AMB-6: money arrived after the order stopped awaiting payment.
    pub flagged_for_refund: bool,
}

impl From<OrderRecord> for OrderSummary {
    fn from(o: OrderRecord) -> Self {
        Self {
            order_id: o.id,
            items: o.lines.iter().map(|l| l.quantity).sum(),
            reference: o.reference,
            user_id: o.user,
            status: o.status,
            total: o.total,
            paid: o.paid,
            balance: o.balance,
            refunded: o.refunded,
            billing_name: o.billing_name,
            hold_expires_at: o.hold_expires_at,
            placed_at: o.placed_at,
            paid_at: o.paid_at,
            flagged_for_refund: o.flagged_for_refund,
        }
    }
}

/// The answer to a command on an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderChanged {
    pub order_id: Uuid,
    pub reference: String,
    #[schema(value_type = String, example = "cancelled")]
    pub status: OrderStatus,
    /// Send as `X-Tessera-After` to read the change back (null: nothing changed).
    pub position: Option<i64>,
}

/// Cancels a pending order (ORDER-17/18): the owner or staff. The hold and the
/// voucher use are given back and applied credits restored by the process manager.
/// Cancelling a cancelled order changes nothing.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/orders/{reference}/cancel", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = OrderChanged), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "order.not_pending")))]
async fn cancel_order(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<OrderChanged>> {
    let viewer = Viewer::resolve(&app, &slug, caller).await?;
    let order = visible_order(&app, &viewer, &reference).await?;
    let position = crate::process::cancel::cancel(
        app.flows(),
        order.order_id,
        viewer.conf.id,
        viewer.caller.id,
        &meta.for_conf(Some(viewer.conf.id)),
    )
    .await?;
    Ok(Json(OrderChanged {
        order_id: order.order_id,
        reference: order.reference,
        status: OrderStatus::Cancelled,
        position,
    }))
}
