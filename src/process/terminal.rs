//! Stripe Terminal at the registration desk (PAY-30…38): card-present intents for
//! an order's balance or a walk-up amount, captured or cancelled by staff.
//!
//! | Flow | Steps (each recorded before the next) | Compensation |
//! |---|---|---|
//! | create | Stripe makes a manual-capture intent (PAY-33/34) → for a walk-up, `Order.Place` (no lines, no hold) → `TerminalIntent.Register` → `Order.AuthorizeTerminalPayment` (PAY-35) | the order stopped awaiting payment: the intent is cancelled in Stripe |
//! | capture | already captured: answered as is; else Stripe captures (a lost answer is found on the intent) → `Order.CaptureTerminalPayment`: the payment succeeds and a pending order becomes paid with `OrderPaid` (AMB-6/7) | — |
//! | cancel | already cancelled or failed: answered as is; else the reader's action and the intent are cancelled in Stripe → `Order.CancelTerminalPayment` (PAY-37) | — |
//!
//! The refusals of a terminal payment are conflicts (PAY-32); Stripe failures are
//! upstream failures (PAY-38).

use rust_decimal::Decimal;
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderEvent, OrderRecord, OrderStatus, PlacedOrder,
    TerminalCaptureStatus, terminal_payment_id,
};
use tessera_aggregates::terminal_intent::{
    self, TerminalIntent, TerminalIntentCommand, TerminalIntentError,
};
use uuid::Uuid;

use super::Context;
use super::checkout::new_reference;
use crate::bus::BusError;
use crate::ids::order_id;
use crate::meta::CommandMeta;
use crate::refusal::{Failure, Kind};
use crate::stripe::{
    GatewayError, SharedGateway, TerminalIntentRequest, cancel_idempotency_key,
    capture_idempotency_key, terminal_intent_idempotency_key,
};

/// Why a terminal payment did not move.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// PAY-32: not an order of this conference.
    #[error("Order not found")]
    OrderNotFound,
    /// Not a terminal intent of this conference.
    #[error("{}", OrderError::TerminalPaymentNotFound)]
    PaymentNotFound,
    /// PAY-32: the order or the terminal payment refuses it (a conflict).
    #[error(transparent)]
    Refused(OrderError),
    #[error(transparent)]
    Order(BusError<OrderError>),
    #[error(transparent)]
    Intent(BusError<TerminalIntentError>),
    #[error(transparent)]
    Gateway(GatewayError),
}

impl Failure for TerminalError {
    fn code(&self) -> &'static str {
        match self {
            Self::OrderNotFound => "order.not_found",
            Self::PaymentNotFound => OrderError::TerminalPaymentNotFound.code(),
            Self::Refused(e) => e.code(),
            Self::Order(e) => e.code(),
            Self::Intent(e) => e.code(),
            Self::Gateway(e) => Failure::code(e),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::OrderNotFound | Self::PaymentNotFound => Kind::NotFound,
            Self::Refused(_) => Kind::Conflict,
            Self::Order(e) => e.kind(),
            Self::Intent(e) => e.kind(),
            Self::Gateway(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Order(e) => Some(e),
            Self::Intent(e) => Some(e),
            Self::Gateway(e) => Some(e),
            _ => None,
        }
    }
    fn detail(&self) -> String {
        match self {
            Self::Refused(OrderError::AlreadyPaid) => "Order is already fully paid".to_string(),
            _ => self
                .wrapped()
                .map_or_else(|| self.to_string(), |e| e.detail()),
        }
    }
}

/// PAY-32: the refusals of a terminal payment are conflicts.
fn refusal(e: BusError<OrderError>) -> TerminalError {
    match e {
        BusError::Refused(
            e @ (OrderError::TerminalNotPending { .. }
            | OrderError::AlreadyPaid
            | OrderError::TerminalAlreadyCaptured
            | OrderError::TerminalNotCapturable { .. }),
        ) => TerminalError::Refused(e),
        other => TerminalError::Order(other),
    }
}

fn gateway(ctx: Context<'_>) -> Result<&SharedGateway, TerminalError> {
    ctx.gateway
        .ok_or(TerminalError::Gateway(GatewayError::NotConfigured))
}

