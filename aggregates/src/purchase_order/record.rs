//! The one shape of a purchase order as it stands: the aggregate decides on it
//! and the purchase-orders projection stores it as the PO's row, so its fold
//! ([`PurchaseOrderRecord::evolve`]) is written once, here. A stored format
//! (projection rows): never rename a field.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::cents;
use super::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoPayment, PoStatus, PurchaseOrderEvent,
    SealedPoContact, stream_id,
};
use crate::Timestamp;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PurchaseOrderRecord {
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
    /// PO-5: total − paid − credited; negative when overpaid.
    pub balance_due: Decimal,
    /// Append-only (PO-18), in order.
    pub payments: Vec<PoPayment>,
    pub credit_notes: Vec<PoCreditNote>,
    pub stripe_invoice: Option<ExternalInvoice>,
    pub qbo_invoice: Option<ExternalInvoice>,
    pub created_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub cancelled_by: Option<Uuid>,
}

impl PurchaseOrderRecord {
    /// Folds one event of the PO's stream (`PurchaseOrderCreated` makes the
    /// record).
    pub fn evolve(&mut self, event: &PurchaseOrderEvent) {
        use PurchaseOrderEvent::*;
        match event {
            PurchaseOrderCreated {
                conference_id,
                reference,
                contact,
                lines,
                subtotal,
                total,
                created_by,
                at,
                sealed_contact,
            } => {
                *self = PurchaseOrderRecord {
                    id: stream_id(reference),
                    conference_id: *conference_id,
                    reference: reference.clone(),
                    contact: contact.clone(),
                    sealed_contact: sealed_contact.as_deref().cloned(),
                    lines: lines.clone(),
                    subtotal: *subtotal,
                    total: *total,
                    status: PoStatus::Draft,
                    created_by: *created_by,
                    created_at: *at,
                    ..PurchaseOrderRecord::default()
                }
            }
            PurchaseOrderSent { at } => {
                self.status = PoStatus::Sent;
                self.sent_at = Some(*at);
            }
            PurchaseOrderPaymentRecorded {
                payment, status, ..
            } => {
                self.payments.push(payment.clone());
                self.status = *status;
            }
            PurchaseOrderCreditNoteIssued {
                credit_note,
                status,
                ..
            } => {
                self.credit_notes.push(credit_note.clone());
                self.status = *status;
            }
            PurchaseOrderCancelled { by, at, .. } => {
                self.status = PoStatus::Cancelled;
                self.cancelled_at = Some(*at);
                self.cancelled_by = *by;
            }
            PurchaseOrderStripeInvoiceAttached { invoice, .. } => {
                self.stripe_invoice = Some(invoice.clone())
            }
            PurchaseOrderQboInvoiceAttached { invoice, .. } => {
                self.qbo_invoice = Some(invoice.clone())
            }
        }
        // PO-5, kept beside the lists they are drawn from.
        self.total_paid = cents(self.payments.iter().map(|p| p.amount).sum());
        self.total_credited = cents(self.credit_notes.iter().map(|c| c.amount).sum());
        self.balance_due = cents(self.total - self.total_paid - self.total_credited);
    }
}
