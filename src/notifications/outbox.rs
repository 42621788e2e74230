//! Facts → messages (MSG-1, MSG-2): a consumer of the global log with its own
//! checkpoint (`notifications_outbox` in `projection_state`). For each fact that
//! someone should hear about, it records a `MessageQueued` whose id derives from
//! the fact (its stream and sequence), so reading the log again, after a crash or
//! on another instance, records nothing twice. It never sends: the sender does,
//! from what was recorded.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cqrs_es::Aggregate;
use serde::Serialize;
use tessera_aggregates::bulk_purchase::BulkPurchaseEvent;
use tessera_aggregates::cart::Cart;
use tessera_aggregates::fundraising::{Fundraising, FundraisingEvent};
use tessera_aggregates::inventory::Inventory;
use tessera_aggregates::message::{Message, MessageCommand, MessageKind, message_id};
use tessera_aggregates::order::{Order, OrderEvent};
use tessera_aggregates::travel_grant::GrantEvent;
use tessera_aggregates::user::UserEvent;
use tessera_aggregates::visa_letter::LetterEvent;
use tessera_aggregates::volunteer::VolunteerEvent;
use tessera_projections::{DomainEvent, Envelope, EventMeta};
use tessera_replay::history::{self, HistoryQuery};
use tessera_replay::storage::{self, LazyCheckpoint, Stored};
use tessera_replay::{Db, LogReader, LogWindow};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::bus::{BusError, CommandBus};

/// The checkpoint row of the outbox in `projection_state`.
pub const NAME: &str = "notifications_outbox";
const VERSION: u32 = 1;
const BATCH: i64 = 500;

/// A message to record, before its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub kind: MessageKind,
    pub recipient: Uuid,
    pub address: Option<String>,
    /// A deal contact's address sealed under `recipient`'s key.
    pub sealed_address: Option<tessera_aggregates::user::Sealed>,
    pub conference_id: Option<Uuid>,
    pub data: BTreeMap<String, String>,
}

impl Draft {
    fn to(kind: MessageKind, recipient: Uuid, conference_id: Option<Uuid>) -> Self {
        Self {
            kind,
            recipient,
            address: None,
            sealed_address: None,
            conference_id,
            data: BTreeMap::new(),
        }
    }

    fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.data.insert(key.to_string(), value.to_string());
        self
    }
}

/// A status as its wire name (`snake_case`).
fn label<T: Serialize + std::fmt::Debug>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{value:?}"),
    }
}

fn failed<E: std::error::Error>(what: &str) -> impl FnOnce(BusError<E>) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("{what}: {e}")
}

/// The first event of a stream (who applied, who requested), read from the log.
async fn first_event(db: &Db, env: &Envelope) -> anyhow::Result<Option<DomainEvent>> {
    let Some(conference) = env.meta.conference_id else {
        return Ok(None);
    };
    let q = HistoryQuery {
        conference_id: conference.to_string(),
        limit: Some(1),
        aggregate_type: Some(env.aggregate_type.clone()),
        aggregate_id: Some(env.aggregate_id.clone()),
        ..Default::default()
    };
    let first = history::page(db, &q).await?;
    Ok(match first.into_iter().next() {
        Some(raw) => Some(raw.into_envelope()?.event),
        None => None,
    })
}

/// The streams whose events call for no message ([`drafts`] has no arm for
/// them): carts and stock, most of a ticket rush's events, are passed over
/// without being decoded.
fn never_notifies(aggregate_type: &str) -> bool {
    [Cart::TYPE, Inventory::TYPE].contains(&aggregate_type)
}

