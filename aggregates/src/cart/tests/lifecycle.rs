use super::*;

fn open(cart_id: Uuid) -> CartCommand {
    CartCommand::Open {
        cart_id,
        conference_id: conf(),
        user: user(),
        expiry_minutes: 30,
    }
}

fn opened_at_t0(cart_id: Uuid) -> CartEvent {
    CartEvent::CartOpened {
        cart_id,
        conference_id: conf(),
        user: user(),
        expires_at: mins(30),
        at: t0(),
    }
}

fn check_out(order: &str) -> CartCommand {
    CartCommand::CheckOut {
        cart_id: cart1(),
        order_id: id(order),
    }
}

fn checked_out(order: &str) -> CartEvent {
    CartEvent::CartCheckedOut {
        cart_id: cart1(),
        order_id: id(order),
        at: t0(),
    }
}

#[test]
fn cart_3_opens_a_cart_expiring_after_cart_expiry_minutes() {
    framework()
        .given_no_previous_events()
        .when(open(cart1()))
        .then_expect_events(vec![opened_at_t0(cart1())]);
}

#[test]
fn cart_3_returns_the_open_cart_without_extending_it() {
    framework()
        .given(vec![opened()])
        .when(open(id("cart-2")))
        .then_expect_events(vec![]);
}

#[test]
fn cart_3_expires_a_stale_open_cart_before_opening_a_new_one() {
    framework_at(mins(21))
        .given(vec![opened()])
        .when(open(id("cart-2")))
        .then_expect_events(vec![
            CartEvent::CartExpired {
                cart_id: cart1(),
                at: mins(21),
            },
            CartEvent::CartOpened {
                cart_id: id("cart-2"),
                conference_id: conf(),
                user: user(),
                expires_at: mins(51),
                at: mins(21),
            },
        ]);
}

#[test]
fn cart_3_a_cart_expiring_exactly_now_is_still_open() {
    framework_at(mins(20))
        .given(vec![opened()])
        .when(open(id("cart-2")))
        .then_expect_events(vec![]);
}

#[test]
fn cart_3_opens_a_new_cart_after_checkout() {
    let ticket = ticket("standard", 100);
    framework()
        .given(vec![
            opened(),
            added("i1", &ticket, 1),
            checked_out("order-1"),
        ])
        .when(open(id("cart-2")))
        .then_expect_events(vec![opened_at_t0(id("cart-2"))]);
}

#[test]
fn cart_3_refuses_to_reuse_a_cart_id() {
    framework_at(mins(21))
        .given(vec![opened()])
        .when(open(cart1()))
        .then_expect_error(CartError::DuplicateCartId);
}

#[test]
fn cart_2_a_cart_stream_belongs_to_one_user_and_conference() {
    framework()
        .given(vec![opened()])
        .when(CartCommand::Open {
            cart_id: id("cart-2"),
            conference_id: conf(),
            user: id("bo"),
            expiry_minutes: 30,
        })
        .then_expect_error(CartError::WrongOwner);
    assert_ne!(
        Cart::stream_id(conf(), user()),
        Cart::stream_id(conf(), id("bo"))
    );
    assert_eq!(
        Cart::stream_id(conf(), user()),
        Cart::stream_id(conf(), user())
    );
}

#[test]
fn cart_4_refuses_mutations_without_a_cart() {
    framework()
        .given_no_previous_events()
        .when(CartCommand::RemoveVoucher)
        .then_expect_error(CartError::NotFound);
}

#[test]
fn cart_4_refuses_to_modify_an_expired_cart() {
    framework_at(mins(21))
        .given(vec![opened()])
        .when(add_ticket("i1", ticket("standard", 100), 1))
        .then_expect_error(CartError::Expired);
}

#[test]
fn cart_4_checks_expiry_before_status() {
    let ticket = ticket("standard", 100);
    framework_at(mins(31))
        .given(vec![
            opened(),
            added("i1", &ticket, 1),
            checked_out("order-1"),
        ])
        .when(CartCommand::RemoveItem { item_id: id("i1") })
        .then_expect_error(CartError::Expired);
}

