//! Delivering what is due (WH-9..11): claim, sign, post, log the attempt.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_aggregates::Clock;
use tessera_projections::webhooks::EndpointRow;
use tessera_replay::Db;

use super::signing;
use super::store::{self, Attempt, Due, Key};
use crate::config::WebhooksConfig;
use crate::personal::PersonalData;

/// Due deliveries taken per poll.
const TAKE: i64 = 200;
/// How often deliveries owed to a disabled endpoint are looked at again.
const PAUSED_MS: i64 = 1000;
/// How far a claim outlasts the request's timeout.
const LEASE_MARGIN_MS: i64 = 5000;
/// How much of an error text is kept.
const ERROR_CHARS: usize = 300;

pub(super) struct Sender {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    personal: Arc<PersonalData>,
    config: WebhooksConfig,
    client: reqwest::Client,
    /// Requests of this process still running: not taken again meanwhile.
    in_flight: Mutex<HashSet<Key>>,
}

/// WH-11: the delay before attempt `n + 1` after `n` failed: the base doubled per
/// attempt, at most the maximum.
pub fn backoff_ms(config: &WebhooksConfig, attempt: i32) -> i64 {
    let factor = 1u64 << attempt.clamp(1, 30).saturating_sub(1);
    let delay = config
        .retry_base_ms
        .saturating_mul(factor)
        .min(config.retry_max_ms);
    i64::try_from(delay).unwrap_or(i64::MAX)
}

impl Sender {
    pub(super) fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        personal: Arc<PersonalData>,
        config: WebhooksConfig,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(u64::from(config.timeout_ms)))
            .connect_timeout(Duration::from_millis(u64::from(config.timeout_ms)))
            // A redirect could point a signed body anywhere: not followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Tessera-Webhooks/1")
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                clock,
                personal,
                config,
                client,
                in_flight: Mutex::new(HashSet::new()),
            }),
        })
    }

    pub(super) fn now_ms(&self) -> i64 {
        self.inner.clock.now().timestamp_millis()
    }

    /// Starts every due delivery it can claim; returns at once.
    pub(super) async fn send_due(&self) -> anyhow::Result<()> {
        let inner = &self.inner;
        let now = self.now_ms();
        let due = store::due(&inner.db, now, TAKE).await?;
        if due.is_empty() {
            return Ok(());
        }
        let endpoints = super::endpoints(&inner.db).await?;
        for d in due {
            let key = d.key();
            if inner.is_in_flight(&key) {
                continue;
            }
            let Some(endpoint) = endpoints.get(&d.endpoint_id) else {
                store::cancel(&inner.db, &key, now).await?; // WH-7: deleted
                continue;
            };
            if !endpoint.enabled {
                // WH-6: kept until enabled again, out of the way of the others.
                store::postpone(&inner.db, &key, now.saturating_add(PAUSED_MS)).await?;
                continue;
            }
            // The lease outlasts the request, and is at least the backoff.
            let lease = backoff_ms(&inner.config, d.attempts + 1)
                .max(i64::from(inner.config.timeout_ms) + LEASE_MARGIN_MS);
            if !store::claim(&inner.db, &d, now.saturating_add(lease), now).await? {
                continue;
            }
            if let Ok(mut set) = inner.in_flight.lock() {
                set.insert(key.clone());
            }
            let inner = inner.clone();
            let endpoint = endpoint.clone();
            tokio::spawn(async move {
                if let Err(e) = inner.deliver(&d, &endpoint).await {
                    tracing::error!(error = %e, endpoint = %d.endpoint_id, "webhook attempt not logged");
                }
                if let Ok(mut set) = inner.in_flight.lock() {
                    set.remove(&key);
                }
            });
        }
        Ok(())
    }
}

impl Inner {
    fn is_in_flight(&self, key: &Key) -> bool {
        self.in_flight
            .lock()
            .map(|s| s.contains(key))
            .unwrap_or(true)
    }

    /// WH-5: the secrets that sign now: the current one, and the previous one
    /// during its grace period.
    async fn secrets(&self, endpoint: &EndpointRow) -> anyhow::Result<Vec<String>> {
        let mut secrets = vec![];
        if let Some(s) = self.personal.open(endpoint.id, &endpoint.secret).await? {
            secrets.push(s);
        }
        let now = self.clock.now();
        if let (Some(previous), Some(until)) =
            (&endpoint.previous_secret, endpoint.previous_valid_until)
            && until > now
            && let Some(s) = self.personal.open(endpoint.id, previous).await?
        {
            secrets.push(s);
        }
        Ok(secrets)
    }

    async fn deliver(&self, d: &Due, endpoint: &EndpointRow) -> anyhow::Result<()> {
        let secrets = self.secrets(endpoint).await?;
        let key = d.key();
        let now = self.clock.now();
        if secrets.is_empty() {
            // The endpoint's key was shredded: it was deleted.
            return Ok(store::cancel(&self.db, &key, now.timestamp_millis()).await?);
        }
        let timestamp = now.timestamp();
        let signature = signing::signature_header(&secrets, timestamp, d.body.as_bytes());
        let started = Instant::now();
        let result = self
            .client
            .post(&endpoint.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signing::ID_HEADER, &d.event_id)
            .header(signing::KIND_HEADER, &d.kind)
            .header(signing::TIMESTAMP_HEADER, timestamp.to_string())
            .header(signing::SIGNATURE_HEADER, signature)
            .body(d.body.clone())
            .send()
            .await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match result {
            Ok(response) => {
                let status = response.status();
                let error = (!status.is_success()).then(|| format!("HTTP {}", status.as_u16()));
                (Some(i32::from(status.as_u16())), error)
            }
            Err(e) => (
                None,
                Some(e.to_string().chars().take(ERROR_CHARS).collect()),
            ),
        };
        // WH-11: the backoff counts from the end of this attempt.
        let done = self.clock.now().timestamp_millis();
        let retry_at = done.saturating_add(backoff_ms(&self.config, d.attempts + 1));
        let status = if error.is_none() {
            "delivered"
        } else if retry_at > d.created_at.saturating_add(self.window_ms()) {
            "failed" // WH-11: retried for the whole window
        } else {
            "pending"
        };
        let attempt = Attempt {
            number: d.attempts + 1,
            at: now.timestamp_millis(),
            status_code,
            duration_ms,
            error: error.as_deref(),
        };
        store::record(&self.db, &key, &attempt, status, retry_at).await?;
        Ok(())
    }

    fn window_ms(&self) -> i64 {
        i64::from(self.config.retry_window_hours) * 3_600_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wh_11_backoff_doubles_from_the_base_up_to_the_maximum() {
        let config = WebhooksConfig {
            retry_base_ms: 30_000,
            retry_max_ms: 3_600_000,
            ..WebhooksConfig::default()
        };
        let delays: Vec<i64> = (1..=9).map(|n| backoff_ms(&config, n)).collect();
        assert_eq!(
            delays,
            [
                30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000
            ]
        );
        // Within a day that is 8 attempts in the first ~2 hours, then one an hour.
        let mut at = 0;
        let mut attempts = 1;
        while at + backoff_ms(&config, attempts) <= 24 * 3_600_000 {
            at += backoff_ms(&config, attempts);
            attempts += 1;
        }
        assert_eq!(attempts, 30);
    }
}
