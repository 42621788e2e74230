use tessera_aggregates::credit::{CreditSource, IssuedCredit};
use tessera_aggregates::natural_id;

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, conf, d, log, user};

fn credit_id(name: &str) -> Uuid {
    natural_id("credit", name)
}

fn order(name: &str) -> Uuid {
    natural_id("order", name)
}

fn c(name: &str, event: CreditEvent) -> Logged {
    Logged {
        kind: "credit",
        id: credit_id(name),
        conference: Some(conf()),
        event: DomainEvent::Credit(event),
    }
}

fn issued(name: &str, amount: &str, spendable: bool) -> CreditEvent {
    CreditEvent::CreditIssued(IssuedCredit {
        credit_id: credit_id(name),
        conference_id: conf(),
        user: user("ana"),
        amount: d(amount),
        spendable,
        source: CreditSource::Refund {
            order_id: order("ORD-AAAA1111"),
            refund_id: natural_id("refund", name),
        },
        at: at(4, 9),
    })
}

fn applied(on: &str, payment: &str, amount: &str, remaining: &str) -> CreditEvent {
    CreditEvent::CreditApplied {
        order_id: order(on),
        payment_id: natural_id("payment", payment),
        amount: d(amount),
        remaining: d(remaining),
        at: at(5, 9),
    }
}

fn credit(rows: &Rows<CreditsRow>, name: &str) -> CreditRecord {
    match rows.get(&credit_key(conf(), credit_id(name))) {
        Some(CreditsRow::Credit(c)) => c.clone(),
        other => panic!("credit {name} missing: {other:?}"),
    }
}

fn summary(rows: &Rows<CreditsRow>) -> CreditSummary {
    match rows.get(&summary_key(conf())) {
        Some(CreditsRow::Summary(s)) => s.clone(),
        other => panic!("summary missing: {other:?}"),
    }
}

fn history() -> Vec<Logged> {
    vec![
        c("store", issued("store", "30.00", true)),
        c("note", issued("note", "15.00", false)),
        c("store", applied("ORD-EEEE5555", "p1", "20.00", "10.00")),
        c("store", applied("ORD-FFFF6666", "p2", "10.00", "0.00")),
    ]
}

#[test]
fn pay_20_a_credit_used_up_becomes_applied_and_remembers_its_last_order() {
    let rows = fold_all::<Credits>(&log(history()));
    let store = credit(&rows, "store");
    assert_eq!(store.status, CreditStatus::Applied);
    assert_eq!(store.remaining, d("0.00"));
    assert_eq!(store.applied_to_order, Some(order("ORD-FFFF6666")));
    assert_eq!(store.source_order, Some(order("ORD-AAAA1111")));
    assert_eq!(store.applications.len(), 2);
    let s = summary(&rows);
    assert_eq!(s.count, 1);
    assert_eq!(s.issued, d("30.00"));
    assert_eq!(s.outstanding, d("0.00"));
    assert_eq!(s.applied, d("30.00"));
}

#[test]
fn amb_9_a_credit_note_is_never_spendable() {
    let rows = fold_all::<Credits>(&log(history()));
    let note = credit(&rows, "note");
    assert_eq!(note.status, CreditStatus::CreditNote);
    assert!(!note.spendable);
    assert_eq!(note.remaining, d("0"));
    assert_eq!(
        serde_json::to_value(note.status).unwrap_or_default(),
        "credit_note"
    );
    let s = summary(&rows);
    assert_eq!(s.credit_notes, 1);
    assert_eq!(s.credit_notes_amount, d("15.00"));
}

#[test]
fn order_18_a_restored_credit_is_available_again() {
    let mut events = history();
    events.push(c(
        "store",
        CreditEvent::CreditRestored {
            order_id: order("ORD-FFFF6666"),
            payment_id: natural_id("payment", "p2"),
            amount: d("10.00"),
            remaining: d("10.00"),
            at: at(6, 9),
        },
    ));
    let rows = fold_all::<Credits>(&log(events));
    let store = credit(&rows, "store");
    assert_eq!(store.status, CreditStatus::Available);
    assert_eq!(store.remaining, d("10.00"));
    assert_eq!(store.applied_to_order, None);
    assert!(store.applications[1].restored);
    assert!(!store.applications[0].restored);
    let s = summary(&rows);
    assert_eq!(s.outstanding, d("10.00"));
    assert_eq!(s.applied, d("0.00"));
    assert_eq!(s.issued, d("30.00"));
}

#[test]
fn a_conference_lists_its_credits_and_every_row_kind_survives_storage() {
    let rows = fold_all::<Credits>(&log(history()));
    assert_eq!(rows.with_prefix(&credits_prefix(conf())).count(), 2);
    assert!(matches!(
        rows.get(&stream_key(&credit_id("store").to_string())),
        Some(CreditsRow::Stream { conference_id }) if *conference_id == conf()
    ));
    assert_round_trip(&rows);
}

/// One shape per fact: the row the credits read model serves is the record the
/// Credit aggregate decides on, after the same events.
#[test]
fn the_row_is_the_aggregates_record_after_the_same_events() {
    use cqrs_es::Aggregate;
    use tessera_aggregates::credit::Credit;
    let rows = fold_all::<Credits>(&log(history()));
    let mut store = Credit::default();
    for l in history().into_iter().filter(|l| l.id == credit_id("store")) {
        if let DomainEvent::Credit(e) = l.event {
            store.apply(e);
        }
    }
    assert_eq!(&credit(&rows, "store"), store.record());
    assert_eq!(store.record().status, CreditStatus::Applied);
}
