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
    /// RESET-2: no such reset token for this account.
    #[error("This password reset link is not valid.")]
    ResetTokenInvalid,
    /// RESET-3: the token is older than an hour.
    #[error("This password reset link has expired. Ask for a new one.")]
    ResetTokenExpired,
    /// RESET-4: the token was used already.
    #[error("This password reset link was already used.")]
    ResetTokenUsed,
    #[error("The password must have at least {0} characters.")]
    WeakPassword(usize),
    #[error("Invalid email or password.")]
    InvalidCredentials,
}

impl UserError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::WeakPassword(_) => "auth.weak_password",
            Self::InvalidCredentials => "auth.invalid_credentials",
            Self::NotFound => "user.not_found",
            Self::EmailTaken => "user.email_taken",
            Self::InvalidEmail => "user.invalid_email",
            Self::BlankName => "user.blank_name",
            Self::ResetTokenInvalid => "auth.reset_token_invalid",
            Self::ResetTokenExpired => "auth.reset_token_expired",
            Self::ResetTokenUsed => "auth.reset_token_used",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
