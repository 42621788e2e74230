use tessera_aggregates::attendee::{AttendeeProduct, attendee_id};
use tessera_aggregates::natural_id;

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, conf, log, user};

fn a(name: &str, event: AttendeeEvent) -> Logged {
    Logged {
        kind: "attendee",
        id: attendee_id(conf(), user(name)),
        conference: Some(conf()),
        event: DomainEvent::Attendee(event),
    }
}

fn registered(name: &str, code: &str) -> AttendeeEvent {
    AttendeeEvent::AttendeeRegistered {
        conference_id: conf(),
        user: user(name),
        access_code: code.into(),
        at: at(2, 9),
    }
}

fn held(product: ProductRef, name: &str, quantity: u32) -> AttendeeProduct {
    AttendeeProduct {
        product,
        name: name.into(),
        quantity,
    }
}

fn order(name: &str) -> Uuid {
    natural_id("order", name)
}

fn staff() -> Uuid {
    user("staff")
}

fn checked_in(number: u32, station: &str, day: u32) -> AttendeeEvent {
    AttendeeEvent::AttendeeCheckedIn {
        number,
        station: station.into(),
        by: staff(),
        note: String::new(),
        at: at(day, 8),
    }
}

fn history() -> Vec<Logged> {
    vec![
        a("ana", registered("ana", "ANA12345")),
        a(
            "ana",
            AttendeeEvent::AttendeeOrderAdded {
                order_id: order("A"),
                products: vec![
                    held(ProductRef::ticket("regular"), "Regular", 1),
                    held(ProductRef::addon("lunch"), "Lunch", 2),
                ],
                at: at(2, 9),
            },
        ),
        a("bo", registered("bo", "BO123456")),
        a("ana", checked_in(1, "Hall A", 10)),
        a(
            "ana",
            AttendeeEvent::DoorCheckPassed {
                product: ProductRef::addon("lunch"),
                station: "Lunch room".into(),
                by: staff(),
                at: at(10, 12),
            },
        ),
        a(
            "ana",
            AttendeeEvent::DoorCheckDenied {
                product: ProductRef::addon("dinner"),
                station: "Dinner room".into(),
                by: staff(),
                at: at(10, 19),
            },
        ),
        a(
            "ana",
            AttendeeEvent::ProductRedeemed {
                product: ProductRef::addon("lunch"),
                quantity: 1,
                station: "Lunch room".into(),
                by: staff(),
                at: at(10, 12),
            },
        ),
        a("ana", checked_in(2, "", 11)),
    ]
}

fn attendee(rows: &Rows<AttendeesRow>, name: &str) -> AttendeeRow {
    match rows.get(&attendee_key(conf(), user(name))) {
        Some(AttendeesRow::Attendee(a)) => a.clone(),
        other => panic!("attendee {name} missing: {other:?}"),
    }
}

fn summary(rows: &Rows<AttendeesRow>) -> AttendeeSummary {
    match rows.get(&summary_key(conf())) {
        Some(AttendeesRow::Summary(s)) => s.clone(),
        other => panic!("summary missing: {other:?}"),
    }
}

#[test]
fn att_3_a_paid_order_completes_registration_and_sets_the_current_order() {
    let rows = fold_all::<Attendees>(&log(history()));
    let ana = attendee(&rows, "ana");
    assert_eq!(ana.access_code, "ANA12345");
    assert!(ana.completed_registration);
    assert_eq!(ana.current_order, Some(order("A")));
    assert_eq!(ana.ticket_type, "Regular", "ATT-15");
    let bo = attendee(&rows, "bo");
    assert!(!bo.completed_registration);
    assert_eq!(bo.ticket_type, GENERAL_ADMISSION);
    assert_eq!(
        rows.get(&code_key("ANA12345")),
        Some(&AttendeesRow::Ref(AttendeeRef {
            conference_id: conf(),
            user: user("ana"),
            access_code: "ANA12345".into(),
        }))
    );
}

