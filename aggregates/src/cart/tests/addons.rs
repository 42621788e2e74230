use super::*;

#[test]
fn cart_20_adds_an_add_on_with_its_prerequisites() {
    let standard = ticket("standard", 100);
    let dinner = addon("dinner", 40, &["standard"]);
    framework()
        .given(vec![opened(), added("i1", &standard, 1)])
        .when(add_addon("i2", dinner.clone(), 1))
        .then_expect_events(vec![added("i2", &dinner, 1)]);
}

#[test]
fn cart_20_refuses_a_quantity_below_one() {
    framework()
        .given(vec![opened()])
        .when(add_addon("i1", addon("tshirt", 20, &[]), 0))
        .then_expect_error(CartError::QuantityTooLow);
}

#[test]
fn cart_20_refuses_a_product_that_is_not_an_add_on() {
    framework()
        .given(vec![opened()])
        .when(add_addon("i1", ticket("standard", 100), 1))
        .then_expect_error(CartError::AddonNotFound);
}

#[test]
fn cart_20_refuses_an_unavailable_add_on_with_its_cat_7_message() {
    let mut offer = addon("tshirt", 20, &["standard"]);
    offer.unavailable = Some("Add-on 'tshirt' is not yet available.".into());
    framework()
        .given(vec![opened()])
        .when(add_addon("i1", offer, 1))
        .then_expect_error(CartError::AddonUnavailable {
            message: "Add-on 'tshirt' is not yet available.".into(),
        });
}

#[test]
fn cart_21_requires_one_of_the_prerequisite_tickets() {
    let student = ticket("student", 50);
    let error = CartError::AddonRequiresTicket {
        name: "dinner".into(),
        required: "speaker, standard".into(),
    };
    assert_eq!(
        error.to_string(),
        "Add-on 'dinner' requires one of the following ticket types in your cart: speaker, standard."
    );
    framework()
        .given(vec![opened(), added("i1", &student, 1)])
        .when(add_addon(
            "i2",
            addon("dinner", 40, &["standard", "speaker"]),
            1,
        ))
        .then_expect_error(error);
}

#[test]
fn cart_21_one_prerequisite_is_enough() {
    let speaker = ticket("speaker", 0);
    let dinner = addon("dinner", 40, &["standard", "speaker"]);
    framework()
        .given(vec![opened(), added("i1", &speaker, 1)])
        .when(add_addon("i2", dinner.clone(), 2))
        .then_expect_events(vec![added("i2", &dinner, 2)]);
}

#[test]
fn cart_22_refuses_more_than_remaining_counting_the_cart() {
    let mut tshirt = addon("tshirt", 20, &[]);
    tshirt.remaining = Some(2);
    framework()
        .given(vec![opened(), added("i1", &tshirt, 1)])
        .when(add_addon("i2", tshirt, 2))
        .then_expect_error(CartError::AddonStock {
            name: "tshirt".into(),
            remaining: 2,
        });
}

#[test]
fn cart_23_add_ons_ignore_capacity_and_per_user_limits() {
    let mut tshirt = addon("tshirt", 20, &[]);
    tshirt.global_remaining = Some(0);
    tshirt.total_capacity = 10;
    tshirt.limit_per_user = Some(1);
    framework()
        .given(vec![opened()])
        .when(add_addon("i1", tshirt.clone(), 3))
        .then_expect_events(vec![added("i1", &tshirt, 3)]);
}

#[test]
fn cart_25_refuses_to_remove_an_unknown_item() {
    framework()
        .given(vec![opened()])
        .when(CartCommand::RemoveItem { item_id: id("i1") })
        .then_expect_error(CartError::ItemNotFound);
}

#[test]
fn cart_26_removing_a_ticket_removes_the_add_ons_it_enabled() {
    let standard = ticket("standard", 100);
    let student = ticket("student", 50);
    let dinner = addon("dinner", 40, &["standard"]);
    let party = addon("party", 10, &["standard", "student"]);
    let tshirt = addon("tshirt", 20, &[]);
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 1),
            added("i2", &student, 1),
            added("i3", &dinner, 1),
            added("i4", &party, 1),
            added("i5", &tshirt, 1),
        ])
        .when(CartCommand::RemoveItem { item_id: id("i1") })
        .then_expect_events(vec![
            removed("i1", standard.product, false),
            removed("i3", dinner.product, true),
        ]);
}

#[test]
fn cart_26_updating_a_ticket_to_zero_cascades_too() {
    let standard = ticket("standard", 100);
    let dinner = addon("dinner", 40, &["standard"]);
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 1),
            added("i2", &dinner, 1),
        ])
        .when(update("i1", standard.clone(), 0))
        .then_expect_events(vec![
            removed("i1", standard.product, false),
            removed("i2", dinner.product, true),
        ]);
}

#[test]
fn cart_26_removing_an_add_on_removes_only_it() {
    let standard = ticket("standard", 100);
    let dinner = addon("dinner", 40, &["standard"]);
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 1),
            added("i2", &dinner, 1),
        ])
        .when(CartCommand::RemoveItem { item_id: id("i2") })
        .then_expect_events(vec![removed("i2", dinner.product, false)]);
}

#[test]
fn cart_29_updating_an_add_on_checks_its_stock_only() {
    let tshirt = addon("tshirt", 20, &["standard"]);
    let mut low = tshirt.clone();
    low.remaining = Some(2);
    low.unavailable = Some("Add-on 'tshirt' is no longer available.".into());
    let given = vec![opened(), added("i1", &tshirt, 1)];
    framework()
        .given(given.clone())
        .when(update("i1", low.clone(), 3))
        .then_expect_error(CartError::AddonStock {
            name: "tshirt".into(),
            remaining: 2,
        });
    framework()
        .given(given)
        .when(update("i1", low, 2))
        .then_expect_events(vec![changed("i1", 2, 20)]);
}
