//! A visa invitation letter request (SPEC LETTER-*): one stream per (conference,
//! applicant) (LETTER-1). Passport data enters the log sealed under the
//! applicant's personal-data key by the caller.

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::user::Sealed;
use crate::{DomainServices, Timestamp};

pub const TYPE: &str = "visa_letter";

/// LETTER-1: the one stream of `applicant`'s request in `conference`.
pub fn stream_id(conference: Uuid, applicant: Uuid) -> Uuid {
    crate::natural_id(TYPE, &format!("{conference}/{applicant}"))
}

/// LETTER-5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    #[default]
    Submitted,
    UnderReview,
    Approved,
    Generated,
    Sent,
    Rejected,
}

impl LetterStatus {
    pub const ALL: [LetterStatus; 6] = [
        Self::Submitted,
        Self::UnderReview,
        Self::Approved,
        Self::Generated,
        Self::Sent,
        Self::Rejected,
    ];

    /// LETTER-6: the allowed transitions; sent and rejected are terminal.
    pub fn may_become(self, to: LetterStatus) -> bool {
        use LetterStatus::*;
        matches!(
            (self, to),
            (Submitted, UnderReview | Approved | Rejected)
                | (UnderReview, Approved | Rejected)
                | (Approved, Generated)
                | (Generated, Sent)
        )
    }
}

/// LETTER-2: the request as it enters the log (passport data sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterRequest {
    pub passport_name: Option<Sealed>,
    pub passport_number: Option<Sealed>,
    pub nationality: String,
    #[serde(default)]
    pub date_of_birth: Option<Sealed>,
    #[serde(default)]
    pub embassy_name: String,
    pub travel_from: NaiveDate,
    pub travel_until: NaiveDate,
    pub destination_address: Option<Sealed>,
}

/// LETTER-12: the organizers' review actions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum ReviewAction {
    UnderReview,
    Approve,
    Reject { reason: String },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum LetterCommand {
    /// LETTER-1…4.
    Request {
        conference_id: Uuid,
        applicant: Uuid,
        request: Box<LetterRequest>,
    },
    /// LETTER-6/7/12.
    Review { by: Uuid, action: ReviewAction },
    /// LETTER-8: only from approved; the PDF is already stored by the caller.
    Generate { by: Uuid, file: LetterFile },
    /// LETTER-9: only from generated; sets sent_at.
    Send { by: Uuid },
}

/// LETTER-8: the stored PDF as the log knows it (never its bytes). A stored
/// format: never rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterFile {
    /// "letter-<id>.pdf".
    pub file_name: String,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// LETTER-8: the file name of letter `id`.
pub fn file_name(id: Uuid) -> String {
    format!("letter-{id}.pdf")
}