/// The messages one fact calls for.
pub async fn drafts(bus: &CommandBus, db: &Db, env: &Envelope) -> anyhow::Result<Vec<Draft>> {
    let conference = env.meta.conference_id;
    Ok(match &env.event {
        DomainEvent::Order(event) => {
            let kind = match event {
                OrderEvent::OrderPaid { .. } => MessageKind::OrderConfirmation,
                OrderEvent::OrderCancelled { .. } => MessageKind::OrderCancelled,
                OrderEvent::OrderRefunded { .. } => MessageKind::OrderRefunded,
                _ => return Ok(vec![]),
            };
            let (user, conf, reference, total) = bus
                .inspect(&Order::stream(&env.aggregate_id), |o| {
                    (o.user, o.conference_id, o.reference.to_string(), o.total)
                })
                .await
                .map_err(failed("loading the order"))?;
            let mut draft = Draft::to(kind, user, Some(conf))
                .with("reference", reference)
                .with("total", format!("{total:.2}"));
            if let OrderEvent::OrderRefunded { amount, .. } = event {
                draft = draft.with("amount", format!("{amount:.2}"));
            }
            vec![draft]
        }
        DomainEvent::Attendee(
            tessera_aggregates::attendee::AttendeeEvent::AttendeeRegistered {
                conference_id,
                user,
                access_code,
                ..
            },
        ) => vec![
            Draft::to(MessageKind::AccessCode, *user, Some(*conference_id))
                .with("access_code", access_code),
        ],
        DomainEvent::User(UserEvent::PasswordResetRequested {
            request,
            expires_at,
            ..
        }) => match env.aggregate_uuid() {
            Some(user) => vec![
                Draft::to(MessageKind::PasswordReset, user, None)
                    .with("request", request)
                    .with("expires_at", expires_at.format("%Y-%m-%d %H:%M UTC")),
            ],
            None => vec![],
        },
        DomainEvent::TravelGrant(GrantEvent::GrantReviewed { was, status, .. })
            if was != status =>
        {
            match first_event(db, env).await? {
                Some(DomainEvent::TravelGrant(GrantEvent::GrantApplied {
                    applicant,
                    conference_id,
                    ..
                })) => vec![
                    Draft::to(MessageKind::GrantStatus, applicant, Some(conference_id))
                        .with("status", status.as_str()),
                ],
                _ => vec![],
            }
        }
        DomainEvent::VisaLetter(event) => {
            let (status, reason) = match event {
                LetterEvent::VisaLetterUnderReview { .. } => ("under_review", String::new()),
                LetterEvent::VisaLetterApproved { .. } => ("approved", String::new()),
                LetterEvent::VisaLetterRejected { reason, .. } => ("rejected", reason.clone()),
                // LETTER-9: sending the letter tells the applicant by e-mail.
                LetterEvent::VisaLetterSent { .. } => ("sent", String::new()),
                LetterEvent::VisaLetterRequested { .. }
                | LetterEvent::VisaLetterGenerated { .. } => return Ok(vec![]),
            };
            match first_event(db, env).await? {
                Some(DomainEvent::VisaLetter(LetterEvent::VisaLetterRequested {
                    applicant,
                    conference_id,
                    ..
                })) => vec![
                    Draft::to(
                        MessageKind::VisaLetterStatus,
                        applicant,
                        Some(conference_id),
                    )
                    .with("status", status)
                    .with("reason", reason),
                ],
                _ => vec![],
            }
        }
        DomainEvent::Volunteer(event) => {
            let status = match event {
                VolunteerEvent::VolunteerApproved { .. } => "approved",
                VolunteerEvent::VolunteerWaitlisted { .. } => "waitlisted",
                VolunteerEvent::VolunteerRejected { .. } => "rejected",
                _ => return Ok(vec![]),
            };
            match first_event(db, env).await? {
                Some(DomainEvent::Volunteer(VolunteerEvent::VolunteerApplied { user, .. })) => {
                    vec![
                        Draft::to(MessageKind::VolunteerStatus, user, conference)
                            .with("status", status),
                    ]
                }
                _ => vec![],
            }
        }
        DomainEvent::Fundraising(FundraisingEvent::SponsorshipDealMoved { id, to, .. }) => {
            let deal = bus
                .inspect(&Fundraising::stream(&env.aggregate_id), |f| {
                    f.deal(*id).map(|d| d.0.clone())
                })
                .await
                .map_err(failed("loading the fundraising pipeline"))?;
            match deal {
                // A deal without a contact has nobody to tell.
                Some(deal) if deal.has_contact() => {
                    // A sealed contact stays sealed: the sender opens it under
                    // the contact's key (and finds nothing once they are erased).
                    let recipient = match (&deal.sealed_contact_email, deal.contact) {
                        (Some(_), Some(person)) => person,
                        _ => Uuid::nil(),
                    };
                    let mut draft =
                        Draft::to(MessageKind::SponsorshipStatus, recipient, conference)
                            .with("organisation", &deal.organisation)
                            .with("status", label(to));
                    if recipient.is_nil() {
                        draft.address = Some(deal.contact_email.trim().to_string());
                    } else {
                        draft.sealed_address = deal.sealed_contact_email.clone();
                    }
                    vec![draft]
                }
                _ => vec![],
            }
        }
        DomainEvent::BulkPurchase(event) => {
            // SPONSOR-23…28: who asked for the vouchers hears what became of them.
            let status = match event {
                BulkPurchaseEvent::BulkPurchaseApproved { .. } => "approved",
                BulkPurchaseEvent::BulkPurchaseFulfilled { .. } => "fulfilled",
                BulkPurchaseEvent::BulkPurchaseFailed { .. } => "failed",
                BulkPurchaseEvent::BulkPurchaseRefunded { .. } => "refunded",
                BulkPurchaseEvent::BulkPurchaseRequested { .. }
                | BulkPurchaseEvent::BulkCheckoutStarted { .. } => return Ok(vec![]),
            };
            match first_event(db, env).await? {
                Some(DomainEvent::BulkPurchase(BulkPurchaseEvent::BulkPurchaseRequested {
                    conference_id,
                    terms,
                    ..
                })) => vec![
                    Draft::to(
                        MessageKind::BulkPurchaseStatus,
                        terms.requester,
                        Some(conference_id),
                    )
                    .with("status", status)
                    .with("quantity", terms.quantity.to_string()),
                ],
                _ => vec![],
            }
        }
        _ => vec![],
    })
}

