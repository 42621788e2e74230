//! Checkout, a process manager: cart → inventory hold → pending order → cart
//! checked out (ORDER-3…16). Every step is idempotent and keyed by the order id;
//! a crash between steps leaves at worst a hold (or a pending order) that expires
//! by time: stock and voucher uses come back, nothing is oversold.

use chrono::Duration;
use tessera_aggregates::cart::{Cart, CartCommand};
use tessera_aggregates::inventory::{
    HoldLine, HoldRecord, Inventory, InventoryCommand, ReleaseReason,
};
use tessera_aggregates::order::{Order, OrderCommand, OrderLine, VoucherDetails};
use tessera_projections::EventMeta;
use uuid::Uuid;

use crate::app::{App, inventory_id, order_id};
use crate::bus::BusError;
use crate::http::error::{ApiError, ApiResult};

/// The points between checkout's steps where a test can inject a crash
/// ([`crate::process::Faults`]): nothing after the point runs, no compensation
/// either, as if the process died there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutStep {
    /// Stale orders expired; nothing held yet.
    AfterExpire = 1,
    /// The hold is recorded; no order placed.
    AfterHold = 2,
    /// The pending order is placed; the cart is still open.
    AfterPlace = 3,
}

/// What a buyer fills in (ORDER-2/25: all optional at the service level).
#[derive(Debug, Clone, Default)]
pub struct Billing {
    pub name: String,
    pub email: String,
    pub company: String,
}

/// The placed order.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order_id: Uuid,
    pub reference: String,
    pub position: Option<i64>,
}

/// AMB-3: `<prefix>-` + 8 characters of A–Z0–9 (randomness stays at the edge).
pub fn new_reference(prefix: &str) -> String {
    crate::codes::random_code(&format!("{prefix}-"), 8)
}

