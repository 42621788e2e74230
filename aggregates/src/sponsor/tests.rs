use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pycon-2026")
}

fn framework() -> TestFramework<Sponsor> {
    TestFramework::with(DomainServices::at(t0()))
}

fn details() -> SponsorDetails {
    SponsorDetails {
        name: "Acme".into(),
        level: "gold".into(),
        contact_email: "jo@acme.test".into(),
        is_active: true,
        ..Default::default()
    }
}

fn gold(comp: u32) -> Option<LevelRef> {
    Some(LevelRef {
        slug: "gold".into(),
        comp_ticket_count: comp,
    })
}

fn create(level: Option<LevelRef>) -> SponsorCommand {
    SponsorCommand::Create {
        conference_id: conf(),
        slug: "acme".into(),
        details: details(),
        level,
    }
}

fn created(comp: u32) -> SponsorEvent {
    SponsorEvent::SponsorCreated {
        conference_id: conf(),
        slug: "acme".into(),
        details: details(),
        comp_ticket_count: comp,
        at: t0(),
    }
}

fn bid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

#[test]
fn sponsor_2_creates_a_sponsor_recording_its_levels_comp_count() {
    framework()
        .given_no_previous_events()
        .when(create(gold(3)))
        .then_expect_events(vec![created(3)]);
}

#[test]
fn sponsor_2_refuses_a_blank_name() {
    framework()
        .given_no_previous_events()
        .when(SponsorCommand::Create {
            conference_id: conf(),
            slug: "acme".into(),
            details: SponsorDetails {
                name: " ".into(),
                ..details()
            },
            level: gold(0),
        })
        .then_expect_error(SponsorError::BlankName);
}

#[test]
fn sponsor_3_refuses_a_level_the_conference_does_not_have() {
    framework()
        .given_no_previous_events()
        .when(create(None))
        .then_expect_error(SponsorError::LevelOfAnotherConference);
    let other = Some(LevelRef {
        slug: "silver".into(),
        comp_ticket_count: 0,
    });
    framework()
        .given_no_previous_events()
        .when(create(other))
        .then_expect_error(SponsorError::LevelOfAnotherConference);
}

#[test]
fn sponsor_2_the_same_create_again_is_a_no_op_and_another_is_refused() {
    framework()
        .given(vec![created(3)])
        .when(create(gold(3)))
        .then_expect_events(vec![]);
    framework()
        .given(vec![created(3)])
        .when(SponsorCommand::Create {
            conference_id: conf(),
            slug: "acme".into(),
            details: SponsorDetails {
                name: "Other".into(),
                ..details()
            },
            level: gold(3),
        })
        .then_expect_error(SponsorError::AlreadyExists);
}

#[test]
fn sponsor_3_a_level_change_must_name_a_level_of_the_conference() {
    let patch = SponsorPatch {
        level: Some("silver".into()),
        ..Default::default()
    };
    framework()
        .given(vec![created(3)])
        .when(SponsorCommand::Change {
            patch: patch.clone(),
            level: None,
        })
        .then_expect_error(SponsorError::LevelOfAnotherConference);
    framework()
        .given(vec![created(3)])
        .when(SponsorCommand::Change {
            patch,
            level: Some(LevelRef {
                slug: "silver".into(),
                comp_ticket_count: 10,
            }),
        })
        .then_expect_events(vec![SponsorEvent::SponsorUpdated {
            details: SponsorDetails {
                level: "silver".into(),
                ..details()
            },
            at: t0(),
        }]);
}

#[test]
fn sponsor_2_an_unchanged_patch_is_a_no_op() {
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::Change {
            patch: SponsorPatch {
                name: Some("Acme".into()),
                ..Default::default()
            },
            level: None,
        })
        .then_expect_events(vec![]);
}

fn over_name(name: &str) -> SponsorOverride {
    SponsorOverride {
        name: name.into(),
        ..Default::default()
    }
}

#[test]
fn sponsor_4_saves_the_one_override_and_replaces_it() {
    let saved = SponsorEvent::SponsorOverrideSaved {
        over: over_name("ACME Corp"),
        at: t0(),
    };
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::SaveOverride {
            over: over_name("ACME Corp"),
            level_found: false,
        })
        .then_expect_events(vec![saved.clone()]);
    framework()
        .given(vec![created(0), saved])
        .when(SponsorCommand::SaveOverride {
            over: over_name("Acme Inc"),
            level_found: false,
        })
        .then_expect_events(vec![SponsorEvent::SponsorOverrideSaved {
            over: over_name("Acme Inc"),
            at: t0(),
        }]);
}

