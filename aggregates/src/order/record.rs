//! The one shape of an order. [`PlacedOrder`] is what checkout decides: the
//! `Place` command carries it and the `OrderPlaced` event stores it.
//! [`OrderRecord`] is the order as it stands after its events: the aggregate
//! decides on it and the orders projection stores it as the order's row, so its
//! fold ([`OrderRecord::evolve`]) is written once, here.
//!
//! Both are stored formats (events, projection rows): never rename a field.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    AttemptStatus, CancelReason, Dispute, OrderEvent, OrderLine, OrderStatus, Payment,
    PaymentMethod, PaymentStatus, Refund, RefundReason, RefundTo, TerminalCaptureStatus,
    TerminalPayment, VoucherDetails,
};
use crate::Timestamp;
use crate::user::SealedBilling;

/// ORDER-11…16: a checkout's priced result, the order as placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub order_id: Uuid,
    /// AMB-3: `<prefix>-` + 8 characters of A–Z0–9.
    pub reference: String,
    pub conference_id: Uuid,
    pub user: Uuid,
    /// None for orders created without a cart (terminal walk-ups).
    pub cart_id: Option<Uuid>,
    /// ORDER-14/27: one line per cart item, in insertion order.
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
    /// None: never expires and reserves nothing (ORDER-21).
    pub hold_expires_at: Option<Timestamp>,
    /// When the order was placed: the aggregate stamps its own clock on the
    /// event, whatever the command said.
    pub at: Timestamp,
    /// The billing details sealed under the buyer's key: then the plain
    /// `billing_*` fields are recorded empty (events written before carry them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_billing: Option<Box<SealedBilling>>,
}

/// One online payment attempt (PAY-4…8): its persisted idempotency key and, once
/// created, its PaymentIntent. The intent's client secret is not here: only the
/// aggregate keeps it, so it never reaches a read model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentAttempt {
    pub attempt_id: Uuid,
    #[serde(default)]
    pub idempotency_key: String,
    pub amount: Decimal,
    pub payment_intent_id: Option<String>,
    pub status: AttemptStatus,
    pub started_at: Timestamp,
}

/// An order as it stands: what was placed, and what its payments, refunds and
/// disputes made of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub reference: String,
    pub user: Uuid,
    pub cart_id: Option<Uuid>,
    /// ORDER-1, stored lower_snake_case.
    pub status: OrderStatus,
    /// ORDER-14/27: in insertion order, immutable after checkout (ORDER-28).
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
    /// edge opens them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_billing: Option<SealedBilling>,
    /// Cleared by every transition to paid and every cancellation (ORDER-22).
    pub hold_expires_at: Option<Timestamp>,
    pub placed_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
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
    /// Online payment attempts (PAY-4…8, PAY-46): a pending attempt is the
    /// pending Stripe payment of the original.
    pub attempts: Vec<PaymentAttempt>,
    pub refunds: Vec<Refund>,
    /// AMB-6: money arrived for an order that no longer awaited payment.
    pub flagged_for_refund: bool,
    /// PAY-48.
    pub disputed: bool,
    pub disputes: Vec<Dispute>,
    /// PAY-35…38: card-present payments taken at the desk, oldest first.
    #[serde(default)]
    pub terminal_payments: Vec<TerminalPayment>,
}

impl OrderRecord {
    /// The order as placed: pending, nothing paid.
    pub fn placed(placed: &PlacedOrder) -> Self {
        let p = placed.clone();
        OrderRecord {
            id: p.order_id,
            conference_id: p.conference_id,
            reference: p.reference,
            user: p.user,
            cart_id: p.cart_id,
            status: OrderStatus::Pending,
            lines: p.lines,
            subtotal: p.subtotal,
            discount_amount: p.discount_amount,
            total: p.total,
            voucher_code: p.voucher_code,
            voucher_details: p.voucher_details,
            billing_name: p.billing_name,
            billing_email: p.billing_email,
            billing_company: p.billing_company,
            sealed_billing: p.sealed_billing.map(|b| *b),
            hold_expires_at: p.hold_expires_at,
            placed_at: p.at,
            balance: p.total,
            ..OrderRecord::default()
        }
    }

