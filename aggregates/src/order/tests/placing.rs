use super::*;

#[test]
fn order_11_placing_starts_a_pending_order_holding_its_lines() {
    framework_at(mins(-10))
        .given_no_previous_events()
        .when(place(100))
        .then_expect_events(vec![placed(100)]);
    let order = state(vec![placed(100)]);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.total, dec(100));
    assert_eq!(order.balance, dec(100));
    assert_eq!(order.hold_expires_at, Some(mins(15)));
    assert_eq!(order.reference, "ORD-A1B2C3D4");
    assert_eq!(order.user, id("ana"));
    assert_eq!(order.conference_id, id("conf"));
    assert_eq!(order.lines.len(), 1);
    assert!(order.holds_inventory(mins(14)));
    assert!(!order.holds_inventory(mins(15)));
}

#[test]
fn order_11_re_placing_the_same_order_is_a_no_op() {
    framework()
        .given(vec![placed(100)])
        .when(place(100))
        .then_expect_events(vec![]);
}

#[test]
fn order_12_refuses_to_place_another_order_over_this_one() {
    framework()
        .given(vec![placed(100)])
        .when(place(90))
        .then_expect_error(OrderError::AlreadyPlaced);
}

#[test]
fn amb_3_references_are_a_prefix_and_eight_characters() {
    assert!(is_valid_reference("ORD-A1B2C3D4"));
    assert!(is_valid_reference("PYCON-US-00000000"));
    assert!(!is_valid_reference("ORD-A1B2C3"));
    assert!(!is_valid_reference("ORD-a1b2c3d4"));
    assert!(!is_valid_reference("-A1B2C3D4"));
    assert!(!is_valid_reference("A1B2C3D4"));
    let cmd = OrderCommand::Place(PlacedOrder {
        reference: "ORD-123".into(),
        ..placed_order(100)
    });
    framework()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(OrderError::InvalidReference);
}

#[test]
fn order_16_a_zero_total_order_stays_pending() {
    let order = state(vec![placed(0)]);
    assert_eq!(order.status, OrderStatus::Pending);
}

#[test]
fn order_2_commands_need_a_placed_order() {
    framework()
        .given_no_previous_events()
        .when(OrderCommand::Cancel { by: None })
        .then_expect_error(OrderError::NotFound);
}
