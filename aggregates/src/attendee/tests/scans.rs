//! ATT-12…22: check-in, door checks, redemption, badge data.

use super::*;

#[test]
fn att_13_the_first_check_in_sets_checked_in_at() {
    framework()
        .given(ana())
        .when(check_in())
        .then_expect_events(vec![checked_in(1)]);
}

#[test]
fn att_13_re_entry_appends_another_check_in() {
    framework()
        .given([ana(), vec![checked_in(1)]].concat())
        .when(check_in())
        .then_expect_events(vec![checked_in(2)]);
    let later = t0() + chrono::Duration::hours(3);
    let mut history = [ana(), vec![checked_in(1)]].concat();
    history.push(AttendeeEvent::AttendeeCheckedIn {
        number: 2,
        station: "side".into(),
        by: id("staff"),
        note: "back from lunch".into(),
        at: later,
    });
    let ana = fold(history);
    assert!(ana.checked_in());
    assert_eq!(ana.checked_in_at(), Some(t0()));
    assert_eq!(ana.check_ins().len(), 2);
    assert_eq!(ana.check_ins()[1].station, "side");
}

#[test]
fn att_12_refuses_check_in_when_every_order_was_refunded() {
    let err = AttendeeError::OrderNotEligible("Refunded".into());
    assert_eq!(
        err.to_string(),
        "Order status is 'Refunded' — check-in not allowed."
    );
    framework()
        .given([ana(), vec![order_removed("o1")]].concat())
        .when(check_in())
        .then_expect_error(err);
}

#[test]
fn att_16_a_door_check_for_a_held_product_passes() {
    framework()
        .given(ana())
        .when(AttendeeCommand::DoorCheck {
            product: ProductRef::addon("lunch"),
            station: "hall-b".into(),
            by: id("staff"),
        })
        .then_expect_events(vec![AttendeeEvent::DoorCheckPassed {
            product: ProductRef::addon("lunch"),
            station: "hall-b".into(),
            by: id("staff"),
            at: t0(),
        }]);
}

#[test]
fn att_16_a_door_check_for_a_product_not_held_is_recorded_as_denied() {
    let tutorial = ProductRef::addon("tutorial");
    let denied = AttendeeEvent::DoorCheckDenied {
        product: tutorial.clone(),
        station: "room-1".into(),
        by: id("staff"),
        at: t0(),
    };
    framework()
        .given(ana())
        .when(AttendeeCommand::DoorCheck {
            product: tutorial,
            station: "room-1".into(),
            by: id("staff"),
        })
        .then_expect_events(vec![denied.clone()]);
    let ana = fold([ana(), vec![denied.clone(), denied]].concat());
    assert_eq!(ana.door_checks().len(), 2); // ATT-16: repeats are unlimited
    assert!(!ana.door_checks()[0].admitted);
}

#[test]
fn att_20_redeems_a_held_product() {
    framework()
        .given(ana())
        .when(redeem("lunch", 1))
        .then_expect_events(vec![redeemed("lunch", 1)]);
}

#[test]
fn att_20_refuses_a_product_not_in_the_order() {
    framework()
        .given(ana())
        .when(redeem("tutorial", 1))
        .then_expect_error(AttendeeError::ProductNotInOrder);
}

#[test]
fn att_20_refuses_to_redeem_beyond_the_purchased_quantity() {
    let err = AttendeeError::FullyRedeemed {
        name: "Lunch".into(),
        redeemed: 2,
        quantity: 2,
    };
    assert_eq!(err.to_string(), "Product 'Lunch' is fully redeemed (2/2).");
    framework()
        .given([ana(), vec![redeemed("lunch", 1), redeemed("lunch", 1)]].concat())
        .when(redeem("lunch", 1))
        .then_expect_error(err);
    framework()
        .given([ana(), vec![redeemed("lunch", 1)]].concat())
        .when(redeem("lunch", 2))
        .then_expect_error(AttendeeError::ExceedsRemaining {
            name: "Lunch".into(),
            remaining: 1,
            requested: 2,
        });
}

#[test]
fn att_20_refuses_a_zero_quantity() {
    framework()
        .given(ana())
        .when(redeem("lunch", 0))
        .then_expect_error(AttendeeError::InvalidQuantity);
}

#[test]
fn att_21_refuses_redemption_when_every_order_was_refunded() {
    framework()
        .given([ana(), vec![order_removed("o1")]].concat())
        .when(redeem("lunch", 1))
        .then_expect_error(AttendeeError::OrderNotEligible("Refunded".into()));
}

#[test]
fn att_22_ticket_lines_may_be_redeemed_too() {
    framework()
        .given(ana())
        .when(AttendeeCommand::Redeem {
            product: ProductRef::ticket("individual"),
            quantity: 1,
            station: String::new(),
            by: id("staff"),
        })
        .then_expect_events(vec![AttendeeEvent::ProductRedeemed {
            product: ProductRef::ticket("individual"),
            quantity: 1,
            station: String::new(),
            by: id("staff"),
            at: t0(),
        }]);
}

#[test]
fn att_19_products_list_held_redeemed_and_remaining() {
    let mut history = ana();
    history.push(order_added("o2", vec![addon("lunch", "Lunch (veg)", 1)]));
    history.push(redeemed("lunch", 2));
    let ana = fold(history);
    assert_eq!(
        ana.products(),
        vec![
            ProductBalance {
                product: ProductRef::ticket("individual"),
                name: "Individual".into(),
                quantity: 1,
                redeemed: 0,
                remaining: 1,
            },
            ProductBalance {
                product: ProductRef::addon("lunch"),
                name: "Lunch (veg)".into(),
                quantity: 3,
                redeemed: 2,
                remaining: 1,
            },
        ]
    );
}

#[test]
fn att_15_badge_ticket_label_is_the_first_ticket_else_general_admission() {
    assert_eq!(fold(ana()).ticket_type_label(), "Individual");
    let addon_only = fold(vec![
        registered(),
        order_added("o1", vec![addon("lunch", "Lunch", 1)]),
    ]);
    assert_eq!(addon_only.ticket_type_label(), GENERAL_ADMISSION);
}
