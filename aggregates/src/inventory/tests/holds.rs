//! Taking a hold: the checkout's one atomic decision (ORDER-5…15, AMB-24, DISC-5,
//! DISC-40/41).

use rust_decimal::Decimal;

use super::*;
use crate::pricing::{
    Condition, ConditionKind, DiscountEffect, DiscountType, ProductScope, Scope, UsageLimit,
    Voucher, VoucherKind,
};

#[test]
fn amb_24_per_user_limit_counts_paid_and_live_holds() {
    let mut t = limited("individual", 0);
    t.limit_per_user = 3;
    let given = history(vec![
        define_ticket(t),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 15)),
        (t0(), InventoryCommand::ConfirmSale { order_id: oid(1) }),
        (t0(), hold_cmd(2, "ana", &[(tk("individual"), 1)], None, 15)),
    ]);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(3, "ana", &[(tk("individual"), 2)], None, 16))
        .then_expect_error(InventoryError::PerUserLimit {
            name: "individual".into(),
            quantity: 2,
            limit: 3,
        });
    // Another user is not limited by ana's orders.
    let result = framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(3, "bo", &[(tk("individual"), 3)], None, 16))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(3)]);
    // Once ana's pending hold has expired, one more fits.
    let result = framework_at(at(15))
        .given(given.clone())
        .when(hold_cmd(3, "ana", &[(tk("individual"), 2)], None, 30))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(3)]);
    assert_eq!(state(&given).purchased(uid("ana"), "individual"), 1);
    assert_eq!(
        InventoryError::PerUserLimit {
            name: "Individual".into(),
            quantity: 2,
            limit: 3
        }
        .to_string(),
        "Quantity 2 would exceed the per-user limit of 3 for 'Individual'."
    );
}

fn hidden(slug: &str) -> TicketType {
    TicketType {
        requires_voucher: true,
        ..limited(slug, 0)
    }
}

fn voucher_cmd(voucher: Voucher) -> (Timestamp, InventoryCommand) {
    (t0(), InventoryCommand::CreateVoucher { voucher })
}

#[test]
fn amb_24_a_hidden_ticket_needs_a_voucher_that_unlocks_and_covers_it() {
    let narrow = Voucher {
        unlocks_hidden: true,
        scope: ProductScope {
            tickets: Scope::Listed(vec!["individual".into()]),
            addons: Scope::All,
        },
        ..Voucher::new("NARROW")
    };
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        define_ticket(hidden("speaker")),
        voucher_cmd(Voucher::new("PLAIN")),
        voucher_cmd(narrow),
        voucher_cmd(Voucher::sponsor_comp("SPONSOR")),
    ]);
    let required = InventoryError::VoucherRequired {
        name: "speaker".into(),
    };
    for voucher in [None, Some("PLAIN"), Some("MISSING")] {
        framework_at(at(1))
            .given(given.clone())
            .when(hold_cmd(1, "ana", &[(tk("speaker"), 1)], voucher, 15))
            .then_expect_error(required.clone());
    }
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(
            1,
            "ana",
            &[(tk("speaker"), 1)],
            Some("NARROW"),
            15,
        ))
        .then_expect_error(InventoryError::VoucherDoesNotCover {
            name: "speaker".into(),
        });
    let result = framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(
            1,
            "ana",
            &[(tk("speaker"), 1)],
            Some("SPONSOR"),
            15,
        ))
        .inspect_result()
        .unwrap();
    let [
        InventoryEvent::ItemsHeld {
            voucher, pricing, ..
        },
    ] = result.as_slice()
    else {
        panic!("{result:?}")
    };
    assert_eq!(
        voucher.as_ref(),
        Some(&VoucherSnapshot {
            code: "SPONSOR".into(),
            kind: VoucherKind::Comp,
            value: Decimal::ZERO,
            unlocks_hidden: true,
        })
    );
    assert_eq!(pricing.total, Decimal::ZERO);
    assert_eq!(
        required.to_string(),
        "Ticket type 'speaker' requires a voucher that unlocks hidden tickets."
    );
}

