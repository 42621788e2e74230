use tessera_aggregates::order::{RefundTo, VoucherDetails};

use super::*;
use crate::fold_all;
use crate::testing::order::{cancelled, line, o, paid, payment, placed, refunded};
use crate::testing::{
    Logged, assert_round_trip, d, documents, fold_in_batches, log, other_conf, user,
};
use crate::testing::{at, conf};

fn regular(voucher: &str) -> tessera_aggregates::order::OrderLine {
    line(
        ProductRef::ticket("regular"),
        "Regular",
        "100.00",
        1,
        voucher,
    )
}

/// Six orders of one conference, one of another:
/// A paid, B partially refunded, C refunded, D cancelled, E expired then paid late,
/// F pending.
fn history() -> Vec<Logged> {
    let mut events = vec![
        o(
            "A",
            placed(
                conf(),
                "A",
                user("ana"),
                vec![
                    regular("10.00"),
                    line(ProductRef::addon("tshirt"), "T-shirt", "20.00", 2, "4.00"),
                ],
                Some("EARLY"),
                1,
            ),
        ),
        o(
            "A",
            payment("a", PaymentMethod::Stripe, "126.00", Some("pi_a"), None),
        ),
        o("A", paid(user("ana"))),
        o(
            "B",
            placed(conf(), "B", user("bo"), vec![regular("0")], None, 1),
        ),
        o(
            "B",
            payment("b", PaymentMethod::Manual, "100.00", None, None),
        ),
        o("B", paid(user("bo"))),
        o(
            "B",
            refunded(
                "b",
                "40.00",
                RefundTo::Credit,
                OrderStatus::PartiallyRefunded,
            ),
        ),
        o(
            "C",
            placed(
                conf(),
                "C",
                user("cy"),
                vec![regular("10.00")],
                Some("EARLY"),
                2,
            ),
        ),
        o(
            "C",
            payment("c", PaymentMethod::Stripe, "90.00", Some("pi_c"), None),
        ),
        o("C", paid(user("cy"))),
        o(
            "C",
            refunded("c", "90.00", RefundTo::Card, OrderStatus::Refunded),
        ),
        o(
            "D",
            placed(
                conf(),
                "D",
                user("di"),
                vec![regular("10.00")],
                Some("EARLY"),
                2,
            ),
        ),
        o("D", cancelled(CancelReason::Cancelled, Some("EARLY"))),
        o(
            "E",
            placed(conf(), "E", user("ed"), vec![regular("0")], None, 3),
        ),
        o("E", cancelled(CancelReason::Expired, None)),
        o(
            "E",
            payment("e", PaymentMethod::Stripe, "100.00", Some("pi_e"), None),
        ),
        o(
            "E",
            OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: crate::testing::order::payment_id("e"),
                status: OrderStatus::Cancelled,
                at: at(3, 11),
            },
        ),
        o(
            "F",
            placed(conf(), "F", user("fa"), vec![regular("0")], None, 3),
        ),
    ];
    let g = |e| Logged {
        conference: Some(other_conf()),
        ..o("G", e)
    };
    events.push(g(placed(
        other_conf(),
        "G",
        user("ana"),
        vec![regular("0")],
        None,
        1,
    )));
    events.push(g(payment(
        "g",
        PaymentMethod::Stripe,
        "100.00",
        Some("pi_g"),
        None,
    )));
    events.push(g(paid(user("ana"))));
    events
}

fn sales(rows: &Rows<SalesRows>, conference: Uuid) -> SalesRow {
    match rows.get(&sales_key(conference)) {
        Some(SalesRows::Sales(s)) => s.clone(),
        other => panic!("sales missing: {other:?}"),
    }
}

#[test]
fn ana_14_orders_are_counted_by_status_and_revenue_is_the_paid_set() {
    let s = sales(&fold_all::<Sales>(&log(history())), conf());
    assert_eq!(s.orders_placed, 6);
    assert_eq!(s.orders_pending, 1);
    assert_eq!(s.orders_paid, 1);
    assert_eq!(s.orders_partially_refunded, 1);
    assert_eq!(s.orders_refunded, 1);
    assert_eq!(s.orders_cancelled, 1);
    assert_eq!(s.orders_expired, 1);
    assert_eq!(s.orders_flagged_for_refund, 1, "AMB-6");
    assert_eq!(s.revenue, d("226.00"), "A + B: paid and partially refunded");
    assert_eq!(s.revenue_paid_only, d("126.00"), "ANA-34: paid only");
}

