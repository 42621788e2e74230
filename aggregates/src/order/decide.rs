//! Order decisions: placing, cancelling, expiring; payments in `payments.rs`, refunds
//! in `refunds.rs`.

use uuid::Uuid;

use super::{
    CancelReason, Order, OrderCommand, OrderError, OrderEvent, OrderStatus, PaymentMethod,
    PaymentStatus,
};
use crate::Timestamp;

/// AMB-3: `<prefix>-` + 8 characters of A–Z0–9 (the prefix is the conference's
/// order_reference_prefix, non-empty).
pub fn is_valid_reference(reference: &str) -> bool {
    match reference.rsplit_once('-') {
        Some((prefix, code)) => {
            !prefix.is_empty()
                && code.len() == 8
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        None => false,
    }
}

impl Order {
    /// Pure: state + command + now -> facts. No I/O, no clock. A refusal writes
    /// nothing.
    pub fn decide(&self, cmd: OrderCommand, now: Timestamp) -> Result<Vec<OrderEvent>, OrderError> {
        use OrderCommand::*;
        if let Place(placed) = cmd {
            if self.placed {
                let same = self.id == placed.order_id
                    && self.reference == placed.reference
                    && self.cart_id == placed.cart_id
                    && self.total == placed.total;
                return if same {
                    Ok(vec![])
                } else {
                    Err(OrderError::AlreadyPlaced)
                };
            }
            if !is_valid_reference(&placed.reference) {
                return Err(OrderError::InvalidReference);
            }
            let mut placed = placed;
            placed.at = now;
            // Sealed: the plain details are never recorded.
            if placed.sealed_billing.is_some() {
                placed.billing_name.clear();
                placed.billing_email.clear();
                placed.billing_company.clear();
            }
            return Ok(vec![OrderEvent::OrderPlaced(placed)]);
        }
        if !self.placed {
            return Err(OrderError::NotFound);
        }
        match cmd {
            Place(_) => Ok(vec![]), // handled above
            Cancel { by } => match self.status {
                OrderStatus::Cancelled => Ok(vec![]),
                OrderStatus::Pending => Ok(self.close(CancelReason::Cancelled, by, now)),
                status => Err(OrderError::NotPending { status }),
            },
            Expire if self.is_stale(now) => Ok(self.close(CancelReason::Expired, None, now)),
            Expire => Ok(vec![]),
            StartPaymentAttempt {
                attempt_id,
                idempotency_key,
                amount,
            } => self.start_attempt(attempt_id, idempotency_key, amount, now),
            RecordPaymentIntent {
                attempt_id,
                payment_intent_id,
                client_secret,
            } => self.record_intent(attempt_id, payment_intent_id, client_secret, now),
            RecordPaymentFailure { payment_intent_id } => {
                Ok(self.record_failure(payment_intent_id, now))
            }
            RecordPayment {
                payment_id,
                method,
                amount,
                stripe_payment_intent,
                credit_id,
                reference,
                note,
                by,
            } => self.record_payment(
                super::payments::NewPayment {
                    payment_id,
                    method,
                    amount,
                    stripe_payment_intent,
                    credit_id,
                    reference,
                    note,
                    by,
                },
                now,
            ),
            Refund {
                refund_id,
                amount,
                to,
                reason,
                by,
            } => self.decide_refund(refund_id, amount, to, reason, by, now),
            RecordCardRefund {
                refund_id,
                stripe_refund_id,
            } => self.record_card_refund(refund_id, stripe_refund_id, now),
            RecordRefundFailure { refund_id, reason } => {
                self.record_refund_failure(refund_id, reason, now)
            }
            RecordStripeRefund {
                stripe_refund_id,
                payment_intent_id,
                amount_refunded,
            } => {
                self.record_stripe_refund(stripe_refund_id, payment_intent_id, amount_refunded, now)
            }
            MarkDisputed {
                dispute_id,
                payment_intent_id,
                amount,
                reason,
            } => Ok(self.mark_disputed(dispute_id, payment_intent_id, amount, reason, now)),
            AuthorizeTerminalPayment {
                payment_id,
                payment_intent_id,
                reader_id,
                amount,
                by,
            } => self.authorize_terminal(
                super::TerminalPayment {
                    payment_id,
                    payment_intent_id,
                    reader_id,
                    amount,
                    capture_status: super::TerminalCaptureStatus::Authorized,
                    by,
                    authorized_at: now,
                    captured_at: None,
                    cancelled_at: None,
                    failed_at: None,
                },
                now,
            ),
            CaptureTerminalPayment {
                payment_intent_id,
                amount,
            } => self.capture_terminal(&payment_intent_id, amount, now),
            CancelTerminalPayment { payment_intent_id } => {
                self.cancel_terminal(&payment_intent_id, now)
            }
        }
    }

    /// ORDER-18/20 with AMB-22: every succeeded credit payment goes back to its credit,
    /// then the order is cancelled (hold cleared, voucher use to give back).
    fn close(&self, reason: CancelReason, by: Option<Uuid>, now: Timestamp) -> Vec<OrderEvent> {
        let mut facts: Vec<OrderEvent> = self
            .payments
            .iter()
            .filter(|p| {
                p.method == PaymentMethod::Credit
                    && p.status == PaymentStatus::Succeeded
                    && !p.reversed
            })
            .filter_map(|p| {
                p.credit_id
                    .map(|credit_id| OrderEvent::CreditPaymentReversed {
                        payment_id: p.payment_id,
                        credit_id,
                        amount: p.amount,
                        at: now,
                    })
            })
            .collect();
        facts.push(OrderEvent::OrderCancelled {
            reason,
            by,
            voucher_code: self.voucher_code.clone(),
            at: now,
        });
        facts
    }
}
