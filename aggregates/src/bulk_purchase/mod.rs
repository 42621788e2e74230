//! A bulk voucher purchase (SPEC SPONSOR-18…29, PAY-49/50, AMB-23): a sponsor or an
//! organizer asks for N voucher codes, pays through a Stripe Checkout Session (or
//! is a comp deal), and receives the vouchers. One stream per purchase; the
//! statuses follow the explicit table of [`BulkStatus::next`].
//!
//! The vouchers themselves live in the conference's Inventory, which links them to
//! the purchase and generates only the missing ones (AMB-23), so two fulfilments
//! at once never make a second batch; this stream records which codes are linked.

mod commands;
mod errors;
mod events;
mod model;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::BulkPurchaseCommand;
pub use errors::BulkPurchaseError;
pub use events::BulkPurchaseEvent;
pub use model::{
    BulkProduct, BulkStatus, BulkTerms, FulfilmentPlan, VoucherConfig, bulk_prefix,
    voucher_template,
};

use crate::pricing::VoucherKind;
use crate::{DomainServices, Timestamp};

/// SPONSOR-22: at most 500 codes per purchase (DISC-8's batch limit).
pub const MAX_QUANTITY: u32 = 500;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BulkPurchase {
    created: bool,
    conference_id: Uuid,
    terms: BulkTerms,
    status: BulkStatus,
    approver: Option<Uuid>,
    session_id: Option<String>,
    payment_intent: Option<String>,
    /// SPONSOR-20: the linked vouchers.
    codes: Vec<String>,
}

impl BulkPurchase {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    pub fn terms(&self) -> &BulkTerms {
        &self.terms
    }

    pub fn status(&self) -> BulkStatus {
        self.status
    }

    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    pub fn payment_intent(&self) -> Option<&str> {
        self.payment_intent.as_deref()
    }

    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// SPONSOR-20.
    pub fn is_fulfilled(&self) -> bool {
        self.codes.len() >= self.terms.quantity as usize
    }

    /// SPONSOR-25/26: what a fulfilment generates now. `None`: already fulfilled
    /// and paid, nothing to do.
    pub fn fulfilment(&self) -> Result<Option<FulfilmentPlan>, BulkPurchaseError> {
        if !self.created {
            return Err(BulkPurchaseError::NotFound);
        }
        if self.is_fulfilled() && self.status == BulkStatus::Paid {
            return Ok(None);
        }
        match self.status {
            BulkStatus::Processing | BulkStatus::Paid => {}
            BulkStatus::Approved if self.terms.total_amount.is_zero() => {}
            BulkStatus::Approved => return Err(BulkPurchaseError::UnpaidNotComp),
            s => return Err(BulkPurchaseError::NotFulfillable(s)),
        }
        if !self.terms.voucher_config.has_voucher_terms() {
            return Err(BulkPurchaseError::MissingVoucherTerms);
        }
        Ok(Some(FulfilmentPlan {
            prefix: bulk_prefix(&self.terms.voucher_config, self.terms.sponsor.as_deref()),
            quantity: self.terms.quantity,
            template: voucher_template(&self.terms),
        }))
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: BulkPurchaseCommand,
        now: Timestamp,
    ) -> Result<Vec<BulkPurchaseEvent>, BulkPurchaseError> {
        use BulkPurchaseCommand::*;
        use BulkPurchaseEvent::*;
        if let Request {
            conference_id,
            sponsor,
            quantity,
            ticket_type,
            addon,
            unit_price,
            voucher_config,
            requester,
            from_portal,
        } = cmd
        {
            let terms = request_terms(
                sponsor,
                quantity,
                ticket_type,
                addon,
                unit_price,
                voucher_config,
                requester,
                from_portal,
            )?;
            return match self.created {
                false => Ok(vec![BulkPurchaseRequested {
                    conference_id,
                    terms,
                    at: now,
                }]),
                true if self.conference_id == conference_id && self.terms == terms => Ok(vec![]),
                true => Err(BulkPurchaseError::IdReused),
            };
        }
        if !self.created {
            return Err(BulkPurchaseError::NotFound);
        }
        match cmd {
            Request { .. } => Ok(vec![]),
            Approve { by, voucher_config } => {
                if self.status == BulkStatus::Approved && self.approver == Some(by) {
                    return Ok(vec![]);
                }
                if self.status != BulkStatus::Pending {
                    return Err(BulkPurchaseError::NotPending);
                }
                let voucher_config = match voucher_config {
                    Some(c) => {
                        check_config(&c)?;
                        Some(c)
                    }
                    None => None,
                };
                Ok(vec![BulkPurchaseApproved {
                    by,
                    voucher_config,
                    at: now,
                }])
            }
            StartCheckout { session_id } => match self.status {
                BulkStatus::Processing if self.session_id.as_deref() == Some(&session_id) => {
                    Ok(vec![])
                }
                BulkStatus::Processing => Err(BulkPurchaseError::OtherSession),
                BulkStatus::Pending if self.terms.total_amount <= Decimal::ZERO => {
                    Err(BulkPurchaseError::ZeroAmount)
                }
                BulkStatus::Pending => Ok(vec![BulkCheckoutStarted {
                    session_id,
                    at: now,
                }]),
                _ => Err(BulkPurchaseError::CheckoutNotPending),
            },
            RecordFulfilment {
                codes,
                payment_intent,
            } => {
                let added: Vec<String> = codes
                    .into_iter()
                    .filter(|c| !self.codes.contains(c))
                    .collect();
                let intent = payment_intent.filter(|_| self.payment_intent.is_none());
                if added.is_empty() && intent.is_none() && self.status == BulkStatus::Paid {
                    return Ok(vec![]);
                }
                // Only through a plan the state allows (SPONSOR-25).
                if self.status != BulkStatus::Paid {
                    self.fulfilment()?;
                }
                if self.codes.len() + added.len() != self.terms.quantity as usize {
                    return Err(BulkPurchaseError::WrongVoucherCount);
                }
                Ok(vec![BulkPurchaseFulfilled {
                    codes: added,
                    payment_intent: intent,
                    at: now,
                }])
            }
            MarkFailed {
                reason,
                payment_intent,
            } => {
                // SPONSOR-28: a no-op from any other status.
                if !matches!(self.status, BulkStatus::Pending | BulkStatus::Processing) {
                    return Ok(vec![]);
                }
                Ok(vec![BulkPurchaseFailed {
                    reason,
                    payment_intent: payment_intent.filter(|_| self.payment_intent.is_none()),
                    at: now,
                }])
            }
            Refund => match self.status {
                BulkStatus::Refunded => Ok(vec![]),
                s if s.can_move_to(BulkStatus::Refunded) => {
                    Ok(vec![BulkPurchaseRefunded { at: now }])
                }
                s => Err(BulkPurchaseError::NotRefundable(s)),
            },
        }
    }

