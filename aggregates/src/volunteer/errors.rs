use super::ApplicationStatus;

/// Refused volunteer commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VolunteerError {
    #[error("No volunteer application for this conference.")]
    NotFound,
    #[error("Volunteer applications are closed for this conference.")]
    ApplicationsClosed, // volunteer_application_open (MY-3)
    #[error("You already applied to volunteer for this conference.")]
    AlreadyApplied, // MY-6
    #[error("An application cannot go from {} to {}.", from.as_str(), to.as_str())]
    InvalidTransition {
        from: ApplicationStatus,
        to: ApplicationStatus,
    },
    #[error("Approving a volunteer needs at least one team.")]
    NoTeam,
    #[error("Approving a volunteer needs at least one role.")]
    NoRole,
    #[error("\"{choice}\" is not an earlier year of this series nor \"first_time\" alone.")]
    InvalidPreviousEvent { choice: String }, // MY-13
    #[error("A field of the form is too long.")]
    FieldTooLong,
    #[error("decision must be approve, waitlist or reject.")]
    InvalidDecision,
    #[error("{0}")]
    NoEarlierYear(&'static str), // MY-9
}

impl VolunteerError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidDecision => "vol.invalid_decision",
            Self::NoEarlierYear(_) => "year.no_earlier_year",
            Self::NotFound => "vol.not_found",
            Self::ApplicationsClosed => "vol.applications_closed",
            Self::AlreadyApplied => "vol.already_applied",
            Self::InvalidTransition { .. } => "vol.invalid_transition",
            Self::NoTeam => "vol.no_team",
            Self::NoRole => "vol.no_role",
            Self::InvalidPreviousEvent { .. } => "vol.invalid_previous_event",
            Self::FieldTooLong => "vol.field_too_long",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
