use super::*;
use crate::pricing::{ProductScope, Scope};

#[test]
fn cart_6_adds_a_new_ticket_item() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", offer.clone(), 2))
        .then_expect_events(vec![added("i1", &offer, 2)]);
}

#[test]
fn cart_6_adding_again_increments_the_item_at_the_current_price() {
    let offer = ticket("standard", 100);
    let dearer = ticket("standard", 120);
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(add_ticket("i2", dearer, 1))
        .then_expect_events(vec![changed("i1", 3, 120)]);
}

#[test]
fn cart_10_checks_the_guard_before_the_quantity() {
    framework_at(mins(21))
        .given(vec![opened()])
        .when(add_ticket("i1", ticket("standard", 100), 0))
        .then_expect_error(CartError::Expired);
}

#[test]
fn cart_10_refuses_a_quantity_below_one() {
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", ticket("standard", 100), 0))
        .then_expect_error(CartError::QuantityTooLow);
}

#[test]
fn cart_10_refuses_a_quantity_beyond_u32_rather_than_capping_it() {
    framework()
        .given(vec![opened()])
        .when(add_ticket(
            "i1",
            ticket("standard", 100),
            i64::from(u32::MAX) + 1,
        ))
        .then_expect_error(CartError::QuantityTooHigh);
}

#[test]
fn cart_10_refuses_a_product_that_is_not_a_ticket_type() {
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", addon("tshirt", 20, &[]), 1))
        .then_expect_error(CartError::TicketTypeNotFound);
}

#[test]
fn cart_10_refuses_an_unavailable_ticket_type() {
    let mut offer = ticket("standard", 100);
    offer.unavailable = Some("inactive".into());
    offer.remaining = Some(0);
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", offer, 1))
        .then_expect_error(CartError::TicketUnavailable {
            name: "standard".into(),
        });
}

#[test]
fn cart_11_refuses_more_than_remaining_counting_the_cart() {
    let mut offer = ticket("standard", 100);
    offer.remaining = Some(3);
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(add_ticket("i2", offer, 2))
        .then_expect_error(CartError::TicketStock {
            name: "standard".into(),
            remaining: 3,
        });
}

#[test]
fn cart_11_checks_stock_before_the_per_user_limit() {
    let mut offer = ticket("standard", 100);
    offer.remaining = Some(1);
    offer.limit_per_user = Some(1);
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", offer, 5))
        .then_expect_error(CartError::TicketStock {
            name: "standard".into(),
            remaining: 1,
        });
}

#[test]
fn cart_12_refuses_above_the_per_user_limit() {
    let mut offer = ticket("standard", 100);
    offer.limit_per_user = Some(4);
    offer.purchased = 2;
    framework()
        .given(vec![opened(), added("i1", &offer, 1)])
        .when(add_ticket("i2", offer, 2))
        .then_expect_error(CartError::PerUserLimit {
            name: "standard".into(),
            quantity: 2,
            limit: 4,
        });
}

#[test]
fn cart_12_accepts_up_to_the_per_user_limit() {
    let mut offer = ticket("standard", 100);
    offer.limit_per_user = Some(4);
    offer.purchased = 2;
    framework()
        .given(vec![opened(), added("i1", &offer, 1)])
        .when(add_ticket("i2", offer, 1))
        .then_expect_events(vec![changed("i1", 2, 100)]);
}

#[test]
fn cart_13_the_limit_is_checked_before_capacity() {
    let mut offer = ticket("standard", 100);
    offer.limit_per_user = Some(1);
    offer.global_remaining = Some(0);
    offer.total_capacity = 100;
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", offer, 2))
        .then_expect_error(CartError::PerUserLimit {
            name: "standard".into(),
            quantity: 2,
            limit: 1,
        });
}

#[test]
fn cart_14_refuses_when_the_conference_is_sold_out() {
    let mut offer = ticket("standard", 100);
    offer.global_remaining = Some(0);
    offer.total_capacity = 100;
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", offer, 1))
        .then_expect_error(CartError::SoldOut { capacity: 100 });
}

#[test]
fn cart_14_counts_every_ticket_item_in_the_cart_toward_capacity() {
    let standard = ticket("standard", 100);
    let tshirt = addon("tshirt", 20, &[]);
    let mut student = ticket("student", 50);
    student.global_remaining = Some(4);
    student.total_capacity = 100;
    framework()
        .given(vec![
            opened(),
            added("i1", &standard, 3),
            added("i2", &tshirt, 5),
        ])
        .when(add_ticket("i3", student, 2))
        .then_expect_error(CartError::CapacityExceeded {
            remaining: 4,
            capacity: 100,
        });
}

