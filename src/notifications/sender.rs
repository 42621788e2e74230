//! Sends what the outbox recorded (MSG-3, MSG-4): each due message is claimed
//! for a lease (`MessageSendStarted`: only one sender wins the claim), rendered
//! (recipient's address opened, conference name and dates filled in), sent, and
//! its outcome recorded. A failure is retried after `retry_base_seconds`, doubled
//! at each attempt; the `max_attempts`-th failure, or a permanent one,
//! dead-letters it. A sender that crashed mid-send leaves a claim another sender
//! takes over when its lease ends, so a message is sent once unless the crash
//! fell between the server's acceptance and the record of it; the `Message-ID`
//! then lets the receiver drop the repeat.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tessera_aggregates::Timestamp;
use tessera_aggregates::conference::Conference;
use tessera_aggregates::message::{Message, MessageCommand, MessageKind, MessageStatus};
use tessera_aggregates::user::User;
use tessera_projections::messages::{MESSAGES_PREFIX, MessageRow, Messages};
use tessera_projections::{EventMeta, Projection};
use tessera_replay::{Db, storage};
use tokio::sync::Notify;

use super::mail::{Mailer, Outgoing, SendError};
use super::templates::{Rendered, render};
use crate::bus::{BusError, CommandBus};
use crate::config::MailConfig;
use crate::identity::TokenSigner;
use crate::personal::PersonalData;

/// How long a claim holds: longer than an SMTP exchange may take (30 s timeout).
pub fn lease() -> chrono::Duration {
    chrono::Duration::seconds(120)
}

pub struct Sender {
    pub db: Db,
    pub bus: Arc<CommandBus>,
    pub personal: Arc<PersonalData>,
    pub tokens: TokenSigner,
    pub config: MailConfig,
    pub currency_symbol: String,
    pub mailer: Arc<dyn Mailer>,
}

/// MSG-4: the wait before attempt `attempt + 1`.
pub fn backoff(base_seconds: u32, attempt: u32) -> chrono::Duration {
    let factor = 1i64 << attempt.saturating_sub(1).min(16);
    chrono::Duration::seconds(i64::from(base_seconds) * factor)
}

fn system() -> EventMeta {
    EventMeta {
        actor: "system".to_string(),
        ..Default::default()
    }
}

impl Sender {
    /// Messages waiting whose time has come.
    pub async fn due(&self, now: Timestamp) -> anyhow::Result<Vec<MessageRow>> {
        let rows =
            storage::live_rows_with_prefix(&self.db, Messages::NAME, MESSAGES_PREFIX).await?;
        let mut due = vec![];
        for (_, doc) in rows {
            let row: MessageRow = serde_json::from_str(&doc)?;
            let waiting = matches!(
                row.status,
                MessageStatus::Queued | MessageStatus::Failed | MessageStatus::Sending
            );
            if waiting && row.due_at.is_none_or(|t| t <= now) {
                due.push(row);
            }
        }
        due.sort_by_key(|r| r.created_at);
        Ok(due)
    }

    /// Sends every due message once; returns how many were attempted.
    pub async fn step(&self) -> anyhow::Result<usize> {
        let now = self.bus.services().now();
        let mut attempted = 0;
        for row in self.due(now).await? {
            let id = row.id.to_string();
            let claim = MessageCommand::StartSending {
                lease_until: now + lease(),
            };
            let attempt = match self.bus.send(&Message::stream(&id), claim, &system()).await {
                Ok(_) => self
                    .bus
                    .inspect(&Message::stream(&id), |m| m.attempts())
                    .await
                    .map_err(|e| anyhow::anyhow!("reading message {id}: {e}"))?,
                // Another sender has it, or it is done: not ours.
                Err(BusError::Refused(_) | BusError::Conflict) => continue,
                Err(e) => return Err(anyhow::anyhow!("claiming message {id}: {e}")),
            };
            attempted += 1;
            let outcome = match self.outgoing(&row).await? {
                Some(mail) => self.mailer.send(&mail).await,
                None => Err(SendError {
                    detail: "the recipient has no address (erased or unknown)".into(),
                    permanent: true,
                }),
            };
            let cmd = match outcome {
                Ok(()) => MessageCommand::RecordSent,
                Err(e) => {
                    tracing::warn!(message = %id, attempt, error = %e.detail, "sending a message failed");
                    MessageCommand::RecordFailure {
                        error: e.detail,
                        retry_at: now + backoff(self.config.retry_base_seconds, attempt),
                        // A permanent failure is the last one.
                        max_attempts: if e.permanent {
                            attempt
                        } else {
                            self.config.max_attempts
                        },
                    }
                }
            };
            self.bus
                .send(&Message::stream(&id), cmd, &system())
                .await
                .map_err(|e| anyhow::anyhow!("recording message {id}: {e}"))?;
        }
        Ok(attempted)
    }

