//! Sales over time: by day with cumulative revenue (ANA-20), ticket revenue by type
//! per day (ANA-21), registration flow (ANA-28).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tessera_aggregates::order::OrderStatus;
use tessera_aggregates::pricing::ProductKind;
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, money};

pub const SECTION: Section = Section {
    name: "sales",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    let mut r = inputs::attendees_reads(c);
    r.push(inputs::sales_read(c));
    r.push(inputs::orders_read(c));
    r
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let s = inputs::sales(ctx)?;
    let orders = inputs::orders(ctx)?;
    let attendees = inputs::attendees(ctx)?;

    // ANA-20: paid-set orders by placement date (UTC), running sum, mean per day.
    let mut cumulative = Decimal::ZERO;
    let by_day: Vec<Value> = s
        .by_date
        .iter()
        .map(|(day, t)| {
            cumulative += t.amount;
            let average = if t.count == 0 {
                Decimal::ZERO
            } else {
                t.amount / Decimal::from(t.count)
            };
            json!({
                "date": day.to_string(),
                "orders": t.count,
                "revenue": money(t.amount),
                "cumulative_revenue": money(cumulative),
                "average_order_value": money(average),
            })
        })
        .collect();

    // ANA-21: Σ line_total and Σ quantity of ticket lines of paid-set orders.
    let mut per_type: BTreeMap<(NaiveDate, String), (u64, Decimal)> = BTreeMap::new();
    for o in orders.iter().filter(|o| o.is_paid_set()) {
        for l in o
            .lines
            .iter()
            .filter(|l| l.product.kind == ProductKind::Ticket)
        {
            let e = per_type
                .entry((o.placed_at.date_naive(), l.product.slug.clone()))
                .or_default();
            e.0 += u64::from(l.quantity);
            e.1 += l.line_total;
        }
    }
    let ticket_revenue_by_day: Vec<Value> = per_type
        .iter()
        .map(|((day, slug), (q, r))| {
            json!({"date": day.to_string(), "ticket_type": slug, "quantity": q, "revenue": money(*r)})
        })
        .collect();

    // ANA-28: registrations = attendees per creation date; cancellations = cancelled
    // orders per last-update (cancellation) date; net = the difference.
    let mut flow: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for a in &attendees {
        flow.entry(a.registered_at.date_naive()).or_default().0 += 1;
    }
    for o in orders.iter().filter(|o| o.status == OrderStatus::Cancelled) {
        let day = o.cancelled_at.unwrap_or(o.placed_at).date_naive();
        flow.entry(day).or_default().1 += 1;
    }
    let registration_flow: Vec<Value> = flow
        .iter()
        .map(|(day, (r, c))| {
            json!({"date": day.to_string(), "registrations": r, "cancellations": c, "net": r - c})
        })
        .collect();

    Ok(json!({
        "by_day": by_day,
        "ticket_revenue_by_day": ticket_revenue_by_day,
        "registration_flow": registration_flow,
    }))
}