#[test]
fn cart_15_requires_a_voucher_that_unlocks_hidden_tickets() {
    let mut hidden = ticket("speaker", 0);
    hidden.requires_voucher = true;
    let refused = CartError::VoucherRequired {
        name: "speaker".into(),
    };
    framework()
        .given(vec![opened()])
        .when(add_ticket("i1", hidden.clone(), 1))
        .then_expect_error(refused.clone());
    framework()
        .given(vec![opened(), voucher_applied(voucher("SAVE10", false))])
        .when(add_ticket("i1", hidden, 1))
        .then_expect_error(refused);
}

#[test]
fn cart_15_refuses_a_voucher_that_does_not_cover_the_ticket_type() {
    let mut hidden = ticket("speaker", 0);
    hidden.requires_voucher = true;
    let mut info = voucher("SPK", true);
    info.scope = ProductScope {
        tickets: Scope::Listed(vec!["keynote".into()]),
        addons: Scope::All,
    };
    framework()
        .given(vec![opened(), voucher_applied(info)])
        .when(add_ticket("i1", hidden, 1))
        .then_expect_error(CartError::VoucherDoesNotCover {
            name: "speaker".into(),
        });
}

#[test]
fn cart_15_accepts_a_hidden_ticket_under_an_unlocking_voucher() {
    let mut hidden = ticket("speaker", 0);
    hidden.requires_voucher = true;
    framework()
        .given(vec![opened(), voucher_applied(voucher("SPK", true))])
        .when(add_ticket("i1", hidden.clone(), 1))
        .then_expect_events(vec![added("i1", &hidden, 1)]);
}

#[test]
fn cart_16_uses_the_current_definition_of_the_applied_voucher() {
    let mut hidden = ticket("speaker", 0);
    hidden.requires_voucher = true;
    framework()
        .given(vec![opened(), voucher_applied(voucher("SPK", true))])
        .when(CartCommand::AddTicket {
            item_id: id("i1"),
            offer: hidden,
            quantity: 1,
            voucher: Some(voucher("SPK", false)),
            expiry_minutes: 30,
        })
        .then_expect_error(CartError::VoucherRequired {
            name: "speaker".into(),
        });
}

#[test]
fn cart_28_updating_a_ticket_checks_stock_against_the_new_quantity() {
    let offer = ticket("standard", 100);
    let mut low = offer.clone();
    low.remaining = Some(3);
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(update("i1", low.clone(), 4))
        .then_expect_error(CartError::TicketStock {
            name: "standard".into(),
            remaining: 3,
        });
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(update("i1", low, 3))
        .then_expect_events(vec![changed("i1", 3, 100)]);
}

#[test]
fn cart_28_updating_a_ticket_checks_the_per_user_limit() {
    let offer = ticket("standard", 100);
    let mut limited = offer.clone();
    limited.limit_per_user = Some(3);
    limited.purchased = 1;
    framework()
        .given(vec![opened(), added("i1", &offer, 1)])
        .when(update("i1", limited, 3))
        .then_expect_error(CartError::PerUserLimitOnUpdate {
            name: "standard".into(),
            quantity: 3,
            limit: 3,
        });
}

#[test]
fn cart_28_updating_a_ticket_checks_capacity_with_the_other_tickets() {
    let standard = ticket("standard", 100);
    let student = ticket("student", 50);
    let mut capped = standard.clone();
    capped.global_remaining = Some(5);
    capped.total_capacity = 10;
    let given = vec![
        opened(),
        added("i1", &standard, 2),
        added("i2", &student, 2),
    ];
    framework()
        .given(given.clone())
        .when(update("i1", capped.clone(), 4))
        .then_expect_error(CartError::CapacityExceeded {
            remaining: 5,
            capacity: 10,
        });
    framework()
        .given(given)
        .when(update("i1", capped, 3))
        .then_expect_events(vec![changed("i1", 3, 100)]);
}

#[test]
fn cart_30_updating_does_not_recheck_availability_or_the_voucher() {
    let mut hidden = ticket("speaker", 0);
    hidden.requires_voucher = true;
    let mut gone = hidden.clone();
    gone.unavailable = Some("inactive".into());
    framework()
        .given(vec![opened(), added("i1", &hidden, 1)])
        .when(update("i1", gone, 2))
        .then_expect_events(vec![changed("i1", 2, 0)]);
}

#[test]
fn cart_27_updating_to_zero_or_less_removes_the_item() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(update("i1", offer.clone(), -1))
        .then_expect_events(vec![removed("i1", offer.product, false)]);
}

#[test]
fn cart_27_refuses_to_update_an_unknown_item() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened()])
        .when(update("i1", offer, 2))
        .then_expect_error(CartError::ItemNotFound);
}

#[test]
fn cart_27_refuses_an_offer_for_another_product() {
    let offer = ticket("standard", 100);
    framework()
        .given(vec![opened(), added("i1", &offer, 2)])
        .when(update("i1", ticket("student", 50), 3))
        .then_expect_error(CartError::OfferMismatch);
}
