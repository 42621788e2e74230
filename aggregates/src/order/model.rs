//! What an order holds: lines, payments, attempts, refunds. Stored in events: never
//! rename.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;
use crate::pricing::{ProductRef, VoucherKind};

/// ORDER-1: order statuses, stored lower_snake_case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[default]
    Pending,
    Paid,
    Refunded,
    PartiallyRefunded,
    Cancelled,
}

impl OrderStatus {
    /// The display label used in messages (ORDER-17, PAY-25).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Paid => "Paid",
            Self::Refunded => "Refunded",
            Self::PartiallyRefunded => "Partially Refunded",
            Self::Cancelled => "Cancelled",
        }
    }

    /// The paid set: paid or partially refunded.
    pub fn is_paid_set(self) -> bool {
        matches!(self, Self::Paid | Self::PartiallyRefunded)
    }
}

/// ORDER-14: one line per cart item, immutable after checkout (ORDER-28).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product: ProductRef,
    /// The product name at checkout.
    pub description: String,
    pub unit_price: Decimal,
    pub quantity: u32,
    /// The line's voucher share only (condition discounts are not stored per line).
    pub discount_amount: Decimal,
    /// unit price × quantity − condition discount − voucher share.
    pub line_total: Decimal,
}

/// ORDER-13: the voucher as it was at checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoucherDetails {
    pub code: String,
    pub voucher_type: VoucherKind,
    /// Serialized as a string.
    pub discount_value: Decimal,
    pub unlocks_hidden_tickets: bool,
}

/// PAY-1: payment methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Stripe,
    Terminal,
    Comp,
    Credit,
    Manual,
}

impl PaymentMethod {
    /// Money that moved through Stripe (online or terminal).
    pub fn is_card(self) -> bool {
        matches!(self, Self::Stripe | Self::Terminal)
    }
}

/// PAY-1: payment statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Processing,
    Succeeded,
    Failed,
    Refunded,
}

/// A payment recorded on the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub amount: Decimal,
    pub stripe_payment_intent: Option<String>,
    pub credit_id: Option<Uuid>,
    pub reference: String,
    pub note: String,
    pub by: Option<Uuid>,
    pub at: Timestamp,
    /// A credit payment given back to its credit by a cancellation (ORDER-18).
    pub reversed: bool,
}

impl Payment {
    /// Money received and kept on the order (PAY-2; refunds are counted apart).
    pub fn counts_as_paid(&self) -> bool {
        !self.reversed
            && matches!(
                self.status,
                PaymentStatus::Succeeded | PaymentStatus::Refunded
            )
    }
}

/// PAY-38: where a terminal (card-present) payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalCaptureStatus {
    Authorized,
    Captured,
    Cancelled,
    Failed,
}

/// PAY-35: the terminal record of a card-present payment taken at the desk; its
/// payment is `payment_id` (method terminal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalPayment {
    pub payment_id: Uuid,
    pub payment_intent_id: String,
    /// The Stripe Terminal reader (`tmr_…`); empty when none was given.
    pub reader_id: String,
    pub amount: Decimal,
    pub capture_status: TerminalCaptureStatus,
    /// The staff member at the desk.
    pub by: Option<Uuid>,
    pub authorized_at: Timestamp,
    pub captured_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    /// PAY-38/46: when Stripe reported the payment failed.
    #[serde(default)]
    pub failed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    Pending,
    Succeeded,
    Failed,
}

/// AMB-9: where a refund goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundTo {
    /// Back to the card through Stripe (a non-spendable credit note records it).
    Card,
    /// A spendable store credit; no money moves.
    Credit,
}

/// PAY-27: the reason given to Stripe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    #[default]
    RequestedByCustomer,
    Duplicate,
    Fraudulent,
}

impl RefundReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestedByCustomer => "requested_by_customer",
            Self::Duplicate => "duplicate",
            Self::Fraudulent => "fraudulent",
        }
    }
}

/// A refund decided here (PAY-25…29), or one made in Stripe and reported by webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    /// Ours, or None for a refund made outside Tessera.
    pub refund_id: Option<Uuid>,
    pub stripe_refund_id: Option<String>,
    pub amount: Decimal,
    pub to: RefundTo,
    pub reason: RefundReason,
    pub stripe_payment_intent: Option<String>,
    pub by: Option<Uuid>,
    pub at: Timestamp,
    /// The Stripe call failed: the refund did not happen.
    pub failed: bool,
    /// Card refunds recorded before their Stripe call: the idempotency key of that
    /// call, persisted with the refund so every attempt (the endpoint's, or the
    /// process managers' after a crash) asks Stripe for the same refund. None for
    /// refunds to credit, refunds made in Stripe, and card refunds recorded before
    /// keys were persisted (their Stripe call was made inline and is never resumed).
    #[serde(default)]
    pub stripe_idempotency_key: Option<String>,
}

impl Refund {
    /// A card refund recorded here whose Stripe call has no recorded outcome yet:
    /// the money may or may not have moved. The process managers finish it.
    pub fn awaits_stripe(&self) -> bool {
        self.stripe_idempotency_key.is_some() && self.stripe_refund_id.is_none() && !self.failed
    }
}

/// The Stripe idempotency key of a card refund: one per refund, from its id.
///
/// Departs from PAY-27's `refund-<intent>-<amount>-<reason>`: that key made two
/// legitimate partial refunds of the same amount and reason within 24 h one Stripe
/// refund (the second was recorded for money that never moved, or refused). A key
/// per refund id is still stable across retries, restarts and redeliveries, which
/// is what the key is for.
pub fn card_refund_idempotency_key(refund_id: Uuid) -> String {
    format!("refund-{refund_id}")
}

/// Why a pending order was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// ORDER-17/18.
    Cancelled,
    /// ORDER-20 stale hold (AMB-22: credits restored like a cancellation).
    Expired,
}

/// PAY-48: a dispute reported by Stripe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispute {
    pub dispute_id: String,
    pub payment_intent_id: String,
    pub amount: Decimal,
    pub reason: String,
    pub at: Timestamp,
}
