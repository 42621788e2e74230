use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use tessera_aggregates::conference::{
    ConferenceDetails, ConferenceEvent, FeatureOverrides, KpiTargets, Role, Section, SponsorLevel,
};
use tessera_aggregates::inventory::{Addon, InventoryEvent, TicketType};
use tessera_aggregates::natural_id;
use tessera_aggregates::series::SeriesEvent;
use uuid::Uuid;

use super::*;
use crate::{DomainEvent, Envelope, EventMeta, fold_all};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn series() -> Uuid {
    natural_id("series", "pycon-us")
}

fn conf(year: i32) -> Uuid {
    natural_id("conference", &format!("pycon-us-{year}"))
}

fn ledger(year: i32) -> Uuid {
    natural_id("inventory", &conf(year).to_string())
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
}

/// Builds envelopes in log order from (aggregate type, aggregate id, event).
fn log(events: Vec<(&str, Uuid, DomainEvent)>) -> Vec<Envelope> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, (kind, id, event))| Envelope {
            position: i as i64 + 1,
            aggregate_type: kind.into(),
            aggregate_id: id.to_string(),
            sequence: 0,
            event_type: String::new(),
            event,
            meta: EventMeta::default(),
            recorded_at: at(),
        })
        .collect()
}

fn s(e: SeriesEvent) -> (&'static str, Uuid, DomainEvent) {
    ("series", series(), DomainEvent::Series(e))
}

fn c(year: i32, e: ConferenceEvent) -> (&'static str, Uuid, DomainEvent) {
    ("conference", conf(year), DomainEvent::Conference(e))
}

fn i(year: i32, e: InventoryEvent) -> (&'static str, Uuid, DomainEvent) {
    ("inventory", ledger(year), DomainEvent::Inventory(e))
}

fn created(year: i32) -> ConferenceEvent {
    ConferenceEvent::ConferenceCreated {
        series_id: series(),
        series_slug: "pycon-us".into(),
        slug: format!("pycon-us-{year}"),
        year,
        details: ConferenceDetails {
            name: format!("PyCon US {year}"),
            ..Default::default()
        },
        at: at(),
    }
}

fn registered(year: i32) -> SeriesEvent {
    SeriesEvent::ConferenceRegistered {
        conference_id: conf(year),
        slug: format!("pycon-us-{year}"),
        year,
        at: at(),
    }
}

fn activated(year: i32, previous: Option<i32>) -> SeriesEvent {
    SeriesEvent::ConferenceActivated {
        conference_id: conf(year),
        previous: previous.map(conf),
        at: at(),
    }
}

fn series_created() -> SeriesEvent {
    SeriesEvent::SeriesCreated {
        slug: "pycon-us".into(),
        name: "PyCon US".into(),
        at: at(),
    }
}

fn conference_row(rows: &Rows<CatalogRow>, year: i32) -> ConferenceRow {
    match rows.get(&conference_key(conf(year))) {
        Some(CatalogRow::Conference(c)) => c.clone(),
        other => panic!("conference row missing: {other:?}"),
    }
}

fn series_row(rows: &Rows<CatalogRow>) -> SeriesRow {
    match rows.get(&series_key(series())) {
        Some(CatalogRow::Series(s)) => s.clone(),
        other => panic!("series row missing: {other:?}"),
    }
}

fn ticket(slug: &str, order: i32) -> TicketType {
    TicketType {
        slug: slug.into(),
        name: slug.into(),
        price: Decimal::new(100, 0),
        order,
        ..Default::default()
    }
}

#[test]
fn my_2_activation_moves_between_conferences_of_a_series() {
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        s(series_created()),
        s(registered(2025)),
        c(2025, created(2025)),
        s(registered(2026)),
        c(2026, created(2026)),
        s(activated(2025, None)),
        s(activated(2026, Some(2025))),
    ]));
    let series = series_row(&rows);
    assert_eq!(series.slug, "pycon-us");
    assert_eq!(series.active_conference, Some(conf(2026)));
    assert_eq!(
        series.conferences.into_iter().collect::<Vec<_>>(),
        vec![(2025, conf(2025)), (2026, conf(2026))]
    );
    assert!(!conference_row(&rows, 2025).is_active);
    assert!(conference_row(&rows, 2026).is_active);
}

#[test]
fn my_2_a_conference_created_after_its_activation_is_active() {
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        s(series_created()),
        s(registered(2026)),
        s(activated(2026, None)),
        c(2026, created(2026)),
    ]));
    assert!(conference_row(&rows, 2026).is_active);
}

#[test]
fn conf_1_the_conference_row_carries_identity_and_details() {
    let details = ConferenceDetails {
        name: "PyCon US 2026".into(),
        banner_text: "CFP open".into(),
        ..Default::default()
    };
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        s(series_created()),
        c(2026, created(2026)),
        c(
            2026,
            ConferenceEvent::ConferenceDetailsUpdated {
                details: details.clone(),
                at: at(),
            },
        ),
    ]));
    let row = conference_row(&rows, 2026);
    assert_eq!(row.id, conf(2026));
    assert_eq!(row.slug, "pycon-us-2026");
    assert_eq!(row.series_id, series());
    assert_eq!(row.series_slug, "pycon-us");
    assert_eq!(row.year, 2026);
    assert_eq!(row.created_at, at());
    assert!(!row.is_active);
    assert_eq!(row.details, details);
}