#[test]
fn att_13_re_entries_are_counted_and_only_the_first_sets_checked_in_at() {
    let rows = fold_all::<Attendees>(&log(history()));
    let ana = attendee(&rows, "ana");
    assert!(ana.checked_in);
    assert_eq!(ana.checked_in_at, Some(at(10, 8)));
    assert_eq!(ana.last_check_in_at, Some(at(11, 8)));
    assert_eq!(ana.check_in_count, 2);
    let check_ins: Vec<CheckInRow> = rows
        .with_prefix(&checkins_prefix(conf()))
        .filter_map(|(_, r)| match r {
            AttendeesRow::CheckIn(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(check_ins.len(), 2);
    assert_eq!(check_ins[0].number, 1);
    assert_eq!(check_ins[0].station, "Hall A");
    assert_eq!(check_ins[0].access_code, "ANA12345");
    assert_eq!(check_ins[1].number, 2);
}

#[test]
fn att_19_products_show_what_is_held_redeemed_and_remaining() {
    let rows = fold_all::<Attendees>(&log(history()));
    let ana = attendee(&rows, "ana");
    assert_eq!(
        ana.products,
        vec![
            HeldProduct {
                product: ProductRef::ticket("regular"),
                name: "Regular".into(),
                held: 1,
                redeemed: 0,
                remaining: 1,
            },
            HeldProduct {
                product: ProductRef::addon("lunch"),
                name: "Lunch".into(),
                held: 2,
                redeemed: 1,
                remaining: 1,
            },
        ]
    );
    assert_eq!(ana.door_checks, 2);
    assert_eq!(ana.door_checks_denied, 1);
    assert_eq!(rows.with_prefix(&redemptions_prefix(conf())).count(), 1);
    assert_eq!(rows.with_prefix(&doors_prefix(conf())).count(), 2);
}

#[test]
fn a_fully_refunded_order_stops_counting() {
    let mut events = history();
    events.push(a(
        "ana",
        AttendeeEvent::AttendeeOrderRemoved {
            order_id: order("A"),
            at: at(12, 9),
        },
    ));
    let rows = fold_all::<Attendees>(&log(events));
    let ana = attendee(&rows, "ana");
    assert_eq!(ana.current_order, None);
    assert!(ana.products.is_empty());
    assert_eq!(ana.ticket_type, GENERAL_ADMISSION);
    assert_eq!(ana.redeemed.get("addon:lunch"), Some(&1), "ATT-14: kept");
    assert!(ana.completed_registration);
}

#[test]
fn ana_17_and_ana_43_the_summary_counts_attendees_and_doors() {
    let s = summary(&fold_all::<Attendees>(&log(history())));
    assert_eq!(s.attendees, 2);
    assert_eq!(s.completed, 1);
    assert_eq!(s.checked_in, 1);
    assert_eq!(s.check_ins, 2);
    assert_eq!(
        s.by_station.into_iter().collect::<Vec<_>>(),
        vec![("Hall A".to_string(), 1)],
        "blank stations are not listed"
    );
    assert_eq!(
        s.door_checks.get("addon:lunch"),
        Some(&DoorTally {
            admitted: 1,
            denied: 0
        })
    );
    assert_eq!(
        s.door_checks.get("addon:dinner"),
        Some(&DoorTally {
            admitted: 0,
            denied: 1
        })
    );
    assert_eq!(s.redemptions.get("Lunch"), Some(&1));
}

#[test]
fn keys_with_positions_list_in_log_order() {
    assert!(checkin_key(conf(), 9) < checkin_key(conf(), 10));
    assert!(checkin_key(conf(), 10).starts_with(&checkins_prefix(conf())));
}

#[test]
fn every_row_kind_survives_storage() {
    let rows = fold_all::<Attendees>(&log(history()));
    let kinds: std::collections::HashSet<_> = rows
        .iter()
        .map(|(_, r)| std::mem::discriminant(r))
        .collect();
    assert_eq!(
        kinds.len(),
        8,
        "attendee, ref, check-in, door, redemption, summary, product, tally"
    );
    assert_round_trip(&rows);
}

/// The product index rows of a conference: `(slug, user, checked_in)`.
fn product_index(rows: &Rows<AttendeesRow>) -> Vec<(String, Uuid, bool)> {
    let prefix = format!("product:{}:", conf());
    rows.with_prefix(&prefix)
        .filter_map(|(k, r)| match r {
            AttendeesRow::Product(p) => {
                let slug = k[prefix.len()..].split(':').next().unwrap_or_default();
                assert_eq!(p.product_scope, format!("{}:{slug}", conf()), "{k}");
                Some((slug.to_string(), p.user, p.checked_in))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_product_index_follows_what_is_held_and_the_check_in() {
    let mut events = history();
    let rows = fold_all::<Attendees>(&log(events.clone()));
    assert_eq!(
        product_index(&rows),
        vec![
            ("lunch".to_string(), user("ana"), true),
            ("regular".to_string(), user("ana"), true),
        ],
        "one row per product held, with the list fields"
    );
    assert!(
        attendee_products_prefix(conf(), "regular").starts_with(&format!("product:{}:", conf()))
    );
    // A second order adds a product; removing the first drops the products only
    // it held.
    events.push(a(
        "ana",
        AttendeeEvent::AttendeeOrderAdded {
            order_id: order("B"),
            products: vec![held(ProductRef::addon("dinner"), "Dinner", 1)],
            at: at(12, 9),
        },
    ));
    events.push(a(
        "ana",
        AttendeeEvent::AttendeeOrderRemoved {
            order_id: order("A"),
            at: at(12, 10),
        },
    ));
    let rows = fold_all::<Attendees>(&log(events));
    assert_eq!(
        product_index(&rows),
        vec![("dinner".to_string(), user("ana"), true)]
    );
    assert_round_trip(&rows);
}

fn tally(rows: &Rows<AttendeesRow>) -> Tally {
    match rows.get(&tally::tally_key(conf())) {
        Some(AttendeesRow::Tally(t)) => t.clone(),
        _ => Tally::default(),
    }
}

fn attendees(rows: &Rows<AttendeesRow>) -> Vec<AttendeeRow> {
    rows.with_prefix(&attendees_prefix(conf()))
        .filter_map(|(_, r)| match r {
            AttendeesRow::Attendee(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

/// The attendees list's total (every attendee, by check-in, by product held,
/// both) is the tally the fold keeps, never a count.
#[test]
fn the_tally_counts_attendees_by_check_in_and_product_held() {
    let mut events = history();
    events.push(a(
        "ana",
        AttendeeEvent::AttendeeOrderAdded {
            order_id: order("B"),
            products: vec![held(ProductRef::addon("dinner"), "Dinner", 1)],
            at: at(12, 9),
        },
    ));
    events.push(a(
        "ana",
        AttendeeEvent::AttendeeOrderRemoved {
            order_id: order("A"),
            at: at(12, 10),
        },
    ));
    let events = log(events);
    for n in 1..=events.len() {
        let rows = fold_all::<Attendees>(&events[..n]);
        assert_eq!(
            tally(&rows),
            Tally::of(attendees(&rows).iter().map(attendee_facets)),
            "after {n} events"
        );
    }
    let rows = fold_all::<Attendees>(&events);
    let t = tally(&rows);
    let count = |checked_in, product| t.count(&attendees_facet(checked_in, product));
    assert_eq!(count(None, None), 2, "ana and bo");
    assert_eq!(count(Some(true), None), 1);
    assert_eq!(count(Some(false), None), 1);
    assert_eq!(count(None, Some("dinner")), 1);
    assert_eq!(count(Some(true), Some("dinner")), 1);
    assert_eq!(
        count(None, Some("regular")),
        0,
        "the order holding it was removed"
    );
    assert_eq!(count(None, Some("lunch")), 0);
}
