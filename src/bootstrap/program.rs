//! Badge templates and surveys from the bootstrap file
//! (`[[conference.badge_templates]]`, `[[conference.surveys]]`) and
//! `--seed-demo`'s: a default "standard" template (ATT-33's defaults, company
//! shown) and an active nps survey "feedback". All run after the bootstrap
//! committed and are idempotent: what exists is kept as it is.

use serde::Serialize;
use tessera_aggregates::badge::{
    BadgeError, BadgeTemplate, BadgeTemplates, BadgeTemplatesCommand, is_hex_colour, templates_id,
};
use tessera_aggregates::survey::{Survey, SurveyCommand, SurveyError, SurveyKind, survey_id};
use toml::{Table, Value};
use uuid::Uuid;

use super::toml_read::tables;
use super::{BootstrapError, BootstrapPlan};
use crate::app::conference_id;
use crate::bus::{BusError, CommandBus};
use crate::meta::CommandMeta;

/// Creates the file's badge templates and surveys; answers the line to print.
pub async fn create_program(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<String> {
    let p = &plan.program;
    if p.badge_templates.is_empty() && p.surveys.is_empty() {
        return Ok(String::new());
    }
    let cid = conference_id(&plan.conference.slug);
    let (mut created, mut kept) = (0, 0);
    for t in &p.badge_templates {
        if template(bus, cid, t.clone()).await? {
            created += 1;
        } else {
            kept += 1;
        }
    }
    for s in &p.surveys {
        if survey(bus, cid, s.clone()).await? {
            created += 1;
        } else {
            kept += 1;
        }
    }
    Ok(format!(
        "Badge templates and surveys: {created} created, {kept} already present.\n"
    ))
}

/// Creates the demo badge template and survey; answers the lines to print.
pub async fn seed_program(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<String> {
    let cid = conference_id(&plan.conference.slug);
    let standard = BadgeTemplate {
        is_default: true,
        show_company: true,
        ..BadgeTemplate::new("standard", "Standard")
    };
    let said = |made: bool| if made { "created" } else { "already present" };
    let badge = said(template(bus, cid, standard).await?);
    let feedback = SurveyPlan {
        slug: "feedback".into(),
        title: "How likely are you to recommend this conference to a friend?".into(),
        kind: SurveyKind::Nps,
        is_active: true,
    };
    let survey = said(survey(bus, cid, feedback).await?);
    Ok(format!(
        "Badge template: standard (default) {badge}.\nSurvey: feedback (nps) {survey}.\n"
    ))
}

/// True when created; false when a template of that slug exists.
async fn template(bus: &CommandBus, cid: Uuid, t: BadgeTemplate) -> anyhow::Result<bool> {
    let slug = t.slug.clone();
    let cmd = BadgeTemplatesCommand::Create {
        conference_id: cid,
        template: Box::new(t),
    };
    let meta = CommandMeta::system().for_conf(Some(cid));
    match bus
        .send(&BadgeTemplates::stream(templates_id(cid)), cmd, &meta)
        .await
    {
        Ok(sent) => Ok(sent.position.is_some()),
        Err(BusError::Refused(BadgeError::AlreadyExists)) => Ok(false),
        Err(e) => Err(anyhow::anyhow!("badge template '{slug}': {e}")),
    }
}

/// True when created; false when a survey of that slug exists.
async fn survey(bus: &CommandBus, cid: Uuid, s: SurveyPlan) -> anyhow::Result<bool> {
    let id = survey_id(cid, &s.slug);
    let slug = s.slug.clone();
    let cmd = SurveyCommand::Create {
        conference_id: cid,
        slug: s.slug,
        title: s.title,
        kind: s.kind,
        is_active: s.is_active,
    };
    let meta = CommandMeta::system().for_conf(Some(cid));
    match bus.send(&Survey::stream(id), cmd, &meta).await {
        Ok(sent) => Ok(sent.position.is_some()),
        Err(BusError::Refused(SurveyError::AlreadyExists)) => Ok(false),
        Err(e) => Err(anyhow::anyhow!("survey '{slug}': {e}")),
    }
}

/// `[[conference.badge_templates]]`, `[[conference.surveys]]`, rooms and talks
/// of a bootstrap file, validated as the aggregates will (ATT-33, SURVEY-1).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProgramPlan {
    pub badge_templates: Vec<BadgeTemplate>,
    pub surveys: Vec<SurveyPlan>,
    /// `[[conference.rooms]]` and `[[conference.talks]]`.
    pub talks: super::talks::TalksPlan,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyPlan {
    pub slug: String,
    pub title: String,
    pub kind: SurveyKind,
    pub is_active: bool,
}

fn invalid(message: String) -> BootstrapError {
    BootstrapError::Invalid(message)
}

fn text(t: &Table, label: &str, key: &str) -> Result<Option<String>, BootstrapError> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{label}.{key} must be a string"))),
    }
}

