//! Validation and the shared steps of `decide` (PO-2…8, PO-12…14).

use rust_decimal::Decimal;
use uuid::Uuid;

use super::model::{cents, is_cents, recompute_status};
use super::{
    PoContact, PoLine, PoLineInput, PoPayment, PoPaymentMethod, PoStatus, PurchaseOrder,
    PurchaseOrderError, PurchaseOrderEvent, is_valid_po_reference,
};
use crate::Timestamp;

impl PurchaseOrder {
    pub(super) fn check_payment(&self, payment: &PoPayment) -> Result<(), PurchaseOrderError> {
        if payment.amount <= Decimal::ZERO {
            return Err(PurchaseOrderError::NonPositivePayment);
        }
        if !is_cents(payment.amount) {
            return Err(PurchaseOrderError::TooPrecise);
        }
        if self.status == PoStatus::Cancelled {
            return Err(PurchaseOrderError::PaymentOnCancelled(
                self.reference.clone(),
            ));
        }
        Ok(())
    }

    pub(super) fn payment_recorded(
        &self,
        payment: PoPayment,
        now: Timestamp,
    ) -> PurchaseOrderEvent {
        let paid = self.total_paid + payment.amount;
        let status = recompute_status(self.status, self.total, paid, self.total_credited);
        PurchaseOrderEvent::PurchaseOrderPaymentRecorded {
            payment,
            status,
            at: now,
        }
    }

    /// PO-13, PO-14: a payment dated today for what an external invoice reports
    /// beyond total_paid; nothing when that is not positive or the id is known.
    pub(super) fn synced_payment(
        &self,
        payment_id: Uuid,
        amount: Decimal,
        method: PoPaymentMethod,
        reference: String,
        now: Timestamp,
    ) -> Result<Vec<PurchaseOrderEvent>, PurchaseOrderError> {
        if amount <= Decimal::ZERO || self.payments.iter().any(|p| p.id == payment_id) {
            return Ok(vec![]);
        }
        let payment = PoPayment {
            id: payment_id,
            amount: cents(amount),
            method,
            reference,
            payment_date: now.date_naive(),
            note: String::new(),
            recorded_by: None,
            recorded_at: now,
        };
        self.check_payment(&payment)?;
        Ok(vec![self.payment_recorded(payment, now)])
    }

    /// PO-12, PO-14: only draft or sent POs get an external invoice.
    pub(super) fn check_invoiceable(&self) -> Result<(), PurchaseOrderError> {
        match self.status {
            PoStatus::Draft | PoStatus::Sent => Ok(()),
            other => Err(PurchaseOrderError::InvoiceNotAllowed(other)),
        }
    }

    pub(super) fn sent_if_draft(&self, now: Timestamp) -> Option<PurchaseOrderEvent> {
        (self.status == PoStatus::Draft)
            .then_some(PurchaseOrderEvent::PurchaseOrderSent { at: now })
    }
}

pub(super) fn same_payment(known: &PoPayment, new: &PoPayment) -> bool {
    known.amount == new.amount
        && known.method == new.method
        && known.reference == new.reference
        && known.payment_date == new.payment_date
        && known.note == new.note
        && known.recorded_by == new.recorded_by
}

/// PO-2, PO-4: a well-formed reference, an organization and a contact e-mail.
pub(super) fn check_header(reference: &str, contact: &PoContact) -> Result<(), PurchaseOrderError> {
    if !is_valid_po_reference(reference) {
        return Err(PurchaseOrderError::InvalidReference);
    }
    if contact.organization_name.trim().is_empty() {
        return Err(PurchaseOrderError::BlankOrganization);
    }
    if !is_plausible_email(contact.contact_email.trim()) {
        return Err(PurchaseOrderError::InvalidContactEmail);
    }
    Ok(())
}

fn is_plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// PO-3, PO-4: blank rows skipped, quantity ≥ 1, unit price ≥ 0 (in cents);
/// line total = unit price × quantity; total = Σ line totals.
pub(super) fn build_lines(
    input: Vec<PoLineInput>,
) -> Result<(Vec<PoLine>, Decimal), PurchaseOrderError> {
    let mut lines = Vec::with_capacity(input.len());
    for row in input {
        if row.description.trim().is_empty() {
            continue;
        }
        if row.quantity == 0 {
            return Err(PurchaseOrderError::InvalidQuantity);
        }
        if row.unit_price < Decimal::ZERO {
            return Err(PurchaseOrderError::NegativeUnitPrice);
        }
        if !is_cents(row.unit_price) {
            return Err(PurchaseOrderError::TooPrecise);
        }
        let unit_price = cents(row.unit_price);
        lines.push(PoLine {
            line_total: cents(unit_price * Decimal::from(row.quantity)),
            description: row.description,
            quantity: row.quantity,
            unit_price,
            product: row.product,
        });
    }
    if lines.is_empty() {
        return Err(PurchaseOrderError::NoLines);
    }
    let total = cents(lines.iter().map(|l| l.line_total).sum());
    Ok((lines, total))
}
