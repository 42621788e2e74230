//! Notifications: e-mail from the log (MSG-*).
//!
//! Three parts, each restartable on its own:
//! - the outbox (`outbox`) reads the global log with its own checkpoint and
//!   records a `Message` stream per message a fact calls for (order paid, order
//!   cancelled or refunded, attendee registered, password reset requested, the
//!   status changes of grants, visa letters, volunteers and sponsorship deals);
//! - the `messages` projection lists them with their status;
//! - the sender (`sender`) sends due messages over SMTP (`mail`), rendered from
//!   the templates in `templates/mail/` (`templates`).
//!
//! Without `[mail] host` nothing is sent: messages are recorded and admins see
//! them as `recorded` (src/http/messages.rs).

pub mod mail;
pub mod outbox;
pub mod sender;
pub mod templates;

use std::sync::Arc;
use std::time::Duration;

use tessera_replay::Db;
use tokio::sync::{Notify, watch};

use crate::bus::CommandBus;
use crate::config::Config;
use crate::identity::TokenSigner;
use crate::personal::PersonalData;

/// What the service holds of the notifications.
#[derive(Clone)]
pub struct NotificationsHandle {
    /// Wakes the outbox (the bus wakes it after every commit).
    pub outbox_wake: Arc<Notify>,
    /// Wakes the sender.
    pub sender_wake: Arc<Notify>,
    position: watch::Receiver<i64>,
    /// Whether an SMTP server is configured.
    pub sending: bool,
}

impl NotificationsHandle {
    /// The position up to which the outbox recorded the log's messages.
    pub fn position(&self) -> i64 {
        *self.position.borrow()
    }

    pub async fn wait_for(&self, position: i64, timeout: Duration) -> bool {
        let mut rx = self.position.clone();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// Starts the outbox and, with SMTP configured, the sender.
pub async fn start(
    db: Db,
    bus: Arc<CommandBus>,
    personal: Arc<PersonalData>,
    tokens: TokenSigner,
    config: &Config,
    outbox_wake: Arc<Notify>,
    log: Arc<tessera_replay::LogWindow>,
) -> anyhow::Result<NotificationsHandle> {
    let sender_wake = Arc::new(Notify::new());
    let outbox = outbox::Outbox::load(db.clone(), bus.clone())
        .await?
        .share_log(log);
    let position = outbox.position();
    outbox.spawn(outbox_wake.clone(), sender_wake.clone());
    let mailer = mail::SmtpMailer::from_config(&config.mail)?;
    let sending = mailer.is_some();
    if let Some(mailer) = mailer {
        sender::Sender {
            db,
            bus,
            personal,
            tokens,
            config: config.mail.clone(),
            currency_symbol: config.currency_symbol.clone(),
            mailer: Arc::new(mailer),
        }
        .spawn(sender_wake.clone());
    } else {
        tracing::info!("no [mail] host: messages are recorded, not sent");
    }
    Ok(NotificationsHandle {
        outbox_wake,
        sender_wake,
        position,
        sending,
    })
}
