//! Outgoing webhooks (docs/webhooks.md): a consumer of the log with its own
//! checkpoint records what each endpoint is owed, and a sender delivers it.
//!
//! - **Recording** (WH-10): for each log event of a published kind, one row per
//!   matching endpoint in `webhook_deliveries`, written before the checkpoint
//!   moves past the event (`INSERT … ON CONFLICT DO NOTHING`), so a crash repeats
//!   nothing and loses nothing. The consumer reads no further than the `webhooks`
//!   projection has folded, so it sees every endpoint registered before an event.
//! - **Sending** (WH-9..11): due rows are claimed (the next attempt moved out by the
//!   backoff first), signed, posted with a timeout, and each attempt logged. A slow
//!   or failing endpoint holds up no other: each request runs on its own task.
//! - **Replay** (WH-12): a `WebhookReplayRequested` fact at position R records the
//!   endpoint's matching events from the asked position up to R, in round R.

mod payload;
mod sender;
pub mod signing;
pub mod store;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tessera_aggregates::Clock;
use tessera_aggregates::webhook::WebhookEvent;
use tessera_projections::webhooks::{EndpointRow, NAME as VIEW};
use tessera_projections::{DomainEvent, Envelope};
use tessera_replay::storage::{self, Checkpoint, Status};
use tessera_replay::{Db, LogReader, LogWindow};

use crate::config::WebhooksConfig;
use crate::personal::PersonalData;

pub use payload::{Payload, event_id};

/// The checkpoint row of the delivery consumer in `projection_state`.
pub const NAME: &str = "webhook_deliveries";
const VERSION: u32 = 1;
const BATCH: i64 = 500;

pub struct Worker {
    db: Db,
    reader: LogReader,
    generation: i64,
    position: i64,
    sender: sender::Sender,
    config: WebhooksConfig,
}

/// Every live endpoint by id.
pub(crate) async fn endpoints(db: &Db) -> anyhow::Result<HashMap<String, EndpointRow>> {
    let rows = storage::live_rows_with_prefix(db, VIEW, "endpoint:").await?;
    let mut map = HashMap::new();
    for (_, doc) in rows {
        let row: EndpointRow = serde_json::from_str(&doc)?;
        map.insert(row.id.to_string(), row);
    }
    Ok(map)
}

/// How far the `webhooks` projection has folded the log.
async fn view_position(db: &Db) -> anyhow::Result<i64> {
    Ok(storage::generations(db)
        .await?
        .into_iter()
        .find(|g| g.name == VIEW && g.status == Status::Live)
        .map_or(0, |g| g.position))
}

fn wants(endpoint: &EndpointRow, payload: &Payload) -> bool {
    endpoint.conference_id == payload.conference_id
        && endpoint.kinds.iter().any(|k| k == payload.kind)
}

impl Worker {
    /// Reads the log through `window`, sharing pages with this process's other
    /// tailers.
    pub fn share_log(mut self, window: Arc<LogWindow>) -> Self {
        self.reader = LogReader::sharing(self.db.clone(), window);
        self
    }

    pub async fn load(
        db: Db,
        clock: Arc<dyn Clock>,
        personal: Arc<PersonalData>,
        config: WebhooksConfig,
    ) -> anyhow::Result<Self> {
        let (live, _) = storage::ensure_generations(&db, NAME, VERSION).await?;
        let sender = sender::Sender::new(db.clone(), clock, personal, config.clone())?;
        Ok(Self {
            reader: LogReader::new(db.clone()),
            db,
            generation: live.generation,
            position: live.position,
            sender,
            config,
        })
    }

    /// Records the deliveries of one batch of the log; how many events it covered.
    pub async fn record_step(&mut self) -> anyhow::Result<usize> {
        let horizon = view_position(&self.db).await?;
        if horizon <= self.position {
            return Ok(0);
        }
        let batch = self.reader.read_decoded_after(self.position, BATCH).await?;
        if batch.events.is_empty() {
            return Ok(0);
        }
        let endpoints = endpoints(&self.db).await?;
        let now = self.sender.now_ms();
        let (mut last, mut count) = (self.position, 0);
        for env in batch.events {
            if env.position > horizon {
                break;
            }
            last = env.position;
            count += 1;
            if endpoints.is_empty() {
                // Nothing to deliver to, and a replay names an endpoint.
                continue;
            }
            if let Some(payload) = payload::of(&env) {
                for endpoint in endpoints.values() {
                    // Live delivery starts after the registration (WH-8).
                    if endpoint.position < env.position && wants(endpoint, &payload) {
                        record(&self.db, endpoint, &payload, 0, now).await?;
                    }
                }
            }
            if let DomainEvent::Webhook(WebhookEvent::WebhookReplayRequested {
                from_position,
                ..
            }) = &env.event
            {
                self.record_replay(&env, *from_position, &endpoints, now)
                    .await?;
            }
        }
        if last > self.position {
            let checkpoint = Checkpoint {
                name: NAME,
                generation: self.generation,
                position: self.position,
            };
            if !storage::advance_checkpoints(&self.db, &[checkpoint], last).await? {
                // Another instance moved it: resume from the stored one (recording
                // is idempotent).
                let (live, _) = storage::ensure_generations(&self.db, NAME, VERSION).await?;
                self.generation = live.generation;
                self.position = live.position;
                return Ok(0);
            }
            self.position = last;
        }
        Ok(count)
    }

    /// WH-12: the endpoint's events from `from` (inclusive) up to the request.
    async fn record_replay(
        &self,
        request: &Envelope,
        from: i64,
        endpoints: &HashMap<String, EndpointRow>,
        now: i64,
    ) -> anyhow::Result<()> {
        let Some(endpoint) = endpoints.get(&request.aggregate_id) else {
            return Ok(()); // deleted since
        };
        let mut reader = LogReader::new(self.db.clone());
        let mut after = (from - 1).max(0);
        while after < request.position - 1 {
            let batch = reader.read_after(after, BATCH).await?;
            if batch.events.is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
            for raw in batch.events {
                if raw.position >= request.position {
                    return Ok(());
                }
                after = raw.position;
                let env = raw.into_envelope()?;
                if let Some(payload) = payload::of(&env).filter(|p| wants(endpoint, p)) {
                    record(&self.db, endpoint, &payload, request.position, now).await?;
                }
            }
        }
        Ok(())
    }

    /// Runs in the background until the process ends.
    pub fn spawn(mut self) {
        tokio::spawn(async move {
            let poll = Duration::from_millis(u64::from(self.config.poll_ms));
            loop {
                let busy = match self.record_step().await {
                    Ok(n) => n as i64 >= BATCH,
                    Err(e) => {
                        tracing::error!(error = %e, "webhook recording failed; retrying");
                        false
                    }
                };
                if let Err(e) = self.sender.send_due().await {
                    tracing::error!(error = %e, "webhook sending failed; retrying");
                }
                if !busy {
                    tokio::time::sleep(poll).await;
                }
            }
        });
    }
}

async fn record(
    db: &Db,
    endpoint: &EndpointRow,
    payload: &Payload,
    round: i64,
    now: i64,
) -> anyhow::Result<()> {
    let body = serde_json::to_string(payload)?;
    store::insert(
        db,
        &store::NewDelivery {
            key: store::Key {
                endpoint_id: endpoint.id.to_string(),
                position: payload.position,
                round,
            },
            conference_id: &payload.conference_id.to_string(),
            event_id: &payload.id.to_string(),
            kind: payload.kind,
            body: &body,
            now,
        },
    )
    .await?;
    Ok(())
}
