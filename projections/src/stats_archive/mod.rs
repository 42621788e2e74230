//! What a conference keeps of its statistics as facts: the figures of a year that
//! predates the portal (MY-18, MY-21…26) and every frozen snapshot (MY-19), the
//! latest last.
//!
//! Key: `archive:{conference_id}` → [`ArchiveRow`].

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{ConferenceEvent, HistoricalFigures, StatsSnapshot};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct StatsArchive;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveRow {
    pub conference_id: Uuid,
    pub historical: Option<HistoricalFigures>,
    /// Every freeze, oldest first; the last one is served.
    pub snapshots: Vec<FrozenSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenSnapshot {
    #[serde(flatten)]
    pub snapshot: StatsSnapshot,
    pub reason: String,
    pub frozen_at: DateTime<Utc>,
    /// The log position of the `StatsFrozen` event itself.
    pub event_position: i64,
}

impl ArchiveRow {
    pub fn latest(&self) -> Option<&FrozenSnapshot> {
        self.snapshots.last()
    }
}

pub fn archive_key(conference_id: Uuid) -> String {
    format!("archive:{conference_id}")
}

pub const ARCHIVE_PREFIX: &str = "archive:";

impl Projection for StatsArchive {
    const NAME: &'static str = "stats_archive";
    const VERSION: u32 = 1;
    type Row = ArchiveRow;

    fn apply(rows: &mut Rows<ArchiveRow>, env: &Envelope) {
        let DomainEvent::Conference(event) = &env.event else {
            return;
        };
        let Some(conference_id) = env.aggregate_uuid() else {
            return;
        };
        if !matches!(
            event,
            ConferenceEvent::HistoricalFiguresRecorded { .. } | ConferenceEvent::StatsFrozen { .. }
        ) {
            return;
        }
        let row = rows.upsert_with(&archive_key(conference_id), || ArchiveRow {
            conference_id,
            historical: None,
            snapshots: vec![],
        });
        match event {
            ConferenceEvent::HistoricalFiguresRecorded { figures, .. } => {
                row.historical = Some(figures.clone())
            }
            ConferenceEvent::StatsFrozen {
                snapshot,
                reason,
                at,
            } => row.snapshots.push(FrozenSnapshot {
                snapshot: snapshot.clone(),
                reason: reason.clone(),
                frozen_at: *at,
                event_position: env.position,
            }),
            _ => {}
        }
    }
}
