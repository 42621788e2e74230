//! Samples of surveys, their responses and badge templates.

use tessera_aggregates::badge::{
    BadgeTemplate, BadgeTemplates, BadgeTemplatesEvent, BannerPosition, templates_id,
};
use tessera_aggregates::survey::{
    ResponseEvent, Survey, SurveyEvent, SurveyKind, SurveyResponse, response_id, survey_id,
};

use super::{Fixture, at, conference_id, later, stream, uid};

pub fn survey() -> Vec<Fixture> {
    let events = vec![
        SurveyEvent::SurveyCreated {
            conference_id: conference_id(),
            slug: "feedback".into(),
            title: "How likely are you to recommend us?".into(),
            kind: SurveyKind::Nps,
            is_active: true,
            at: at(),
        },
        SurveyEvent::SurveyDeactivated { at: later(1) },
        SurveyEvent::SurveyActivated { at: later(2) },
    ];
    stream::<Survey>(survey_id(conference_id(), "feedback"), events)
}

#[allow(dead_code)]
fn survey_variants(e: &SurveyEvent) {
    use SurveyEvent::*;
    match e {
        SurveyCreated { .. } | SurveyActivated { .. } | SurveyDeactivated { .. } => {}
    }
}

pub fn survey_response() -> Vec<Fixture> {
    let survey = survey_id(conference_id(), "feedback");
    let events = vec![ResponseEvent::SurveyResponseSubmitted {
        survey_id: survey,
        conference_id: conference_id(),
        user: uid("ana"),
        kind: SurveyKind::Nps,
        score: 9,
        comment: "Great talks".into(),
        at: later(3),
    }];
    stream::<SurveyResponse>(response_id(survey, uid("ana")), events)
}

#[allow(dead_code)]
fn survey_response_variants(e: &ResponseEvent) {
    use ResponseEvent::*;
    match e {
        SurveyResponseSubmitted { .. } => {}
    }
}

pub fn badge_templates() -> Vec<Fixture> {
    let template = BadgeTemplate {
        is_default: true,
        banner_position: BannerPosition::BelowName,
        show_company: true,
        accent_color: "#DB2777".into(),
        font: "Times-Roman".into(),
        ..BadgeTemplate::new("standard", "Standard")
    };
    let events = vec![BadgeTemplatesEvent::BadgeTemplateCreated {
        conference_id: conference_id(),
        template: Box::new(template),
        at: at(),
    }];
    stream::<BadgeTemplates>(templates_id(conference_id()), events)
}

#[allow(dead_code)]
fn badge_templates_variants(e: &BadgeTemplatesEvent) {
    use BadgeTemplatesEvent::*;
    match e {
        BadgeTemplateCreated { .. } => {}
    }
}
