//! Recording the bootstrap file's rooms and talks through the program's sync
//! command, and `--seed-demo`'s session ratings.

use tessera_aggregates::program::SpeakerData;
use tessera_aggregates::session_rating::{RatingCommand, RatingError, SessionRating, rating_id};
use tessera_aggregates::user::User;

use super::BootstrapPlan;
use crate::app::conference_id;
use crate::bus::{BusError, CommandBus};
use crate::meta::CommandMeta;
use crate::process::program_content::{ProgramContent, record_program};

/// Records the file's rooms and talks; answers the line to print.
pub async fn create_talks(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<String> {
    let p = &plan.program.talks;
    if p.is_empty() {
        return Ok(String::new());
    }
    let cid = conference_id(&plan.conference.slug);
    let content = ProgramContent {
        rooms: p.rooms.clone(),
        speakers: p
            .speakers
            .iter()
            .map(|s| SpeakerData {
                code: s.code.clone(),
                name: s.name.clone(),
                biography: String::new(),
                avatar_url: String::new(),
                email: String::new(),
                sealed_email: None,
            })
            .collect(),
        talks: p.talks.clone(),
    };
    let meta = CommandMeta::system().for_conf(Some(cid));
    let report = record_program(bus, cid, content, &meta)
        .await
        .map_err(|e| anyhow::anyhow!("rooms and talks: {e}"))?;
    Ok(format!(
        "Rooms and talks: {} rooms, {} speakers, {} talks; {} changes recorded.\n",
        p.rooms.len(),
        p.speakers.len(),
        p.talks.len(),
        report.events_appended
    ))
}

/// `--seed-demo`'s session ratings: each demo user who has an account rates
/// the file's talks (scores from a fixed cycle), once per talk (SURVEY-3: a
/// rating that exists is kept). Answers the line to print.
pub async fn seed_ratings(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<String> {
    const SCORES: [i64; 7] = [5, 4, 4, 3, 5, 2, 4];
    let talks = &plan.program.talks.talks;
    if talks.is_empty() {
        return Ok(String::new());
    }
    let cid = conference_id(&plan.conference.slug);
    let meta = CommandMeta::system().for_conf(Some(cid));
    let (mut rated, mut kept) = (0, 0);
    for (i, name) in super::DEMO_USERS.iter().enumerate() {
        let user = crate::app::user_id(&super::demo_email(name));
        let exists = bus
            .peek(&User::stream(user), |u| u.exists())
            .await
            .map_err(|e| anyhow::anyhow!("demo user {name}: {e}"))?;
        if !exists {
            continue;
        }
        for (j, talk) in talks.iter().enumerate() {
            let cmd = RatingCommand::Rate {
                conference_id: cid,
                talk: talk.code.clone(),
                user,
                score: SCORES[(i + 2 * j) % SCORES.len()],
                talk_exists: true,
            };
            let id = SessionRating::stream(rating_id(cid, &talk.code, user));
            match bus.send(&id, cmd, &meta).await {
                Ok(_) => rated += 1,
                Err(BusError::Refused(RatingError::AlreadyRated)) => kept += 1,
                Err(e) => return Err(anyhow::anyhow!("rating '{}': {e}", talk.code)),
            }
        }
    }
    Ok(format!(
        "Session ratings: {rated} recorded, {kept} already present.\n"
    ))
}
