//! Stock, capacity and line checks of a hold (ORDER-4…8, CAT-2, CAT-4, CAT-11,
//! CAT-13, AMB-4).

use super::*;

#[test]
fn order_5_stock_counts_live_holds_exactly() {
    let given = history(vec![
        define_ticket(limited("individual", 3)),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 2)], None, 15)),
    ]);
    // The last one fits exactly.
    let result = framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(2, "bo", &[(tk("individual"), 1)], None, 16))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(2)]);
    // One more than remains.
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(2, "bo", &[(tk("individual"), 2)], None, 16))
        .then_expect_error(InventoryError::NotEnoughTickets {
            name: "individual".into(),
            remaining: 1,
            requested: 2,
        });
    let e = InventoryError::NotEnoughTickets {
        name: "Individual".into(),
        remaining: 1,
        requested: 2,
    };
    assert_eq!(
        e.to_string(),
        "Only 1 tickets of type 'Individual' remaining, but 2 requested."
    );
    // Nothing left: the ticket type is no longer available (CAT-4).
    let full = history(vec![
        define_ticket(limited("individual", 2)),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 2)], None, 15)),
    ]);
    framework_at(at(1))
        .given(full)
        .when(hold_cmd(2, "bo", &[(tk("individual"), 1)], None, 16))
        .then_expect_error(InventoryError::TicketUnavailable {
            name: "individual".into(),
        });
}

#[test]
fn cat_2_an_expired_hold_is_not_counted_before_the_sweeper() {
    let given = history(vec![
        define_ticket(limited("individual", 2)),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 2)], None, 15)),
    ]);
    // One second before expiry the hold is live.
    framework_at(at(15) - chrono::Duration::seconds(1))
        .given(given.clone())
        .when(hold_cmd(2, "bo", &[(tk("individual"), 2)], None, 30))
        .then_expect_error(InventoryError::TicketUnavailable {
            name: "individual".into(),
        });
    // At expires_at it is not (strictly after now), although no event says so.
    let result = framework_at(at(15))
        .given(given.clone())
        .when(hold_cmd(2, "bo", &[(tk("individual"), 2)], None, 30))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(2)]);
    let inv = state(&given);
    assert_eq!(inv.remaining(&tk("individual"), at(14)), Some(0));
    assert_eq!(inv.remaining(&tk("individual"), at(15)), Some(2));
    assert_eq!(inv.expired_holds(at(15)), vec![oid(1)]);
}

#[test]
fn order_5_refuses_a_ticket_type_off_sale() {
    let mut t = limited("individual", 0);
    t.available_until = Some(at(5));
    let given = history(vec![define_ticket(t)]);
    framework_at(at(6))
        .given(given)
        .when(hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 20))
        .then_expect_error(InventoryError::TicketUnavailable {
            name: "individual".into(),
        });
}

#[test]
fn order_8_capacity_spans_ticket_types_and_ignores_addons() {
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        define_ticket(limited("student", 0)),
        (
            t0(),
            InventoryCommand::DefineAddon {
                addon: addon("t-shirt", &[]),
            },
        ),
        (t0(), InventoryCommand::SetCapacity { total_capacity: 3 }),
        (
            t0(),
            hold_cmd(
                1,
                "ana",
                &[(tk("individual"), 2), (ad("t-shirt"), 5)],
                None,
                15,
            ),
        ),
    ]);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(2, "bo", &[(tk("student"), 2)], None, 16))
        .then_expect_error(InventoryError::CapacityExceeded {
            remaining: 1,
            capacity: 3,
        });
    let mut full = given.clone();
    full.extend(history_after(
        &given,
        vec![(at(1), hold_cmd(2, "bo", &[(tk("student"), 1)], None, 16))],
    ));
    framework_at(at(2))
        .given(full.clone())
        .when(hold_cmd(3, "cy", &[(tk("individual"), 1)], None, 17))
        .then_expect_error(InventoryError::SoldOut { capacity: 3 });
    // CAT-11: add-ons alone are not capped.
    let result = framework_at(at(2))
        .given(full.clone())
        .when(hold_cmd(3, "cy", &[(ad("t-shirt"), 1)], None, 17))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(3)]);
    assert_eq!(state(&full).global_sold(at(2)), 3);
    assert_eq!(state(&full).global_remaining(at(2)), Some(0));
    assert_eq!(
        InventoryError::SoldOut { capacity: 3 }.to_string(),
        "This conference is sold out (venue capacity: 3)."
    );
    assert_eq!(
        InventoryError::CapacityExceeded {
            remaining: 1,
            capacity: 3
        }
        .to_string(),
        "Only 1 tickets remaining for this conference (venue capacity: 3)."
    );
}