#[test]
fn disc_5_a_voucher_use_taken_by_a_live_hold_is_not_free() {
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        voucher_cmd(Voucher::new("ONCE")),
        (
            t0(),
            hold_cmd(1, "ana", &[(tk("individual"), 1)], Some("ONCE"), 15),
        ),
    ]);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(
            2,
            "bo",
            &[(tk("individual"), 1)],
            Some("ONCE"),
            16,
        ))
        .then_expect_error(InventoryError::VoucherNoLongerValid {
            code: "ONCE".into(),
        });
    let inv = state(&given);
    let v = inv.voucher("ONCE", at(1)).unwrap();
    assert_eq!((v.voucher.uses, v.live_holds), (1, 1));
    assert!(!v.voucher.is_valid(at(1)));
    // Free again once the hold has expired, before any sweeper.
    let result = framework_at(at(15))
        .given(given)
        .when(hold_cmd(
            2,
            "bo",
            &[(tk("individual"), 1)],
            Some("ONCE"),
            30,
        ))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(2)]);
    assert_eq!(
        InventoryError::VoucherNoLongerValid {
            code: "ONCE".into()
        }
        .to_string(),
        "Voucher code 'ONCE' is no longer valid."
    );
}

#[test]
fn disc_5_an_inactive_or_out_of_window_voucher_refuses_the_checkout() {
    let mut late = Voucher::new("LATE");
    late.window.from = Some(at(10));
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        voucher_cmd(Voucher::new("OFF")),
        (
            t0(),
            InventoryCommand::DeactivateVoucher { code: "OFF".into() },
        ),
        voucher_cmd(late),
        voucher_cmd(Voucher {
            max_uses: 0,
            ..Voucher::new("NEVER")
        }),
    ]);
    for code in ["OFF", "LATE", "NEVER", "MISSING"] {
        framework_at(at(1))
            .given(given.clone())
            .when(hold_cmd(1, "ana", &[(tk("individual"), 1)], Some(code), 15))
            .then_expect_error(InventoryError::VoucherNoLongerValid { code: code.into() });
    }
}

#[test]
fn order_14_held_lines_snapshot_names_prices_and_pricing() {
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        (
            t0(),
            InventoryCommand::DefineAddon {
                addon: addon("t-shirt", &[]),
            },
        ),
        voucher_cmd(Voucher {
            kind: VoucherKind::Percentage,
            value: Decimal::new(10, 0),
            ..Voucher::new("TEN")
        }),
    ]);
    let result = framework_at(at(1))
        .given(given)
        .when(hold_cmd(
            1,
            "ana",
            &[(tk("individual"), 2), (ad("t-shirt"), 1)],
            Some("TEN"),
            16,
        ))
        .inspect_result()
        .unwrap();
    let [
        InventoryEvent::ItemsHeld {
            order_id,
            user,
            lines,
            pricing,
            voucher,
            condition_usage,
            expires_at,
            at: when,
        },
    ] = result.as_slice()
    else {
        panic!("{result:?}")
    };
    assert_eq!((*order_id, *user), (oid(1), uid("ana")));
    assert_eq!(
        lines,
        &vec![
            HeldLine {
                product: tk("individual"),
                name: "individual".into(),
                unit_price: Decimal::new(10_000, 2),
                quantity: 2,
            },
            HeldLine {
                product: ad("t-shirt"),
                name: "t-shirt".into(),
                unit_price: Decimal::new(2_500, 2),
                quantity: 1,
            },
        ]
    );
    assert_eq!(pricing.subtotal, Decimal::new(22_500, 2));
    assert_eq!(pricing.total, Decimal::new(20_250, 2));
    assert_eq!(voucher.as_ref().map(|v| v.code.as_str()), Some("TEN"));
    assert!(condition_usage.is_empty());
    assert_eq!((*expires_at, *when), (at(16), at(1)));
}

fn flash_sale(limit: u32) -> Condition {
    Condition {
        id: oid(900),
        name: "Flash sale".into(),
        description: String::new(),
        is_active: true,
        priority: 0,
        kind: ConditionKind::DiscountForProduct {
            window: Default::default(),
            usage: UsageLimit {
                limit,
                times_used: 0,
            },
            effect: DiscountEffect {
                discount_type: DiscountType::Percentage,
                value: Decimal::new(50, 0),
                max_quantity: 0,
                scope: ProductScope::all(),
            },
        },
    }
}

fn condition_usage_of(result: Vec<InventoryEvent>) -> (Vec<(Uuid, u32)>, Decimal) {
    match result.as_slice() {
        [
            InventoryEvent::ItemsHeld {
                condition_usage,
                pricing,
                ..
            },
        ] => (condition_usage.clone(), pricing.condition_discount),
        other => panic!("{other:?}"),
    }
}

