//! The cart funnel (ANA-3).

use rust_decimal::Decimal;
use serde_json::{Value, json};
use tessera_aggregates::cart::CartStatus;
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, pct, rate};

pub const SECTION: Section = Section {
    name: "carts",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    vec![inputs::carts_read(c)]
}

/// Carts by status.
pub(super) struct Funnel {
    pub all: u64,
    pub open: u64,
    pub checked_out: u64,
    pub abandoned: u64,
    pub expired: u64,
}

impl Funnel {
    /// ANA-3: checked_out / all × 100.
    pub fn conversion(&self) -> Decimal {
        rate(Decimal::from(self.checked_out), Decimal::from(self.all))
    }

    /// ANA-3: (abandoned + expired) / all × 100.
    pub fn abandonment(&self) -> Decimal {
        rate(
            Decimal::from(self.abandoned + self.expired),
            Decimal::from(self.all),
        )
    }
}

pub(super) fn funnel(ctx: &Ctx) -> Result<Funnel, serde_json::Error> {
    let mut f = Funnel {
        all: 0,
        open: 0,
        checked_out: 0,
        abandoned: 0,
        expired: 0,
    };
    for status in inputs::cart_statuses(ctx)? {
        f.all += 1;
        match status {
            CartStatus::Open => f.open += 1,
            CartStatus::CheckedOut => f.checked_out += 1,
            CartStatus::Abandoned => f.abandoned += 1,
            CartStatus::Expired => f.expired += 1,
        }
    }
    Ok(f)
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let f = funnel(ctx)?;
    Ok(json!({
        "carts": f.all,
        "open": f.open,
        "checked_out": f.checked_out,
        "abandoned": f.abandoned,
        "expired": f.expired,
        "conversion_rate": pct(f.conversion()),
        "abandonment_rate": pct(f.abandonment()),
    }))
}
