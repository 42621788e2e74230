//! Activity utilization (ANA-12).

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, pct, rate};

pub const SECTION: Section = Section {
    name: "activities",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    vec![inputs::activities_read(c)]
}

/// ANA-12: confirmed / max_participants × 100, none when unset or 0; with the
/// confirmed, waitlisted and cancelled counts. Ordered by slug.
fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let mut rows = inputs::activities(ctx)?;
    rows.sort_by(|a, b| a.slug.cmp(&b.slug));
    let out: Vec<Value> = rows
        .iter()
        .map(|a| {
            let utilization = match a.details.max_participants {
                Some(max) if max > 0 => pct(rate(Decimal::from(a.confirmed), Decimal::from(max))),
                _ => Value::Null,
            };
            json!({
                "slug": a.slug,
                "name": a.details.name,
                "max_participants": a.details.max_participants,
                "confirmed": a.confirmed,
                "waitlisted": a.waitlisted,
                "cancelled": a.cancelled,
                "utilization": utilization,
            })
        })
        .collect();
    Ok(Value::Array(out))
}
