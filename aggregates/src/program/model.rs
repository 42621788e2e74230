//! What Pretalx tells us and what the program keeps: rooms, speakers, talks and
//! schedule slots as stored in events (PRETALX-2…8).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::Timestamp;
use crate::user::Sealed;

/// PRETALX-2: a room as Pretalx has it (keyed by its Pretalx id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub pretalx_id: i64,
    pub name: String,
    pub description: String,
    pub capacity: Option<u32>,
    pub position: Option<i32>,
}

/// PRETALX-3: a speaker as Pretalx has it (keyed by its code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerData {
    pub code: String,
    pub name: String,
    pub biography: String,
    pub avatar_url: String,
    /// The address as Pretalx serves it: it links the speaker to an account
    /// (PRETALX-3) and is sealed before the command; it never enters the log
    /// plain (events of the first releases hold one until `tessera migrate
    /// personal-data` seals it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// The address as the program keeps it, for the speaker export (ANA-49).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_email: Option<SealedSpeakerEmail>,
}

/// A speaker's e-mail sealed under its owner's person (the address's user id:
/// erasing that person erases it), with the keyed hash of the normalized
/// address, which tells a re-sync that the address did not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSpeakerEmail {
    pub person: Uuid,
    pub email: Sealed,
    pub hash: String,
}

/// A speaker as the program keeps it: the synced data and the linked user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speaker {
    #[serde(flatten)]
    pub data: SpeakerData,
    /// PRETALX-3: linked by e-mail; once linked, never re-linked by a sync.
    pub user: Option<Uuid>,
}

/// PRETALX-4: a talk as Pretalx has it, its room still a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TalkData {
    pub code: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub description: String,
    pub submission_type: String,
    pub track: String,
    pub tags: Vec<String>,
    pub duration: Option<u32>,
    pub state: String,
    pub room_name: Option<String>,
    pub slot_start: Option<Timestamp>,
    pub slot_end: Option<Timestamp>,
    /// Speaker codes, as Pretalx lists them.
    pub speakers: Vec<String>,
}

/// A talk as the program keeps it: room resolved to a synced room's Pretalx id
/// (PRETALX-23: none when no synced room has that name), unknown speakers dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Talk {
    pub code: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub description: String,
    pub submission_type: String,
    pub track: String,
    pub tags: Vec<String>,
    pub duration: Option<u32>,
    pub state: String,
    pub room: Option<i64>,
    pub slot_start: Option<Timestamp>,
    pub slot_end: Option<Timestamp>,
    pub speakers: Vec<String>,
}

/// PRETALX-7: one slot of the published schedule, its room still a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotData {
    pub start: Timestamp,
    pub end: Timestamp,
    pub room_name: Option<String>,
    /// The submission code of the talk in this slot, if any.
    pub submission: Option<String>,
    pub title: String,
}

/// PRETALX-8: what a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotType {
    Talk,
    Break,
    Social,
    Other,
}

impl SlotType {
    /// PRETALX-8: talk when linked to a submission; else by its title.
    pub fn of(submission: Option<&str>, title: &str) -> Self {
        if submission.is_some_and(|s| !s.is_empty()) {
            return Self::Talk;
        }
        let t = title.to_lowercase();
        if t.contains("break") || t.contains("lunch") {
            Self::Break
        } else if t.contains("social") || t.contains("party") {
            Self::Social
        } else {
            Self::Other
        }
    }
}

/// A slot as the program keeps it, keyed by (start, room) (PRETALX-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub room: Option<i64>,
    /// Linked talk code (only when the program knows that talk).
    pub talk: Option<String>,
    /// PRETALX-7: the slot's own title, falling back to the talk's title.
    pub title: String,
    pub slot_type: SlotType,
}

impl Slot {
    pub fn key(&self) -> (Timestamp, Option<i64>) {
        (self.start, self.room)
    }
}

/// PRETALX-10: the delete guard's settings for one schedule sync.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeleteGuard {
    pub enabled: bool,
    /// `--allow-large-schedule-drop`.
    pub allow_large_deletions: bool,
    pub min_existing_slots: u32,
    pub max_fraction_removed: f64,
}

impl Default for DeleteGuard {
    fn default() -> Self {
        Self {
            enabled: true,
            allow_large_deletions: false,
            min_existing_slots: 5,
            max_fraction_removed: 0.4,
        }
    }
}

