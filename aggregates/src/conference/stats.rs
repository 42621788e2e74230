//! A conference's statistics as facts of the conference: the figures of a year that
//! predates the portal (MY-18, MY-21…26) and the frozen snapshots (MY-19).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{ConferenceError, ConferenceEvent};
use crate::Timestamp;

/// MY-21/22/26: what is known of a year before the portal. Money as decimal
/// strings, counts as integers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoricalFigures {
    pub registrations: u32,
    pub sponsors: u32,
    pub sponsorship_amount: Decimal,
    pub donors: u32,
    pub donation_amount: Decimal,
}

/// MY-19: a snapshot of the stats model, made by replaying the log up to `position`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// The log position the snapshot covers (inclusive).
    pub position: i64,
    /// The stats model's version that made it.
    pub stats_version: u32,
    /// The statistics document, canonical JSON (sorted keys, no whitespace).
    pub snapshot: String,
    /// SHA-256 of `snapshot`, lowercase hex.
    pub sha256: String,
}

/// The stats facts the conference keeps to decide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsState {
    pub historical: Option<HistoricalFigures>,
    pub freezes: u32,
}

impl StatsState {
    /// MY-21/22: record (or correct) the figures; the same again is a no-op.
    pub fn record(
        &self,
        figures: HistoricalFigures,
        now: Timestamp,
    ) -> Result<Vec<ConferenceEvent>, ConferenceError> {
        for (field, v) in [
            ("sponsorship_amount", figures.sponsorship_amount),
            ("donation_amount", figures.donation_amount),
        ] {
            if v < Decimal::ZERO {
                return Err(ConferenceError::NegativeAmount { field });
            }
            if v.scale() > 2 {
                return Err(ConferenceError::InvalidFigures);
            }
        }
        if self.historical.as_ref() == Some(&figures) {
            return Ok(vec![]);
        }
        Ok(vec![ConferenceEvent::HistoricalFiguresRecorded {
            figures,
            at: now,
        }])
    }

    /// MY-19: freeze; freezing again needs a reason (the earlier snapshots stay in
    /// the history).
    pub fn freeze(
        &self,
        snapshot: StatsSnapshot,
        reason: String,
        now: Timestamp,
    ) -> Result<Vec<ConferenceEvent>, ConferenceError> {
        let reason = reason.trim().to_string();
        if self.freezes > 0 && reason.is_empty() {
            return Err(ConferenceError::RefreezeNeedsReason);
        }
        if reason.chars().count() > 500 {
            return Err(ConferenceError::ReasonTooLong);
        }
        if snapshot.position < 0 || snapshot.snapshot.is_empty() || snapshot.sha256.len() != 64 {
            return Err(ConferenceError::InvalidSnapshot);
        }
        Ok(vec![ConferenceEvent::StatsFrozen {
            snapshot,
            reason,
            at: now,
        }])
    }

    pub fn evolve(&mut self, event: &ConferenceEvent) {
        match event {
            ConferenceEvent::HistoricalFiguresRecorded { figures, .. } => {
                self.historical = Some(figures.clone())
            }
            ConferenceEvent::StatsFrozen { .. } => self.freezes += 1,
            _ => {}
        }
    }
}