    /// The e-mail of `row`: None when its recipient has no address any more.
    pub async fn outgoing(&self, row: &MessageRow) -> anyhow::Result<Option<Outgoing>> {
        let mut vars: BTreeMap<String, String> = row.data.clone();
        vars.insert("currency_symbol".into(), self.currency_symbol.clone());
        if let Some(conf) = row.conference_id {
            let details = self
                .bus
                .inspect(&Conference::stream(conf), |c| {
                    c.exists().then(|| c.details().clone())
                })
                .await
                .map_err(|e| anyhow::anyhow!("reading conference {conf}: {e}"))?;
            if let Some(d) = details {
                vars.insert("conference_name".into(), d.name);
                vars.insert(
                    "conference_dates".into(),
                    format!("{} to {}", d.start_date, d.end_date),
                );
            }
        }
        let to = match (&row.address, &row.sealed_address) {
            (Some(address), _) => address.clone(),
            (None, Some(sealed)) => match self.personal.open(row.recipient, sealed).await? {
                Some(address) => address,
                // The contact was erased: nobody to write to.
                None => return Ok(None),
            },
            (None, None) => {
                let id = row.recipient;
                let user = self
                    .bus
                    .inspect(&User::stream(id), |u| {
                        u.exists().then(|| {
                            (
                                u.email().to_string(),
                                u.name().to_string(),
                                u.sealed().cloned(),
                            )
                        })
                    })
                    .await
                    .map_err(|e| anyhow::anyhow!("reading user {id}: {e}"))?;
                let Some((email, name, sealed)) = user else {
                    return Ok(None);
                };
                let Some((email, name)) = self
                    .personal
                    .open_user(id, &email, &name, sealed.as_ref())
                    .await?
                else {
                    return Ok(None);
                };
                vars.insert("name".into(), name);
                email
            }
        };
        if row.kind == MessageKind::PasswordReset
            && let Some(request) = row.data.get("request").and_then(|r| r.parse().ok())
        {
            vars.insert(
                "token".into(),
                self.tokens.reset_token(row.recipient, request),
            );
        }
        let Rendered {
            subject,
            text,
            html,
        } = render(row.kind, &vars);
        let mut inline = vec![];
        if row.kind == MessageKind::AccessCode
            && let Some(code) = row.data.get("access_code")
        {
            inline.push((
                "access-code".to_string(),
                "access-code.svg".to_string(),
                "image/svg+xml".to_string(),
                qr_svg(code).into_bytes(),
            ));
        }
        Ok(Some(Outgoing {
            id: row.id,
            to,
            subject,
            text,
            html,
            inline,
        }))
    }

    /// Runs until the process ends: on a wake-up or every second.
    pub fn spawn(self, wake: Arc<Notify>) {
        tokio::spawn(async move {
            loop {
                let pause = match self.step().await {
                    Ok(_) => 1000,
                    Err(e) => {
                        tracing::error!(error = %e, "message sender step failed; retrying");
                        500
                    }
                };
                let _ = tokio::time::timeout(Duration::from_millis(pause), wake.notified()).await;
            }
        });
    }
}

/// The access code as a QR code (SVG).
pub fn qr_svg(code: &str) -> String {
    match qrcode::QrCode::new(code.as_bytes()) {
        Ok(qr) => qr
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build(),
        // An access code is 8 characters: always encodable.
        Err(_) => String::new(),
    }
}
