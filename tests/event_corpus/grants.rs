//! Travel grants.

use tessera_aggregates::travel_grant::{
    ApplicationType, ExperienceLevel, GrantApplication, GrantEvent, GrantStatus, PaymentMethod,
    ReceiptFile, ReceiptKind, ReceiptUpload, RequestType, SealedPaymentInfo, TravelGrant,
    stream_id,
};
use tessera_aggregates::user::Sealed;

use super::{Fixture, at, conference_id, later, money, stream, uid};

fn sealed(c: &str) -> Option<Sealed> {
    Some(Sealed {
        v: 1,
        n: "AAECAwQFBgcICQoL".into(),
        c: c.into(),
    })
}

pub fn travel_grant() -> Vec<Fixture> {
    let application = GrantApplication {
        request_type: RequestType::TicketAndGrant,
        application_type: ApplicationType::Pyladies,
        experience_level: ExperienceLevel::Intermediate,
        travel_from: "Lagos, Nigeria".into(),
        international: true,
        first_time: Some(true),
        airfare_description: "Return flight LOS-PIT".into(),
        airfare_amount: money("900.00"),
        lodging_description: "Five nights shared".into(),
        lodging_amount: money("400.00"),
        transit_description: String::new(),
        transit_amount: money("0"),
        visa_description: String::new(),
        visa_amount: money("0"),
        requested_amount: money("1300.00"),
        occupation: "Developer".into(),
        involvement: "PyLadies Lagos organizer".into(),
        reason: "First PyCon US".into(),
        days_attending: "2027-05-14,2027-05-15".into(),
        sharing_expenses: false,
        traveling_with: String::new(),
    };
    let ana = uid("ana");
    let message = |text: &str, from_reviewer: bool, visible: bool, minutes: i64| {
        GrantEvent::GrantMessagePosted {
            author: if from_reviewer { uid("rita") } else { ana },
            from_reviewer,
            text: text.into(),
            sealed_text: None,
            visible,
            at: later(minutes),
        }
    };
    let review = |was, status, minutes| GrantEvent::GrantReviewed {
        by: uid("rita"),
        was,
        status,
        approved_amount: Some(money("1000.00")),
        promo_code: "GR-ANA".into(),
        reviewer_notes: "Strong community work".into(),
        at: later(minutes),
    };
    // One sample of each type: Ana's grant goes the whole way; Bo declines an
    // offer and Cy withdraws (their earlier events are Ana's types).
    let events = vec![
        GrantEvent::GrantApplied {
            conference_id: conference_id(),
            applicant: ana,
            application: application.clone(),
            at: at(),
        },
        GrantEvent::GrantApplicationEdited {
            application: GrantApplication {
                reason: "Meet the core developers".into(),
                ..application
            },
            at: later(1),
        },
        review(GrantStatus::Submitted, GrantStatus::InfoNeeded, 2),
        GrantEvent::GrantInfoProvided { at: later(3) },
        message("Itinerary attached.", false, true, 3),
        GrantEvent::GrantOfferAccepted { at: later(5) },
        GrantEvent::GrantPaymentInfoRecorded {
            info: Box::new(SealedPaymentInfo {
                payment_method: PaymentMethod::Paypal,
                legal_name: sealed("bmFtZQ=="),
                address_street: sealed("c3RyZWV0"),
                address_city: sealed("Y2l0eQ=="),
                address_state: None,
                address_zip: sealed("emlw"),
                address_country: sealed("Y291bnRyeQ=="),
                paypal_email: sealed("ZW1haWw="),
                zelle_email: None,
                wise_email: None,
                bank_name: None,
                bank_account_number: None,
                bank_routing_number: None,
                bank_holder_name: None,
                bank_holder_address: None,
                bank_address: None,
                bank_additional: None,
            }),
            at: later(6),
        },
        GrantEvent::GrantReceiptUploaded {
            receipt: Box::new(ReceiptUpload {
                receipt_id: uid("receipt-1"),
                kind: ReceiptKind::Airfare,
                date: super::date("2027-05-12"),
                amount: money("450.00"),
                description: sealed("Ym9hcmRpbmcgcGFzcw=="),
                file: ReceiptFile {
                    extension: "pdf".into(),
                    size: 48213,
                    sha256: "9f".repeat(32),
                    stored: None,
                    content_type: None,
                    name: None,
                },
            }),
            at: later(6),
        },
        GrantEvent::GrantReceiptFlagged {
            receipt_id: uid("receipt-1"),
            by: uid("rita"),
            reason: "The amount is not legible.".into(),
            at: later(6),
        },
        GrantEvent::GrantReceiptApproved {
            receipt_id: uid("receipt-1"),
            by: uid("rita"),
            at: later(6),
        },
        GrantEvent::GrantReceiptDeleted {
            receipt_id: uid("receipt-2"),
            at: later(6),
        },
        GrantEvent::GrantDisbursed {
            by: uid("fin"),
            amount: money("950.00"),
            at: later(7),
        },
    ];
    let mut fixtures = stream::<TravelGrant>(stream_id(conference_id(), ana), events);
    fixtures.extend(stream::<TravelGrant>(
        stream_id(conference_id(), uid("bo")),
        vec![GrantEvent::GrantOfferDeclined { at: later(2) }],
    ));
    fixtures.extend(stream::<TravelGrant>(
        stream_id(conference_id(), uid("cy")),
        vec![GrantEvent::GrantWithdrawn { at: later(1) }],
    ));
    fixtures
}

