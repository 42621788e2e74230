//! A purchase order (corporate invoicing): lines and totals fixed at creation,
//! payments and credit notes appended, status following the balance (SPEC PO-*).
//! The reference is generated outside and carried by the create command.

mod commands;
mod errors;
mod events;
mod model;
mod rules;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::PurchaseOrderCommand;
pub use errors::PurchaseOrderError;
pub use events::PurchaseOrderEvent;
pub use model::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoLineInput, PoPayment, PoPaymentMethod,
    PoStatus, SealedPoContact, is_valid_po_reference,
};

use model::{cents, is_cents, recompute_status};
use rules::{build_lines, check_header, same_payment};

use crate::{DomainServices, Timestamp};

/// PO-2: a PO's stream id comes from its reference (globally unique).
pub fn stream_id(reference: &str) -> uuid::Uuid {
    crate::natural_id("purchase_order", reference)
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PurchaseOrder {
    created: bool,
    conference_id: Uuid,
    reference: String,
    contact: PoContact,
    #[serde(default)]
    sealed_contact: Option<SealedPoContact>,
    lines: Vec<PoLine>,
    subtotal: Decimal,
    total: Decimal,
    status: PoStatus,
    payments: Vec<PoPayment>,
    credit_notes: Vec<PoCreditNote>,
    stripe_invoice: Option<ExternalInvoice>,
    qbo_invoice: Option<ExternalInvoice>,
    created_by: Option<Uuid>,
    created_at: Option<Timestamp>,
}

impl PurchaseOrder {
    pub fn exists(&self) -> bool {
        self.created
    }
    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }
    pub fn reference(&self) -> &str {
        &self.reference
    }
    /// The contact as stored: its personal fields are blank when sealed.
    pub fn contact(&self) -> &PoContact {
        &self.contact
    }
    /// The contact's personal fields, sealed (None for a PO created before
    /// sealing, whose contact is plain).
    pub fn sealed_contact(&self) -> Option<&SealedPoContact> {
        self.sealed_contact.as_ref()
    }
    pub fn lines(&self) -> &[PoLine] {
        &self.lines
    }
    pub fn subtotal(&self) -> Decimal {
        self.subtotal
    }
    pub fn total(&self) -> Decimal {
        self.total
    }
    pub fn status(&self) -> PoStatus {
        self.status
    }
    pub fn payments(&self) -> &[PoPayment] {
        &self.payments
    }
    pub fn credit_notes(&self) -> &[PoCreditNote] {
        &self.credit_notes
    }
    pub fn stripe_invoice(&self) -> Option<&ExternalInvoice> {
        self.stripe_invoice.as_ref()
    }
    pub fn qbo_invoice(&self) -> Option<&ExternalInvoice> {
        self.qbo_invoice.as_ref()
    }
    pub fn created_by(&self) -> Option<Uuid> {
        self.created_by
    }
    pub fn created_at(&self) -> Option<Timestamp> {
        self.created_at
    }

    /// PO-5: Σ payment amounts.
    pub fn total_paid(&self) -> Decimal {
        cents(self.payments.iter().map(|p| p.amount).sum())
    }

    /// PO-5: Σ credit-note amounts.
    pub fn total_credited(&self) -> Decimal {
        cents(self.credit_notes.iter().map(|c| c.amount).sum())
    }

    /// PO-5: total − total_paid − total_credited; negative when overpaid.
    pub fn balance_due(&self) -> Decimal {
        cents(self.total - self.total_paid() - self.total_credited())
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: PurchaseOrderCommand,
        now: Timestamp,
    ) -> Result<Vec<PurchaseOrderEvent>, PurchaseOrderError> {
        use PurchaseOrderCommand::*;
        use PurchaseOrderError as E;
        use PurchaseOrderEvent::*;
        if !self.created {
            return match cmd {
                Create {
                    conference_id,
                    reference,
                    contact,
                    lines,
                    created_by,
                    sealed_contact,
                } => {
                    check_header(&reference, &contact)?;
                    let (lines, total) = build_lines(lines)?;
                    // Sealed: the plain personal fields are never recorded.
                    let contact = match &sealed_contact {
                        Some(_) => contact.without_personal(),
                        None => contact,
                    };
                    Ok(vec![PurchaseOrderCreated {
                        conference_id,
                        reference,
                        contact,
                        lines,
                        subtotal: total,
                        total,
                        created_by,
                        at: now,
                        sealed_contact,
                    }])
                }
                _ => Err(E::NotFound),
            };
        }
        Ok(match cmd {
            Create {
                conference_id,
                reference,
                contact,
                lines,
                sealed_contact,
                ..
            } => {
                // A retried create seals anew: compare what is kept in plain.
                let contact = match sealed_contact {
                    Some(_) => contact.without_personal(),
                    None => contact,
                };
                let same = conference_id == self.conference_id
                    && reference == self.reference
                    && contact == self.contact
                    && build_lines(lines).is_ok_and(|(l, _)| l == self.lines);
                if !same {
                    return Err(E::AlreadyExists);
                }
                vec![] // a retried create
            }
            Send if self.status == PoStatus::Draft => vec![PurchaseOrderSent { at: now }],
            Send => return Err(E::NotDraft(self.status)),
            RecordPayment {
                payment_id,
                amount,
                method,
                reference,
                payment_date,
                note,
                recorded_by,
            } => {
                let payment = PoPayment {
                    id: payment_id,
                    amount: cents(amount),
                    method,
                    reference,
                    payment_date,
                    note,
                    recorded_by,
                    recorded_at: now,
                };
                if let Some(known) = self.payments.iter().find(|p| p.id == payment_id) {
                    return same_payment(known, &payment)
                        .then(Vec::new)
                        .ok_or(E::IdReused);
                }
                self.check_payment(&payment)?;
                vec![self.payment_recorded(payment, now)]
            }
            IssueCreditNote {
                credit_note_id,
                amount,
                reason,
                issued_by,
            } => {
                if let Some(known) = self.credit_notes.iter().find(|c| c.id == credit_note_id) {
                    let same = known.amount == amount
                        && known.reason == reason
                        && known.issued_by == issued_by;
                    return same.then(Vec::new).ok_or(E::IdReused);
                }
                if amount <= Decimal::ZERO {
                    return Err(E::NonPositiveCredit);
                }
                if !is_cents(amount) {
                    return Err(E::TooPrecise);
                }
                if reason.trim().is_empty() {
                    return Err(E::BlankCreditReason);
                }
                if self.status == PoStatus::Cancelled {
                    return Err(E::CreditOnCancelled(self.reference.clone()));
                }
                let credit_note = PoCreditNote {
                    id: credit_note_id,
                    amount: cents(amount),
                    reason,
                    issued_by,
                    issued_at: now,
                };
                let credited = self.total_credited() + credit_note.amount;
                let status = recompute_status(self.status, self.total, self.total_paid(), credited);
                vec![PurchaseOrderCreditNoteIssued {
                    credit_note,
                    status,
                    at: now,
                }]
            }
            Cancel { .. } if self.status == PoStatus::Cancelled => vec![],
            Cancel { .. } if self.status == PoStatus::Paid => return Err(E::CancelPaid),
            Cancel { by } => vec![PurchaseOrderCancelled {
                was: self.status,
                by,
                at: now,
            }],
            AttachStripeInvoice { invoice_id, url } => {
                let invoice = ExternalInvoice {
                    id: invoice_id,
                    url,
                };
                match &self.stripe_invoice {
                    Some(known) if *known == invoice => return Ok(vec![]),
                    Some(_) => return Err(E::StripeInvoiceExists(self.reference.clone())),
                    None => {}
                }
                self.check_invoiceable()?;
                let mut facts = vec![PurchaseOrderStripeInvoiceAttached { invoice, at: now }];
                facts.extend(self.sent_if_draft(now));
                facts
            }
            SyncStripeInvoice {
                payment_id,
                invoice_id,
                amount_paid,
                from_webhook,
            } => {
                if from_webhook && !self.status.is_outstanding() {
                    return Ok(vec![]); // PO-13: the webhook ignores paid/cancelled POs
                }
                if self
                    .stripe_invoice
                    .as_ref()
                    .is_none_or(|i| i.id != invoice_id)
                {
                    return Err(E::UnknownInvoice(self.reference.clone()));
                }
                let new_amount = amount_paid - self.total_paid();
                self.synced_payment(
                    payment_id,
                    new_amount,
                    PoPaymentMethod::Stripe,
                    invoice_id,
                    now,
                )?
            }
            AttachQboInvoice { invoice_id, url } => {
                let invoice = ExternalInvoice {
                    id: invoice_id,
                    url,
                };
                match &self.qbo_invoice {
                    Some(known) if *known == invoice => return Ok(vec![]),
                    Some(_) => return Err(E::QboInvoiceExists(self.reference.clone())),
                    None => {}
                }
                self.check_invoiceable()?;
                let mut facts = vec![PurchaseOrderQboInvoiceAttached { invoice, at: now }];
                facts.extend(self.sent_if_draft(now));
                facts
            }
            SyncQboInvoice {
                payment_id,
                invoice_id,
                qbo_total,
                qbo_balance,
            } => {
                if self.qbo_invoice.as_ref().is_none_or(|i| i.id != invoice_id) {
                    return Err(E::UnknownInvoice(self.reference.clone()));
                }
                if !qbo_balance.is_zero() || qbo_total <= Decimal::ZERO {
                    return Ok(vec![]);
                }
                let new_amount = qbo_total - self.total_paid();
                let reference = format!("QBO Invoice #{invoice_id}");
                self.synced_payment(
                    payment_id,
                    new_amount,
                    PoPaymentMethod::Wire,
                    reference,
                    now,
                )?
            }
        })
    }

    fn evolve(&mut self, event: PurchaseOrderEvent) {
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
                self.created = true;
                self.conference_id = conference_id;
                self.reference = reference;
                self.contact = contact;
                self.sealed_contact = sealed_contact.map(|s| *s);
                self.lines = lines;
                self.subtotal = subtotal;
                self.total = total;
                self.status = PoStatus::Draft;
                self.created_by = created_by;
                self.created_at = Some(at);
            }
            PurchaseOrderSent { .. } => self.status = PoStatus::Sent,
            PurchaseOrderPaymentRecorded {
                payment, status, ..
            } => {
                self.payments.push(payment);
                self.status = status;
            }
            PurchaseOrderCreditNoteIssued {
                credit_note,
                status,
                ..
            } => {
                self.credit_notes.push(credit_note);
                self.status = status;
            }
            PurchaseOrderCancelled { .. } => self.status = PoStatus::Cancelled,
            PurchaseOrderStripeInvoiceAttached { invoice, .. } => {
                self.stripe_invoice = Some(invoice)
            }
            PurchaseOrderQboInvoiceAttached { invoice, .. } => self.qbo_invoice = Some(invoice),
        }
    }
}

impl Aggregate for PurchaseOrder {
    const TYPE: &'static str = "purchase_order";
    type Command = PurchaseOrderCommand;
    type Event = PurchaseOrderEvent;
    type Error = PurchaseOrderError;
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
