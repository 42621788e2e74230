//! Terminal (card-present) payments taken at the desk (PAY-32…38), and how the
//! intent's success and failure webhooks meet them (PAY-45/46). Whichever comes
//! first, the desk's capture or the success webhook, pays the order with its one
//! `OrderPaid` (AMB-6/7); the other then changes nothing. A failure webhook fails
//! only an authorized record; the order stays as it was.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Order, OrderError, OrderEvent, OrderStatus, TerminalCaptureStatus, TerminalPayment};
use crate::Timestamp;

impl TerminalCaptureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorized => "authorized",
            Self::Captured => "captured",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }
}

impl Order {
    /// PAY-32/35: only a pending order with a balance gets a terminal payment.
    pub(super) fn authorize_terminal(
        &self,
        t: TerminalPayment,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        if t.payment_intent_id.trim().is_empty() {
            return Err(OrderError::MissingPaymentIntent); // AMB-31
        }
        if self.terminal_payment(&t.payment_intent_id).is_some() {
            return Ok(vec![]);
        }
        if self.status != OrderStatus::Pending {
            return Err(OrderError::TerminalNotPending {
                status: self.status,
            });
        }
        if self.balance <= Decimal::ZERO {
            return Err(OrderError::AlreadyPaid);
        }
        if t.amount <= Decimal::ZERO {
            return Err(OrderError::AmountNotPositive);
        }
        Ok(vec![OrderEvent::TerminalPaymentAuthorized {
            payment_id: t.payment_id,
            payment_intent_id: t.payment_intent_id,
            reader_id: t.reader_id,
            amount: t.amount,
            by: t.by,
            at: now,
        }])
    }

    /// PAY-36: the capture Stripe confirmed. Capturing again is a no-op.
    ///
    /// AMB-6/7 (settled, overrides PAY-36): the capture of a pending order is its
    /// one transition to paid and emits `OrderPaid` at once (hold released,
    /// attendee created), walk-up orders included; PAY-36 kept the hold and left
    /// the order-paid event to the success webhook, which never came for intents
    /// without an order.
    pub(super) fn capture_terminal(
        &self,
        payment_intent_id: &str,
        amount: Decimal,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let t = self
            .terminal_payment(payment_intent_id)
            .ok_or(OrderError::TerminalPaymentNotFound)?;
        match t.capture_status {
            TerminalCaptureStatus::Captured => Ok(vec![]),
            TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed => {
                Err(OrderError::TerminalNotCapturable {
                    status: t.capture_status.as_str(),
                })
            }
            TerminalCaptureStatus::Authorized => Ok(self.captured(t, amount, now)),
        }
    }

    /// PAY-37: cancelled in Stripe. Cancelling again is a no-op; a captured payment
    /// cannot be cancelled (it is refunded instead).
    pub(super) fn cancel_terminal(
        &self,
        payment_intent_id: &str,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let t = self
            .terminal_payment(payment_intent_id)
            .ok_or(OrderError::TerminalPaymentNotFound)?;
        match t.capture_status {
            TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed => Ok(vec![]),
            TerminalCaptureStatus::Captured => Err(OrderError::TerminalAlreadyCaptured),
            TerminalCaptureStatus::Authorized => Ok(vec![OrderEvent::TerminalPaymentCancelled {
                payment_id: t.payment_id,
                payment_intent_id: t.payment_intent_id.clone(),
                at: now,
            }]),
        }
    }

    /// PAY-38/46: Stripe reported the intent's payment failed (card declined at the
    /// reader). Forward only: an authorized record fails with its pending payment;
    /// after a capture, a cancellation or an earlier failure nothing changes. The
    /// order is unchanged (still pending: the desk may try again with a new intent).
    pub(super) fn terminal_failure(
        &self,
        payment_intent_id: &str,
        now: Timestamp,
    ) -> Vec<OrderEvent> {
        match self.terminal_payment(payment_intent_id) {
            Some(t) if t.capture_status == TerminalCaptureStatus::Authorized => {
                vec![OrderEvent::TerminalPaymentFailed {
                    payment_id: t.payment_id,
                    payment_intent_id: t.payment_intent_id.clone(),
                    at: now,
                }]
            }
            _ => vec![],
        }
    }

    /// PAY-45 for an intent of a terminal payment (the webhook's `RecordPayment`):
    /// `None` when the intent is not a terminal one (or its payment failed), so the
    /// money is recorded as a new card payment.
    pub(super) fn terminal_success(
        &self,
        payment_intent_id: &str,
        amount: Decimal,
        now: Timestamp,
    ) -> Option<Vec<OrderEvent>> {
        let t = self.terminal_payment(payment_intent_id)?;
        match t.capture_status {
            // The webhook came before the desk's capture: it is the capture (the
            // pending payment succeeds, the order is paid with `OrderPaid`).
            TerminalCaptureStatus::Authorized => Some(self.captured(t, amount, now)),
            // Already captured at the desk, which paid the order (AMB-6/7):
            // nothing more is recorded and `OrderPaid` is not emitted again.
            TerminalCaptureStatus::Captured => Some(vec![]),
            TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed => None,
        }
    }

    /// The facts of a capture of `t`: the payment succeeds; a pending order becomes
    /// paid (`OrderPaid`, AMB-6/7); money for an order that no longer awaits
    /// payment is recorded and flagged (AMB-6).
    fn captured(&self, t: &TerminalPayment, amount: Decimal, now: Timestamp) -> Vec<OrderEvent> {
        let amount = if amount > Decimal::ZERO {
            amount
        } else {
            t.amount
        };
        let mut facts = vec![OrderEvent::TerminalPaymentCaptured {
            payment_id: t.payment_id,
            payment_intent_id: t.payment_intent_id.clone(),
            amount,
            at: now,
        }];
        facts.push(if self.status == OrderStatus::Pending {
            OrderEvent::OrderPaid {
                conference_id: self.conference_id,
                user: self.user,
                at: now,
            }
        } else {
            OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: t.payment_id,
                status: self.status,
                at: now,
            }
        });
        facts
    }
}

/// A terminal payment's id: one per intent.
pub fn terminal_payment_id(payment_intent_id: &str) -> Uuid {
    crate::natural_id("terminal-payment", payment_intent_id)
}
