use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Facts about one user account. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UserEvent {
    /// `email` is trimmed and lowercased.
    UserRegistered {
        email: String,
        name: String,
        password_hash: String,
        at: Timestamp,
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
}

impl cqrs_es::DomainEvent for UserEvent {
    fn event_type(&self) -> String {
        match self {
            Self::UserRegistered { .. } => "UserRegistered",
            Self::AdminGranted { .. } => "AdminGranted",
            Self::AdminRevoked { .. } => "AdminRevoked",
            Self::PasswordChanged { .. } => "PasswordChanged",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
