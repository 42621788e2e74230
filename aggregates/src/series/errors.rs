/// Refused series commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeriesError {
    #[error("Series not found.")]
    NotFound,
    #[error("A series with this slug already exists.")]
    AlreadyExists,
    #[error("Enter a valid slug: lowercase letters, digits and hyphens, at most 200 characters.")]
    InvalidSlug,
    #[error("Series name must not be blank and must have at most 200 characters.")]
    InvalidName,
    #[error("Year must be between 1 and 9999.")]
    InvalidYear,
    #[error("A conference for year {year} already exists in this series.")]
    YearTaken { year: i32 }, // AMB-29
    #[error("This conference is already registered in this series for year {year}.")]
    ConferenceAlreadyRegistered { year: i32 },
    #[error("This conference does not belong to this series.")]
    UnknownConference, // MY-2
}

impl SeriesError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "series.not_found",
            Self::AlreadyExists => "series.already_exists",
            Self::InvalidSlug => "series.invalid_slug",
            Self::InvalidName => "series.invalid_name",
            Self::InvalidYear => "series.invalid_year",
            Self::YearTaken { .. } => "series.year_taken",
            Self::ConferenceAlreadyRegistered { .. } => "series.conference_already_registered",
            Self::UnknownConference => "series.unknown_conference",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