#[test]
fn ana_22_discounts_and_ana_26_voucher_impact_count_the_paid_set() {
    let s = sales(&fold_all::<Sales>(&log(history())), conf());
    assert_eq!(s.gross, d("240.00"));
    assert_eq!(s.discounts, d("14.00"));
    assert_eq!(s.orders_with_discount, 1);
    // DISC-6: D's cancellation gave its use back; C's refund did not.
    assert_eq!(s.vouchers_used, 2);
    assert_eq!(
        s.vouchers.get("EARLY"),
        Some(&VoucherSales {
            uses: 2,
            paid_orders: 1,
            discount: d("14.00"),
            revenue: d("126.00"),
        })
    );
}

#[test]
fn ana_24_payments_count_every_order_and_refunds_are_apart() {
    let s = sales(&fold_all::<Sales>(&log(history())), conf());
    assert_eq!(s.payments_total, d("416.00"));
    assert_eq!(
        s.payments_by_method.get("stripe"),
        Some(&Tally {
            count: 3,
            amount: d("316.00"),
        })
    );
    assert_eq!(
        s.payments_by_method.get("manual"),
        Some(&Tally {
            count: 1,
            amount: d("100.00"),
        })
    );
    assert_eq!(s.refunded, d("130.00"));
}

#[test]
fn ana_31_sold_quantities_per_product_and_ana_20_sales_by_date() {
    let s = sales(&fold_all::<Sales>(&log(history())), conf());
    let regular = &s.products["ticket:regular"];
    assert_eq!(regular.sold, 2, "A and B; C was fully refunded");
    assert_eq!(regular.revenue, d("190.00"));
    assert_eq!(regular.orders, 2);
    let tshirt = &s.products["addon:tshirt"];
    assert_eq!(tshirt.sold, 2);
    assert_eq!(tshirt.revenue, d("36.00"));
    assert_eq!(tshirt.name, "T-shirt");
    assert_eq!(s.products.len(), 2);
    let may_1 = at(1, 0).date_naive();
    assert_eq!(
        s.by_date.into_iter().collect::<Vec<_>>(),
        vec![(
            may_1,
            Tally {
                count: 2,
                amount: d("226.00"),
            }
        )]
    );
}

#[test]
fn another_conference_has_its_own_sales() {
    let rows = fold_all::<Sales>(&log(history()));
    let g = sales(&rows, other_conf());
    assert_eq!(g.orders_placed, 1);
    assert_eq!(g.orders_paid, 1);
    assert_eq!(g.revenue, d("100.00"));
}

#[test]
fn a_failed_refund_takes_its_amount_back_out() {
    let mut events = history();
    events.push(o(
        "C",
        OrderEvent::RefundFailed {
            refund_id: tessera_aggregates::natural_id("refund", "c"),
            amount: d("90.00"),
            reason: "declined".into(),
            status: OrderStatus::Paid,
            at: at(5, 9),
        },
    ));
    let s = sales(&fold_all::<Sales>(&log(events)), conf());
    assert_eq!(s.refunded, d("40.00"));
    assert_eq!(s.orders_refunded, 0);
    assert_eq!(s.orders_paid, 2);
    assert_eq!(s.revenue, d("316.00"));
    assert_eq!(s.products["ticket:regular"].sold, 3);
}

#[test]
fn batched_runs_with_storage_between_batches_equal_a_rebuild() {
    let events = log(history());
    let rebuilt = documents(&fold_all::<Sales>(&events));
    for batch in [1, 2, 5] {
        assert_eq!(
            documents(&fold_in_batches::<Sales>(&events, batch)),
            rebuilt,
            "batch {batch}"
        );
    }
}

#[test]
fn every_row_kind_survives_storage() {
    let rows = fold_all::<Sales>(&log(history()));
    assert!(rows.iter().any(|(_, r)| matches!(r, SalesRows::Sales(_))));
    assert!(rows.iter().any(|(_, r)| matches!(r, SalesRows::Track(_))));
    assert_round_trip(&rows);
}

#[test]
fn voucher_details_are_not_needed_to_count_a_use() {
    // An order whose voucher code is empty carries no use.
    let mut e = placed(conf(), "H", user("hu"), vec![regular("0")], None, 1);
    if let OrderEvent::OrderPlaced(placed) = &mut e {
        placed.voucher_code = Some(String::new());
        placed.voucher_details = None::<VoucherDetails>;
    }
    let s = sales(&fold_all::<Sales>(&log(vec![o("H", e)])), conf());
    assert_eq!(s.vouchers_used, 0);
    assert!(s.vouchers.is_empty());
}
