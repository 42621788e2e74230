//! Events are a stored format forever. `tests/fixtures/events/<aggregate>/<Event>.json`
//! holds one event of every type as the store wrote it when the type was new
//! (see the README there); this build must still read every one of them: through
//! the event store into its aggregate, and through the log reader into every
//! projection. An event type of the code without a fixture fails here too.
//!
//! New event type: add its sample in `tests/event_corpus/`, then
//! `TESSERA_WRITE_CORPUS=1 cargo test --test event_corpus -- --ignored write_missing_fixtures`
//! writes the fixtures that are missing (never one that exists); commit them.

#[path = "event_corpus/mod.rs"]
mod corpus;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use corpus::Fixture;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{Aggregate, DomainEvent, EventEnvelope};
use serde::de::{self, DeserializeOwned, Visitor};
use tessera_aggregates::activity::Activity;
use tessera_aggregates::attendee::Attendee;
use tessera_aggregates::badge::BadgeTemplates;
use tessera_aggregates::bulk_purchase::BulkPurchase;
use tessera_aggregates::cart::Cart;
use tessera_aggregates::conference::Conference;
use tessera_aggregates::credit::Credit;
use tessera_aggregates::fundraising::Fundraising;
use tessera_aggregates::inventory::Inventory;
use tessera_aggregates::message::Message;
use tessera_aggregates::order::Order;
use tessera_aggregates::profile::Profile;
use tessera_aggregates::program::Program;
use tessera_aggregates::purchase_order::PurchaseOrder;
use tessera_aggregates::series::Series;
use tessera_aggregates::session_rating::SessionRating;
use tessera_aggregates::sponsor::Sponsor;
use tessera_aggregates::stripe_customer::StripeCustomer;
use tessera_aggregates::stripe_event::StripeEventRecord;
use tessera_aggregates::survey::{Survey, SurveyResponse};
use tessera_aggregates::team::Team;
use tessera_aggregates::terminal_intent::TerminalIntent;
use tessera_aggregates::travel_grant::TravelGrant;
use tessera_aggregates::user::User;
use tessera_aggregates::visa_letter::VisaLetter;
use tessera_aggregates::volunteer::Volunteer;
use tessera_aggregates::webhook::WebhookEndpoint;
use tessera_replay::RawEvent;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events")
}

fn fixture_path(aggregate_type: &str, event_type: &str) -> PathBuf {
    corpus_dir()
        .join(aggregate_type)
        .join(format!("{event_type}.json"))
}

/// One aggregate type of this build: its event variants and how its stored
/// events are read.
struct Kind {
    aggregate_type: &'static str,
    variants: &'static [&'static str],
    /// Decodes a stored event as the event store does and applies it to a fresh
    /// aggregate; answers the decoded event's type.
    replay: fn(SerializedEvent) -> Result<String, String>,
}

fn kind<A: Aggregate>() -> Kind {
    Kind {
        aggregate_type: A::TYPE,
        variants: variants::<A::Event>(),
        replay: replay::<A>,
    }
}

/// Every aggregate of the domain.
fn kinds() -> Vec<Kind> {
    vec![
        kind::<User>(),
        kind::<Series>(),
        kind::<Conference>(),
        kind::<Activity>(),
        kind::<Inventory>(),
        kind::<Cart>(),
        kind::<Order>(),
        kind::<Credit>(),
        kind::<Attendee>(),
        kind::<TerminalIntent>(),
        kind::<PurchaseOrder>(),
        kind::<StripeEventRecord>(),
        kind::<StripeCustomer>(),
        kind::<Profile>(),
        kind::<Volunteer>(),
        kind::<Team>(),
        kind::<Sponsor>(),
        kind::<Fundraising>(),
        kind::<BulkPurchase>(),
        kind::<TravelGrant>(),
        kind::<VisaLetter>(),
        kind::<WebhookEndpoint>(),
        kind::<Message>(),
        kind::<Survey>(),
        kind::<SurveyResponse>(),
        kind::<BadgeTemplates>(),
        kind::<Program>(),
        kind::<SessionRating>(),
    ]
}

fn replay<A: Aggregate>(event: SerializedEvent) -> Result<String, String> {
    let envelope = EventEnvelope::<A>::try_from(event).map_err(|e| e.to_string())?;
    let event_type = envelope.payload.event_type();
    let mut aggregate = A::default();
    aggregate.apply(envelope.payload);
    Ok(event_type)
}

/// The variant names of an event enum, read from its derived `Deserialize` (which
/// hands them to `deserialize_enum`): every variant, with nothing to maintain.
fn variants<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(VariantNames(&mut names));
    names
}

