//! Payments recorded by hand (PAY-12 comp, PAY-13 manual, PAY-19/20 store credit).
//! Every path to paid is the order's one transition that emits `OrderPaid`
//! (AMB-6/7); the sale reaches the Inventory before the answer.
//!
//! | Step | Comp / manual | Credit |
//! |---|---|---|
//! | 1 | — | `Credit.Apply` min(remaining, balance, cap), idempotent by payment id (the credit checks owner and conference) |
//! | 2 | `Order.RecordPayment` | `Order.RecordPayment` with the same payment id |
//! | 3 | the Inventory step of `OrderPaid` ([`super::sales`]) | the same |
//!
//! Compensation: an order that refuses a credit payment gives the credit its money
//! back (`Credit.Restore`); when that fails too, the process managers restore it
//! from `CreditApplied`. A crash between steps 1 and 2 is finished there as well
//! (they send the same `RecordPayment`, a no-op when the flow got there first).

use rust_decimal::Decimal;
use tessera_aggregates::credit::{Credit, CreditCommand, CreditError};
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderEvent, OrderStatus, PaymentMethod,
};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::{Context, sales};
use crate::bus::BusError;
use crate::refusal::{Failure, Kind};

/// How the payment is made.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    /// PAY-12: completes a zero-total order.
    Comp,
    /// PAY-13: money received outside Stripe.
    Manual(Decimal),
    /// PAY-19/20: the owner's store credit, at most `cap` of it.
    Credit {
        credit_id: Uuid,
        cap: Option<Decimal>,
    },
}

/// The order as the caller found it.
#[derive(Debug, Clone, Copy)]
pub struct Payable {
    pub order_id: Uuid,
    pub conference: Uuid,
    pub user: Uuid,
    pub status: OrderStatus,
    pub balance: Decimal,
}

/// What the payment came to.
#[derive(Debug, Clone, Copy)]
pub struct Paid {
    pub amount: Decimal,
    pub status: OrderStatus,
    pub balance: Decimal,
    pub position: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Order(BusError<OrderError>),
    #[error(transparent)]
    Credit(BusError<CreditError>),
    #[error("Credit not found.")]
    CreditNotFound,
    /// Money has two decimal places (SPEC "How to read").
    #[error("The amount {0}.")]
    InvalidAmount(tessera_aggregates::money::MoneyError),
    /// PAY-19: a store-credit payment names its credit.
    #[error("Choose the credit to apply (credit_id).")]
    CreditRequired,
}

impl Failure for PaymentError {
    fn code(&self) -> &'static str {
        match self {
            Self::Order(e) => e.code(),
            Self::Credit(e) => e.code(),
            Self::CreditNotFound => "not_found",
            Self::InvalidAmount(_) => "payments.invalid_amount",
            Self::CreditRequired => "payments.credit_required",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Order(e) => e.kind(),
            Self::Credit(e) => e.kind(),
            Self::CreditNotFound => Kind::NotFound,
            Self::InvalidAmount(_) | Self::CreditRequired => Kind::Refused,
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Order(e) => Some(e),
            Self::Credit(e) => Some(e),
            _ => None,
        }
    }
}

/// The details a payment carries.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub payment_id: Uuid,
    pub reference: String,
    pub note: String,
    pub by: Option<Uuid>,
}

