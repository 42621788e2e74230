//! A travel grant application (SPEC GRANT-*): one stream per (conference,
//! applicant), so GRANT-1 holds under any concurrency. The applicant's actions
//! and the reviewer's and finance staff's follow the tables in [`transitions`].

mod commands;
mod errors;
mod events;
mod model;
#[cfg(test)]
mod receipt_tests;
mod receipts;
#[cfg(test)]
mod tests;
pub mod transitions;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::GrantCommand;
pub use errors::GrantError;
pub use events::GrantEvent;
pub use model::{
    ApplicationType, ExperienceLevel, GrantApplication, GrantStatus, PaymentMethod, RequestType,
    SealedPaymentInfo, dollars,
};
pub use receipts::{
    MAX_RECEIPT_BYTES, RECEIPT_EXTENSIONS, ReceiptFile, ReceiptKind, ReceiptReview, ReceiptUpload,
    check_content, check_file, receipt_content_type, sniff,
};
use transitions::ApplicantAction;

use crate::user::Sealed;
use crate::{DomainServices, Timestamp};

pub const TYPE: &str = "travel_grant";

/// GRANT-1: the one stream of `applicant`'s grant in `conference`.
pub fn stream_id(conference: Uuid, applicant: Uuid) -> Uuid {
    crate::natural_id(TYPE, &format!("{conference}/{applicant}"))
}

/// GRANT-15/16: the messages the applicant's actions leave.
pub const WITHDREW: &str = "Withdrew the travel grant application.";
pub const ACCEPTED: &str = "Accepted the travel grant offer.";
pub const DECLINED: &str = "Declined the travel grant offer.";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TravelGrant {
    created: bool,
    conference_id: Uuid,
    applicant: Uuid,
    application: GrantApplication,
    status: GrantStatus,
    approved_amount: Option<Decimal>,
    has_payment_info: bool,
    #[serde(default)]
    receipts: receipts::Receipts,
}

impl TravelGrant {
    pub fn exists(&self) -> bool {
        self.created
    }

    /// The conference applied to (nil before the application).
    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    pub fn status(&self) -> GrantStatus {
        self.status
    }

    /// The applicant (nil before the application).
    pub fn applicant(&self) -> Uuid {
        self.applicant
    }

    /// GRANT-21: accepted, payment info exists, and at least one receipt is
    /// approved.
    pub fn is_ready_for_disbursement(&self) -> bool {
        self.status == GrantStatus::Accepted
            && self.has_payment_info
            && self.receipts.values().any(|r| r.approved)
    }

    /// GRANT-29: receipts are listed and uploaded only for an accepted grant
    /// with an approved, non-zero amount.
    pub fn takes_receipts(&self) -> bool {
        self.takes_payment_info()
    }

