use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::pricing::ProductRef;

mod invoices;
mod money;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn id(name: &str) -> Uuid {
    crate::natural_id("test", name)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()
}

fn contact() -> PoContact {
    PoContact {
        organization_name: "Acme Corp".into(),
        contact_email: "ap@acme.test".into(),
        contact_name: "Wile E.".into(),
        ..Default::default()
    }
}

fn input(description: &str, quantity: u32, price: &str) -> PoLineInput {
    PoLineInput {
        description: description.into(),
        quantity,
        unit_price: d(price),
        product: None,
    }
}

fn line(description: &str, quantity: u32, price: &str, total: &str) -> PoLine {
    PoLine {
        description: description.into(),
        quantity,
        unit_price: d(price),
        line_total: d(total),
        product: None,
    }
}

fn create(lines: Vec<PoLineInput>) -> PurchaseOrderCommand {
    PurchaseOrderCommand::Create {
        conference_id: id("conf"),
        reference: "PO-A1B2C3".into(),
        contact: contact(),
        lines,
        created_by: None,
        sealed_contact: None,
    }
}

/// A PO of 10 × 100.00 = 1000.00.
fn created() -> PurchaseOrderEvent {
    PurchaseOrderEvent::PurchaseOrderCreated {
        conference_id: id("conf"),
        reference: "PO-A1B2C3".into(),
        contact: contact(),
        lines: vec![line("Corporate ticket", 10, "100.00", "1000.00")],
        subtotal: d("1000.00"),
        total: d("1000.00"),
        created_by: None,
        at: t0(),
        sealed_contact: None,
    }
}

fn sent() -> PurchaseOrderEvent {
    PurchaseOrderEvent::PurchaseOrderSent { at: t0() }
}

fn payment(name: &str, amount: &str, method: PoPaymentMethod, reference: &str) -> PoPayment {
    PoPayment {
        id: id(name),
        amount: d(amount),
        method,
        reference: reference.into(),
        payment_date: day(),
        note: String::new(),
        recorded_by: None,
        recorded_at: t0(),
    }
}

fn paid(name: &str, amount: &str, status: PoStatus) -> PurchaseOrderEvent {
    PurchaseOrderEvent::PurchaseOrderPaymentRecorded {
        payment: payment(name, amount, PoPaymentMethod::Wire, "W-1"),
        status,
        at: t0(),
    }
}

fn credited(name: &str, amount: &str, status: PoStatus) -> PurchaseOrderEvent {
    PurchaseOrderEvent::PurchaseOrderCreditNoteIssued {
        credit_note: PoCreditNote {
            id: id(name),
            amount: d(amount),
            reason: "Goodwill".into(),
            issued_by: None,
            issued_at: t0(),
        },
        status,
        at: t0(),
    }
}

fn pay(name: &str, amount: &str) -> PurchaseOrderCommand {
    PurchaseOrderCommand::RecordPayment {
        payment_id: id(name),
        amount: d(amount),
        method: PoPaymentMethod::Wire,
        reference: "W-1".into(),
        payment_date: day(),
        note: String::new(),
        recorded_by: None,
    }
}

fn credit(name: &str, amount: &str) -> PurchaseOrderCommand {
    PurchaseOrderCommand::IssueCreditNote {
        credit_note_id: id(name),
        amount: d(amount),
        reason: "Goodwill".into(),
        issued_by: None,
    }
}

fn stripe_invoice() -> ExternalInvoice {
    ExternalInvoice {
        id: "in_123".into(),
        url: "https://invoice.stripe.test/in_123".into(),
    }
}

fn framework() -> TestFramework<PurchaseOrder> {
    TestFramework::with(DomainServices::at(t0()))
}

fn fold(events: Vec<PurchaseOrderEvent>) -> PurchaseOrder {
    let mut po = PurchaseOrder::default();
    events.into_iter().for_each(|e| po.evolve(e));
    po
}

#[test]
fn po_3_creates_a_draft_whose_total_is_the_sum_of_line_totals() {
    let mut ticket = input("Corporate ticket", 3, "99.99");
    ticket.product = Some(ProductRef::ticket("corporate"));
    let mut expected_ticket = line("Corporate ticket", 3, "99.99", "299.97");
    expected_ticket.product = Some(ProductRef::ticket("corporate"));
    framework()
        .given_no_previous_events()
        .when(create(vec![ticket, input("Sponsor booth", 1, "500")]))
        .then_expect_events(vec![PurchaseOrderEvent::PurchaseOrderCreated {
            conference_id: id("conf"),
            reference: "PO-A1B2C3".into(),
            contact: contact(),
            lines: vec![
                expected_ticket,
                line("Sponsor booth", 1, "500.00", "500.00"),
            ],
            subtotal: d("799.97"),
            total: d("799.97"),
            created_by: None,
            at: t0(),
            sealed_contact: None,
        }]);
}