struct VariantNames<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for VariantNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = variants;
        Err(de::Error::custom("variants read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}

/// Every fixture file, in path order.
fn stored() -> Vec<(PathBuf, Result<Fixture, String>)> {
    let mut files = vec![];
    let dirs = std::fs::read_dir(corpus_dir()).expect("tests/fixtures/events exists");
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        for file in std::fs::read_dir(dir.path())
            .expect("a fixture folder")
            .flatten()
        {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "json") {
                let fixture = std::fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
                files.push((path, fixture));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// What is wrong with reading one stored event with this build, if anything.
fn read_back(path: &Path, fixture: &Fixture, kinds: &[Kind]) -> Result<(), String> {
    let folder = path.parent().and_then(Path::file_name);
    if folder.and_then(|f| f.to_str()) != Some(fixture.aggregate_type.as_str()) {
        return Err(format!("is not in folder {}", fixture.aggregate_type));
    }
    if path.file_stem().and_then(|s| s.to_str()) != Some(fixture.event_type.as_str()) {
        return Err(format!("holds a {} event", fixture.event_type));
    }
    let kind = kinds
        .iter()
        .find(|k| k.aggregate_type == fixture.aggregate_type)
        .ok_or("names an aggregate type this build does not know")?;
    // The write side: the event store's decoding, then the aggregate's fold.
    let decoded = (kind.replay)(fixture.clone().into())?;
    if decoded != fixture.event_type {
        return Err(format!("decodes as {decoded}"));
    }
    // The read side: the log reader's decoding, then every projection's fold.
    let raw = RawEvent {
        position: 1,
        aggregate_type: fixture.aggregate_type.clone(),
        aggregate_id: fixture.aggregate_id.clone(),
        sequence: fixture.sequence as i64,
        event_type: fixture.event_type.clone(),
        payload: fixture.payload.to_string(),
        metadata: fixture.metadata.to_string(),
        recorded_at: corpus::at(),
    };
    let envelope = raw.into_envelope().map_err(|e| e.to_string())?;
    if envelope.event == tessera_projections::DomainEvent::Unknown {
        return Err("is not decoded by the log reader".into());
    }
    for mut view in tessera_replay::views::all_views() {
        view.apply(&envelope);
        view.take_changes()
            .map_err(|e| format!("{} rows do not serialize: {e}", view.name()))?;
    }
    Ok(())
}

#[test]
fn every_stored_event_is_read_by_this_build() {
    let kinds = kinds();
    let files = stored();
    assert!(!files.is_empty(), "no fixtures under {:?}", corpus_dir());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|(path, fixture)| {
            let outcome = fixture
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|f| read_back(path, f, &kinds));
            outcome.err().map(|e| format!("{}: {e}", path.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "stored events this build cannot read (never edit a fixture: add a \
         #[serde(default)] field or an upcaster):\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_event_type_of_the_code_has_a_fixture() {
    let missing: Vec<String> = kinds()
        .iter()
        .flat_map(|k| k.variants.iter().map(|v| fixture_path(k.aggregate_type, v)))
        .filter(|path| !path.is_file())
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "event types without a stored example; add their samples in tests/event_corpus/ \
         and run `TESSERA_WRITE_CORPUS=1 cargo test --test event_corpus -- --ignored \
         write_missing_fixtures`:\n{}",
        missing.join("\n")
    );
}

/// The generator's samples: exactly one of every variant, each stored under its
/// variant's name.
#[test]
fn the_samples_hold_one_event_of_every_type() {
    let kinds = kinds();
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for sample in corpus::all() {
        let kind = kinds
            .iter()
            .find(|k| k.aggregate_type == sample.aggregate_type)
            .unwrap_or_else(|| panic!("unknown aggregate type {}", sample.aggregate_type));
        let tag = sample.payload.as_object().and_then(|o| o.keys().next());
        assert_eq!(
            tag,
            Some(&sample.event_type),
            "the payload of a {} is tagged with its variant",
            sample.event_type
        );
        let replayed = (kind.replay)(sample.clone().into());
        assert_eq!(replayed.as_ref(), Ok(&sample.event_type));
        assert!(
            seen.entry(kind.aggregate_type)
                .or_default()
                .insert(sample.event_type.clone()),
            "two samples of {} {}",
            sample.aggregate_type,
            sample.event_type
        );
    }
    for kind in &kinds {
        let variants: BTreeSet<String> = kind.variants.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            seen.get(kind.aggregate_type),
            Some(&variants),
            "the samples of {} are its variants",
            kind.aggregate_type
        );
    }
}

/// The generator: writes the fixture of every sample that has none. Run by hand
/// with `TESSERA_WRITE_CORPUS=1` when an event type is added; it never rewrites a
/// fixture.
#[test]
#[ignore = "writes fixtures; run by hand with TESSERA_WRITE_CORPUS=1"]
fn write_missing_fixtures() {
    let write = std::env::var("TESSERA_WRITE_CORPUS").is_ok_and(|v| v == "1");
    for sample in corpus::all() {
        let path = fixture_path(&sample.aggregate_type, &sample.event_type);
        if path.exists() {
            continue;
        }
        if !write {
            eprintln!(
                "missing (set TESSERA_WRITE_CORPUS=1 to write): {}",
                path.display()
            );
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the fixture folder");
        }
        let text = serde_json::to_string_pretty(&sample).expect("a fixture serializes");
        std::fs::write(&path, text + "\n").expect("write the fixture");
        eprintln!("wrote {}", path.display());
    }
}
