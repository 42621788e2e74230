//! CAT-2/3, PAY-39, AMB-6/7: a paid order that never held stock (a desk checkout,
//! ORDER-21) enters the paid set through `RecordSale`.

use super::*;

/// A line as the desk order records it: 100.00 a ticket, 25.00 an add-on.
fn line(product: ProductRef, quantity: u32) -> HeldLine {
    let unit_price = match product.kind {
        crate::pricing::ProductKind::Ticket => Decimal::new(10_000, 2),
        crate::pricing::ProductKind::Addon => Decimal::new(2_500, 2),
    };
    HeldLine {
        name: product.slug.clone(),
        product,
        unit_price,
        quantity,
    }
}

fn record(order: u128, user: &str, lines: Vec<HeldLine>) -> InventoryCommand {
    InventoryCommand::RecordSale {
        order_id: oid(order),
        user: uid(user),
        lines,
    }
}

fn recorded(order: u128, user: &str, lines: Vec<HeldLine>, oversold: bool) -> InventoryEvent {
    InventoryEvent::SaleRecorded {
        order_id: oid(order),
        user: uid(user),
        lines,
        oversold,
        at: at(1),
    }
}

/// `individual` of 3, `dinner` of 2, no capacity; then `steps`.
fn catalog_then(steps: Vec<(Timestamp, InventoryCommand)>) -> Vec<InventoryEvent> {
    let mut all = vec![
        define_ticket(limited("individual", 3)),
        (
            t0(),
            InventoryCommand::DefineAddon {
                addon: Addon {
                    total_quantity: 2,
                    ..addon("dinner", &[])
                },
            },
        ),
    ];
    all.extend(steps);
    history(all)
}

fn catalog() -> Vec<InventoryEvent> {
    catalog_then(vec![])
}

fn desk_sale() -> Vec<HeldLine> {
    vec![line(tk("individual"), 2), line(ad("dinner"), 1)]
}

fn with(given: &[InventoryEvent], more: Vec<InventoryEvent>) -> Vec<InventoryEvent> {
    given.iter().cloned().chain(more).collect()
}

#[test]
fn pay_39_a_paid_desk_order_is_recorded_as_sold() {
    framework_at(at(1))
        .given(catalog())
        .when(record(7, "ana", desk_sale()))
        .then_expect_events(vec![recorded(7, "ana", desk_sale(), false)]);

    let inv = state(&with(
        &catalog(),
        vec![recorded(7, "ana", desk_sale(), false)],
    ));
    assert_eq!(inv.sold(&tk("individual")), 2);
    assert_eq!(inv.sold(&ad("dinner")), 1);
    assert_eq!(inv.remaining(&tk("individual"), at(2)), Some(1));
    assert_eq!(inv.remaining(&ad("dinner"), at(2)), Some(1));
    assert_eq!(inv.global_sold(at(2)), 2);
    assert_eq!(inv.purchased(uid("ana"), "individual"), 2);
    assert_eq!(
        inv.purchased(uid("ana"), "dinner"),
        0,
        "CART-13: tickets only"
    );
    // Sold, never pending: nothing is held, nothing expires.
    assert_eq!(inv.held(&tk("individual"), at(2)), 0);
    assert_eq!(inv.expired_holds(at(10_000)), Vec::<Uuid>::new());
    let hold = inv.hold(oid(7)).cloned();
    assert_eq!(hold.as_ref().map(|h| h.status), Some(HoldStatus::Sold));
    // Priced as the desk prices it: no discounts, total = subtotal.
    assert_eq!(
        hold.map(|h| (h.pricing.subtotal, h.pricing.discount, h.pricing.total)),
        Some((
            Decimal::new(22_500, 2),
            Decimal::ZERO,
            Decimal::new(22_500, 2)
        ))
    );
}

