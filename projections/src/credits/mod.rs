//! Store credits and credit notes (SPEC PAY-15…21, AMB-9/20/22), with a summary per
//! conference (ANA-25).
//!
//! Keys:
//! - `credit:{conference_id}:{credit_id}` → [`CreditRecord`]; a conference's credits
//!   are the prefix [`credits_prefix`], a user's are those rows filtered by `user`;
//! - `summary:{conference_id}` → [`CreditSummary`];
//! - `stream:{credit_id}` → the conference of the credit stream (internal pointer).

#[cfg(test)]
mod tests;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
pub use tessera_aggregates::credit::CreditRecord;
use tessera_aggregates::credit::{CreditEvent, CreditStatus, IssuedCredit};
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Credits;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum CreditsRow {
    Credit(CreditRecord),
    Summary(CreditSummary),
    /// `stream:{credit_id}`: the conference the credit was issued in.
    Stream {
        conference_id: Uuid,
    },
}

/// ANA-25 (and ANA-23/24 inputs), over the conference's credits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreditSummary {
    pub conference_id: Uuid,
    /// Spendable credits issued.
    pub count: u64,
    /// Σ amount of spendable credits.
    pub issued: Decimal,
    /// Σ remaining of available credits.
    pub outstanding: Decimal,
    /// Σ amount of credits whose status is applied.
    pub applied: Decimal,
    /// Credit notes (refunds to the card).
    pub credit_notes: u64,
    /// Σ amount of credit notes.
    pub credit_notes_amount: Decimal,
}

impl CreditSummary {
    fn add(&mut self, c: &CreditRecord, sign: Decimal) {
        let n = |count: &mut u64| {
            if sign.is_sign_negative() {
                *count = count.saturating_sub(1)
            } else {
                *count += 1
            }
        };
        if c.spendable {
            n(&mut self.count);
            self.issued += sign * c.amount;
        } else {
            n(&mut self.credit_notes);
            self.credit_notes_amount += sign * c.amount;
        }
        match c.status {
            CreditStatus::Available => self.outstanding += sign * c.remaining,
            CreditStatus::Applied => self.applied += sign * c.amount,
            CreditStatus::Expired | CreditStatus::CreditNote => {}
        }
    }
}

pub fn credit_key(conference_id: Uuid, credit_id: Uuid) -> String {
    format!("credit:{conference_id}:{credit_id}")
}

/// Every credit of a conference.
pub fn credits_prefix(conference_id: Uuid) -> String {
    format!("credit:{conference_id}:")
}

pub fn summary_key(conference_id: Uuid) -> String {
    format!("summary:{conference_id}")
}

impl Credits {
    fn summary(rows: &mut Rows<CreditsRow>, conference_id: Uuid) -> Option<&mut CreditSummary> {
        let row = rows.upsert_with(&summary_key(conference_id), || {
            CreditsRow::Summary(CreditSummary {
                conference_id,
                ..Default::default()
            })
        });
        match row {
            CreditsRow::Summary(s) => Some(s),
            _ => None,
        }
    }

    /// Replaces the credit's contribution to its summary: `before` out, `after` in.
    fn account(rows: &mut Rows<CreditsRow>, before: Option<&CreditRecord>, after: &CreditRecord) {
        if let Some(s) = Self::summary(rows, after.conference_id) {
            if let Some(b) = before {
                s.add(b, Decimal::NEGATIVE_ONE);
            }
            s.add(after, Decimal::ONE);
        }
    }
}

impl Projection for Credits {
    const NAME: &'static str = "credits";
    const VERSION: u32 = 1;
    type Row = CreditsRow;

    fn apply(rows: &mut Rows<CreditsRow>, env: &Envelope) {
        let DomainEvent::Credit(event) = &env.event else {
            return;
        };
        if let CreditEvent::CreditIssued(IssuedCredit { conference_id, .. }) = event {
            let mut credit = CreditRecord::default();
            credit.evolve(event);
            // The stream id is the credit id; the event's id is the fallback.
            credit.id = env.aggregate_uuid().unwrap_or(credit.id);
            rows.insert(
                stream_key(&env.aggregate_id),
                CreditsRow::Stream {
                    conference_id: *conference_id,
                },
            );
            let key = credit_key(*conference_id, credit.id);
            let before = match rows.get(&key) {
                Some(CreditsRow::Credit(c)) => Some(c.clone()),
                _ => None,
            };
            Self::account(rows, before.as_ref(), &credit);
            rows.insert(key, CreditsRow::Credit(credit));
            return;
        }
        let pointer = match rows.get(&stream_key(&env.aggregate_id)) {
            Some(CreditsRow::Stream { conference_id }) => Some(*conference_id),
            _ => None,
        };
        let (Some(conference_id), Some(id)) = (conference_of(pointer, env), env.aggregate_uuid())
        else {
            return;
        };
        let key = credit_key(conference_id, id);
        let Some(CreditsRow::Credit(before)) = rows.get(&key).cloned() else {
            return;
        };
        let mut credit = before.clone();
        credit.evolve(event);
        Self::account(rows, Some(&before), &credit);
        rows.insert(key, CreditsRow::Credit(credit));
    }
}
