use tessera_aggregates::order::{
    AttemptStatus, CancelReason, PaymentMethod, PaymentStatus, RefundTo,
};
use tessera_aggregates::pricing::ProductRef;

use super::*;
use crate::testing::order::{
    cancelled, line, o, order_id, paid, payment, payment_id, placed, refunded,
};
use crate::testing::{Logged, assert_round_trip, at, conf, d, log, other_conf, user};
use crate::{EventMeta, fold_all};

fn order(rows: &Rows<OrdersRow>, reference: &str) -> OrderRecord {
    match rows.get(&order_key(conf(), order_id(reference))) {
        Some(OrdersRow::Order(o)) => o.clone(),
        other => panic!("order {reference} missing: {other:?}"),
    }
}

fn conference_orders(rows: &Rows<OrdersRow>, conference: Uuid) -> Vec<OrderRecord> {
    rows.with_prefix(&orders_prefix(conference))
        .filter_map(|(_, r)| match r {
            OrdersRow::Order(o) => Some(o.clone()),
            _ => None,
        })
        .collect()
}

fn card_order() -> Vec<Logged> {
    vec![
        o(
            "ORD-AAAA1111",
            placed(
                conf(),
                "ORD-AAAA1111",
                user("ana"),
                vec![
                    line(
                        ProductRef::ticket("regular"),
                        "Regular",
                        "100.00",
                        1,
                        "10.00",
                    ),
                    line(ProductRef::addon("tshirt"), "T-shirt", "20.00", 2, "4.00"),
                ],
                Some("EARLY"),
                1,
            ),
        ),
        o(
            "ORD-AAAA1111",
            OrderEvent::PaymentAttemptStarted {
                attempt_id: natural("attempt-1"),
                idempotency_key: "ORD-AAAA1111".into(),
                amount: d("126.00"),
                at: at(1, 9),
            },
        ),
        o(
            "ORD-AAAA1111",
            OrderEvent::PaymentIntentCreated {
                attempt_id: natural("attempt-1"),
                payment_intent_id: "pi_1".into(),
                client_secret: "pi_1_secret_x".into(),
                at: at(1, 9),
            },
        ),
        o(
            "ORD-AAAA1111",
            payment("card", PaymentMethod::Stripe, "126.00", Some("pi_1"), None),
        ),
        o("ORD-AAAA1111", paid(user("ana"))),
    ]
}

fn natural(name: &str) -> Uuid {
    tessera_aggregates::natural_id("test", name)
}

#[test]
fn order_11_a_placed_order_is_pending_with_its_pricing_and_a_reference_pointer() {
    let rows = fold_all::<Orders>(&log(card_order()[..1].to_vec()));
    let o = order(&rows, "ORD-AAAA1111");
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(o.subtotal, d("140.00"));
    assert_eq!(o.discount_amount, d("14.00"));
    assert_eq!(o.total, d("126.00"));
    assert_eq!(o.balance, d("126.00"));
    assert_eq!(o.voucher_code.as_deref(), Some("EARLY"));
    assert_eq!(o.hold_expires_at, Some(at(1, 10)));
    assert_eq!(o.lines.len(), 2);
    assert_eq!(
        rows.get(&ref_key("ORD-AAAA1111")),
        Some(&OrdersRow::Ref(OrderRef {
            conference_id: conf(),
            order_id: order_id("ORD-AAAA1111"),
        }))
    );
}

#[test]
fn pay_45_a_card_payment_pays_the_order_and_settles_its_attempt() {
    let rows = fold_all::<Orders>(&log(card_order()));
    let o = order(&rows, "ORD-AAAA1111");
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(o.paid_at, Some(at(2, 9)));
    assert_eq!(o.hold_expires_at, None, "ORDER-22");
    assert_eq!(o.paid, d("126.00"));
    assert_eq!(o.balance, d("0.00"));
    assert_eq!(o.payments.len(), 1);
    assert_eq!(o.payments[0].method, PaymentMethod::Stripe);
    assert_eq!(o.payments[0].stripe_payment_intent.as_deref(), Some("pi_1"));
    assert_eq!(o.attempts.len(), 1);
    assert_eq!(o.attempts[0].status, AttemptStatus::Succeeded);
    assert_eq!(o.attempts[0].payment_intent_id.as_deref(), Some("pi_1"));
    let doc = serde_json::to_string(&rows.get(&order_key(conf(), order_id("ORD-AAAA1111"))))
        .unwrap_or_default();
    assert!(
        !doc.contains("secret"),
        "no client secret in a read model: {doc}"
    );
}

