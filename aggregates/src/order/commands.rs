use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{PaymentMethod, PlacedOrder, RefundReason, RefundTo};

/// Commands on one order. The stream id is the order id.
#[allow(clippy::large_enum_variant)] // a command is moved once: its size is moot
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderCommand {
    /// ORDER-11…16: the checkout's priced result; the order starts pending, placed
    /// at the aggregate's clock. Re-sending the same placement is a no-op.
    Place(PlacedOrder),
    /// PAY-4…8: a new online payment attempt with its persisted idempotency key.
    /// Re-sending the same attempt id is a no-op.
    StartPaymentAttempt {
        attempt_id: Uuid,
        idempotency_key: String,
        amount: Decimal,
    },
    /// PAY-7/8: the PaymentIntent Stripe created for the attempt.
    RecordPaymentIntent {
        attempt_id: Uuid,
        payment_intent_id: String,
        client_secret: String,
    },
    /// PAY-46: the intent's payment failed; its pending attempt becomes failed (the
    /// order is never changed). Nothing when no pending attempt has this intent.
    RecordPaymentFailure { payment_intent_id: String },
    /// PAY-12/13/20/45: a succeeded payment. Idempotent by `payment_id`, and for card
    /// payments by intent. Card money arriving for an order that no longer awaits
    /// payment is recorded and flagged for refund (AMB-6).
    RecordPayment {
        payment_id: Uuid,
        method: PaymentMethod,
        /// Ignored for comp (recorded as 0.00).
        amount: Decimal,
        /// Required for stripe and terminal payments (AMB-31).
        stripe_payment_intent: Option<String>,
        /// Required for credit payments: the credit already applied (Credit `Apply`).
        credit_id: Option<Uuid>,
        reference: String,
        note: String,
        by: Option<Uuid>,
    },
    /// PAY-32/35: a card-present intent was made for the order at the desk: a
    /// pending terminal payment and its terminal record (authorized). Only pending
    /// orders with a balance; re-sending the same intent is a no-op.
    AuthorizeTerminalPayment {
        payment_id: Uuid,
        payment_intent_id: String,
        reader_id: String,
        amount: Decimal,
        by: Option<Uuid>,
    },
    /// PAY-36 with AMB-6/7: Stripe captured the intent (`amount`, converted back):
    /// the payment succeeds and a pending order becomes paid in the one transition
    /// that emits `OrderPaid` (hold cleared, attendee created), walk-up orders
    /// included. Capturing again is a no-op, and so is the intent's later success
    /// webhook (PAY-45).
    CaptureTerminalPayment {
        payment_intent_id: String,
        amount: Decimal,
    },
    /// PAY-37: Stripe cancelled the intent: the payment fails, the order is
    /// unchanged. Cancelling again is a no-op.
    CancelTerminalPayment { payment_intent_id: String },
    /// ORDER-17/18: only pending orders; cancelling a cancelled order is a no-op.
    Cancel { by: Option<Uuid> },
    /// ORDER-20 with AMB-22: a pending order whose hold expired (≤ now) is cancelled as
    /// expired, its credit payments reversed; anything else is a no-op.
    Expire,
    /// PAY-25…29 with AMB-9/10. Idempotent by `refund_id`.
    Refund {
        refund_id: Uuid,
        amount: Decimal,
        to: RefundTo,
        reason: RefundReason,
        by: Option<Uuid>,
    },
    /// The Stripe call of a card refund succeeded (`stripe_refund_id`). Recording
    /// it again is a no-op; a refund already voided is refused.
    RecordCardRefund {
        refund_id: Uuid,
        stripe_refund_id: String,
    },
    /// Compensation: the Stripe call of a card refund was refused, so it did not
    /// happen. Voiding again is a no-op; a refund whose Stripe call succeeded is
    /// refused.
    RecordRefundFailure { refund_id: Uuid, reason: String },
    /// PAY-47: Stripe reports `amount_refunded` (cumulative, converted back) on the
    /// charge of `payment_intent_id`. Only refunds not already recorded here move the
    /// order, and only forward.
    RecordStripeRefund {
        stripe_refund_id: String,
        payment_intent_id: String,
        amount_refunded: Decimal,
    },
    /// PAY-48: recorded once per dispute id; the status is unchanged.
    MarkDisputed {
        dispute_id: String,
        payment_intent_id: String,
        amount: Decimal,
        reason: String,
    },
}
