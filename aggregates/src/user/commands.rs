use serde::Deserialize;

/// Commands on a user account. The stream id is
/// `natural_id("user", &email.to_lowercase())`, computed by the caller.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum UserCommand {
    /// Sign up. Refused when the account exists, even with identical data: signup
    /// must report duplicates.
    Register {
        email: String,
        name: String,
        password_hash: String,
    },
    /// A no-op when the user is already an admin.
    GrantAdmin,
    /// A no-op when the user is not an admin.
    RevokeAdmin,
    /// A no-op when the hash is unchanged.
    ChangePassword { password_hash: String },
}
