use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CancelReason, OrderStatus, PaymentMethod, PlacedOrder, RefundReason, RefundTo};
use crate::Timestamp;

/// Facts about one order. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderEvent {
    /// ORDER-11…16: the order as checkout placed it; it starts pending.
    OrderPlaced(PlacedOrder),
    PaymentAttemptStarted {
        attempt_id: Uuid,
        idempotency_key: String,
        amount: Decimal,
        at: Timestamp,
    },
    PaymentIntentCreated {
        attempt_id: Uuid,
        payment_intent_id: String,
        client_secret: String,
        at: Timestamp,
    },
    PaymentAttemptFailed {
        attempt_id: Uuid,
        payment_intent_id: String,
        at: Timestamp,
    },
    /// A succeeded payment.
    PaymentRecorded {
        payment_id: Uuid,
        method: PaymentMethod,
        amount: Decimal,
        stripe_payment_intent: Option<String>,
        credit_id: Option<Uuid>,
        reference: String,
        note: String,
        by: Option<Uuid>,
        at: Timestamp,
    },
    /// AMB-6/7: the one transition to paid (hold cleared, attendee created).
    OrderPaid {
        conference_id: Uuid,
        user: Uuid,
        at: Timestamp,
    },
    /// AMB-6: money arrived for an order that no longer awaits payment (`status`);
    /// the order is flagged for refund.
    PaymentReceivedForClosedOrder {
        payment_id: Uuid,
        status: OrderStatus,
        at: Timestamp,
    },
    /// ORDER-18 / AMB-22: a credit payment handed back; the process manager restores
    /// the credit.
    CreditPaymentReversed {
        payment_id: Uuid,
        credit_id: Uuid,
        amount: Decimal,
        at: Timestamp,
    },
    /// Hold cleared; `voucher_code` is the use to give back (DISC-6).
    OrderCancelled {
        reason: CancelReason,
        by: Option<Uuid>,
        voucher_code: Option<String>,
        at: Timestamp,
    },
    /// PAY-25…29 with AMB-9/10; `status` is the order's new status.
    OrderRefunded {
        refund_id: Uuid,
        amount: Decimal,
        to: RefundTo,
        reason: RefundReason,
        /// Card refunds: the intent to refund (PAY-27).
        stripe_payment_intent: Option<String>,
        by: Option<Uuid>,
        status: OrderStatus,
        at: Timestamp,
        /// Card refunds: the Stripe idempotency key of the refund's one Stripe
        /// call, persisted before the call (see `card_refund_idempotency_key`).
        /// Absent in refunds recorded before keys were persisted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stripe_idempotency_key: Option<String>,
    },
    /// A card refund's Stripe call succeeded: the money moved (AMB-9). Recorded
    /// once per refund; the process managers then issue its credit note.
    CardRefundSucceeded {
        refund_id: Uuid,
        stripe_refund_id: String,
        at: Timestamp,
    },
    /// Compensation: a card refund's Stripe call was refused, so no money moved.
    RefundFailed {
        refund_id: Uuid,
        amount: Decimal,
        reason: String,
        status: OrderStatus,
        at: Timestamp,
    },
    /// PAY-47: a refund made in Stripe beyond those recorded here (`amount` may be 0
    /// when only the payment became fully refunded).
    StripeRefundRecorded {
        stripe_refund_id: String,
        payment_intent_id: String,
        amount: Decimal,
        payment_refunded: bool,
        status: OrderStatus,
        at: Timestamp,
    },
    OrderDisputed {
        dispute_id: String,
        payment_intent_id: String,
        amount: Decimal,
        reason: String,
        at: Timestamp,
    },
    /// PAY-35: a pending terminal payment and its terminal record (authorized).
    TerminalPaymentAuthorized {
        payment_id: Uuid,
        payment_intent_id: String,
        reader_id: String,
        amount: Decimal,
        by: Option<Uuid>,
        at: Timestamp,
    },
    /// PAY-36: the terminal payment succeeded with `amount`. Like
    /// `PaymentRecorded`, it does not change the order's status: a pending order
    /// becomes paid by the `OrderPaid` decided with it (AMB-6/7, departing from
    /// PAY-36's "hold kept, no order-paid event"); money for an order that no
    /// longer awaits payment comes with `PaymentReceivedForClosedOrder` (AMB-6).
    TerminalPaymentCaptured {
        payment_id: Uuid,
        payment_intent_id: String,
        amount: Decimal,
        at: Timestamp,
    },
    /// PAY-37: the terminal payment failed (cancelled); the order is unchanged.
    TerminalPaymentCancelled {
        payment_id: Uuid,
        payment_intent_id: String,
        at: Timestamp,
    },
    /// PAY-38/46: Stripe reported the terminal intent's payment failed (declined
    /// at the reader): the record is failed, its payment fails; the order is
    /// unchanged, so the desk can try again with a new intent.
    TerminalPaymentFailed {
        payment_id: Uuid,
        payment_intent_id: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            Self::OrderPlaced(_) => "OrderPlaced",
            Self::PaymentAttemptStarted { .. } => "PaymentAttemptStarted",
            Self::PaymentIntentCreated { .. } => "PaymentIntentCreated",
            Self::PaymentAttemptFailed { .. } => "PaymentAttemptFailed",
            Self::PaymentRecorded { .. } => "PaymentRecorded",
            Self::OrderPaid { .. } => "OrderPaid",
            Self::PaymentReceivedForClosedOrder { .. } => "PaymentReceivedForClosedOrder",
            Self::CreditPaymentReversed { .. } => "CreditPaymentReversed",
            Self::OrderCancelled { .. } => "OrderCancelled",
            Self::OrderRefunded { .. } => "OrderRefunded",
            Self::CardRefundSucceeded { .. } => "CardRefundSucceeded",
            Self::RefundFailed { .. } => "RefundFailed",
            Self::StripeRefundRecorded { .. } => "StripeRefundRecorded",
            Self::OrderDisputed { .. } => "OrderDisputed",
            Self::TerminalPaymentAuthorized { .. } => "TerminalPaymentAuthorized",
            Self::TerminalPaymentCaptured { .. } => "TerminalPaymentCaptured",
            Self::TerminalPaymentCancelled { .. } => "TerminalPaymentCancelled",
            Self::TerminalPaymentFailed { .. } => "TerminalPaymentFailed",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
