//! The sponsorship + donation figures of one conference (year).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{DealRow, DonationRow, TierRow};

/// Sponsorship deals: counts and amounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DealFigures {
    /// Every deal past "not contacted".
    pub total_deals: u32,
    /// accepted … paid.
    pub committed_count: u32,
    pub committed_amount: Decimal,
    /// accepted … invoiced.
    pub pending_count: u32,
    pub pending_amount: Decimal,
    /// accepted … agreement signed.
    pub awaiting_invoice_count: u32,
    pub awaiting_invoice_amount: Decimal,
    pub paid_count: u32,
    pub paid_amount: Decimal,
    pub goal: Decimal,
    /// paid / goal × 100, 2 dp; 0 without a goal.
    pub progress: Decimal,
}

/// Donations not refunded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DonationFigures {
    pub donations: u32,
    /// Distinct donors (e-mail, case-insensitive, else name).
    pub donors: u32,
    pub total: Decimal,
    pub refunded_count: u32,
    pub goal: Decimal,
    /// total / goal × 100, 2 dp; 0 without a goal.
    pub progress: Decimal,
}

/// One conference's fundraising section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FundraisingSummary {
    pub sponsorship: DealFigures,
    pub donations: DonationFigures,
}

fn progress(amount: Decimal, goal: Decimal) -> Decimal {
    if goal <= Decimal::ZERO {
        Decimal::new(0, 2)
    } else {
        let mut p = (amount * Decimal::ONE_HUNDRED / goal).round_dp(2);
        p.rescale(2);
        p
    }
}

/// The figures from one conference's rows and its goals (MY-3 sponsorship_goal
/// and donation_goal).
pub fn summary(
    tiers: &[TierRow],
    deals: &[DealRow],
    donations: &[DonationRow],
    sponsorship_goal: Decimal,
    donation_goal: Decimal,
) -> FundraisingSummary {
    let prices: BTreeMap<&str, Decimal> = tiers
        .iter()
        .map(|t| (t.slug.as_str(), t.tier.price))
        .collect();
    let mut s = DealFigures {
        goal: sponsorship_goal,
        ..Default::default()
    };
    for d in deals {
        let amount = d
            .deal
            .amount_with(d.deal.tier.as_deref().and_then(|t| prices.get(t).copied()));
        let st = d.status;
        s.total_deals += u32::from(st.is_engaged());
        if st.is_committed() {
            s.committed_count += 1;
            s.committed_amount += amount;
        }
        if st.is_pending() {
            s.pending_count += 1;
            s.pending_amount += amount;
        }
        if st.is_awaiting_invoice() {
            s.awaiting_invoice_count += 1;
            s.awaiting_invoice_amount += amount;
        }
        if st == tessera_aggregates::fundraising::DealStatus::Paid {
            s.paid_count += 1;
            s.paid_amount += amount;
        }
    }
    s.progress = progress(s.paid_amount, sponsorship_goal);
    let mut g = DonationFigures {
        goal: donation_goal,
        ..Default::default()
    };
    let mut donors = BTreeSet::new();
    for d in donations {
        if d.refunded {
            g.refunded_count += 1;
            continue;
        }
        // MY-29: a pending or failed checkout is no money.
        if !d.counts() {
            continue;
        }
        g.donations += 1;
        g.total += d.donation.amount;
        donors.insert(d.donation.donor_key());
    }
    g.donors = donors.len() as u32;
    g.progress = progress(g.total, donation_goal);
    FundraisingSummary {
        sponsorship: s,
        donations: g,
    }
}
