//! A program given directly rather than fetched from Pretalx (the bootstrap
//! file's rooms and talks, the history generator's): recorded through the same
//! `SyncRun` command a Pretalx sync sends (rooms → speakers → talks, one unit,
//! only what differs), then the submission types' activities kept in step as a
//! sync's last step does (PRETALX-5/6). Recording the same program again
//! appends nothing.

use tessera_aggregates::program::{
    Program, ProgramCommand, Room, SpeakerData, TalkData, program_id,
};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::program::{SyncError, SyncReport, sync_activities};
use crate::bus::CommandBus;

/// Rooms, speakers and talks as a Pretalx sync would receive them; talks name
/// their room by display name and their speakers by code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgramContent {
    pub rooms: Vec<Room>,
    pub speakers: Vec<SpeakerData>,
    pub talks: Vec<TalkData>,
}

/// Records `content` as conference `conference`'s program. Speakers are linked
/// to no account (an existing link is kept, PRETALX-3); no schedule step runs
/// (the talks carry their own room and times) and no type defaults apply (a
/// partial run, PRETALX-16).
pub async fn record_program(
    bus: &CommandBus,
    conference: Uuid,
    content: ProgramContent,
    meta: &EventMeta,
) -> Result<SyncReport, SyncError> {
    let mut meta = meta.clone();
    meta.conference_id = Some(conference);
    meta.idempotency_key = None;
    let mut report = SyncReport {
        rooms: Some(content.rooms.len()),
        speakers: Some(content.speakers.len()),
        talks: Some(content.talks.len()),
        ..SyncReport::default()
    };
    let decided = bus
        .send_decided(
            &Program::stream(program_id(conference)),
            ProgramCommand::SyncRun {
                conference_id: conference,
                rooms: Some(content.rooms),
                speakers: Some(content.speakers.into_iter().map(|s| (s, None)).collect()),
                talks: Some(content.talks),
                schedule: None,
                type_defaults: None,
            },
            &meta,
        )
        .await?;
    report.record(decided.events.len(), decided.position);
    sync_activities(bus, conference, &meta, &mut report).await?;
    Ok(report)
}
