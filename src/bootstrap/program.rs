//! `--seed-demo`'s badge template and survey: a default "standard" template
//! (ATT-33's defaults, company shown) and an active nps survey "feedback". Both
//! are no-ops when they exist already.

use tessera_aggregates::badge::{
    BadgeError, BadgeTemplate, BadgeTemplates, BadgeTemplatesCommand, templates_id,
};
use tessera_aggregates::survey::{Survey, SurveyCommand, SurveyError, SurveyKind, survey_id};

use super::BootstrapPlan;
use crate::app::conference_id;
use crate::bus::{BusError, CommandBus};
use crate::meta::CommandMeta;

/// Creates the demo badge template and survey; answers the lines to print.
pub async fn seed_program(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<String> {
    let cid = conference_id(&plan.conference.slug);
    let meta = CommandMeta::system().for_conf(Some(cid));
    let template = BadgeTemplate {
        is_default: true,
        show_company: true,
        ..BadgeTemplate::new("standard", "Standard")
    };
    let cmd = BadgeTemplatesCommand::Create {
        conference_id: cid,
        template: Box::new(template),
    };
    let badge = match bus
        .send::<BadgeTemplates>(&templates_id(cid).to_string(), cmd, &meta)
        .await
    {
        Ok(sent) if sent.position.is_some() => "created",
        Ok(_) | Err(BusError::Refused(BadgeError::AlreadyExists)) => "already present",
        Err(e) => return Err(anyhow::anyhow!("badge template: {e}")),
    };
    let cmd = SurveyCommand::Create {
        conference_id: cid,
        slug: "feedback".into(),
        title: "How likely are you to recommend this conference to a friend?".into(),
        kind: SurveyKind::Nps,
        is_active: true,
    };
    let survey = match bus
        .send::<Survey>(&survey_id(cid, "feedback").to_string(), cmd, &meta)
        .await
    {
        Ok(sent) if sent.position.is_some() => "created",
        Ok(_) | Err(BusError::Refused(SurveyError::AlreadyExists)) => "already present",
        Err(e) => return Err(anyhow::anyhow!("survey: {e}")),
    };
    Ok(format!(
        "Badge template: standard (default) {badge}.\nSurvey: feedback (nps) {survey}.\n"
    ))
}
