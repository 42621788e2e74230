//! Voucher usage (ANA-26): per code, the uses held, the paid-set orders carrying it,
//! its revenue impact (Σ discount_amount of those orders) and their revenue; largest
//! impact first (ANA-22).

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, money};

pub const SECTION: Section = Section {
    name: "vouchers",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    vec![inputs::sales_read(c)]
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let s = inputs::sales(ctx)?;
    let mut codes: Vec<_> = s.vouchers.iter().collect();
    codes.sort_by(|(a, x), (b, y)| y.discount.cmp(&x.discount).then(a.cmp(b)));
    let codes: Vec<Value> = codes
        .into_iter()
        .map(|(code, v)| {
            json!({
                "code": code,
                "uses": v.uses,
                "paid_orders": v.paid_orders,
                "revenue_impact": money(v.discount),
                "revenue": money(v.revenue),
            })
        })
        .collect();
    Ok(json!({
        "used": s.vouchers_used,
        "codes": codes,
    }))
}