/// Runs more steps after `given`, returning only the new events.
fn history_after(
    given: &[InventoryEvent],
    steps: Vec<(Timestamp, InventoryCommand)>,
) -> Vec<InventoryEvent> {
    let mut inv = state(given);
    let mut out = Vec::new();
    for (now, cmd) in steps {
        for fact in inv.decide(cmd, now).unwrap() {
            inv.apply(fact.clone());
            out.push(fact);
        }
    }
    out
}

#[test]
fn order_6_addon_lines_are_revalidated_in_order() {
    let mut soon = addon("dinner", &[]);
    soon.available_from = Some(at(10));
    let mut past = addon("lunch", &[]);
    past.available_until = Some(t0());
    let mut off = addon("mug", &[]);
    off.is_active = false;
    let few = Addon {
        total_quantity: 2,
        ..addon("t-shirt", &[])
    };
    let mut steps = vec![
        define_ticket(limited("individual", 0)),
        define_ticket(limited("student", 0)),
    ];
    for a in [addon("tutorial", &["individual"]), soon, past, off, few] {
        steps.push((t0(), InventoryCommand::DefineAddon { addon: a }));
    }
    steps.push((t0(), hold_cmd(1, "ana", &[(ad("t-shirt"), 1)], None, 15)));
    let given = history(steps);
    let cases = [
        (
            vec![(tk("student"), 1), (ad("tutorial"), 1)],
            InventoryError::AddonPrerequisiteMissing {
                name: "tutorial".into(),
            },
        ),
        (
            vec![(ad("mug"), 1)],
            InventoryError::AddonInactive { name: "mug".into() },
        ),
        (
            vec![(ad("dinner"), 1)],
            InventoryError::AddonNotYetAvailable {
                name: "dinner".into(),
            },
        ),
        (
            vec![(ad("lunch"), 1)],
            InventoryError::AddonNoLongerAvailable {
                name: "lunch".into(),
            },
        ),
        // ORDER-7, AMB-4: the live hold counts.
        (
            vec![(ad("t-shirt"), 2)],
            InventoryError::NotEnoughAddons {
                name: "t-shirt".into(),
                remaining: 1,
                requested: 2,
            },
        ),
    ];
    for (lines, error) in cases {
        framework_at(at(1))
            .given(given.clone())
            .when(hold_cmd(2, "bo", &lines, None, 16))
            .then_expect_error(error);
    }
    let result = framework_at(at(1))
        .given(given)
        .when(hold_cmd(
            2,
            "bo",
            &[
                (tk("individual"), 1),
                (ad("tutorial"), 1),
                (ad("t-shirt"), 1),
            ],
            None,
            16,
        ))
        .inspect_result();
    assert_eq!(held_ids(result), vec![oid(2)]);
    assert_eq!(
        InventoryError::AddonPrerequisiteMissing {
            name: "Tutorial".into()
        }
        .to_string(),
        "Add-on 'Tutorial' requires a ticket type that is not in your cart."
    );
    assert_eq!(
        InventoryError::NotEnoughAddons {
            name: "T-shirt".into(),
            remaining: 1,
            requested: 2
        }
        .to_string(),
        "Only 1 of add-on 'T-shirt' remaining, but 2 requested."
    );
}

#[test]
fn order_4_refuses_an_empty_or_zero_quantity_or_unknown_hold() {
    let given = history(vec![define_ticket(limited("individual", 0))]);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(1, "ana", &[], None, 15))
        .then_expect_error(InventoryError::EmptyHold);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(1, "ana", &[(tk("individual"), 0)], None, 15))
        .then_expect_error(InventoryError::InvalidQuantity);
    framework_at(at(1))
        .given(given.clone())
        .when(hold_cmd(1, "ana", &[(tk("student"), 1)], None, 15))
        .then_expect_error(InventoryError::UnknownProduct {
            slug: "student".into(),
        });
    framework_at(at(15))
        .given(given)
        .when(hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 15))
        .then_expect_error(InventoryError::InvalidHoldExpiry);
}

#[test]
fn order_15_holding_the_same_order_again_is_a_no_op() {
    let given = history(vec![
        define_ticket(limited("individual", 1)),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 15)),
    ]);
    framework_at(at(1))
        .given(given)
        .when(hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 15))
        .then_expect_events(vec![]);
}
