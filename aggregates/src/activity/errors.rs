/// Refused activity commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActivityError {
    #[error("Activity not found.")]
    NotFound,
    #[error("An activity with this slug already exists.")]
    AlreadyExists,
    #[error("This activity is not active.")]
    NotActive, // ACT-6
    #[error("Activity name must not be blank.")]
    BlankName,
    #[error("You do not have an active signup for this activity.")]
    NoActiveSignup, // ACT-8
    #[error("This signup is not on the waitlist.")]
    NotWaitlisted, // ACT-10
    #[error("Only organizers of this activity may promote signups.")]
    NotAnOrganizer, // ACT-10
    #[error("A slug may contain only lowercase letters, digits and hyphens.")]
    InvalidSlug,
}

impl ActivityError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidSlug => "act.invalid_slug",
            Self::NotFound => "act.not_found",
            Self::AlreadyExists => "act.already_exists",
            Self::NotActive => "act.not_active",
            Self::BlankName => "act.blank_name",
            Self::NoActiveSignup => "act.no_active_signup",
            Self::NotWaitlisted => "act.not_waitlisted",
            Self::NotAnOrganizer => "act.not_an_organizer",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
