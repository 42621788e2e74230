/// Refused sponsor commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SponsorError {
    #[error("Sponsor not found.")]
    NotFound,
    #[error("A sponsor with this slug already exists.")]
    AlreadyExists,
    #[error("Sponsor name must not be blank.")]
    BlankName, // SPONSOR-2
    #[error("Sponsor level must belong to the same conference as the sponsor.")]
    LevelOfAnotherConference, // SPONSOR-3
    #[error("Benefit name must not be blank.")]
    BlankBenefitName, // SPONSOR-9
    #[error("Benefit not found.")]
    BenefitNotFound,
    #[error("A slug may contain only lowercase letters, digits and hyphens.")]
    InvalidSlug,
    #[error("A sponsor's slug cannot be changed.")]
    SlugFixed,
}

impl SponsorError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidSlug => "sponsor.invalid_slug",
            Self::SlugFixed => "sponsor.slug_fixed",
            Self::NotFound => "sponsor.not_found",
            Self::AlreadyExists => "sponsor.already_exists",
            Self::BlankName => "sponsor.blank_name",
            Self::LevelOfAnotherConference => "sponsor.level_of_another_conference",
            Self::BlankBenefitName => "sponsor.blank_benefit_name",
            Self::BenefitNotFound => "sponsor.benefit_not_found",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound | Self::BenefitNotFound)
    }
}
