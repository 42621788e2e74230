//! KPI values against their targets (ANA-7) and the budget tiles (ANA-33), for the
//! figures this service has data for. Fulfilment and room utilization need
//! sponsorships and a schedule: their sections will bring them.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, carts, checkins, inputs, money, pct, rate};

pub const SECTION: Section = Section {
    name: "kpis",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    let mut r = inputs::attendees_reads(c);
    r.push(inputs::sales_read(c));
    r.push(inputs::catalog_read(c));
    r.push(inputs::carts_read(c));
    r
}

/// ANA-7 defaults: conversion 3.0 %, refund 5.0 %, check-in 80.0 %, revenue per
/// attendee none.
const DEFAULT_CONVERSION: Decimal = Decimal::from_parts(30, 0, 0, false, 1);
const DEFAULT_REFUND: Decimal = Decimal::from_parts(50, 0, 0, false, 1);
const DEFAULT_CHECKIN: Decimal = Decimal::from_parts(800, 0, 0, false, 1);

/// `met`: the value reaches the target (at most the target when lower is better);
/// none without a target.
fn kpi(value: Value, v: Decimal, target: Option<Decimal>, lower_is_better: bool) -> Value {
    let met = target.map(|t| if lower_is_better { v <= t } else { v >= t });
    json!({"value": value, "target": target.map(|t| t.to_string()), "met": met})
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let sales = inputs::sales(ctx)?;
    let summary = inputs::attendee_summary(ctx)?;
    let conf = inputs::conference(ctx)?;
    let targets = conf
        .as_ref()
        .map(|c| c.kpi_targets.clone())
        .unwrap_or_default();
    let conversion = carts::funnel(ctx)?.conversion();
    let refund = super::money::refund_rate(&sales);
    let checkin = checkins::checkin_rate(ctx)?;
    let rpa = super::money::revenue_per_attendee(&sales, summary.attendees);

    let mut budget = Map::new();
    if let Some(c) = &conf {
        // ANA-33: only when the budget field is set and non-zero.
        if let Some(b) = c.details.revenue_budget.filter(|b| !b.is_zero()) {
            budget.insert("revenue_budget".into(), money(b));
            budget.insert("revenue_pct".into(), pct(rate(sales.revenue, b)));
        }
        if let Some(t) = c.details.target_attendance.filter(|t| *t > 0) {
            budget.insert("target_attendance".into(), Value::from(t));
            budget.insert(
                "attendance_pct".into(),
                pct(rate(Decimal::from(summary.attendees), Decimal::from(t))),
            );
        }
    }
    Ok(json!({
        "conversion_rate": kpi(pct(conversion), conversion,
            Some(targets.target_conversion_rate.unwrap_or(DEFAULT_CONVERSION)), false),
        "refund_rate": kpi(pct(refund), refund,
            Some(targets.target_refund_rate.unwrap_or(DEFAULT_REFUND)), true),
        "checkin_rate": kpi(pct(checkin), checkin,
            Some(targets.target_checkin_rate.unwrap_or(DEFAULT_CHECKIN)), false),
        "revenue_per_attendee": kpi(money(rpa), rpa, targets.target_revenue_per_attendee, false),
        "budget": budget,
    }))
}