#[test]
fn conf_9_sections_are_upserted_and_sorted() {
    let section = |slug: &str, order: i32, start: NaiveDate| Section {
        slug: slug.into(),
        name: slug.into(),
        start_date: start,
        end_date: start,
        order,
    };
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        c(2026, created(2026)),
        c(
            2026,
            ConferenceEvent::SectionAdded {
                section: section("talks", 1, date(5, 15)),
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::SectionAdded {
                section: section("tutorials", 1, date(5, 13)),
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::SectionAdded {
                section: section("sprints", 2, date(5, 18)),
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::SectionUpdated {
                section: section("sprints", 0, date(5, 18)),
                at: at(),
            },
        ),
    ]));
    let slugs: Vec<String> = conference_row(&rows, 2026)
        .sections
        .into_iter()
        .map(|s| s.slug)
        .collect();
    assert_eq!(slugs, vec!["sprints", "tutorials", "talks"]);
}

#[test]
fn cat_1_products_reach_the_conference_through_its_ledger() {
    let mut cheaper = ticket("individual", 0);
    cheaper.price = Decimal::new(50, 0);
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        c(2026, created(2026)),
        i(
            2026,
            InventoryEvent::InventoryOpened {
                conference_id: conf(2026),
                at: at(),
            },
        ),
        i(
            2026,
            InventoryEvent::TicketTypeAdded {
                ticket: ticket("student", 1),
                at: at(),
            },
        ),
        i(
            2026,
            InventoryEvent::TicketTypeAdded {
                ticket: ticket("individual", 0),
                at: at(),
            },
        ),
        i(
            2026,
            InventoryEvent::TicketTypeUpdated {
                ticket: cheaper.clone(),
                at: at(),
            },
        ),
        i(
            2026,
            InventoryEvent::AddonAdded {
                addon: Addon {
                    slug: "t-shirt".into(),
                    name: "T-shirt".into(),
                    price: Decimal::new(25, 0),
                    requires: vec!["individual".into()],
                    ..Default::default()
                },
                at: at(),
            },
        ),
    ]));
    assert_eq!(
        rows.get(&ledger_key(ledger(2026))),
        Some(&CatalogRow::Ledger {
            conference_id: conf(2026)
        })
    );
    let row = conference_row(&rows, 2026);
    let slugs: Vec<&str> = row.ticket_types.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, vec!["individual", "student"]);
    assert_eq!(row.ticket_type("individual"), Some(&cheaper));
    assert_eq!(
        row.addon("t-shirt").map(|a| a.requires.clone()),
        Some(vec!["individual".to_string()])
    );
}

#[test]
fn conf_22_overrides_targets_levels_and_roles_are_kept() {
    let ana = natural_id("user", "ana@example.org");
    let overrides = FeatureOverrides {
        sponsors: Some(false),
        ..Default::default()
    };
    let targets = KpiTargets {
        target_checkin_rate: Some(Decimal::new(90, 0)),
        ..Default::default()
    };
    let level = |slug: &str, order: i32| SponsorLevel {
        slug: slug.into(),
        name: slug.into(),
        order,
        ..Default::default()
    };
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        c(2026, created(2026)),
        c(
            2026,
            ConferenceEvent::FeatureOverridesSet {
                overrides,
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::KpiTargetsSet {
                targets: targets.clone(),
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::SponsorLevelAdded {
                level: level("silver", 2),
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::SponsorLevelAdded {
                level: level("gold", 1),
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::RoleGranted {
                user: ana,
                role: Role::Finance,
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::RoleGranted {
                user: ana,
                role: Role::Organizer,
                at: at(),
            },
        ),
        c(
            2026,
            ConferenceEvent::RoleRevoked {
                user: ana,
                role: Role::Finance,
                at: at(),
            },
        ),
    ]));
    let row = conference_row(&rows, 2026);
    assert_eq!(row.feature_overrides, overrides);
    assert_eq!(row.kpi_targets, targets);
    let levels: Vec<&str> = row.sponsor_levels.iter().map(|l| l.slug.as_str()).collect();
    assert_eq!(levels, vec!["gold", "silver"]);
    assert_eq!(row.roles_of(&ana), &[Role::Organizer]);
}

#[test]
fn rows_survive_a_serde_round_trip() {
    let rows = fold_all::<ConferenceCatalog>(&log(vec![
        s(series_created()),
        c(2026, created(2026)),
        i(
            2026,
            InventoryEvent::InventoryOpened {
                conference_id: conf(2026),
                at: at(),
            },
        ),
    ]));
    for (_, row) in rows.iter() {
        let json = serde_json::to_string(row).unwrap_or_default();
        let back: Option<CatalogRow> = serde_json::from_str(&json).ok();
        assert_eq!(back.as_ref(), Some(row));
    }
}

#[test]
fn rows_survive_a_storage_round_trip() {
    let row = CatalogRow::Series(SeriesRow {
        id: tessera_aggregates::natural_id("series", "s"),
        slug: "s".into(),
        name: "S".into(),
        active_conference: None,
        conferences: [(2027, tessera_aggregates::natural_id("conference", "c"))].into(),
    });
    let json = serde_json::to_string(&row).unwrap_or_default();
    let back: Option<CatalogRow> = serde_json::from_str(&json).ok();
    assert_eq!(back, Some(row));
}
