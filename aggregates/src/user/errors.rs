/// Refused user commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UserError {
    #[error("User not found.")]
    NotFound,
    #[error("A user with this email address already exists.")]
    EmailTaken,
    #[error("Enter a valid email address.")]
    InvalidEmail,
    #[error("Name must not be blank.")]
    BlankName,
}

impl UserError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "user.not_found",
            Self::EmailTaken => "user.email_taken",
            Self::InvalidEmail => "user.invalid_email",
            Self::BlankName => "user.blank_name",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
