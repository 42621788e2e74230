//! PAY-39: the terminal's cart update replaces every item, unchecked.

use super::*;

fn item(name: &str, offer: Offer, quantity: i64) -> ReplacementItem {
    ReplacementItem {
        item_id: id(name),
        offer,
        quantity,
    }
}

fn replace(items: Vec<ReplacementItem>) -> CartCommand {
    CartCommand::ReplaceItems {
        items,
        expiry_minutes: 30,
    }
}

/// A ticket no check would let into a cart: inactive, out of stock, past the
/// per-user limit, voucher-only, and the conference full.
fn unsellable_ticket() -> Offer {
    Offer {
        unavailable: Some("Ticket type 'vip' is not available.".into()),
        remaining: Some(0),
        limit_per_user: Some(1),
        purchased: 3,
        requires_voucher: true,
        global_remaining: Some(0),
        total_capacity: 100,
        ..ticket("vip", 300)
    }
}

#[test]
fn pay_39_adds_the_listed_products_without_stock_limit_window_or_capacity_checks() {
    let vip = unsellable_ticket();
    let dinner = Offer {
        remaining: Some(0),
        unavailable: Some("Add-on 'dinner' is not active.".into()),
        ..addon("dinner", 40, &["standard"])
    };
    framework()
        .given(vec![opened()])
        .when(replace(vec![
            item("i1", vip.clone(), 3),
            item("i2", dinner.clone(), 2),
        ]))
        .then_expect_events(vec![added("i1", &vip, 3), added("i2", &dinner, 2)]);
}

#[test]
fn pay_39_replaces_every_item_of_the_cart() {
    let standard = ticket("standard", 100);
    let dinner = addon("dinner", 40, &["standard"]);
    let tshirt = addon("tshirt", 20, &[]);
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 2),
            added("i2", &dinner, 1),
        ])
        .when(replace(vec![
            item("new-standard", ticket("standard", 110), 5),
            item("i3", tshirt.clone(), 1),
        ]))
        .then_expect_events(vec![
            removed("i2", dinner.product.clone(), false),
            changed("i1", 5, 110),
            added("i3", &tshirt, 1),
        ]);
}

#[test]
fn pay_39_replacing_with_what_the_cart_holds_changes_nothing() {
    let standard = ticket("standard", 100);
    framework()
        .given(vec![opened(), added("i1", &standard, 2)])
        .when(replace(vec![item("other", standard.clone(), 2)]))
        .then_expect_events(vec![]);
}

#[test]
fn pay_39_an_empty_list_empties_the_cart() {
    let standard = ticket("standard", 100);
    let dinner = addon("dinner", 40, &["standard"]);
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 2),
            added("i2", &dinner, 1),
        ])
        .when(replace(vec![]))
        .then_expect_events(vec![
            removed("i1", standard.product.clone(), false),
            removed("i2", dinner.product.clone(), false),
        ]);
}

#[test]
fn pay_39_a_product_listed_twice_is_one_item_and_zero_lists_nothing() {
    let standard = ticket("standard", 100);
    let dinner = addon("dinner", 40, &[]);
    framework()
        .given(vec![opened(), added("i2", &dinner, 1)])
        .when(replace(vec![
            item("i1", standard.clone(), 1),
            item("i9", dinner.clone(), 0),
            item("i8", standard.clone(), 2),
            item("i7", ticket("student", 50), -1),
        ]))
        .then_expect_events(vec![
            removed("i2", dinner.product.clone(), false),
            added("i1", &standard, 3),
        ]);
}

#[test]
fn pay_39_refuses_a_new_item_id_already_in_use() {
    let standard = ticket("standard", 100);
    framework()
        .given(vec![opened(), added("i1", &standard, 1)])
        .when(replace(vec![
            item("i1", standard.clone(), 1),
            item("i1", addon("dinner", 40, &[]), 1),
        ]))
        .then_expect_error(CartError::DuplicateItemId);
    framework()
        .given(vec![opened()])
        .when(replace(vec![
            item("i1", standard, 1),
            item("i1", addon("dinner", 40, &[]), 1),
        ]))
        .then_expect_error(CartError::DuplicateItemId);
}

#[test]
fn pay_39_only_the_open_cart_is_replaced() {
    let standard = ticket("standard", 100);
    framework_at(mins(21))
        .given(vec![opened()])
        .when(replace(vec![item("i1", standard.clone(), 1)]))
        .then_expect_error(CartError::Expired);
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 1),
            CartEvent::CartCheckedOut {
                cart_id: cart1(),
                order_id: id("order-1"),
                at: t0(),
            },
        ])
        .when(replace(vec![item("i2", standard.clone(), 1)]))
        .then_expect_error(CartError::NotOpen);
    framework()
        .given_no_previous_events()
        .when(replace(vec![item("i1", standard, 1)]))
        .then_expect_error(CartError::NotFound);
}

/// PAY-39: the terminal opens the target user's cart (CART-3) and fills it in one
/// decision; after a checkout that is a new cart.
#[test]
fn pay_39_the_desk_opens_a_new_cart_after_a_checkout_and_fills_it() {
    let standard = ticket("standard", 100);
    let cart2 = id("cart-2");
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 1),
            CartEvent::CartCheckedOut {
                cart_id: cart1(),
                order_id: id("order-1"),
                at: t0(),
            },
        ])
        .when(CartCommand::Sequence(vec![
            CartCommand::Open {
                cart_id: cart2,
                conference_id: conf(),
                user: user(),
                expiry_minutes: 30,
            },
            replace(vec![item("i2", standard.clone(), 2)]),
        ]))
        .then_expect_events(vec![
            CartEvent::CartOpened {
                cart_id: cart2,
                conference_id: conf(),
                user: user(),
                expires_at: mins(30),
                at: t0(),
            },
            CartEvent::ItemAdded {
                cart_id: cart2,
                item_id: id("i2"),
                product: standard.product.clone(),
                name: standard.name.clone(),
                unit_price: standard.unit_price,
                quantity: 2,
                requires: Vec::new(),
                expires_at: mins(30),
                at: t0(),
            },
        ]);
}
