//! DISC-*: vouchers' validity and the conditions.

use chrono::Duration;

use super::*;

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
    assert_eq!(limited.amount(d("10.00"), 5).unwrap(), d("10.00"));
    assert_eq!(limited.amount(d("10.00"), 1).unwrap(), d("5.00"));
}

#[test]
fn disc_18_percentage_is_clamped_at_100_and_rounded_half_up() {
    assert_eq!(pct("150").amount(d("40.00"), 1).unwrap(), d("40.00"));
    // 0.45 × 50 % = 0.225 → 0.23.
    assert_eq!(pct("50").amount(d("0.15"), 3).unwrap(), d("0.23"));
}

#[test]
fn disc_18_fixed_amount_is_per_unit_and_at_most_the_base() {
    let fixed = |v: &str| effect(DiscountType::FixedAmount, v);
    assert_eq!(fixed("5").amount(d("10.00"), 3).unwrap(), d("15.00"));
    assert_eq!(fixed("12").amount(d("10.00"), 2).unwrap(), d("20.00"));
    let one_unit = DiscountEffect {
        max_quantity: 1,
        ..fixed("5")
    };
    assert_eq!(one_unit.amount(d("10.00"), 3).unwrap(), d("5.00"));
}

#[test]
fn disc_19_category_percentage_is_unclamped_and_applies_by_kind() {
    let c = category("cat", "150", true, false);
    let t = ticket(1, "regular", "10.00", 1);
    let a = addon(2, "lunch", "10.00", 1);
    assert_eq!(c.amount_for(&t).unwrap(), Some(d("15.00")));
    assert_eq!(c.amount_for(&a).unwrap(), None);
    // 3 × 0.15 × 50 % = 0.225 → 0.23.
    let half = category("half", "50", false, true);
    assert_eq!(
        half.amount_for(&addon(3, "pin", "0.15", 3)).unwrap(),
        Some(d("0.23"))
    );
    assert_eq!(half.amount_for(&t).unwrap(), None);
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
