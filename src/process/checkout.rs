//! Checkout, the one way an order is placed from products: the web checkout
//! (ORDER-3…16), the desk checkout (PAY-39) and the demo seed (BOOT-22) differ
//! only by the [`How`] they pass.
//!
//! | Step | Online | Desk | Seeded |
//! |---|---|---|---|
//! | 0. stale orders expired (ORDER-3, [`super::expiry`]) | yes | no | no |
//! | 1. the basket | the open cart, refused first when not open, expired or empty (ORDER-4) | the open cart | lines given |
//! | 2. priced | `Inventory.Hold`: stock, limits, hidden tickets, voucher, conditions in one decision (ORDER-5…15, AMB-24) | catalog prices, total = subtotal, no hold, no checks (PAY-39, CART-7) | `Inventory.Hold` |
//! | 3. `Order.Place` with what step 2 decided | pending, hold expiry | pending, no expiry | pending, hold expiry |
//! | 4. the cart checked out, as seen in step 1 (`CartCommand::Expect`) | yes | yes | — |
//! | 5. paid at once | — | — | comp for a zero total (PAY-12), else manual (PAY-13) |
//!
//! Compensations: an order that cannot be placed gives its hold back now rather
//! than at its expiry; an order whose cart changed meanwhile (another tab, another
//! instance) is cancelled, which releases its hold. Every step is keyed by the
//! order id; a crash between steps leaves at worst a hold (or a pending order) that
//! expires by time: stock and voucher uses come back, nothing is oversold.

use chrono::Duration;
use rust_decimal::Decimal;
use tessera_aggregates::cart::{Cart, CartCommand, CartError, CartItem};
use tessera_aggregates::inventory::{
    HoldLine, Inventory, InventoryCommand, InventoryError, InventoryEvent, ReleaseReason,
};
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderEvent, OrderLine, PaymentMethod, PlacedOrder,
    VoucherDetails,
};
use tessera_aggregates::{Timestamp, natural_id};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::expiry::{ExpiryError, expire_stale};
use super::{Context, InjectedCrash, sales};
use crate::bus::BusError;
use crate::ids::{inventory_id, order_id};
use crate::refusal::{Failure, Kind};

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
    /// The same details sealed under the buyer's key (src/personal): then only
    /// they are recorded.
    pub sealed: Option<tessera_aggregates::user::SealedBilling>,
}

/// The differences between the checkouts (see the module table).
#[derive(Debug, Clone)]
pub enum How {
    /// The buyer's own checkout of their cart (ORDER-3…16).
    Online,
    /// The registration desk checks out the cart for its owner (PAY-39); the staff
    /// member is who cancels the order when the cart changed meanwhile.
    Desk { staff: Uuid },
    /// Demo data (BOOT-22): no cart; the order is paid at once.
    Seeded {
        lines: Vec<HoldLine>,
        voucher: Option<String>,
        /// The payment's note.
        note: String,
    },
}

/// The order a checkout placed, as the Order decided it.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order: PlacedOrder,
    /// Seeded: how it was paid (the order is paid).
    pub paid_with: Option<PaymentMethod>,
    pub position: Option<i64>,
}

/// Why no order was placed.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error(transparent)]
    Cart(BusError<CartError>),
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
    #[error(transparent)]
    Order(BusError<OrderError>),
    #[error(transparent)]
    Crashed(InjectedCrash),
    /// A command answered without the fact it exists to decide.
    #[error("checkout: {0}")]
    Internal(String),
}

