//! An order (SPEC ORDER-*, PAY payments and refunds): placed pending by checkout,
//! paid by any mix of payments, cancelled or expired while pending, refunded once
//! paid. Every path to paid emits exactly one `OrderPaid` (AMB-6/7); card money
//! arriving for an order no longer awaiting payment is recorded and flagged (AMB-6).

mod commands;
mod decide;
mod errors;
mod events;
mod model;
mod payments;
mod refunds;
mod terminal;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::OrderCommand;
pub use decide::is_valid_reference;
pub use errors::OrderError;
pub use events::OrderEvent;
pub use model::{
    AttemptStatus, CancelReason, Dispute, OrderLine, OrderStatus, Payment, PaymentAttempt,
    PaymentMethod, PaymentStatus, Refund, RefundReason, RefundTo, TerminalCaptureStatus,
    TerminalPayment, VoucherDetails, card_refund_idempotency_key,
};
pub use terminal::terminal_payment_id;

use crate::user::SealedBilling;
use crate::{DomainServices, Timestamp};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Order {
    placed: bool,
    order_id: Uuid,
    reference: String,
    conference_id: Uuid,
    user: Uuid,
    cart_id: Option<Uuid>,
    lines: Vec<OrderLine>,
    subtotal: Decimal,
    discount_amount: Decimal,
    total: Decimal,
    voucher_code: Option<String>,
    voucher_details: Option<VoucherDetails>,
    billing_name: String,
    billing_email: String,
    billing_company: String,
    /// Empty `billing_*` then (src/personal opens them).
    #[serde(default)]
    sealed_billing: Option<SealedBilling>,
    hold_expires_at: Option<Timestamp>,
    status: OrderStatus,
    placed_at: Option<Timestamp>,
    paid_at: Option<Timestamp>,
    cancelled_at: Option<Timestamp>,
    cancel_reason: Option<CancelReason>,
    cancelled_by: Option<Uuid>,
    payments: Vec<Payment>,
    attempts: Vec<PaymentAttempt>,
    refunds: Vec<Refund>,
    disputes: Vec<Dispute>,
    flagged_for_refund: bool,
    /// PAY-35…37: card-present payments taken at the desk.
    #[serde(default)]
    terminal_payments: Vec<TerminalPayment>,
}

