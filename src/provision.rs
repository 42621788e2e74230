//! Putting a conference into a series (AMB-29): the steps that
//! `POST /api/v1/series`, `POST /api/v1/conferences` and `tessera bootstrap` share,
//! so both paths use the same ids, commands and order.
//!
//! Creating a conference is a small process manager over three streams, each step
//! idempotent, so retrying the same request after a failure finishes the job:
//!
//! 1. the Series registers the conference for its year (the year is unique in the
//!    series),
//! 2. the Conference is created (its slug is global, CONF-1),
//! 3. the conference's sales ledger (Inventory) is opened.

use tessera_aggregates::conference::{Conference, ConferenceCommand, ConferenceDetails};
use tessera_aggregates::inventory::{Inventory, InventoryCommand};
use tessera_aggregates::series::{Series, SeriesCommand};
use tessera_projections::EventMeta;
use uuid::Uuid;

use crate::bus::{BusError, CommandBus, Sent};
use crate::ids::{conference_id, inventory_id, series_id};
use crate::meta::CommandMeta;
use crate::refusal::{Failure, Kind};

pub use tessera_aggregates::conference::ConferenceError;
pub use tessera_aggregates::inventory::InventoryError;
pub use tessera_aggregates::series::SeriesError;

/// Why a conference was not created.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The series named by the request does not exist.
    #[error("Unknown series: '{0}'")]
    UnknownSeries(String),
    /// CONF-1: the slug belongs to another conference (another series or year).
    #[error("A conference with this slug already exists.")]
    SlugTaken,
    #[error(transparent)]
    Series(BusError<SeriesError>),
    #[error(transparent)]
    Conference(BusError<ConferenceError>),
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
}

impl Failure for ProvisionError {
    fn code(&self) -> &'static str {
        match self {
            ProvisionError::UnknownSeries(_) => "conf.unknown_series",
            ProvisionError::SlugTaken => "conf.slug_taken",
            ProvisionError::Series(e) => e.code(),
            ProvisionError::Conference(e) => e.code(),
            ProvisionError::Inventory(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            ProvisionError::UnknownSeries(_) => Kind::Refused,
            ProvisionError::SlugTaken => Kind::Conflict,
            ProvisionError::Series(e) => e.kind(),
            ProvisionError::Conference(e) => e.kind(),
            ProvisionError::Inventory(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            ProvisionError::Series(e) => Some(e),
            ProvisionError::Conference(e) => Some(e),
            ProvisionError::Inventory(e) => Some(e),
            _ => None,
        }
    }
}

/// A series' stream id and the command that creates it (identical again = no-op;
/// another name for the slug = `AlreadyExists`).
pub fn series_create(slug: &str, name: &str) -> (Uuid, SeriesCommand) {
    (
        series_id(slug),
        SeriesCommand::Create {
            slug: slug.to_string(),
            name: name.to_string(),
        },
    )
}

/// Creates a series (the caller has checked the slug with `is_valid_slug`).
pub async fn create_series(
    bus: &CommandBus,
    slug: &str,
    name: &str,
    meta: &CommandMeta,
) -> Result<(Uuid, Sent), BusError<SeriesError>> {
    let (id, command) = series_create(slug, name);
    let sent = bus
        .send(&Series::stream(id), command, &meta.for_conf(None))
        .await?;
    Ok((id, sent))
}

/// The three steps that create conference `slug` for `year` in series
/// `series_slug`, with the ids of the streams they land on.
#[derive(Debug, Clone)]
pub struct ConferenceProvision {
    pub series_id: Uuid,
    pub series_slug: String,
    pub conference_id: Uuid,
    pub inventory_id: Uuid,
    pub slug: String,
    pub year: i32,
    /// 1) Sent to the Series: the year is unique within it (AMB-29).
    pub register: SeriesCommand,
    /// 2) Sent to the Conference.
    pub create: ConferenceCommand,
    /// 3) Sent to the conference's Inventory.
    pub open: InventoryCommand,
    /// 4) The venue capacity, which the Inventory enforces (CAT-10…14).
    pub capacity: InventoryCommand,
}

/// A conference that now exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    pub id: Uuid,
    pub slug: String,
    /// The series' slug.
    pub series: String,
    pub year: i32,
    /// The newest log position written (None when everything already existed).
    pub position: Option<i64>,
}

