//! Sponsorships and donations of the year (MY-3's goals, the figures MY-21 records
//! for historical years): committed, pending and paid deals against the
//! sponsorship goal; donations, donors and the total against the donation goal.

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, money};
use crate::Projection;
use crate::fundraising::{Fundraising, FundraisingRow, prefix, summary};

pub const SECTION: Section = Section {
    name: "fundraising",
    reads,
    compute,
};

/// The conference's one fundraising stream (MY-5).
fn stream(c: Uuid) -> Uuid {
    tessera_aggregates::natural_id("fundraising", &c.to_string())
}

fn reads(c: Uuid) -> Vec<Read> {
    let mut r: Vec<Read> = prefix(stream(c))
        .into_iter()
        .map(|p| Read::new(Fundraising::NAME, p))
        .collect();
    r.push(inputs::catalog_read(c));
    r
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let (mut tiers, mut deals, mut donations) = (vec![], vec![], vec![]);
    for p in prefix(stream(ctx.conference_id)) {
        for row in ctx.sources.rows::<FundraisingRow>(Fundraising::NAME, &p)? {
            match row {
                FundraisingRow::Tier(t) => tiers.push(t),
                FundraisingRow::Deal(d) => deals.push(d),
                FundraisingRow::Donation(d) => donations.push(d),
            }
        }
    }
    let (sponsorship_goal, donation_goal) = inputs::conference(ctx)?
        .map(|c| (c.details.sponsorship_goal, c.details.donation_goal))
        .unwrap_or((Decimal::ZERO, Decimal::ZERO));
    let s = summary(&tiers, &deals, &donations, sponsorship_goal, donation_goal);
    let (d, n) = (&s.sponsorship, &s.donations);
    Ok(json!({
        "sponsorship": {
            "deals": d.total_deals,
            "committed": { "count": d.committed_count, "amount": money(d.committed_amount) },
            "pending": { "count": d.pending_count, "amount": money(d.pending_amount) },
            "awaiting_invoice": { "count": d.awaiting_invoice_count, "amount": money(d.awaiting_invoice_amount) },
            "paid": { "count": d.paid_count, "amount": money(d.paid_amount) },
            "goal": money(d.goal),
            "progress": money(d.progress),
        },
        "donations": {
            "count": n.donations,
            "donors": n.donors,
            "total": money(n.total),
            "refunded": n.refunded_count,
            "goal": money(n.goal),
            "progress": money(n.progress),
        },
    }))
}