impl Failure for CheckoutError {
    fn code(&self) -> &'static str {
        match self {
            Self::Cart(e) => e.code(),
            Self::Inventory(e) => e.code(),
            Self::Order(e) => e.code(),
            Self::Crashed(e) => e.code(),
            Self::Internal(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Cart(e) => e.kind(),
            Self::Inventory(e) => e.kind(),
            Self::Order(e) => e.kind(),
            Self::Crashed(e) => e.kind(),
            Self::Internal(_) => Kind::Internal,
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Cart(e) => Some(e),
            Self::Inventory(e) => Some(e),
            Self::Order(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ExpiryError> for CheckoutError {
    fn from(e: ExpiryError) -> Self {
        match e {
            ExpiryError::Inventory(e) => Self::Inventory(e),
            ExpiryError::Order(e) => Self::Order(e),
        }
    }
}

impl From<InjectedCrash> for CheckoutError {
    fn from(e: InjectedCrash) -> Self {
        Self::Crashed(e)
    }
}

/// AMB-3: `<prefix>-` + 8 characters of A–Z0–9 (randomness stays at the edge).
pub fn new_reference(prefix: &str) -> String {
    crate::codes::random_code(&format!("{prefix}-"), 8)
}

/// The open cart as checkout sees it, and the command that closes exactly it.
struct Basket {
    cart_id: Uuid,
    items: Vec<CartItem>,
    voucher: Option<String>,
}

impl Basket {
    /// Checks the cart out only if it is still exactly what was priced.
    fn close(&self, order_id: Uuid) -> CartCommand {
        CartCommand::Sequence(vec![
            CartCommand::Expect {
                cart_id: self.cart_id,
                items: self.items.iter().map(|i| (i.item_id, i.quantity)).collect(),
                voucher: self.voucher.clone(),
            },
            CartCommand::CheckOut {
                cart_id: self.cart_id,
                order_id,
            },
        ])
    }
}

/// ORDER-4: the cart's refusals come first (not open, expired, empty). The cart
/// may come from this process's cache: the last step re-checks that it is still
/// exactly what was priced, so a cart changed meanwhile never gets this order.
async fn open_basket(ctx: Context<'_>, stream: &str) -> Result<Basket, CheckoutError> {
    let now = ctx.now();
    ctx.bus
        .peek(&Cart::stream(stream), |c| {
            let cart_id = c.cart_id().unwrap_or_default();
            let probe = CartCommand::CheckOut {
                cart_id,
                order_id: Uuid::nil(),
            };
            c.decide(probe, now).map(|_| Basket {
                cart_id,
                items: c.items().to_vec(),
                voucher: c.voucher().map(|v| v.code.clone()),
            })
        })
        .await
        .map_err(CheckoutError::Cart)?
        .map_err(|e| CheckoutError::Cart(BusError::Refused(e)))
}

/// What step 2 decided: the order's lines and amounts.
struct Priced {
    lines: Vec<OrderLine>,
    subtotal: Decimal,
    discount: Decimal,
    total: Decimal,
    voucher: Option<VoucherDetails>,
    /// Held until then (None: nothing held).
    expires_at: Option<Timestamp>,
}

/// ORDER-5…15, AMB-24: everything the order needs, reserved by the Inventory in one
/// decision, priced exactly as the hold decided (ORDER-11…14).
async fn hold(
    ctx: Context<'_>,
    conference: Uuid,
    order: Uuid,
    user: Uuid,
    lines: Vec<HoldLine>,
    voucher_code: Option<String>,
    meta: &EventMeta,
) -> Result<(Priced, Option<i64>), CheckoutError> {
    let expires_at =
        ctx.now() + Duration::minutes(i64::from(ctx.config.pending_order_expiry_minutes));
    // DISC-31: speaker records live in the program; the ledger adds what it knows.
    let owner = super::program::speaker_facts(ctx.bus, conference, user)
        .await
        .map_err(|e| CheckoutError::Internal(e.to_string()))?;
    let held = ctx
        .bus
        .send_decided(
            &Inventory::stream(inventory_id(conference)),
            InventoryCommand::Hold {
                order_id: order,
                user,
                lines,
                voucher_code,
                owner,
                expires_at,
            },
            meta,
        )
        .await
        .map_err(CheckoutError::Inventory)?;
    let Some(InventoryEvent::ItemsHeld {
        lines,
        pricing,
        voucher,
        expires_at,
        ..
    }) = held.events.into_iter().next()
    else {
        return Err(CheckoutError::Internal(format!(
            "the hold of order {order} decided nothing"
        )));
    };
    let priced = Priced {
        lines: lines
            .into_iter()
            .zip(pricing.lines.iter())
            .map(|(held, priced)| OrderLine {
                product: held.product,
                description: held.name,
                unit_price: held.unit_price,
                quantity: held.quantity,
                discount_amount: priced.voucher_discount,
                line_total: priced.total,
            })
            .collect(),
        subtotal: pricing.subtotal,
        discount: pricing.discount,
        total: pricing.total,
        voucher: voucher.map(|v| VoucherDetails {
            code: v.code,
            voucher_type: v.kind,
            discount_value: v.value,
            unlocks_hidden_tickets: v.unlocks_hidden,
        }),
        expires_at: Some(expires_at),
    };
    Ok((priced, held.position))
}

/// PAY-39, CART-7: at the desk, the catalog's current prices (a product gone from
/// the catalog keeps the price it was put in the cart with), no discounts, no
/// hold, total = subtotal.
async fn desk_prices(
    ctx: Context<'_>,
    conference: Uuid,
    user: Uuid,
    items: &[CartItem],
) -> Result<Priced, CheckoutError> {
    let now = ctx.now();
    let lines: Vec<OrderLine> = ctx
        .bus
        .peek(&Inventory::stream(inventory_id(conference)), |inv| {
            items
                .iter()
                .map(|i| {
                    let unit_price = inv
                        .offer(&i.product, user, now)
                        .map_or(i.unit_price, |o| o.unit_price);
                    OrderLine {
                        product: i.product.clone(),
                        description: i.name.clone(),
                        unit_price,
                        quantity: i.quantity,
                        discount_amount: Decimal::ZERO,
                        line_total: unit_price * Decimal::from(i.quantity),
                    }
                })
                .collect()
        })
        .await
        .map_err(CheckoutError::Inventory)?;
    let subtotal: Decimal = lines.iter().map(|l| l.line_total).sum();
    Ok(Priced {
        lines,
        subtotal,
        discount: Decimal::ZERO,
        total: subtotal,
        voucher: None,
        expires_at: None,
    })
}

/// Places an order for `user` in `conference` (see the module table).
pub async fn checkout(
    ctx: Context<'_>,
    conference: Uuid,
    user: Uuid,
    billing: Billing,
    how: How,
    meta: &EventMeta,
) -> Result<Placed, CheckoutError> {
    if matches!(how, How::Online) {
        expire_stale(ctx.bus, conference, meta).await?;
        ctx.faults.trip(CheckoutStep::AfterExpire)?;
    }
    let cart_stream = Cart::stream_id(conference, user).to_string();
    let basket = match &how {
        How::Online | How::Desk { .. } => Some(open_basket(ctx, &cart_stream).await?),
        How::Seeded { .. } => None,
    };

    // A fresh reference: 36^8 draws, so a collision is not looked for up front; a
    // taken reference makes the order's creation conflict and the checkout fail
    // cleanly (its hold is released), so the buyer retries (ORDER-12).
    let reference = new_reference(&ctx.config.order_reference_prefix);
    let order = order_id(&reference);
    let mut position = None;

    let priced = match (&how, &basket) {
        (How::Desk { .. }, Some(basket)) => {
            desk_prices(ctx, conference, user, &basket.items).await?
        }
        (How::Seeded { lines, voucher, .. }, _) => {
            let (priced, at) = hold(
                ctx,
                conference,
                order,
                user,
                lines.clone(),
                voucher.clone(),
                meta,
            )
            .await?;
            position = at;
            priced
        }
        (_, basket) => {
            let basket = basket
                .as_ref()
                .ok_or_else(|| CheckoutError::Internal("a cart checkout without a cart".into()))?;
            let lines = basket
                .items
                .iter()
                .map(|i| HoldLine {
                    product: i.product.clone(),
                    quantity: i.quantity,
                })
                .collect();
            let (priced, at) = hold(
                ctx,
                conference,
                order,
                user,
                lines,
                basket.voucher.clone(),
                meta,
            )
            .await?;
            position = at;
            priced
        }
    };
    let held = priced.expires_at.is_some();
    if held {
        ctx.faults.trip(CheckoutStep::AfterHold)?;
    }

    let placed = ctx
        .bus
        .send_decided(
            &Order::stream(order),
            OrderCommand::Place(PlacedOrder {
                order_id: order,
                reference: reference.clone(),
                conference_id: conference,
                user,
                cart_id: basket.as_ref().map(|b| b.cart_id),
                lines: priced.lines,
                subtotal: priced.subtotal,
                discount_amount: priced.discount,
                total: priced.total,
                voucher_code: priced.voucher.as_ref().map(|v| v.code.clone()),
                voucher_details: priced.voucher,
                billing_name: billing.name,
                billing_email: billing.email,
                billing_company: billing.company,
                hold_expires_at: priced.expires_at,
                at: ctx.now(),
                sealed_billing: billing.sealed.map(Box::new),
            }),
            meta,
        )
        .await;
    let placed = match placed {
        Ok(p) => p,
        Err(e) => {
            if held {
                // Compensation: give the hold back now rather than at its expiry.
                let _ = ctx
                    .bus
                    .send(
                        &Inventory::stream(inventory_id(conference)),
                        InventoryCommand::ReleaseHold {
                            order_id: order,
                            reason: ReleaseReason::Cancelled,
                        },
                        meta,
                    )
                    .await;
            }
            return Err(CheckoutError::Order(e));
        }
    };
    position = position.max(placed.position);
    let Some(OrderEvent::OrderPlaced(placed)) = placed.events.into_iter().next() else {
        return Err(CheckoutError::Internal(format!(
            "order {reference} was not placed"
        )));
    };
    if held {
        ctx.faults.trip(CheckoutStep::AfterPlace)?;
    }

    if let Some(basket) = &basket {
        match ctx
            .bus
            .send(&Cart::stream(cart_stream), basket.close(order), meta)
            .await
        {
            Ok(closed) => position = position.max(closed.position),
            Err(e) => {
                // The cart changed under us (another tab checked it out, or it
                // expired): this order must not stand; cancelling it releases the
                // hold.
                let by = match how {
                    How::Desk { staff } => staff,
                    _ => user,
                };
                if let Err(cancel) = super::cancel::cancel(ctx, order, conference, by, meta).await {
                    tracing::warn!(order = %reference, error = %cancel, "could not cancel an order whose cart changed");
                }
                return Err(CheckoutError::Cart(e));
            }
        }
    }

    let mut paid_with = None;
    if let How::Seeded { note, .. } = how {
        let (method, amount) = if placed.total <= Decimal::ZERO {
            (PaymentMethod::Comp, Decimal::ZERO)
        } else {
            (PaymentMethod::Manual, placed.total)
        };
        let paid = ctx
            .bus
            .send_decided(
                &Order::stream(order),
                OrderCommand::RecordPayment {
                    payment_id: natural_id("demo-payment", &reference),
                    method,
                    amount,
                    stripe_payment_intent: None,
                    credit_id: None,
                    reference: String::new(),
                    note,
                    by: None,
                },
                meta,
            )
            .await
            .map_err(CheckoutError::Order)?;
        if !paid
            .events
            .iter()
            .any(|e| matches!(e, OrderEvent::OrderPaid { .. }))
        {
            return Err(CheckoutError::Internal(format!(
                "order {reference} is not paid after its payment"
            )));
        }
        position = position.max(paid.position);
        let sold = sales::follow_now(ctx.bus, order, conference, &paid.events, meta).await;
        position = position.max(sold);
        paid_with = Some(method);
    }

    Ok(Placed {
        order: placed,
        paid_with,
        position,
    })
}
