//! Orders with their lines, payments, online payment attempts, refunds and disputes,
//! as organizers and their owners read them (SPEC ORDER-*, PAY-*).
//!
//! Keys:
//! - `order:{conference_id}:{order_id}` → [`OrderRow`]; a conference's orders are
//!   the prefix [`orders_prefix`], a user's are those rows filtered by `user`;
//! - `ref:{reference}` → [`OrderRef`], the lookup by reference (ORDER-24);
//! - `stream:{order_id}` → the conference of the order stream (internal pointer);
//! - `product:{conference_id}:{slug}:{order_id}` → [`OrderProductRow`], a narrow
//!   index row per product of an order's lines, so the ticket-type filter of the
//!   orders list is an index range, not a read of every order document;
//! - `tally:{conference_id}` → [`Tally`], the orders counted by status, ticket
//!   type and both ([`order_facets`]): the list's total without a count.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::order::{
    AttemptStatus, CancelReason, Dispute, OrderEvent, OrderLine, OrderStatus, Payment,
    PaymentMethod, PaymentStatus, Refund, RefundReason, RefundTo, VoucherDetails,
};
use tessera_aggregates::user::SealedBilling;
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::tally::{self, Tally, list_facet, row_facets, serde_name};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Orders;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum OrdersRow {
    Order(OrderRow),
    /// `ref:{reference}`: where the order of a reference lives.
    Ref(OrderRef),
    /// `stream:{order_id}`: the conference the order was placed in.
    Stream {
        conference_id: Uuid,
    },
    /// `product:{conference_id}:{slug}:{order_id}`: the order has a line of the
    /// product `slug`.
    Product(OrderProductRow),
    /// `tally:{conference_id}`: the conference's orders counted by facet.
    Tally(Tally),
}

/// The list fields of an order, under one of its products (the orders list
/// filtered by ticket type pages these, then reads the page's orders).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderProductRow {
    /// `{conference_id}:{slug}`: what the list scopes on (indexed).
    pub product_scope: String,
    pub order_id: Uuid,
    pub reference: String,
    pub user: Uuid,
    pub status: OrderStatus,
    pub voucher_code: Option<String>,
    pub placed_at: DateTime<Utc>,
}

pub fn order_product_key(conference_id: Uuid, slug: &str, order_id: Uuid) -> String {
    format!("product:{conference_id}:{slug}:{order_id}")
}

/// The index rows of the orders with a line of product `slug`.
pub fn order_products_prefix(conference_id: Uuid, slug: &str) -> String {
    format!("product:{conference_id}:{slug}:")
}

/// The slugs of the products on an order's lines, each once, sorted.
fn slugs(o: &OrderRow) -> Vec<&str> {
    let mut slugs: Vec<&str> = o.lines.iter().map(|l| l.product.slug.as_str()).collect();
    slugs.sort_unstable();
    slugs.dedup();
    slugs
}

/// The tally facet of the orders list's filters `status` and `ticket_type`
/// (product slug), either or both absent.
pub fn orders_facet(status: Option<OrderStatus>, product: Option<&str>) -> String {
    let status = status.map(|s| serde_name(&s));
    list_facet(product, status.as_deref().map(|s| ("status", s)))
}

/// The facets an order counts under: every combination of its status and the
/// products of its lines that [`orders_facet`] names.
pub fn order_facets(o: &OrderRow) -> Vec<String> {
    row_facets(("status", &serde_name(&o.status)), slugs(o))
}

/// The product index rows of an order, keyed.
pub fn product_index(o: &OrderRow) -> Vec<(String, OrdersRow)> {
    slugs(o)
        .into_iter()
        .map(|slug| {
            (
                order_product_key(o.conference_id, slug, o.id),
                OrdersRow::Product(OrderProductRow {
                    product_scope: format!("{}:{slug}", o.conference_id),
                    order_id: o.id,
                    reference: o.reference.clone(),
                    user: o.user,
                    status: o.status,
                    voucher_code: o.voucher_code.clone(),
                    placed_at: o.placed_at,
                }),
            )
        })
        .collect()
}

/// Writes the product index rows of the order under `key` (only those that
/// changed). Lines never change after placing, so no row is ever left behind.
fn sync_products(rows: &mut Rows<OrdersRow>, key: &str) {
    let Some(OrdersRow::Order(o)) = rows.get(key) else {
        return;
    };
    for (k, row) in product_index(o) {
        if rows.get(&k) != Some(&row) {
            rows.insert(k, row);
        }
    }
}

