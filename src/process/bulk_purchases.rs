//! Bulk voucher purchases (SPONSOR-19…29, PAY-47/49/50, AMB-23): the flows that
//! touch the purchase, the conference's Inventory, its sponsors and Stripe.
//!
//! | Step | Commands |
//! |---|---|
//! | request | the sponsor and products are looked up (SPONSOR-21), then `BulkPurchase.Request` |
//! | checkout | Stripe Checkout Session keyed `bulk-purchase-<id>` (SPONSOR-24), then `StartCheckout` |
//! | fulfil | `Inventory.IssueBulkVouchers` (only the missing vouchers, AMB-23), then `RecordFulfilment` with every linked code |
//! | refund | the Stripe refund of the whole intent (keyed `bulk-purchase-refund-<id>`), `Refund`, then `Inventory.DeactivateBulkVouchers` (SPONSOR-27) |
//!
//! Each step is idempotent: a retried or concurrent fulfilment finds nothing
//! missing in the Inventory and records nothing new, so each voucher is generated
//! once. The process manager deactivates a refunded purchase's vouchers again from
//! the log (the catch-up after a crash between the last two steps).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tessera_aggregates::bulk_purchase::{
    BulkProduct, BulkPurchase, BulkPurchaseCommand, BulkPurchaseError, BulkPurchaseEvent,
    BulkStatus, VoucherConfig,
};
use tessera_aggregates::inventory::{Inventory, InventoryCommand, InventoryError};
use tessera_aggregates::sponsor::{Sponsor, SponsorError};
use tessera_projections::{DomainEvent, Envelope, EventMeta};
use uuid::Uuid;

use super::{Context, Reaction, settle};
use crate::bus::{BusError, CommandBus};
use crate::ids::{inventory_id, sponsor_id};
use crate::refusal::{Failure, Kind};
use crate::stripe::{CheckoutSession, CheckoutSessionRequest, GatewayError, RefundReason};

/// DISC-8: up to 100 draws before giving up.
const MAX_DRAWS: usize = 100;
/// Spare candidates per draw, so one taken code does not cost a round trip.
const SPARE_CANDIDATES: u32 = 8;

/// Why a bulk-purchase flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum BulkFlowError {
    #[error(transparent)]
    Purchase(BusError<BulkPurchaseError>),
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
    #[error(transparent)]
    Sponsor(BusError<SponsorError>),
    #[error("Sponsor '{0}' does not exist for this conference.")]
    UnknownSponsor(String), // SPONSOR-21
    #[error("Ticket type '{0}' does not exist for this conference.")]
    UnknownTicketType(String), // SPONSOR-21
    #[error("Add-on '{0}' does not exist for this conference.")]
    UnknownAddon(String), // SPONSOR-21
    #[error("Only paid or approved purchases can be fulfilled.")]
    NotFulfillableByOrganizer, // SPONSOR-29
    #[error("Could not draw unique voucher codes; try another prefix.")]
    CodesExhausted, // DISC-8
    #[error(transparent)]
    Stripe(GatewayError),
}

impl Failure for BulkFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Purchase(e) => e.code(),
            Self::Inventory(e) => e.code(),
            Self::Sponsor(e) => e.code(),
            Self::UnknownSponsor(_) => "bulk_purchase.unknown_sponsor",
            Self::UnknownTicketType(_) => "bulk_purchase.unknown_ticket_type",
            Self::UnknownAddon(_) => "bulk_purchase.unknown_addon",
            Self::NotFulfillableByOrganizer => "bulk_purchase.not_fulfillable",
            Self::CodesExhausted => "inventory.code_collision",
            Self::Stripe(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Purchase(e) => e.kind(),
            Self::Inventory(e) => e.kind(),
            Self::Sponsor(e) => e.kind(),
            Self::UnknownSponsor(_) | Self::UnknownTicketType(_) | Self::UnknownAddon(_) => {
                Kind::Refused
            }
            Self::NotFulfillableByOrganizer | Self::CodesExhausted => Kind::Conflict,
            Self::Stripe(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Purchase(e) => Some(e),
            Self::Inventory(e) => Some(e),
            Self::Sponsor(e) => Some(e),
            Self::Stripe(e) => Some(e),
            _ => None,
        }
    }
}

impl BulkFlowError {
    /// A rule refused it (not the store, not Stripe): final.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Purchase(e) => matches!(e, BusError::Refused(_)),
            Self::Inventory(e) => matches!(e, BusError::Refused(_)),
            Self::Sponsor(e) => matches!(e, BusError::Refused(_)),
            Self::Stripe(_) => false,
            _ => true,
        }
    }
}

