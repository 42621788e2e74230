use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;
use crate::pricing::{ProductScope, Scope, Voucher, VoucherKind, Window};

/// SPONSOR-18: the statuses of a bulk purchase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkStatus {
    #[default]
    Pending,
    Approved,
    Processing,
    Paid,
    Failed,
    Refunded,
}

impl BulkStatus {
    /// The transition table (SPONSOR-23…28): which status may follow which.
    /// `Paid → Paid` is a fulfilment that tops up missing vouchers (AMB-23).
    pub fn next(self) -> &'static [BulkStatus] {
        use BulkStatus::*;
        match self {
            // SPONSOR-23 approve, SPONSOR-24 checkout, SPONSOR-28 failed.
            Pending => &[Approved, Processing, Failed],
            // SPONSOR-25: an approved comp deal is fulfilled directly.
            Approved => &[Paid],
            // PAY-49 fulfil, PAY-50 / SPONSOR-28 failed, SPONSOR-27 refund.
            Processing => &[Paid, Failed, Refunded],
            Paid => &[Paid, Refunded],
            Failed | Refunded => &[],
        }
    }

    pub fn can_move_to(self, to: BulkStatus) -> bool {
        self.next().contains(&to)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Processing => "processing",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
        }
    }
}

/// SPONSOR-22: the voucher configuration of a purchase. Portal requests carry
/// `notes` and `ticket_type_preference`; organizers the voucher terms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherConfig {
    #[serde(default)]
    pub voucher_type: Option<VoucherKind>,
    /// A percentage or an amount (the SPEC's string, kept as a decimal).
    #[serde(default)]
    pub discount_value: Option<Decimal>,
    /// ≥ 1; default 1.
    #[serde(default)]
    pub max_uses: Option<u32>,
    #[serde(default)]
    pub valid_from: Option<Timestamp>,
    #[serde(default)]
    pub valid_until: Option<Timestamp>,
    /// SPONSOR-26: the code prefix; default `BULK-<SPONSOR SLUG>-` or `BULK-`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// SPONSOR-26: default false.
    #[serde(default)]
    pub unlocks_hidden: Option<bool>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub ticket_type_preference: String,
}

impl VoucherConfig {
    /// SPONSOR-25: fulfilment needs a voucher type and a discount value.
    pub fn has_voucher_terms(&self) -> bool {
        self.voucher_type.is_some() && self.discount_value.is_some()
    }
}

/// A product the purchase is for, as the flow found it in the catalog (SPONSOR-21).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BulkProduct {
    pub slug: String,
    pub name: String,
    pub bulk_enabled: bool,
}

/// SPONSOR-19: what was requested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkTerms {
    /// The sponsor's slug, when the purchase is a sponsor's.
    #[serde(default)]
    pub sponsor: Option<String>,
    pub quantity: u32,
    pub product_description: String,
    #[serde(default)]
    pub ticket_type: Option<String>,
    #[serde(default)]
    pub addon: Option<String>,
    pub unit_price: Decimal,
    pub total_amount: Decimal,
    #[serde(default)]
    pub voucher_config: VoucherConfig,
    pub requester: Uuid,
    /// Requested through the sponsor portal (SPONSOR-22).
    #[serde(default)]
    pub from_portal: bool,
}

/// What a fulfilment generates (SPONSOR-26).
#[derive(Debug, Clone, PartialEq)]
pub struct FulfilmentPlan {
    pub prefix: String,
    pub quantity: u32,
    /// The batch's shared terms; its code is a placeholder.
    pub template: Voucher,
}

/// DISC-1: a code is at most 100 characters; 8 are drawn after the prefix.
const MAX_PREFIX: usize = 92;

/// SPONSOR-26: `voucher_config.prefix`, else `BULK-<SPONSOR SLUG UPPERCASED>-`,
/// else `BULK-`.
pub fn bulk_prefix(config: &VoucherConfig, sponsor: Option<&str>) -> String {
    let prefix = match (config.prefix.as_deref().map(str::trim), sponsor) {
        (Some(p), _) if !p.is_empty() => p.to_string(),
        (_, Some(s)) if !s.is_empty() => format!("BULK-{}-", s.to_uppercase()),
        _ => "BULK-".to_string(),
    };
    prefix.chars().take(MAX_PREFIX).collect()
}

/// SPONSOR-26: the batch's terms: type and value from the config, max_uses
/// default 1, the window, unlocks default false, restricted to the purchase's
/// ticket type and/or add-on when set (AMB-32: the scope is explicit).
pub fn voucher_template(terms: &BulkTerms) -> Voucher {
    let c = &terms.voucher_config;
    let scope = match (&terms.ticket_type, &terms.addon) {
        (None, None) => ProductScope::all(),
        (t, a) => ProductScope {
            tickets: t
                .as_ref()
                .map_or(Scope::None, |t| Scope::Listed(vec![t.clone()])),
            addons: a
                .as_ref()
                .map_or(Scope::None, |a| Scope::Listed(vec![a.clone()])),
        },
    };
    Voucher {
        kind: c.voucher_type.unwrap_or_default(),
        value: c.discount_value.unwrap_or_default(),
        window: Window {
            from: c.valid_from,
            until: c.valid_until,
        },
        max_uses: c.max_uses.unwrap_or(1).max(1),
        unlocks_hidden: c.unlocks_hidden.unwrap_or(false),
        scope,
        ..Voucher::new(String::new())
    }
}
