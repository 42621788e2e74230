/// Refused program commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgramError {
    /// PRETALX-10/11 (AMB-8 decided: strictly greater than the maximum fraction).
    #[error(
        "Aborting schedule sync: would remove {stale}/{existing} existing slots ({percent}%). Run again with --allow-large-schedule-drop if this is intended."
    )]
    ScheduleDropTooLarge {
        stale: usize,
        existing: usize,
        percent: String,
    },
    #[error("Talk not found.")]
    TalkNotFound,
    #[error("Speaker not found.")]
    SpeakerNotFound,
    #[error("Room not found.")]
    RoomNotFound,
    /// PRETALX-19.
    #[error("The selected room does not belong to this conference.")]
    RoomNotInConference,
    /// PRETALX-14.
    #[error("A type default needs a date when a time is set.")]
    TypeDefaultWithoutDate,
    /// PRETALX-14.
    #[error("A type default needs both a start and an end time, or neither.")]
    TypeDefaultHalfTimes,
    #[error("A type default needs a submission type.")]
    TypeDefaultWithoutType,
    #[error("Type default not found.")]
    TypeDefaultNotFound,
}

impl ProgramError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ScheduleDropTooLarge { .. } => "program.schedule_drop_too_large",
            Self::TalkNotFound => "program.talk_not_found",
            Self::SpeakerNotFound => "program.speaker_not_found",
            Self::RoomNotFound => "program.room_not_found",
            Self::RoomNotInConference => "program.room_not_in_conference",
            Self::TypeDefaultWithoutDate => "program.type_default_date_required",
            Self::TypeDefaultHalfTimes => "program.type_default_times_incomplete",
            Self::TypeDefaultWithoutType => "program.type_default_type_required",
            Self::TypeDefaultNotFound => "program.type_default_not_found",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::TalkNotFound
                | Self::SpeakerNotFound
                | Self::RoomNotFound
                | Self::TypeDefaultNotFound
        )
    }
}
