use chrono::NaiveDate;
use tessera_aggregates::natural_id;
use tessera_aggregates::visa_letter::{LetterEvent, LetterRequest, LetterStatus};

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, conf, log, user};

fn logged(event: LetterEvent) -> Logged {
    Logged {
        kind: "visa_letter",
        id: natural_id("visa_letter", "ana"),
        conference: Some(conf()),
        event: DomainEvent::VisaLetter(event),
    }
}

#[test]
fn letter_7_the_row_records_the_rejection_reason_and_reviewer() {
    let request = LetterRequest {
        passport_name: None,
        passport_number: None,
        nationality: "Nigerian".into(),
        date_of_birth: None,
        embassy_name: String::new(),
        travel_from: NaiveDate::from_ymd_opt(2027, 5, 12).unwrap_or_default(),
        travel_until: NaiveDate::from_ymd_opt(2027, 5, 20).unwrap_or_default(),
        destination_address: None,
    };
    let rows = fold_all::<VisaLetters>(&log(vec![
        logged(LetterEvent::VisaLetterRequested {
            conference_id: conf(),
            applicant: user("ana"),
            request: Box::new(request),
            at: at(1, 9),
        }),
        logged(LetterEvent::VisaLetterUnderReview { at: at(2, 9) }),
        logged(LetterEvent::VisaLetterRejected {
            by: user("olga"),
            reason: "Incomplete".into(),
            at: at(3, 9),
        }),
    ]));
    assert_round_trip(&rows);
    let row = rows
        .get(&letter_key(natural_id("visa_letter", "ana")))
        .cloned()
        .expect("row");
    assert_eq!(row.status, LetterStatus::Rejected);
    assert_eq!(row.rejection_reason, "Incomplete");
    assert_eq!(row.reviewed_by, Some(user("olga")));
}
