//! Check-in: rate (ANA-4), 15-minute throughput (ANA-11), counts per station,
//! redemptions and door checks (ANA-43, the time-free part).

use std::collections::BTreeMap;

use chrono::DateTime;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, pct, rate};

pub const SECTION: Section = Section {
    name: "checkins",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    inputs::attendees_reads(c)
}

/// ANA-4: attendees with a check-in time / all attendees × 100, 1 decimal.
pub(super) fn checkin_rate(ctx: &Ctx) -> Result<Decimal, serde_json::Error> {
    let s = inputs::attendee_summary(ctx)?;
    Ok(rate(
        Decimal::from(s.checked_in),
        Decimal::from(s.attendees),
    ))
}

const BUCKET: i64 = 15 * 60;

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let s = inputs::attendee_summary(ctx)?;
    // ANA-11: first check-in times in 15-minute buckets aligned to the UTC epoch.
    let mut buckets: BTreeMap<i64, u64> = BTreeMap::new();
    for a in inputs::attendees(ctx)? {
        if let Some(at) = a.checked_in_at {
            let t = at.timestamp();
            *buckets.entry(t - t.rem_euclid(BUCKET)).or_default() += 1;
        }
    }
    let throughput: Vec<Value> = buckets
        .iter()
        .map(|(start, n)| {
            let start = DateTime::from_timestamp(*start, 0)
                .map(|d| d.to_rfc3339())
                .unwrap_or_default();
            json!({"bucket_start": start, "check_ins": n})
        })
        .collect();
    let doors: BTreeMap<&String, Value> = s
        .door_checks
        .iter()
        .map(|(k, d)| (k, json!({"admitted": d.admitted, "denied": d.denied})))
        .collect();
    Ok(json!({
        "attendees": s.attendees,
        "checked_in": s.checked_in,
        "checkin_rate": pct(checkin_rate(ctx)?),
        "check_ins": s.check_ins,
        "by_station": s.by_station,
        "redemptions": s.redemptions,
        "door_checks": doors,
        "throughput_15min": throughput,
    }))
}
