use rust_decimal::Decimal;
use tessera_aggregates::conference::{ConferenceEvent, SponsorLevel};
use tessera_aggregates::natural_id;
use tessera_aggregates::sponsor::{Benefit, SponsorDetails, SponsorEvent, SponsorOverride};
use uuid::Uuid;

use super::*;
use crate::testing::{Logged, at, conf, log};
use crate::{DomainEvent, fold_all};

fn sponsor(slug: &str) -> Uuid {
    natural_id("sponsor", &format!("{}/{slug}", conf()))
}

fn ev(slug: &str, e: SponsorEvent) -> Logged {
    Logged {
        kind: "sponsor",
        id: sponsor(slug),
        conference: Some(conf()),
        event: DomainEvent::Sponsor(e),
    }
}

fn created(slug: &str, name: &str) -> Logged {
    ev(
        slug,
        SponsorEvent::SponsorCreated {
            conference_id: conf(),
            slug: slug.into(),
            details: SponsorDetails {
                name: name.into(),
                level: "gold".into(),
                is_active: true,
                ..Default::default()
            },
            comp_ticket_count: 2,
            at: at(1, 9),
        },
    )
}

fn benefit(slug: &str, n: u128, done: bool) -> Logged {
    ev(
        slug,
        SponsorEvent::SponsorBenefitSaved {
            id: Uuid::from_u128(n),
            benefit: Benefit {
                name: format!("benefit {n}"),
                is_complete: done,
                ..Default::default()
            },
            at: at(1, 10),
        },
    )
}

fn rows(events: Vec<Logged>) -> Vec<SponsorRow> {
    fold_all::<Sponsors>(&log(events))
        .iter()
        .filter_map(|(_, r)| match r {
            SponsorsRow::Sponsor(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn sponsor_5_rows_follow_the_override_and_its_removal() {
    let saved = ev(
        "acme",
        SponsorEvent::SponsorOverrideSaved {
            over: SponsorOverride {
                name: "ACME Corp".into(),
                ..Default::default()
            },
            at: at(1, 10),
        },
    );
    let got = rows(vec![created("acme", "Acme"), saved.clone()]);
    assert_eq!(got[0].effective().name, "ACME Corp");
    assert_eq!(got[0].details.name, "Acme");
    let removed = ev(
        "acme",
        SponsorEvent::SponsorOverrideRemoved { at: at(1, 11) },
    );
    let got = rows(vec![created("acme", "Acme"), saved, removed]);
    assert_eq!(got[0].effective().name, "Acme");
}

#[test]
fn ana_5_fulfilment_rate_counts_completed_benefits_of_all_sponsors() {
    let got = rows(vec![
        created("acme", "Acme"),
        created("initech", "Initech"),
        benefit("acme", 1, true),
        benefit("acme", 2, false),
        benefit("initech", 3, true),
        benefit("initech", 4, false),
        ev(
            "initech",
            SponsorEvent::SponsorBenefitRemoved {
                id: Uuid::from_u128(4),
                at: at(1, 12),
            },
        ),
    ]);
    let (done, all, rate) = fulfilment(&got);
    assert_eq!((done, all), (2, 3));
    assert_eq!(rate, Decimal::new(6667, 2));
    assert_eq!(fulfilment(&[]), (0, 0, Decimal::ZERO));
}

#[test]
fn sponsor_1_levels_are_kept_per_conference_and_removed_sponsors_vanish() {
    let level = Logged {
        kind: "conference",
        id: conf(),
        conference: Some(conf()),
        event: DomainEvent::Conference(ConferenceEvent::SponsorLevelAdded {
            level: SponsorLevel {
                slug: "gold".into(),
                name: "Gold".into(),
                order: 1,
                ..Default::default()
            },
            at: at(1, 8),
        }),
    };
    let all = fold_all::<Sponsors>(&log(vec![
        level,
        created("acme", "Acme"),
        ev("acme", SponsorEvent::SponsorRemoved { at: at(1, 12) }),
    ]));
    assert_eq!(all.len(), 1);
    match all.get(&level_key(conf(), "gold")) {
        Some(SponsorsRow::Level(l)) => assert_eq!((l.name.as_str(), l.order), ("Gold", 1)),
        other => panic!("{other:?}"),
    }
}