fn purchase_err(e: BusError<BulkPurchaseError>) -> BulkFlowError {
    BulkFlowError::Purchase(e)
}

fn not_found() -> BulkFlowError {
    BulkFlowError::Purchase(BusError::Refused(BulkPurchaseError::NotFound))
}

/// What a request asks for (SPONSOR-22).
#[derive(Debug, Clone)]
pub struct NewPurchase {
    pub sponsor: Option<String>,
    pub quantity: u32,
    pub ticket_type: Option<String>,
    pub addon: Option<String>,
    pub unit_price: Decimal,
    pub voucher_config: VoucherConfig,
    pub requester: Uuid,
    pub from_portal: bool,
}

/// What a step reached.
#[derive(Debug, Clone)]
pub struct Done {
    pub id: Uuid,
    pub position: Option<i64>,
}

/// A purchase as a flow needs it, checked to be of `conference`.
async fn load<T: Send + 'static>(
    bus: &CommandBus,
    conference: Uuid,
    id: Uuid,
    read: impl FnOnce(&BulkPurchase) -> T + Send + 'static,
) -> Result<T, BulkFlowError> {
    bus.inspect(&BulkPurchase::stream(id), move |p| {
        (p.exists() && p.conference_id() == conference).then(|| read(p))
    })
    .await
    .map_err(purchase_err)?
    .ok_or_else(not_found)
}

/// SPONSOR-19…22: a new purchase, pending.
pub async fn request(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    new: NewPurchase,
    meta: &EventMeta,
) -> Result<Done, BulkFlowError> {
    // SPONSOR-21: the sponsor and the products must be the conference's.
    if let Some(slug) = &new.sponsor {
        let exists = ctx
            .bus
            .inspect(&Sponsor::stream(sponsor_id(conference, slug)), |s| {
                s.exists()
            })
            .await
            .map_err(BulkFlowError::Sponsor)?;
        if !exists {
            return Err(BulkFlowError::UnknownSponsor(slug.clone()));
        }
    }
    let (ticket, addon) = (new.ticket_type.clone(), new.addon.clone());
    let (ticket_type, addon_product) = ctx
        .bus
        .inspect(&Inventory::stream(inventory_id(conference)), move |inv| {
            let t = ticket.map(|slug| {
                inv.ticket_type(&slug)
                    .map(|t| BulkProduct {
                        slug: t.slug.clone(),
                        name: t.name.clone(),
                        bulk_enabled: t.bulk_enabled,
                    })
                    .ok_or(BulkFlowError::UnknownTicketType(slug))
            });
            let a = addon.map(|slug| {
                inv.addon(&slug)
                    .map(|a| BulkProduct {
                        slug: a.slug.clone(),
                        name: a.name.clone(),
                        bulk_enabled: a.bulk_enabled,
                    })
                    .ok_or(BulkFlowError::UnknownAddon(slug))
            });
            (t, a)
        })
        .await
        .map_err(BulkFlowError::Inventory)?;
    let ticket_type = ticket_type.transpose()?;
    let addon = addon_product.transpose()?;
    let sent = ctx
        .bus
        .send(
            &BulkPurchase::stream(id),
            BulkPurchaseCommand::Request {
                conference_id: conference,
                sponsor: new.sponsor,
                quantity: new.quantity,
                ticket_type,
                addon,
                unit_price: new.unit_price,
                voucher_config: new.voucher_config,
                requester: new.requester,
                from_portal: new.from_portal,
            },
            meta,
        )
        .await
        .map_err(purchase_err)?;
    Ok(Done {
        id,
        position: sent.position,
    })
}

/// SPONSOR-23.
pub async fn approve(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    by: Uuid,
    voucher_config: Option<VoucherConfig>,
    meta: &EventMeta,
) -> Result<Done, BulkFlowError> {
    load(ctx.bus, conference, id, |_| ()).await?;
    let sent = ctx
        .bus
        .send(
            &BulkPurchase::stream(id),
            BulkPurchaseCommand::Approve { by, voucher_config },
            meta,
        )
        .await
        .map_err(purchase_err)?;
    Ok(Done {
        id,
        position: sent.position,
    })
}

/// SPONSOR-24: the key of a purchase's one Checkout Session.
pub fn checkout_idempotency_key(id: Uuid) -> String {
    format!("bulk-purchase-{id}")
}

/// Where the buyer goes after paying or giving up.
#[derive(Debug, Clone)]
pub struct ReturnUrls {
    pub success_url: String,
    pub cancel_url: String,
}

