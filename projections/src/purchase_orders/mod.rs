//! Purchase orders (corporate invoicing, SPEC PO-*) with their payments, credit
//! notes and balance, and the PO figures of the financial dashboard (ANA-34).
//!
//! Keys:
//! - `po:{conference_id}:{po_id}` → [`PurchaseOrderRow`]; a conference's POs are the
//!   prefix [`pos_prefix`] (PO-17 lists them newest first: sort by `created_at`);
//! - `ref:{reference}` → [`PoRef`], the lookup by reference;
//! - `summary:{conference_id}` → [`PoSummary`];
//! - `stream:{po_id}` → the conference of the PO stream (internal pointer).

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::purchase_order::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoPayment, PoStatus, PurchaseOrderEvent,
    SealedPoContact,
};
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct PurchaseOrders;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum PurchaseOrdersRow {
    Po(PurchaseOrderRow),
    Ref(PoRef),
    Summary(PoSummary),
    /// `stream:{po_id}`: the conference the PO was created in.
    Stream {
        conference_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoRef {
    pub conference_id: Uuid,
    pub po_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseOrderRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    /// "PO-" + 6 characters (PO-2).
    pub reference: String,
    /// The contact as stored: its personal fields blank when sealed.
    pub contact: PoContact,
    /// The contact's personal fields sealed under the PO's key (opened by the
    /// service); None for a PO created before sealing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_contact: Option<SealedPoContact>,
    pub lines: Vec<PoLine>,
    pub subtotal: Decimal,
    pub total: Decimal,
    /// PO-1, stored lower_snake_case.
    pub status: PoStatus,
    /// PO-5: Σ payments.
    pub total_paid: Decimal,
    /// PO-5: Σ credit notes.
    pub total_credited: Decimal,
    /// PO-5: total − paid − credited; may be negative.
    pub balance_due: Decimal,
    /// Append-only (PO-18), in order.
    pub payments: Vec<PoPayment>,
    pub credit_notes: Vec<PoCreditNote>,
    pub stripe_invoice: Option<ExternalInvoice>,
    pub qbo_invoice: Option<ExternalInvoice>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<Uuid>,
}

/// ANA-34's PO figures for one conference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoSummary {
    pub conference_id: Uuid,
    pub count: u64,
    pub cancelled: u64,
    /// Σ total of paid, overpaid and partially paid POs.
    pub revenue: Decimal,
    /// Σ payments of non-cancelled POs.
    pub paid: Decimal,
    /// Σ credit notes of non-cancelled POs.
    pub credited: Decimal,
    /// revenue − paid − credited (ANA-34).
    pub outstanding: Decimal,
}

impl PoSummary {
    fn account(&mut self, po: &PurchaseOrderRow, sign: i8) {
        let s = Decimal::from(sign);
        let n = |c: &mut u64| {
            if sign < 0 {
                *c = c.saturating_sub(1)
            } else {
                *c += 1
            }
        };
        n(&mut self.count);
        if po.status == PoStatus::Cancelled {
            n(&mut self.cancelled);
        } else {
            self.paid += s * po.total_paid;
            self.credited += s * po.total_credited;
        }
        if matches!(
            po.status,
            PoStatus::Paid | PoStatus::Overpaid | PoStatus::PartiallyPaid
        ) {
            self.revenue += s * po.total;
        }
        self.outstanding = self.revenue - self.paid - self.credited;
    }
}

pub fn po_key(conference_id: Uuid, po_id: Uuid) -> String {
    format!("po:{conference_id}:{po_id}")
}

/// Every PO of a conference.
pub fn pos_prefix(conference_id: Uuid) -> String {
    format!("po:{conference_id}:")
}

pub fn ref_key(reference: &str) -> String {
    format!("ref:{reference}")
}

pub fn summary_key(conference_id: Uuid) -> String {
    format!("summary:{conference_id}")
}

fn evolve(po: &mut PurchaseOrderRow, event: &PurchaseOrderEvent) {
    use PurchaseOrderEvent::*;
    match event {
        PurchaseOrderCreated { .. } => {}
        PurchaseOrderSent { at } => {
            po.status = PoStatus::Sent;
            po.sent_at = Some(*at);
        }
        PurchaseOrderPaymentRecorded {
            payment, status, ..
        } => {
            po.payments.push(payment.clone());
            po.status = *status;
        }
        PurchaseOrderCreditNoteIssued {
            credit_note,
            status,
            ..
        } => {
            po.credit_notes.push(credit_note.clone());
            po.status = *status;
        }
        PurchaseOrderCancelled { by, at, .. } => {
            po.status = PoStatus::Cancelled;
            po.cancelled_at = Some(*at);
            po.cancelled_by = *by;
        }
        PurchaseOrderStripeInvoiceAttached { invoice, .. } => {
            po.stripe_invoice = Some(invoice.clone())
        }
        PurchaseOrderQboInvoiceAttached { invoice, .. } => po.qbo_invoice = Some(invoice.clone()),
    }
    po.total_paid = po.payments.iter().map(|p| p.amount).sum();
    po.total_credited = po.credit_notes.iter().map(|c| c.amount).sum();
    po.balance_due = po.total - po.total_paid - po.total_credited;
}

impl PurchaseOrders {
    fn summary(rows: &mut Rows<PurchaseOrdersRow>, conference_id: Uuid) -> Option<&mut PoSummary> {
        let row = rows.upsert_with(&summary_key(conference_id), || {
            PurchaseOrdersRow::Summary(PoSummary {
                conference_id,
                ..Default::default()
            })
        });
        match row {
            PurchaseOrdersRow::Summary(s) => Some(s),
            _ => None,
        }
    }

    fn store(
        rows: &mut Rows<PurchaseOrdersRow>,
        before: Option<&PurchaseOrderRow>,
        after: PurchaseOrderRow,
    ) {
        if let Some(s) = Self::summary(rows, after.conference_id) {
            if let Some(b) = before {
                s.account(b, -1);
            }
            s.account(&after, 1);
        }
        rows.insert(
            po_key(after.conference_id, after.id),
            PurchaseOrdersRow::Po(after),
        );
    }
}

impl Projection for PurchaseOrders {
    const NAME: &'static str = "purchase_orders";
    const VERSION: u32 = 1;
    type Row = PurchaseOrdersRow;

    fn apply(rows: &mut Rows<PurchaseOrdersRow>, env: &Envelope) {
        let DomainEvent::PurchaseOrder(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        if let PurchaseOrderEvent::PurchaseOrderCreated {
            conference_id,
            reference,
            contact,
            lines,
            subtotal,
            total,
            created_by,
            at,
            sealed_contact,
        } = event
        {
            if rows.get(&po_key(*conference_id, id)).is_some() {
                return;
            }
            rows.insert(
                stream_key(&env.aggregate_id),
                PurchaseOrdersRow::Stream {
                    conference_id: *conference_id,
                },
            );
            rows.insert(
                ref_key(reference),
                PurchaseOrdersRow::Ref(PoRef {
                    conference_id: *conference_id,
                    po_id: id,
                }),
            );
            let po = PurchaseOrderRow {
                id,
                conference_id: *conference_id,
                reference: reference.clone(),
                contact: contact.clone(),
                sealed_contact: sealed_contact.as_deref().cloned(),
                lines: lines.clone(),
                subtotal: *subtotal,
                total: *total,
                status: PoStatus::Draft,
                total_paid: Decimal::ZERO,
                total_credited: Decimal::ZERO,
                balance_due: *total,
                payments: Vec::new(),
                credit_notes: Vec::new(),
                stripe_invoice: None,
                qbo_invoice: None,
                created_by: *created_by,
                created_at: *at,
                sent_at: None,
                cancelled_at: None,
                cancelled_by: None,
            };
            Self::store(rows, None, po);
            return;
        }
        let pointer = match rows.get(&stream_key(&env.aggregate_id)) {
            Some(PurchaseOrdersRow::Stream { conference_id }) => Some(*conference_id),
            _ => None,
        };
        let Some(conference_id) = conference_of(pointer, env) else {
            return;
        };
        let Some(PurchaseOrdersRow::Po(before)) = rows.get(&po_key(conference_id, id)).cloned()
        else {
            return;
        };
        let mut after = before.clone();
        evolve(&mut after, event);
        Self::store(rows, Some(&before), after);
    }
}
