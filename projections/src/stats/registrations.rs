//! Registrations: attendees and, per ticket type, sold, revenue, capacity and fill
//! rate (ANA-10, ANA-31 "sold").

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, money, pct, rate};
use crate::keys::product_key;
use tessera_aggregates::pricing::{ProductKind, ProductRef};

pub const SECTION: Section = Section {
    name: "registrations",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    let mut r = inputs::attendees_reads(c);
    r.push(inputs::sales_read(c));
    r.push(inputs::catalog_read(c));
    r
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let summary = inputs::attendee_summary(ctx)?;
    let sales = inputs::sales(ctx)?;
    let conf = inputs::conference(ctx)?;
    let ticket_revenue: Decimal = sales
        .products
        .iter()
        .filter(|(k, _)| k.starts_with("ticket:"))
        .map(|(_, p)| p.revenue)
        .sum();
    let mut types = vec![];
    let mut listed = vec![];
    // Catalog order first (CAT-1), then anything sold that the catalog no longer has.
    for t in conf.iter().flat_map(|c| c.ticket_types.iter()) {
        let key = product_key(&ProductRef {
            kind: ProductKind::Ticket,
            slug: t.slug.clone(),
        });
        let (sold, revenue) = sales
            .products
            .get(&key)
            .map(|p| (p.sold, p.revenue))
            .unwrap_or((0, Decimal::ZERO));
        types.push(ticket(
            &t.slug,
            &t.name,
            sold,
            revenue,
            t.total_quantity,
            ticket_revenue,
        ));
        listed.push(key);
    }
    for (key, p) in &sales.products {
        if key.starts_with("ticket:") && !listed.contains(key) {
            types.push(ticket(
                &p.product.slug,
                &p.name,
                p.sold,
                p.revenue,
                0,
                ticket_revenue,
            ));
        }
    }
    Ok(json!({
        "attendees": summary.attendees,
        "completed_registrations": summary.completed,
        "ticket_revenue": money(ticket_revenue),
        "ticket_types": types,
    }))
}

/// ANA-10: capacity = total_quantity or none (0 = unlimited, ANA-31); fill rate =
/// sold / capacity × 100 or none; revenue share of all ticket revenue.
fn ticket(
    slug: &str,
    name: &str,
    sold: u64,
    revenue: Decimal,
    capacity: u32,
    all: Decimal,
) -> Value {
    let (capacity, fill) = if capacity == 0 {
        (Value::Null, Value::Null)
    } else {
        (
            Value::from(capacity),
            pct(rate(Decimal::from(sold), Decimal::from(capacity))),
        )
    };
    json!({
        "slug": slug,
        "name": name,
        "sold": sold,
        "revenue": money(revenue),
        "capacity": capacity,
        "fill_rate": fill,
        "revenue_share": pct(rate(revenue, all)),
    })
}