fn flag(t: &Table, label: &str, key: &str, default: bool) -> Result<bool, BootstrapError> {
    match t.get(key) {
        None => Ok(default),
        Some(Value::Boolean(b)) => Ok(*b),
        Some(_) => Err(invalid(format!("{label}.{key} must be true or false"))),
    }
}

fn size(t: &Table, label: &str, key: &str, default: u32) -> Result<u32, BootstrapError> {
    match t.get(key) {
        None => Ok(default),
        Some(Value::Integer(n)) => u32::try_from(*n)
            .map_err(|_| invalid(format!("{label}.{key} must be a positive number"))),
        Some(_) => Err(invalid(format!("{label}.{key} must be a number"))),
    }
}

/// Reads the file's badge templates, surveys, rooms and talks (all optional);
/// talk times without an offset are in `tz`, the conference's timezone.
pub fn parse(conf: &Table, tz: chrono_tz::Tz) -> Result<ProgramPlan, BootstrapError> {
    let mut plan = ProgramPlan {
        talks: super::talks::parse(conf, tz)?,
        ..ProgramPlan::default()
    };
    for (label, t) in tables(conf, "badge_templates")? {
        let name = text(t, &label, "name")?
            .ok_or_else(|| invalid(format!("{label} is missing required field: name")))?;
        let slug = text(t, &label, "slug")?.unwrap_or_else(|| super::slugify(&name));
        let d = BadgeTemplate::new(&slug, &name);
        let banner_position = match text(t, &label, "banner_position")? {
            None => d.banner_position,
            Some(p) => serde_json::from_value(serde_json::Value::String(p))
                .map_err(|_| invalid(format!("{label}.banner_position: unknown position")))?,
        };
        let colour = |key: &str, default: &str| -> Result<String, BootstrapError> {
            let c = text(t, &label, key)?.unwrap_or_else(|| default.to_string());
            if is_hex_colour(&c) {
                Ok(c)
            } else {
                Err(invalid(format!("{label}.{key} must match #RRGGBB")))
            }
        };
        plan.badge_templates.push(BadgeTemplate {
            is_default: flag(t, &label, "is_default", false)?,
            width_mm: size(t, &label, "width_mm", d.width_mm)?,
            height_mm: size(t, &label, "height_mm", d.height_mm)?,
            banner_position,
            show_name: flag(t, &label, "show_name", d.show_name)?,
            show_email: flag(t, &label, "show_email", d.show_email)?,
            show_company: flag(t, &label, "show_company", d.show_company)?,
            show_ticket_type: flag(t, &label, "show_ticket_type", d.show_ticket_type)?,
            show_qr_code: flag(t, &label, "show_qr_code", d.show_qr_code)?,
            show_conference_name: flag(t, &label, "show_conference_name", d.show_conference_name)?,
            background_color: colour("background_color", &d.background_color)?,
            text_color: colour("text_color", &d.text_color)?,
            accent_color: colour("accent_color", &d.accent_color)?,
            font: text(t, &label, "font")?.unwrap_or_default(),
            ..d
        });
    }
    for (label, t) in tables(conf, "surveys")? {
        let title = text(t, &label, "title")?
            .ok_or_else(|| invalid(format!("{label} is missing required field: title")))?;
        let slug = text(t, &label, "slug")?.unwrap_or_else(|| super::slugify(&title));
        let kind = match text(t, &label, "kind")? {
            None => SurveyKind::default(),
            Some(k) => serde_json::from_value(serde_json::Value::String(k)).map_err(|_| {
                invalid(format!(
                    "{label}.kind: nps, satisfaction, session or custom"
                ))
            })?,
        };
        plan.surveys.push(SurveyPlan {
            slug,
            title,
            kind,
            is_active: flag(t, &label, "is_active", true)?,
        });
    }
    Ok(plan)
}