impl DeleteGuard {
    /// PRETALX-10, AMB-8 (decided): refuses when stale / existing is strictly
    /// greater than the maximum fraction.
    pub fn refuses(&self, stale: usize, existing: usize) -> bool {
        if !self.enabled || self.allow_large_deletions {
            return false;
        }
        if existing < self.min_existing_slots as usize || stale == 0 {
            return false;
        }
        (stale as f64 / existing as f64) > self.max_fraction_removed
    }
}

/// PRETALX-17: organizer overrides of a synced talk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TalkOverride {
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    pub room: Option<i64>,
    pub slot_start: Option<Timestamp>,
    pub slot_end: Option<Timestamp>,
    pub state: Option<String>,
    pub is_cancelled: bool,
}

/// PRETALX-18: an organizer's overrides of a synced speaker (replacing earlier
/// ones). An overriding e-mail only links the speaker to that account
/// (`SpeakerOverridden::linked`); the address itself is personal data and is
/// not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerOverride {
    pub name: Option<String>,
    pub biography: Option<String>,
    pub avatar_url: Option<String>,
}

/// PRETALX-18: an organizer's overrides of a synced room; the capacity applies
/// when not null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOverride {
    pub name: Option<String>,
    pub description: Option<String>,
    pub capacity: Option<u32>,
}

impl SpeakerData {
    /// PRETALX-18: the speaker as shown, each override winning when set.
    pub fn effective(&self, ov: Option<&SpeakerOverride>) -> SpeakerData {
        let ov = ov.cloned().unwrap_or_default();
        SpeakerData {
            code: self.code.clone(),
            name: ov.name.unwrap_or_else(|| self.name.clone()),
            biography: ov.biography.unwrap_or_else(|| self.biography.clone()),
            avatar_url: ov.avatar_url.unwrap_or_else(|| self.avatar_url.clone()),
            email: self.email.clone(),
            sealed_email: self.sealed_email.clone(),
        }
    }
}

impl Room {
    /// PRETALX-18: the room as shown, each override winning when set.
    pub fn effective(&self, ov: Option<&RoomOverride>) -> Room {
        let ov = ov.cloned().unwrap_or_default();
        Room {
            pretalx_id: self.pretalx_id,
            name: ov.name.unwrap_or_else(|| self.name.clone()),
            description: ov.description.unwrap_or_else(|| self.description.clone()),
            capacity: ov.capacity.or(self.capacity),
            position: self.position,
        }
    }
}

/// PRETALX-13: the defaults of one submission type (one per conference and
/// type): a room, and a date with start and end times in the conference's
/// timezone. PRETALX-14: a date is required when a time is set, and both times
/// or neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeDefault {
    pub submission_type: String,
    /// A synced room's Pretalx id.
    #[serde(default)]
    pub room: Option<i64>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub start_time: Option<NaiveTime>,
    #[serde(default)]
    pub end_time: Option<NaiveTime>,
}

impl TypeDefault {
    /// PRETALX-14.
    pub fn check(&self) -> Result<(), super::ProgramError> {
        use super::ProgramError;
        if self.submission_type.trim().is_empty() {
            return Err(ProgramError::TypeDefaultWithoutType);
        }
        if self.start_time.is_some() != self.end_time.is_some() {
            return Err(ProgramError::TypeDefaultHalfTimes);
        }
        if self.start_time.is_some() && self.date.is_none() {
            return Err(ProgramError::TypeDefaultWithoutDate);
        }
        Ok(())
    }

    /// PRETALX-13: the talk with this default applied: a room when it has none,
    /// a start (and an end) from the date and time when it has none. `tz` is the
    /// conference's timezone (an invalid one reads as UTC).
    pub fn apply(&self, talk: &Talk, tz: &str) -> Talk {
        let tz: Tz = tz.parse().unwrap_or(chrono_tz::UTC);
        let at = |time: Option<NaiveTime>| -> Option<Timestamp> {
            let local = self.date?.and_time(time?);
            // A local time skipped by a DST change has no instant: left unset;
            // an ambiguous one takes the earlier instant.
            tz.from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        let mut out = talk.clone();
        if out.room.is_none() && self.room.is_some() {
            out.room = self.room;
        }
        if out.slot_start.is_none() {
            out.slot_start = at(self.start_time);
        }
        if out.slot_end.is_none() {
            out.slot_end = at(self.end_time);
        }
        out
    }
}
