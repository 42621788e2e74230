//! A purchase order (corporate invoicing): lines and totals fixed at creation,
//! payments and credit notes appended, status following the balance (SPEC PO-*).
//! The reference is generated outside and carried by the create command.

mod commands;
mod errors;
mod events;
mod model;
mod record;
mod rules;
#[cfg(test)]
mod tests;

use std::ops::Deref;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use commands::PurchaseOrderCommand;
pub use errors::PurchaseOrderError;
pub use events::PurchaseOrderEvent;
pub use model::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoLineInput, PoPayment, PoPaymentMethod,
    PoStatus, SealedPoContact, is_valid_po_reference,
};
pub use record::PurchaseOrderRecord;

use model::{cents, is_cents, recompute_status};
use rules::{build_lines, check_header, same_payment};

use crate::{DomainServices, Timestamp};

/// PO-2: a PO's stream id comes from its reference (globally unique).
pub fn stream_id(reference: &str) -> uuid::Uuid {
    crate::natural_id("purchase_order", reference)
}

/// The PO's state: its [`PurchaseOrderRecord`], the same record the
/// purchase-orders projection serves, folded by the same code.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PurchaseOrder {
    created: bool,
    record: PurchaseOrderRecord,
}

/// Decisions read the record's fields as the PO's own.
impl Deref for PurchaseOrder {
    type Target = PurchaseOrderRecord;
    fn deref(&self) -> &PurchaseOrderRecord {
        &self.record
    }
}

impl PurchaseOrder {
    pub fn exists(&self) -> bool {
        self.created
    }
    /// The PO as it stands (a default record before it is created).
    pub fn record(&self) -> &PurchaseOrderRecord {
        &self.record
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
                let credited = self.total_credited + credit_note.amount;
                let status = recompute_status(self.status, self.total, self.total_paid, credited);
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
                let new_amount = amount_paid - self.total_paid;
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
                let new_amount = qbo_total - self.total_paid;
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
        if matches!(event, PurchaseOrderEvent::PurchaseOrderCreated { .. }) {
            self.created = true;
        }
        self.record.evolve(&event);
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
