//! Travel grants of the year (ANA-15, ANA-33 with AMB-14/15): counts by status,
//! requested, approved, committed and disbursed amounts against the grant budget;
//! ANA-13's approval and disbursement rates.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, money};
use crate::Projection;
use crate::travel_grants::{GRANTS_PREFIX, GrantRow, TravelGrants, summarize};

pub const SECTION: Section = Section {
    name: "grants",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    vec![
        Read::new(TravelGrants::NAME, GRANTS_PREFIX),
        inputs::catalog_read(c),
    ]
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let rows: Vec<GrantRow> = ctx.sources.rows(TravelGrants::NAME, GRANTS_PREFIX)?;
    let budget = inputs::conference(ctx)?.and_then(|c| c.details.grant_budget);
    let s = summarize(
        rows.iter().filter(|g| g.conference_id == ctx.conference_id),
        budget,
    );
    let opt_pct = |d: Option<rust_decimal::Decimal>| d.map(super::pct).unwrap_or(Value::Null);
    let all = rust_decimal::Decimal::from(s.total);
    let approval = super::rate(
        rust_decimal::Decimal::from(s.offered + s.approved + s.disbursed),
        all,
    );
    let disbursement = super::rate(rust_decimal::Decimal::from(s.disbursed), all);
    Ok(json!({
        "approval_rate": super::pct(approval),
        "disbursement_rate": super::pct(disbursement),
        "total": s.total,
        "pending": s.pending,
        "offered": s.offered,
        "approved": s.approved,
        "rejected": s.rejected,
        "withdrawn": s.withdrawn,
        "disbursed": s.disbursed,
        "requested": money(s.total_requested),
        "approved_amount": money(s.total_approved),
        "disbursed_amount": money(s.total_disbursed),
        "committed": money(s.committed),
        "budget": s.budget.map(money).unwrap_or(Value::Null),
        "remaining": s.remaining.map(money).unwrap_or(Value::Null),
        "committed_percent": opt_pct(s.committed_percent),
        "disbursed_percent": opt_pct(s.disbursed_percent),
    }))
}