/// Records the payment; the order's status and balance after it.
pub async fn record(
    ctx: Context<'_>,
    order: Payable,
    method: Method,
    details: Details,
    meta: &EventMeta,
) -> Result<Paid, PaymentError> {
    let stream = Order::stream(order.order_id);
    let record = |method, amount, credit_id| OrderCommand::RecordPayment {
        payment_id: details.payment_id,
        method,
        amount,
        stripe_payment_intent: None,
        credit_id,
        reference: details.reference.clone(),
        note: details.note.clone(),
        by: details.by,
    };
    let (amount, decided) = match method {
        Method::Comp => {
            let command = record(PaymentMethod::Comp, Decimal::ZERO, None);
            let decided = ctx.bus.send_decided(&stream, command, meta).await;
            (Decimal::new(0, 2), decided.map_err(PaymentError::Order)?)
        }
        Method::Manual(amount) => {
            let command = record(PaymentMethod::Manual, amount, None);
            let decided = ctx.bus.send_decided(&stream, command, meta).await;
            (amount, decided.map_err(PaymentError::Order)?)
        }
        Method::Credit { credit_id, cap } => {
            let amount =
                apply_credit(ctx, &order, credit_id, cap, details.payment_id, meta).await?;
            let command = record(PaymentMethod::Credit, amount, Some(credit_id));
            match ctx.bus.send_decided(&stream, command, meta).await {
                Ok(decided) => (amount, decided),
                Err(BusError::Refused(e)) => {
                    restore(ctx, order.order_id, credit_id, details.payment_id, meta).await;
                    return Err(PaymentError::Order(BusError::Refused(e)));
                }
                Err(e) => return Err(PaymentError::Order(e)),
            }
        }
    };
    let mut position = decided.position;
    if let Some(p) = sales::follow_now(
        ctx.bus,
        order.order_id,
        order.conference,
        &decided.events,
        meta,
    )
    .await
    {
        position = Some(p);
    }
    let mut paid = Paid {
        amount,
        status: order.status,
        balance: order.balance,
        position,
    };
    let recorded_now = decided
        .events
        .iter()
        .any(|e| matches!(e, OrderEvent::PaymentRecorded { .. }));
    if recorded_now {
        for event in &decided.events {
            match event {
                OrderEvent::PaymentRecorded { amount, .. } => paid.balance -= *amount,
                OrderEvent::OrderPaid { .. } => paid.status = OrderStatus::Paid,
                _ => {}
            }
        }
    } else {
        // Already recorded under this payment id: by the process managers'
        // reaction to `CreditApplied`, which can run before this step, or by an
        // earlier try. The answer is the order as it now stands.
        let (status, balance) = ctx
            .bus
            .inspect(&stream, |o| (o.status, o.balance))
            .await
            .map_err(PaymentError::Order)?;
        paid.status = status;
        paid.balance = balance;
    }
    Ok(paid)
}

/// PAY-19/20: spends min(credit remaining, order balance, cap) of the credit on the
/// order (`Credit.Apply`, idempotent by payment id). The credit checks that it is
/// available and belongs to the order's owner and conference.
async fn apply_credit(
    ctx: Context<'_>,
    order: &Payable,
    credit_id: Uuid,
    cap: Option<Decimal>,
    payment_id: Uuid,
    meta: &EventMeta,
) -> Result<Decimal, PaymentError> {
    let refused = |e| PaymentError::Order(BusError::Refused(e));
    if order.status != OrderStatus::Pending {
        return Err(refused(OrderError::CreditNotPending));
    }
    if order.balance <= Decimal::ZERO {
        return Err(refused(OrderError::AlreadyPaid));
    }
    let conference = order.conference;
    let remaining = ctx
        .bus
        .inspect(&Credit::stream(credit_id), |c| {
            (c.exists() && c.conference_id == conference).then(|| c.remaining)
        })
        .await
        .map_err(PaymentError::Credit)?
        .ok_or(PaymentError::CreditNotFound)?;
    let mut amount = remaining.min(order.balance);
    if let Some(cap) = cap {
        amount = amount.min(cap);
    }
    ctx.bus
        .send(
            &Credit::stream(credit_id),
            CreditCommand::Apply {
                order_id: order.order_id,
                payment_id,
                amount,
                order_user: order.user,
                order_conference: conference,
            },
            meta,
        )
        .await
        .map_err(PaymentError::Credit)?;
    Ok(amount)
}

/// Compensation: the order refused the payment, the credit gets its money back.
/// (A failure here is finished by the process managers from `CreditApplied`.)
async fn restore(
    ctx: Context<'_>,
    order_id: Uuid,
    credit_id: Uuid,
    payment_id: Uuid,
    meta: &EventMeta,
) {
    let restored = ctx
        .bus
        .send(
            &Credit::stream(credit_id),
            CreditCommand::Restore {
                order_id,
                payment_id,
            },
            meta,
        )
        .await;
    if let Err(err) = restored {
        tracing::warn!(%credit_id, %payment_id, error = %err, "credit restore deferred to the process manager");
    }
}
