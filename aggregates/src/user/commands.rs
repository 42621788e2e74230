use serde::Deserialize;

use super::SealedIdentity;
use crate::Timestamp;

/// Commands on a user account. The stream id is
/// `natural_id("user", &email.to_lowercase())`, computed by the caller.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum UserCommand {
    /// Sign up. Refused when the account exists, even with identical data: signup
    /// must report duplicates.
    /// `sealed`: the same e-mail and name sealed by the service; then only they
    /// are recorded (the plain values are only checked).
    Register {
        email: String,
        name: String,
        password_hash: String,
        #[serde(default)]
        sealed: Option<SealedIdentity>,
    },
    /// A no-op when the user is already an admin.
    GrantAdmin,
    /// A no-op when the user is not an admin.
    RevokeAdmin,
    /// A no-op when the hash is unchanged.
    ChangePassword { password_hash: String },
    /// Signs one bearer token out (by its id): it is refused from then on. A no-op
    /// when that token is already signed out or already expired (`until` passed).
    SignOut { token: String, until: Timestamp },
    /// Ends every session: each token issued before is refused (a new session
    /// epoch). Always recorded, so each revocation is on the log.
    RevokeSessions,
    /// RESET-1: a password reset was asked for; the token (known only to the
    /// mail that carries it) is recorded by its hash and expires at `expires_at`.
    /// `request` names the request (the mail's token is derived from it).
    RequestPasswordReset {
        request: uuid::Uuid,
        token_hash: String,
        expires_at: Timestamp,
    },
    /// RESET-2…4: sets a new password with a reset token (by its hash): refused
    /// when unknown, expired or used; ends every session.
    ResetPassword {
        token_hash: String,
        password_hash: String,
    },
}