    /// The paid set: paid or partially refunded.
    pub fn is_paid_set(&self) -> bool {
        self.status.is_paid_set()
    }
    pub fn payment(&self, payment_id: Uuid) -> Option<&Payment> {
        self.payments.iter().find(|p| p.payment_id == payment_id)
    }
    pub fn attempt(&self, attempt_id: Uuid) -> Option<&PaymentAttempt> {
        self.attempts.iter().find(|a| a.attempt_id == attempt_id)
    }
    /// The latest attempt still pending: a retried payment reuses it (its intent,
    /// or its idempotency key when the intent was not recorded yet).
    pub fn open_attempt(&self) -> Option<&PaymentAttempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.status == AttemptStatus::Pending)
    }
    pub fn refund(&self, refund_id: Uuid) -> Option<&Refund> {
        self.refunds.iter().find(|r| r.refund_id == Some(refund_id))
    }
    pub fn terminal_payment(&self, payment_intent_id: &str) -> Option<&TerminalPayment> {
        self.terminal_payments
            .iter()
            .find(|t| t.payment_intent_id == payment_intent_id)
    }
    /// AMB-10: what can still go back, to store credit: paid − refunded.
    pub fn refundable(&self) -> Decimal {
        (self.paid - self.refunded).max(Decimal::ZERO)
    }
    /// What can still go back to the card: also at most the card money not yet
    /// refunded (PAY-26 with AMB-9).
    pub fn refundable_to_card(&self) -> Decimal {
        let card_paid: Decimal = self
            .payments
            .iter()
            .filter(|p| p.method.is_card() && p.counts_as_paid())
            .map(|p| p.amount)
            .sum();
        let card_refunded: Decimal = self
            .live_refunds()
            .filter(|r| r.to == RefundTo::Card)
            .map(|r| r.amount)
            .sum();
        self.refundable()
            .min(card_paid - card_refunded)
            .max(Decimal::ZERO)
    }
    /// ORDER-20: pending with a hold at or before now.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        self.status == OrderStatus::Pending && self.hold_expires_at.is_some_and(|h| h <= now)
    }
    /// CAT-2/3: whether the order's lines consume stock at `now`.
    pub fn holds_inventory(&self, now: Timestamp) -> bool {
        self.status.is_paid_set()
            || (self.status == OrderStatus::Pending
                && self.hold_expires_at.is_some_and(|h| h > now))
    }

    pub(super) fn live_refunds(&self) -> impl Iterator<Item = &Refund> {
        self.refunds.iter().filter(|r| !r.failed)
    }

    /// Folds one later event of the order's stream (`OrderPlaced` makes the
    /// record: [`OrderRecord::placed`]).
    pub fn evolve(&mut self, event: &OrderEvent) {
        use OrderEvent::*;
        match event {
            OrderPlaced(placed) => *self = OrderRecord::placed(placed),
            PaymentAttemptStarted {
                attempt_id,
                idempotency_key,
                amount,
                at,
            } => {
                if self.attempt(*attempt_id).is_none() {
                    self.attempts.push(PaymentAttempt {
                        attempt_id: *attempt_id,
                        idempotency_key: idempotency_key.clone(),
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
                if let Some(a) = self.attempt_mut(*attempt_id) {
                    a.payment_intent_id = Some(payment_intent_id.clone());
                }
            }
            PaymentAttemptFailed { attempt_id, .. } => {
                if let Some(a) = self.attempt_mut(*attempt_id) {
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
                    && let Some(a) = self
                        .attempts
                        .iter_mut()
                        .find(|a| a.payment_intent_id.as_deref() == Some(intent))
                {
                    a.status = AttemptStatus::Succeeded;
                }
                self.payments.push(Payment {
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
                self.status = OrderStatus::Paid;
                self.paid_at = Some(*at);
                self.hold_expires_at = None;
            }
            PaymentReceivedForClosedOrder { .. } => self.flagged_for_refund = true,
            CreditPaymentReversed { payment_id, .. } => {
                if let Some(p) = self.payment_mut(*payment_id) {
                    p.status = PaymentStatus::Refunded;
                    p.reversed = true;
                }
            }
            OrderCancelled { reason, by, at, .. } => {
                self.status = OrderStatus::Cancelled;
                self.cancel_reason = Some(*reason);
                self.cancelled_by = *by;
                self.cancelled_at = Some(*at);
                self.hold_expires_at = None;
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
                self.refunds.push(Refund {
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
                self.status = *status;
            }
            CardRefundSucceeded {
                refund_id,
                stripe_refund_id,
                ..
            } => {
                if let Some(r) = self.refund_mut(*refund_id) {
                    r.stripe_refund_id = Some(stripe_refund_id.clone());
                }
            }
            RefundFailed {
                refund_id, status, ..
            } => {
                if let Some(r) = self.refund_mut(*refund_id) {
                    r.failed = true;
                }
                self.status = *status;
            }
            // PAY-47: a refund made in Stripe beyond those recorded here.
            StripeRefundRecorded {
                stripe_refund_id,
                payment_intent_id,
                amount,
                payment_refunded,
                status,
                at,
            } => {
                if *payment_refunded
                    && let Some(p) = self.payments.iter_mut().find(|p| {
                        p.method.is_card()
                            && p.counts_as_paid()
                            && p.stripe_payment_intent.as_deref()
                                == Some(payment_intent_id.as_str())
                    })
                {
                    p.status = PaymentStatus::Refunded;
                }
                self.refunds.push(Refund {
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
                self.status = *status;
            }
            OrderDisputed {
                dispute_id,
                payment_intent_id,
                amount,
                reason,
                at,
            } => {
                if !self.disputes.iter().any(|d| d.dispute_id == *dispute_id) {
                    self.disputes.push(Dispute {
                        dispute_id: dispute_id.clone(),
                        payment_intent_id: payment_intent_id.clone(),
                        amount: *amount,
                        reason: reason.clone(),
                        at: *at,
                    });
                }
            }
            // PAY-35…37: the terminal payment is pending, then succeeds (the order
            // is paid by the OrderPaid decided with the capture, AMB-6/7) or fails.
            TerminalPaymentAuthorized {
                payment_id,
                payment_intent_id,
                reader_id,
                amount,
                by,
                at,
            } => {
                if self.payment(*payment_id).is_none() {
                    self.payments.push(Payment {
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
                    self.terminal_payments.push(TerminalPayment {
                        payment_id: *payment_id,
                        payment_intent_id: payment_intent_id.clone(),
                        reader_id: reader_id.clone(),
                        amount: *amount,
                        capture_status: TerminalCaptureStatus::Authorized,
                        by: *by,
                        authorized_at: *at,
                        captured_at: None,
                        cancelled_at: None,
                        failed_at: None,
                    });
                }
            }
            TerminalPaymentCaptured {
                payment_id,
                amount,
                at,
                ..
            } => {
                if let Some(p) = self.payment_mut(*payment_id) {
                    p.status = PaymentStatus::Succeeded;
                    p.amount = *amount;
                }
                if let Some(t) = self.terminal_mut(*payment_id) {
                    t.capture_status = TerminalCaptureStatus::Captured;
                    t.captured_at = Some(*at);
                }
            }
            TerminalPaymentCancelled { payment_id, at, .. } => {
                if let Some(p) = self.payment_mut(*payment_id) {
                    p.status = PaymentStatus::Failed;
                }
                if let Some(t) = self.terminal_mut(*payment_id) {
                    t.capture_status = TerminalCaptureStatus::Cancelled;
                    t.cancelled_at = Some(*at);
                }
            }
            TerminalPaymentFailed { payment_id, at, .. } => {
                if let Some(p) = self.payment_mut(*payment_id) {
                    p.status = PaymentStatus::Failed;
                }
                if let Some(t) = self.terminal_mut(*payment_id) {
                    t.capture_status = TerminalCaptureStatus::Failed;
                    t.failed_at = Some(*at);
                }
            }
        }
        self.recompute();
    }

    /// The sums kept beside the lists they are drawn from (PAY-2).
    fn recompute(&mut self) {
        self.paid = self
            .payments
            .iter()
            .filter(|p| p.counts_as_paid())
            .map(|p| p.amount)
            .sum();
        self.balance = self.total - self.paid;
        self.refunded = self.live_refunds().map(|r| r.amount).sum();
        self.disputed = !self.disputes.is_empty();
    }

    fn attempt_mut(&mut self, attempt_id: Uuid) -> Option<&mut PaymentAttempt> {
        self.attempts
            .iter_mut()
            .find(|a| a.attempt_id == attempt_id)
    }
    fn payment_mut(&mut self, payment_id: Uuid) -> Option<&mut Payment> {
        self.payments
            .iter_mut()
            .find(|p| p.payment_id == payment_id)
    }
    fn refund_mut(&mut self, refund_id: Uuid) -> Option<&mut Refund> {
        self.refunds
            .iter_mut()
            .find(|r| r.refund_id == Some(refund_id))
    }
    fn terminal_mut(&mut self, payment_id: Uuid) -> Option<&mut TerminalPayment> {
        self.terminal_payments
            .iter_mut()
            .find(|t| t.payment_id == payment_id)
    }
}
