//! The yearly sponsorship pipeline and donations of one conference (MY-5/7, MY-29).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::user::Sealed;

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
    /// The contact's person (`natural_id("user", e-mail)`): the key their sealed
    /// e-mail is under. None in deals written before sealing and without contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Uuid>,
    /// The contact's e-mail sealed under `contact`'s key (then `contact_email` is
    /// empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_contact_email: Option<Sealed>,
}

impl Deal {
    /// Whether the deal has a contact to write to (plain or sealed).
    pub fn has_contact(&self) -> bool {
        self.sealed_contact_email.is_some() || !self.contact_email.trim().is_empty()
    }

    /// The same deal, leaving aside the random nonce of a sealed contact: two
    /// sealings of one address name the same `contact`.
    pub fn same_as(&self, other: &Deal) -> bool {
        let strip = |d: &Deal| Deal {
            sealed_contact_email: None,
            ..d.clone()
        };
        strip(self) == strip(other)
    }

    /// The deal's amount: its own when set, else its tier's price, else 0.
    pub fn amount_with(&self, tier_price: Option<Decimal>) -> Decimal {
        self.amount.or(tier_price).unwrap_or(Decimal::ZERO)
    }
}

/// The person a donor's personal values are sealed under: the e-mail's user id
/// (`natural_id("user", e-mail)`, so a donor with an account shares its key),
/// else one named by the donor's name. Also the donor count's key (MY-29).
pub fn donor_person(email: &str, name: &str) -> Uuid {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        crate::natural_id("donor", &name.trim().to_lowercase())
    } else {
        crate::natural_id("user", &email)
    }
}

/// A donor's values sealed under their person's key (an empty field is None).
/// A stored format: never rename.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedDonor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Sealed>,
    /// The donor's message, when they left one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Sealed>,
}

/// An individual donation (MY-29: linked to its conference explicitly).
///
/// Donations written before sealing carry the plain `donor_name` and
/// `donor_email`; newer ones carry them empty, with `donor` and `sealed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Donation {
    #[serde(default)]
    pub donor_name: String,
    #[serde(default)]
    pub donor_email: String,
    pub amount: Decimal,
    pub transaction_date: NaiveDate,
    /// The donor's person ([`donor_person`]), when the values are sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donor: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedDonor>,
}

impl Donation {
    /// Who gave it, for the donor count: the donor's person, which is the
    /// e-mail's (case-insensitive), else the name's.
    pub fn donor_key(&self) -> String {
        self.person().to_string()
    }

    /// The person the donor's values belong to.
    pub fn person(&self) -> Uuid {
        self.donor
            .unwrap_or_else(|| donor_person(&self.donor_email, &self.donor_name))
    }

    /// Whether the donation names its donor (plain or sealed).
    pub fn has_donor(&self) -> bool {
        self.sealed.as_ref().is_some_and(|s| s.name.is_some()) || !self.donor_name.trim().is_empty()
    }

    /// The same donation, leaving aside the random nonces of sealed values.
    pub fn same_as(&self, other: &Donation) -> bool {
        let strip = |d: &Donation| Donation {
            sealed: None,
            ..d.clone()
        };
        strip(self) == strip(other)
    }
}

/// Where a donation stands. Only paid donations count in the figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DonationStatus {
    /// Recorded by finance, or its Checkout Session was paid.
    #[default]
    Paid,
    /// A Checkout Session is open; not money yet.
    Pending,
    /// The Checkout Session expired: never counts.
    Failed,
    Refunded,
}