/// The pointer from a reference to its order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRef {
    pub conference_id: Uuid,
    pub order_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub reference: String,
    pub user: Uuid,
    pub cart_id: Option<Uuid>,
    /// ORDER-1, stored lower_snake_case.
    pub status: OrderStatus,
    /// ORDER-14/27: in insertion order.
    pub lines: Vec<OrderLine>,
    pub subtotal: Decimal,
    /// Conditions + voucher (ORDER-11).
    pub discount_amount: Decimal,
    pub total: Decimal,
    pub voucher_code: Option<String>,
    pub voucher_details: Option<VoucherDetails>,
    pub billing_name: String,
    pub billing_email: String,
    pub billing_company: String,
    /// The billing details sealed under the buyer's key (the `billing_*`
    /// fields are then empty). Kept sealed so the fold stays pure; the read
    /// edge opens them (src/personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_billing: Option<SealedBilling>,
    /// Cleared by every transition to paid and every cancellation (ORDER-22).
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub placed_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `cancelled` (ORDER-17) or `expired` (ORDER-20 stale hold).
    pub cancel_reason: Option<CancelReason>,
    pub cancelled_by: Option<Uuid>,
    /// PAY-2: Σ payments received and kept (reversed credit payments excluded).
    pub paid: Decimal,
    /// total − paid.
    pub balance: Decimal,
    /// Σ refunds that happened (failed ones excluded).
    pub refunded: Decimal,
    /// Recorded payments, in order (ORDER-29).
    pub payments: Vec<Payment>,
    /// Online payment attempts (PAY-4…8, PAY-46): a pending attempt is the pending
    /// Stripe payment of the original.
    pub attempts: Vec<AttemptRow>,
    pub refunds: Vec<Refund>,
    /// AMB-6: money arrived for an order that no longer awaited payment.
    pub flagged_for_refund: bool,
    /// PAY-48.
    pub disputed: bool,
    pub disputes: Vec<Dispute>,
}

impl OrderRow {
    /// The paid set: paid or partially refunded.
    pub fn is_paid_set(&self) -> bool {
        self.status.is_paid_set()
    }

    fn recompute(&mut self) {
        self.paid = self
            .payments
            .iter()
            .filter(|p| p.counts_as_paid())
            .map(|p| p.amount)
            .sum();
        self.balance = self.total - self.paid;
        self.refunded = self
            .refunds
            .iter()
            .filter(|r| !r.failed)
            .map(|r| r.amount)
            .sum();
        self.disputed = !self.disputes.is_empty();
    }
}

/// One online payment attempt. The client secret never reaches a read model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub attempt_id: Uuid,
    pub amount: Decimal,
    pub payment_intent_id: Option<String>,
    pub status: AttemptStatus,
    pub started_at: DateTime<Utc>,
}

pub fn order_key(conference_id: Uuid, order_id: Uuid) -> String {
    format!("order:{conference_id}:{order_id}")
}

/// Every order of a conference.
pub fn orders_prefix(conference_id: Uuid) -> String {
    format!("order:{conference_id}:")
}

pub fn ref_key(reference: &str) -> String {
    format!("ref:{reference}")
}

impl Orders {
    /// The key of the order row of the event's stream.
    fn order_key_of(rows: &Rows<OrdersRow>, env: &Envelope) -> Option<String> {
        let pointer = match rows.get(&stream_key(&env.aggregate_id)) {
            Some(OrdersRow::Stream { conference_id }) => Some(*conference_id),
            _ => None,
        };
        let conference_id = conference_of(pointer, env)?;
        let order_id = env.aggregate_uuid()?;
        Some(order_key(conference_id, order_id))
    }

    fn place(rows: &mut Rows<OrdersRow>, env: &Envelope, event: &OrderEvent) {
        let OrderEvent::OrderPlaced {
            order_id,
            reference,
            conference_id,
            user,
            cart_id,
            lines,
            subtotal,
            discount_amount,
            total,
            voucher_code,
            voucher_details,
            billing_name,
            billing_email,
            billing_company,
            hold_expires_at,
            at,
            sealed_billing,
        } = event
        else {
            return;
        };
        // The stream id is the order id; the event's id is the fallback.
        let id = env.aggregate_uuid().unwrap_or(*order_id);
        rows.insert(
            stream_key(&env.aggregate_id),
            OrdersRow::Stream {
                conference_id: *conference_id,
            },
        );
        rows.insert(
            ref_key(reference),
            OrdersRow::Ref(OrderRef {
                conference_id: *conference_id,
                order_id: id,
            }),
        );
        rows.insert(
            order_key(*conference_id, id),
            OrdersRow::Order(OrderRow {
                id,
                conference_id: *conference_id,
                reference: reference.clone(),
                user: *user,
                cart_id: *cart_id,
                status: OrderStatus::Pending,
                lines: lines.clone(),
                subtotal: *subtotal,
                discount_amount: *discount_amount,
                total: *total,
                voucher_code: voucher_code.clone(),
                voucher_details: voucher_details.clone(),
                billing_name: billing_name.clone(),
                billing_email: billing_email.clone(),
                billing_company: billing_company.clone(),
                sealed_billing: sealed_billing.as_deref().cloned(),
                hold_expires_at: *hold_expires_at,
                placed_at: *at,
                paid_at: None,
                cancelled_at: None,
                cancel_reason: None,
                cancelled_by: None,
                paid: Decimal::ZERO,
                balance: *total,
                refunded: Decimal::ZERO,
                payments: Vec::new(),
                attempts: Vec::new(),
                refunds: Vec::new(),
                flagged_for_refund: false,
                disputed: false,
                disputes: Vec::new(),
            }),
        );
    }
}

