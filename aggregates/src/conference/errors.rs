/// Refused conference commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConferenceError {
    #[error("Conference not found.")]
    NotFound,
    #[error("A conference with this slug already exists.")]
    AlreadyExists, // CONF-1: slug globally unique
    #[error("Enter a valid slug: lowercase letters, digits and hyphens, at most 200 characters.")]
    InvalidSlug,
    #[error("Year must be between 1 and 9999.")]
    InvalidYear,
    #[error("Conference name must not be blank and must have at most 200 characters.")]
    InvalidName, // CONF-1
    #[error("Enter a valid time zone name.")]
    InvalidTimezone, // CONF-1
    #[error("Banner text must have at most 255 characters.")]
    BannerTooLong, // MY-3
    #[error("{field} must not be negative.")]
    NegativeAmount { field: &'static str },
    #[error("A section needs a slug and a name.")]
    InvalidSection, // CONF-9
    #[error("A new section needs a start date and an end date.")]
    SectionDatesMissing, // CONF-9
    #[error("A sponsor level needs a slug and a name.")]
    InvalidSponsorLevel,
    #[error("This user does not hold this role in this conference.")]
    RoleNotHeld,
    #[error("Unknown role: '{role}'")]
    UnknownRole { role: String },
    #[error("Historical money figures need at most 2 decimal places.")]
    InvalidFigures, // MY-26
    #[error("These statistics are frozen already: freezing again needs a reason.")]
    RefreezeNeedsReason, // MY-19
    #[error("A reason must have at most 500 characters.")]
    ReasonTooLong,
    #[error("A stats snapshot needs a position, a document and its SHA-256.")]
    InvalidSnapshot,
    #[error("{0} must have at most 2 decimal places.")]
    TooPrecise(String),
    #[error("No user with the email '{0}'.")]
    UnknownUser(String),
}

impl ConferenceError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooPrecise(_) => "conf.invalid_amount",
            Self::InvalidTimezone => "conf.invalid_timezone",
            Self::InvalidSlug => "conf.invalid_slug",
            Self::UnknownUser(_) => "conf.unknown_user",
            Self::NotFound => "conf.not_found",
            Self::AlreadyExists => "conf.slug_taken",
            Self::InvalidYear => "conf.invalid_year",
            Self::InvalidName => "conf.invalid_name",
            Self::BannerTooLong => "conf.banner_too_long",
            Self::NegativeAmount { .. } => "conf.negative_amount",
            Self::InvalidSection => "conf.invalid_section",
            Self::SectionDatesMissing => "conf.section_dates_missing",
            Self::InvalidSponsorLevel => "conf.invalid_sponsor_level",
            Self::RoleNotHeld => "conf.role_not_held",
            Self::UnknownRole { .. } => "conf.unknown_role",
            Self::InvalidFigures => "conf.invalid_figures",
            Self::RefreezeNeedsReason => "conf.refreeze_needs_reason",
            Self::ReasonTooLong => "conf.reason_too_long",
            Self::InvalidSnapshot => "conf.invalid_snapshot",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