impl ConferenceProvision {
    /// `series_slug` must be the stored slug of the series.
    pub fn new(series_slug: &str, slug: &str, year: i32, details: ConferenceDetails) -> Self {
        let total_capacity = details.total_capacity;
        let sid = series_id(series_slug);
        let id = conference_id(slug);
        Self {
            series_id: sid,
            series_slug: series_slug.to_string(),
            conference_id: id,
            inventory_id: inventory_id(id),
            slug: slug.to_string(),
            year,
            register: SeriesCommand::RegisterConference {
                conference_id: id,
                slug: slug.to_string(),
                year,
            },
            create: ConferenceCommand::Create {
                series_id: sid,
                series_slug: series_slug.to_string(),
                slug: slug.to_string(),
                year,
                details,
            },
            open: InventoryCommand::Open { conference_id: id },
            capacity: InventoryCommand::SetCapacity { total_capacity },
        }
    }

    /// The events' metadata: `base`'s actor and request, this conference's id.
    pub fn meta(&self, base: &CommandMeta) -> EventMeta {
        base.for_conf(Some(self.conference_id))
    }

    /// Refuses, before anything is written, what the conference would refuse, and a
    /// slug held by another conference (only a retry of this same conference, same
    /// series and year, may reuse it).
    pub async fn check(&self, bus: &CommandBus) -> Result<(), ProvisionError> {
        if let Err(e) = Conference::default().decide(self.create.clone(), bus.services().now()) {
            return Err(ProvisionError::Conference(BusError::Refused(e)));
        }
        let existing = bus
            .inspect(&Conference::stream(self.conference_id), |c| {
                c.exists().then(|| (c.series_id(), c.year()))
            })
            .await
            .map_err(ProvisionError::Conference)?;
        if existing.is_some_and(|e| e != (self.series_id, self.year)) {
            return Err(ProvisionError::SlugTaken);
        }
        Ok(())
    }

    /// Sends the three steps in order; returns the newest position written.
    pub async fn send(
        &self,
        bus: &CommandBus,
        meta: &EventMeta,
    ) -> Result<Option<i64>, ProvisionError> {
        let registered = bus
            .send(&Series::stream(self.series_id), self.register.clone(), meta)
            .await
            .map_err(ProvisionError::Series)?;
        let created = bus
            .send(
                &Conference::stream(self.conference_id),
                self.create.clone(),
                meta,
            )
            .await
            .map_err(ProvisionError::Conference)?;
        let opened = bus
            .send(
                &Inventory::stream(self.inventory_id),
                self.open.clone(),
                meta,
            )
            .await
            .map_err(ProvisionError::Inventory)?;
        let capacity = bus
            .send(
                &Inventory::stream(self.inventory_id),
                self.capacity.clone(),
                meta,
            )
            .await
            .map_err(ProvisionError::Inventory)?;
        Ok(registered
            .position
            .max(created.position)
            .max(opened.position)
            .max(capacity.position))
    }
}

/// `POST /api/v1/conferences` end to end: the series (named by the client) must
/// exist; then [`ConferenceProvision::check`] and [`ConferenceProvision::send`].
pub async fn create_conference(
    bus: &CommandBus,
    series: &str,
    slug: &str,
    year: i32,
    details: ConferenceDetails,
    meta: &CommandMeta,
) -> Result<Provisioned, ProvisionError> {
    let series_slug = bus
        .inspect(&Series::stream(series_id(series)), |s| {
            s.exists().then(|| s.slug().to_string())
        })
        .await
        .map_err(ProvisionError::Series)?
        .ok_or_else(|| ProvisionError::UnknownSeries(series.to_string()))?;
    let steps = ConferenceProvision::new(&series_slug, slug, year, details);
    steps.check(bus).await?;
    let position = steps.send(bus, &steps.meta(meta)).await?;
    Ok(Provisioned {
        id: steps.conference_id,
        slug: steps.slug,
        series: series_slug,
        year,
        position,
    })
}