/// One shape per fact: the row the orders read model serves is the record the
/// Order aggregate decides on, after the same events (only the aggregate keeps
/// the client secret, and no read model shows it).
#[test]
fn the_row_is_the_aggregates_record_after_the_same_events() {
    use cqrs_es::Aggregate;
    use tessera_aggregates::order::Order;
    let logged = card_order();
    let rows = fold_all::<Orders>(&log(card_order()));
    let mut aggregate = Order::default();
    for l in logged {
        if let DomainEvent::Order(e) = l.event {
            aggregate.apply(e);
        }
    }
    assert_eq!(&order(&rows, "ORD-AAAA1111"), aggregate.record());
    assert_eq!(aggregate.record().status, OrderStatus::Paid);
    assert!(aggregate.client_secret(natural("attempt-1")).is_some());
}

#[test]
fn pay_29_refunds_move_the_status_and_a_failed_card_refund_is_undone() {
    let mut events = card_order();
    events.extend([
        o(
            "ORD-AAAA1111",
            refunded(
                "r1",
                "26.00",
                RefundTo::Credit,
                OrderStatus::PartiallyRefunded,
            ),
        ),
        o(
            "ORD-AAAA1111",
            refunded("r2", "100.00", RefundTo::Card, OrderStatus::Refunded),
        ),
        o(
            "ORD-AAAA1111",
            OrderEvent::RefundFailed {
                refund_id: tessera_aggregates::natural_id("refund", "r2"),
                amount: d("100.00"),
                reason: "card declined".into(),
                status: OrderStatus::PartiallyRefunded,
                at: at(4, 10),
            },
        ),
    ]);
    let rows = fold_all::<Orders>(&log(events));
    let o = order(&rows, "ORD-AAAA1111");
    assert_eq!(o.status, OrderStatus::PartiallyRefunded);
    assert_eq!(o.refunded, d("26.00"));
    assert_eq!(o.refunds.len(), 2);
    assert!(o.refunds[1].failed);
    assert_eq!(
        serde_json::to_value(o.status).unwrap_or_default(),
        "partially_refunded"
    );
}

#[test]
fn pay_47_a_stripe_refund_marks_the_card_payment_refunded() {
    let mut events = card_order();
    events.push(o(
        "ORD-AAAA1111",
        OrderEvent::StripeRefundRecorded {
            stripe_refund_id: "re_1".into(),
            payment_intent_id: "pi_1".into(),
            amount: d("126.00"),
            payment_refunded: true,
            status: OrderStatus::Refunded,
            at: at(5, 9),
        },
    ));
    let rows = fold_all::<Orders>(&log(events));
    let o = order(&rows, "ORD-AAAA1111");
    assert_eq!(o.status, OrderStatus::Refunded);
    assert_eq!(o.refunded, d("126.00"));
    assert_eq!(o.payments[0].status, PaymentStatus::Refunded);
    assert_eq!(o.paid, d("126.00"), "refunds are counted apart (PAY-2)");
}

