use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::IssuedCredit;

/// Commands on one credit. The stream id is the credit id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CreditCommand {
    /// PAY-17/28 with AMB-9: issue this credit. Re-issuing the same credit is a
    /// no-op; its `at` is the aggregate's clock, whatever the command says.
    Issue(IssuedCredit),
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
