use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{PoContact, PoLineInput, PoPaymentMethod, SealedPoContact};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum PurchaseOrderCommand {
    /// PO-2…4: a draft PO. The reference ("PO-" + 6 of A–Z0–9) is generated outside;
    /// rows with a blank description are skipped.
    Create {
        conference_id: Uuid,
        reference: String,
        contact: PoContact,
        lines: Vec<PoLineInput>,
        #[serde(default)]
        created_by: Option<Uuid>,
        /// The contact's personal fields sealed by the caller: then the event
        /// keeps only the organization of `contact` in plain.
        #[serde(default)]
        sealed_contact: Option<Box<SealedPoContact>>,
    },
    /// PO-10: draft → sent.
    Send,
    /// PO-6, PO-8: `payment_id` makes a re-send a no-op.
    RecordPayment {
        payment_id: Uuid,
        amount: Decimal,
        #[serde(default)]
        method: PoPaymentMethod,
        #[serde(default)]
        reference: String,
        payment_date: NaiveDate,
        #[serde(default)]
        note: String,
        #[serde(default)]
        recorded_by: Option<Uuid>,
    },
    /// PO-7, PO-8: `credit_note_id` makes a re-send a no-op.
    IssueCreditNote {
        credit_note_id: Uuid,
        amount: Decimal,
        reason: String,
        #[serde(default)]
        issued_by: Option<Uuid>,
    },
    /// PO-11: any status but paid; cancelling a cancelled PO is a no-op.
    Cancel {
        #[serde(default)]
        by: Option<Uuid>,
    },
    /// PO-12: the Stripe invoice was created and sent; a draft PO becomes sent.
    AttachStripeInvoice { invoice_id: String, url: String },
    /// PO-13: the invoice reports `amount_paid`; the difference to total_paid is
    /// recorded as a stripe payment dated today. `from_webhook` ignores paid and
    /// cancelled POs instead of refusing.
    SyncStripeInvoice {
        payment_id: Uuid,
        invoice_id: String,
        amount_paid: Decimal,
        #[serde(default)]
        from_webhook: bool,
    },
    /// PO-14: the QBO invoice was created; a draft PO becomes sent.
    AttachQboInvoice {
        invoice_id: String,
        #[serde(default)]
        url: String,
    },
    /// PO-14: when QBO reports balance 0 and total > 0, a wire payment of
    /// (QBO total − total_paid), if positive, is recorded.
    SyncQboInvoice {
        payment_id: Uuid,
        invoice_id: String,
        qbo_total: Decimal,
        qbo_balance: Decimal,
    },
}
