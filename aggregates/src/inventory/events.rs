use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Addon, HeldLine, ReleaseReason, TicketType, VoucherSnapshot};
use crate::Timestamp;
use crate::pricing::{Condition, PricingSummary, Voucher};

/// Facts about one conference's sales ledger. Names are a stored format: never
/// rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InventoryEvent {
    InventoryOpened {
        conference_id: Uuid,
        at: Timestamp,
    },
    TicketTypeAdded {
        ticket: TicketType,
        at: Timestamp,
    },
    TicketTypeUpdated {
        ticket: TicketType,
        at: Timestamp,
    },
    AddonAdded {
        addon: Addon,
        at: Timestamp,
    },
    AddonUpdated {
        addon: Addon,
        at: Timestamp,
    },
    /// CONF-4: 0 = unlimited.
    CapacitySet {
        total_capacity: u32,
        at: Timestamp,
    },
    /// DISC-1; `uses` is 0.
    VoucherCreated {
        voucher: Voucher,
        at: Timestamp,
    },
    /// DISC-8…10: one atomic batch; every `uses` is 0.
    VouchersGenerated {
        vouchers: Vec<Voucher>,
        at: Timestamp,
    },
    VoucherDeactivated {
        code: String,
        at: Timestamp,
    },
    /// SPONSOR-26, AMB-23: vouchers generated for a bulk purchase and linked to it
    /// (only the ones it was missing); every `uses` is 0.
    BulkVouchersIssued {
        purchase_id: Uuid,
        vouchers: Vec<Voucher>,
        at: Timestamp,
    },
    /// DISC-15…19: created or replaced by id; `times_used` is the ledger's count.
    ConditionDefined {
        condition: Condition,
        at: Timestamp,
    },
    /// ORDER-11…15: a checkout's reservation. `pricing.lines[i]` prices `lines[i]`
    /// (its `line_id` is `Uuid::from_u128(i + 1)`); `condition_usage` lists only the
    /// increments actually taken (DISC-41).
    ItemsHeld {
        order_id: Uuid,
        user: Uuid,
        lines: Vec<HeldLine>,
        pricing: PricingSummary,
        voucher: Option<VoucherSnapshot>,
        condition_usage: Vec<(Uuid, u32)>,
        expires_at: Timestamp,
        at: Timestamp,
    },
    /// ORDER-18/20, DISC-6: stock and the voucher use go back.
    HoldReleased {
        order_id: Uuid,
        reason: ReleaseReason,
        voucher_code: Option<String>,
        at: Timestamp,
    },
    /// ORDER-20: the sweeper's record of a hold whose time ran out; same effect as
    /// `HoldReleased` with reason `Expired`.
    HoldExpired {
        order_id: Uuid,
        voucher_code: Option<String>,
        at: Timestamp,
    },
    /// AMB-6/7: the order is paid. `oversold`: taking its quantities back exceeded a
    /// product's stock or the global capacity (a late payment after expiry or
    /// release); `voucher_overused`: its voucher use went past `max_uses`.
    HoldConverted {
        order_id: Uuid,
        #[serde(default)]
        oversold: bool,
        #[serde(default)]
        voucher_overused: bool,
        at: Timestamp,
    },
    /// CAT-2/3, PAY-39: a paid order that held nothing enters the paid set as
    /// sold, with these lines (priced without discounts). `oversold`: its
    /// quantities exceeded a product's stock or the global capacity (AMB-6: the
    /// money was taken, the sale is kept).
    SaleRecorded {
        order_id: Uuid,
        user: Uuid,
        lines: Vec<HeldLine>,
        #[serde(default)]
        oversold: bool,
        at: Timestamp,
    },
    /// CAT-3: fully refunded; the stock is back, the voucher use stays (DISC-6).
    SaleReturned {
        order_id: Uuid,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for InventoryEvent {
    fn event_type(&self) -> String {
        match self {
            Self::InventoryOpened { .. } => "InventoryOpened",
            Self::TicketTypeAdded { .. } => "TicketTypeAdded",
            Self::TicketTypeUpdated { .. } => "TicketTypeUpdated",
            Self::AddonAdded { .. } => "AddonAdded",
            Self::AddonUpdated { .. } => "AddonUpdated",
            Self::CapacitySet { .. } => "CapacitySet",
            Self::VoucherCreated { .. } => "VoucherCreated",
            Self::VouchersGenerated { .. } => "VouchersGenerated",
            Self::VoucherDeactivated { .. } => "VoucherDeactivated",
            Self::BulkVouchersIssued { .. } => "BulkVouchersIssued",
            Self::ConditionDefined { .. } => "ConditionDefined",
            Self::ItemsHeld { .. } => "ItemsHeld",
            Self::HoldReleased { .. } => "HoldReleased",
            Self::HoldExpired { .. } => "HoldExpired",
            Self::HoldConverted { .. } => "HoldConverted",
            Self::SaleRecorded { .. } => "SaleRecorded",
            Self::SaleReturned { .. } => "SaleReturned",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
