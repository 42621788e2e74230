//! A conference's fundraising: the yearly sponsorship pipeline (tiers with their
//! prices, deals moving along an explicit transition table) and individual
//! donations (SPEC MY-5/7, MY-29). One stream per conference, so a deal's tier is
//! checked against the same year's tiers in one decision, and an organizer of
//! another conference (year) never reaches it.

mod commands;
mod errors;
mod events;
mod model;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::FundraisingCommand;
pub use errors::FundraisingError;
pub use events::FundraisingEvent;
pub use model::{Deal, DealStatus, Donation, DonationStatus, SealedDonor, Tier, donor_person};

use crate::user::Sealed;
use crate::{DomainServices, Timestamp};

/// MY-29: the largest donation paid through Checkout (2 dp).
pub const MAX_DONATION: Decimal = Decimal::from_parts(10_000_000, 0, 0, false, 2);

/// A deal's contact e-mail as the flow sealed it: the contact's person and the
/// sealed address. An empty address clears the contact.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SealedContact {
    pub person: Uuid,
    pub email: Sealed,
}

/// A change of a deal; absent fields keep their value, `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DealPatch {
    pub organisation: Option<String>,
    pub contact_email: Option<String>,
    pub tier: Option<Option<String>>,
    pub amount: Option<Option<Decimal>>,
    pub notes: Option<String>,
    /// A new contact, sealed (then `contact_email` is ignored); `Some(None)`
    /// clears the contact.
    #[serde(default)]
    pub sealed_contact: Option<Option<SealedContact>>,
}