/// SPONSOR-24: the purchase's Checkout Session (created once: a retry gets the
/// same session from Stripe), then pending → processing.
pub async fn checkout(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    urls: ReturnUrls,
    meta: &EventMeta,
) -> Result<(CheckoutSession, Option<i64>), BulkFlowError> {
    let (status, terms) =
        load(ctx.bus, conference, id, |p| (p.status(), p.terms().clone())).await?;
    // Refused before Stripe is asked (the purchase decides again below).
    match status {
        BulkStatus::Pending | BulkStatus::Processing => {}
        _ => {
            return Err(BulkFlowError::Purchase(BusError::Refused(
                BulkPurchaseError::CheckoutNotPending,
            )));
        }
    }
    if terms.total_amount <= Decimal::ZERO {
        return Err(BulkFlowError::Purchase(BusError::Refused(
            BulkPurchaseError::ZeroAmount,
        )));
    }
    let gateway = ctx
        .gateway
        .ok_or(BulkFlowError::Stripe(GatewayError::NotConfigured))?;
    let metadata = BTreeMap::from([
        ("bulk_purchase_id".to_string(), id.to_string()),
        ("conference_id".to_string(), conference.to_string()),
        (
            "sponsor_id".to_string(),
            terms
                .sponsor
                .as_deref()
                .map(|s| sponsor_id(conference, s).to_string())
                .unwrap_or_default(),
        ),
    ]);
    let session = gateway
        .create_checkout_session(&CheckoutSessionRequest {
            unit_amount: terms.unit_price,
            quantity: terms.quantity,
            currency: ctx.config.currency.clone(),
            name: terms.product_description.clone(),
            metadata,
            success_url: urls.success_url,
            cancel_url: urls.cancel_url,
            customer_email: None,
            idempotency_key: checkout_idempotency_key(id),
        })
        .await
        .map_err(BulkFlowError::Stripe)?;
    let sent = ctx
        .bus
        .send(
            &BulkPurchase::stream(id),
            BulkPurchaseCommand::StartCheckout {
                session_id: session.id.clone(),
            },
            meta,
        )
        .await
        .map_err(purchase_err)?;
    Ok((session, sent.position))
}

/// What a fulfilment reached.
#[derive(Debug, Clone)]
pub struct Fulfilled {
    /// Every code linked to the purchase.
    pub codes: Vec<String>,
    pub position: Option<i64>,
}

/// Who asks for a fulfilment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfilledBy {
    /// SPONSOR-29: only paid or approved purchases.
    Organizer,
    /// PAY-49: the paid Checkout Session.
    Payment,
}

/// SPONSOR-25/26, AMB-23: generates only the vouchers still missing, then links
/// every code to the purchase (status → paid). Already fulfilled and paid: nothing.
pub async fn fulfil(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    by: FulfilledBy,
    payment_intent: Option<String>,
    meta: &EventMeta,
) -> Result<Fulfilled, BulkFlowError> {
    let (status, plan) = load(ctx.bus, conference, id, |p| (p.status(), p.fulfilment())).await?;
    if by == FulfilledBy::Organizer && !matches!(status, BulkStatus::Paid | BulkStatus::Approved) {
        return Err(BulkFlowError::NotFulfillableByOrganizer);
    }
    let plan = plan.map_err(|e| BulkFlowError::Purchase(BusError::Refused(e)))?;
    let inventory = Inventory::stream(inventory_id(conference));
    let mut position = None;
    if let Some(plan) = plan {
        let mut issued = false;
        for _ in 0..MAX_DRAWS {
            let candidates = (0..plan.quantity + SPARE_CANDIDATES)
                .map(|_| crate::codes::random_code(&plan.prefix, 8))
                .collect();
            let sent = ctx
                .bus
                .send(
                    &inventory,
                    InventoryCommand::IssueBulkVouchers {
                        purchase_id: id,
                        quantity: plan.quantity,
                        prefix: plan.prefix.clone(),
                        template: plan.template.clone(),
                        candidates,
                    },
                    meta,
                )
                .await;
            match sent {
                Err(BusError::Refused(InventoryError::CodeCollision { .. })) => continue,
                other => {
                    position = other
                        .map_err(BulkFlowError::Inventory)?
                        .position
                        .or(position);
                    issued = true;
                    break;
                }
            }
        }
        if !issued {
            return Err(BulkFlowError::CodesExhausted);
        }
    }
    // Every code the Inventory links to the purchase: those just issued, or those
    // a concurrent fulfilment issued first.
    let codes = ctx
        .bus
        .inspect(&inventory, move |inv| inv.bulk_codes(id).to_vec())
        .await
        .map_err(BulkFlowError::Inventory)?;
    let sent = ctx
        .bus
        .send(
            &BulkPurchase::stream(id),
            BulkPurchaseCommand::RecordFulfilment {
                codes: codes.clone(),
                payment_intent,
            },
            meta,
        )
        .await
        .map_err(purchase_err)?;
    Ok(Fulfilled {
        codes,
        position: sent.position.or(position),
    })
}