/// Personal data enters events only sealed: with the contact sealed by the
/// caller, the event keeps the organization in plain and nothing else of it.
#[test]
fn a_sealed_contact_leaves_only_the_organization_in_plain() {
    use crate::user::Sealed;
    let sealed = SealedPoContact {
        contact_email: Some(Sealed {
            v: 1,
            n: "bm9uY2U=".into(),
            c: "Y2lwaGVy".into(),
        }),
        ..Default::default()
    };
    let mut cmd = create(vec![input("Corporate ticket", 10, "100")]);
    if let PurchaseOrderCommand::Create { sealed_contact, .. } = &mut cmd {
        *sealed_contact = Some(Box::new(sealed.clone()));
    }
    framework()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_events(vec![PurchaseOrderEvent::PurchaseOrderCreated {
            conference_id: id("conf"),
            reference: "PO-A1B2C3".into(),
            contact: PoContact {
                organization_name: contact().organization_name,
                ..Default::default()
            },
            lines: vec![line("Corporate ticket", 10, "100.00", "1000.00")],
            subtotal: d("1000.00"),
            total: d("1000.00"),
            created_by: None,
            at: t0(),
            sealed_contact: Some(Box::new(sealed)),
        }]);
}

#[test]
fn po_3_quantity_defaults_to_one() {
    let row: PoLineInput =
        serde_json::from_str(r#"{"description":"Booth","unit_price":"10.00"}"#).unwrap();
    assert_eq!(row.quantity, 1);
}

#[test]
fn po_4_skips_rows_with_a_blank_description() {
    let events = fold(vec![]).decide(
        create(vec![
            input("  ", 0, "-1"),
            input("Corporate ticket", 10, "100"),
        ]),
        t0(),
    );
    assert_eq!(events, Ok(vec![created()]));
}

#[test]
fn po_4_refuses_a_po_without_lines() {
    framework()
        .given_no_previous_events()
        .when(create(vec![input("", 1, "10")]))
        .then_expect_error(PurchaseOrderError::NoLines);
}

#[test]
fn po_4_refuses_a_zero_quantity_and_a_negative_unit_price() {
    let po = PurchaseOrder::default();
    let zero = po.decide(create(vec![input("Ticket", 0, "10")]), t0());
    assert_eq!(zero, Err(PurchaseOrderError::InvalidQuantity));
    let negative = po.decide(create(vec![input("Ticket", 1, "-0.01")]), t0());
    assert_eq!(negative, Err(PurchaseOrderError::NegativeUnitPrice));
    let precise = po.decide(create(vec![input("Ticket", 1, "1.005")]), t0());
    assert_eq!(precise, Err(PurchaseOrderError::TooPrecise));
}

#[test]
fn po_4_requires_organization_name_and_contact_email() {
    let po = PurchaseOrder::default();
    let mut cmd = create(vec![input("Ticket", 1, "10")]);
    if let PurchaseOrderCommand::Create { contact, .. } = &mut cmd {
        contact.organization_name = " ".into();
    }
    assert_eq!(
        po.decide(cmd.clone(), t0()),
        Err(PurchaseOrderError::BlankOrganization)
    );
    if let PurchaseOrderCommand::Create { contact, .. } = &mut cmd {
        contact.organization_name = "Acme".into();
        contact.contact_email = "not-an-email".into();
    }
    assert_eq!(
        po.decide(cmd, t0()),
        Err(PurchaseOrderError::InvalidContactEmail)
    );
}

#[test]
fn po_2_refuses_a_reference_not_of_the_form_po_and_six_characters() {
    for bad in ["PO-a1b2c3", "PO-A1B2C", "ORD-A1B2C3", "PO-A1B2C3D"] {
        assert!(!is_valid_po_reference(bad), "{bad}");
    }
    assert!(is_valid_po_reference("PO-Z9Y8X7"));
    let mut cmd = create(vec![input("Ticket", 1, "10")]);
    if let PurchaseOrderCommand::Create { reference, .. } = &mut cmd {
        *reference = "PO-abc".into();
    }
    framework()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(PurchaseOrderError::InvalidReference);
}

#[test]
fn po_2_a_retried_create_is_a_no_op_and_another_create_is_refused() {
    framework()
        .given(vec![created()])
        .when(create(vec![input("Corporate ticket", 10, "100.00")]))
        .then_expect_events(vec![]);
    framework()
        .given(vec![created()])
        .when(create(vec![input("Corporate ticket", 11, "100.00")]))
        .then_expect_error(PurchaseOrderError::AlreadyExists);
}

#[test]
fn po_commands_on_a_missing_po_are_not_found() {
    let err = PurchaseOrder::default().decide(PurchaseOrderCommand::Send, t0());
    assert_eq!(err, Err(PurchaseOrderError::NotFound));
    assert!(PurchaseOrderError::NotFound.is_not_found());
}

#[test]
fn po_10_sends_a_draft() {
    framework()
        .given(vec![created()])
        .when(PurchaseOrderCommand::Send)
        .then_expect_events(vec![sent()]);
}

#[test]
fn po_10_refuses_to_send_a_po_that_is_not_draft() {
    let err = PurchaseOrderError::NotDraft(PoStatus::Sent);
    assert_eq!(
        err.to_string(),
        "Only draft POs can be sent (current status: sent)"
    );
    framework()
        .given(vec![created(), sent()])
        .when(PurchaseOrderCommand::Send)
        .then_expect_error(err);
}
