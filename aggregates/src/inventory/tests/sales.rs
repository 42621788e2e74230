//! How a hold ends: released (ORDER-18), expired (ORDER-20), sold (AMB-6/7),
//! returned (CAT-3); and what that does to stock and voucher uses (DISC-4…6).

use super::*;
use crate::pricing::Voucher;

/// One ticket type of 1, a voucher of one use, and ana's live hold of both
/// (order 1, until minute 15).
fn one_left_held() -> Vec<InventoryEvent> {
    history(vec![
        define_ticket(limited("individual", 1)),
        (
            t0(),
            InventoryCommand::CreateVoucher {
                voucher: Voucher::new("ONCE"),
            },
        ),
        (
            t0(),
            hold_cmd(1, "ana", &[(tk("individual"), 1)], Some("ONCE"), 15),
        ),
    ])
}

fn then(
    given: &[InventoryEvent],
    steps: Vec<(Timestamp, InventoryCommand)>,
) -> Vec<InventoryEvent> {
    let mut inv = state(given);
    let mut all = given.to_vec();
    for (now, cmd) in steps {
        for fact in inv.decide(cmd, now).unwrap() {
            inv.apply(fact.clone());
            all.push(fact);
        }
    }
    all
}

fn release(order: u128) -> InventoryCommand {
    InventoryCommand::ReleaseHold {
        order_id: oid(order),
        reason: ReleaseReason::Cancelled,
    }
}

fn confirm(order: u128) -> InventoryCommand {
    InventoryCommand::ConfirmSale {
        order_id: oid(order),
    }
}

fn give_back(order: u128) -> InventoryCommand {
    InventoryCommand::ReturnSale {
        order_id: oid(order),
    }
}

fn bo_holds() -> InventoryCommand {
    hold_cmd(2, "bo", &[(tk("individual"), 1)], Some("ONCE"), 30)
}

fn accepted(result: Result<Vec<InventoryEvent>, InventoryError>) -> bool {
    matches!(result.as_deref(), Ok([InventoryEvent::ItemsHeld { .. }]))
}

#[test]
fn order_18_releasing_a_hold_gives_back_stock_and_the_voucher_use() {
    framework_at(at(1))
        .given(one_left_held())
        .when(release(1))
        .then_expect_events(vec![InventoryEvent::HoldReleased {
            order_id: oid(1),
            reason: ReleaseReason::Cancelled,
            voucher_code: Some("ONCE".into()),
            at: at(1),
        }]);
    let released = then(&one_left_held(), vec![(at(1), release(1))]);
    assert!(accepted(
        framework_at(at(2))
            .given(released.clone())
            .when(bo_holds())
            .inspect_result()
    ));
    // DISC-6: once per order.
    framework_at(at(2))
        .given(released)
        .when(release(1))
        .then_expect_events(vec![]);
}

#[test]
fn order_20_the_sweeper_records_only_holds_whose_time_is_up() {
    let given = one_left_held();
    framework_at(at(14))
        .given(given.clone())
        .when(InventoryCommand::ExpireHolds)
        .then_expect_events(vec![]);
    framework_at(at(15))
        .given(given.clone())
        .when(InventoryCommand::ExpireHolds)
        .then_expect_events(vec![InventoryEvent::HoldExpired {
            order_id: oid(1),
            voucher_code: Some("ONCE".into()),
            at: at(15),
        }]);
    let swept = then(&given, vec![(at(15), InventoryCommand::ExpireHolds)]);
    assert_eq!(
        state(&swept).hold(oid(1)).map(|h| h.status),
        Some(HoldStatus::Expired)
    );
    assert!(state(&swept).expired_holds(at(60)).is_empty());
    // DISC-6: the voucher use came back with the expiry.
    assert!(accepted(
        framework_at(at(16))
            .given(swept.clone())
            .when(bo_holds())
            .inspect_result()
    ));
    // Releasing an expired hold is a no-op.
    framework_at(at(16))
        .given(swept)
        .when(release(1))
        .then_expect_events(vec![]);
}

