//! The value types a purchase order holds. They are stored in events, so their
//! serialized names are part of the log format: never rename them.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;
use crate::pricing::ProductRef;
use crate::user::Sealed;

fn one() -> u32 {
    1
}

/// PO-1: statuses, stored lower_snake_case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoStatus {
    #[default]
    Draft,
    Sent,
    PartiallyPaid,
    Paid,
    Overpaid,
    Cancelled,
}

impl PoStatus {
    /// The stored value, as shown in messages ("current status: sent").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::PartiallyPaid => "partially_paid",
            Self::Paid => "paid",
            Self::Overpaid => "overpaid",
            Self::Cancelled => "cancelled",
        }
    }

    /// PO-15: outstanding = neither paid nor cancelled.
    pub fn is_outstanding(self) -> bool {
        !matches!(self, Self::Paid | Self::Cancelled)
    }
}

impl fmt::Display for PoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// PO-6: payment methods; wire is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoPaymentMethod {
    #[default]
    Wire,
    Ach,
    Check,
    Stripe,
    Other,
}

/// The organization and contact a PO bills (PO-2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoContact {
    pub organization_name: String,
    pub contact_email: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub billing_address: String,
    #[serde(default)]
    pub notes: String,
}

impl PoContact {
    /// The contact with its personal fields blank (what an event keeps when they
    /// are sealed): the organization is not a person and stays.
    pub fn without_personal(&self) -> Self {
        Self {
            organization_name: self.organization_name.clone(),
            ..Self::default()
        }
    }
}

/// A PO contact's personal fields sealed under the contact's own key (the PO's
/// id: erasing it erases them). An empty field is None. A stored format: never
/// rename.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPoContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Sealed>,
}

/// A line as entered (PO-3, PO-4): quantity defaults to 1; a blank description
/// skips the row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoLineInput {
    pub description: String,
    #[serde(default = "one")]
    pub quantity: u32,
    pub unit_price: Decimal,
    /// The ticket type or add-on the line stands for, if any (a snapshot link).
    #[serde(default)]
    pub product: Option<ProductRef>,
}

/// A stored line: `line_total` = unit price × quantity (PO-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoLine {
    pub description: String,
    pub quantity: u32,
    pub unit_price: Decimal,
    pub line_total: Decimal,
    #[serde(default)]
    pub product: Option<ProductRef>,
}

/// A recorded PO payment (PO-6). Append-only (PO-18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoPayment {
    pub id: Uuid,
    pub amount: Decimal,
    pub method: PoPaymentMethod,
    #[serde(default)]
    pub reference: String,
    pub payment_date: NaiveDate,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub recorded_by: Option<Uuid>,
    pub recorded_at: Timestamp,
}

/// An issued credit note (PO-7). Append-only (PO-18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoCreditNote {
    pub id: Uuid,
    pub amount: Decimal,
    pub reason: String,
    #[serde(default)]
    pub issued_by: Option<Uuid>,
    pub issued_at: Timestamp,
}

/// An invoice in an external system (Stripe, QuickBooks Online) (PO-2, PO-12, PO-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalInvoice {
    pub id: String,
    #[serde(default)]
    pub url: String,
}

/// PO-2: "PO-" + 6 characters from A–Z0–9.
pub fn is_valid_po_reference(reference: &str) -> bool {
    reference.strip_prefix("PO-").is_some_and(|code| {
        code.len() == 6
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// Shows an amount with at least 2 fractional digits (`30` → `30.00`); never rounds.
pub(super) fn cents(mut amount: Decimal) -> Decimal {
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount
}

/// Money has at most 2 fractional digits.
pub(super) fn is_cents(amount: Decimal) -> bool {
    amount.normalize().scale() <= 2
}

/// PO-8: the status after a payment or credit note.
pub(super) fn recompute_status(
    current: PoStatus,
    total: Decimal,
    paid: Decimal,
    credited: Decimal,
) -> PoStatus {
    let balance = total - paid - credited;
    if current == PoStatus::Cancelled {
        PoStatus::Cancelled
    } else if balance.is_zero() && (paid > Decimal::ZERO || credited > Decimal::ZERO) {
        PoStatus::Paid
    } else if balance < Decimal::ZERO {
        PoStatus::Overpaid
    } else if paid > Decimal::ZERO {
        PoStatus::PartiallyPaid
    } else if current == PoStatus::Draft {
        PoStatus::Draft
    } else {
        PoStatus::Sent
    }
}