#[test]
fn cart_4_refuses_to_modify_a_checked_out_cart() {
    let ticket = ticket("standard", 100);
    framework()
        .given(vec![
            opened(),
            added("i1", &ticket, 1),
            checked_out("order-1"),
        ])
        .when(CartCommand::RemoveItem { item_id: id("i1") })
        .then_expect_error(CartError::NotOpen);
}

#[test]
fn cart_5_adding_slides_the_expiry() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened()])
        .when(CartCommand::AddTicket {
            item_id: id("i1"),
            offer: offer.clone(),
            quantity: 1,
            voucher: None,
            expiry_minutes: 45,
        })
        .then_expect_events(vec![CartEvent::ItemAdded {
            cart_id: cart1(),
            item_id: id("i1"),
            product: offer.product.clone(),
            name: offer.name.clone(),
            unit_price: offer.unit_price,
            quantity: 1,
            requires: Vec::new(),
            expires_at: mins(45),
            at: t0(),
        }]);
}

#[test]
fn cart_5_removing_does_not_extend_the_expiry() {
    let offer = ticket("standard", 100);
    let cart = state(vec![
        opened(),
        added("i1", &offer, 1),
        removed("i1", offer.product.clone(), false),
    ]);
    assert_eq!(cart.expires_at(), Some(mins(30)));
    framework()
        .given(vec![opened(), added("i1", &offer, 1)])
        .when(CartCommand::RemoveItem { item_id: id("i1") })
        .then_expect_events(vec![removed("i1", offer.product, false)]);
}

#[test]
fn order_4_refuses_to_check_out_a_cart_that_is_not_open() {
    let offer = ticket("standard", 100);
    framework_at(mins(21))
        .given(vec![
            opened(),
            CartEvent::CartExpired {
                cart_id: cart1(),
                at: t0(),
            },
        ])
        .when(check_out("order-1"))
        .then_expect_error(CartError::NotOpenForCheckout);
    framework()
        .given(vec![
            opened(),
            added("i1", &offer, 1),
            checked_out("order-1"),
        ])
        .when(check_out("order-2"))
        .then_expect_error(CartError::NotOpenForCheckout);
}

#[test]
fn order_4_refuses_to_check_out_an_expired_cart() {
    let offer = ticket("standard", 100);
    framework_at(mins(31))
        .given(vec![opened(), added("i1", &offer, 1)])
        .when(check_out("order-1"))
        .then_expect_error(CartError::Expired);
}

#[test]
fn order_4_refuses_to_check_out_an_empty_cart() {
    framework()
        .given(vec![opened()])
        .when(check_out("order-1"))
        .then_expect_error(CartError::Empty);
}

#[test]
fn order_15_checkout_marks_the_cart_checked_out() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened(), added("i1", &offer, 1)])
        .when(check_out("order-1"))
        .then_expect_events(vec![checked_out("order-1")]);
    let cart = state(vec![
        opened(),
        added("i1", &offer, 1),
        checked_out("order-1"),
    ]);
    assert_eq!(cart.status(), Some(CartStatus::CheckedOut));
    assert_eq!(cart.checked_out_by(id("order-1")), Some(cart1()));
    assert_eq!(cart.current().and_then(|c| c.order_id), Some(id("order-1")));
}

#[test]
fn order_15_re_sending_the_checkout_step_is_a_no_op() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![
            opened(),
            added("i1", &offer, 1),
            checked_out("order-1"),
            opened_at_t0(id("cart-2")),
        ])
        .when(check_out("order-1"))
        .then_expect_events(vec![]);
}

#[test]
fn order_4_refuses_to_check_out_a_cart_that_was_replaced() {
    framework()
        .given(vec![opened_at_t0(id("cart-2"))])
        .when(check_out("order-1"))
        .then_expect_error(CartError::Replaced);
}

#[test]
fn cart_3_expire_expires_a_stale_open_cart_only() {
    framework_at(mins(21))
        .given(vec![opened()])
        .when(CartCommand::Expire)
        .then_expect_events(vec![CartEvent::CartExpired {
            cart_id: cart1(),
            at: mins(21),
        }]);
    framework()
        .given(vec![opened()])
        .when(CartCommand::Expire)
        .then_expect_events(vec![]);
}

