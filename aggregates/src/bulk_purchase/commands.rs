use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{BulkProduct, VoucherConfig};

/// Commands on one bulk purchase; the stream id is the purchase id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum BulkPurchaseCommand {
    /// SPONSOR-19…22: a new purchase, pending. The products are as the flow found
    /// them in the conference's catalog (SPONSOR-21). The same request again is a
    /// no-op; another one under the same id is refused.
    Request {
        conference_id: Uuid,
        sponsor: Option<String>,
        quantity: u32,
        ticket_type: Option<BulkProduct>,
        addon: Option<BulkProduct>,
        unit_price: Decimal,
        voucher_config: VoucherConfig,
        requester: Uuid,
        from_portal: bool,
    },
    /// SPONSOR-23: pending → approved, recording the approver; the organizer may
    /// supply the voucher terms a portal request lacks (AMB-23).
    Approve {
        by: Uuid,
        voucher_config: Option<VoucherConfig>,
    },
    /// SPONSOR-24: pending → processing with the Stripe Checkout Session. The same
    /// session again is a no-op.
    StartCheckout { session_id: String },
    /// SPONSOR-26, AMB-23: the purchase's vouchers as the Inventory now links them
    /// (every code, old and new); status → paid. PAY-49: the payment intent is
    /// recorded if there was none. Nothing new and already paid: no-op.
    RecordFulfilment {
        codes: Vec<String>,
        payment_intent: Option<String>,
    },
    /// SPONSOR-28: only from pending or processing; otherwise a no-op.
    MarkFailed {
        reason: String,
        payment_intent: Option<String>,
    },
    /// SPONSOR-27: the purchase's payment was refunded in full. Already refunded:
    /// no-op.
    Refund,
}