    /// GRANT-29/38: accepted with an approved, non-zero amount.
    fn takes_payment_info(&self) -> bool {
        self.status == GrantStatus::Accepted && self.approved_amount.is_some_and(|a| !a.is_zero())
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(&self, cmd: GrantCommand, now: Timestamp) -> Result<Vec<GrantEvent>, GrantError> {
        use GrantCommand::*;
        use GrantEvent::*;
        if !self.created {
            return match cmd {
                Apply {
                    conference_id,
                    applicant,
                    application,
                    max_grant_amount,
                    offered_days,
                } => {
                    check_application(&application, max_grant_amount)?;
                    check_days(&application, &offered_days)?;
                    Ok(vec![GrantApplied {
                        conference_id,
                        applicant,
                        application,
                        at: now,
                    }])
                }
                _ => Err(GrantError::NotFound),
            };
        }
        let applicant = self.applicant;
        // GRANT-15/16: the fixed texts of the applicant's actions stay plain.
        let message = |text: &str| GrantMessagePosted {
            author: applicant,
            from_reviewer: false,
            text: text.to_string(),
            sealed_text: None,
            visible: true,
            at: now,
        };
        // GRANT-17/24: the applicant's own words, sealed by the caller.
        let said = |sealed: Sealed| GrantMessagePosted {
            author: applicant,
            from_reviewer: false,
            text: String::new(),
            sealed_text: Some(sealed),
            visible: true,
            at: now,
        };
        Ok(match cmd {
            Apply { .. } => return Err(GrantError::AlreadyApplied),
            Edit { .. } if !self.status.is_editable() => return Err(GrantError::NotEditable),
            Edit { application, .. } if application == self.application => vec![],
            Edit {
                application,
                max_grant_amount,
                offered_days,
            } => {
                check_application(&application, max_grant_amount)?;
                check_days(&application, &offered_days)?;
                vec![GrantApplicationEdited {
                    application,
                    at: now,
                }]
            }
            Withdraw => {
                transitions::applicant(self.status, ApplicantAction::Withdraw)?;
                vec![GrantWithdrawn { at: now }, message(WITHDREW)]
            }
            Accept => {
                transitions::applicant(self.status, ApplicantAction::Accept)?;
                vec![GrantOfferAccepted { at: now }, message(ACCEPTED)]
            }
            Decline => {
                transitions::applicant(self.status, ApplicantAction::Decline)?;
                vec![GrantOfferDeclined { at: now }, message(DECLINED)]
            }
            ProvideInfo { message: text } => {
                transitions::applicant(self.status, ApplicantAction::ProvideInfo)?;
                let text = text.ok_or(GrantError::BlankMessage)?;
                vec![GrantInfoProvided { at: now }, said(text)]
            }
            Review {
                by,
                status,
                approved_amount,
                promo_code,
                reviewer_notes,
            } => {
                transitions::reviewer(self.status, status)?;
                if approved_amount.is_some_and(|a| a.is_sign_negative() && !a.is_zero()) {
                    return Err(GrantError::NegativeAmount);
                }
                vec![GrantReviewed {
                    by,
                    was: self.status,
                    status,
                    approved_amount,
                    promo_code,
                    reviewer_notes,
                    at: now,
                }]
            }
            PostMessage { text: None, .. } => return Err(GrantError::BlankMessage),
            PostMessage {
                author,
                from_reviewer,
                text: Some(sealed),
                visible,
            } => vec![GrantMessagePosted {
                author,
                from_reviewer,
                text: String::new(),
                sealed_text: Some(sealed),
                // GRANT-24/25: an applicant's message is always visible.
                visible: visible || !from_reviewer,
                at: now,
            }],
            Disburse { .. } if self.status != GrantStatus::Accepted => {
                return Err(GrantError::NotAccepted);
            }
            Disburse { amount, .. } if amount.is_sign_negative() && !amount.is_zero() => {
                return Err(GrantError::NegativeAmount);
            }
            Disburse { by, amount } => vec![GrantDisbursed {
                by,
                amount,
                at: now,
            }],
            RecordPaymentInfo { .. } if !self.takes_payment_info() => {
                return Err(GrantError::PaymentInfoNotAllowed);
            }
            RecordPaymentInfo { info } => {
                if let Some(field) = info.missing_field() {
                    return Err(GrantError::Required(field));
                }
                vec![GrantPaymentInfoRecorded { info, at: now }]
            }
            UploadReceipt { .. } if !self.takes_payment_info() => {
                return Err(GrantError::ReceiptsNotAllowed); // GRANT-29
            }
            UploadReceipt { receipt } => {
                if receipt.amount.is_sign_negative() && !receipt.amount.is_zero() {
                    return Err(GrantError::NegativeAmount);
                }
                let name = format!("receipt.{}", receipt.file.extension);
                check_file(&name, receipt.file.size)?; // GRANT-31
                // A retried upload of the same receipt id changes nothing.
                if self.receipts.contains_key(&receipt.receipt_id) {
                    return Ok(vec![]);
                }
                vec![GrantReceiptUploaded { receipt, at: now }]
            }
            DeleteReceipt { receipt_id } => {
                let r = self.receipt(receipt_id)?;
                if r.approved || r.flagged {
                    return Err(GrantError::ReceiptNotDeletable); // GRANT-33
                }
                vec![GrantReceiptDeleted {
                    receipt_id,
                    at: now,
                }]
            }
            ApproveReceipt { receipt_id, .. } if self.receipt(receipt_id)?.approved => vec![],
            ApproveReceipt { receipt_id, by } => vec![GrantReceiptApproved {
                receipt_id,
                by,
                at: now,
            }],
            FlagReceipt {
                receipt_id,
                by,
                reason,
            } => {
                self.receipt(receipt_id)?;
                let reason = reason.trim().to_string();
                if reason.is_empty() {
                    return Err(GrantError::FlagReasonRequired);
                }
                if reason.chars().count() > 1024 {
                    return Err(GrantError::FlagReasonTooLong);
                }
                vec![GrantReceiptFlagged {
                    receipt_id,
                    by,
                    reason,
                    at: now,
                }]
            }
        })
    }

    fn evolve(&mut self, event: GrantEvent) {
        use GrantEvent::*;
        match event {
            GrantApplied {
                conference_id,
                applicant,
                application,
                ..
            } => {
                self.created = true;
                self.conference_id = conference_id;
                self.applicant = applicant;
                self.application = application;
                self.status = GrantStatus::Submitted;
            }
            GrantApplicationEdited { application, .. } => self.application = application,
            GrantWithdrawn { .. } => self.status = GrantStatus::Withdrawn,
            GrantOfferAccepted { .. } => self.status = GrantStatus::Accepted,
            GrantOfferDeclined { .. } => self.status = GrantStatus::Declined,
            GrantInfoProvided { .. } => self.status = GrantStatus::Submitted,
            GrantReviewed {
                status,
                approved_amount,
                ..
            } => {
                self.status = status;
                self.approved_amount = approved_amount;
            }
            GrantMessagePosted { .. } => {}
            GrantDisbursed { .. } => self.status = GrantStatus::Disbursed,
            GrantPaymentInfoRecorded { .. } => self.has_payment_info = true,
            GrantReceiptUploaded { receipt, .. } => {
                let state = receipts::ReceiptState {
                    stored: receipt.file.stored.clone(),
                    ..Default::default()
                };
                self.receipts.insert(receipt.receipt_id, state);
            }
            GrantReceiptDeleted { receipt_id, .. } => {
                self.receipts.remove(&receipt_id);
            }
            GrantReceiptApproved { receipt_id, .. } => {
                if let Some(r) = self.receipts.get_mut(&receipt_id) {
                    r.approved = true;
                }
            }
            GrantReceiptFlagged { receipt_id, .. } => {
                if let Some(r) = self.receipts.get_mut(&receipt_id) {
                    r.flagged = true;
                }
            }
        }
    }

    fn receipt(&self, id: Uuid) -> Result<receipts::ReceiptState, GrantError> {
        self.receipts
            .get(&id)
            .cloned()
            .ok_or(GrantError::ReceiptNotFound)
    }

    /// The store address of receipt `id`'s file, if it is in the file store.
    pub fn receipt_file(&self, id: Uuid) -> Option<String> {
        self.receipts.get(&id).and_then(|r| r.stored.clone())
    }
}

/// GRANT-4…7: the form's validations, in the order the form reports them.
/// GRANT-49: every submitted day must be among the days the form offers now.
fn check_days(a: &GrantApplication, offered: &[chrono::NaiveDate]) -> Result<(), GrantError> {
    match a
        .days()
        .into_iter()
        .find(|d| !offered.iter().any(|o| o.to_string() == *d))
    {
        Some(day) => Err(GrantError::DayNotOffered(day)),
        None => Ok(()),
    }
}

fn check_application(a: &GrantApplication, max: Decimal) -> Result<(), GrantError> {
    for (field, value) in [
        ("travel_from", &a.travel_from),
        ("reason", &a.reason),
        ("occupation", &a.occupation),
        ("involvement", &a.involvement),
    ] {
        if value.trim().is_empty() {
            return Err(GrantError::Required(field));
        }
    }
    let breakdown = [
        a.airfare_amount,
        a.lodging_amount,
        a.transit_amount,
        a.visa_amount,
    ];
    if breakdown.iter().any(|x| *x < Decimal::ZERO) {
        return Err(GrantError::NegativeAmount);
    }
    match a.request_type {
        // GRANT-5 as decided for AMB-18: a ticket-only request may ask for 0.
        RequestType::TicketOnly if a.requested_amount < Decimal::ZERO => {
            Err(GrantError::AmountNotPositive)
        }
        RequestType::TicketOnly => Ok(()),
        RequestType::TicketAndGrant => {
            if a.requested_amount <= Decimal::ZERO {
                return Err(GrantError::AmountNotPositive); // GRANT-5
            }
            if a.requested_amount < Decimal::ONE {
                return Err(GrantError::AmountBelowOne); // GRANT-6
            }
            if a.requested_amount > max {
                return Err(GrantError::AmountAboveMax(dollars(max))); // GRANT-6
            }
            if !a.airfare_amount.is_zero() && a.airfare_description.trim().is_empty() {
                return Err(GrantError::AirfareUndescribed); // GRANT-7
            }
            if !a.lodging_amount.is_zero() && a.lodging_description.trim().is_empty() {
                return Err(GrantError::LodgingUndescribed); // GRANT-7
            }
            Ok(())
        }
    }
}

impl Aggregate for TravelGrant {
    const TYPE: &'static str = TYPE;
    type Command = GrantCommand;
    type Event = GrantEvent;
    type Error = GrantError;
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
