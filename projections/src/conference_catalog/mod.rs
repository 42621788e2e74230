//! Series and their conferences with everything a conference page or the organizer
//! settings need: details, activation (MY-2), sections (CONF-9), products (CAT-1,
//! CAT-6), sponsor levels, feature overrides (CONF-22), KPI targets (CONF-13) and
//! role grants.
//!
//! Keys: `series:{series_id}`, `conference:{conference_id}`, and
//! `inventory:{inventory_id}` (the ledger → conference mapping through which
//! inventory events reach their conference row).

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{
    self, ConferenceDetails, ConferenceEvent, FeatureOverrides, KpiTargets, Role, Section,
    SponsorLevel,
};
use tessera_aggregates::inventory::{self, Addon, InventoryEvent, TicketType};
use tessera_aggregates::series::SeriesEvent;
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct ConferenceCatalog;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum CatalogRow {
    Series(SeriesRow),
    Conference(ConferenceRow),
    /// Which conference an inventory (sales ledger) belongs to.
    Ledger {
        conference_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// MY-2: the single active conference of the series.
    pub active_conference: Option<Uuid>,
    /// Conference ids by year (MY-17: iterate in year order). Stored as a list of
    /// pairs: integer map keys do not survive the tagged-enum row encoding.
    #[serde(with = "by_year")]
    pub conferences: BTreeMap<i32, Uuid>,
}

mod by_year {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use uuid::Uuid;

    pub fn serialize<S: Serializer>(map: &BTreeMap<i32, Uuid>, s: S) -> Result<S::Ok, S::Error> {
        map.iter().collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<i32, Uuid>, D::Error> {
        Ok(Vec::<(i32, Uuid)>::deserialize(d)?.into_iter().collect())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConferenceRow {
    pub id: Uuid,
    pub slug: String,
    pub series_id: Uuid,
    pub series_slug: String,
    pub year: i32,
    pub details: ConferenceDetails,
    /// MY-2: set by the series' activations.
    pub is_active: bool,
    /// CONF-9: sorted by (order, start_date).
    pub sections: Vec<Section>,
    /// CAT-1: sorted by (order, name).
    pub ticket_types: Vec<TicketType>,
    /// Sorted by (order, name).
    pub addons: Vec<Addon>,
    /// Sorted by order.
    pub sponsor_levels: Vec<SponsorLevel>,
    pub feature_overrides: FeatureOverrides,
    pub kpi_targets: KpiTargets,
    /// Roles by user.
    pub roles: BTreeMap<Uuid, Vec<Role>>,
    pub created_at: DateTime<Utc>,
}

impl ConferenceRow {
    pub fn ticket_type(&self, slug: &str) -> Option<&TicketType> {
        self.ticket_types.iter().find(|t| t.slug == slug)
    }

    pub fn addon(&self, slug: &str) -> Option<&Addon> {
        self.addons.iter().find(|a| a.slug == slug)
    }

    pub fn roles_of(&self, user: &Uuid) -> &[Role] {
        self.roles.get(user).map(Vec::as_slice).unwrap_or_default()
    }
}

pub fn series_key(id: Uuid) -> String {
    format!("series:{id}")
}

pub fn conference_key(id: Uuid) -> String {
    format!("conference:{id}")
}

pub fn ledger_key(inventory_id: Uuid) -> String {
    format!("inventory:{inventory_id}")
}

pub const SERIES_PREFIX: &str = "series:";
pub const CONFERENCE_PREFIX: &str = "conference:";
/// The ledger rows: one per conference whose inventory was opened.
pub const LEDGER_PREFIX: &str = "inventory:";

impl ConferenceCatalog {
    fn series(rows: &mut Rows<CatalogRow>, id: Uuid) -> Option<&mut SeriesRow> {
        match rows.get_mut(&series_key(id)) {
            Some(CatalogRow::Series(s)) => Some(s),
            _ => None,
        }
    }

    fn conference(rows: &mut Rows<CatalogRow>, id: Uuid) -> Option<&mut ConferenceRow> {
        match rows.get_mut(&conference_key(id)) {
            Some(CatalogRow::Conference(c)) => Some(c),
            _ => None,
        }
    }

    fn apply_series(rows: &mut Rows<CatalogRow>, id: Uuid, event: &SeriesEvent) {
        match event {
            SeriesEvent::SeriesCreated { slug, name, .. } => rows.insert(
                series_key(id),
                CatalogRow::Series(SeriesRow {
                    id,
                    slug: slug.clone(),
                    name: name.clone(),
                    active_conference: None,
                    conferences: BTreeMap::new(),
                }),
            ),
            SeriesEvent::ConferenceRegistered {
                conference_id,
                year,
                ..
            } => {
                if let Some(s) = Self::series(rows, id) {
                    s.conferences.insert(*year, *conference_id);
                }
            }
            SeriesEvent::ConferenceActivated {
                conference_id,
                previous,
                ..
            } => {
                if let Some(s) = Self::series(rows, id) {
                    s.active_conference = Some(*conference_id);
                }
                if let Some(prev) = previous
                    && let Some(c) = Self::conference(rows, *prev)
                {
                    c.is_active = false;
                }
                if let Some(c) = Self::conference(rows, *conference_id) {
                    c.is_active = true;
                }
            }
        }
    }

    fn apply_conference(rows: &mut Rows<CatalogRow>, id: Uuid, event: &ConferenceEvent) {
        if let ConferenceEvent::ConferenceCreated {
            series_id,
            series_slug,
            slug,
            year,
            details,
            at,
        } = event
        {
            // Robust to an activation folded before the creation.
            let is_active = matches!(
                rows.get(&series_key(*series_id)),
                Some(CatalogRow::Series(s)) if s.active_conference == Some(id)
            );
            rows.insert(
                conference_key(id),
                CatalogRow::Conference(ConferenceRow {
                    id,
                    slug: slug.clone(),
                    series_id: *series_id,
                    series_slug: series_slug.clone(),
                    year: *year,
                    details: details.clone(),
                    is_active,
                    sections: Vec::new(),
                    ticket_types: Vec::new(),
                    addons: Vec::new(),
                    sponsor_levels: Vec::new(),
                    feature_overrides: FeatureOverrides::default(),
                    kpi_targets: KpiTargets::default(),
                    roles: BTreeMap::new(),
                    created_at: *at,
                }),
            );
            return;
        }
        let Some(c) = Self::conference(rows, id) else {
            return;
        };
        match event {
            ConferenceEvent::ConferenceCreated { .. } => {}
            ConferenceEvent::ConferenceDetailsUpdated { details, .. } => {
                c.details = details.clone()
            }
            ConferenceEvent::SectionAdded { section, .. }
            | ConferenceEvent::SectionUpdated { section, .. } => {
                conference::upsert_section(&mut c.sections, section.clone())
            }
            ConferenceEvent::SponsorLevelAdded { level, .. }
            | ConferenceEvent::SponsorLevelUpdated { level, .. } => {
                conference::upsert_sponsor_level(&mut c.sponsor_levels, level.clone())
            }
            ConferenceEvent::FeatureOverridesSet { overrides, .. } => {
                c.feature_overrides = *overrides
            }
            ConferenceEvent::KpiTargetsSet { targets, .. } => c.kpi_targets = targets.clone(),
            ConferenceEvent::RoleGranted { user, role, .. } => {
                conference::grant_role(&mut c.roles, *user, *role)
            }
            ConferenceEvent::RoleRevoked { user, role, .. } => {
                conference::revoke_role(&mut c.roles, *user, *role)
            }
            // The stats archive keeps them (`stats_archive`).
            ConferenceEvent::HistoricalFiguresRecorded { .. }
            | ConferenceEvent::StatsFrozen { .. } => {}
        }
    }

    fn apply_inventory(rows: &mut Rows<CatalogRow>, id: Uuid, event: &InventoryEvent) {
        if let InventoryEvent::InventoryOpened { conference_id, .. } = event {
            rows.insert(
                ledger_key(id),
                CatalogRow::Ledger {
                    conference_id: *conference_id,
                },
            );
            return;
        }
        // Only catalog changes touch the conference row (sales do not).
        if !matches!(
            event,
            InventoryEvent::TicketTypeAdded { .. }
                | InventoryEvent::TicketTypeUpdated { .. }
                | InventoryEvent::AddonAdded { .. }
                | InventoryEvent::AddonUpdated { .. }
        ) {
            return;
        }
        let Some(&CatalogRow::Ledger { conference_id }) = rows.get(&ledger_key(id)) else {
            return;
        };
        let Some(c) = Self::conference(rows, conference_id) else {
            return;
        };
        match event {
            InventoryEvent::TicketTypeAdded { ticket, .. }
            | InventoryEvent::TicketTypeUpdated { ticket, .. } => {
                inventory::upsert_ticket_type(&mut c.ticket_types, ticket.clone())
            }
            InventoryEvent::AddonAdded { addon, .. }
            | InventoryEvent::AddonUpdated { addon, .. } => {
                inventory::upsert_addon(&mut c.addons, addon.clone())
            }
            _ => {}
        }
    }
}

impl Projection for ConferenceCatalog {
    const NAME: &'static str = "conference_catalog";
    const VERSION: u32 = 1;
    type Row = CatalogRow;

    fn apply(rows: &mut Rows<CatalogRow>, env: &Envelope) {
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        match &env.event {
            DomainEvent::Series(e) => Self::apply_series(rows, id, e),
            DomainEvent::Conference(e) => Self::apply_conference(rows, id, e),
            DomainEvent::Inventory(e) => Self::apply_inventory(rows, id, e),
            _ => {}
        }
    }
}
