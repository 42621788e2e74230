//! Properties of pricing over arbitrary carts, vouchers and conditions.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::Timestamp;

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

const SLUGS: [&str; 3] = ["a", "b", "c"];

/// 0.00 … 1000.00, biased towards small amounts where rounding matters.
fn money() -> impl Strategy<Value = Decimal> {
    prop_oneof![0i64..=100, 0i64..=100_000].prop_map(|cents| Decimal::new(cents, 2))
}

fn percent() -> impl Strategy<Value = Decimal> {
    prop_oneof![0i64..=100, 0i64..=15_000].prop_map(|v| Decimal::new(v, 0))
}

fn slug() -> impl Strategy<Value = String> {
    prop::sample::select(&SLUGS[..]).prop_map(str::to_string)
}

fn product() -> impl Strategy<Value = ProductRef> {
    (any::<bool>(), slug()).prop_map(|(is_ticket, slug)| ProductRef {
        kind: if is_ticket {
            ProductKind::Ticket
        } else {
            ProductKind::Addon
        },
        slug,
    })
}

fn lines() -> impl Strategy<Value = Vec<CartLine>> {
    prop::collection::vec((product(), money(), 0u32..=6), 0..8).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (product, unit_price, quantity))| CartLine {
                line_id: Uuid::from_u128(i as u128 + 1),
                product,
                unit_price,
                quantity,
            })
            .collect()
    })
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::All),
        Just(Scope::None),
        prop::collection::vec(slug(), 0..3).prop_map(Scope::Listed),
    ]
}

fn product_scope() -> impl Strategy<Value = ProductScope> {
    (scope(), scope()).prop_map(|(tickets, addons)| ProductScope { tickets, addons })
}

fn window() -> impl Strategy<Value = Window> {
    let bound = prop::option::of(-2i64..=2).prop_map(|h| h.map(|h| now() + Duration::hours(h)));
    (bound.clone(), bound).prop_map(|(from, until)| Window { from, until })
}

fn usage() -> impl Strategy<Value = UsageLimit> {
    (0u32..3, 0u32..3).prop_map(|(limit, times_used)| UsageLimit { limit, times_used })
}

fn effect() -> impl Strategy<Value = DiscountEffect> {
    (any::<bool>(), money(), percent(), 0u32..3, product_scope()).prop_map(
        |(is_pct, amount, pct, max_quantity, scope)| DiscountEffect {
            discount_type: if is_pct {
                DiscountType::Percentage
            } else {
                DiscountType::FixedAmount
            },
            value: if is_pct { pct } else { amount },
            max_quantity,
            scope,
        },
    )
}

fn groups() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop::sample::select(vec!["staff", "volunteers"]), 0..2)
        .prop_map(|g| g.into_iter().map(str::to_string).collect())
}

fn kind() -> impl Strategy<Value = ConditionKind> {
    prop_oneof![
        (window(), usage(), effect()).prop_map(|(window, usage, effect)| {
            ConditionKind::TimeOrStockLimit {
                window,
                usage,
                effect,
            }
        }),
        (any::<bool>(), any::<bool>(), effect()).prop_map(|(p, c, effect)| {
            ConditionKind::Speaker {
                is_presenter: p,
                is_copresenter: c,
                effect,
            }
        }),
        (groups(), effect())
            .prop_map(|(groups, effect)| ConditionKind::GroupMember { groups, effect }),
        (prop::collection::vec(slug(), 0..2), effect()).prop_map(|(enabling, effect)| {
            ConditionKind::IncludedProduct {
                enabling_ticket_types: enabling,
                effect,
            }
        }),
        (window(), usage(), effect()).prop_map(|(window, usage, effect)| {
            ConditionKind::DiscountForProduct {
                window,
                usage,
                effect,
            }
        }),
        (window(), usage(), percent(), any::<bool>(), any::<bool>()).prop_map(
            |(window, usage, percentage, apply_to_tickets, apply_to_addons)| {
                ConditionKind::DiscountForCategory {
                    window,
                    usage,
                    percentage,
                    apply_to_tickets,
                    apply_to_addons,
                }
            }
        ),
    ]
}

/// Conditions with unique names, so the evaluation order is fully determined.
fn conditions() -> impl Strategy<Value = Vec<Condition>> {
    prop::collection::vec((kind(), -1i32..=1, any::<bool>()), 0..5).prop_map(|kinds| {
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, (kind, priority, is_active))| Condition {
                id: Uuid::from_u128(1000 + i as u128),
                name: format!("c{i}"),
                description: String::new(),
                is_active,
                priority,
                kind,
            })
            .collect()
    })
}

fn voucher() -> impl Strategy<Value = Option<Voucher>> {
    let kind = prop::sample::select(vec![
        VoucherKind::Comp,
        VoucherKind::Percentage,
        VoucherKind::FixedAmount,
    ]);
    prop::option::of((kind, money(), percent(), product_scope()).prop_map(
        |(kind, amount, pct, scope)| Voucher {
            kind,
            value: if kind == VoucherKind::Percentage {
                pct
            } else {
                amount
            },
            scope,
            ..Voucher::new("CODE")
        },
    ))
}