#[test]
fn disc_41_condition_usage_over_the_limit_is_skipped_silently() {
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        (
            t0(),
            InventoryCommand::DefineAddon {
                addon: addon("t-shirt", &[]),
            },
        ),
        (
            t0(),
            InventoryCommand::DefineCondition {
                condition: flash_sale(2),
            },
        ),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 15)),
    ]);
    assert_eq!(
        state(&given).conditions()[0].kind,
        ConditionKind::DiscountForProduct {
            window: Default::default(),
            usage: UsageLimit {
                limit: 2,
                times_used: 1
            },
            effect: match &flash_sale(2).kind {
                ConditionKind::DiscountForProduct { effect, .. } => effect.clone(),
                _ => unreachable!(),
            },
        }
    );
    // Two discounted lines would pass the limit: the discount stays, the count not.
    let two = framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(
            2,
            "bo",
            &[(tk("individual"), 1), (ad("t-shirt"), 1)],
            None,
            16,
        ))
        .inspect_result()
        .unwrap();
    assert_eq!(condition_usage_of(two), (vec![], Decimal::new(6_250, 2)));
    // One line fits (DISC-40 counts lines, not units).
    let one = framework_at(at(1))
        .given(given)
        .when(hold_cmd(2, "bo", &[(tk("individual"), 3)], None, 16))
        .inspect_result()
        .unwrap();
    assert_eq!(
        condition_usage_of(one),
        (vec![(oid(900), 1)], Decimal::new(15_000, 2))
    );
}

/// CART-10 (2) as the hold sees it: a line carries 1…`MAX_QUANTITY` units, so a
/// quantity past the bound is refused before any stock is counted (it was the one
/// surviving mutant of `take_hold`, docs/mutation-testing.md).
#[test]
fn a_hold_line_past_the_maximum_quantity_is_refused() {
    let max = crate::pricing::MAX_QUANTITY;
    let mut t = limited("individual", 0);
    t.limit_per_user = max;
    let given = history(vec![define_ticket(t)]);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(1, "ana", &[(tk("individual"), max + 1)], None, 15))
        .then_expect_error(InventoryError::InvalidQuantity);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(1, "ana", &[(tk("individual"), 0)], None, 15))
        .then_expect_error(InventoryError::InvalidQuantity);
    let result = framework_at(at(1))
        .given(given)
        .when(hold_cmd(1, "ana", &[(tk("individual"), max)], None, 15))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(1)]);
}

/// DISC-33 at the hold: the ticket types an owner has paid for are the ledger's
/// own fact (`owner_facts`), so an included-product condition enabled by a
/// tutorial ticket discounts the lunch of a buyer whose tutorial order was
/// confirmed, and not of a buyer whose tutorial hold is still unpaid (it was a
/// surviving mutant of `owner_facts`, docs/mutation-testing.md).
#[test]
fn disc_33_a_paid_tutorial_enables_its_included_lunch() {
    let lunch_included = Condition {
        id: oid(901),
        name: "Tutorial lunch".into(),
        description: String::new(),
        is_active: true,
        priority: 0,
        kind: ConditionKind::IncludedProduct {
            enabling_ticket_types: ["tutorial".to_string()].into(),
            effect: DiscountEffect {
                discount_type: DiscountType::Percentage,
                value: Decimal::new(100, 0),
                max_quantity: 0,
                scope: ProductScope {
                    tickets: Scope::Listed(vec![]),
                    addons: Scope::All,
                },
            },
        },
    };
    let given = history(vec![
        define_ticket(limited("tutorial", 0)),
        (
            t0(),
            InventoryCommand::DefineAddon {
                addon: addon("lunch", &[]),
            },
        ),
        (
            t0(),
            InventoryCommand::DefineCondition {
                condition: lunch_included,
            },
        ),
        (t0(), hold_cmd(1, "ana", &[(tk("tutorial"), 1)], None, 15)),
        (t0(), InventoryCommand::ConfirmSale { order_id: oid(1) }),
        (t0(), hold_cmd(2, "bo", &[(tk("tutorial"), 1)], None, 15)),
    ]);
    assert!(
        state(&given)
            .owner_facts(uid("ana"))
            .paid_ticket_types
            .contains("tutorial")
    );
    let discount = |user: &str| {
        let result = framework_at(at(1))
            .given(given.clone())
            .when(hold_cmd(3, user, &[(ad("lunch"), 1)], None, 16))
            .inspect_result()
            .unwrap();
        condition_usage_of(result).1
    };
    assert!(discount("ana") > Decimal::ZERO, "ana paid for the tutorial");
    assert_eq!(
        discount("bo"),
        Decimal::ZERO,
        "bo's tutorial is not paid yet"
    );
}