impl Order {
    pub fn exists(&self) -> bool {
        self.placed
    }
    pub fn order_id(&self) -> Uuid {
        self.order_id
    }
    pub fn reference(&self) -> &str {
        &self.reference
    }
    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }
    pub fn user(&self) -> Uuid {
        self.user
    }
    pub fn cart_id(&self) -> Option<Uuid> {
        self.cart_id
    }
    pub fn status(&self) -> OrderStatus {
        self.status
    }
    /// ORDER-27: in insertion order.
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }
    pub fn subtotal(&self) -> Decimal {
        self.subtotal
    }
    pub fn discount_amount(&self) -> Decimal {
        self.discount_amount
    }
    pub fn total(&self) -> Decimal {
        self.total
    }
    pub fn voucher_code(&self) -> Option<&str> {
        self.voucher_code.as_deref()
    }
    pub fn voucher_details(&self) -> Option<&VoucherDetails> {
        self.voucher_details.as_ref()
    }
    pub fn billing_name(&self) -> &str {
        &self.billing_name
    }
    pub fn billing_email(&self) -> &str {
        &self.billing_email
    }
    pub fn billing_company(&self) -> &str {
        &self.billing_company
    }
    /// The billing details sealed under the buyer's key (orders placed since
    /// personal data is encrypted).
    pub fn sealed_billing(&self) -> Option<&SealedBilling> {
        self.sealed_billing.as_ref()
    }
    /// Cleared by every transition to paid and every cancellation (ORDER-22).
    pub fn hold_expires_at(&self) -> Option<Timestamp> {
        self.hold_expires_at
    }
    pub fn placed_at(&self) -> Option<Timestamp> {
        self.placed_at
    }
    pub fn paid_at(&self) -> Option<Timestamp> {
        self.paid_at
    }
    pub fn cancelled_at(&self) -> Option<Timestamp> {
        self.cancelled_at
    }
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        self.cancel_reason
    }
    pub fn cancelled_by(&self) -> Option<Uuid> {
        self.cancelled_by
    }
    pub fn payments(&self) -> &[Payment] {
        &self.payments
    }
    pub fn payment(&self, payment_id: Uuid) -> Option<&Payment> {
        self.payments.iter().find(|p| p.payment_id == payment_id)
    }
    pub fn attempts(&self) -> &[PaymentAttempt] {
        &self.attempts
    }
    pub fn attempt(&self, attempt_id: Uuid) -> Option<&PaymentAttempt> {
        self.attempts.iter().find(|a| a.attempt_id == attempt_id)
    }
    pub fn attempt_for_intent(&self, payment_intent_id: &str) -> Option<&PaymentAttempt> {
        self.attempts
            .iter()
            .find(|a| a.payment_intent_id.as_deref() == Some(payment_intent_id))
    }
    /// The latest attempt still pending: a retried payment reuses it (its intent,
    /// or its idempotency key when the intent was not recorded yet).
    pub fn open_attempt(&self) -> Option<&PaymentAttempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.status == AttemptStatus::Pending)
    }
    pub fn refunds(&self) -> &[Refund] {
        &self.refunds
    }
    pub fn refund(&self, refund_id: Uuid) -> Option<&Refund> {
        self.refunds.iter().find(|r| r.refund_id == Some(refund_id))
    }
    pub fn disputes(&self) -> &[Dispute] {
        &self.disputes
    }
    /// PAY-35: the terminal records, oldest first.
    pub fn terminal_payments(&self) -> &[TerminalPayment] {
        &self.terminal_payments
    }
    pub fn terminal_payment(&self, payment_intent_id: &str) -> Option<&TerminalPayment> {
        self.terminal_payments
            .iter()
            .find(|t| t.payment_intent_id == payment_intent_id)
    }
    /// AMB-6: money arrived for an order that no longer awaited payment.
    pub fn is_flagged_for_refund(&self) -> bool {
        self.flagged_for_refund
    }

    /// PAY-2: Σ succeeded payments (refunds are counted apart).
    pub fn paid(&self) -> Decimal {
        self.payments
            .iter()
            .filter(|p| p.counts_as_paid())
            .map(|p| p.amount)
            .sum()
    }
    /// PAY-2: total − paid so far.
    pub fn balance(&self) -> Decimal {
        self.total - self.paid()
    }
    /// Σ refunds that happened (failed ones excluded).
    pub fn refunded(&self) -> Decimal {
        self.live_refunds().map(|r| r.amount).sum()
    }
    /// AMB-10: what can still go back, to store credit: paid − refunded.
    pub fn refundable(&self) -> Decimal {
        (self.paid() - self.refunded()).max(Decimal::ZERO)
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

    fn live_refunds(&self) -> impl Iterator<Item = &Refund> {
        self.refunds.iter().filter(|r| !r.failed)
    }

    fn evolve(&mut self, event: OrderEvent) {
        use OrderEvent::*;
        match event {
            OrderPlaced {
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
            } => {
                *self = Order {
                    sealed_billing: sealed_billing.map(|b| *b),
                    placed: true,
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
                    placed_at: Some(at),
                    ..Order::default()
                }
            }
            OrderPaid { at, .. } => {
                self.status = OrderStatus::Paid;
                self.paid_at = Some(at);
                self.hold_expires_at = None;
            }
            PaymentReceivedForClosedOrder { .. } => self.flagged_for_refund = true,
            OrderCancelled { reason, by, at, .. } => {
                self.status = OrderStatus::Cancelled;
                self.cancel_reason = Some(reason);
                self.cancelled_by = by;
                self.cancelled_at = Some(at);
                self.hold_expires_at = None;
            }
            OrderDisputed {
                dispute_id,
                payment_intent_id,
                amount,
                reason,
                at,
            } => self.disputes.push(Dispute {
                dispute_id,
                payment_intent_id,
                amount,
                reason,
                at,
            }),
            other @ (PaymentAttemptStarted { .. }
            | PaymentIntentCreated { .. }
            | PaymentAttemptFailed { .. }
            | PaymentRecorded { .. }
            | CreditPaymentReversed { .. }) => payments::evolve(self, other),
            other @ (OrderRefunded { .. }
            | CardRefundSucceeded { .. }
            | RefundFailed { .. }
            | StripeRefundRecorded { .. }) => refunds::evolve(self, other),
            other @ (TerminalPaymentAuthorized { .. }
            | TerminalPaymentCaptured { .. }
            | TerminalPaymentCancelled { .. }
            | TerminalPaymentFailed { .. }) => terminal::evolve(self, other),
        }
    }
}

impl Aggregate for Order {
    const TYPE: &'static str = "order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}