/// Folds one later event of the order's stream into its row.
fn evolve(o: &mut OrderRow, event: &OrderEvent) {
    use OrderEvent::*;
    match event {
        OrderPlaced { .. } => {}
        PaymentAttemptStarted {
            attempt_id,
            amount,
            at,
            ..
        } => {
            if !o.attempts.iter().any(|a| a.attempt_id == *attempt_id) {
                o.attempts.push(AttemptRow {
                    attempt_id: *attempt_id,
                    amount: *amount,
                    payment_intent_id: None,
                    status: AttemptStatus::Pending,
                    started_at: *at,
                });
            }
        }
        PaymentIntentCreated {
            attempt_id,
            payment_intent_id,
            ..
        } => {
            if let Some(a) = o.attempts.iter_mut().find(|a| a.attempt_id == *attempt_id) {
                a.payment_intent_id = Some(payment_intent_id.clone());
            }
        }
        PaymentAttemptFailed { attempt_id, .. } => {
            if let Some(a) = o.attempts.iter_mut().find(|a| a.attempt_id == *attempt_id) {
                a.status = AttemptStatus::Failed;
            }
        }
        PaymentRecorded {
            payment_id,
            method,
            amount,
            stripe_payment_intent,
            credit_id,
            reference,
            note,
            by,
            at,
        } => {
            if let Some(intent) = stripe_payment_intent.as_deref()
                && let Some(a) = o
                    .attempts
                    .iter_mut()
                    .find(|a| a.payment_intent_id.as_deref() == Some(intent))
            {
                a.status = AttemptStatus::Succeeded;
            }
            o.payments.push(Payment {
                payment_id: *payment_id,
                method: *method,
                status: PaymentStatus::Succeeded,
                amount: *amount,
                stripe_payment_intent: stripe_payment_intent.clone(),
                credit_id: *credit_id,
                reference: reference.clone(),
                note: note.clone(),
                by: *by,
                at: *at,
                reversed: false,
            });
        }
        OrderPaid { at, .. } => {
            o.status = OrderStatus::Paid;
            o.paid_at = Some(*at);
            o.hold_expires_at = None;
        }
        PaymentReceivedForClosedOrder { .. } => o.flagged_for_refund = true,
        CreditPaymentReversed { payment_id, .. } => {
            if let Some(p) = o.payments.iter_mut().find(|p| p.payment_id == *payment_id) {
                p.status = PaymentStatus::Refunded;
                p.reversed = true;
            }
        }
        OrderCancelled { reason, by, at, .. } => {
            o.status = OrderStatus::Cancelled;
            o.cancel_reason = Some(*reason);
            o.cancelled_by = *by;
            o.cancelled_at = Some(*at);
            o.hold_expires_at = None;
        }
        OrderRefunded {
            refund_id,
            amount,
            to,
            reason,
            stripe_payment_intent,
            by,
            status,
            at,
            stripe_idempotency_key,
        } => {
            o.refunds.push(Refund {
                refund_id: Some(*refund_id),
                stripe_refund_id: None,
                amount: *amount,
                to: *to,
                reason: *reason,
                stripe_payment_intent: stripe_payment_intent.clone(),
                by: *by,
                at: *at,
                failed: false,
                stripe_idempotency_key: stripe_idempotency_key.clone(),
            });
            o.status = *status;
        }
        CardRefundSucceeded {
            refund_id,
            stripe_refund_id,
            ..
        } => {
            if let Some(r) = o
                .refunds
                .iter_mut()
                .find(|r| r.refund_id == Some(*refund_id))
            {
                r.stripe_refund_id = Some(stripe_refund_id.clone());
            }
        }
        RefundFailed {
            refund_id, status, ..
        } => {
            if let Some(r) = o
                .refunds
                .iter_mut()
                .find(|r| r.refund_id == Some(*refund_id))
            {
                r.failed = true;
            }
            o.status = *status;
        }
        StripeRefundRecorded {
            stripe_refund_id,
            payment_intent_id,
            amount,
            payment_refunded,
            status,
            at,
        } => {
            if *payment_refunded
                && let Some(p) = o.payments.iter_mut().find(|p| {
                    p.method.is_card()
                        && p.counts_as_paid()
                        && p.stripe_payment_intent.as_deref() == Some(payment_intent_id.as_str())
                })
            {
                p.status = PaymentStatus::Refunded;
            }
            o.refunds.push(Refund {
                refund_id: None,
                stripe_refund_id: Some(stripe_refund_id.clone()),
                amount: *amount,
                to: RefundTo::Card,
                reason: RefundReason::default(),
                stripe_payment_intent: Some(payment_intent_id.clone()),
                by: None,
                at: *at,
                failed: false,
                stripe_idempotency_key: None,
            });
            o.status = *status;
        }
        // PAY-35…37: the terminal payment is pending, then succeeds (the order is
        // paid by the OrderPaid decided with the capture, AMB-6/7) or fails.
        TerminalPaymentAuthorized {
            payment_id,
            payment_intent_id,
            amount,
            by,
            at,
            ..
        } => {
            if !o.payments.iter().any(|p| p.payment_id == *payment_id) {
                o.payments.push(Payment {
                    payment_id: *payment_id,
                    method: PaymentMethod::Terminal,
                    status: PaymentStatus::Pending,
                    amount: *amount,
                    stripe_payment_intent: Some(payment_intent_id.clone()),
                    credit_id: None,
                    reference: payment_intent_id.clone(),
                    note: String::new(),
                    by: *by,
                    at: *at,
                    reversed: false,
                });
            }
        }
        TerminalPaymentCaptured {
            payment_id, amount, ..
        } => {
            if let Some(p) = o.payments.iter_mut().find(|p| p.payment_id == *payment_id) {
                p.status = PaymentStatus::Succeeded;
                p.amount = *amount;
            }
        }
        TerminalPaymentCancelled { payment_id, .. } | TerminalPaymentFailed { payment_id, .. } => {
            if let Some(p) = o.payments.iter_mut().find(|p| p.payment_id == *payment_id) {
                p.status = PaymentStatus::Failed;
            }
        }
        OrderDisputed {
            dispute_id,
            payment_intent_id,
            amount,
            reason,
            at,
        } => {
            if !o.disputes.iter().any(|d| d.dispute_id == *dispute_id) {
                o.disputes.push(Dispute {
                    dispute_id: dispute_id.clone(),
                    payment_intent_id: payment_intent_id.clone(),
                    amount: *amount,
                    reason: reason.clone(),
                    at: *at,
                });
            }
        }
    }
    o.recompute();
}

