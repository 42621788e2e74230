//! A user account: global across years (MY-9), with its password hash and the
//! global admin flag. Per-conference roles live on the Conference aggregate.
//!
//! Sessions: a bearer token names its user, the user's session epoch when it was
//! issued, and its own id. The user refuses a token of another epoch (every
//! session revoked) or one signed out by id.

mod commands;
mod errors;
mod events;
mod sealed;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};

pub use commands::UserCommand;
pub use errors::UserError;
pub use events::UserEvent;
pub use sealed::{Sealed, SealedBilling, SealedIdentity};

use crate::{DomainServices, Timestamp};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct User {
    created: bool,
    email: String,
    name: String,
    password_hash: String,
    /// E-mail and name as sealed by the service (accounts registered since
    /// personal data is encrypted; `email` and `name` are then empty).
    #[serde(default)]
    sealed: Option<SealedIdentity>,
    is_admin: bool,
    /// Bumped by each `SessionsRevoked`; tokens carry the epoch they were issued in.
    #[serde(default)]
    session_epoch: u32,
    /// Signed-out token ids with their expiry (forgotten once expired).
    #[serde(default)]
    signed_out: BTreeMap<String, Timestamp>,
    /// Outstanding password reset tokens (by hash) with their expiry.
    #[serde(default)]
    reset_tokens: BTreeMap<String, Timestamp>,
    /// Reset tokens spent by a reset (by hash), to tell "used" from "unknown".
    #[serde(default)]
    spent_reset_tokens: BTreeSet<String>,
}

impl User {
    /// Trimmed and lowercased. Empty when the e-mail is sealed ([`User::sealed`]).
    pub fn email(&self) -> &str {
        &self.email
    }

    /// Empty when the name is sealed ([`User::sealed`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sealed e-mail and name; None for accounts registered in plain.
    pub fn sealed(&self) -> Option<&SealedIdentity> {
        self.sealed.as_ref()
    }

    pub fn password_hash(&self) -> &str {
        &self.password_hash
    }

    pub fn is_admin(&self) -> bool {
        self.is_admin
    }

    pub fn exists(&self) -> bool {
        self.created
    }

    /// The epoch new tokens are issued in.
    pub fn session_epoch(&self) -> u32 {
        self.session_epoch
    }

    /// Whether a token of `epoch` with id `token` still speaks for this user
    /// (its signature and expiry are checked by whoever verified it).
    pub fn accepts_session(&self, epoch: u32, token: &str) -> bool {
        self.created && epoch == self.session_epoch && !self.signed_out.contains_key(token)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(&self, cmd: UserCommand, now: Timestamp) -> Result<Vec<UserEvent>, UserError> {
        use UserCommand::*;
        use UserEvent::*;
        if !self.created {
            return match cmd {
                Register {
                    email,
                    name,
                    password_hash,
                    sealed,
                } => {
                    let email = normalize_email(&email).ok_or(UserError::InvalidEmail)?;
                    let name = name.trim();
                    if name.is_empty() {
                        return Err(UserError::BlankName);
                    }
                    // Sealed: the plain values are checked here but never stored.
                    let (email, name) = match &sealed {
                        Some(_) => (String::new(), String::new()),
                        None => (email, name.to_string()),
                    };
                    Ok(vec![UserRegistered {
                        email,
                        name,
                        password_hash,
                        at: now,
                        sealed_email: sealed.as_ref().map(|s| s.email.clone()),
                        sealed_name: sealed.as_ref().map(|s| s.name.clone()),
                        email_hash: sealed.map(|s| s.email_hash),
                    }])
                }
                _ => Err(UserError::NotFound),
            };
        }
        Ok(match cmd {
            Register { .. } => return Err(UserError::EmailTaken),
            GrantAdmin if self.is_admin => vec![],
            GrantAdmin => vec![AdminGranted { at: now }],
            RevokeAdmin if !self.is_admin => vec![],
            RevokeAdmin => vec![AdminRevoked { at: now }],
            ChangePassword { password_hash } if password_hash == self.password_hash => vec![],
            ChangePassword { password_hash } => vec![PasswordChanged {
                password_hash,
                at: now,
            }],
            SignOut { token, until } if until <= now || self.signed_out.contains_key(&token) => {
                vec![]
            }
            SignOut { token, until } => vec![SignedOut {
                token,
                until,
                at: now,
            }],
            RevokeSessions => vec![SessionsRevoked {
                epoch: self.session_epoch.wrapping_add(1),
                at: now,
            }],
            RequestPasswordReset {
                request,
                token_hash,
                expires_at,
            } => vec![PasswordResetRequested {
                request,
                token_hash,
                expires_at,
                at: now,
            }],
            ResetPassword {
                token_hash,
                password_hash,
            } => {
                if self.spent_reset_tokens.contains(&token_hash) {
                    return Err(UserError::ResetTokenUsed);
                }
                let expires_at = self
                    .reset_tokens
                    .get(&token_hash)
                    .ok_or(UserError::ResetTokenInvalid)?;
                if *expires_at <= now {
                    return Err(UserError::ResetTokenExpired);
                }
                // RESET-5: a reset ends every session, the resetter's included.
                vec![
                    PasswordResetCompleted {
                        token_hash,
                        password_hash,
                        at: now,
                    },
                    SessionsRevoked {
                        epoch: self.session_epoch.wrapping_add(1),
                        at: now,
                    },
                ]
            }
        })
    }

    fn evolve(&mut self, event: UserEvent) {
        use UserEvent::*;
        match event {
            UserRegistered {
                email,
                name,
                password_hash,
                sealed_email,
                sealed_name,
                email_hash,
                ..
            } => {
                self.created = true;
                self.email = email;
                self.name = name;
                self.password_hash = password_hash;
                self.sealed = match (sealed_email, sealed_name, email_hash) {
                    (Some(email), Some(name), Some(email_hash)) => Some(SealedIdentity {
                        email,
                        name,
                        email_hash,
                    }),
                    _ => None,
                };
            }
            AdminGranted { .. } => self.is_admin = true,
            AdminRevoked { .. } => self.is_admin = false,
            PasswordChanged { password_hash, .. } => self.password_hash = password_hash,
            SignedOut { token, until, at } => {
                // Expired tokens are refused anyway: keep only the live ones.
                self.signed_out.retain(|_, expiry| *expiry > at);
                self.signed_out.insert(token, until);
            }
            SessionsRevoked { epoch, .. } => {
                self.session_epoch = epoch;
                // Every token of the old epoch is refused by its epoch alone.
                self.signed_out.clear();
            }
            PasswordResetRequested {
                token_hash,
                expires_at,
                at,
                ..
            } => {
                self.reset_tokens.retain(|_, expiry| *expiry > at);
                self.reset_tokens.insert(token_hash, expires_at);
            }
            PasswordResetCompleted {
                token_hash,
                password_hash,
                ..
            } => {
                self.password_hash = password_hash;
                // Every outstanding token is spent: a reset link works once.
                self.spent_reset_tokens
                    .extend(std::mem::take(&mut self.reset_tokens).into_keys());
                self.spent_reset_tokens.insert(token_hash);
            }
        }
    }
}

/// The email trimmed and lowercased, when it has exactly one '@' with non-empty
/// parts on both sides and no whitespace; otherwise None.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim();
    let (local, domain) = email.split_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || email.chars().any(char::is_whitespace)
    {
        return None;
    }
    Some(email.to_lowercase())
}

impl Aggregate for User {
    const TYPE: &'static str = "user";
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}
