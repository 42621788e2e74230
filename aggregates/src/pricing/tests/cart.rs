//! CART-40…52 and AMB-32: pricing a cart.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;

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
    // Whoever operates the terminal, only the owner's facts are in the context.
    let s = price(&lines, None, std::slice::from_ref(&staff_only), &ctx());
    assert_eq!(s.total, d("100.00"));
    let staff_owner = PricingContext {
        owner: CartOwner {
            groups: ["staff".to_string()].into(),
            ..CartOwner::default()
        },
        ..ctx()
    };
    let s = price(
        &lines,
        None,
        std::slice::from_ref(&staff_only),
        &staff_owner,
    );
    assert_eq!(s.total, d("50.00"));
}

#[test]
fn cart_47_spill_case_found_by_proptest() {
    // Σ = 166.05, budget 0.14: the rounded shares of the first eight lines sum to
    // 0.12 (5.93 × 0.14 / 166.05 = 0.0049997 rounds to 0.00), leaving 0.02 for a
    // line worth 0.01; the extra cent goes to the first line.
    let amounts = ds(&[
        "24.37", "26.19", "13.75", "12.49", "15.35", "40.93", "5.93", "27.03", "0.01",
    ]);
    assert_eq!(
        split_fixed_amount(d("0.14"), &amounts),
        ds(&[
            "0.03", "0.02", "0.01", "0.01", "0.01", "0.03", "0.00", "0.02", "0.01"
        ])
    );
}

/// CART-40 with CAT-1: a cart whose amounts do not fit a decimal (a price stored
/// before prices were bounded) is refused with a typed error, never a panic.
#[test]
fn cart_40_amounts_beyond_a_decimal_are_refused() {
    let huge = Decimal::MAX.to_string();
    let lines = vec![ticket(1, "t", &huge, 2)];
    assert_eq!(
        crate::pricing::price(&lines, None, &[], &ctx()),
        Err(PricingError::Overflow)
    );
    // Each line fits, their sum does not.
    let lines = vec![ticket(1, "t", &huge, 1), ticket(2, "u", &huge, 1)];
    assert_eq!(
        crate::pricing::price(&lines, None, &[], &ctx()),
        Err(PricingError::Overflow)
    );
    // A percentage beyond any bound on a large line.
    let lines = vec![ticket(1, "t", "1000000000.00", 1)];
    let mut v = Voucher::new("HUGE");
    v.kind = VoucherKind::Percentage;
    v.value = Decimal::MAX;
    assert_eq!(
        crate::pricing::price(&lines, Some(&v), &[], &ctx()),
        Err(PricingError::Overflow)
    );
    assert_eq!(PricingError::Overflow.code(), "pricing.overflow");
}

/// CAT-1: within the aggregates' bounds every cart prices, however large.
#[test]
fn cat_1_the_largest_bounded_cart_prices() {
    let max = MAX_AMOUNT.to_string();
    let lines: Vec<CartLine> = (0..100)
        .map(|n| ticket(n, "t", &max, MAX_QUANTITY))
        .collect();
    let mut v = Voucher::new("MAX");
    v.kind = VoucherKind::FixedAmount;
    v.value = MAX_AMOUNT;
    let s = price(&lines, Some(&v), &[], &ctx());
    assert_eq!(s.voucher_discount, MAX_AMOUNT);
    assert_eq!(
        s.subtotal,
        MAX_AMOUNT * Decimal::from(MAX_QUANTITY) * Decimal::from(100)
    );
}

#[test]
fn cat_1_the_bound_is_decimal_10_2() {
    assert_eq!(MAX_AMOUNT, d("99999999.99"));
    assert!(is_within_bounds(d("99999999.99")));
    assert!(!is_within_bounds(d("100000000.00")));
    assert!(!is_within_bounds(d("-0.01")));
}
