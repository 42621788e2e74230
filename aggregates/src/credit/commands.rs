use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CreditSource;

/// Commands on one credit. The stream id is the credit id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CreditCommand {
    /// PAY-17/28 with AMB-9: a store credit (`spendable`) or a credit note recording
    /// a refund to the card (not spendable). Re-issuing the same credit is a no-op.
    Issue {
        credit_id: Uuid,
        conference_id: Uuid,
        user: Uuid,
        amount: Decimal,
        spendable: bool,
        source: CreditSource,
    },
    /// PAY-19/20: spend `amount` on an order of `order_user` at `order_conference`
    /// (the caller passes the order's owner; the credit checks it). Idempotent by
    /// `payment_id`.
    Apply {
        order_id: Uuid,
        payment_id: Uuid,
        amount: Decimal,
        order_user: Uuid,
        order_conference: Uuid,
    },
    /// ORDER-18 / AMB-22: the order's credit payment was reversed; the applied amount
    /// comes back. Idempotent by `payment_id`.
    Restore { order_id: Uuid, payment_id: Uuid },
}
