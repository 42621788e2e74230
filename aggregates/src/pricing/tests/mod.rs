//! One test per SPEC pricing rule (CART-40…52, DISC-*); names start with the rule id.
//! Shared helpers here; the rules in `cart` and `disc`.

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::Timestamp;

mod cart;
mod disc;

/// The cart's pricing; these carts are always priceable.
fn price(
    lines: &[CartLine],
    voucher: Option<&Voucher>,
    conditions: &[Condition],
    ctx: &PricingContext,
) -> PricingSummary {
    super::price(lines, voucher, conditions, ctx).expect("priceable")
}

fn split_fixed_amount(value: Decimal, amounts: &[Decimal]) -> Vec<Decimal> {
    super::split_fixed_amount(value, amounts).expect("in range")
}

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).single().unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn line(n: u128, product: ProductRef, price: &str, quantity: u32) -> CartLine {
    CartLine {
        line_id: Uuid::from_u128(n),
        product,
        unit_price: d(price),
        quantity,
    }
}

fn ticket(n: u128, slug: &str, price: &str, quantity: u32) -> CartLine {
    line(n, ProductRef::ticket(slug), price, quantity)
}

fn addon(n: u128, slug: &str, price: &str, quantity: u32) -> CartLine {
    line(n, ProductRef::addon(slug), price, quantity)
}

fn ctx() -> PricingContext {
    PricingContext {
        now: now(),
        owner: CartOwner::default(),
    }
}

fn effect(discount_type: DiscountType, value: &str) -> DiscountEffect {
    DiscountEffect {
        discount_type,
        value: d(value),
        max_quantity: 0,
        scope: ProductScope::all(),
    }
}

fn pct(value: &str) -> DiscountEffect {
    effect(DiscountType::Percentage, value)
}

fn condition(name: &str, priority: i32, kind: ConditionKind) -> Condition {
    Condition {
        id: crate::natural_id("condition", name),
        name: name.into(),
        description: String::new(),
        is_active: true,
        priority,
        kind,
    }
}

fn for_product(name: &str, priority: i32, effect: DiscountEffect) -> Condition {
    condition(
        name,
        priority,
        ConditionKind::DiscountForProduct {
            window: Window::default(),
            usage: UsageLimit::default(),
            effect,
        },
    )
}

fn category(name: &str, percentage: &str, tickets: bool, addons: bool) -> Condition {
    condition(
        name,
        0,
        ConditionKind::DiscountForCategory {
            window: Window::default(),
            usage: UsageLimit::default(),
            percentage: d(percentage),
            apply_to_tickets: tickets,
            apply_to_addons: addons,
        },
    )
}

fn voucher(kind: VoucherKind, value: &str) -> Voucher {
    Voucher {
        kind,
        value: d(value),
        ..Voucher::new("CODE")
    }
}

fn voucher_discounts(summary: &PricingSummary) -> Vec<Decimal> {
    summary.lines.iter().map(|l| l.voucher_discount).collect()
}

fn condition_discounts(summary: &PricingSummary) -> Vec<Decimal> {
    summary.lines.iter().map(|l| l.condition_discount).collect()
}

fn ds(values: &[&str]) -> Vec<Decimal> {
    values.iter().map(|v| d(v)).collect()
}

#[test]
fn stored_names_are_stable_snake_case() {
    let c = condition(
        "cat",
        2,
        ConditionKind::DiscountForCategory {
            window: Window::default(),
            usage: UsageLimit::default(),
            percentage: d("15"),
            apply_to_tickets: true,
            apply_to_addons: false,
        },
    );
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["kind"], "discount_for_category");
    assert_eq!(json["priority"], 2);
    assert_eq!(serde_json::from_value::<Condition>(json).unwrap(), c);

    let v = Voucher {
        scope: ProductScope {
            tickets: Scope::Listed(vec!["speaker".into()]),
            addons: Scope::None,
        },
        ..voucher(VoucherKind::FixedAmount, "25.00")
    };
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["kind"], "fixed_amount");
    assert_eq!(json["scope"]["tickets"]["listed"][0], "speaker");
    assert_eq!(json["scope"]["addons"], "none");
    assert_eq!(serde_json::from_value::<Voucher>(json).unwrap(), v);

    let speaker: Condition = serde_json::from_value(serde_json::json!({
        "id": Uuid::nil(), "name": "speakers", "kind": "speaker",
        "effect": { "discount_type": "fixed_amount", "value": "5.00" }
    }))
    .unwrap();
    assert!(speaker.is_active);
    let ConditionKind::Speaker {
        is_presenter,
        is_copresenter,
        effect,
    } = speaker.kind
    else {
        panic!("not a speaker condition");
    };
    assert!(is_presenter && !is_copresenter);
    assert_eq!(effect.scope, ProductScope::all());
    assert_eq!(effect.max_quantity, 0);
}
