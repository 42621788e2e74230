use rust_decimal::Decimal;

use super::OrderStatus;

/// Refused order commands, with the SPEC message texts. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrderError {
    #[error("Order not found.")]
    NotFound,
    #[error("This order was already placed with other details.")]
    AlreadyPlaced,
    #[error("Order reference must be '<prefix>-' followed by 8 characters A-Z or 0-9.")]
    InvalidReference, // AMB-3
    #[error("Only pending orders can be cancelled. This order is '{}'.", .status.label())]
    NotPending { status: OrderStatus }, // ORDER-17
    #[error("Payment can only be initiated for pending orders.")]
    PaymentNotInitiable, // PAY-4
    #[error("Comp payments can only be recorded for pending orders.")]
    CompNotPending, // PAY-12
    #[error("Comp payments are only valid for orders with a zero total.")]
    CompNonZeroTotal, // PAY-12
    #[error("Manual payments can only be recorded for pending orders.")]
    ManualNotPending, // PAY-13
    #[error("Credits can only be applied to pending orders.")]
    CreditNotPending, // PAY-19
    #[error("Payment amount must be greater than zero.")]
    AmountNotPositive, // PAY-13
    #[error("Order is already fully paid.")]
    AlreadyPaid, // PAY-19
    #[error(
        "Manual payment amount {amount} exceeds the order balance of {balance}. Over-payments are refused, not kept as credit: record at most the balance."
    )]
    ManualExceedsBalance { amount: Decimal, balance: Decimal }, // PAY-13
    #[error("Credit amount {amount} exceeds the order balance of {balance}.")]
    CreditExceedsBalance { amount: Decimal, balance: Decimal }, // PAY-20
    #[error("A credit payment needs the credit it comes from.")]
    MissingCredit,
    #[error("A card payment needs its Stripe payment intent id.")]
    MissingPaymentIntent, // AMB-31
    #[error("Payment attempt not found.")]
    AttemptNotFound,
    #[error("This payment attempt already has another payment intent.")]
    AttemptHasAnotherIntent,
    #[error("Only paid or partially refunded orders can be refunded. This order is '{}'.", .status.label())]
    NotRefundable { status: OrderStatus }, // PAY-25
    #[error("Refund amount must be greater than zero.")]
    RefundAmountNotPositive, // PAY-25
    #[error("No succeeded Stripe payment found on this order.")]
    NoStripePayment, // PAY-25
    #[error("Refund amount {amount} exceeds the refundable balance of {balance}.")]
    RefundExceedsBalance { amount: Decimal, balance: Decimal }, // PAY-26
    #[error("Refund not found.")]
    RefundNotFound,
    #[error("This refund does not go back to the card.")]
    NotACardRefund,
    #[error("This refund was already made in Stripe; it cannot be voided.")]
    RefundAlreadySucceeded,
    #[error("This refund was voided; it cannot be recorded as made.")]
    RefundAlreadyFailed,
    #[error("Order is {}, not pending", .status.label())]
    TerminalNotPending { status: OrderStatus }, // PAY-32
    #[error("Terminal payment not found")]
    TerminalPaymentNotFound, // PAY-36
    #[error("This terminal payment was already captured.")]
    TerminalAlreadyCaptured, // PAY-37
    #[error("This terminal payment can no longer be captured (it is {status}).")]
    TerminalNotCapturable { status: &'static str }, // PAY-36/38
}

impl OrderError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "order.not_found",
            Self::AlreadyPlaced => "order.already_placed",
            Self::InvalidReference => "order.invalid_reference",
            Self::NotPending { .. } => "order.not_pending",
            Self::PaymentNotInitiable => "order.payment_not_initiable",
            Self::CompNotPending => "order.comp_not_pending",
            Self::CompNonZeroTotal => "order.comp_nonzero_total",
            Self::ManualNotPending => "order.manual_not_pending",
            Self::CreditNotPending => "order.credit_not_pending",
            Self::AmountNotPositive => "order.amount_not_positive",
            Self::AlreadyPaid => "order.already_paid",
            Self::ManualExceedsBalance { .. } => "order.manual_exceeds_balance",
            Self::CreditExceedsBalance { .. } => "order.credit_exceeds_balance",
            Self::MissingCredit => "order.missing_credit",
            Self::MissingPaymentIntent => "order.missing_payment_intent",
            Self::AttemptNotFound => "order.attempt_not_found",
            Self::AttemptHasAnotherIntent => "order.attempt_has_another_intent",
            Self::NotRefundable { .. } => "order.not_refundable",
            Self::RefundAmountNotPositive => "order.refund_amount_not_positive",
            Self::NoStripePayment => "order.no_stripe_payment",
            Self::RefundExceedsBalance { .. } => "order.refund_exceeds_balance",
            Self::RefundNotFound => "order.refund_not_found",
            Self::NotACardRefund => "order.not_a_card_refund",
            Self::RefundAlreadySucceeded => "order.refund_already_succeeded",
            Self::RefundAlreadyFailed => "order.refund_already_failed",
            Self::TerminalNotPending { .. } => "order.terminal_not_pending",
            Self::TerminalPaymentNotFound => "order.terminal_payment_not_found",
            Self::TerminalAlreadyCaptured => "order.terminal_already_captured",
            Self::TerminalNotCapturable { .. } => "order.terminal_not_capturable",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::NotFound
                | Self::AttemptNotFound
                | Self::RefundNotFound
                | Self::TerminalPaymentNotFound
        )
    }
}