/// Whom the desk serves (PAY-34, PAY-39): resolved at the edge.
#[derive(Debug, Clone)]
pub struct Customer {
    pub user: Uuid,
    pub name: String,
    pub email: String,
}

/// What the intent charges.
#[derive(Debug, Clone)]
pub enum Charge {
    /// PAY-32/33: an order of the conference (its id or reference), pending with a
    /// balance: the intent charges that balance and carries the order.
    Order(String),
    /// PAY-34: a walk-up amount: a pending order of `amount` for the customer,
    /// placed once Stripe made the intent (not carried by it).
    WalkUp { amount: Decimal, customer: Customer },
}

/// The conference the desk works for.
#[derive(Debug, Clone, Copy)]
pub struct Desk<'a> {
    pub conference: Uuid,
    pub slug: &'a str,
    pub staff: Uuid,
}

/// An intent ready on the reader.
#[derive(Debug, Clone)]
pub struct IntentReady {
    /// The order as the authorization left it.
    pub order: OrderRecord,
    pub payment_intent_id: String,
    pub client_secret: Option<String>,
    pub position: Option<i64>,
}

/// What the intent pays.
struct Target {
    order: Uuid,
    /// The existing order as it stands (None for a walk-up, placed later).
    record: Option<OrderRecord>,
    reference: String,
    amount: Decimal,
    /// PAY-33: the order existed before (its id goes in the metadata).
    existing: bool,
    /// PAY-34: the walk-up order to place once Stripe made the intent.
    walk_up: Option<OrderCommand>,
}

/// PAY-32: an existing order of the conference, pending with a balance.
async fn existing_order(
    ctx: Context<'_>,
    conference: Uuid,
    key: &str,
) -> Result<Target, TerminalError> {
    let id = Uuid::parse_str(key).unwrap_or_else(|_| order_id(key));
    let facts = ctx
        .bus
        .inspect(&Order::stream(id), |o| {
            (o.exists() && o.conference_id == conference).then(|| o.record().clone())
        })
        .await
        .map_err(TerminalError::Order)?;
    let record = facts.ok_or(TerminalError::OrderNotFound)?;
    let (reference, status, balance) = (record.reference.clone(), record.status, record.balance);
    if status != OrderStatus::Pending {
        return Err(TerminalError::Refused(OrderError::TerminalNotPending {
            status,
        }));
    }
    if balance <= Decimal::ZERO {
        return Err(TerminalError::Refused(OrderError::AlreadyPaid));
    }
    Ok(Target {
        order: id,
        record: Some(record),
        reference,
        amount: balance,
        existing: true,
        walk_up: None,
    })
}

/// PAY-34: a pending order of `amount` for the customer: no lines, no hold (AMB-3
/// reference).
fn walk_up(ctx: Context<'_>, conference: Uuid, amount: Decimal, customer: Customer) -> Target {
    let reference = new_reference(&ctx.config.order_reference_prefix);
    let order = order_id(&reference);
    Target {
        order,
        record: None,
        reference: reference.clone(),
        amount,
        existing: false,
        walk_up: Some(OrderCommand::Place(PlacedOrder {
            order_id: order,
            reference,
            conference_id: conference,
            user: customer.user,
            cart_id: None,
            lines: vec![],
            subtotal: amount,
            discount_amount: Decimal::ZERO,
            total: amount,
            voucher_code: None,
            voucher_details: None,
            billing_name: customer.name,
            billing_email: customer.email,
            billing_company: String::new(),
            hold_expires_at: None,
            at: ctx.now(),
            // Walk-ups are not sealed yet: the flow has no personal-data service.
            sealed_billing: None,
        })),
    }
}