#[test]
fn sponsor_6_an_empty_override_deletes_it_even_with_a_note() {
    let noted = SponsorOverride {
        note: "only a note".into(),
        ..Default::default()
    };
    framework()
        .given(vec![
            created(0),
            SponsorEvent::SponsorOverrideSaved {
                over: over_name("ACME Corp"),
                at: t0(),
            },
        ])
        .when(SponsorCommand::SaveOverride {
            over: noted.clone(),
            level_found: false,
        })
        .then_expect_events(vec![SponsorEvent::SponsorOverrideRemoved { at: t0() }]);
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::SaveOverride {
            over: noted,
            level_found: false,
        })
        .then_expect_events(vec![]);
}

#[test]
fn sponsor_3_an_override_level_must_be_the_conferences() {
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::SaveOverride {
            over: SponsorOverride {
                level: Some("platinum".into()),
                ..Default::default()
            },
            level_found: false,
        })
        .then_expect_error(SponsorError::LevelOfAnotherConference);
}

#[test]
fn sponsor_5_effective_values_prefer_non_empty_override_fields() {
    let base = SponsorDetails {
        description: "base".into(),
        website_url: "https://acme.test".into(),
        ..details()
    };
    let over = SponsorOverride {
        name: "ACME Corp".into(),
        is_active: Some(false),
        level: Some("platinum".into()),
        note: "renamed".into(),
        ..Default::default()
    };
    let e = effective(&base, Some(&over));
    assert_eq!(e.name, "ACME Corp");
    assert_eq!(e.description, "base");
    assert_eq!(e.website_url, "https://acme.test");
    assert_eq!(e.contact_email, "jo@acme.test");
    assert!(!e.is_active);
    assert_eq!(e.level, "platinum");
    let plain = effective(&base, None);
    assert_eq!((plain.name.as_str(), plain.is_active), ("Acme", true));
    assert_eq!(plain.level, "gold");
}

#[test]
fn sponsor_7_the_uploaded_logo_wins_over_the_logo_url() {
    let mut d = details();
    assert_eq!(d.display_logo(), None);
    d.logo_url = "https://acme.test/logo.png".into();
    assert_eq!(d.display_logo(), Some("https://acme.test/logo.png"));
    d.logo = "/media/acme.png".into();
    assert_eq!(d.display_logo(), Some("/media/acme.png"));
}

#[test]
fn sponsor_9_benefits_are_saved_completed_and_removed() {
    let booth = Benefit {
        name: "Booth".into(),
        ..Default::default()
    };
    let saved = SponsorEvent::SponsorBenefitSaved {
        id: bid(1),
        benefit: booth.clone(),
        at: t0(),
    };
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::SaveBenefit {
            id: bid(1),
            benefit: booth.clone(),
        })
        .then_expect_events(vec![saved.clone()]);
    let done = Benefit {
        is_complete: true,
        ..booth.clone()
    };
    framework()
        .given(vec![created(0), saved.clone()])
        .when(SponsorCommand::SaveBenefit {
            id: bid(1),
            benefit: done.clone(),
        })
        .then_expect_events(vec![SponsorEvent::SponsorBenefitSaved {
            id: bid(1),
            benefit: done,
            at: t0(),
        }]);
    framework()
        .given(vec![created(0), saved])
        .when(SponsorCommand::RemoveBenefit { id: bid(1) })
        .then_expect_events(vec![SponsorEvent::SponsorBenefitRemoved {
            id: bid(1),
            at: t0(),
        }]);
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::RemoveBenefit { id: bid(2) })
        .then_expect_error(SponsorError::BenefitNotFound);
    framework()
        .given(vec![created(0)])
        .when(SponsorCommand::SaveBenefit {
            id: bid(3),
            benefit: Benefit::default(),
        })
        .then_expect_error(SponsorError::BlankBenefitName);
}

#[test]
fn sponsor_12_codes_are_upper_cased_numbered_and_at_most_100_characters() {
    assert_eq!(
        comp_voucher_codes("acme-corp", 2),
        vec!["SPONSOR-ACME-CORP-1", "SPONSOR-ACME-CORP-2"]
    );
    let long = "a".repeat(150);
    let codes = comp_voucher_codes(&long, 10);
    assert!(codes.iter().all(|c| c.chars().count() <= 100), "{codes:?}");
    assert!(codes[9].ends_with("-10"));
    assert!(comp_voucher_codes("acme", 0).is_empty());
}

#[test]
fn a_removed_sponsor_refuses_changes() {
    framework()
        .given(vec![created(0), SponsorEvent::SponsorRemoved { at: t0() }])
        .when(SponsorCommand::Remove)
        .then_expect_error(SponsorError::NotFound);
}