#[test]
fn disc_6_a_sold_voucher_use_is_kept_even_after_a_refund() {
    let sold = then(&one_left_held(), vec![(at(1), confirm(1))]);
    let inv = state(&sold);
    let v = inv.voucher("ONCE", at(1)).unwrap();
    assert_eq!((v.voucher.uses, v.live_holds), (1, 0));
    assert_eq!(inv.sold(&tk("individual")), 1);
    assert_eq!(inv.purchased(uid("ana"), "individual"), 1);
    // A sold order is not released by a cancellation.
    framework_at(at(2))
        .given(sold.clone())
        .when(release(1))
        .then_expect_events(vec![]);
    // CAT-3: a full refund gives the ticket back, not the voucher use.
    framework_at(at(2))
        .given(sold.clone())
        .when(give_back(1))
        .then_expect_events(vec![InventoryEvent::SaleReturned {
            order_id: oid(1),
            at: at(2),
        }]);
    let returned = then(&sold, vec![(at(2), give_back(1))]);
    let inv = state(&returned);
    assert_eq!(inv.remaining(&tk("individual"), at(2)), Some(1));
    assert_eq!(inv.purchased(uid("ana"), "individual"), 0);
    framework_at(at(3))
        .given(returned.clone())
        .when(bo_holds())
        .then_expect_error(InventoryError::VoucherNoLongerValid {
            code: "ONCE".into(),
        });
    assert!(accepted(
        framework_at(at(3))
            .given(returned.clone())
            .when(hold_cmd(2, "bo", &[(tk("individual"), 1)], None, 30))
            .inspect_result()
    ));
    // Returned twice: no-op; a payment for a returned order changes nothing.
    for cmd in [give_back(1), confirm(1)] {
        framework_at(at(3))
            .given(returned.clone())
            .when(cmd)
            .then_expect_events(vec![]);
    }
}

#[test]
fn amb_6_a_payment_for_a_live_hold_converts_it() {
    framework_at(at(1))
        .given(one_left_held())
        .when(confirm(1))
        .then_expect_events(vec![InventoryEvent::HoldConverted {
            order_id: oid(1),
            oversold: false,
            voucher_overused: false,
            at: at(1),
        }]);
    let sold = then(&one_left_held(), vec![(at(1), confirm(1))]);
    framework_at(at(2))
        .given(sold)
        .when(confirm(1))
        .then_expect_events(vec![]);
}

#[test]
fn amb_6_a_late_payment_after_expiry_retakes_the_stock_and_flags_the_oversell() {
    // Expired, swept, and the last ticket and the voucher went to bo.
    let resold = then(
        &one_left_held(),
        vec![
            (at(15), InventoryCommand::ExpireHolds),
            (at(16), bo_holds()),
        ],
    );
    framework_at(at(20))
        .given(resold.clone())
        .when(confirm(1))
        .then_expect_events(vec![InventoryEvent::HoldConverted {
            order_id: oid(1),
            oversold: true,
            voucher_overused: true,
            at: at(20),
        }]);
    let paid_late = then(&resold, vec![(at(20), confirm(1))]);
    let inv = state(&paid_late);
    assert_eq!(inv.hold(oid(1)).map(|h| h.status), Some(HoldStatus::Sold));
    assert_eq!(inv.remaining(&tk("individual"), at(20)), Some(-1));
    // Expired by time only, nobody else took it: not an oversell.
    framework_at(at(40))
        .given(one_left_held())
        .when(confirm(1))
        .then_expect_events(vec![InventoryEvent::HoldConverted {
            order_id: oid(1),
            oversold: false,
            voucher_overused: false,
            at: at(40),
        }]);
    // A cancelled order paid late is recorded too.
    let cancelled = then(&one_left_held(), vec![(at(1), release(1))]);
    framework_at(at(2))
        .given(cancelled)
        .when(confirm(1))
        .then_expect_events(vec![InventoryEvent::HoldConverted {
            order_id: oid(1),
            oversold: false,
            voucher_overused: false,
            at: at(2),
        }]);
}

#[test]
fn amb_6_capacity_oversell_is_flagged() {
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        (t0(), InventoryCommand::SetCapacity { total_capacity: 2 }),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 2)], None, 15)),
        (
            at(15),
            hold_cmd(2, "bo", &[(tk("individual"), 1)], None, 30),
        ),
    ]);
    framework_at(at(16))
        .given(given)
        .when(confirm(1))
        .then_expect_events(vec![InventoryEvent::HoldConverted {
            order_id: oid(1),
            oversold: true,
            voucher_overused: false,
            at: at(16),
        }]);
}

