//! Travel grants as reviewers, finance staff and applicants read them
//! (GRANT-12…26), and the conference's grant figures (ANA-15, ANA-33).
//!
//! Key: `grant:{grant_id}`. Payment details stay sealed in the log: the row
//! only says whether they exist and by which method (GRANT-21/42).

mod summary;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::travel_grant::{GrantApplication, GrantEvent, GrantStatus, PaymentMethod};
use uuid::Uuid;

pub use summary::{GrantSummary, summarize};

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct TravelGrants;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRow {
    pub author: Uuid,
    pub from_reviewer: bool,
    pub text: String,
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GrantRow {
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
    const VERSION: u32 = 1;
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
                visible,
                at,
            } => row.messages.push(MessageRow {
                author: *author,
                from_reviewer: *from_reviewer,
                text: text.clone(),
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
        }
    }
}

impl GrantRow {
    fn set(&mut self, status: GrantStatus, at: &DateTime<Utc>) {
        self.status = status;
        self.updated_at = *at;
    }
}
