//! Every user account with its global admin flag and its roles per conference.
//! Password hashes never reach this read model.
//!
//! Keys: `user:{user_id}`.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{self, ConferenceEvent, Role};
use tessera_aggregates::user::{Sealed, UserEvent};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct UserDirectory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: Uuid,
    /// Lowercased. Empty when sealed: the folds stay pure, so the sealed values
    /// are kept as they are and opened at the read edge (src/personal).
    pub email: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_email: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_name: Option<Sealed>,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    /// Roles by conference id.
    pub roles: BTreeMap<Uuid, Vec<Role>>,
}

impl UserRow {
    pub fn roles_in(&self, conference_id: &Uuid) -> &[Role] {
        self.roles
            .get(conference_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

pub fn user_key(id: Uuid) -> String {
    format!("user:{id}")
}

pub const USER_PREFIX: &str = "user:";

impl UserDirectory {
    fn user(rows: &mut Rows<UserRow>, id: Uuid) -> Option<&mut UserRow> {
        rows.get_mut(&user_key(id))
    }
}

impl Projection for UserDirectory {
    const NAME: &'static str = "user_directory";
    const VERSION: u32 = 1;
    type Row = UserRow;

    fn apply(rows: &mut Rows<UserRow>, env: &Envelope) {
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        match &env.event {
            DomainEvent::User(event) => match event {
                UserEvent::UserRegistered {
                    email,
                    name,
                    at,
                    sealed_email,
                    sealed_name,
                    ..
                } => rows.insert(
                    user_key(id),
                    UserRow {
                        id,
                        email: email.clone(),
                        name: name.clone(),
                        sealed_email: sealed_email.clone(),
                        sealed_name: sealed_name.clone(),
                        is_admin: false,
                        created_at: *at,
                        roles: BTreeMap::new(),
                    },
                ),
                UserEvent::AdminGranted { .. } => {
                    if let Some(u) = Self::user(rows, id) {
                        u.is_admin = true;
                    }
                }
                UserEvent::AdminRevoked { .. } => {
                    if let Some(u) = Self::user(rows, id) {
                        u.is_admin = false;
                    }
                }
                UserEvent::PasswordChanged { .. }
                | UserEvent::SignedOut { .. }
                | UserEvent::SessionsRevoked { .. }
                | UserEvent::PasswordResetRequested { .. }
                | UserEvent::PasswordResetCompleted { .. } => {}
            },
            // The conference id is the conference event's aggregate id.
            DomainEvent::Conference(ConferenceEvent::RoleGranted { user, role, .. }) => {
                if let Some(u) = Self::user(rows, *user) {
                    conference::grant_role(&mut u.roles, id, *role);
                }
            }
            DomainEvent::Conference(ConferenceEvent::RoleRevoked { user, role, .. }) => {
                if let Some(u) = Self::user(rows, *user) {
                    conference::revoke_role(&mut u.roles, id, *role);
                }
            }
            _ => {}
        }
    }
}
