//! MY-19: freezing a conference's statistics. The snapshot is what the log up to the
//! current head makes (the figures the live projections show once they have folded
//! every event of the conference), so `tessera replay verify --conference` can
//! rebuild it byte for byte from the log alone.

use sha2::{Digest, Sha256};
use tessera_aggregates::conference::{
    Conference, ConferenceCommand, ConferenceError, StatsSnapshot,
};
use tessera_projections::EventMeta;
use tessera_projections::stats;
use uuid::Uuid;

use crate::bus::{BusError, CommandBus};
use crate::refusal::{Failure, Kind};

/// A question about statistics that has no answer (MY-15…17, ANA-41).
#[derive(Debug, thiserror::Error)]
pub enum StatsQueryError {
    #[error("This series has no conference in {year}. Known years: {}.", known_years(.known))]
    UnknownYear { year: i32, known: Vec<i32> },
    #[error("This series has no active conference: ask for a ?year=.")]
    NoActiveConference,
    #[error("Give exactly one of as_of (RFC 3339) and position (0 or more).")]
    InvalidAsOf,
    #[error("The conference had no recorded event at that moment.")]
    NotYet,
}

fn known_years(known: &[i32]) -> String {
    if known.is_empty() {
        return "none".to_string();
    }
    known
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Failure for StatsQueryError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownYear { .. } => "stats.unknown_year",
            Self::NoActiveConference => "stats.no_active_conference",
            Self::InvalidAsOf => "stats.invalid_as_of",
            Self::NotYet => "stats.not_yet",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::InvalidAsOf => Kind::Invalid,
            _ => Kind::NotFound,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FreezeError {
    #[error(transparent)]
    Conference(BusError<ConferenceError>),
    #[error("the statistics could not be replayed: {0}")]
    Replay(#[from] tessera_replay::RunnerError),
    #[error("the log head could not be read: {0}")]
    Head(#[from] sqlx::Error),
}

impl Failure for FreezeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Conference(e) => e.code(),
            Self::Replay(_) | Self::Head(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Conference(e) => e.kind(),
            Self::Replay(_) | Self::Head(_) => Kind::Internal,
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Conference(e) => Some(e),
            _ => None,
        }
    }
}

/// SHA-256 of `text`, lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a freeze recorded.
#[derive(Debug, Clone)]
pub struct Frozen {
    pub snapshot: StatsSnapshot,
    /// The log position of the `StatsFrozen` event.
    pub position: Option<i64>,
}

/// The figures the organizers are shown, read from the live projection rows once
/// they have folded every event of the conference up to the log's head; a command
/// just answered may still be on its way to them, so this waits a little.
async fn live_at_head(
    db: &tessera_replay::Db,
    conference: Uuid,
) -> Result<Option<(i64, serde_json::Value)>, FreezeError> {
    for attempt in 0..LIVE_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(LIVE_RETRY).await;
        }
        if let Some(live) = tessera_replay::stats::live_at_head(db, conference).await? {
            return Ok(Some(live));
        }
    }
    Ok(None)
}

const LIVE_ATTEMPTS: u32 = 5;
const LIVE_RETRY: std::time::Duration = std::time::Duration::from_millis(100);

/// Records the conference's statistics as they stand at the log's head (MY-19):
/// the live figures when the projections have caught up with the conference, else
/// its events folded from the log.
pub async fn freeze(
    bus: &CommandBus,
    conference: Uuid,
    reason: String,
    meta: &EventMeta,
) -> Result<Frozen, FreezeError> {
    let (position, doc) = match live_at_head(bus.db(), conference).await? {
        Some(live) => live,
        None => {
            // The projections are behind, or being rebuilt: the conference's own
            // events, from its nearest as-of checkpoint (the verification folds
            // them from the log alone, so a bad checkpoint would show).
            let position = bus.db().head().await?;
            let doc =
                tessera_replay::stats::replayed_conference_only(bus.db(), conference, position)
                    .await?;
            (position, doc)
        }
    };
    let text = stats::canonical(&doc);
    let snapshot = StatsSnapshot {
        position,
        stats_version: stats::VERSION,
        sha256: sha256_hex(&text),
        snapshot: text,
    };
    let sent = bus
        .send(
            &Conference::stream(conference),
            ConferenceCommand::FreezeStats {
                snapshot: snapshot.clone(),
                reason,
            },
            meta,
        )
        .await
        .map_err(FreezeError::Conference)?;
    Ok(Frozen {
        snapshot,
        position: sent.position,
    })
}
