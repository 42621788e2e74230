use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Room, RoomOverride, Slot, Speaker, SpeakerOverride, Talk, TalkOverride, TypeDefault};
use crate::Timestamp;

/// Facts about a conference's program. Names are a stored format: never rename.
/// A sync records only what changed, so re-running it records nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProgramEvent {
    /// The conference this program belongs to (first event of the stream).
    ProgramOpened { conference_id: Uuid },
    /// PRETALX-2: a room created or changed by a sync.
    RoomSynced { room: Room, at: Timestamp },
    /// PRETALX-3: a speaker created or changed by a sync.
    SpeakerSynced { speaker: Speaker, at: Timestamp },
    /// PRETALX-4, PRETALX-12: a talk created or changed by a sync.
    TalkSynced { talk: Talk, at: Timestamp },
    /// PRETALX-7/8: a schedule slot created or changed by a sync.
    SlotSynced { slot: Slot, at: Timestamp },
    /// PRETALX-9: a slot the last schedule sync did not touch.
    SlotRemoved {
        start: Timestamp,
        room: Option<i64>,
        at: Timestamp,
    },
    /// PRETALX-6: the activity created for a submission type (its upsert key).
    ActivityLinked {
        submission_type: String,
        slug: String,
    },
    /// PRETALX-17: the organizers' overrides of a talk (replacing earlier ones).
    TalkOverridden {
        code: String,
        overrides: TalkOverride,
        at: Timestamp,
    },
    /// PRETALX-18: the organizers' overrides of a speaker; `linked` is the
    /// account the override's e-mail linked the speaker to, if it did.
    SpeakerOverridden {
        code: String,
        overrides: SpeakerOverride,
        #[serde(default)]
        linked: Option<Uuid>,
        at: Timestamp,
    },
    /// PRETALX-18: the organizers' overrides of a room.
    RoomOverridden {
        room: i64,
        overrides: RoomOverride,
        at: Timestamp,
    },
    /// PRETALX-13/14: an organizer set the defaults of a submission type
    /// (replacing earlier ones).
    TypeDefaultSet { default: TypeDefault, at: Timestamp },
    /// An organizer removed the defaults of a submission type.
    TypeDefaultRemoved {
        submission_type: String,
        at: Timestamp,
    },
    /// PRETALX-13: the talks (codes) the type defaults changed, recorded after
    /// their `TalkSynced` facts; only when there are any.
    TypeDefaultsApplied { talks: Vec<String>, at: Timestamp },
}

impl cqrs_es::DomainEvent for ProgramEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ProgramOpened { .. } => "ProgramOpened",
            Self::RoomSynced { .. } => "RoomSynced",
            Self::SpeakerSynced { .. } => "SpeakerSynced",
            Self::TalkSynced { .. } => "TalkSynced",
            Self::SlotSynced { .. } => "SlotSynced",
            Self::SlotRemoved { .. } => "SlotRemoved",
            Self::TalkOverridden { .. } => "TalkOverridden",
            Self::SpeakerOverridden { .. } => "SpeakerOverridden",
            Self::RoomOverridden { .. } => "RoomOverridden",
            Self::ActivityLinked { .. } => "ActivityLinked",
            Self::TypeDefaultSet { .. } => "TypeDefaultSet",
            Self::TypeDefaultRemoved { .. } => "TypeDefaultRemoved",
            Self::TypeDefaultsApplied { .. } => "TypeDefaultsApplied",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
