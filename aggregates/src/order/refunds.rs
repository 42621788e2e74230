//! Refunds (PAY-25…29 with AMB-9/10), Stripe-reported refunds (PAY-47) and disputes
//! (PAY-48). Refund status compares refunds to what was paid (AMB-10); transitions
//! only go forward (ORDER-23), except the compensation of a failed card refund.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    Order, OrderError, OrderEvent, OrderStatus, PaymentStatus, RefundReason, RefundTo,
    card_refund_idempotency_key,
};
use crate::Timestamp;

/// PAY-29 with AMB-10: refunded once refunds reach what was paid.
fn status_for(refunded: Decimal, paid: Decimal) -> OrderStatus {
    if refunded <= Decimal::ZERO {
        OrderStatus::Paid
    } else if refunded >= paid {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    }
}

impl Order {
    /// PAY-25/26: paid set, amount > 0, a Stripe payment (card refunds), then the
    /// ceiling: paid − refunded, and for the card also the card money not yet refunded.
    pub(super) fn decide_refund(
        &self,
        refund_id: Uuid,
        amount: Decimal,
        to: RefundTo,
        reason: RefundReason,
        by: Option<Uuid>,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        if self.refund(refund_id).is_some() {
            return Ok(vec![]);
        }
        if !self.status.is_paid_set() {
            return Err(OrderError::NotRefundable {
                status: self.status,
            });
        }
        if amount <= Decimal::ZERO {
            return Err(OrderError::RefundAmountNotPositive);
        }
        let (balance, intent) = match to {
            RefundTo::Card => {
                // PAY-27: the intent of the first succeeded Stripe payment.
                let first = self.payments.iter().find(|p| {
                    p.method.is_card() && p.status == PaymentStatus::Succeeded && !p.reversed
                });
                let intent = first
                    .and_then(|p| p.stripe_payment_intent.clone())
                    .ok_or(OrderError::NoStripePayment)?;
                (self.refundable_to_card(), Some(intent))
            }
            RefundTo::Credit => (self.refundable(), None),
        };
        if amount > balance {
            return Err(OrderError::RefundExceedsBalance { amount, balance });
        }
        // The key of the refund's one Stripe call is persisted with it, before the
        // call: whoever makes the call (the endpoint, or the process managers after
        // a crash) asks Stripe for the same refund.
        let stripe_idempotency_key = intent
            .is_some()
            .then(|| card_refund_idempotency_key(refund_id));
        Ok(vec![OrderEvent::OrderRefunded {
            refund_id,
            amount,
            to,
            reason,
            stripe_payment_intent: intent,
            by,
            status: status_for(self.refunded + amount, self.paid),
            at: now,
            stripe_idempotency_key,
        }])
    }

    /// A card refund's Stripe call succeeded. Once per refund: again is a no-op. A
    /// voided refund is refused (its Stripe call was refused under the same key, so
    /// Stripe cannot have made it).
    pub(super) fn record_card_refund(
        &self,
        refund_id: Uuid,
        stripe_refund_id: String,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let refund = self.refund(refund_id).ok_or(OrderError::RefundNotFound)?;
        if refund.to != RefundTo::Card {
            return Err(OrderError::NotACardRefund);
        }
        if refund.stripe_refund_id.is_some() {
            return Ok(vec![]);
        }
        if refund.failed {
            return Err(OrderError::RefundAlreadyFailed);
        }
        Ok(vec![OrderEvent::CardRefundSucceeded {
            refund_id,
            stripe_refund_id,
            at: now,
        }])
    }

    /// The Stripe call of a refund was refused: the refund is void and the status
    /// is computed again without it. A refund Stripe made is never voided.
    pub(super) fn record_refund_failure(
        &self,
        refund_id: Uuid,
        reason: String,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let refund = self.refund(refund_id).ok_or(OrderError::RefundNotFound)?;
        if refund.failed {
            return Ok(vec![]);
        }
        if refund.stripe_refund_id.is_some() {
            return Err(OrderError::RefundAlreadySucceeded);
        }
        Ok(vec![OrderEvent::RefundFailed {
            refund_id,
            amount: refund.amount,
            reason,
            status: status_for(self.refunded - refund.amount, self.paid),
            at: now,
        }])
    }

    /// PAY-47 (AMB-31: an empty intent never matches). Only what Stripe refunded
    /// beyond the refunds recorded on that intent is new; a full refund marks the
    /// payment refunded. Forward only: only paid-set orders change status.
    ///
    /// A refund already on the order under this Stripe refund id (reported before,
    /// or made here and confirmed by Stripe) adds nothing, and neither does a report
    /// with nothing beyond what is recorded: no 0.00 refund is ever recorded. (A
    /// payment refunded in full by refunds made here therefore keeps its status;
    /// the order's own status already says refunded.)
    pub(super) fn record_stripe_refund(
        &self,
        stripe_refund_id: String,
        payment_intent_id: String,
        amount_refunded: Decimal,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let intent = payment_intent_id.as_str();
        let known = self
            .refunds
            .iter()
            .any(|r| r.stripe_refund_id.as_deref() == Some(stripe_refund_id.as_str()));
        let payment = self.payments.iter().find(|p| {
            p.method.is_card()
                && p.counts_as_paid()
                && p.stripe_payment_intent.as_deref() == Some(intent)
        });
        let Some(payment) = payment.filter(|_| !intent.trim().is_empty() && !known) else {
            return Ok(vec![]);
        };
        // A card refund made here is counted by amount, whether or not its Stripe id
        // is recorded yet.
        let recorded: Decimal = self
            .live_refunds()
            .filter(|r| r.stripe_payment_intent.as_deref() == Some(intent))
            .map(|r| r.amount)
            .sum();
        let amount = (amount_refunded - recorded).max(Decimal::ZERO);
        if amount <= Decimal::ZERO {
            return Ok(vec![]);
        }
        let payment_refunded =
            amount_refunded >= payment.amount && payment.status != PaymentStatus::Refunded;
        let status = if self.status.is_paid_set() {
            status_for(self.refunded + amount, self.paid)
        } else {
            self.status
        };
        Ok(vec![OrderEvent::StripeRefundRecorded {
            stripe_refund_id,
            payment_intent_id,
            amount,
            payment_refunded,
            status,
            at: now,
        }])
    }

    /// PAY-48: recorded once per dispute; nothing else changes.
    pub(super) fn mark_disputed(
        &self,
        dispute_id: String,
        payment_intent_id: String,
        amount: Decimal,
        reason: String,
        now: Timestamp,
    ) -> Vec<OrderEvent> {
        if self.disputes.iter().any(|d| d.dispute_id == dispute_id) {
            return vec![];
        }
        vec![OrderEvent::OrderDisputed {
            dispute_id,
            payment_intent_id,
            amount,
            reason,
            at: now,
        }]
    }
}
