use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoPayment, PoStatus, SealedPoContact,
};
use crate::Timestamp;
use rust_decimal::Decimal;

/// Facts about one purchase order. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PurchaseOrderEvent {
    /// PO-3: status draft; subtotal = total = Σ line totals.
    PurchaseOrderCreated {
        conference_id: Uuid,
        reference: String,
        contact: PoContact,
        lines: Vec<PoLine>,
        subtotal: Decimal,
        total: Decimal,
        created_by: Option<Uuid>,
        at: Timestamp,
        /// The contact's e-mail, name, billing address and notes sealed under
        /// the PO's own key (`contact` then keeps only the organization).
        /// Absent in events written before sealing, whose contact is plain.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_contact: Option<Box<SealedPoContact>>,
    },
    PurchaseOrderSent {
        at: Timestamp,
    },
    /// PO-6/8: `status` is the recomputed status after this payment.
    PurchaseOrderPaymentRecorded {
        payment: PoPayment,
        status: PoStatus,
        at: Timestamp,
    },
    /// PO-7/8: `status` is the recomputed status after this credit note.
    PurchaseOrderCreditNoteIssued {
        credit_note: PoCreditNote,
        status: PoStatus,
        at: Timestamp,
    },
    /// PO-11: payments and credit notes are kept.
    PurchaseOrderCancelled {
        was: PoStatus,
        by: Option<Uuid>,
        at: Timestamp,
    },
    PurchaseOrderStripeInvoiceAttached {
        invoice: ExternalInvoice,
        at: Timestamp,
    },
    PurchaseOrderQboInvoiceAttached {
        invoice: ExternalInvoice,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for PurchaseOrderEvent {
    fn event_type(&self) -> String {
        match self {
            Self::PurchaseOrderCreated { .. } => "PurchaseOrderCreated",
            Self::PurchaseOrderSent { .. } => "PurchaseOrderSent",
            Self::PurchaseOrderPaymentRecorded { .. } => "PurchaseOrderPaymentRecorded",
            Self::PurchaseOrderCreditNoteIssued { .. } => "PurchaseOrderCreditNoteIssued",
            Self::PurchaseOrderCancelled { .. } => "PurchaseOrderCancelled",
            Self::PurchaseOrderStripeInvoiceAttached { .. } => "PurchaseOrderStripeInvoiceAttached",
            Self::PurchaseOrderQboInvoiceAttached { .. } => "PurchaseOrderQboInvoiceAttached",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
