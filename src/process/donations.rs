//! Donations paid through a Stripe Checkout Session (MY-29): the flow touches the
//! conference (its `accepting_donations` flag), its Fundraising stream and
//! Stripe.
//!
//! | Step | Commands |
//! |---|---|
//! | start | the flag is read from the Conference, then `Fundraising.StartDonationCheckout` (pending: it does not count) |
//! | session | Stripe Checkout Session keyed `donation-<id>` (metadata `donation_id`, `conference_id`, `kind = donation`), then `OpenDonationSession`; when Stripe refuses, `FailDonationCheckout` |
//! | paid | `checkout.session.completed` (paid) → `CompleteDonationCheckout`: it counts |
//! | expired | `checkout.session.expired` → `FailDonationCheckout`: it never counts |
//! | refunded | a full `charge.refunded` of its intent → `RefundDonation` |
//!
//! Every step is idempotent: the same request (same `Idempotency-Key`) is the
//! same donation and the same Stripe session, a duplicate webhook adds nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tessera_aggregates::conference::{Conference, ConferenceError};
use tessera_aggregates::fundraising::{
    Donation, DonationStatus, Fundraising, FundraisingCommand, FundraisingError, SealedDonor,
    donor_person,
};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::Context;
use super::bulk_purchases::ReturnUrls;
use crate::bus::BusError;
use crate::ids::fundraising_id;
use crate::personal::{PersonalData, PersonalError};
use crate::refusal::{Failure, Kind};
use crate::stripe::{CheckoutSession, CheckoutSessionRequest, GatewayError};

/// The `kind` metadata of a donation's session.
pub const KIND: &str = "donation";

/// Why a donation flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum DonationFlowError {
    #[error(transparent)]
    Fundraising(BusError<FundraisingError>),
    #[error(transparent)]
    Conference(BusError<ConferenceError>),
    #[error("Conference not found.")]
    UnknownConference,
    #[error(transparent)]
    Stripe(GatewayError),
}

impl Failure for DonationFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Fundraising(e) => e.code(),
            Self::Conference(e) => e.code(),
            Self::UnknownConference => "conference.not_found",
            Self::Stripe(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Fundraising(e) => e.kind(),
            Self::Conference(e) => e.kind(),
            Self::UnknownConference => Kind::NotFound,
            Self::Stripe(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Fundraising(e) => Some(e),
            Self::Conference(e) => Some(e),
            Self::Stripe(e) => Some(e),
            _ => None,
        }
    }
}

impl DonationFlowError {
    /// A rule refused it (not the store, not Stripe): final.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Fundraising(e) => matches!(e, BusError::Refused(_)),
            Self::Conference(e) => matches!(e, BusError::Refused(_)),
            Self::UnknownConference => true,
            Self::Stripe(_) => false,
        }
    }
}

/// A donor's values as given; they enter the log only sealed.
pub struct Donor<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub message: &'a str,
}