#[test]
fn cart_7_lines_for_pricing_use_the_latest_offer_price() {
    let standard = ticket("standard", 100);
    let tshirt = addon("tshirt", 20, &[]);
    let cart = state(vec![
        opened(),
        added("i1", &standard, 1),
        added("i2", &tshirt, 2),
        changed("i1", 3, 120),
    ]);
    let lines = cart
        .current()
        .map(CartRecord::lines_for_pricing)
        .unwrap_or_default();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].line_id, id("i1"));
    assert_eq!(lines[0].quantity, 3);
    assert_eq!(lines[0].unit_price, Decimal::from(120));
    assert_eq!(lines[1].product, ProductRef::addon("tshirt"));
    assert_eq!(cart.items()[0].line_total(), Decimal::from(360));
    assert_eq!(cart.current().map(|c| c.ticket_quantity()), Some(3));
    assert_eq!(cart.cart_id(), Some(cart1()));
    assert!(cart.is_open_at(t0()));
    assert!(!cart.is_open_at(mins(31)));
}

fn expect(items: &[(&str, u32)], voucher: Option<&str>) -> CartCommand {
    CartCommand::Expect {
        cart_id: cart1(),
        items: items.iter().map(|(n, q)| (id(n), *q)).collect(),
        voucher: voucher.map(str::to_string),
    }
}

#[test]
fn cart_3_a_sequence_opens_and_adds_in_one_decision() {
    let offer = ticket("standard", 100);
    framework()
        .given_no_previous_events()
        .when(CartCommand::Sequence(vec![
            open(cart1()),
            add_ticket("i1", offer.clone(), 2),
        ]))
        .then_expect_events(vec![
            opened_at_t0(cart1()),
            CartEvent::ItemAdded {
                cart_id: cart1(),
                item_id: id("i1"),
                product: offer.product.clone(),
                name: offer.name.clone(),
                unit_price: offer.unit_price,
                quantity: 2,
                requires: Vec::new(),
                expires_at: mins(30),
                at: t0(),
            },
        ]);
}

#[test]
fn cart_10_a_sequence_is_all_or_nothing() {
    // The open would succeed, the add is refused: nothing is written.
    framework()
        .given_no_previous_events()
        .when(CartCommand::Sequence(vec![
            open(cart1()),
            add_ticket("i1", ticket("standard", 100), 0),
        ]))
        .then_expect_error(CartError::QuantityTooLow);
}

#[test]
fn order_15_checkout_of_the_cart_as_seen_goes_through() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(CartCommand::Sequence(vec![
            expect(&[("i1", 2)], None),
            check_out("order-1"),
        ]))
        .then_expect_events(vec![checked_out("order-1")]);
}

#[test]
fn order_15_checkout_is_refused_when_the_cart_changed_since_it_was_seen() {
    let offer = ticket("standard", 100);
    let dinner = addon("dinner", 40, &["standard"]);
    // A quantity, an extra item, a voucher, another generation: each is a change.
    for (seen, voucher) in [
        (vec![("i1", 1)], None),
        (vec![("i1", 2), ("i2", 1)], None),
        (vec![("i1", 2)], Some("SAVE")),
    ] {
        framework()
            .given(vec![opened(), added("i1", &offer, 2)])
            .when(CartCommand::Sequence(vec![
                expect(&seen, voucher),
                check_out("order-1"),
            ]))
            .then_expect_error(CartError::Replaced);
    }
    framework()
        .given(vec![
            opened(),
            added("i1", &offer, 2),
            added("i2", &dinner, 1),
        ])
        .when(CartCommand::Sequence(vec![
            expect(&[("i1", 2)], None),
            check_out("order-1"),
        ]))
        .then_expect_error(CartError::Replaced);
    framework()
        .given(vec![opened_at_t0(id("cart-2"))])
        .when(expect(&[], None))
        .then_expect_error(CartError::Replaced);
}
