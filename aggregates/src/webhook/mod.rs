//! An outgoing webhook endpoint of one conference (WH-*): where events are
//! delivered, which kinds, and the secrets that sign them. Secrets are generated
//! by the service and enter events only sealed (under the endpoint's own data key),
//! so deleting an endpoint can shred them.
//!
//! A redelivery request is a fact on the endpoint too ([`WebhookEvent::WebhookReplayRequested`]):
//! the delivery worker meets it in the log and redelivers the range once, even
//! across crashes.

mod kinds;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::user::Sealed;
use crate::{DomainServices, Timestamp};

pub use kinds::{KINDS, is_known_kind};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum WebhookCommand {
    /// WH-1..3: the URL must be HTTPS (plain HTTP only to the local host when
    /// `allow_insecure_localhost`); kinds non-empty and all published.
    Register {
        conference_id: Uuid,
        url: String,
        kinds: Vec<String>,
        description: String,
        secret: Sealed,
        allow_insecure_localhost: bool,
    },
    /// WH-5: a new secret; the previous one keeps signing until `grace_until`.
    RotateSecret {
        secret: Sealed,
        grace_until: Timestamp,
    },
    /// WH-6: already disabled = no-op.
    Disable,
    /// WH-6: already enabled = no-op.
    Enable,
    /// WH-7: deleted again = no-op.
    Delete,
    /// WH-12: redeliver every matching event after `from_position` (>= 0).
    RequestReplay { from_position: i64 },
}

/// Facts about one endpoint. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WebhookEvent {
    WebhookEndpointRegistered {
        conference_id: Uuid,
        url: String,
        kinds: Vec<String>,
        description: String,
        secret: Sealed,
        at: Timestamp,
    },
    WebhookSecretRotated {
        secret: Sealed,
        /// The previous secret signs beside the new one until then.
        previous_valid_until: Timestamp,
        at: Timestamp,
    },
    WebhookEndpointDisabled {
        at: Timestamp,
    },
    WebhookEndpointEnabled {
        at: Timestamp,
    },
    WebhookEndpointDeleted {
        at: Timestamp,
    },
    WebhookReplayRequested {
        from_position: i64,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for WebhookEvent {
    fn event_type(&self) -> String {
        match self {
            Self::WebhookEndpointRegistered { .. } => "WebhookEndpointRegistered",
            Self::WebhookSecretRotated { .. } => "WebhookSecretRotated",
            Self::WebhookEndpointDisabled { .. } => "WebhookEndpointDisabled",
            Self::WebhookEndpointEnabled { .. } => "WebhookEndpointEnabled",
            Self::WebhookEndpointDeleted { .. } => "WebhookEndpointDeleted",
            Self::WebhookReplayRequested { .. } => "WebhookReplayRequested",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

/// Refused webhook commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WebhookError {
    #[error("Webhook endpoint not found.")]
    NotFound,
    #[error("An endpoint with this id already exists.")]
    AlreadyExists,
    #[error("The URL must be an absolute https:// URL with a host.")]
    InvalidUrl, // WH-1
    #[error("Unknown event kind '{0}'.")]
    UnknownKind(String), // WH-2
    #[error("Choose at least one event kind.")]
    NoKinds, // WH-2
    #[error("A description is at most 200 characters.")]
    DescriptionTooLong,
    #[error("A replay starts at a log position of 0 or more.")]
    InvalidPosition, // WH-12
    #[error("A replay needs an enabled endpoint.")]
    Disabled, // WH-12
}

impl WebhookError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "webhook.not_found",
            Self::AlreadyExists => "webhook.already_exists",
            Self::InvalidUrl => "webhook.invalid_url",
            Self::UnknownKind(_) => "webhook.unknown_kind",
            Self::NoKinds => "webhook.no_kinds",
            Self::DescriptionTooLong => "webhook.description_too_long",
            Self::InvalidPosition => "webhook.invalid_position",
            Self::Disabled => "webhook.disabled",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    registered: bool,
    deleted: bool,
    enabled: bool,
}

impl WebhookEndpoint {
    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: WebhookCommand,
        now: Timestamp,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        use WebhookCommand::*;
        use WebhookEvent::*;
        if !self.registered {
            let Register {
                conference_id,
                url,
                kinds,
                description,
                secret,
                allow_insecure_localhost,
            } = cmd
            else {
                return Err(WebhookError::NotFound);
            };
            let url = url.trim().to_string();
            if !url_allowed(&url, allow_insecure_localhost) {
                return Err(WebhookError::InvalidUrl);
            }
            let kinds = checked_kinds(kinds)?;
            if description.chars().count() > 200 {
                return Err(WebhookError::DescriptionTooLong);
            }
            return Ok(vec![WebhookEndpointRegistered {
                conference_id,
                url,
                kinds,
                description,
                secret,
                at: now,
            }]);
        }
        if self.deleted {
            return match cmd {
                Delete => Ok(vec![]), // WH-7: no-op
                _ => Err(WebhookError::NotFound),
            };
        }
        Ok(match cmd {
            // Ids are generated by the service: a second registration is a bug or a replay.
            Register { .. } => return Err(WebhookError::AlreadyExists),
            RotateSecret {
                secret,
                grace_until,
            } => vec![WebhookSecretRotated {
                secret,
                previous_valid_until: grace_until,
                at: now,
            }],
            Disable if !self.enabled => vec![],
            Disable => vec![WebhookEndpointDisabled { at: now }],
            Enable if self.enabled => vec![],
            Enable => vec![WebhookEndpointEnabled { at: now }],
            Delete => vec![WebhookEndpointDeleted { at: now }],
            RequestReplay { from_position } if from_position < 0 => {
                return Err(WebhookError::InvalidPosition);
            }
            RequestReplay { .. } if !self.enabled => return Err(WebhookError::Disabled),
            RequestReplay { from_position } => vec![WebhookReplayRequested {
                from_position,
                at: now,
            }],
        })
    }

    fn evolve(&mut self, event: WebhookEvent) {
        match event {
            WebhookEvent::WebhookEndpointRegistered { .. } => {
                self.registered = true;
                self.enabled = true;
            }
            WebhookEvent::WebhookEndpointDisabled { .. } => self.enabled = false,
            WebhookEvent::WebhookEndpointEnabled { .. } => self.enabled = true,
            WebhookEvent::WebhookEndpointDeleted { .. } => self.deleted = true,
            WebhookEvent::WebhookSecretRotated { .. }
            | WebhookEvent::WebhookReplayRequested { .. } => {}
        }
    }
}

/// WH-1: `https://host…`; `http://` only to 127.0.0.1, [::1] or localhost, and only
/// when the service allows it (tests, local development).
pub fn url_allowed(url: &str, allow_insecure_localhost: bool) -> bool {
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let (rest, secure) = if let Some(rest) = url.strip_prefix("https://") {
        (rest, true)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (rest, false)
    } else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return false;
    }
    secure || (allow_insecure_localhost && matches!(host, "127.0.0.1" | "::1" | "localhost"))
}

/// WH-2: at least one kind, each published; sorted, without duplicates.
fn checked_kinds(mut kinds: Vec<String>) -> Result<Vec<String>, WebhookError> {
    if kinds.is_empty() {
        return Err(WebhookError::NoKinds);
    }
    if let Some(unknown) = kinds.iter().find(|k| !is_known_kind(k)) {
        return Err(WebhookError::UnknownKind(unknown.clone()));
    }
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

impl Aggregate for WebhookEndpoint {
    const TYPE: &'static str = "webhook_endpoint";
    type Command = WebhookCommand;
    type Event = WebhookEvent;
    type Error = WebhookError;
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
