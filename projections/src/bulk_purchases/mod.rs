//! Bulk purchases (SPONSOR-19/20, SPONSOR-34): one row per purchase, keyed
//! `bulk:{conference}:{purchase}`, so the organizer list and a sponsor's portal
//! read one conference's rows by prefix. The vouchers' uses are the Inventory's.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::bulk_purchase::{BulkPurchaseEvent, BulkStatus, BulkTerms};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct BulkPurchases;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkPurchaseRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub terms: BulkTerms,
    pub status: BulkStatus,
    pub approver: Option<Uuid>,
    pub session_id: Option<String>,
    pub payment_intent: Option<String>,
    /// SPONSOR-20: the linked vouchers.
    pub codes: Vec<String>,
    /// Why it failed (SPONSOR-26/28, PAY-50).
    pub failure: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BulkPurchaseRow {
    /// SPONSOR-20.
    pub fn is_fulfilled(&self) -> bool {
        self.codes.len() >= self.terms.quantity as usize
    }
}

/// Every purchase row of one conference.
pub fn prefix(conference: Uuid) -> String {
    format!("bulk:{conference}:")
}

pub fn key(conference: Uuid, purchase: Uuid) -> String {
    format!("bulk:{conference}:{purchase}")
}

fn find_key(rows: &Rows<BulkPurchaseRow>, env: &Envelope, id: Uuid) -> Option<String> {
    if let Some(c) = env.meta.conference_id {
        let k = key(c, id);
        if rows.get(&k).is_some() {
            return Some(k);
        }
    }
    rows.iter()
        .find(|(_, r)| r.id == id)
        .map(|(k, _)| k.clone())
}

impl Projection for BulkPurchases {
    const NAME: &'static str = "bulk_purchases";
    const VERSION: u32 = 1;
    type Row = BulkPurchaseRow;

    fn apply(rows: &mut Rows<BulkPurchaseRow>, env: &Envelope) {
        let DomainEvent::BulkPurchase(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        use BulkPurchaseEvent::*;
        if let BulkPurchaseRequested {
            conference_id,
            terms,
            at,
        } = event
        {
            rows.insert(
                key(*conference_id, id),
                BulkPurchaseRow {
                    id,
                    conference_id: *conference_id,
                    terms: terms.clone(),
                    status: BulkStatus::Pending,
                    approver: None,
                    session_id: None,
                    payment_intent: None,
                    codes: vec![],
                    failure: None,
                    requested_at: *at,
                    updated_at: *at,
                },
            );
            return;
        }
        let Some(k) = find_key(rows, env, id) else {
            return;
        };
        let Some(row) = rows.get_mut(&k) else {
            return;
        };
        match event {
            BulkPurchaseRequested { .. } => {}
            BulkPurchaseApproved {
                by,
                voucher_config,
                at,
            } => {
                row.approver = Some(*by);
                if let Some(c) = voucher_config {
                    row.terms.voucher_config = c.clone();
                }
                row.status = BulkStatus::Approved;
                row.updated_at = *at;
            }
            BulkCheckoutStarted { session_id, at } => {
                row.session_id = Some(session_id.clone());
                row.status = BulkStatus::Processing;
                row.updated_at = *at;
            }
            BulkPurchaseFulfilled {
                codes,
                payment_intent,
                at,
            } => {
                row.codes.extend(codes.iter().cloned());
                if payment_intent.is_some() {
                    row.payment_intent = payment_intent.clone();
                }
                row.status = BulkStatus::Paid;
                row.updated_at = *at;
            }
            BulkPurchaseFailed {
                reason,
                payment_intent,
                at,
            } => {
                if payment_intent.is_some() {
                    row.payment_intent = payment_intent.clone();
                }
                row.failure = Some(reason.clone());
                row.status = BulkStatus::Failed;
                row.updated_at = *at;
            }
            BulkPurchaseRefunded { at } => {
                row.status = BulkStatus::Refunded;
                row.updated_at = *at;
            }
        }
    }
}
