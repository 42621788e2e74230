use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::pricing::ProductRef;

mod bulk_vouchers;
mod desk;
mod edits;
mod holds;
mod props;
mod sales;
mod sponsor_vouchers;
mod stock;
mod vouchers;

fn tk(slug: &str) -> ProductRef {
    ProductRef::ticket(slug)
}

fn ad(slug: &str) -> ProductRef {
    ProductRef::addon(slug)
}

fn held_ids(result: Result<Vec<InventoryEvent>, InventoryError>) -> Vec<Uuid> {
    result
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            InventoryEvent::ItemsHeld { order_id, .. } => Some(order_id),
            _ => None,
        })
        .collect()
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn framework() -> TestFramework<Inventory> {
    TestFramework::with(DomainServices::at(t0()))
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pycon-us-2026")
}

fn opened() -> InventoryEvent {
    InventoryEvent::InventoryOpened {
        conference_id: conf(),
        at: t0(),
    }
}

fn ticket(slug: &str, name: &str, order: i32) -> TicketType {
    TicketType {
        slug: slug.into(),
        name: name.into(),
        price: Decimal::new(10_000, 2),
        order,
        ..Default::default()
    }
}

fn ticket_added(slug: &str) -> InventoryEvent {
    InventoryEvent::TicketTypeAdded {
        ticket: ticket(slug, slug, 0),
        at: t0(),
    }
}

/// `minutes` after t0.
fn at(minutes: i64) -> Timestamp {
    t0() + chrono::Duration::minutes(minutes)
}

fn framework_at(now: Timestamp) -> TestFramework<Inventory> {
    TestFramework::with(DomainServices::at(now))
}

fn uid(name: &str) -> Uuid {
    crate::natural_id("user", name)
}

fn oid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A ticket type of 100.00 with `total_quantity` (0 = unlimited).
fn limited(slug: &str, total_quantity: u32) -> TicketType {
    TicketType {
        total_quantity,
        ..ticket(slug, slug, 0)
    }
}

fn define_ticket(t: TicketType) -> (Timestamp, InventoryCommand) {
    (t0(), InventoryCommand::DefineTicketType { ticket: t })
}

/// Holds `lines` for `order` until minute `expires` (the pending-order window).
fn hold_cmd(
    order: u128,
    user: &str,
    lines: &[(ProductRef, u32)],
    voucher: Option<&str>,
    expires: i64,
) -> InventoryCommand {
    InventoryCommand::Hold {
        order_id: oid(order),
        user: uid(user),
        lines: lines
            .iter()
            .map(|(product, quantity)| HoldLine {
                product: product.clone(),
                quantity: *quantity,
            })
            .collect(),
        voucher_code: voucher.map(str::to_string),
        owner: crate::pricing::CartOwner::default(),
        expires_at: at(expires),
    }
}

/// The events of an opened ledger after running `steps` (each at its instant)
/// through `decide`; every step must be accepted.
fn history(steps: Vec<(Timestamp, InventoryCommand)>) -> Vec<InventoryEvent> {
    let mut inv = Inventory::default();
    let mut events = vec![opened()];
    inv.apply(opened());
    for (now, cmd) in steps {
        let facts = inv
            .decide(cmd.clone(), now)
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        for fact in facts {
            inv.apply(fact.clone());
            events.push(fact);
        }
    }
    events
}

fn state(events: &[InventoryEvent]) -> Inventory {
    let mut inv = Inventory::default();
    for e in events {
        inv.apply(e.clone());
    }
    inv
}

fn addon(slug: &str, requires: &[&str]) -> Addon {
    Addon {
        slug: slug.into(),
        name: slug.into(),
        price: Decimal::new(2_500, 2),
        requires: requires.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

#[test]
fn opens_the_ledger_once() {
    framework()
        .given_no_previous_events()
        .when(InventoryCommand::Open {
            conference_id: conf(),
        })
        .then_expect_events(vec![opened()]);
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::Open {
            conference_id: conf(),
        })
        .then_expect_events(vec![]);
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::Open {
            conference_id: crate::natural_id("conference", "other"),
        })
        .then_expect_error(InventoryError::AlreadyExists);
}

#[test]
fn commands_on_a_missing_ledger_are_not_found() {
    framework()
        .given_no_previous_events()
        .when(InventoryCommand::DefineTicketType {
            ticket: ticket("individual", "Individual", 0),
        })
        .then_expect_error(InventoryError::NotFound);
}

#[test]
fn cat_1_defaults_match_the_spec() {
    let t = TicketType::default();
    assert_eq!(t.total_quantity, 0);
    assert_eq!(t.limit_per_user, 10);
    assert!(!t.requires_voucher);
    assert!(t.is_active);
    assert!(!t.bulk_enabled);
    assert_eq!(t.order, 0);
    let decoded: Result<TicketType, _> =
        serde_json::from_str(r#"{"slug":"a","name":"A","price":"100.00"}"#);
    assert_eq!(decoded.ok(), Some(ticket("a", "A", 0)));
}

#[test]
fn cat_1_adds_a_ticket_type() {
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::DefineTicketType {
            ticket: ticket("individual", "individual", 0),
        })
        .then_expect_events(vec![ticket_added("individual")]);
}

#[test]
fn cat_1_redefining_a_ticket_type_updates_it_by_slug() {
    let mut cheaper = ticket("individual", "individual", 0);
    cheaper.price = Decimal::new(5_000, 2);
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(InventoryCommand::DefineTicketType {
            ticket: cheaper.clone(),
        })
        .then_expect_events(vec![InventoryEvent::TicketTypeUpdated {
            ticket: cheaper,
            at: t0(),
        }]);
}