    /// Fold only: no checks, cannot fail.
    fn evolve(&mut self, event: BulkPurchaseEvent) {
        use BulkPurchaseEvent::*;
        match event {
            BulkPurchaseRequested {
                conference_id,
                terms,
                ..
            } => {
                self.created = true;
                self.conference_id = conference_id;
                self.terms = terms;
                self.status = BulkStatus::Pending;
            }
            BulkPurchaseApproved {
                by, voucher_config, ..
            } => {
                self.approver = Some(by);
                if let Some(c) = voucher_config {
                    self.terms.voucher_config = c;
                }
                self.status = BulkStatus::Approved;
            }
            BulkCheckoutStarted { session_id, .. } => {
                self.session_id = Some(session_id);
                self.status = BulkStatus::Processing;
            }
            BulkPurchaseFulfilled {
                codes,
                payment_intent,
                ..
            } => {
                self.codes.extend(codes);
                if payment_intent.is_some() {
                    self.payment_intent = payment_intent;
                }
                self.status = BulkStatus::Paid;
            }
            BulkPurchaseFailed { payment_intent, .. } => {
                if payment_intent.is_some() {
                    self.payment_intent = payment_intent;
                }
                self.status = BulkStatus::Failed;
            }
            BulkPurchaseRefunded { .. } => self.status = BulkStatus::Refunded,
        }
    }
}

/// SPONSOR-21/22: the terms of a new purchase.
#[allow(clippy::too_many_arguments)]
fn request_terms(
    sponsor: Option<String>,
    quantity: u32,
    ticket_type: Option<BulkProduct>,
    addon: Option<BulkProduct>,
    unit_price: Decimal,
    voucher_config: VoucherConfig,
    requester: Uuid,
    from_portal: bool,
) -> Result<BulkTerms, BulkPurchaseError> {
    if quantity < 1 {
        return Err(BulkPurchaseError::QuantityTooSmall);
    }
    if quantity > MAX_QUANTITY {
        return Err(BulkPurchaseError::QuantityTooLarge);
    }
    if unit_price < Decimal::ZERO {
        return Err(BulkPurchaseError::NegativeUnitPrice);
    }
    if unit_price > crate::pricing::MAX_AMOUNT {
        return Err(BulkPurchaseError::UnitPriceTooLarge);
    }
    if ticket_type.as_ref().is_some_and(|t| !t.bulk_enabled) {
        return Err(BulkPurchaseError::TicketTypeNotBulk);
    }
    if addon.as_ref().is_some_and(|a| !a.bulk_enabled) {
        return Err(BulkPurchaseError::AddonNotBulk);
    }
    check_config(&voucher_config)?;
    // SPONSOR-22: portal requests are priced 0.
    let unit_price = if from_portal {
        Decimal::ZERO
    } else {
        unit_price.round_dp(2)
    };
    let product_description = match &ticket_type {
        Some(t) => format!("{quantity}x {} voucher codes", t.name),
        None => match &addon {
            Some(a) => format!("{quantity}x {} voucher codes", a.name),
            None => format!("{quantity}x voucher codes"),
        },
    };
    Ok(BulkTerms {
        sponsor,
        quantity,
        product_description,
        ticket_type: ticket_type.map(|t| t.slug),
        addon: addon.map(|a| a.slug),
        total_amount: unit_price * Decimal::from(quantity),
        unit_price,
        voucher_config,
        requester,
        from_portal,
    })
}

/// SPONSOR-22: max_uses ≥ 1; DISC-1: a percentage 0–100, an amount ≥ 0.
fn check_config(c: &VoucherConfig) -> Result<(), BulkPurchaseError> {
    if c.max_uses == Some(0) {
        return Err(BulkPurchaseError::InvalidMaxUses);
    }
    if let (Some(from), Some(until)) = (c.valid_from, c.valid_until)
        && until < from
    {
        return Err(BulkPurchaseError::InvalidWindow);
    }
    if let Some(v) = c.discount_value {
        let ok = match c.voucher_type.unwrap_or_default() {
            VoucherKind::Percentage => (Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&v),
            VoucherKind::Comp | VoucherKind::FixedAmount => {
                v >= Decimal::ZERO && v <= crate::pricing::MAX_AMOUNT
            }
        };
        if !ok {
            return Err(BulkPurchaseError::InvalidDiscount);
        }
    }
    Ok(())
}

impl Aggregate for BulkPurchase {
    const TYPE: &'static str = "bulk_purchase";
    type Command = BulkPurchaseCommand;
    type Event = BulkPurchaseEvent;
    type Error = BulkPurchaseError;
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
