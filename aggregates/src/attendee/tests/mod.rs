use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::pricing::ProductRef;

mod scans;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()
}

fn id(name: &str) -> Uuid {
    crate::natural_id("test", name)
}

fn ticket(slug: &str, name: &str, quantity: u32) -> AttendeeProduct {
    AttendeeProduct {
        product: ProductRef::ticket(slug),
        name: name.into(),
        quantity,
    }
}

fn addon(slug: &str, name: &str, quantity: u32) -> AttendeeProduct {
    AttendeeProduct {
        product: ProductRef::addon(slug),
        name: name.into(),
        quantity,
    }
}

fn register(order: &str, products: Vec<AttendeeProduct>) -> AttendeeCommand {
    AttendeeCommand::Register {
        conference_id: id("conf"),
        user: id("ana"),
        order_id: id(order),
        access_code: "A1B2C3D4".into(),
        products,
    }
}

fn registered() -> AttendeeEvent {
    AttendeeEvent::AttendeeRegistered {
        conference_id: id("conf"),
        user: id("ana"),
        access_code: "A1B2C3D4".into(),
        at: t0(),
    }
}

fn order_added(order: &str, products: Vec<AttendeeProduct>) -> AttendeeEvent {
    AttendeeEvent::AttendeeOrderAdded {
        order_id: id(order),
        products,
        at: t0(),
    }
}

fn order_removed(order: &str) -> AttendeeEvent {
    AttendeeEvent::AttendeeOrderRemoved {
        order_id: id(order),
        at: t0(),
    }
}

/// Ana, registered by order o1: one Individual ticket and 2 lunches.
fn ana() -> Vec<AttendeeEvent> {
    vec![
        registered(),
        order_added(
            "o1",
            vec![
                ticket("individual", "Individual", 1),
                addon("lunch", "Lunch", 2),
            ],
        ),
    ]
}

fn checked_in(number: u32) -> AttendeeEvent {
    AttendeeEvent::AttendeeCheckedIn {
        number,
        station: "main".into(),
        by: id("staff"),
        note: String::new(),
        at: t0(),
    }
}

fn check_in() -> AttendeeCommand {
    AttendeeCommand::CheckIn {
        station: "main".into(),
        by: id("staff"),
        note: String::new(),
    }
}

fn redeem(slug: &str, quantity: u32) -> AttendeeCommand {
    AttendeeCommand::Redeem {
        product: ProductRef::addon(slug),
        quantity,
        station: "lunch-hall".into(),
        by: id("staff"),
    }
}

fn redeemed(slug: &str, quantity: u32) -> AttendeeEvent {
    AttendeeEvent::ProductRedeemed {
        product: ProductRef::addon(slug),
        quantity,
        station: "lunch-hall".into(),
        by: id("staff"),
        at: t0(),
    }
}

fn framework() -> TestFramework<Attendee> {
    TestFramework::with(DomainServices::at(t0()))
}

fn fold(events: Vec<AttendeeEvent>) -> Attendee {
    let mut attendee = Attendee::default();
    events.into_iter().for_each(|e| attendee.evolve(e));
    attendee
}

#[test]
fn att_1_the_stream_id_is_one_per_conference_and_user() {
    assert_eq!(
        attendee_id(id("conf"), id("ana")),
        attendee_id(id("conf"), id("ana"))
    );
    assert_ne!(
        attendee_id(id("conf"), id("ana")),
        attendee_id(id("conf2"), id("ana"))
    );
    assert_eq!(
        attendee_id(id("conf"), id("ana")),
        crate::natural_id("attendee", &format!("{}/{}", id("conf"), id("ana")))
    );
}

#[test]
fn att_3_the_first_paid_order_registers_the_attendee() {
    let products = vec![
        ticket("individual", "Individual", 1),
        addon("lunch", "Lunch", 2),
    ];
    framework()
        .given_no_previous_events()
        .when(register("o1", products.clone()))
        .then_expect_events(vec![registered(), order_added("o1", products)]);
    let ana = fold(ana());
    assert!(ana.completed_registration());
    assert_eq!(ana.current_order(), Some(id("o1")));
    assert_eq!(ana.access_code(), "A1B2C3D4");
}