/// ORDER-3/20: pending orders whose hold has expired become cancelled (reason
/// expired) before a checkout decides anything. The Inventory records the expiry
/// (stock and voucher uses return), then each order is expired; the process
/// managers restore applied credits (AMB-22).
pub async fn expire_stale(app: &App, conference: Uuid, meta: &EventMeta) -> ApiResult<Option<i64>> {
    let ledger = inventory_id(conference).to_string();
    let now = app.bus.services().now();
    let expired: Vec<Uuid> = app
        .bus
        .peek::<Inventory, _>(&ledger, |inv| inv.expired_holds(now))
        .await?;
    if expired.is_empty() {
        return Ok(None);
    }
    let mut position = app
        .bus
        .send::<Inventory>(&ledger, InventoryCommand::ExpireHolds, meta)
        .await?
        .position;
    for order in expired {
        match app
            .bus
            .send::<Order>(&order.to_string(), OrderCommand::Expire, meta)
            .await
        {
            Ok(sent) => position = position.max(sent.position),
            // A hold whose order was never placed (a crash mid-checkout), or an
            // order that got paid or cancelled meanwhile: nothing to expire.
            Err(BusError::Refused(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(position)
}

/// The order lines of a hold, priced exactly as the hold decided (ORDER-11…14).
pub fn order_lines(hold: &HoldRecord) -> Vec<OrderLine> {
    hold.lines
        .iter()
        .zip(hold.pricing.lines.iter())
        .map(|(held, priced)| OrderLine {
            product: held.product.clone(),
            description: held.name.clone(),
            unit_price: held.unit_price,
            quantity: held.quantity,
            discount_amount: priced.voucher_discount,
            line_total: priced.total,
        })
        .collect()
}

/// Checks out the caller's open cart.
pub async fn checkout(
    app: &App,
    conference: Uuid,
    user: Uuid,
    billing: Billing,
    meta: &EventMeta,
) -> ApiResult<Placed> {
    expire_stale(app, conference, meta).await?;
    app.faults.trip(CheckoutStep::AfterExpire)?;
    let now = app.bus.services().now();
    let cart_stream = Cart::stream_id(conference, user).to_string();

    // ORDER-4: refusals of the cart come first (not open, expired, empty). The
    // cart may come from this process's cache: the last step re-checks that it is
    // still exactly what was held (`CartCommand::Expect`), so a cart changed
    // meanwhile (another tab, another instance) never gets this order.
    let cart = app
        .bus
        .peek::<Cart, _>(&cart_stream, |c| {
            let probe = CartCommand::CheckOut {
                cart_id: c.cart_id().unwrap_or_default(),
                order_id: Uuid::nil(),
            };
            c.decide(probe, now).map(|_| {
                (
                    c.cart_id().unwrap_or_default(),
                    c.items().to_vec(),
                    c.voucher().map(|v| v.code.clone()),
                )
            })
        })
        .await?;
    let (cart_id, items, voucher_code) = cart.map_err(|e| ApiError::from(BusError::Refused(e)))?;
    let seen = CartCommand::Expect {
        cart_id,
        items: items.iter().map(|i| (i.item_id, i.quantity)).collect(),
        voucher: voucher_code.clone(),
    };

    // A fresh reference: 36^8 draws, so a collision is not looked for up front; a
    // taken reference makes the order's creation conflict and the checkout fail
    // cleanly (its hold is released), so the buyer retries (ORDER-12).
    let reference = new_reference(&app.config.order_reference_prefix);
    let order = order_id(&reference);

    // 1) Everything the checkout needs, reserved in one decision (ORDER-5…10, AMB-24).
    let ledger = inventory_id(conference).to_string();
    let owner = app
        .bus
        .peek::<Inventory, _>(&ledger, |inv| {
            crate::http::registration::owner_facts(inv, user)
        })
        .await?;
    let expires_at = now + Duration::minutes(i64::from(app.config.pending_order_expiry_minutes));
    let held = app
        .bus
        .send::<Inventory>(
            &ledger,
            InventoryCommand::Hold {
                order_id: order,
                user,
                lines: items
                    .iter()
                    .map(|i| HoldLine {
                        product: i.product.clone(),
                        quantity: i.quantity,
                    })
                    .collect(),
                voucher_code: voucher_code.clone(),
                owner,
                expires_at,
            },
            meta,
        )
        .await?;
    app.faults.trip(CheckoutStep::AfterHold)?;
    let hold: HoldRecord = app
        .bus
        .peek::<Inventory, _>(&ledger, |inv| inv.hold(order).cloned())
        .await?
        .ok_or_else(|| ApiError::internal("hold vanished after it was recorded"))?;

    // 2) The pending order, priced exactly as the hold decided.
    let lines = order_lines(&hold);
    let placed = app
        .bus
        .send::<Order>(
            &order.to_string(),
            OrderCommand::Place {
                order_id: order,
                reference: reference.clone(),
                conference_id: conference,
                user,
                cart_id: Some(cart_id),
                lines,
                subtotal: hold.pricing.subtotal,
                discount_amount: hold.pricing.discount,
                total: hold.pricing.total,
                voucher_code: hold.voucher.as_ref().map(|v| v.code.clone()),
                voucher_details: hold.voucher.as_ref().map(|v| VoucherDetails {
                    code: v.code.clone(),
                    voucher_type: v.kind,
                    discount_value: v.value,
                    unlocks_hidden_tickets: v.unlocks_hidden,
                }),
                billing_name: billing.name,
                billing_email: billing.email,
                billing_company: billing.company,
                hold_expires_at: Some(expires_at),
            },
            meta,
        )
        .await;
    let placed = match placed {
        Ok(p) => p,
        Err(e) => {
            // Compensation: give the hold back now rather than at its expiry.
            let _ = app
                .bus
                .send::<Inventory>(
                    &ledger,
                    InventoryCommand::ReleaseHold {
                        order_id: order,
                        reason: ReleaseReason::Cancelled,
                    },
                    meta,
                )
                .await;
            return Err(e.into());
        }
    };
    app.faults.trip(CheckoutStep::AfterPlace)?;

    // 3) The cart is done.
    let closed = app
        .bus
        .send::<Cart>(
            &cart_stream,
            CartCommand::Sequence(vec![
                seen,
                CartCommand::CheckOut {
                    cart_id,
                    order_id: order,
                },
            ]),
            meta,
        )
        .await;
    let closed = match closed {
        Ok(c) => c,
        Err(e) => {
            // The cart changed under us (another tab checked it out, or it expired):
            // this order must not stand; cancelling it releases the hold.
            let _ = app
                .bus
                .send::<Order>(
                    &order.to_string(),
                    OrderCommand::Cancel { by: Some(user) },
                    meta,
                )
                .await;
            return Err(e.into());
        }
    };
    Ok(Placed {
        order_id: order,
        reference,
        position: held.position.max(placed.position).max(closed.position),
    })
}