impl Projection for Orders {
    const NAME: &'static str = "orders";
    /// 2: the product index rows; 3: the tally.
    const VERSION: u32 = 3;
    type Row = OrdersRow;

    fn apply(rows: &mut Rows<OrdersRow>, env: &Envelope) {
        let DomainEvent::Order(event) = &env.event else {
            return;
        };
        // What the tally counts an order by: its conference and status (its lines,
        // hence its products, never change after placing).
        let counted = |rows: &Rows<OrdersRow>| match Self::order_key_of(rows, env)
            .and_then(|k| rows.get(&k))
        {
            Some(OrdersRow::Order(o)) => Some((o.conference_id, o.status)),
            _ => None,
        };
        let before = counted(rows);
        if matches!(event, OrderEvent::OrderPlaced { .. }) {
            Self::place(rows, env, event);
        } else if let Some(key) = Self::order_key_of(rows, env)
            && let Some(OrdersRow::Order(o)) = rows.get_mut(&key)
        {
            evolve(o, event);
        }
        if let Some(key) = Self::order_key_of(rows, env) {
            sync_products(rows, &key);
        }
        let after = counted(rows);
        if before != after
            && let Some(key) = Self::order_key_of(rows, env)
            && let Some(OrdersRow::Order(o)) = rows.get(&key)
        {
            let conference_id = o.conference_id;
            let products: Vec<String> = slugs(o).into_iter().map(str::to_string).collect();
            let facets = |status: Option<OrderStatus>| match status {
                Some(s) => row_facets(
                    ("status", &serde_name(&s)),
                    products.iter().map(String::as_str),
                ),
                None => vec![],
            };
            let (was, is) = (facets(before.map(|b| b.1)), facets(after.map(|a| a.1)));
            tally::record(
                rows,
                conference_id,
                &was,
                &is,
                || OrdersRow::Tally(Tally::default()),
                |row| match row {
                    OrdersRow::Tally(t) => Some(t),
                    _ => None,
                },
            );
        }
    }
}
