//! A conference's grant figures (ANA-15, ANA-33 with AMB-15 as decided).

use rust_decimal::Decimal;
use serde::Serialize;
use tessera_aggregates::travel_grant::GrantStatus;

use super::GrantRow;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GrantSummary {
    pub total: u32,
    /// ANA-15: pending = submitted.
    pub pending: u32,
    pub offered: u32,
    /// ANA-15: approved = accepted.
    pub approved: u32,
    pub rejected: u32,
    pub withdrawn: u32,
    pub disbursed: u32,
    pub total_requested: Decimal,
    /// Σ approved_amount of every grant, any status (ANA-15).
    pub total_approved: Decimal,
    /// Σ disbursed_amount of grants with disbursed_amount > 0 (ANA-15).
    pub total_disbursed: Decimal,
    pub budget: Option<Decimal>,
    /// Σ approved_amount of offered, accepted and disbursed grants (AMB-14/15).
    pub committed: Decimal,
    /// budget − committed; None without a budget.
    pub remaining: Option<Decimal>,
    /// committed / budget × 100, 1 place; None without a non-zero budget (ANA-33).
    pub committed_percent: Option<Decimal>,
    pub disbursed_percent: Option<Decimal>,
}

/// The figures of `grants` (one conference's) against `budget`.
pub fn summarize<'a>(
    grants: impl IntoIterator<Item = &'a GrantRow>,
    budget: Option<Decimal>,
) -> GrantSummary {
    let mut s = GrantSummary {
        budget,
        ..Default::default()
    };
    for g in grants {
        s.total += 1;
        match g.status {
            GrantStatus::Submitted => s.pending += 1,
            GrantStatus::Offered => s.offered += 1,
            GrantStatus::Accepted => s.approved += 1,
            GrantStatus::Rejected => s.rejected += 1,
            GrantStatus::Withdrawn => s.withdrawn += 1,
            GrantStatus::Disbursed => s.disbursed += 1,
            _ => {}
        }
        s.total_requested += g.application.requested_amount;
        let approved = g.approved_amount.unwrap_or_default();
        s.total_approved += approved;
        if matches!(
            g.status,
            GrantStatus::Offered | GrantStatus::Accepted | GrantStatus::Disbursed
        ) {
            s.committed += approved;
        }
        if let Some(paid) = g.disbursed_amount.filter(|d| *d > Decimal::ZERO) {
            s.total_disbursed += paid;
        }
    }
    s.remaining = budget.map(|b| b - s.committed);
    let percent = |part: Decimal| {
        budget
            .filter(|b| !b.is_zero())
            .map(|b| (part / b * Decimal::from(100)).round_dp(1))
    };
    s.committed_percent = percent(s.committed);
    s.disbursed_percent = percent(s.total_disbursed);
    s
}