/// Why a donor's values could not be sealed.
#[derive(Debug, thiserror::Error)]
pub enum DonorError {
    #[error("This donor's personal data was erased; nothing more is stored for them.")]
    Erased,
    #[error(transparent)]
    Personal(#[from] PersonalError),
}

impl Failure for DonorError {
    fn code(&self) -> &'static str {
        match self {
            Self::Erased => "fundraising.donor_erased",
            Self::Personal(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Erased => Kind::Conflict,
            Self::Personal(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Personal(e) => Some(e),
            _ => None,
        }
    }
}

/// A donation whose donor's values enter the log only sealed under the donor's
/// person ([`donor_person`]: the e-mail's user id, else the name's). An erased
/// person's values can never be stored again, so their donation is refused.
pub async fn sealed_donation(
    personal: &PersonalData,
    donor: Donor<'_>,
    amount: Decimal,
    transaction_date: NaiveDate,
) -> Result<Donation, DonorError> {
    let email = donor.email.trim().to_lowercase();
    let name = donor.name.trim();
    let person = donor_person(&email, name);
    if personal.is_erased(person).await? {
        return Err(DonorError::Erased);
    }
    let sealed = SealedDonor {
        name: personal.seal_opt(person, name).await?,
        email: personal.seal_opt(person, &email).await?,
        message: personal.seal_opt(person, donor.message.trim()).await?,
    };
    Ok(Donation {
        amount,
        transaction_date,
        donor: Some(person),
        sealed: Some(sealed),
        ..Default::default()
    })
}

/// The key of a donation's one Checkout Session.
pub fn checkout_idempotency_key(id: Uuid) -> String {
    format!("donation-{id}")
}

/// What a donor gives through Checkout: the donation with its donor's values
/// sealed, and the plain e-mail Stripe prefills (Stripe is told, the log never).
#[derive(Debug, Clone)]
pub struct NewDonation {
    pub donation: Donation,
    pub customer_email: Option<String>,
}

fn send_err(e: BusError<FundraisingError>) -> DonationFlowError {
    DonationFlowError::Fundraising(e)
}

/// MY-29: whether the conference accepts donations now (read from the
/// Conference, so a change of the flag holds for the next request).
pub async fn accepting(ctx: &Context<'_>, conference: Uuid) -> Result<bool, DonationFlowError> {
    ctx.bus
        .inspect(&Conference::stream(conference), |c| {
            c.exists().then(|| c.details().accepting_donations)
        })
        .await
        .map_err(DonationFlowError::Conference)?
        .ok_or(DonationFlowError::UnknownConference)
}

/// MY-29: a pending donation and its Checkout Session (created once: a retry
/// gets the same session from Stripe).
pub async fn checkout(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    new: NewDonation,
    urls: ReturnUrls,
    meta: &EventMeta,
) -> Result<(CheckoutSession, Option<i64>), DonationFlowError> {
    let accepting = accepting(ctx, conference).await?;
    // Nothing is recorded when the payment cannot be taken.
    let gateway = ctx
        .gateway
        .ok_or(DonationFlowError::Stripe(GatewayError::NotConfigured))?;
    let stream = Fundraising::stream(fundraising_id(conference));
    let amount = new.donation.amount;
    ctx.bus
        .send(
            &stream,
            FundraisingCommand::StartDonationCheckout {
                conference_id: conference,
                id,
                donation: new.donation,
                accepting_donations: accepting,
            },
            meta,
        )
        .await
        .map_err(send_err)?;
    let metadata = BTreeMap::from([
        ("donation_id".to_string(), id.to_string()),
        ("conference_id".to_string(), conference.to_string()),
        ("kind".to_string(), KIND.to_string()),
    ]);
    let session = gateway
        .create_checkout_session(&CheckoutSessionRequest {
            unit_amount: amount,
            quantity: 1,
            currency: ctx.config.currency.clone(),
            name: "Donation".to_string(),
            metadata,
            success_url: urls.success_url,
            cancel_url: urls.cancel_url,
            customer_email: new.customer_email,
            idempotency_key: checkout_idempotency_key(id),
        })
        .await;
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            // The compensation: a donation without a session never counts.
            if matches!(e, GatewayError::Stripe { status, .. } if (400..500).contains(&status)) {
                let _ = ctx
                    .bus
                    .send(
                        &stream,
                        FundraisingCommand::FailDonationCheckout {
                            id,
                            reason: "Stripe refused the checkout session.".into(),
                        },
                        meta,
                    )
                    .await;
            }
            return Err(DonationFlowError::Stripe(e));
        }
    };
    let sent = ctx
        .bus
        .send(
            &stream,
            FundraisingCommand::OpenDonationSession {
                id,
                session_id: session.id.clone(),
            },
            meta,
        )
        .await
        .map_err(send_err)?;
    Ok((session, sent.position))
}

/// A donation as the webhook needs it.
#[derive(Debug, Clone)]
pub struct DonationView {
    pub status: DonationStatus,
    pub session_id: Option<String>,
    pub payment_intent: Option<String>,
}

/// The donation `id` of `conference`'s fundraising, when there is one.
pub async fn find(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
) -> Result<Option<DonationView>, DonationFlowError> {
    ctx.bus
        .inspect(&Fundraising::stream(fundraising_id(conference)), move |f| {
            f.donation(id).map(|d| DonationView {
                status: d.status,
                session_id: d.session_id.clone(),
                payment_intent: d.payment_intent.clone(),
            })
        })
        .await
        .map_err(send_err)
}

/// One command on the conference's fundraising.
pub async fn send(
    ctx: &Context<'_>,
    conference: Uuid,
    command: FundraisingCommand,
    meta: &EventMeta,
) -> Result<Option<i64>, DonationFlowError> {
    ctx.bus
        .send(
            &Fundraising::stream(fundraising_id(conference)),
            command,
            meta,
        )
        .await
        .map(|s| s.position)
        .map_err(send_err)
}