/// Records the messages of one fact: idempotent (MSG-1).
async fn record(bus: &CommandBus, db: &Db, env: &Envelope) -> anyhow::Result<bool> {
    let drafts = drafts(bus, db, env).await?;
    let any = !drafts.is_empty();
    let source = format!(
        "{}:{}:{}",
        env.aggregate_type, env.aggregate_id, env.sequence
    );
    for d in drafts {
        let id = message_id(d.kind, &source);
        let meta = EventMeta {
            conference_id: d.conference_id,
            actor: "system".to_string(),
            request_id: env.meta.request_id.clone(),
            causation_id: Some(env.position.to_string()),
            idempotency_key: None,
            recorded_at: None,
        };
        let cmd = MessageCommand::Queue {
            kind: d.kind,
            recipient: d.recipient,
            conference_id: d.conference_id,
            source: source.clone(),
            data: d.data,
            address: d.address,
            sealed_address: d.sealed_address,
        };
        bus.send(&Message::stream(id), cmd, &meta)
            .await
            .map_err(failed("recording a message"))?;
    }
    Ok(any)
}

/// The outbox's consumer of the log.
pub struct Outbox {
    db: Db,
    bus: Arc<CommandBus>,
    reader: LogReader,
    /// Recorded up to here.
    position: i64,
    /// Stored behind `position`, lazily (recording is idempotent, so a crash only
    /// repeats no-ops).
    checkpoint: LazyCheckpoint,
    published: watch::Sender<i64>,
}

impl Outbox {
    /// Reads the log through `window`, sharing pages with this process's other
    /// tailers.
    pub fn share_log(mut self, window: Arc<LogWindow>) -> Self {
        self.reader = LogReader::sharing(self.db.clone(), window);
        self
    }

    pub async fn load(db: Db, bus: Arc<CommandBus>) -> anyhow::Result<Self> {
        let first_start = !storage::generations(&db)
            .await?
            .iter()
            .any(|g| g.name == NAME);
        let mut checkpoint =
            LazyCheckpoint::load(&db, NAME, VERSION, crate::reactor::CHECKPOINT_EVERY).await?;
        if first_start {
            // The first outbox of a log that already has a history (an upgrade)
            // starts at its head: nobody is mailed about what happened before.
            let head = db.head().await?;
            checkpoint.store(&db, head, true).await?;
        }
        let (published, _) = watch::channel(checkpoint.stored);
        Ok(Self {
            reader: LogReader::new(db.clone()),
            db,
            bus,
            position: checkpoint.stored,
            checkpoint,
            published,
        })
    }

    pub fn position(&self) -> watch::Receiver<i64> {
        self.published.subscribe()
    }

    /// Records the messages of one batch; returns (events read, any message
    /// recorded, waiting on a gap).
    pub async fn step(&mut self) -> anyhow::Result<(usize, bool, bool)> {
        let batch = self.reader.read_decoded_after(self.position, BATCH).await?;
        let waiting = batch.waiting_on_gap;
        let (mut count, mut recorded, mut last) = (0, false, self.position);
        for env in batch.events {
            last = env.position;
            count += 1;
            if never_notifies(&env.aggregate_type) {
                continue;
            }
            recorded |= record(&self.bus, &self.db, &env).await?;
        }
        if last > self.position {
            self.position = last;
            self.published.send_replace(self.position);
        }
        if let Stored::Moved(at) = self
            .checkpoint
            .store(&self.db, self.position, count == 0)
            .await?
        {
            // Another instance moved it: resume from there (recording is
            // idempotent, so an overlap records nothing twice).
            self.position = at;
            self.published.send_replace(self.position);
            return Ok((0, recorded, false));
        }
        Ok((count, recorded, waiting))
    }

    /// Runs until the process ends; wakes `sender` when it recorded messages.
    pub fn spawn(mut self, wake: Arc<Notify>, sender: Arc<Notify>) {
        tokio::spawn(async move {
            loop {
                match self.step().await {
                    Ok((n, recorded, _)) if n > 0 => {
                        if recorded {
                            sender.notify_one();
                        }
                        // Busy: gather the next batch for a moment (one read and
                        // one checkpoint per batch, not per event).
                        if n < BATCH as usize {
                            tokio::time::sleep(tessera_replay::runner::COALESCE).await;
                        }
                        continue;
                    }
                    Ok((_, _, waiting)) => {
                        let pause = tessera_replay::follow::idle_pause(waiting);
                        let _ = tokio::time::timeout(pause, wake.notified()).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "outbox step failed; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
    }
}