#[test]
fn unknown_orders_are_not_found_and_unsold_ones_cannot_be_returned() {
    let given = one_left_held();
    for cmd in [release(9), confirm(9), give_back(9)] {
        framework_at(at(1))
            .given(given.clone())
            .when(cmd)
            .then_expect_error(InventoryError::HoldNotFound { order_id: oid(9) });
    }
    framework_at(at(1))
        .given(given)
        .when(give_back(1))
        .then_expect_error(InventoryError::NotSold { order_id: oid(1) });
    assert!(InventoryError::HoldNotFound { order_id: oid(9) }.is_not_found());
}

#[test]
fn cat_2_availability_and_offers_count_paid_and_live_holds() {
    let mut steps = vec![
        define_ticket(limited("individual", 5)),
        (
            t0(),
            InventoryCommand::DefineAddon {
                addon: Addon {
                    total_quantity: 3,
                    ..addon("t-shirt", &["individual"])
                },
            },
        ),
        (t0(), InventoryCommand::SetCapacity { total_capacity: 10 }),
    ];
    steps.push((
        t0(),
        hold_cmd(
            1,
            "ana",
            &[(tk("individual"), 2), (ProductRef::addon("t-shirt"), 1)],
            None,
            15,
        ),
    ));
    steps.push((t0(), confirm(1)));
    steps.push((t0(), hold_cmd(2, "bo", &[(tk("individual"), 1)], None, 15)));
    let inv = state(&history(steps));
    let rows = inv.availability(at(1));
    let row = |slug: &str| rows.iter().find(|r| r.product.slug == slug).unwrap();
    assert_eq!((row("individual").sold, row("individual").held), (2, 1));
    assert_eq!(row("individual").remaining, Some(2));
    assert!(row("individual").available);
    assert_eq!(row("t-shirt").remaining, Some(2));
    assert_eq!(inv.global_sold(at(1)), 3);
    assert_eq!(inv.global_remaining(at(1)), Some(7));
    // After bo's hold expired.
    assert_eq!(inv.availability(at(15))[0].held, 0);

    let offer = inv.offer(&tk("individual"), uid("ana"), at(1)).unwrap();
    assert_eq!(
        offer,
        Offer {
            product: tk("individual"),
            name: "individual".into(),
            unit_price: rust_decimal::Decimal::new(10_000, 2),
            unavailable: None,
            remaining: Some(2),
            limit_per_user: Some(10),
            purchased: 2,
            requires_voucher: false,
            requires: vec![],
            global_remaining: Some(7),
            total_capacity: 10,
        }
    );
    let shirt = inv
        .offer(&ProductRef::addon("t-shirt"), uid("ana"), at(1))
        .unwrap();
    assert_eq!(shirt.requires, vec!["individual".to_string()]);
    assert_eq!((shirt.limit_per_user, shirt.remaining), (None, Some(2)));
    assert!(inv.offer(&tk("student"), uid("ana"), at(1)).is_none());
}

#[test]
fn cat_4_an_offer_says_why_a_product_is_unavailable() {
    let mut off = addon("mug", &[]);
    off.is_active = false;
    let inv = state(&history(vec![
        define_ticket(limited("individual", 1)),
        (t0(), InventoryCommand::DefineAddon { addon: off }),
        (t0(), hold_cmd(1, "ana", &[(tk("individual"), 1)], None, 15)),
    ]));
    assert_eq!(
        inv.offer(&tk("individual"), uid("bo"), at(1))
            .and_then(|o| o.unavailable),
        Some("Ticket type 'individual' is not available.".into())
    );
    assert_eq!(
        inv.offer(&ProductRef::addon("mug"), uid("bo"), at(1))
            .and_then(|o| o.unavailable),
        Some("Add-on 'mug' is not active.".into())
    );
    assert_eq!(
        inv.offer(&tk("individual"), uid("bo"), at(15))
            .and_then(|o| o.unavailable),
        None
    );
}