#[test]
fn att_2_refuses_an_access_code_that_is_not_8_of_a_z_0_9() {
    for bad in ["a1b2c3d4", "A1B2C3D", "A1B2C3D4E", "A1B2-3D4"] {
        assert!(!is_valid_access_code(bad), "{bad}");
    }
    let mut cmd = register("o1", vec![]);
    if let AttendeeCommand::Register { access_code, .. } = &mut cmd {
        *access_code = "short".into();
    }
    framework()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(AttendeeError::InvalidAccessCode);
}

#[test]
fn att_3_another_paid_order_adds_its_products_and_keeps_the_access_code() {
    let mut cmd = register("o2", vec![addon("lunch", "Lunch", 1)]);
    if let AttendeeCommand::Register { access_code, .. } = &mut cmd {
        *access_code = "ZZZZZZZZ".into();
    }
    framework()
        .given(ana())
        .when(cmd)
        .then_expect_events(vec![order_added("o2", vec![addon("lunch", "Lunch", 1)])]);
    let mut history = ana();
    history.push(order_added("o2", vec![addon("lunch", "Lunch", 1)]));
    let ana = fold(history);
    assert_eq!(ana.access_code(), "A1B2C3D4");
    assert_eq!(ana.current_order(), Some(id("o2")));
    assert_eq!(ana.held(&ProductRef::addon("lunch")), 3);
}

#[test]
fn att_3_a_re_sent_order_is_a_no_op() {
    framework()
        .given(ana())
        .when(register("o1", vec![addon("lunch", "Lunch", 2)]))
        .then_expect_events(vec![]);
}

#[test]
fn att_1_refuses_a_registration_for_another_user() {
    let mut cmd = register("o2", vec![]);
    if let AttendeeCommand::Register { user, .. } = &mut cmd {
        *user = id("bo");
    }
    framework()
        .given(ana())
        .when(cmd)
        .then_expect_error(AttendeeError::IdentityMismatch);
}

#[test]
fn att_11_commands_on_a_missing_attendee_are_not_found() {
    framework()
        .given_no_previous_events()
        .when(check_in())
        .then_expect_error(AttendeeError::NotFound);
    assert!(AttendeeError::NotFound.is_not_found());
    assert_eq!(AttendeeError::NotFound.to_string(), "Attendee not found");
}

#[test]
fn att_12_a_fully_refunded_order_stops_counting() {
    framework()
        .given(ana())
        .when(AttendeeCommand::RemoveOrder { order_id: id("o1") })
        .then_expect_events(vec![order_removed("o1")]);
    let mut history = ana();
    history.push(order_added("o2", vec![addon("lunch", "Lunch", 1)]));
    history.push(order_removed("o1"));
    let ana = fold(history);
    assert_eq!(ana.held(&ProductRef::addon("lunch")), 1);
    assert_eq!(ana.held(&ProductRef::ticket("individual")), 0);
    assert_eq!(ana.current_order(), Some(id("o2")));
    assert!(ana.is_eligible());
}

#[test]
fn att_12_removing_an_unknown_or_removed_order_is_a_no_op() {
    framework()
        .given([ana(), vec![order_removed("o1")]].concat())
        .when(AttendeeCommand::RemoveOrder { order_id: id("o1") })
        .then_expect_events(vec![]);
    framework()
        .given(ana())
        .when(AttendeeCommand::RemoveOrder { order_id: id("o9") })
        .then_expect_events(vec![]);
    framework()
        .given([ana(), vec![order_removed("o1")]].concat())
        .when(register("o1", vec![]))
        .then_expect_events(vec![]);
}

#[test]
fn att_error_codes_are_stable_and_prefixed() {
    let all = [
        AttendeeError::NotFound,
        AttendeeError::ProductNotInOrder,
        AttendeeError::InvalidQuantity,
        AttendeeError::OrderNotEligible(String::new()),
    ];
    assert!(all.iter().all(|e| e.code().starts_with("att.")));
    assert_eq!(
        AttendeeError::ProductNotInOrder.code(),
        "att.product_not_in_order"
    );
}