/// Facts about one letter request. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LetterEvent {
    VisaLetterRequested {
        conference_id: Uuid,
        applicant: Uuid,
        request: Box<LetterRequest>,
        at: Timestamp,
    },
    /// LETTER-7: records neither reviewer nor time of review.
    VisaLetterUnderReview {
        at: Timestamp,
    },
    VisaLetterApproved {
        by: Uuid,
        at: Timestamp,
    },
    VisaLetterRejected {
        by: Uuid,
        reason: String,
        at: Timestamp,
    },
    /// LETTER-8.
    VisaLetterGenerated {
        by: Uuid,
        file: LetterFile,
        at: Timestamp,
    },
    /// LETTER-9: `at` is sent_at.
    VisaLetterSent {
        by: Uuid,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for LetterEvent {
    fn event_type(&self) -> String {
        match self {
            Self::VisaLetterRequested { .. } => "VisaLetterRequested",
            Self::VisaLetterUnderReview { .. } => "VisaLetterUnderReview",
            Self::VisaLetterApproved { .. } => "VisaLetterApproved",
            Self::VisaLetterRejected { .. } => "VisaLetterRejected",
            Self::VisaLetterGenerated { .. } => "VisaLetterGenerated",
            Self::VisaLetterSent { .. } => "VisaLetterSent",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LetterError {
    #[error("Visa letter request not found.")]
    NotFound,
    #[error("You have already requested a visa letter for this conference.")]
    AlreadyRequested, // LETTER-1
    #[error("This field is required: {0}.")]
    Required(&'static str), // LETTER-2
    #[error("Travel start date must be before the end date.")]
    TravelDates, // LETTER-3
    #[error("Invalid action or status transition.")]
    InvalidTransition, // LETTER-6/12
    #[error("A reason is required to reject a request.")]
    ReasonRequired, // LETTER-7
    #[error("Only approved requests can be generated.")]
    NotApproved, // LETTER-8
    #[error("Only generated letters can be sent.")]
    NotGenerated, // LETTER-9
    #[error("The applicant was erased; the letter can no longer be read.")]
    Erased, // LETTER-14
}

impl LetterError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Erased => "letter.erased",
            Self::NotFound => "letter.not_found",
            Self::AlreadyRequested => "letter.already_requested",
            Self::Required(_) => "letter.required",
            Self::TravelDates => "letter.travel_dates",
            Self::InvalidTransition => "letter.invalid_transition",
            Self::ReasonRequired => "letter.reason_required",
            Self::NotApproved => "letter.not_approved",
            Self::NotGenerated => "letter.not_generated",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct VisaLetter {
    created: bool,
    conference_id: Uuid,
    status: LetterStatus,
}

impl VisaLetter {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    pub fn status(&self) -> LetterStatus {
        self.status
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: LetterCommand,
        now: Timestamp,
    ) -> Result<Vec<LetterEvent>, LetterError> {
        use LetterEvent::*;
        match cmd {
            LetterCommand::Request { .. } if self.created => Err(LetterError::AlreadyRequested),
            LetterCommand::Request {
                conference_id,
                applicant,
                request,
            } => {
                check(&request)?;
                Ok(vec![VisaLetterRequested {
                    conference_id,
                    applicant,
                    request,
                    at: now,
                }])
            }
            LetterCommand::Review { .. }
            | LetterCommand::Generate { .. }
            | LetterCommand::Send { .. }
                if !self.created =>
            {
                Err(LetterError::NotFound)
            }
            LetterCommand::Generate { .. } if self.status != LetterStatus::Approved => {
                Err(LetterError::NotApproved)
            }
            LetterCommand::Generate { by, file } => {
                Ok(vec![VisaLetterGenerated { by, file, at: now }])
            }
            LetterCommand::Send { .. } if self.status != LetterStatus::Generated => {
                Err(LetterError::NotGenerated)
            }
            LetterCommand::Send { by } => Ok(vec![VisaLetterSent { by, at: now }]),
            LetterCommand::Review { by, action } => {
                let to = match &action {
                    ReviewAction::UnderReview => LetterStatus::UnderReview,
                    ReviewAction::Approve => LetterStatus::Approved,
                    ReviewAction::Reject { .. } => LetterStatus::Rejected,
                };
                if !self.status.may_become(to) {
                    return Err(LetterError::InvalidTransition);
                }
                Ok(vec![match action {
                    ReviewAction::UnderReview => VisaLetterUnderReview { at: now },
                    ReviewAction::Approve => VisaLetterApproved { by, at: now },
                    ReviewAction::Reject { reason } if reason.trim().is_empty() => {
                        return Err(LetterError::ReasonRequired);
                    }
                    ReviewAction::Reject { reason } => VisaLetterRejected {
                        by,
                        reason,
                        at: now,
                    },
                }])
            }
        }
    }

    fn evolve(&mut self, event: LetterEvent) {
        use LetterEvent::*;
        match event {
            VisaLetterRequested { conference_id, .. } => {
                self.created = true;
                self.conference_id = conference_id;
                self.status = LetterStatus::Submitted;
            }
            VisaLetterUnderReview { .. } => self.status = LetterStatus::UnderReview,
            VisaLetterApproved { .. } => self.status = LetterStatus::Approved,
            VisaLetterRejected { .. } => self.status = LetterStatus::Rejected,
            VisaLetterGenerated { .. } => self.status = LetterStatus::Generated,
            VisaLetterSent { .. } => self.status = LetterStatus::Sent,
        }
    }
}

/// LETTER-2/3.
fn check(r: &LetterRequest) -> Result<(), LetterError> {
    for (field, present) in [
        ("passport_name", r.passport_name.is_some()),
        ("passport_number", r.passport_number.is_some()),
        ("nationality", !r.nationality.trim().is_empty()),
        ("destination_address", r.destination_address.is_some()),
    ] {
        if !present {
            return Err(LetterError::Required(field));
        }
    }
    if r.travel_from >= r.travel_until {
        return Err(LetterError::TravelDates);
    }
    Ok(())
}

impl Aggregate for VisaLetter {
    const TYPE: &'static str = TYPE;
    type Command = LetterCommand;
    type Event = LetterEvent;
    type Error = LetterError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}
