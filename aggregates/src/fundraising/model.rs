//! The yearly sponsorship pipeline and donations of one conference (MY-5/7, MY-29).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A sponsorship tier of the year with its price (MY-5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    pub name: String,
    pub price: Decimal,
}

/// A sponsorship deal's status, stored lower_snake_case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    #[default]
    NotContacted,
    AwaitingResponse,
    Rejected,
    Accepted,
    Approved,
    AgreementSent,
    AgreementSigned,
    Invoiced,
    Paid,
    Cancelled,
}

impl DealStatus {
    /// The explicit transition table: where a deal may go from each status.
    /// Rejected, paid and cancelled are final (a re-engagement is a new deal, MY-7).
    pub fn next(self) -> &'static [DealStatus] {
        use DealStatus::*;
        match self {
            NotContacted => &[AwaitingResponse, Cancelled],
            AwaitingResponse => &[Accepted, Rejected, Cancelled],
            Accepted => &[Approved, Cancelled],
            Approved => &[AgreementSent, Cancelled],
            AgreementSent => &[AgreementSigned, Cancelled],
            AgreementSigned => &[Invoiced, Cancelled],
            Invoiced => &[Paid, Cancelled],
            Rejected | Paid | Cancelled => &[],
        }
    }

    pub fn can_move_to(self, to: DealStatus) -> bool {
        self.next().contains(&to)
    }

    /// The place in the committed stretch: accepted 1 … paid 6; else none.
    fn stage(self) -> Option<u8> {
        use DealStatus::*;
        Some(match self {
            Accepted => 1,
            Approved => 2,
            AgreementSent => 3,
            AgreementSigned => 4,
            Invoiced => 5,
            Paid => 6,
            _ => return None,
        })
    }

    /// Counted in "total deals": everything past not contacted.
    pub fn is_engaged(self) -> bool {
        self != DealStatus::NotContacted
    }

    /// Committed: accepted … paid.
    pub fn is_committed(self) -> bool {
        self.stage().is_some()
    }

    /// Pending: accepted … invoiced.
    pub fn is_pending(self) -> bool {
        self.stage().is_some_and(|s| s <= 5)
    }

    /// Awaiting invoice: accepted … agreement signed.
    pub fn is_awaiting_invoice(self) -> bool {
        self.stage().is_some_and(|s| s <= 4)
    }
}

/// A sponsorship deal (a SponsorshipProfile, MY-7: several per organisation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub organisation: String,
    #[serde(default)]
    pub contact_email: String,
    /// A tier slug of this year.
    pub tier: Option<String>,
    /// Overrides the tier's price when set.
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub notes: String,
}

impl Deal {
    /// The deal's amount: its own when set, else its tier's price, else 0.
    pub fn amount_with(&self, tier_price: Option<Decimal>) -> Decimal {
        self.amount.or(tier_price).unwrap_or(Decimal::ZERO)
    }
}

/// An individual donation (MY-29: linked to its conference explicitly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Donation {
    pub donor_name: String,
    #[serde(default)]
    pub donor_email: String,
    pub amount: Decimal,
    pub transaction_date: NaiveDate,
}

impl Donation {
    /// Who gave it, for the donor count: the e-mail (case-insensitive), else the
    /// name.
    pub fn donor_key(&self) -> String {
        if self.donor_email.trim().is_empty() {
            format!("name:{}", self.donor_name.trim().to_lowercase())
        } else {
            format!("email:{}", self.donor_email.trim().to_lowercase())
        }
    }
}
