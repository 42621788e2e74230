//! Teams from the bootstrap file (`[[conference.teams]]`, MY-5) and the
//! `--seed-demo` teams and volunteers. Both run after the bootstrap committed and
//! are idempotent: a team that exists is kept as it is, a demo volunteer who
//! already applied is left alone.

use std::fmt::Write as _;

use tessera_aggregates::conference::Conference;
use tessera_aggregates::team::{Team, TeamCommand, TeamError, team_id};
use tessera_aggregates::volunteer::{
    FIRST_TIME, Volunteer, VolunteerCommand, VolunteerForm, Year, volunteer_id,
};
use uuid::Uuid;

use super::{BootstrapPlan, TeamPlan, demo_email};
use crate::app::{conference_id, user_id};
use crate::bus::{BusError, CommandBus};
use crate::meta::CommandMeta;

/// Creates the file's teams in its conference; answers the line to print.
pub async fn create_teams(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<String> {
    if plan.teams.is_empty() {
        return Ok(String::new());
    }
    let cid = conference_id(&plan.conference.slug);
    let (created, kept) = ensure_teams(bus, cid, &plan.teams).await?;
    Ok(format!(
        "Teams: {created} created, {kept} already present.\n"
    ))
}

/// Each team created unless its name exists in the year (then kept unchanged).
async fn ensure_teams(
    bus: &CommandBus,
    cid: Uuid,
    teams: &[TeamPlan],
) -> anyhow::Result<(usize, usize)> {
    let meta = CommandMeta::system().for_conf(Some(cid));
    let (mut created, mut kept) = (0, 0);
    for t in teams {
        let cmd = TeamCommand::Create {
            conference_id: cid,
            slug: t.slug.clone(),
            name: t.name.clone(),
            description: t.description.clone(),
            leads: vec![],
            cloned_from: None,
        };
        match bus
            .send(&Team::stream(team_id(cid, &t.slug)), cmd, &meta)
            .await
        {
            Ok(sent) if sent.position.is_some() => created += 1,
            Ok(_) | Err(BusError::Refused(TeamError::AlreadyExists)) => kept += 1,
            Err(e) => return Err(anyhow::anyhow!("team '{}': {e}", t.slug)),
        }
    }
    Ok((created, kept))
}

/// The demo teams, when the file names none.
fn demo_teams() -> Vec<TeamPlan> {
    [
        (
            "program",
            "Program",
            "Reviews proposals and builds the schedule.",
        ),
        (
            "design",
            "Design",
            "Posters, slides and the website's look.",
        ),
        (
            "social-media",
            "Social Media",
            "Announcements before and during the event.",
        ),
    ]
    .into_iter()
    .map(|(slug, name, description)| TeamPlan {
        slug: slug.into(),
        name: name.into(),
        description: description.into(),
    })
    .collect()
}

/// Demo volunteers: (user, decision: Some(team) approves into it, None stays pending).
const DEMO_VOLUNTEERS: [(&str, Option<&str>); 3] = [
    ("attendee_alice", Some("program")),
    ("attendee_dave", Some("design")),
    ("attendee_eve", None),
];

/// `--seed-demo`: the demo teams (unless the file has teams) and three demo
/// volunteers, two approved and one pending. The operator seeds on the
/// organizers' behalf, so the year's open flag (which governs applicants) does
/// not stop it.
pub async fn seed_volunteers(
    bus: &CommandBus,
    plan: &BootstrapPlan,
    out: &mut String,
) -> anyhow::Result<()> {
    let cid = conference_id(&plan.conference.slug);
    let teams = if plan.teams.is_empty() {
        demo_teams()
    } else {
        plan.teams.clone()
    };
    let (created, kept) = ensure_teams(bus, cid, &teams).await?;
    let _ = writeln!(out, "Teams: {created} created, {kept} already present.");
    let year = bus
        .inspect(&Conference::stream(cid), |c| Year {
            conference_id: cid,
            series_id: c.series_id(),
            year: c.year(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let meta = CommandMeta::system().for_conf(Some(cid));
    let mut applied = 0;
    for (name, team) in DEMO_VOLUNTEERS {
        let user = user_id(&demo_email(name));
        let id = Volunteer::stream(volunteer_id(cid, user));
        let exists = bus
            .inspect(&id, |v| v.exists())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if exists {
            continue;
        }
        let form = VolunteerForm {
            languages: vec!["en".into()],
            region: "Americas".into(),
            availability: "Evenings and weekends".into(),
            previous_events: vec![FIRST_TIME.into()],
            ..Default::default()
        };
        let apply = VolunteerCommand::Apply {
            year,
            user,
            form,
            open: true,
            earlier_years: vec![],
            sealed_social: None,
        };
        bus.send(&id, apply, &meta)
            .await
            .map_err(|e| anyhow::anyhow!("volunteer {name}: {e}"))?;
        // Into the named demo team, or the file's first team.
        let into = team.and_then(|t| teams.iter().find(|p| p.slug == t).or(teams.first()));
        if let Some(t) = into {
            let approve = VolunteerCommand::Approve {
                teams: vec![t.slug.clone()],
                roles: vec!["member".into()],
            };
            bus.send(&id, approve, &meta)
                .await
                .map_err(|e| anyhow::anyhow!("volunteer {name}: {e}"))?;
        }
        applied += 1;
    }
    let _ = writeln!(
        out,
        "Volunteers: {applied} applied ({}; attendee_eve stays pending).",
        DEMO_VOLUNTEERS
            .iter()
            .filter_map(|(n, t)| t.map(|t| format!("{n} approved into {t}")))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
