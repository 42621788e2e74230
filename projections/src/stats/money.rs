//! Money: discount impact (ANA-22), cash-flow waterfall (ANA-23), reconciliation
//! (ANA-24), credits (ANA-25), revenue per attendee (ANA-2), refund rate (ANA-6),
//! the financial dashboard's paid-only revenue and payments by method and status
//! (ANA-34).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, money, pct, rate};
use crate::sales::{SalesRow, method_key};

pub const SECTION: Section = Section {
    name: "money",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    let mut r = inputs::attendees_reads(c);
    r.push(inputs::sales_read(c));
    r.push(inputs::credits_read(c));
    r.push(inputs::orders_read(c));
    r
}

/// ANA-2: (Σ total of paid-set orders − refunded) / attendees; 0 with no attendees.
pub(super) fn revenue_per_attendee(sales: &SalesRow, attendees: u64) -> Decimal {
    if attendees == 0 {
        Decimal::ZERO
    } else {
        ((sales.revenue - sales.refunded) / Decimal::from(attendees)).round_dp(2)
    }
}

/// ANA-6: refunded / Σ total of paid-set orders × 100; 0 when revenue is 0.
pub(super) fn refund_rate(sales: &SalesRow) -> Decimal {
    rate(sales.refunded, sales.revenue)
}

fn to_key<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => "unknown".to_string(),
    }
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let s = inputs::sales(ctx)?;
    let credits = inputs::credit_summary(ctx)?;
    let attendees = inputs::attendee_summary(ctx)?.attendees;
    let orders = inputs::orders(ctx)?;

    // ANA-24 by order status, ANA-34 payments by method and status.
    let mut by_status: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
    let mut payments: BTreeMap<String, BTreeMap<String, (u64, Decimal)>> = BTreeMap::new();
    for o in orders {
        let e = by_status.entry(to_key(&o.status)).or_default();
        e.0 += 1;
        e.1 += o.total;
        for p in &o.payments {
            let e = payments
                .entry(method_key(p.method).to_string())
                .or_default()
                .entry(to_key(&p.status))
                .or_default();
            e.0 += 1;
            e.1 += p.amount;
        }
    }
    let tally =
        |(count, amount): &(u64, Decimal)| json!({"count": count, "amount": money(*amount)});
    let by_status: BTreeMap<&String, Value> =
        by_status.iter().map(|(k, v)| (k, tally(v))).collect();
    let payments: BTreeMap<&String, BTreeMap<&String, Value>> = payments
        .iter()
        .map(|(m, st)| (m, st.iter().map(|(k, v)| (k, tally(v))).collect()))
        .collect();
    let by_method: BTreeMap<&String, Value> = s
        .payments_by_method
        .iter()
        .map(|(k, t)| (k, json!({"count": t.count, "amount": money(t.amount)})))
        .collect();
    let paid_orders = s.orders_paid + s.orders_partially_refunded;
    Ok(json!({
        "gross": money(s.gross),
        "discounts": money(s.discounts),
        "net": money(s.revenue),
        "discount_rate": pct(rate(s.discounts, s.gross)),
        "orders_with_discount": s.orders_with_discount,
        "orders_without_discount": paid_orders.saturating_sub(s.orders_with_discount),
        "refunded": money(s.refunded),
        "revenue_paid_only": money(s.revenue_paid_only),
        "net_of_refunds": money(s.revenue_paid_only - s.refunded),
        "revenue_per_attendee": money(revenue_per_attendee(&s, attendees)),
        "refund_rate": pct(refund_rate(&s)),
        "credits": {
            "issued": money(credits.issued),
            "applied": money(credits.applied),
            "outstanding": money(credits.outstanding),
        },
        "cash_flow": {
            "gross_sales": money(s.gross),
            "discounts": money(s.discounts),
            "refunds": money(s.refunded),
            "credits_applied": money(credits.applied),
            "net": money(s.gross - s.discounts - s.refunded + credits.applied),
        },
        "reconciliation": {
            "sales_total": money(s.revenue),
            "payments_total": money(s.payments_total),
            "refunds_total": money(s.refunded),
            "credits_outstanding": money(credits.outstanding),
            "discrepancy": money(s.revenue - s.payments_total),
            "by_method": by_method,
            "by_status": by_status,
        },
        "payments": payments,
    }))
}