#[allow(dead_code)]
fn travel_grant_variants(e: &GrantEvent) {
    use GrantEvent::*;
    match e {
        GrantApplied { .. }
        | GrantApplicationEdited { .. }
        | GrantWithdrawn { .. }
        | GrantOfferAccepted { .. }
        | GrantOfferDeclined { .. }
        | GrantInfoProvided { .. }
        | GrantReviewed { .. }
        | GrantMessagePosted { .. }
        | GrantDisbursed { .. }
        | GrantPaymentInfoRecorded { .. }
        | GrantReceiptUploaded { .. }
        | GrantReceiptDeleted { .. }
        | GrantReceiptApproved { .. }
        | GrantReceiptFlagged { .. } => {}
    }
}

pub fn visa_letter() -> Vec<Fixture> {
    use tessera_aggregates::visa_letter::{LetterEvent, LetterRequest, VisaLetter};
    let request = LetterRequest {
        passport_name: sealed("cGFzc3BvcnQgbmFtZQ=="),
        passport_number: sealed("bnVtYmVy"),
        nationality: "Nigerian".into(),
        date_of_birth: sealed("ZG9i"),
        embassy_name: "US Embassy Abuja".into(),
        travel_from: super::date("2027-05-12"),
        travel_until: super::date("2027-05-20"),
        destination_address: sealed("YWRkcmVzcw=="),
    };
    let ana = vec![
        LetterEvent::VisaLetterRequested {
            conference_id: conference_id(),
            applicant: uid("ana"),
            request: Box::new(request),
            at: at(),
        },
        LetterEvent::VisaLetterUnderReview { at: later(1) },
        LetterEvent::VisaLetterApproved {
            by: uid("olga"),
            at: later(2),
        },
        LetterEvent::VisaLetterGenerated {
            by: uid("olga"),
            file: tessera_aggregates::visa_letter::LetterFile {
                file_name: "letter-4f1c1f6e-8a3e-5b7e-9d51-2b7c3f0a6d11.pdf".into(),
                size: 2817,
                sha256: "3c".repeat(32),
            },
            at: later(3),
        },
        LetterEvent::VisaLetterSent {
            by: uid("olga"),
            at: later(4),
        },
    ];
    let mut fixtures = stream::<VisaLetter>(
        tessera_aggregates::visa_letter::stream_id(conference_id(), uid("ana")),
        ana,
    );
    fixtures.extend(stream::<VisaLetter>(
        tessera_aggregates::visa_letter::stream_id(conference_id(), uid("bo")),
        vec![LetterEvent::VisaLetterRejected {
            by: uid("olga"),
            reason: "Travel dates outside the conference.".into(),
            at: later(3),
        }],
    ));
    fixtures
}

#[allow(dead_code)]
fn visa_letter_variants(e: &tessera_aggregates::visa_letter::LetterEvent) {
    use tessera_aggregates::visa_letter::LetterEvent::*;
    match e {
        VisaLetterRequested { .. }
        | VisaLetterUnderReview { .. }
        | VisaLetterApproved { .. }
        | VisaLetterRejected { .. }
        | VisaLetterGenerated { .. }
        | VisaLetterSent { .. } => {}
    }
}
