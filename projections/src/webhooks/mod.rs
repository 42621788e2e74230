//! Outgoing webhook endpoints per conference (WH-*): what the organizer pages
//! list and what the delivery worker reads. Secrets stay sealed here; the HTTP
//! answers never carry them.
//!
//! Keys: `endpoint:{conference id}:{endpoint id}`. A deleted endpoint's row goes.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::user::Sealed;
use tessera_aggregates::webhook::WebhookEvent;
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Webhooks;

pub const NAME: &str = "webhooks";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub url: String,
    pub kinds: Vec<String>,
    pub description: String,
    pub enabled: bool,
    /// The current signing secret (sealed under the endpoint's key).
    pub secret: Sealed,
    /// WH-5: the previous secret and until when it still signs.
    pub previous_secret: Option<Sealed>,
    pub previous_valid_until: Option<DateTime<Utc>>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Log position of the registration: events at or before it are not
    /// delivered live (a replay can ask for them).
    pub position: i64,
}

pub fn endpoint_key(conference_id: Uuid, id: Uuid) -> String {
    format!("endpoint:{conference_id}:{id}")
}

/// The key prefix of every endpoint of one conference.
pub fn conference_prefix(conference_id: Uuid) -> String {
    format!("endpoint:{conference_id}:")
}

impl Projection for Webhooks {
    const NAME: &'static str = NAME;
    const VERSION: u32 = 1;
    type Row = EndpointRow;

    fn apply(rows: &mut Rows<EndpointRow>, env: &Envelope) {
        let DomainEvent::Webhook(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        if let WebhookEvent::WebhookEndpointRegistered {
            conference_id,
            url,
            kinds,
            description,
            secret,
            at,
        } = event
        {
            rows.insert(
                endpoint_key(*conference_id, id),
                EndpointRow {
                    id,
                    conference_id: *conference_id,
                    url: url.clone(),
                    kinds: kinds.clone(),
                    description: description.clone(),
                    enabled: true,
                    secret: secret.clone(),
                    previous_secret: None,
                    previous_valid_until: None,
                    secret_rotated_at: None,
                    created_at: *at,
                    updated_at: *at,
                    position: env.position,
                },
            );
            return;
        }
        // Later events carry no conference: it is the event's metadata.
        let Some(conference_id) = env.meta.conference_id else {
            return;
        };
        let key = endpoint_key(conference_id, id);
        if let WebhookEvent::WebhookEndpointDeleted { .. } = event {
            rows.remove(&key);
            return;
        }
        let Some(row) = rows.get_mut(&key) else {
            return;
        };
        match event {
            WebhookEvent::WebhookSecretRotated {
                secret,
                previous_valid_until,
                at,
            } => {
                row.previous_secret = Some(std::mem::replace(&mut row.secret, secret.clone()));
                row.previous_valid_until = Some(*previous_valid_until);
                row.secret_rotated_at = Some(*at);
                row.updated_at = *at;
            }
            WebhookEvent::WebhookEndpointDisabled { at } => {
                row.enabled = false;
                row.updated_at = *at;
            }
            WebhookEvent::WebhookEndpointEnabled { at } => {
                row.enabled = true;
                row.updated_at = *at;
            }
            _ => {}
        }
    }
}
