use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    crate::natural_id("conference", "2026")
}

fn template(slug: &str, default: bool) -> BadgeTemplate {
    BadgeTemplate {
        is_default: default,
        ..BadgeTemplate::new(slug, "Standard")
    }
}

fn create(t: BadgeTemplate) -> BadgeTemplatesCommand {
    BadgeTemplatesCommand::Create {
        conference_id: conf(),
        template: Box::new(t),
    }
}

fn created(t: BadgeTemplate) -> BadgeTemplatesEvent {
    BadgeTemplatesEvent::BadgeTemplateCreated {
        conference_id: conf(),
        template: Box::new(t),
        at: t0(),
    }
}

fn framework() -> TestFramework<BadgeTemplates> {
    TestFramework::with(DomainServices::at(t0()))
}

#[test]
fn att_33_a_new_template_has_the_spec_defaults() {
    let t = BadgeTemplate::new("standard", "Standard");
    assert_eq!((t.width_mm, t.height_mm), (102, 152));
    assert_eq!(t.banner_position, BannerPosition::BelowHeader);
    assert!(t.show_name && t.show_ticket_type && t.show_qr_code && t.show_conference_name);
    assert!(!t.show_email && !t.show_company);
    assert_eq!(
        (
            t.background_color.as_str(),
            t.text_color.as_str(),
            t.accent_color.as_str()
        ),
        ("#FFFFFF", "#000000", "#4338CA")
    );
    assert_eq!(t.font_or_default(), "Helvetica");
}

#[test]
fn att_33_colours_must_match_rrggbb() {
    let t = BadgeTemplate {
        accent_color: "#43CA".into(),
        ..template("standard", true)
    };
    framework()
        .given_no_previous_events()
        .when(create(t))
        .then_expect_error(BadgeError::InvalidColour("#43CA".into()));
    assert!(is_hex_colour("#a0B1c2"));
    assert!(!is_hex_colour("a0B1c2f"));
    assert_eq!(rgb("#4338CA"), [0x43, 0x38, 0xCA]);
}

#[test]
fn att_32_a_slug_is_unique_per_conference() {
    framework()
        .given(vec![created(template("standard", true))])
        .when(create(BadgeTemplate {
            width_mm: 90,
            ..template("standard", true)
        }))
        .then_expect_error(BadgeError::AlreadyExists);
    framework()
        .given(vec![created(template("standard", true))])
        .when(create(template("standard", true)))
        .then_expect_events(vec![]);
}

#[test]
fn att_32_a_new_default_replaces_the_previous_one() {
    let mut state = BadgeTemplates::default();
    state.evolve(created(template("standard", true)));
    state.evolve(created(template("speaker", true)));
    let defaults: Vec<_> = state.templates().iter().filter(|t| t.is_default).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0].slug, "speaker");
    // ATT-31: no slug picks the default; a slug picks that template.
    assert_eq!(state.pick(None).map(|t| t.slug.as_str()), Some("speaker"));
    assert_eq!(
        state.pick(Some("standard")).map(|t| t.slug.as_str()),
        Some("standard")
    );
}

#[test]
fn att_30_only_pdf_and_png_are_badge_formats() {
    assert_eq!(BadgeFormat::parse("pdf"), Ok(BadgeFormat::Pdf));
    assert_eq!(BadgeFormat::parse("png"), Ok(BadgeFormat::Png));
    let err = BadgeFormat::parse("svg").err();
    assert_eq!(
        err.map(|e| e.to_string()),
        Some("Unsupported badge format 'svg'. Must be one of: pdf, png".into())
    );
}