#[test]
fn pay_39_recording_a_sale_again_or_for_a_held_order_is_a_no_op() {
    let sold = with(&catalog(), vec![recorded(7, "ana", desk_sale(), false)]);
    framework_at(at(2))
        .given(sold.clone())
        .when(record(7, "ana", desk_sale()))
        .then_expect_events(vec![]);
    // A later ConfirmSale of the same order finds it sold: no-op too.
    framework_at(at(2))
        .given(sold)
        .when(InventoryCommand::ConfirmSale { order_id: oid(7) })
        .then_expect_events(vec![]);
    // An order with a hold is confirmed, not recorded.
    let held = history(vec![
        define_ticket(limited("individual", 3)),
        (t0(), hold_cmd(1, "bo", &[(tk("individual"), 1)], None, 15)),
    ]);
    framework_at(at(1))
        .given(held)
        .when(record(1, "bo", vec![line(tk("individual"), 1)]))
        .then_expect_events(vec![]);
}

#[test]
fn amb_6_a_desk_sale_over_stock_is_kept_and_flagged() {
    // bo's live hold takes 2 of the 3; the desk sells 2 more.
    let given = catalog_then(vec![(
        t0(),
        hold_cmd(1, "bo", &[(tk("individual"), 2)], None, 15),
    )]);
    let sale = vec![line(tk("individual"), 2)];
    framework_at(at(1))
        .given(given.clone())
        .when(record(7, "ana", sale.clone()))
        .then_expect_events(vec![recorded(7, "ana", sale.clone(), true)]);
    let inv = state(&with(&given, vec![recorded(7, "ana", sale, true)]));
    assert_eq!(inv.remaining(&tk("individual"), at(2)), Some(-1));
    // bo's hold is untouched: still held, still counted.
    assert_eq!(inv.held(&tk("individual"), at(2)), 2);
    assert_eq!(inv.expired_holds(at(20)), vec![oid(1)]);
}

#[test]
fn amb_6_a_desk_sale_over_capacity_is_kept_and_flagged() {
    let given = history(vec![
        define_ticket(limited("individual", 0)),
        (t0(), InventoryCommand::SetCapacity { total_capacity: 1 }),
    ]);
    let sale = vec![line(tk("individual"), 2)];
    framework_at(at(1))
        .given(given)
        .when(record(7, "ana", sale.clone()))
        .then_expect_events(vec![recorded(7, "ana", sale, true)]);
}

#[test]
fn pay_39_unknown_products_and_empty_lines_are_left_out() {
    framework_at(at(1))
        .given(catalog())
        .when(record(
            7,
            "ana",
            vec![
                line(tk("nosuch"), 1),
                line(tk("individual"), 0),
                line(ad("dinner"), 1),
            ],
        ))
        .then_expect_events(vec![recorded(7, "ana", vec![line(ad("dinner"), 1)], false)]);
    framework_at(at(1))
        .given(catalog())
        .when(record(7, "ana", vec![line(tk("nosuch"), 1)]))
        .then_expect_events(vec![]);
    framework_at(at(1))
        .given(catalog())
        .when(record(7, "ana", vec![]))
        .then_expect_events(vec![]);
}

#[test]
fn cat_3_a_refunded_desk_sale_gives_its_stock_back() {
    let sold = with(&catalog(), vec![recorded(7, "ana", desk_sale(), false)]);
    framework_at(at(5))
        .given(sold.clone())
        .when(InventoryCommand::ReturnSale { order_id: oid(7) })
        .then_expect_events(vec![InventoryEvent::SaleReturned {
            order_id: oid(7),
            at: at(5),
        }]);
    let inv = state(&with(
        &sold,
        vec![InventoryEvent::SaleReturned {
            order_id: oid(7),
            at: at(5),
        }],
    ));
    assert_eq!(inv.sold(&tk("individual")), 0);
    assert_eq!(inv.remaining(&tk("individual"), at(6)), Some(3));
    assert_eq!(inv.remaining(&ad("dinner"), at(6)), Some(2));
    assert_eq!(inv.purchased(uid("ana"), "individual"), 0);
    // Returned stays returned: recording it again is a no-op.
    framework_at(at(6))
        .given(with(
            &sold,
            vec![InventoryEvent::SaleReturned {
                order_id: oid(7),
                at: at(5),
            }],
        ))
        .when(record(7, "ana", desk_sale()))
        .then_expect_events(vec![]);
}

#[test]
fn a_missing_ledger_records_nothing() {
    framework_at(at(1))
        .given_no_previous_events()
        .when(record(7, "ana", desk_sale()))
        .then_expect_error(InventoryError::NotFound);
}