#[test]
fn amb_6_a_payment_after_expiry_is_recorded_and_flags_the_order_for_refund() {
    let credit = natural("credit");
    let events = vec![
        o(
            "ORD-BBBB2222",
            placed(
                conf(),
                "ORD-BBBB2222",
                user("bo"),
                vec![line(
                    ProductRef::ticket("regular"),
                    "Regular",
                    "100.00",
                    1,
                    "0",
                )],
                None,
                1,
            ),
        ),
        o(
            "ORD-BBBB2222",
            payment("credit", PaymentMethod::Credit, "30.00", None, Some(credit)),
        ),
        o("ORD-BBBB2222", cancelled(CancelReason::Expired, None)),
        o(
            "ORD-BBBB2222",
            OrderEvent::CreditPaymentReversed {
                payment_id: payment_id("credit"),
                credit_id: credit,
                amount: d("30.00"),
                at: at(3, 9),
            },
        ),
        o(
            "ORD-BBBB2222",
            payment("late", PaymentMethod::Stripe, "100.00", Some("pi_2"), None),
        ),
        o(
            "ORD-BBBB2222",
            OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: payment_id("late"),
                status: OrderStatus::Cancelled,
                at: at(3, 10),
            },
        ),
        o(
            "ORD-BBBB2222",
            OrderEvent::OrderDisputed {
                dispute_id: "dp_1".into(),
                payment_intent_id: "pi_2".into(),
                amount: d("100.00"),
                reason: "fraudulent".into(),
                at: at(6, 9),
            },
        ),
    ];
    let rows = fold_all::<Orders>(&log(events));
    let o = order(&rows, "ORD-BBBB2222");
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert_eq!(o.cancel_reason, Some(CancelReason::Expired));
    assert_eq!(o.cancelled_at, Some(at(3, 9)));
    assert_eq!(o.hold_expires_at, None);
    assert!(o.flagged_for_refund);
    assert!(o.disputed);
    assert_eq!(o.payments[0].status, PaymentStatus::Refunded);
    assert!(o.payments[0].reversed);
    assert_eq!(
        o.paid,
        d("100.00"),
        "the reversed credit payment no longer counts"
    );
    assert_eq!(o.payments[0].credit_id, Some(credit));
}

#[test]
fn order_27_a_conference_lists_its_orders_and_a_user_hers() {
    let mut events = card_order();
    events.push(o(
        "ORD-CCCC3333",
        placed(
            conf(),
            "ORD-CCCC3333",
            user("bo"),
            vec![line(
                ProductRef::ticket("regular"),
                "Regular",
                "100.00",
                1,
                "0",
            )],
            None,
            2,
        ),
    ));
    events.push(Logged {
        conference: Some(other_conf()),
        ..o(
            "ORD-DDDD4444",
            placed(
                other_conf(),
                "ORD-DDDD4444",
                user("ana"),
                vec![line(
                    ProductRef::ticket("regular"),
                    "Regular",
                    "90.00",
                    1,
                    "0",
                )],
                None,
                2,
            ),
        )
    });
    let rows = fold_all::<Orders>(&log(events));
    let all = conference_orders(&rows, conf());
    assert_eq!(all.len(), 2);
    let anas: Vec<_> = all.iter().filter(|o| o.user == user("ana")).collect();
    assert_eq!(anas.len(), 1);
    assert_eq!(anas[0].reference, "ORD-AAAA1111");
    assert_eq!(conference_orders(&rows, other_conf()).len(), 1);
}

#[test]
fn later_events_fall_back_to_the_metadata_conference_without_the_pointer() {
    let events = log(card_order());
    let mut rows = fold_all::<Orders>(&events[..1]);
    rows.remove(&stream_key(&events[0].aggregate_id));
    for env in &events[1..] {
        Orders::apply(&mut rows, env);
    }
    assert_eq!(order(&rows, "ORD-AAAA1111").status, OrderStatus::Paid);

    // Without pointer nor metadata nothing can be keyed: the event is skipped.
    let mut rows = fold_all::<Orders>(&events[..1]);
    rows.remove(&stream_key(&events[0].aggregate_id));
    let mut env = events[4].clone();
    env.meta = EventMeta::default();
    Orders::apply(&mut rows, &env);
    assert_eq!(order(&rows, "ORD-AAAA1111").status, OrderStatus::Pending);
}

