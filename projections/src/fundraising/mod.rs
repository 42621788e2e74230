//! A conference's sponsorship pipeline and donations (MY-5/7, MY-29), and the
//! sponsorship + donation summary built from them (`summary`), shaped to be a
//! section of the conference's statistics.
//!
//! Keys, under the conference's fundraising stream id `f`: `tier:{f}:{slug}`,
//! `deal:{f}:{deal_id}`, `donation:{f}:{donation_id}`.

mod summary;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::fundraising::{
    Deal, DealStatus, Donation, DonationStatus, FundraisingEvent, Tier,
};
use uuid::Uuid;

pub use summary::{DealFigures, DonationFigures, FundraisingSummary, summary};

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Fundraising;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum FundraisingRow {
    Tier(TierRow),
    Deal(DealRow),
    Donation(DonationRow),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierRow {
    pub slug: String,
    pub tier: Tier,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealRow {
    pub id: Uuid,
    pub deal: Deal,
    pub status: DealStatus,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DonationRow {
    pub id: Uuid,
    pub donation: Donation,
    pub refunded: bool,
    pub recorded_at: DateTime<Utc>,
    /// Only paid donations count (MY-29): a checkout's is pending until its
    /// session is paid, failed when it expired.
    #[serde(default)]
    pub status: DonationStatus,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<String>,
}

impl DonationRow {
    /// Counted in the figures: paid and not refunded.
    pub fn counts(&self) -> bool {
        self.status == DonationStatus::Paid && !self.refunded
    }
}

/// Every row of one conference's fundraising stream `f`.
pub fn prefix(f: Uuid) -> [String; 3] {
    [
        format!("tier:{f}:"),
        format!("deal:{f}:"),
        format!("donation:{f}:"),
    ]
}

impl Projection for Fundraising {
    const NAME: &'static str = "fundraising";
    const VERSION: u32 = 2;
    type Row = FundraisingRow;

    fn apply(rows: &mut Rows<FundraisingRow>, env: &Envelope) {
        let DomainEvent::Fundraising(event) = &env.event else {
            return;
        };
        let Some(f) = env.aggregate_uuid() else {
            return;
        };
        use FundraisingEvent::*;
        match event {
            FundraisingOpened { .. } => {}
            SponsorshipTierSaved { slug, tier, .. } => rows.insert(
                format!("tier:{f}:{slug}"),
                FundraisingRow::Tier(TierRow {
                    slug: slug.clone(),
                    tier: tier.clone(),
                }),
            ),
            SponsorshipDealOpened { id, deal, at } => rows.insert(
                format!("deal:{f}:{id}"),
                FundraisingRow::Deal(DealRow {
                    id: *id,
                    deal: deal.clone(),
                    status: DealStatus::NotContacted,
                    opened_at: *at,
                    updated_at: *at,
                }),
            ),
            SponsorshipDealChanged { id, deal, at } => {
                if let Some(FundraisingRow::Deal(d)) = rows.get_mut(&format!("deal:{f}:{id}")) {
                    d.deal = deal.clone();
                    d.updated_at = *at;
                }
            }
            SponsorshipDealMoved { id, to, at, .. } => {
                if let Some(FundraisingRow::Deal(d)) = rows.get_mut(&format!("deal:{f}:{id}")) {
                    d.status = *to;
                    d.updated_at = *at;
                }
            }
            DonationRecorded { id, donation, at } => rows.insert(
                format!("donation:{f}:{id}"),
                FundraisingRow::Donation(DonationRow {
                    id: *id,
                    donation: donation.clone(),
                    refunded: false,
                    recorded_at: *at,
                    status: DonationStatus::Paid,
                    session_id: None,
                    payment_intent: None,
                }),
            ),
            DonationRefunded { id, .. } => {
                if let Some(FundraisingRow::Donation(d)) =
                    rows.get_mut(&format!("donation:{f}:{id}"))
                {
                    d.refunded = true;
                    d.status = DonationStatus::Refunded;
                }
            }
            DonationCheckoutStarted { id, donation, at } => rows.insert(
                format!("donation:{f}:{id}"),
                FundraisingRow::Donation(DonationRow {
                    id: *id,
                    donation: donation.clone(),
                    refunded: false,
                    recorded_at: *at,
                    status: DonationStatus::Pending,
                    session_id: None,
                    payment_intent: None,
                }),
            ),
            DonationCheckoutSessionOpened { id, session_id, .. } => {
                if let Some(FundraisingRow::Donation(d)) =
                    rows.get_mut(&format!("donation:{f}:{id}"))
                {
                    d.session_id = Some(session_id.clone());
                }
            }
            DonationCheckoutCompleted {
                id,
                session_id,
                payment_intent,
                at,
                ..
            } => {
                if let Some(FundraisingRow::Donation(d)) =
                    rows.get_mut(&format!("donation:{f}:{id}"))
                {
                    d.status = DonationStatus::Paid;
                    d.session_id = Some(session_id.clone());
                    d.payment_intent = payment_intent.clone();
                    // Given on the day the money arrived.
                    d.donation.transaction_date = at.date_naive();
                }
            }
            DonationCheckoutFailed { id, .. } => {
                if let Some(FundraisingRow::Donation(d)) =
                    rows.get_mut(&format!("donation:{f}:{id}"))
                {
                    d.status = DonationStatus::Failed;
                }
            }
        }
    }
}
