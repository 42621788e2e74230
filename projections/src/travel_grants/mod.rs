//! Travel grants as reviewers, finance staff and applicants read them
//! (GRANT-12…26), and the conference's grant figures (ANA-15, ANA-33).
//!
//! Key: `grant:{grant_id}`. Payment details stay sealed in the log: the row
//! only says whether they exist and by which method (GRANT-21/42).

mod summary;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::travel_grant::{
    GrantApplication, GrantEvent, GrantStatus, PaymentMethod, ReceiptKind, ReceiptReview,
};
use tessera_aggregates::user::Sealed;
use uuid::Uuid;

pub use summary::{GrantSummary, summarize};

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct TravelGrants;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRow {
    pub author: Uuid,
    pub from_reviewer: bool,
    /// Plain: a fixed text, or a message written before messages were sealed.
    pub text: String,
    /// The words, sealed under the applicant's key (opened at read time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_text: Option<Sealed>,
    pub visible: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub applicant: Uuid,
    pub application: GrantApplication,
    pub status: GrantStatus,
    pub approved_amount: Option<Decimal>,
    pub promo_code: String,
    pub reviewer_notes: String,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub disbursed_amount: Option<Decimal>,
    pub disbursed_at: Option<DateTime<Utc>>,
    pub disbursed_by: Option<Uuid>,
    pub payment_method: Option<PaymentMethod>,
    /// Oldest first (GRANT-26).
    pub messages: Vec<MessageRow>,
    /// Uploaded and not deleted, oldest first (GRANT-29…36).
    #[serde(default)]
    pub receipts: Vec<ReceiptRow>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One receipt (GRANT-30…34); the description stays sealed as in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptRow {
    pub id: Uuid,
    pub kind: ReceiptKind,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub description: Option<Sealed>,
    pub extension: String,
    pub size: u64,
    pub sha256: String,
    /// The file's address in the file store; None: kept in the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<String>,
    /// The MIME type as checked on upload; None on older receipts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    pub approved: bool,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub flagged: bool,
    pub flag_reason: String,
    pub flagged_by: Option<Uuid>,
    pub flagged_at: Option<DateTime<Utc>>,
    pub uploaded_at: DateTime<Utc>,
}

impl ReceiptRow {
    /// GRANT-32.
    pub fn review(&self) -> ReceiptReview {
        ReceiptReview::of(self.approved, self.flagged)
    }
}

impl GrantRow {
    /// GRANT-21: accepted, payment info exists, at least one approved receipt.
    pub fn is_ready_for_disbursement(&self) -> bool {
        self.status == GrantStatus::Accepted
            && self.payment_method.is_some()
            && self.receipts.iter().any(|r| r.approved)
    }

    /// GRANT-36: Σ receipt amounts.
    pub fn receipts_total(&self) -> Decimal {
        self.receipts.iter().map(|r| r.amount).sum()
    }

    fn receipt_mut(&mut self, id: &Uuid) -> Option<&mut ReceiptRow> {
        self.receipts.iter_mut().find(|r| r.id == *id)
    }

    /// GRANT-26: what the applicant sees.
    pub fn visible_messages(&self) -> Vec<MessageRow> {
        self.messages
            .iter()
            .filter(|m| m.visible)
            .cloned()
            .collect()
    }
}

pub fn grant_key(id: Uuid) -> String {
    format!("grant:{id}")
}

pub const GRANTS_PREFIX: &str = "grant:";

impl Projection for TravelGrants {
    const NAME: &'static str = "travel_grants";
    const VERSION: u32 = 3;
    type Row = GrantRow;

    fn apply(rows: &mut Rows<GrantRow>, env: &Envelope) {
        let DomainEvent::TravelGrant(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        if let GrantEvent::GrantApplied {
            conference_id,
            applicant,
            application,
            at,
        } = event
        {
            rows.insert(
                grant_key(id),
                GrantRow {
                    id,
                    conference_id: *conference_id,
                    applicant: *applicant,
                    application: application.clone(),
                    status: GrantStatus::Submitted,
                    approved_amount: None,
                    promo_code: String::new(),
                    reviewer_notes: String::new(),
                    reviewed_by: None,
                    reviewed_at: None,
                    disbursed_amount: None,
                    disbursed_at: None,
                    disbursed_by: None,
                    payment_method: None,
                    messages: vec![],
                    receipts: vec![],
                    created_at: *at,
                    updated_at: *at,
                },
            );
            return;
        }
        let Some(row) = rows.get_mut(&grant_key(id)) else {
            return;
        };
        match event {
            GrantEvent::GrantApplied { .. } => {}
            GrantEvent::GrantApplicationEdited { application, at } => {
                row.application = application.clone();
                row.updated_at = *at;
            }
            GrantEvent::GrantWithdrawn { at } => row.set(GrantStatus::Withdrawn, at),
            GrantEvent::GrantOfferAccepted { at } => row.set(GrantStatus::Accepted, at),
            GrantEvent::GrantOfferDeclined { at } => row.set(GrantStatus::Declined, at),
            GrantEvent::GrantInfoProvided { at } => row.set(GrantStatus::Submitted, at),
            GrantEvent::GrantReviewed {
                by,
                status,
                approved_amount,
                promo_code,
                reviewer_notes,
                at,
                ..
            } => {
                row.set(*status, at);
                row.approved_amount = *approved_amount;
                row.promo_code = promo_code.clone();
                row.reviewer_notes = reviewer_notes.clone();
                row.reviewed_by = Some(*by);
                row.reviewed_at = Some(*at);
            }
            GrantEvent::GrantMessagePosted {
                author,
                from_reviewer,
                text,
                sealed_text,
                visible,
                at,
            } => row.messages.push(MessageRow {
                author: *author,
                from_reviewer: *from_reviewer,
                text: text.clone(),
                sealed_text: sealed_text.clone(),
                visible: *visible,
                at: *at,
            }),
            GrantEvent::GrantDisbursed { by, amount, at } => {
                row.set(GrantStatus::Disbursed, at);
                row.disbursed_amount = Some(*amount);
                row.disbursed_at = Some(*at);
                row.disbursed_by = Some(*by);
            }
            GrantEvent::GrantPaymentInfoRecorded { info, at } => {
                row.payment_method = Some(info.payment_method);
                row.updated_at = *at;
            }
            GrantEvent::GrantReceiptUploaded { receipt, at } => row.receipts.push(ReceiptRow {
                id: receipt.receipt_id,
                kind: receipt.kind,
                date: receipt.date,
                amount: receipt.amount,
                description: receipt.description.clone(),
                extension: receipt.file.extension.clone(),
                size: receipt.file.size,
                sha256: receipt.file.sha256.clone(),
                stored: receipt.file.stored.clone(),
                content_type: receipt.file.content_type.clone(),
                approved: false,
                approved_by: None,
                approved_at: None,
                flagged: false,
                flag_reason: String::new(),
                flagged_by: None,
                flagged_at: None,
                uploaded_at: *at,
            }),
            GrantEvent::GrantReceiptDeleted { receipt_id, .. } => {
                row.receipts.retain(|r| r.id != *receipt_id);
            }
            GrantEvent::GrantReceiptApproved { receipt_id, by, at } => {
                if let Some(r) = row.receipt_mut(receipt_id) {
                    r.approved = true;
                    r.approved_by = Some(*by);
                    r.approved_at = Some(*at);
                }
            }
            GrantEvent::GrantReceiptFlagged {
                receipt_id,
                by,
                reason,
                at,
            } => {
                if let Some(r) = row.receipt_mut(receipt_id) {
                    r.flagged = true;
                    r.flag_reason = reason.clone();
                    r.flagged_by = Some(*by);
                    r.flagged_at = Some(*at);
                }
            }
        }
    }
}

impl GrantRow {
    fn set(&mut self, status: GrantStatus, at: &DateTime<Utc>) {
        self.status = status;
        self.updated_at = *at;
    }
}