fn context() -> impl Strategy<Value = PricingContext> {
    (
        groups(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(slug(), 0..2),
    )
        .prop_map(
            |(groups, is_speaker, has_shared_talk, paid)| PricingContext {
                now: now(),
                owner: CartOwner {
                    groups: groups.into_iter().collect(),
                    is_speaker,
                    has_shared_talk,
                    paid_ticket_types: paid.into_iter().collect(),
                },
            },
        )
}

fn is_cents(amount: Decimal) -> bool {
    amount.scale() == 2
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn totals_are_never_negative_and_discounts_never_exceed_their_line(
        lines in lines(), voucher in voucher(), conditions in conditions(), ctx in context()
    ) {
        let s = price(&lines, voucher.as_ref(), &conditions, &ctx);
        prop_assert_eq!(s.lines.len(), lines.len());
        for l in &s.lines {
            prop_assert!(l.condition_discount >= Decimal::ZERO);
            prop_assert!(l.voucher_discount >= Decimal::ZERO);
            prop_assert!(l.condition_discount + l.voucher_discount <= l.subtotal);
            prop_assert_eq!(l.total, l.subtotal - l.condition_discount - l.voucher_discount);
            prop_assert!(l.total >= Decimal::ZERO);
            prop_assert_eq!(l.condition.is_some(), l.condition_discount > Decimal::ZERO);
            for amount in [l.subtotal, l.condition_discount, l.voucher_discount, l.total] {
                prop_assert!(is_cents(amount), "{} is not in cents", amount);
            }
        }
        prop_assert!(s.total >= Decimal::ZERO);
    }

    #[test]
    fn the_summary_adds_up_its_lines(
        lines in lines(), voucher in voucher(), conditions in conditions(), ctx in context()
    ) {
        let s = price(&lines, voucher.as_ref(), &conditions, &ctx);
        let sum = |f: fn(&PricedLine) -> Decimal| s.lines.iter().map(f).sum::<Decimal>();
        prop_assert_eq!(s.subtotal, sum(|l| l.subtotal));
        prop_assert_eq!(s.condition_discount, sum(|l| l.condition_discount));
        prop_assert_eq!(s.voucher_discount, sum(|l| l.voucher_discount));
        prop_assert_eq!(s.discount, s.condition_discount + s.voucher_discount);
        prop_assert_eq!(s.total, sum(|l| l.total));
        prop_assert_eq!(s.total, s.subtotal - s.discount);
        for amount in [s.subtotal, s.condition_discount, s.voucher_discount, s.discount, s.total] {
            prop_assert!(is_cents(amount), "{} is not in cents", amount);
        }
    }

    #[test]
    fn fixed_amount_shares_sum_to_the_budget_or_the_eligible_total(
        lines in lines(),
        value in money(),
        scope in product_scope(),
        conditions in conditions(),
        ctx in context(),
    ) {
        let v = Voucher { kind: VoucherKind::FixedAmount, value, scope, ..Voucher::new("F") };
        let s = price(&lines, Some(&v), &conditions, &ctx);
        let eligible: Decimal = s
            .lines
            .iter()
            .filter(|l| v.scope.covers(&l.product))
            .map(|l| l.subtotal - l.condition_discount)
            .sum();
        prop_assert_eq!(s.voucher_discount, value.min(eligible));
        for l in s.lines.iter().filter(|l| !v.scope.covers(&l.product)) {
            prop_assert_eq!(l.voucher_discount, Decimal::ZERO);
        }
    }

    #[test]
    fn split_fixed_amount_is_exact_and_within_each_line(
        amounts in prop::collection::vec(
            prop_oneof![1i64..=5, 1i64..=5_000].prop_map(|c| Decimal::new(c, 2)),
            0..20,
        ),
        value in prop_oneof![(0i64..=30).prop_map(|c| Decimal::new(c, 2)), money()],
    ) {
        let shares = split_fixed_amount(value, &amounts);
        prop_assert_eq!(shares.len(), amounts.len());
        let total: Decimal = amounts.iter().sum();
        prop_assert_eq!(shares.iter().sum::<Decimal>(), value.min(total));
        for (share, amount) in shares.iter().zip(&amounts) {
            prop_assert!(*share >= Decimal::ZERO && share <= amount);
            prop_assert!(is_cents(*share));
        }
    }

    #[test]
    fn comp_for_everything_makes_the_cart_free(
        lines in lines(), conditions in conditions(), ctx in context()
    ) {
        let v = Voucher::new("COMP");
        let s = price(&lines, Some(&v), &conditions, &ctx);
        prop_assert_eq!(s.total, Decimal::ZERO);
    }

    #[test]
    fn the_order_conditions_are_given_in_does_not_matter(
        lines in lines(), voucher in voucher(), conditions in conditions(), ctx in context()
    ) {
        let mut reversed = conditions.clone();
        reversed.reverse();
        prop_assert_eq!(
            price(&lines, voucher.as_ref(), &conditions, &ctx),
            price(&lines, voucher.as_ref(), &reversed, &ctx)
        );
    }
}
