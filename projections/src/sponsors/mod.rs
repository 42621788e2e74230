//! Sponsors of every conference with their override and benefits, and the
//! conferences' sponsor levels (for their names and order) (SPONSOR-2…9, ANA-5).
//!
//! Keys: `sponsor:{sponsor_id}` and `level:{conference_id}:{level_slug}`.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::ConferenceEvent;
use tessera_aggregates::sponsor::{
    Benefit, Effective, SponsorDetails, SponsorEvent, SponsorOverride, effective,
};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Sponsors;

#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum SponsorsRow {
    Sponsor(SponsorRow),
    Level(LevelRow),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SponsorRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub slug: String,
    pub details: SponsorDetails,
    pub over: Option<SponsorOverride>,
    pub benefits: BTreeMap<Uuid, Benefit>,
    /// SPONSOR-12: the comp vouchers its creation issued.
    pub comp_ticket_count: u32,
    pub created_at: DateTime<Utc>,
}

impl SponsorRow {
    /// SPONSOR-5.
    pub fn effective(&self) -> Effective {
        effective(&self.details, self.over.as_ref())
    }
}

/// A sponsor level as its conference defines it (AMB-5, SPONSOR-1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelRow {
    pub conference_id: Uuid,
    pub slug: String,
    pub name: String,
    pub cost: Option<Decimal>,
    pub comp_ticket_count: u32,
    pub order: i32,
}

pub fn sponsor_key(id: Uuid) -> String {
    format!("sponsor:{id}")
}

pub fn level_key(conference: Uuid, slug: &str) -> String {
    format!("level:{conference}:{slug}")
}

pub fn levels_prefix(conference: Uuid) -> String {
    format!("level:{conference}:")
}

/// ANA-5: benefits completed, benefits in all, and the fulfilment rate in percent
/// (0 when there is no benefit), over `sponsors`.
pub fn fulfilment<'a>(sponsors: impl IntoIterator<Item = &'a SponsorRow>) -> (u32, u32, Decimal) {
    let (mut done, mut all) = (0u32, 0u32);
    for s in sponsors {
        for b in s.benefits.values() {
            all += 1;
            done += u32::from(b.is_complete);
        }
    }
    let mut rate = if all == 0 {
        Decimal::ZERO
    } else {
        (Decimal::from(done) * Decimal::ONE_HUNDRED / Decimal::from(all)).round_dp(2)
    };
    rate.rescale(2);
    (done, all, rate)
}

impl Sponsors {
    fn sponsor(rows: &mut Rows<SponsorsRow>, id: Uuid, f: impl FnOnce(&mut SponsorRow)) {
        if let Some(SponsorsRow::Sponsor(s)) = rows.get_mut(&sponsor_key(id)) {
            f(s)
        }
    }
}

impl Projection for Sponsors {
    const NAME: &'static str = "sponsors";
    const VERSION: u32 = 1;
    type Row = SponsorsRow;

    fn apply(rows: &mut Rows<SponsorsRow>, env: &Envelope) {
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        match &env.event {
            DomainEvent::Conference(
                ConferenceEvent::SponsorLevelAdded { level, .. }
                | ConferenceEvent::SponsorLevelUpdated { level, .. },
            ) => rows.insert(
                level_key(id, &level.slug),
                SponsorsRow::Level(LevelRow {
                    conference_id: id,
                    slug: level.slug.clone(),
                    name: level.name.clone(),
                    cost: level.cost,
                    comp_ticket_count: level.comp_ticket_count,
                    order: level.order,
                }),
            ),
            DomainEvent::Sponsor(event) => Self::apply_sponsor(rows, id, event),
            _ => {}
        }
    }
}

impl Sponsors {
    fn apply_sponsor(rows: &mut Rows<SponsorsRow>, id: Uuid, event: &SponsorEvent) {
        use SponsorEvent::*;
        match event {
            SponsorCreated {
                conference_id,
                slug,
                details,
                comp_ticket_count,
                at,
            } => rows.insert(
                sponsor_key(id),
                SponsorsRow::Sponsor(SponsorRow {
                    id,
                    conference_id: *conference_id,
                    slug: slug.clone(),
                    details: details.clone(),
                    over: None,
                    benefits: BTreeMap::new(),
                    comp_ticket_count: *comp_ticket_count,
                    created_at: *at,
                }),
            ),
            SponsorUpdated { details, .. } => {
                Self::sponsor(rows, id, |s| s.details = details.clone())
            }
            SponsorOverrideSaved { over, .. } => {
                Self::sponsor(rows, id, |s| s.over = Some(over.clone()))
            }
            SponsorOverrideRemoved { .. } => Self::sponsor(rows, id, |s| s.over = None),
            SponsorBenefitSaved { id: b, benefit, .. } => Self::sponsor(rows, id, |s| {
                s.benefits.insert(*b, benefit.clone());
            }),
            SponsorBenefitRemoved { id: b, .. } => Self::sponsor(rows, id, |s| {
                s.benefits.remove(b);
            }),
            SponsorRemoved { .. } => rows.remove(&sponsor_key(id)),
        }
    }
}
