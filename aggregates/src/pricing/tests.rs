//! One test per SPEC pricing rule (CART-40…52, DISC-*); names start with the rule id.

use std::str::FromStr;

use chrono::{Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;

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
fn cart_40_subtotal_is_the_sum_of_undiscounted_line_totals() {
    let lines = [
        ticket(1, "regular", "100.00", 2),
        addon(2, "lunch", "15.50", 1),
    ];
    let v = voucher(VoucherKind::Percentage, "10");
    let s = price(
        &lines,
        Some(&v),
        &[for_product("sale", 0, pct("20"))],
        &ctx(),
    );
    assert_eq!(s.subtotal, d("215.50"));
    assert_eq!(s.lines[0].subtotal, d("200.00"));
    assert_eq!(s.lines[1].subtotal, d("15.50"));
}

#[test]
fn cart_41_one_condition_per_line_capped_at_the_line_total() {
    let lines = [ticket(1, "regular", "40.00", 1)];
    let first = category("a-first", "150", true, true);
    let second = for_product("b-second", 0, pct("10"));
    let s = price(&lines, None, &[second, first], &ctx());
    assert_eq!(s.lines[0].condition_discount, d("40.00"));
    assert_eq!(s.lines[0].condition.as_ref().unwrap().name, "a-first");
    assert_eq!(s.lines[0].total, d("0.00"));
}

#[test]
fn cart_42_lines_zeroed_by_conditions_are_excluded_from_the_voucher() {
    let lines = [
        ticket(1, "regular", "100.00", 1),
        addon(2, "lunch", "20.00", 1),
    ];
    let free_tickets = category("free tickets", "100", true, false);
    let v = voucher(VoucherKind::FixedAmount, "50");
    let s = price(&lines, Some(&v), &[free_tickets], &ctx());
    assert_eq!(condition_discounts(&s), ds(&["100.00", "0.00"]));
    // The budget is min(50, 20): only the add-on is eligible and it takes all of it.
    assert_eq!(voucher_discounts(&s), ds(&["0.00", "20.00"]));
    assert_eq!(s.total, d("0.00"));
}

#[test]
fn cart_43_the_voucher_applies_to_post_condition_amounts() {
    let lines = [ticket(1, "regular", "100.00", 1)];
    let v = voucher(VoucherKind::Percentage, "10");
    let s = price(
        &lines,
        Some(&v),
        &[for_product("sale", 0, pct("20"))],
        &ctx(),
    );
    assert_eq!(s.lines[0].condition_discount, d("20.00"));
    assert_eq!(s.lines[0].voucher_discount, d("8.00"));
    assert_eq!(s.total, d("72.00"));
}

#[test]
fn cart_44_ticket_and_addon_scopes_are_independent() {
    let lines = [
        ticket(1, "speaker", "100.00", 1),
        ticket(2, "regular", "100.00", 1),
        addon(3, "lunch", "20.00", 1),
    ];
    let v = Voucher {
        scope: ProductScope::from_legacy_lists(vec!["speaker".into()], vec![]),
        ..voucher(VoucherKind::Comp, "0")
    };
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(voucher_discounts(&s), ds(&["100.00", "0.00", "20.00"]));
}

#[test]
fn amb_32_a_scope_of_none_excludes_the_whole_kind() {
    let lines = [
        ticket(1, "speaker", "100.00", 1),
        addon(2, "lunch", "20.00", 1),
    ];
    let v = Voucher {
        scope: ProductScope {
            tickets: Scope::Listed(vec!["speaker".into()]),
            addons: Scope::None,
        },
        ..voucher(VoucherKind::Comp, "0")
    };
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(voucher_discounts(&s), ds(&["100.00", "0.00"]));
    assert!(!Scope::Listed(vec![]).covers("speaker"));
}

#[test]
fn amb_32_sponsor_comp_vouchers_cover_tickets_only() {
    let v = Voucher::sponsor_comp("SPONSOR-ACME-1");
    assert_eq!(v.kind, VoucherKind::Comp);
    assert_eq!(v.max_uses, 1);
    assert!(v.unlocks_hidden && v.is_active);
    let lines = [
        ticket(1, "hidden", "300.00", 1),
        addon(2, "tutorial", "50.00", 1),
    ];
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(voucher_discounts(&s), ds(&["300.00", "0.00"]));
    assert_eq!(s.total, d("50.00"));
}

#[test]
fn cart_45_disc_11_comp_takes_every_applicable_post_condition_amount() {
    let lines = [
        ticket(1, "regular", "100.00", 2),
        addon(2, "lunch", "20.00", 1),
    ];
    // discount_value is ignored for comp (DISC-11).
    let v = voucher(VoucherKind::Comp, "10");
    let s = price(
        &lines,
        Some(&v),
        &[for_product("sale", 0, pct("25"))],
        &ctx(),
    );
    assert_eq!(condition_discounts(&s), ds(&["50.00", "5.00"]));
    assert_eq!(voucher_discounts(&s), ds(&["150.00", "15.00"]));
    assert_eq!(s.discount, d("220.00"));
    assert_eq!(s.total, d("0.00"));
}

#[test]
fn cart_46_percentage_rounds_half_up_per_line() {
    let lines = [
        ticket(1, "regular", "10.05", 1),
        addon(2, "sticker", "0.05", 1),
        addon(3, "pin", "0.05", 1),
    ];
    let v = voucher(VoucherKind::Percentage, "50");
    let s = price(&lines, Some(&v), &[], &ctx());
    // 5.025 → 5.03 (banker's rounding would give 5.02); 0.025 → 0.03 on each line.
    assert_eq!(voucher_discounts(&s), ds(&["5.03", "0.03", "0.03"]));
    assert_eq!(s.total, d("5.06"));
}

#[test]
fn cart_46_a_percentage_above_100_takes_the_whole_line_not_more() {
    let lines = [ticket(1, "regular", "40.00", 1)];
    let v = voucher(VoucherKind::Percentage, "150");
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(s.lines[0].voucher_discount, d("40.00"));
    assert_eq!(s.lines[0].total, d("0.00"));
}

#[test]
fn cart_47_fixed_amount_is_shared_pro_rata_and_the_last_line_takes_the_remainder() {
    let lines = [
        ticket(1, "a", "10.00", 1),
        ticket(2, "b", "10.00", 1),
        ticket(3, "c", "10.00", 1),
    ];
    let v = voucher(VoucherKind::FixedAmount, "10.00");
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(voucher_discounts(&s), ds(&["3.33", "3.33", "3.34"]));

    let lines = [ticket(1, "a", "10.00", 1), ticket(2, "b", "20.00", 1)];
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(voucher_discounts(&s), ds(&["3.33", "6.67"]));
}

#[test]
fn cart_47_the_budget_is_capped_at_the_eligible_post_condition_sum() {
    let lines = [ticket(1, "a", "20.00", 1), addon(2, "b", "10.00", 1)];
    let v = voucher(VoucherKind::FixedAmount, "100.00");
    let s = price(
        &lines,
        Some(&v),
        &[for_product("sale", 0, pct("50"))],
        &ctx(),
    );
    assert_eq!(voucher_discounts(&s), ds(&["10.00", "5.00"]));
    assert_eq!(s.total, d("0.00"));
}

#[test]
fn cart_47_only_lines_in_scope_share_the_budget() {
    let lines = [ticket(1, "a", "30.00", 1), addon(2, "b", "70.00", 1)];
    let v = Voucher {
        scope: ProductScope::tickets_only(),
        ..voucher(VoucherKind::FixedAmount, "10.00")
    };
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(voucher_discounts(&s), ds(&["10.00", "0.00"]));
}

#[test]
fn cart_47_a_share_is_capped_at_the_unassigned_budget() {
    // Each exact share is 0.005, rounded up to 0.01: the third line finds nothing left.
    assert_eq!(
        split_fixed_amount(d("0.02"), &ds(&["1.00", "1.00", "1.00", "1.00"])),
        ds(&["0.01", "0.01", "0.00", "0.00"])
    );
}

#[test]
fn cart_47_a_remainder_above_the_last_line_spills_to_earlier_lines_in_cart_order() {
    // Ten 0.03 lines and a 0.01 line, budget 0.25: each of the ten gets
    // round(0.25 × 0.03 / 0.31) = 0.02, leaving 0.05 for a line worth 0.01. The
    // excess 0.04 goes to the first four lines (0.01 of headroom each).
    let mut amounts = vec![d("0.03"); 10];
    amounts.push(d("0.01"));
    let mut expected = vec![d("0.03"); 4];
    expected.extend(vec![d("0.02"); 6]);
    expected.push(d("0.01"));
    let shares = split_fixed_amount(d("0.25"), &amounts);
    assert_eq!(shares, expected);
    assert_eq!(shares.iter().sum::<Decimal>(), d("0.25"));
}

#[test]
fn cart_48_total_discount_adds_both_phases_and_the_total_subtracts_it() {
    let lines = [
        ticket(1, "regular", "100.00", 1),
        addon(2, "lunch", "20.00", 2),
    ];
    let v = voucher(VoucherKind::FixedAmount, "30.00");
    let sale = Condition {
        kind: ConditionKind::DiscountForProduct {
            window: Window::default(),
            usage: UsageLimit::default(),
            effect: DiscountEffect {
                scope: ProductScope::tickets_only(),
                ..pct("10")
            },
        },
        ..for_product("sale", 0, pct("0"))
    };
    let s = price(&lines, Some(&v), &[sale], &ctx());
    // Post-condition: 90 + 40 = 130; shares 30 × 90/130 = 20.769… → 20.77, then 9.23.
    assert_eq!(voucher_discounts(&s), ds(&["20.77", "9.23"]));
    assert_eq!(s.subtotal, d("140.00"));
    assert_eq!(s.condition_discount, d("10.00"));
    assert_eq!(s.voucher_discount, d("30.00"));
    assert_eq!(s.discount, d("40.00"));
    assert_eq!(s.total, d("100.00"));
}

#[test]
fn cart_49_each_line_reports_its_breakdown() {
    let lines = [ticket(7, "regular", "100.00", 2)];
    let v = voucher(VoucherKind::Percentage, "10");
    let s = price(
        &lines,
        Some(&v),
        &[for_product("Early bird", 0, pct("20"))],
        &ctx(),
    );
    let l = &s.lines[0];
    assert_eq!(l.line_id, Uuid::from_u128(7));
    assert_eq!(l.product, ProductRef::ticket("regular"));
    assert_eq!((l.unit_price, l.quantity), (d("100.00"), 2));
    assert_eq!(l.condition_discount, d("40.00"));
    assert_eq!(
        l.condition,
        Some(AppliedCondition {
            id: crate::natural_id("condition", "Early bird"),
            name: "Early bird".into()
        })
    );
    assert_eq!(l.voucher_discount, d("16.00"));
    assert_eq!(l.total, d("144.00"));
    // Money is always shown with two decimals.
    assert_eq!(l.total.to_string(), "144.00");
    assert_eq!(price(&[], None, &[], &ctx()).total.to_string(), "0.00");
}

#[test]
fn cart_50_disc_35_pricing_changes_nothing_and_only_reports_usage() {
    let lines = [ticket(1, "regular", "100.00", 1)];
    let limited = condition(
        "flash",
        0,
        ConditionKind::TimeOrStockLimit {
            window: Window::default(),
            usage: UsageLimit {
                limit: 1,
                times_used: 0,
            },
            effect: pct("10"),
        },
    );
    let conditions = [limited];
    let first = price(&lines, None, &conditions, &ctx());
    let second = price(&lines, None, &conditions, &ctx());
    assert_eq!(first, second);
    assert_eq!(first.lines[0].condition_discount, d("10.00"));
}

#[test]
fn cart_52_conditions_see_the_owner_given_in_the_context() {
    let staff_only = condition(
        "staff",
        0,
        ConditionKind::GroupMember {
            groups: vec!["staff".into()],
            effect: pct("50"),
        },
    );
    let lines = [ticket(1, "regular", "100.00", 1)];
    // The operator may be staff; only the owner's facts are in the context.
    let s = price(&lines, None, std::slice::from_ref(&staff_only), &ctx());
    assert_eq!(s.total, d("100.00"));
}

#[test]
fn disc_2_disc_3_voucher_validity() {
    let v = Voucher {
        window: Window {
            from: Some(now()),
            until: Some(now() + Duration::hours(1)),
        },
        max_uses: 2,
        uses: 1,
        ..Voucher::new("V")
    };
    assert!(v.is_valid(now()));
    assert!(v.is_valid(now() + Duration::hours(1)));
    assert!(!v.is_valid(now() - Duration::seconds(1)));
    assert!(!v.is_valid(now() + Duration::hours(1) + Duration::seconds(1)));
    assert!(
        !Voucher {
            uses: 2,
            ..v.clone()
        }
        .is_valid(now())
    );
    assert!(
        !Voucher {
            is_active: false,
            ..v.clone()
        }
        .is_valid(now())
    );
    assert!(
        !Voucher {
            max_uses: 0,
            uses: 0,
            ..v
        }
        .is_valid(now())
    );
}

#[test]
fn disc_17_disc_18_max_quantity_limits_the_discounted_units() {
    let limited = DiscountEffect {
        max_quantity: 2,
        ..pct("50")
    };
    assert_eq!(limited.amount(d("10.00"), 5), d("10.00"));
    assert_eq!(limited.amount(d("10.00"), 1), d("5.00"));
}

#[test]
fn disc_18_percentage_is_clamped_at_100_and_rounded_half_up() {
    assert_eq!(pct("150").amount(d("40.00"), 1), d("40.00"));
    // 0.45 × 50 % = 0.225 → 0.23.
    assert_eq!(pct("50").amount(d("0.15"), 3), d("0.23"));
}

#[test]
fn disc_18_fixed_amount_is_per_unit_and_at_most_the_base() {
    let fixed = |v: &str| effect(DiscountType::FixedAmount, v);
    assert_eq!(fixed("5").amount(d("10.00"), 3), d("15.00"));
    assert_eq!(fixed("12").amount(d("10.00"), 2), d("20.00"));
    let one_unit = DiscountEffect {
        max_quantity: 1,
        ..fixed("5")
    };
    assert_eq!(one_unit.amount(d("10.00"), 3), d("5.00"));
}

#[test]
fn disc_19_category_percentage_is_unclamped_and_applies_by_kind() {
    let c = category("cat", "150", true, false);
    let t = ticket(1, "regular", "10.00", 1);
    let a = addon(2, "lunch", "10.00", 1);
    assert_eq!(c.amount_for(&t), Some(d("15.00")));
    assert_eq!(c.amount_for(&a), None);
    // 3 × 0.15 × 50 % = 0.225 → 0.23.
    let half = category("half", "50", false, true);
    assert_eq!(
        half.amount_for(&addon(3, "pin", "0.15", 3)),
        Some(d("0.23"))
    );
    assert_eq!(half.amount_for(&t), None);
}

#[test]
fn disc_25_conditions_run_by_priority_then_name_and_inactive_ones_never() {
    let lines = [ticket(1, "regular", "100.00", 1)];
    let conditions = [
        for_product("a", 1, pct("10")),
        for_product("z", 0, pct("20")),
        for_product("b", 0, pct("30")),
        Condition {
            is_active: false,
            ..for_product("0-inactive", -5, pct("90"))
        },
    ];
    let order: Vec<&str> = evaluation_order(&conditions)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(order, ["b", "z", "a"]);
    let s = price(&lines, None, &conditions, &ctx());
    assert_eq!(s.lines[0].condition.as_ref().unwrap().name, "b");
    assert_eq!(s.lines[0].condition_discount, d("30.00"));
}

#[test]
fn disc_26_failing_conditions_are_skipped() {
    let lines = [ticket(1, "regular", "100.00", 1)];
    let speakers = condition(
        "a-speakers",
        0,
        ConditionKind::Speaker {
            is_presenter: true,
            is_copresenter: false,
            effect: pct("100"),
        },
    );
    let sale = for_product("b-sale", 0, pct("10"));
    let s = price(&lines, None, &[speakers, sale], &ctx());
    assert_eq!(s.lines[0].condition.as_ref().unwrap().name, "b-sale");
}

#[test]
fn disc_27_a_zero_amount_leaves_the_line_for_later_conditions() {
    let lines = [ticket(1, "regular", "100.00", 1)];
    let zero = for_product("a-zero", 0, pct("0"));
    let later = for_product("b-later", 0, pct("10"));
    let s = price(&lines, None, &[zero, later], &ctx());
    assert_eq!(s.lines[0].condition.as_ref().unwrap().name, "b-later");
    assert_eq!(s.lines[0].condition_discount, d("10.00"));
}

#[test]
fn disc_28_conditions_do_not_stack_but_the_voucher_does() {
    let lines = [
        ticket(1, "regular", "100.00", 1),
        addon(2, "lunch", "10.00", 1),
    ];
    let tickets_only = for_product(
        "a-tickets",
        0,
        DiscountEffect {
            scope: ProductScope::tickets_only(),
            ..pct("50")
        },
    );
    let everything = for_product("b-all", 0, pct("10"));
    let v = voucher(VoucherKind::Percentage, "10");
    let s = price(&lines, Some(&v), &[everything, tickets_only], &ctx());
    assert_eq!(condition_discounts(&s), ds(&["50.00", "1.00"]));
    assert_eq!(voucher_discounts(&s), ds(&["5.00", "0.90"]));
    assert_eq!(s.total, d("53.10"));
}

#[test]
fn disc_29_condition_scopes_are_independent_per_kind() {
    let tutorial = DiscountEffect {
        scope: ProductScope::from_legacy_lists(vec!["tutorial".into()], vec![]),
        ..pct("10")
    };
    let lines = [
        ticket(1, "tutorial", "100.00", 1),
        ticket(2, "regular", "100.00", 1),
        addon(3, "lunch", "20.00", 1),
    ];
    let s = price(&lines, None, &[for_product("t", 0, tutorial)], &ctx());
    assert_eq!(condition_discounts(&s), ds(&["10.00", "0.00", "2.00"]));
}

#[test]
fn disc_30_window_bounds_are_inclusive_and_the_limit_caps_use() {
    let window = Window {
        from: Some(now()),
        until: Some(now() + Duration::hours(1)),
    };
    let open = UsageLimit::default();
    let kinds = |window: Window, usage: UsageLimit| {
        [
            ConditionKind::TimeOrStockLimit {
                window,
                usage,
                effect: pct("10"),
            },
            ConditionKind::DiscountForProduct {
                window,
                usage,
                effect: pct("10"),
            },
            ConditionKind::DiscountForCategory {
                window,
                usage,
                percentage: d("10"),
                apply_to_tickets: true,
                apply_to_addons: true,
            },
        ]
    };
    let owner = CartOwner::default();
    for kind in kinds(window, open) {
        let c = condition("c", 0, kind);
        assert!(c.passes(&owner, now()));
        assert!(c.passes(&owner, now() + Duration::hours(1)));
        assert!(!c.passes(&owner, now() - Duration::seconds(1)));
        assert!(!c.passes(&owner, now() + Duration::hours(1) + Duration::seconds(1)));
    }
    let left = UsageLimit {
        limit: 3,
        times_used: 2,
    };
    let spent = UsageLimit {
        limit: 3,
        times_used: 3,
    };
    for kind in kinds(Window::default(), left) {
        assert!(condition("c", 0, kind).passes(&owner, now()));
    }
    for kind in kinds(Window::default(), spent) {
        assert!(!condition("c", 0, kind).passes(&owner, now()));
    }
}

#[test]
fn disc_31_speaker_condition() {
    let speaker = |is_presenter, is_copresenter| {
        condition(
            "speakers",
            0,
            ConditionKind::Speaker {
                is_presenter,
                is_copresenter,
                effect: pct("100"),
            },
        )
    };
    let nobody = CartOwner::default();
    let solo = CartOwner {
        is_speaker: true,
        ..CartOwner::default()
    };
    let shared = CartOwner {
        has_shared_talk: true,
        ..solo.clone()
    };
    assert!(!speaker(true, true).passes(&nobody, now()));
    assert!(speaker(true, false).passes(&solo, now()));
    assert!(!speaker(false, true).passes(&solo, now()));
    assert!(speaker(false, true).passes(&shared, now()));
    assert!(!speaker(false, false).passes(&shared, now()));
}

#[test]
fn disc_32_group_member_condition() {
    let member_of = |groups: &[&str]| {
        condition(
            "groups",
            0,
            ConditionKind::GroupMember {
                groups: groups.iter().map(|g| g.to_string()).collect(),
                effect: pct("10"),
            },
        )
    };
    let volunteer = CartOwner {
        groups: ["volunteers".to_string()].into(),
        ..CartOwner::default()
    };
    assert!(member_of(&["staff", "volunteers"]).passes(&volunteer, now()));
    assert!(!member_of(&["staff"]).passes(&volunteer, now()));
    assert!(!member_of(&[]).passes(&volunteer, now()));
}

#[test]
fn disc_33_included_product_condition() {
    let enabled_by = |slugs: &[&str]| {
        condition(
            "tutorial lunch",
            0,
            ConditionKind::IncludedProduct {
                enabling_ticket_types: slugs.iter().map(|s| s.to_string()).collect(),
                effect: pct("100"),
            },
        )
    };
    let buyer = CartOwner {
        paid_ticket_types: ["tutorial".to_string()].into(),
        ..CartOwner::default()
    };
    assert!(enabled_by(&["tutorial"]).passes(&buyer, now()));
    assert!(!enabled_by(&["regular"]).passes(&buyer, now()));
    assert!(!enabled_by(&[]).passes(&buyer, now()));
    assert!(!enabled_by(&["tutorial"]).passes(&CartOwner::default(), now()));
}

#[test]
fn disc_34_discount_for_product_passes_for_every_user() {
    let c = for_product("sale", 0, pct("10"));
    assert!(c.passes(&CartOwner::default(), now()));
}

#[test]
fn disc_40_usage_counts_discounted_lines_not_units() {
    let lines = [
        ticket(1, "regular", "100.00", 3),
        addon(2, "lunch", "20.00", 5),
        ticket(3, "student", "0.00", 1),
    ];
    let sale = for_product("sale", 0, pct("10"));
    let s = price(&lines, None, std::slice::from_ref(&sale), &ctx());
    // The free line computes 0 and stays unclaimed (DISC-27).
    assert_eq!(s.condition_usage(), vec![(sale.id, 2)]);
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