/// SPONSOR-28.
pub async fn mark_failed(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    reason: String,
    payment_intent: Option<String>,
    meta: &EventMeta,
) -> Result<Done, BulkFlowError> {
    load(ctx.bus, conference, id, |_| ()).await?;
    let sent = ctx
        .bus
        .send(
            &BulkPurchase::stream(id),
            BulkPurchaseCommand::MarkFailed {
                reason,
                payment_intent,
            },
            meta,
        )
        .await
        .map_err(purchase_err)?;
    Ok(Done {
        id,
        position: sent.position,
    })
}

/// SPONSOR-27: refunds the whole payment (when there was one) through Stripe, then
/// records the refund and deactivates the purchase's vouchers. `stripe`: false
/// when Stripe already refunded it (the `charge.refunded` webhook, PAY-47).
pub async fn refund(
    ctx: &Context<'_>,
    conference: Uuid,
    id: Uuid,
    stripe: bool,
    meta: &EventMeta,
) -> Result<Done, BulkFlowError> {
    let (status, intent, total) = load(ctx.bus, conference, id, |p| {
        (
            p.status(),
            p.payment_intent().map(str::to_string),
            p.terms().total_amount,
        )
    })
    .await?;
    if !status.can_move_to(BulkStatus::Refunded) && status != BulkStatus::Refunded {
        return Err(BulkFlowError::Purchase(BusError::Refused(
            BulkPurchaseError::NotRefundable(status),
        )));
    }
    if stripe
        && status != BulkStatus::Refunded
        && let Some(intent) = intent.filter(|_| total > Decimal::ZERO)
    {
        let gateway = ctx
            .gateway
            .ok_or(BulkFlowError::Stripe(GatewayError::NotConfigured))?;
        // One key per purchase: a retry is the same Stripe refund, never a second.
        gateway
            .create_refund(&crate::stripe::RefundRequest {
                payment_intent: intent,
                amount: total,
                currency: ctx.config.currency.clone(),
                reason: RefundReason::RequestedByCustomer,
                idempotency_key: format!("bulk-purchase-refund-{id}"),
            })
            .await
            .map_err(BulkFlowError::Stripe)?;
    }
    let sent = ctx
        .bus
        .send(&BulkPurchase::stream(id), BulkPurchaseCommand::Refund, meta)
        .await
        .map_err(purchase_err)?;
    let deactivated = deactivate(ctx.bus, conference, id, meta)
        .await
        .map_err(BulkFlowError::Inventory)?;
    Ok(Done {
        id,
        position: deactivated.or(sent.position),
    })
}

async fn deactivate(
    bus: &CommandBus,
    conference: Uuid,
    id: Uuid,
    meta: &EventMeta,
) -> Result<Option<i64>, BusError<InventoryError>> {
    let sent = bus
        .send(
            &Inventory::stream(inventory_id(conference)),
            InventoryCommand::DeactivateBulkVouchers { purchase_id: id },
            meta,
        )
        .await?;
    Ok(sent.position)
}

/// The process manager: a refunded purchase's vouchers are deactivated (the
/// catch-up after a crash between `Refund` and the Inventory step).
pub async fn react(bus: &CommandBus, env: &Envelope) -> anyhow::Result<Reaction> {
    let DomainEvent::BulkPurchase(BulkPurchaseEvent::BulkPurchaseRefunded { .. }) = &env.event
    else {
        return Ok(Reaction::Done);
    };
    let Some(id) = env.aggregate_uuid() else {
        return Ok(Reaction::Done);
    };
    let conference = bus
        .inspect(&BulkPurchase::stream(id), |p| p.conference_id())
        .await?;
    let meta = EventMeta {
        conference_id: Some(conference),
        actor: "system".to_string(),
        request_id: env.meta.request_id.clone(),
        causation_id: Some(env.position.to_string()),
        idempotency_key: None,
        recorded_at: None,
    };
    settle(
        deactivate(bus, conference, id, &meta)
            .await
            .map(|position| crate::bus::Sent { position }),
    )
}
