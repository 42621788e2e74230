//! Sponsors (SPONSOR-2…6, SPONSOR-12/13): the flows that need the conference's
//! sponsor levels, and the comp vouchers a new sponsor gets.
//!
//! | Fact | Follow-up |
//! |---|---|
//! | `SponsorCreated` with `comp_ticket_count` N > 0 | the conference's Inventory issues `SPONSOR-<SLUG>-1…N` (codes already there are skipped) |
//!
//! `create` runs the follow-up before it answers (no stale window: the vouchers
//! are usable as soon as the sponsor exists); the process managers run it again
//! from the log, a no-op after the flow and the catch-up after a crash between
//! the two steps. The issue is keyed by the codes, so it happens once.

use tessera_aggregates::conference::{Conference, ConferenceError};
use tessera_aggregates::inventory::{Inventory, InventoryCommand, InventoryError};
use tessera_aggregates::sponsor::{
    LevelRef, Sponsor, SponsorCommand, SponsorDetails, SponsorError, SponsorEvent, SponsorOverride,
    SponsorPatch, comp_voucher_codes,
};
use tessera_projections::{DomainEvent, Envelope, EventMeta};
use uuid::Uuid;

use super::{Context, FaultPoint, InjectedCrash, Reaction, settle};
use crate::bus::{BusError, CommandBus};
use crate::ids::{inventory_id, sponsor_id};
use crate::refusal::{Failure, Kind};

/// The point between a sponsor's creation and its comp vouchers where a test can
/// inject a crash ([`super::Faults`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SponsorStep {
    /// The sponsor is created; its comp vouchers are not issued.
    AfterCreate = 31,
}

impl FaultPoint for SponsorStep {
    fn code(self) -> u8 {
        self as u8
    }
}

/// Why a sponsor flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum SponsorFlowError {
    #[error(transparent)]
    Sponsor(BusError<SponsorError>),
    #[error(transparent)]
    Conference(BusError<ConferenceError>),
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
    #[error(transparent)]
    Crash(#[from] InjectedCrash),
}

impl Failure for SponsorFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Sponsor(e) => e.code(),
            Self::Conference(e) => e.code(),
            Self::Inventory(e) => e.code(),
            Self::Crash(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Sponsor(e) => e.kind(),
            Self::Conference(e) => e.kind(),
            Self::Inventory(e) => e.kind(),
            Self::Crash(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Sponsor(e) => Some(e),
            Self::Conference(e) => Some(e),
            Self::Inventory(e) => Some(e),
            Self::Crash(e) => Some(e),
        }
    }
}

/// What a sponsor command reached.
#[derive(Debug, Clone)]
pub struct Done {
    pub id: Uuid,
    pub position: Option<i64>,
}

/// SPONSOR-3: the conference's level with this slug, if it has one.
async fn level_of(
    bus: &CommandBus,
    conference_id: Uuid,
    slug: &str,
) -> Result<Option<LevelRef>, SponsorFlowError> {
    bus.inspect(&Conference::stream(conference_id), |c| {
        c.sponsor_level(slug).map(|l| LevelRef {
            slug: l.slug.clone(),
            comp_ticket_count: l.comp_ticket_count,
        })
    })
    .await
    .map_err(SponsorFlowError::Conference)
}

