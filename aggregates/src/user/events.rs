use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Sealed;
use crate::Timestamp;

/// Facts about one user account. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UserEvent {
    /// `email` is trimmed and lowercased. Since personal data is encrypted,
    /// `email` and `name` are empty and the values are in `sealed_email` and
    /// `sealed_name` (under the user's key), with `email_hash` the keyed hash
    /// of the e-mail; events written before carry them in plain.
    UserRegistered {
        email: String,
        name: String,
        password_hash: String,
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_email: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_name: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email_hash: Option<String>,
    },
    AdminGranted {
        at: Timestamp,
    },
    AdminRevoked {
        at: Timestamp,
    },
    PasswordChanged {
        password_hash: String,
        at: Timestamp,
    },
    /// One bearer token, named by its id, was signed out. `until` is when it
    /// would have expired: past then it need not be remembered.
    SignedOut {
        token: String,
        until: Timestamp,
        at: Timestamp,
    },
    /// Every session was ended: only tokens of session epoch `epoch` (issued
    /// after this) are accepted.
    SessionsRevoked {
        epoch: u32,
        at: Timestamp,
    },
    /// RESET-1: only the token's hash is recorded (SHA-256, hex).
    PasswordResetRequested {
        request: Uuid,
        token_hash: String,
        expires_at: Timestamp,
        at: Timestamp,
    },
    /// RESET-2: the token `token_hash` was used (it and every other outstanding
    /// reset token are spent) and the password set to `password_hash`.
    PasswordResetCompleted {
        token_hash: String,
        password_hash: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for UserEvent {
    fn event_type(&self) -> String {
        match self {
            Self::UserRegistered { .. } => "UserRegistered",
            Self::AdminGranted { .. } => "AdminGranted",
            Self::AdminRevoked { .. } => "AdminRevoked",
            Self::PasswordChanged { .. } => "PasswordChanged",
            Self::SignedOut { .. } => "SignedOut",
            Self::SessionsRevoked { .. } => "SessionsRevoked",
            Self::PasswordResetRequested { .. } => "PasswordResetRequested",
            Self::PasswordResetCompleted { .. } => "PasswordResetCompleted",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
