//! A conference's program (PRETALX-2…23) with each talk's effective values
//! (PRETALX-17), and its session ratings (SURVEY-3) for the rating analytics
//! (ANA-38, in `stats`).
//!
//! Keys: `program:{program stream id}` (which conference a stream is), then per
//! conference `{conference}:room:{pretalx id}`, `{conference}:speaker:{code}`,
//! `{conference}:talk:{code}`, `{conference}:slot:{start}:{room}` (slots in
//! start order), `{conference}:type_default:{submission type}` and
//! `{conference}:rating:{talk}:{user}`.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::program::{
    Effective, ProgramEvent, Room, RoomOverride, Slot, Speaker, SpeakerOverride, Talk,
    TalkOverride, TypeDefault,
};
use tessera_aggregates::session_rating::RatingEvent;
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct ProgramView;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum ProgramRow {
    Stream {
        conference_id: Uuid,
    },
    Room(RoomRow),
    Speaker(SpeakerRow),
    Talk(Box<TalkRow>),
    Slot(SlotRow),
    Rating(RatingRow),
    /// PRETALX-13: a submission type's defaults.
    TypeDefault(TypeDefault),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomRow {
    pub room: Room,
    /// PRETALX-18 (the effective room is `room.effective(overrides)`).
    #[serde(default)]
    pub overrides: Option<RoomOverride>,
    pub synced_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerRow {
    pub speaker: Speaker,
    /// PRETALX-18 (the effective speaker is `speaker.data.effective(overrides)`).
    #[serde(default)]
    pub overrides: Option<SpeakerOverride>,
    pub synced_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TalkRow {
    pub talk: Talk,
    pub overrides: Option<TalkOverride>,
    /// PRETALX-17: what the program shows.
    pub effective: Effective,
    pub synced_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotRow {
    pub slot: Slot,
    pub synced_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRow {
    pub talk: String,
    pub user: Uuid,
    pub score: u8,
    pub at: DateTime<Utc>,
}

pub fn stream_key(stream: Uuid) -> String {
    format!("program:{stream}")
}

pub fn rooms_prefix(c: Uuid) -> String {
    format!("{c}:room:")
}

pub fn speakers_prefix(c: Uuid) -> String {
    format!("{c}:speaker:")
}

pub fn talks_prefix(c: Uuid) -> String {
    format!("{c}:talk:")
}

pub fn talk_key(c: Uuid, code: &str) -> String {
    format!("{c}:talk:{code}")
}

pub fn slots_prefix(c: Uuid) -> String {
    format!("{c}:slot:")
}

/// PRETALX-13: the type defaults of a conference.
pub fn type_defaults_prefix(c: Uuid) -> String {
    format!("{c}:type_default:")
}

pub fn ratings_prefix(c: Uuid) -> String {
    format!("{c}:rating:")
}

fn slot_key(c: Uuid, start: DateTime<Utc>, room: Option<i64>) -> String {
    let room = room.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
    format!("{c}:slot:{}:{room}", start.format("%Y-%m-%dT%H:%M:%SZ"))
}

impl ProgramView {
    fn conference(rows: &Rows<ProgramRow>, env: &Envelope) -> Option<Uuid> {
        match rows.get(&stream_key(env.aggregate_uuid()?)) {
            Some(ProgramRow::Stream { conference_id }) => Some(*conference_id),
            _ => env.meta.conference_id,
        }
    }

    fn on_program(rows: &mut Rows<ProgramRow>, env: &Envelope, event: &ProgramEvent) {
        use ProgramEvent::*;
        if let ProgramOpened { conference_id } = event {
            if let Some(stream) = env.aggregate_uuid() {
                rows.insert(
                    stream_key(stream),
                    ProgramRow::Stream {
                        conference_id: *conference_id,
                    },
                );
            }
            return;
        }
        let Some(c) = Self::conference(rows, env) else {
            return;
        };
        match event {
            ProgramOpened { .. } | ActivityLinked { .. } | TypeDefaultsApplied { .. } => {}
            TypeDefaultSet { default, .. } => rows.insert(
                format!("{}{}", type_defaults_prefix(c), default.submission_type),
                ProgramRow::TypeDefault(default.clone()),
            ),
            TypeDefaultRemoved {
                submission_type, ..
            } => rows.remove(&format!("{}{submission_type}", type_defaults_prefix(c))),
            RoomSynced { room, at } => {
                let key = format!("{}{}", rooms_prefix(c), room.pretalx_id);
                let overrides = match rows.get(&key) {
                    Some(ProgramRow::Room(r)) => r.overrides.clone(),
                    _ => None,
                };
                rows.insert(
                    key,
                    ProgramRow::Room(RoomRow {
                        room: room.clone(),
                        overrides,
                        synced_at: *at,
                    }),
                )
            }
            SpeakerSynced { speaker, at } => {
                let key = format!("{}{}", speakers_prefix(c), speaker.data.code);
                let overrides = match rows.get(&key) {
                    Some(ProgramRow::Speaker(s)) => s.overrides.clone(),
                    _ => None,
                };
                rows.insert(
                    key,
                    ProgramRow::Speaker(SpeakerRow {
                        speaker: speaker.clone(),
                        overrides,
                        synced_at: *at,
                    }),
                )
            }
            RoomOverridden {
                room, overrides, ..
            } => {
                let key = format!("{}{room}", rooms_prefix(c));
                if let Some(ProgramRow::Room(r)) = rows.get_mut(&key) {
                    r.overrides = Some(overrides.clone());
                }
            }
            SpeakerOverridden {
                code,
                overrides,
                linked,
                ..
            } => {
                let key = format!("{}{code}", speakers_prefix(c));
                if let Some(ProgramRow::Speaker(s)) = rows.get_mut(&key) {
                    s.overrides = Some(overrides.clone());
                    if linked.is_some() {
                        s.speaker.user = *linked;
                    }
                }
            }
            TalkSynced { talk, at } => {
                let key = talk_key(c, &talk.code);
                let overrides = match rows.get(&key) {
                    Some(ProgramRow::Talk(t)) => t.overrides.clone(),
                    _ => None,
                };
                rows.insert(
                    key,
                    ProgramRow::Talk(Box::new(TalkRow {
                        effective: talk.effective(overrides.as_ref()),
                        talk: talk.clone(),
                        overrides,
                        synced_at: *at,
                    })),
                );
            }
            TalkOverridden {
                code, overrides, ..
            } => {
                if let Some(ProgramRow::Talk(t)) = rows.get_mut(&talk_key(c, code)) {
                    t.effective = t.talk.effective(Some(overrides));
                    t.overrides = Some(overrides.clone());
                }
            }
            SlotSynced { slot, at } => rows.insert(
                slot_key(c, slot.start, slot.room),
                ProgramRow::Slot(SlotRow {
                    slot: slot.clone(),
                    synced_at: *at,
                }),
            ),
            SlotRemoved { start, room, .. } => rows.remove(&slot_key(c, *start, *room)),
        }
    }

    fn on_rating(rows: &mut Rows<ProgramRow>, event: &RatingEvent) {
        let RatingEvent::SessionRated {
            conference_id,
            talk,
            user,
            score,
            at,
        } = event;
        rows.insert(
            format!("{}{talk}:{user}", ratings_prefix(*conference_id)),
            ProgramRow::Rating(RatingRow {
                talk: talk.clone(),
                user: *user,
                score: *score,
                at: *at,
            }),
        );
    }
}

impl Projection for ProgramView {
    const NAME: &'static str = "program";
    const VERSION: u32 = 1;
    type Row = ProgramRow;

    fn apply(rows: &mut Rows<ProgramRow>, env: &Envelope) {
        match &env.event {
            DomainEvent::Program(e) => Self::on_program(rows, env, e),
            DomainEvent::SessionRating(e) => Self::on_rating(rows, e),
            _ => {}
        }
    }
}
