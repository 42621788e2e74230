//! One sample of every event of every aggregate, as this build writes it: what
//! `TESSERA_WRITE_CORPUS=1 cargo test --test event_corpus` stores under
//! `tests/fixtures/events/` for the event types that have no fixture yet.
//!
//! A new event variant: add its sample to its aggregate's list here and its arm to
//! the list's exhaustive `match` (the build fails until then), then write its
//! fixture and commit it. Existing fixtures are never rewritten.

mod billing;
mod catalog;
mod grants;
mod messages;
mod orders;
mod people;
mod program;
mod sponsorship;
mod surveys;
mod volunteers;
mod webhooks;

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{Aggregate, EventEnvelope};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_aggregates::{Timestamp, natural_id};
use tessera_projections::EventMeta;
use uuid::Uuid;

/// One stored event: the columns the store writes for it (the global position
/// and `recorded_at` are the database's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: usize,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    pub metadata: Value,
}

impl From<SerializedEvent> for Fixture {
    fn from(e: SerializedEvent) -> Self {
        Self {
            aggregate_type: e.aggregate_type,
            aggregate_id: e.aggregate_id,
            sequence: e.sequence,
            event_type: e.event_type,
            event_version: e.event_version,
            payload: e.payload,
            metadata: e.metadata,
        }
    }
}

impl From<Fixture> for SerializedEvent {
    fn from(f: Fixture) -> Self {
        SerializedEvent::new(
            f.aggregate_id,
            f.sequence,
            f.aggregate_type,
            f.event_type,
            f.event_version,
            f.payload,
            f.metadata,
        )
    }
}

/// Every sample, per aggregate in stream order.
pub fn all() -> Vec<Fixture> {
    [
        people::user(),
        people::series(),
        people::conference(),
        people::activity(),
        catalog::inventory(),
        catalog::cart(),
        orders::order(),
        orders::credit(),
        orders::attendee(),
        orders::terminal_intent(),
        billing::purchase_order(),
        billing::stripe_event(),
        billing::stripe_customer(),
        volunteers::profile(),
        volunteers::volunteer(),
        volunteers::team(),
        sponsorship::sponsor(),
        sponsorship::fundraising(),
        sponsorship::bulk_purchase(),
        grants::travel_grant(),
        grants::visa_letter(),
        webhooks::webhook_endpoint(),
        messages::message(),
        surveys::survey(),
        surveys::survey_response(),
        surveys::badge_templates(),
        program::program(),
        program::session_rating(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `events` as one stream of `A` with id `id`, serialized by cqrs-es exactly as
/// the event store serializes what it appends.
pub fn stream<A: Aggregate>(id: Uuid, events: Vec<A::Event>) -> Vec<Fixture> {
    let metadata = EventMeta {
        conference_id: Some(conference_id()),
        actor: natural_id("user", "admin@example.org").to_string(),
        request_id: Some("7f0c1e52-3c1a-4a8e-9d3b-2f6a1c0d4e5b".into()),
        causation_id: None,
        idempotency_key: None,
        recorded_at: Some(at()),
    }
    .to_map();
    events
        .into_iter()
        .zip(1..)
        .map(|(payload, sequence)| {
            let envelope = EventEnvelope::<A> {
                aggregate_id: id.to_string(),
                sequence,
                payload,
                metadata: HashMap::clone(&metadata),
            };
            SerializedEvent::try_from(&envelope)
                .expect("a sample serializes")
                .into()
        })
        .collect()
}

pub fn at() -> Timestamp {
    "2027-05-14T09:30:00Z".parse().expect("a timestamp")
}

pub fn later(minutes: i64) -> Timestamp {
    at() + chrono::Duration::minutes(minutes)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).expect("a date")
}

pub fn money(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("an amount")
}

pub fn conference_id() -> Uuid {
    natural_id("conference", "pycon-us/2027")
}

pub fn uid(name: &str) -> Uuid {
    natural_id("user", &format!("{name}@example.org"))
}

pub fn id(kind: &str, key: &str) -> Uuid {
    natural_id(kind, key)
}
