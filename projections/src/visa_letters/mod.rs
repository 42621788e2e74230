//! Visa letter requests as applicants and organizers read them (LETTER-5…12).
//!
//! Key: `letter:{letter_id}`. Passport data stays sealed as it is in the log.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::visa_letter::{LetterEvent, LetterRequest, LetterStatus};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct VisaLetters;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub applicant: Uuid,
    pub request: LetterRequest,
    pub status: LetterStatus,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub rejection_reason: String,
    pub created_at: DateTime<Utc>,
    /// LETTER-8: the PDF's name once generated.
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub generated_at: Option<DateTime<Utc>>,
    /// LETTER-9.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
}

pub fn letter_key(id: Uuid) -> String {
    format!("letter:{id}")
}

pub const LETTERS_PREFIX: &str = "letter:";

impl Projection for VisaLetters {
    const NAME: &'static str = "visa_letters";
    const VERSION: u32 = 2;
    type Row = LetterRow;

    fn apply(rows: &mut Rows<LetterRow>, env: &Envelope) {
        let DomainEvent::VisaLetter(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        if let LetterEvent::VisaLetterRequested {
            conference_id,
            applicant,
            request,
            at,
        } = event
        {
            rows.insert(
                letter_key(id),
                LetterRow {
                    id,
                    conference_id: *conference_id,
                    applicant: *applicant,
                    request: (**request).clone(),
                    status: LetterStatus::Submitted,
                    reviewed_by: None,
                    reviewed_at: None,
                    rejection_reason: String::new(),
                    created_at: *at,
                    file_name: None,
                    generated_at: None,
                    sent_at: None,
                },
            );
            return;
        }
        let Some(row) = rows.get_mut(&letter_key(id)) else {
            return;
        };
        match event {
            LetterEvent::VisaLetterRequested { .. } => {}
            LetterEvent::VisaLetterUnderReview { .. } => row.status = LetterStatus::UnderReview,
            LetterEvent::VisaLetterApproved { by, at } => {
                row.status = LetterStatus::Approved;
                row.reviewed_by = Some(*by);
                row.reviewed_at = Some(*at);
            }
            LetterEvent::VisaLetterRejected { by, reason, at } => {
                row.status = LetterStatus::Rejected;
                row.reviewed_by = Some(*by);
                row.reviewed_at = Some(*at);
                row.rejection_reason = reason.clone();
            }
            LetterEvent::VisaLetterGenerated { file, at, .. } => {
                row.status = LetterStatus::Generated;
                row.file_name = Some(file.file_name.clone());
                row.generated_at = Some(*at);
            }
            LetterEvent::VisaLetterSent { at, .. } => {
                row.status = LetterStatus::Sent;
                row.sent_at = Some(*at);
            }
        }
    }
}