#[test]
fn every_row_kind_survives_storage() {
    let mut events = card_order();
    events.push(o(
        "ORD-AAAA1111",
        refunded(
            "r1",
            "26.00",
            RefundTo::Credit,
            OrderStatus::PartiallyRefunded,
        ),
    ));
    let rows = fold_all::<Orders>(&log(events));
    let kinds: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|(_, r)| match r {
            OrdersRow::Order(_) => "order",
            OrdersRow::Ref(_) => "ref",
            OrdersRow::Stream { .. } => "stream",
            OrdersRow::Product(_) => "product",
            OrdersRow::Tally(_) => "tally",
        })
        .collect();
    assert_eq!(kinds.len(), 5);
    assert_round_trip(&rows);
    // The product index rows follow their order's list fields.
    for (key, r) in rows.iter() {
        if let OrdersRow::Product(p) = r {
            let order = rows.iter().find_map(|(_, r)| match r {
                OrdersRow::Order(o) if o.id == p.order_id => Some(o),
                _ => None,
            });
            let order = order.unwrap_or_else(|| panic!("{key}: no order"));
            assert_eq!(p.status, order.status, "{key}");
            assert_eq!(p.reference, order.reference, "{key}");
            assert!(
                order
                    .lines
                    .iter()
                    .any(|l| p.product_scope.ends_with(&format!(":{}", l.product.slug))),
                "{key}"
            );
        }
    }
}

fn tally(rows: &Rows<OrdersRow>, conference: Uuid) -> Tally {
    match rows.get(&tally::tally_key(conference)) {
        Some(OrdersRow::Tally(t)) => t.clone(),
        _ => Tally::default(),
    }
}

/// ORDER-27 lists at real sizes: the orders list's total (every order, by
/// status, by ticket type, both) is the tally the fold keeps, never a count.
#[test]
fn order_27_the_tally_counts_the_conference_orders_by_status_and_ticket_type() {
    let mut events = card_order();
    events.extend([
        o(
            "ORD-AAAA1111",
            refunded(
                "r1",
                "26.00",
                RefundTo::Credit,
                OrderStatus::PartiallyRefunded,
            ),
        ),
        o(
            "ORD-CCCC3333",
            placed(
                conf(),
                "ORD-CCCC3333",
                user("bo"),
                vec![line(
                    ProductRef::ticket("student"),
                    "Student",
                    "50.00",
                    1,
                    "0",
                )],
                None,
                2,
            ),
        ),
        Logged {
            conference: Some(other_conf()),
            ..o(
                "ORD-DDDD4444",
                placed(
                    other_conf(),
                    "ORD-DDDD4444",
                    user("ana"),
                    vec![line(
                        ProductRef::ticket("regular"),
                        "Regular",
                        "90.00",
                        1,
                        "0",
                    )],
                    None,
                    2,
                ),
            )
        },
        o("ORD-CCCC3333", cancelled(CancelReason::Expired, None)),
    ]);
    let events = log(events);
    // After every event, each conference's tally is what its rows make.
    for n in 1..=events.len() {
        let rows = fold_all::<Orders>(&events[..n]);
        for c in [conf(), other_conf()] {
            assert_eq!(
                tally(&rows, c),
                Tally::of(conference_orders(&rows, c).iter().map(order_facets)),
                "after {n} events"
            );
        }
    }
    let rows = fold_all::<Orders>(&events);
    let t = tally(&rows, conf());
    let count = |status, product| t.count(&orders_facet(status, product));
    assert_eq!(count(None, None), 2);
    assert_eq!(count(Some(OrderStatus::PartiallyRefunded), None), 1);
    assert_eq!(count(Some(OrderStatus::Cancelled), None), 1);
    assert_eq!(count(Some(OrderStatus::Paid), None), 0, "it moved on");
    assert_eq!(count(Some(OrderStatus::Pending), None), 0);
    assert_eq!(count(None, Some("regular")), 1);
    assert_eq!(count(None, Some("tshirt")), 1, "add-ons are products too");
    assert_eq!(count(None, Some("student")), 1);
    assert_eq!(count(Some(OrderStatus::Cancelled), Some("student")), 1);
    assert_eq!(count(Some(OrderStatus::Cancelled), Some("regular")), 0);
    assert_eq!(
        tally(&rows, other_conf()).count(&orders_facet(None, None)),
        1
    );
}