#[test]
fn cat_1_an_identical_definition_is_a_no_op() {
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(InventoryCommand::DefineTicketType {
            ticket: ticket("individual", "individual", 0),
        })
        .then_expect_events(vec![]);
}

#[test]
fn cat_1_refuses_a_negative_price_or_fractional_cents() {
    for price in [Decimal::new(-1, 2), Decimal::new(10_005, 3)] {
        let mut t = ticket("individual", "Individual", 0);
        t.price = price;
        framework()
            .given(vec![opened()])
            .when(InventoryCommand::DefineTicketType { ticket: t })
            .then_expect_error(InventoryError::InvalidPrice);
    }
}

#[test]
fn cat_1_trailing_zeros_are_not_extra_decimal_places() {
    let mut t = ticket("individual", "Individual", 0);
    t.price = Decimal::new(100_000, 3); // 100.000
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::DefineTicketType { ticket: t.clone() })
        .then_expect_events(vec![InventoryEvent::TicketTypeAdded {
            ticket: t,
            at: t0(),
        }]);
}

#[test]
fn cat_1_refuses_a_product_without_slug_or_name() {
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::DefineTicketType {
            ticket: ticket(" ", "Individual", 0),
        })
        .then_expect_error(InventoryError::InvalidProduct);
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::DefineAddon {
            addon: addon("", &[]),
        })
        .then_expect_error(InventoryError::InvalidProduct);
}

#[test]
fn cat_1_ticket_types_display_in_order_then_name() {
    let mut inv = Inventory::default();
    inv.apply(opened());
    for t in [
        ticket("student", "Student", 1),
        ticket("corporate", "Corporate", 0),
        ticket("individual", "Individual", 0),
    ] {
        inv.apply(InventoryEvent::TicketTypeAdded {
            ticket: t,
            at: t0(),
        });
    }
    let slugs: Vec<&str> = inv.ticket_types().iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, vec!["corporate", "individual", "student"]);
    assert_eq!(inv.conference_id(), conf());
    assert!(inv.ticket_type("student").is_some());
    assert!(inv.ticket_type("speaker").is_none());
}

#[test]
fn cat_6_adds_an_addon_with_prerequisites_as_a_sorted_set() {
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            ticket_added("corporate"),
        ])
        .when(InventoryCommand::DefineAddon {
            addon: addon("t-shirt", &["individual", "corporate", "individual"]),
        })
        .then_expect_events(vec![InventoryEvent::AddonAdded {
            addon: addon("t-shirt", &["corporate", "individual"]),
            at: t0(),
        }]);
}

#[test]
fn cat_6_an_addon_without_prerequisites_needs_no_ticket_types() {
    framework()
        .given(vec![opened()])
        .when(InventoryCommand::DefineAddon {
            addon: addon("t-shirt", &[]),
        })
        .then_expect_events(vec![InventoryEvent::AddonAdded {
            addon: addon("t-shirt", &[]),
            at: t0(),
        }]);
}

#[test]
fn boot_16_refuses_unknown_prerequisite_slugs() {
    framework()
        .given(vec![opened(), ticket_added("individual")])
        .when(InventoryCommand::DefineAddon {
            addon: addon("t-shirt", &["student", "individual", "corporate"]),
        })
        .then_expect_error(InventoryError::UnknownPrerequisites {
            addon: "t-shirt".into(),
            slugs: vec!["corporate".into(), "student".into()],
        });
}

#[test]
fn boot_16_the_message_lists_the_sorted_unknown_slugs() {
    let e = InventoryError::UnknownPrerequisites {
        addon: "t-shirt".into(),
        slugs: vec!["corporate".into(), "student".into()],
    };
    assert_eq!(
        e.to_string(),
        "Add-on 't-shirt' references unknown required ticket slug(s): corporate, student"
    );
}

#[test]
fn boot_16_redefining_replaces_the_prerequisite_set() {
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            ticket_added("corporate"),
            InventoryEvent::AddonAdded {
                addon: addon("t-shirt", &["individual"]),
                at: t0(),
            },
        ])
        .when(InventoryCommand::DefineAddon {
            addon: addon("t-shirt", &["corporate"]),
        })
        .then_expect_events(vec![InventoryEvent::AddonUpdated {
            addon: addon("t-shirt", &["corporate"]),
            at: t0(),
        }]);
}

#[test]
fn cat_6_an_identical_addon_is_a_no_op_whatever_the_prerequisite_order() {
    framework()
        .given(vec![
            opened(),
            ticket_added("individual"),
            ticket_added("corporate"),
            InventoryEvent::AddonAdded {
                addon: addon("t-shirt", &["corporate", "individual"]),
                at: t0(),
            },
        ])
        .when(InventoryCommand::DefineAddon {
            addon: addon("t-shirt", &["individual", "corporate"]),
        })
        .then_expect_events(vec![]);
}

#[test]
fn cat_4_on_sale_respects_the_inclusive_window() {
    let mut t = ticket("individual", "Individual", 0);
    t.available_from = Some(t0());
    t.available_until = Some(t0());
    assert!(t.is_on_sale(t0()));
    assert!(!t.is_on_sale(t0() + chrono::Duration::seconds(1)));
    assert!(!t.is_on_sale(t0() - chrono::Duration::seconds(1)));
    t.is_active = false;
    assert!(!t.is_on_sale(t0()));
}
