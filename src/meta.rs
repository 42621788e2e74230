//! Who asked, and under which request: what every command's events carry.
//! Gathered at the edge (the HTTP extractor, the CLI) and handed
//! down to flows and commands.

use tessera_projections::EventMeta;
use uuid::Uuid;

/// Who asked, and under which request: becomes the events' metadata.
#[derive(Debug, Clone)]
pub struct CommandMeta {
    pub actor: Option<Uuid>,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

impl CommandMeta {
    pub fn system() -> Self {
        Self {
            actor: None,
            request_id: None,
            idempotency_key: None,
        }
    }

    pub fn for_conf(&self, conference: Option<Uuid>) -> EventMeta {
        EventMeta {
            conference_id: conference,
            actor: self
                .actor
                .map(|a| a.to_string())
                .unwrap_or_else(|| "system".to_string()),
            request_id: self.request_id.clone(),
            causation_id: None,
            idempotency_key: self.idempotency_key.clone(),
            recorded_at: None,
        }
    }

    /// The id of something a request appends (a payment, a refund, a PO entry):
    /// derived from the caller's Idempotency-Key when there is one, so a retry of
    /// the same request — even after a crash, or after a 5xx made the idempotency
    /// layer forget it — names the same thing and the aggregate records it once;
    /// random otherwise.
    pub fn scoped_id(&self, kind: &str, subject: &str) -> Uuid {
        match (&self.actor, &self.idempotency_key) {
            (Some(actor), Some(key)) => {
                tessera_aggregates::natural_id(kind, &format!("{subject}/{actor}/{key}"))
            }
            (None, Some(key)) => tessera_aggregates::natural_id(kind, &format!("{subject}/{key}")),
            _ => Uuid::new_v4(),
        }
    }
}