/// Creates a card-present intent on `reader_id` (PAY-32…35).
pub async fn create_intent(
    ctx: Context<'_>,
    desk: Desk<'_>,
    reader_id: String,
    charge: Charge,
    meta: &CommandMeta,
) -> Result<IntentReady, TerminalError> {
    let target = match charge {
        Charge::Order(key) => existing_order(ctx, desk.conference, &key).await?,
        Charge::WalkUp { amount, customer } => walk_up(ctx, desk.conference, amount, customer),
    };
    let gateway = gateway(ctx)?;
    let event_meta = meta.for_conf(Some(desk.conference));
    let request = TerminalIntentRequest {
        amount: target.amount,
        currency: ctx.config.currency.clone(),
        conference_id: desk.conference,
        conference_slug: desk.slug.to_string(),
        staff_user_id: desk.staff,
        order: target
            .existing
            .then(|| (target.order, target.reference.clone())),
        description: Some(format!("Order {} (terminal)", target.reference)),
        idempotency_key: terminal_intent_idempotency_key(
            meta.scoped_id("terminal-intent", desk.slug),
        ),
    };
    let intent = gateway
        .create_terminal_intent(&request)
        .await
        .map_err(TerminalError::Gateway)?;

    let stream = Order::stream(target.order);
    let mut record = target.record.unwrap_or_default();
    if let Some(place) = target.walk_up {
        let placed = ctx
            .bus
            .send_decided(&stream, place, &event_meta)
            .await
            .map_err(TerminalError::Order)?;
        fold(&mut record, &placed.events);
    }
    ctx.bus
        .send(
            &TerminalIntent::stream(terminal_intent::stream_id(&intent.id)),
            TerminalIntentCommand::Register {
                payment_intent_id: intent.id.clone(),
                conference_id: desk.conference,
                order_id: target.order,
                reader_id: reader_id.clone(),
            },
            &event_meta,
        )
        .await
        .map_err(TerminalError::Intent)?;
    let authorized = ctx
        .bus
        .send_decided(
            &stream,
            OrderCommand::AuthorizeTerminalPayment {
                payment_id: terminal_payment_id(&intent.id),
                payment_intent_id: intent.id.clone(),
                reader_id,
                amount: target.amount,
                by: Some(desk.staff),
            },
            &event_meta,
        )
        .await;
    let sent = match authorized {
        Ok(sent) => sent,
        Err(e) => {
            // The order stopped awaiting payment meanwhile: the intent must not
            // stay open on the reader.
            let key =
                cancel_idempotency_key(&intent.id, meta.scoped_id("terminal-cancel", &intent.id));
            if let Err(cancel) = gateway.cancel_payment_intent(&intent.id, &key).await {
                tracing::warn!(payment_intent = %intent.id, error = %cancel, "could not cancel a refused terminal intent");
            }
            return Err(refusal(e));
        }
    };
    fold(&mut record, &sent.events);
    tracing::info!(order = %target.reference, payment_intent = %intent.id, amount = %target.amount, "terminal intent ready");
    Ok(IntentReady {
        order: record,
        payment_intent_id: intent.id,
        client_secret: intent.client_secret,
        position: sent.position,
    })
}

/// The order of a terminal intent of this conference and its reader.
pub async fn locate(
    ctx: Context<'_>,
    conference: Uuid,
    intent: &str,
) -> Result<(Uuid, String), TerminalError> {
    let well_formed = !intent.is_empty()
        && intent.len() <= 255
        && intent
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err(TerminalError::PaymentNotFound);
    }
    ctx.bus
        .inspect(
            &TerminalIntent::stream(terminal_intent::stream_id(intent)),
            |t| {
                t.order_id()
                    .filter(|_| t.conference_id() == conference)
                    .map(|o| (o, t.reader_id().to_string()))
            },
        )
        .await
        .map_err(TerminalError::Intent)?
        .ok_or(TerminalError::PaymentNotFound)
}

/// The order of a terminal payment as it stands, and where that payment is.
async fn terminal_order(
    ctx: Context<'_>,
    order: Uuid,
    intent: &str,
) -> Result<(OrderRecord, TerminalCaptureStatus), TerminalError> {
    ctx.bus
        .inspect(&Order::stream(order), |o| {
            o.terminal_payment(intent)
                .map(|t| (o.record().clone(), t.capture_status))
        })
        .await
        .map_err(TerminalError::Order)?
        .ok_or(TerminalError::PaymentNotFound)
}

/// The order as the events just decided on it left it: the answer to the
/// command, without reading the Order back.
fn fold(record: &mut OrderRecord, decided: &[OrderEvent]) {
    for event in decided {
        record.evolve(event);
    }
}