impl DealPatch {
    /// The deal as changed.
    pub fn apply_to(self, d: &mut Deal) {
        match self.sealed_contact {
            Some(Some(c)) => {
                // Two sealings of one address differ only by their nonce: keep
                // the stored one, so the same address is no change.
                if d.contact != Some(c.person) || d.sealed_contact_email.is_none() {
                    d.sealed_contact_email = Some(c.email);
                }
                d.contact = Some(c.person);
                d.contact_email = String::new();
            }
            Some(None) => {
                d.contact = None;
                d.sealed_contact_email = None;
                d.contact_email = String::new();
            }
            None => {}
        }
        if let Some(v) = self.organisation {
            d.organisation = v;
        }
        if let Some(v) = self.contact_email {
            d.contact_email = v;
        }
        if let Some(v) = self.tier {
            d.tier = v;
        }
        if let Some(v) = self.amount {
            d.amount = v;
        }
        if let Some(v) = self.notes {
            d.notes = v;
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Fundraising {
    created: bool,
    conference_id: Uuid,
    tiers: BTreeMap<String, Tier>,
    deals: BTreeMap<Uuid, (Deal, DealStatus)>,
    donations: BTreeMap<Uuid, DonationState>,
}

/// A donation with where it stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DonationState {
    pub donation: Donation,
    pub status: DonationStatus,
    pub session_id: Option<String>,
    pub payment_intent: Option<String>,
}

impl Fundraising {
    /// A deal of the pipeline, with its status.
    pub fn deal(&self, id: Uuid) -> Option<&(Deal, DealStatus)> {
        self.deals.get(&id)
    }

    pub fn tier(&self, slug: &str) -> Option<&Tier> {
        self.tiers.get(slug)
    }

    /// The conference this fundraising belongs to, once opened.
    pub fn conference_id(&self) -> Option<Uuid> {
        self.created.then_some(self.conference_id)
    }

    /// A donation with its status.
    pub fn donation(&self, id: Uuid) -> Option<&DonationState> {
        self.donations.get(&id)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: FundraisingCommand,
        now: Timestamp,
    ) -> Result<Vec<FundraisingEvent>, FundraisingError> {
        use FundraisingCommand::*;
        use FundraisingEvent::*;
        let opening = match &cmd {
            SaveTier { conference_id, .. }
            | OpenDeal { conference_id, .. }
            | RecordDonation { conference_id, .. }
            | StartDonationCheckout { conference_id, .. } => Some(*conference_id),
            _ => None,
        };
        let mut facts = vec![];
        match opening {
            Some(c) if !self.created => facts.push(FundraisingOpened {
                conference_id: c,
                at: now,
            }),
            Some(c) if c != self.conference_id => return Err(FundraisingError::OtherConference),
            _ => {}
        }
        match cmd {
            SaveTier { slug, tier, .. } => {
                if tier.name.trim().is_empty() || tier.price < Decimal::ZERO || slug.is_empty() {
                    return Err(FundraisingError::InvalidTier);
                }
                if self.tiers.get(&slug) != Some(&tier) {
                    facts.push(SponsorshipTierSaved {
                        slug,
                        tier,
                        at: now,
                    });
                }
            }
            OpenDeal { id, deal, .. } => match self.deals.get(&id) {
                Some((current, _)) if current.same_as(&deal) => {}
                Some(_) => return Err(FundraisingError::IdReused),
                None => {
                    self.check_deal(&deal)?;
                    facts.push(SponsorshipDealOpened { id, deal, at: now });
                }
            },
            ChangeDeal { id, patch } => {
                let (current, _) = self.deals.get(&id).ok_or(FundraisingError::DealNotFound)?;
                let mut deal = current.clone();
                patch.apply_to(&mut deal);
                if !deal.same_as(current) {
                    self.check_deal(&deal)?;
                    facts.push(SponsorshipDealChanged { id, deal, at: now });
                }
            }
            MoveDeal { id, to } => {
                let (_, from) = self.deals.get(&id).ok_or(FundraisingError::DealNotFound)?;
                let from = *from;
                if from != to {
                    if !from.can_move_to(to) {
                        return Err(FundraisingError::InvalidTransition { from, to });
                    }
                    facts.push(SponsorshipDealMoved {
                        id,
                        from,
                        to,
                        at: now,
                    });
                }
            }
            RecordDonation { id, donation, .. } => match self.donations.get(&id) {
                Some(current) if current.donation.same_as(&donation) => {}
                Some(_) => return Err(FundraisingError::IdReused),
                None => {
                    if !donation.has_donor() || donation.amount <= Decimal::ZERO {
                        return Err(FundraisingError::InvalidDonation);
                    }
                    facts.push(DonationRecorded {
                        id,
                        donation,
                        at: now,
                    });
                }
            },
            RefundDonation { id } => {
                let current = self
                    .donations
                    .get(&id)
                    .ok_or(FundraisingError::DonationNotFound)?;
                match current.status {
                    DonationStatus::Refunded => {}
                    DonationStatus::Paid => facts.push(DonationRefunded { id, at: now }),
                    DonationStatus::Pending | DonationStatus::Failed => {
                        return Err(FundraisingError::DonationNotPaid);
                    }
                }
            }
            StartDonationCheckout {
                id,
                donation,
                accepting_donations,
                ..
            } => match self.donations.get(&id) {
                Some(current) if current.donation.same_as(&donation) => {}
                Some(_) => return Err(FundraisingError::IdReused),
                None => {
                    // MY-29: only while the conference accepts donations.
                    if !accepting_donations {
                        return Err(FundraisingError::NotAcceptingDonations);
                    }
                    if !donation.has_donor() || donation.amount <= Decimal::ZERO {
                        return Err(FundraisingError::InvalidDonation);
                    }
                    if donation.amount > MAX_DONATION {
                        return Err(FundraisingError::DonationTooLarge(MAX_DONATION));
                    }
                    if donation.amount.round_dp(2) != donation.amount {
                        return Err(FundraisingError::InvalidDonation);
                    }
                    facts.push(DonationCheckoutStarted {
                        id,
                        donation,
                        at: now,
                    });
                }
            },
            OpenDonationSession { id, session_id } => {
                let current = self
                    .donations
                    .get(&id)
                    .ok_or(FundraisingError::DonationNotFound)?;
                match (&current.session_id, current.status) {
                    (Some(s), _) if *s == session_id => {}
                    (Some(_), _) => return Err(FundraisingError::OtherSession),
                    (None, DonationStatus::Pending) => facts.push(DonationCheckoutSessionOpened {
                        id,
                        session_id,
                        at: now,
                    }),
                    (None, _) => return Err(FundraisingError::DonationNotPending),
                }
            }
            CompleteDonationCheckout {
                id,
                session_id,
                payment_intent,
            } => {
                let current = self
                    .donations
                    .get(&id)
                    .ok_or(FundraisingError::DonationNotFound)?;
                if current
                    .session_id
                    .as_ref()
                    .is_some_and(|s| *s != session_id)
                {
                    return Err(FundraisingError::OtherSession);
                }
                match current.status {
                    DonationStatus::Paid | DonationStatus::Refunded => {}
                    DonationStatus::Pending => facts.push(DonationCheckoutCompleted {
                        id,
                        session_id,
                        payment_intent,
                        amount: current.donation.amount,
                        at: now,
                    }),
                    DonationStatus::Failed => return Err(FundraisingError::DonationNotPending),
                }
            }
            FailDonationCheckout { id, reason } => {
                let current = self
                    .donations
                    .get(&id)
                    .ok_or(FundraisingError::DonationNotFound)?;
                if current.status == DonationStatus::Pending {
                    facts.push(DonationCheckoutFailed {
                        id,
                        reason,
                        at: now,
                    });
                }
            }
        }
        // Opening alone changes nothing a reader sees: a no-op stays a no-op.
        if facts.len() == 1 && matches!(facts[0], FundraisingOpened { .. }) {
            facts.clear();
        }
        Ok(facts)
    }

    fn check_deal(&self, deal: &Deal) -> Result<(), FundraisingError> {
        if deal.organisation.trim().is_empty() {
            return Err(FundraisingError::BlankOrganisation);
        }
        if deal.amount.is_some_and(|a| a < Decimal::ZERO) {
            return Err(FundraisingError::NegativeAmount);
        }
        if let Some(t) = &deal.tier
            && !self.tiers.contains_key(t)
        {
            return Err(FundraisingError::UnknownTier(t.clone()));
        }
        Ok(())
    }

    fn evolve(&mut self, event: FundraisingEvent) {
        use FundraisingEvent::*;
        match event {
            FundraisingOpened { conference_id, .. } => {
                self.created = true;
                self.conference_id = conference_id;
            }
            SponsorshipTierSaved { slug, tier, .. } => {
                self.tiers.insert(slug, tier);
            }
            SponsorshipDealOpened { id, deal, .. } => {
                self.deals.insert(id, (deal, DealStatus::NotContacted));
            }
            SponsorshipDealChanged { id, deal, .. } => {
                if let Some(d) = self.deals.get_mut(&id) {
                    d.0 = deal;
                }
            }
            SponsorshipDealMoved { id, to, .. } => {
                if let Some(d) = self.deals.get_mut(&id) {
                    d.1 = to;
                }
            }
            DonationRecorded { id, donation, .. } => {
                self.donations.insert(
                    id,
                    DonationState {
                        donation,
                        status: DonationStatus::Paid,
                        session_id: None,
                        payment_intent: None,
                    },
                );
            }
            DonationRefunded { id, .. } => {
                if let Some(d) = self.donations.get_mut(&id) {
                    d.status = DonationStatus::Refunded;
                }
            }
            DonationCheckoutStarted { id, donation, .. } => {
                self.donations.insert(
                    id,
                    DonationState {
                        donation,
                        status: DonationStatus::Pending,
                        session_id: None,
                        payment_intent: None,
                    },
                );
            }
            DonationCheckoutSessionOpened { id, session_id, .. } => {
                if let Some(d) = self.donations.get_mut(&id) {
                    d.session_id = Some(session_id);
                }
            }
            DonationCheckoutCompleted {
                id,
                session_id,
                payment_intent,
                ..
            } => {
                if let Some(d) = self.donations.get_mut(&id) {
                    d.session_id = Some(session_id);
                    d.payment_intent = payment_intent;
                    d.status = DonationStatus::Paid;
                }
            }
            DonationCheckoutFailed { id, .. } => {
                if let Some(d) = self.donations.get_mut(&id) {
                    d.status = DonationStatus::Failed;
                }
            }
        }
    }
}

impl Aggregate for Fundraising {
    const TYPE: &'static str = "fundraising";
    type Command = FundraisingCommand;
    type Event = FundraisingEvent;
    type Error = FundraisingError;
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
