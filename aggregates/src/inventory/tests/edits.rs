//! CAT-1, CAT-6, CONF-10: saving a product is a partial edit: fields absent are
//! kept (defaults for a new one), null clears a window, and the merged product
//! passes the checks of a full definition.

use super::*;
use crate::PartSlug;

fn given(slug: &str) -> PartSlug {
    PartSlug::Given(slug.into())
}

fn save_ticket(slug: PartSlug, patch: TicketTypePatch) -> InventoryCommand {
    InventoryCommand::SaveTicketType { slug, patch }
}

fn ticket_updated(ticket: TicketType) -> InventoryEvent {
    InventoryEvent::TicketTypeUpdated { ticket, at: t0() }
}

fn addon_added(addon: Addon) -> InventoryEvent {
    InventoryEvent::AddonAdded { addon, at: t0() }
}

#[test]
fn cat_1_a_ticket_change_keeps_the_fields_it_does_not_carry() {
    let mut expected = ticket("individual", "individual", 0);
    expected.description = "Full conference".into();
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(save_ticket(
            given("individual"),
            TicketTypePatch {
                description: Some("Full conference".into()),
                ..Default::default()
            },
        ))
        .then_expect_events(vec![ticket_updated(expected)]);
}

#[test]
fn cat_1_ticket_changes_decided_one_after_another_all_survive() {
    let mut limited = ticket("individual", "individual", 0);
    limited.total_quantity = 500;
    let mut both = limited.clone();
    both.is_active = false;
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            ticket_updated(limited),
        ])
        .when(save_ticket(
            given("individual"),
            TicketTypePatch {
                is_active: Some(false),
                ..Default::default()
            },
        ))
        .then_expect_events(vec![ticket_updated(both)]);
}

#[test]
fn cat_1_null_clears_a_window_bound() {
    let mut windowed = ticket("individual", "individual", 0);
    windowed.available_from = Some(at(-60));
    windowed.available_until = Some(at(60));
    let mut open_start = windowed.clone();
    open_start.available_from = None;
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            ticket_updated(windowed),
        ])
        .when(save_ticket(
            given("individual"),
            TicketTypePatch {
                available_from: Some(None),
                ..Default::default()
            },
        ))
        .then_expect_events(vec![ticket_updated(open_start)]);
}

#[test]
fn cat_1_a_new_ticket_type_takes_the_defaults_and_a_free_slug() {
    let expected = TicketType {
        slug: "individual-2".into(),
        name: "Individual".into(),
        price: Decimal::new(5_000, 2),
        ..Default::default()
    };
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(save_ticket(
            PartSlug::New {
                base: "individual".into(),
            },
            TicketTypePatch {
                name: Some("Individual".into()),
                price: Some(Decimal::new(5_000, 2)),
                ..Default::default()
            },
        ))
        .then_expect_events(vec![InventoryEvent::TicketTypeAdded {
            ticket: expected,
            at: t0(),
        }]);
}

#[test]
fn cat_1_an_unchanged_ticket_type_is_a_no_op() {
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(save_ticket(
            given("individual"),
            TicketTypePatch {
                name: Some("individual".into()),
                price: Some(Decimal::new(10_000, 2)),
                ..Default::default()
            },
        ))
        .then_expect_events(vec![]);
}

#[test]
fn cat_1_a_change_to_an_invalid_ticket_type_is_refused() {
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(save_ticket(
            given("individual"),
            TicketTypePatch {
                price: Some(Decimal::new(-1, 2)),
                ..Default::default()
            },
        ))
        .then_expect_error(InventoryError::InvalidPrice);
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(save_ticket(
            given("individual"),
            TicketTypePatch {
                name: Some(" ".into()),
                ..Default::default()
            },
        ))
        .then_expect_error(InventoryError::InvalidProduct);
    framework()
        .given(vec![opened()])
        .when(save_ticket(
            given("VIP"),
            TicketTypePatch {
                name: Some("VIP".into()),
                ..Default::default()
            },
        ))
        .then_expect_error(InventoryError::InvalidSlug);
}

#[test]
fn boot_16_an_addon_change_keeps_its_prerequisites_unless_given() {
    let shirt = addon("tshirt", &["individual"]);
    let mut cheaper = shirt.clone();
    cheaper.price = Decimal::new(2_000, 2);
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            addon_added(shirt.clone()),
        ])
        .when(InventoryCommand::SaveAddon {
            slug: given("tshirt"),
            patch: AddonPatch {
                price: Some(Decimal::new(2_000, 2)),
                ..Default::default()
            },
        })
        .then_expect_events(vec![InventoryEvent::AddonUpdated {
            addon: cheaper,
            at: t0(),
        }]);
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            addon_added(shirt),
        ])
        .when(InventoryCommand::SaveAddon {
            slug: given("tshirt"),
            patch: AddonPatch {
                requires: Some(vec!["individual".into(), "student".into()]),
                ..Default::default()
            },
        })
        .then_expect_error(InventoryError::UnknownPrerequisites {
            addon: "tshirt".into(),
            slugs: vec!["student".into()],
        });
}

#[test]
fn cat_6_a_new_addon_takes_the_defaults() {
    let expected = Addon {
        slug: "tshirt".into(),
        name: "T-shirt".into(),
        ..Default::default()
    };
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::SaveAddon {
            slug: PartSlug::New {
                base: "tshirt".into(),
            },
            patch: AddonPatch {
                name: Some("T-shirt".into()),
                ..Default::default()
            },
        })
        .then_expect_events(vec![addon_added(expected)]);
}

#[test]
fn saving_on_a_missing_ledger_is_not_found() {
    framework()
        .given_no_previous_events()
        .when(save_ticket(given("individual"), TicketTypePatch::default()))
        .then_expect_error(InventoryError::NotFound);
}