/// SPONSOR-2/3/12: creates the sponsor, then issues its comp vouchers.
pub async fn create(
    ctx: &Context<'_>,
    conference_id: Uuid,
    slug: String,
    details: SponsorDetails,
    meta: &EventMeta,
) -> Result<Done, SponsorFlowError> {
    let level = level_of(ctx.bus, conference_id, &details.level).await?;
    let id = sponsor_id(conference_id, &slug);
    let decided = ctx
        .bus
        .send_decided(
            &Sponsor::stream(id),
            SponsorCommand::Create {
                conference_id,
                slug: slug.clone(),
                details,
                level,
            },
            meta,
        )
        .await
        .map_err(SponsorFlowError::Sponsor)?;
    ctx.faults.trip(SponsorStep::AfterCreate)?;
    // A retried create decides nothing: the sponsor's stored count still says
    // what its creation issues (codes already there are skipped).
    let count = match decided.events.iter().find_map(|e| match e {
        SponsorEvent::SponsorCreated {
            comp_ticket_count, ..
        } => Some(*comp_ticket_count),
        _ => None,
    }) {
        Some(n) => n,
        None => ctx
            .bus
            .inspect(&Sponsor::stream(id), |s| s.comp_ticket_count())
            .await
            .map_err(SponsorFlowError::Sponsor)?,
    };
    let issued = issue_comp_vouchers(ctx.bus, conference_id, &slug, count, meta)
        .await
        .map_err(SponsorFlowError::Inventory)?;
    Ok(Done {
        id,
        position: issued.or(decided.position),
    })
}

/// SPONSOR-12/13: the comp vouchers of a sponsor created with `count`; returns the
/// position reached when something was issued.
async fn issue_comp_vouchers(
    bus: &CommandBus,
    conference_id: Uuid,
    slug: &str,
    count: u32,
    meta: &EventMeta,
) -> Result<Option<i64>, BusError<InventoryError>> {
    if count == 0 {
        return Ok(None);
    }
    let sent = bus
        .send(
            &Inventory::stream(inventory_id(conference_id)),
            InventoryCommand::IssueSponsorVouchers {
                codes: comp_voucher_codes(slug, count),
            },
            meta,
        )
        .await?;
    Ok(sent.position)
}

/// SPONSOR-2/3: changes a sponsor; a new level must be the conference's. Never
/// issues vouchers (SPONSOR-12).
pub async fn change(
    ctx: &Context<'_>,
    conference_id: Uuid,
    slug: &str,
    patch: SponsorPatch,
    meta: &EventMeta,
) -> Result<Done, SponsorFlowError> {
    let level = match &patch.level {
        Some(l) => level_of(ctx.bus, conference_id, l).await?,
        None => None,
    };
    let id = sponsor_id(conference_id, slug);
    let sent = ctx
        .bus
        .send(
            &Sponsor::stream(id),
            SponsorCommand::Change { patch, level },
            meta,
        )
        .await
        .map_err(SponsorFlowError::Sponsor)?;
    Ok(Done {
        id,
        position: sent.position,
    })
}

/// SPONSOR-4/6: saves (or, when empty, deletes) the sponsor's override; its level
/// must be the conference's (SPONSOR-3).
pub async fn save_override(
    ctx: &Context<'_>,
    conference_id: Uuid,
    slug: &str,
    over: SponsorOverride,
    meta: &EventMeta,
) -> Result<Done, SponsorFlowError> {
    let level_found = match &over.level {
        Some(l) => level_of(ctx.bus, conference_id, l).await?.is_some(),
        None => false,
    };
    let id = sponsor_id(conference_id, slug);
    let sent = ctx
        .bus
        .send(
            &Sponsor::stream(id),
            SponsorCommand::SaveOverride { over, level_found },
            meta,
        )
        .await
        .map_err(SponsorFlowError::Sponsor)?;
    Ok(Done {
        id,
        position: sent.position,
    })
}

/// The process manager: a created sponsor's comp vouchers (the catch-up after a
/// crash between the two steps of `create`).
pub async fn react(bus: &CommandBus, env: &Envelope) -> anyhow::Result<Reaction> {
    let DomainEvent::Sponsor(SponsorEvent::SponsorCreated {
        conference_id,
        slug,
        comp_ticket_count,
        ..
    }) = &env.event
    else {
        return Ok(Reaction::Done);
    };
    let meta = EventMeta {
        conference_id: Some(*conference_id),
        actor: "system".to_string(),
        request_id: env.meta.request_id.clone(),
        causation_id: Some(env.position.to_string()),
        idempotency_key: None,
        recorded_at: None,
    };
    settle(
        issue_comp_vouchers(bus, *conference_id, slug, *comp_ticket_count, &meta)
            .await
            .map(|position| crate::bus::Sent { position }),
    )
}