/// The terminal payment moved (or was already where it was asked to go).
#[derive(Debug, Clone)]
pub struct Moved {
    /// The order as the move left it.
    pub order: OrderRecord,
    /// None when nothing changed.
    pub position: Option<i64>,
}

/// Captures an authorized terminal payment (PAY-36 with AMB-6/7).
pub async fn capture(
    ctx: Context<'_>,
    conference: Uuid,
    intent: &str,
    meta: &CommandMeta,
) -> Result<Moved, TerminalError> {
    let (order, _) = locate(ctx, conference, intent).await?;
    let (mut record, status) = terminal_order(ctx, order, intent).await?;
    match status {
        TerminalCaptureStatus::Captured => {
            return Ok(Moved {
                order: record,
                position: None,
            });
        }
        status @ (TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed) => {
            return Err(TerminalError::Refused(OrderError::TerminalNotCapturable {
                status: status.as_str(),
            }));
        }
        TerminalCaptureStatus::Authorized => {}
    }
    let gateway = gateway(ctx)?;
    let key = capture_idempotency_key(intent, meta.scoped_id("terminal-capture", intent));
    let captured = match gateway.capture_payment_intent(intent, &key).await {
        Ok(pi) => pi,
        // A capture whose answer was lost (or made by a concurrent request) is
        // found on the intent itself.
        Err(e) => match gateway.retrieve_payment_intent(intent).await {
            Ok(pi) if pi.is_succeeded() => pi,
            _ => return Err(TerminalError::Gateway(e)),
        },
    };
    let meta = meta.for_conf(Some(conference));
    let decided = ctx
        .bus
        .send_decided(
            &Order::stream(order),
            OrderCommand::CaptureTerminalPayment {
                payment_intent_id: intent.to_string(),
                amount: captured.amount,
            },
            &meta,
        )
        .await
        .map_err(refusal)?;
    tracing::info!(payment_intent = %intent, amount = %captured.amount, "terminal payment captured");
    // The sale is in the Inventory before the answer (CART-12 counts it at once).
    let sold = super::sales::follow_now(ctx.bus, order, conference, &decided.events, &meta).await;
    fold(&mut record, &decided.events);
    Ok(Moved {
        order: record,
        position: sold.or(decided.position),
    })
}

/// Cancels an authorized terminal payment (PAY-37): the reader's action and the
/// intent in Stripe, then the payment fails; the order is unchanged.
pub async fn cancel(
    ctx: Context<'_>,
    conference: Uuid,
    intent: &str,
    meta: &CommandMeta,
) -> Result<Moved, TerminalError> {
    let (order, reader) = locate(ctx, conference, intent).await?;
    let (mut record, status) = terminal_order(ctx, order, intent).await?;
    match status {
        TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed => {
            return Ok(Moved {
                order: record,
                position: None,
            });
        }
        TerminalCaptureStatus::Captured => {
            return Err(TerminalError::Refused(OrderError::TerminalAlreadyCaptured));
        }
        TerminalCaptureStatus::Authorized => {}
    }
    let gateway = gateway(ctx)?;
    if !reader.is_empty() {
        gateway
            .cancel_reader_action(&reader)
            .await
            .map_err(TerminalError::Gateway)?;
    }
    let key = cancel_idempotency_key(intent, meta.scoped_id("terminal-cancel", intent));
    if let Err(e) = gateway.cancel_payment_intent(intent, &key).await {
        // A cancellation whose answer was lost is found on the intent itself.
        match gateway.retrieve_payment_intent(intent).await {
            Ok(pi) if pi.status == "canceled" => {}
            _ => return Err(TerminalError::Gateway(e)),
        }
    }
    let sent = ctx
        .bus
        .send_decided(
            &Order::stream(order),
            OrderCommand::CancelTerminalPayment {
                payment_intent_id: intent.to_string(),
            },
            &meta.for_conf(Some(conference)),
        )
        .await
        .map_err(refusal)?;
    tracing::info!(payment_intent = %intent, "terminal payment cancelled");
    fold(&mut record, &sent.events);
    Ok(Moved {
        order: record,
        position: sent.position,
    })
}
