use uuid::Uuid;

use super::{
    DeleteGuard, Room, RoomOverride, SlotData, SpeakerData, SpeakerOverride, TalkData,
    TalkOverride, TypeDefault,
};

/// One step of a Pretalx sync is one command: its events are appended together
/// or not at all (PRETALX-11). A whole run is [`ProgramCommand::SyncRun`].
#[derive(Debug, Clone, PartialEq)]
pub enum ProgramCommand {
    /// A whole sync run as one unit: the chosen steps in order (AMB-11: rooms →
    /// speakers → talks → schedule), each deciding on the state the earlier ones
    /// left; every event of the run is appended together, or none when a step
    /// refuses (an aborted schedule sync undoes the run's rooms and talks too).
    SyncRun {
        conference_id: Uuid,
        rooms: Option<Vec<Room>>,
        speakers: Option<Vec<(SpeakerData, Option<Uuid>)>>,
        talks: Option<Vec<TalkData>>,
        schedule: Option<(Vec<SlotData>, DeleteGuard)>,
        /// PRETALX-15: the last step of a full run applies the type defaults in
        /// this timezone (the conference's); None skips it.
        type_defaults: Option<String>,
    },
    /// PRETALX-2: rooms without an id never reach here (PRETALX-21).
    SyncRooms {
        conference_id: Uuid,
        rooms: Vec<Room>,
    },
    /// PRETALX-3: each speaker with the user whose e-mail matches, if any.
    SyncSpeakers {
        conference_id: Uuid,
        speakers: Vec<(SpeakerData, Option<Uuid>)>,
    },
    /// PRETALX-4.
    SyncTalks {
        conference_id: Uuid,
        talks: Vec<TalkData>,
    },
    /// PRETALX-7…12.
    SyncSchedule {
        conference_id: Uuid,
        slots: Vec<SlotData>,
        guard: DeleteGuard,
    },
    /// PRETALX-13/14: set the defaults of a submission type.
    SetTypeDefault {
        conference_id: Uuid,
        default: TypeDefault,
    },
    RemoveTypeDefault {
        submission_type: String,
    },
    /// PRETALX-13: apply the type defaults to the talks, times in `timezone`
    /// (the conference's; invalid reads as UTC).
    ApplyTypeDefaults {
        conference_id: Uuid,
        timezone: String,
    },
    /// PRETALX-6: the activity created for a submission type.
    LinkActivity {
        submission_type: String,
        slug: String,
    },
    /// PRETALX-17.
    OverrideTalk {
        code: String,
        overrides: TalkOverride,
    },
    /// PRETALX-18: `user` is the account the override's e-mail names, if any
    /// (linked when the speaker has none).
    OverrideSpeaker {
        code: String,
        overrides: SpeakerOverride,
        user: Option<Uuid>,
    },
    /// PRETALX-18.
    OverrideRoom {
        room: i64,
        overrides: RoomOverride,
    },
}
