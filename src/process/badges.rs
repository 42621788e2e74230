//! Badges (ATT-30…37): one attendee's badge, made once and then returned as
//! stored (ATT-36), and the bulk generation of a conference's badges as a
//! background job with readable progress (ATT-37).
//!
//! | Step | Reads | Writes |
//! |---|---|---|
//! | template | `badges` projection: the named template, else the default (ATT-31) | |
//! | content | attendee row, user directory (opened), current order's billing company (ATT-35) | |
//! | badge | `badge_files` (ATT-36) | the new file, first writer wins |
//! | bulk | every attendee row of the conference, optionally by ticket type (ATT-37) | a `badge_jobs` row, one step per badge |
//!
//! Badges are derived from the log, so no step appends an event; running a step
//! again returns the stored file. A job cut short by a restart stays `running`
//! with its count; starting another one finishes the missing badges (the others
//! are found stored).

use tessera_aggregates::badge::{BadgeError, BadgeFormat, BadgeTemplate};
use tessera_aggregates::conference::Conference;
use tessera_aggregates::pricing::ProductKind;
use tessera_projections::Projection;
use tessera_projections::attendees::{AttendeeRow, Attendees, AttendeesRow, attendees_prefix};
use tessera_projections::badges::{Badges, BadgesRow, templates_prefix};
use tessera_projections::orders::{Orders, OrdersRow, order_key};
use tessera_projections::user_directory::{UserDirectory, UserRow, user_key};
use tessera_replay::storage;
use uuid::Uuid;

use super::Records;
use crate::badges::store::{self, BadgeFile, Job};
use crate::badges::{BadgeContent, file_name, render};
use crate::features::ConferenceRef;
use crate::refusal::{Failure, Kind};

#[derive(Debug, thiserror::Error)]
pub enum BadgeFlowError {
    #[error(transparent)]
    Badge(#[from] BadgeError),
    #[error("Attendee not found")]
    NoAttendee,
    #[error("badge: {0}")]
    Internal(String),
}

impl Failure for BadgeFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Badge(e) => Failure::code(e),
            Self::NoAttendee => "att.not_found",
            Self::Internal(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Badge(e) => e.kind(),
            Self::NoAttendee => Kind::NotFound,
            Self::Internal(_) => Kind::Internal,
        }
    }
}

fn internal(e: impl std::fmt::Display) -> BadgeFlowError {
    BadgeFlowError::Internal(e.to_string())
}

/// Every template of the conference, by slug.
pub async fn templates(
    app: &Records,
    conference: Uuid,
) -> Result<Vec<BadgeTemplate>, BadgeFlowError> {
    let rows = storage::live_rows_with_prefix(&app.db, Badges::NAME, &templates_prefix(conference))
        .await
        .map_err(internal)?;
    let mut out = vec![];
    for (_, doc) in rows {
        let BadgesRow::Template(t) = serde_json::from_str(&doc).map_err(internal)?;
        out.push(t.template);
    }
    Ok(out)
}

/// ATT-31: the template `slug`, else the conference's default.
pub async fn template(
    app: &Records,
    conf: &ConferenceRef,
    slug: Option<&str>,
) -> Result<BadgeTemplate, BadgeFlowError> {
    let all = templates(app, conf.id).await?;
    match slug {
        Some(s) => all
            .into_iter()
            .find(|t| t.slug == s)
            .ok_or(BadgeError::NotFound.into()),
        None => all
            .into_iter()
            .find(|t| t.is_default)
            .ok_or_else(|| BadgeError::NoDefault(conf.slug.clone()).into()),
    }
}

/// The conference's attendees, as the `attendees` projection holds them.
pub async fn attendees(
    app: &Records,
    conference: Uuid,
) -> Result<Vec<AttendeeRow>, BadgeFlowError> {
    let rows =
        storage::live_rows_with_prefix(&app.db, Attendees::NAME, &attendees_prefix(conference))
            .await
            .map_err(internal)?;
    let mut out = vec![];
    for (_, doc) in rows {
        if let AttendeesRow::Attendee(a) = serde_json::from_str(&doc).map_err(internal)? {
            out.push(a);
        }
    }
    Ok(out)
}

/// ATT-37: whether a standing order of the attendee holds ticket type `slug`.
pub fn holds_ticket(a: &AttendeeRow, slug: &str) -> bool {
    a.orders
        .iter()
        .filter(|o| !o.removed)
        .flat_map(|o| o.products.iter())
        .any(|p| p.product.kind == ProductKind::Ticket && p.product.slug == slug)
}

async fn conference_name(app: &Records, conf: &ConferenceRef) -> Result<String, BadgeFlowError> {
    app.bus
        .peek(&Conference::stream(conf.id), |c| c.details().name.clone())
        .await
        .map_err(internal)
}

/// ATT-35: what the badge of `a` says.
async fn content(
    app: &Records,
    conf: &ConferenceRef,
    conference_name: &str,
    a: &AttendeeRow,
) -> Result<BadgeContent, BadgeFlowError> {
    let user = storage::live_row(&app.db, UserDirectory::NAME, &user_key(a.user))
        .await
        .map_err(internal)?;
    let (name, email) = match user {
        Some(doc) => {
            let mut row: UserRow = serde_json::from_str(&doc).map_err(internal)?;
            app.personal
                .open_user_row(&mut row)
                .await
                .map_err(internal)?;
            (row.name, row.email)
        }
        None => (String::new(), String::new()),
    };
    let mut company = String::new();
    if let Some(order) = a.current_order {
        let row = storage::live_row_of(&app.db, Orders::NAME, &order_key(conf.id, order))
            .await
            .map_err(internal)?;
        if let Some(OrdersRow::Order(o)) = row {
            let plain = (
                o.billing_name.as_str(),
                o.billing_email.as_str(),
                o.billing_company.as_str(),
            );
            company = app
                .personal
                .open_billing(o.user, plain, o.sealed_billing.as_ref())
                .await
                .map_err(internal)?
                .2;
        }
    }
    let name = name.trim().to_string();
    Ok(BadgeContent {
        conference_name: conference_name.to_string(),
        // ATT-15: the name, else the e-mail.
        name: if name.is_empty() { email.clone() } else { name },
        email,
        company,
        ticket_label: a.ticket_type.clone(),
        qr_payload: format!("{}:{}", conf.slug, a.access_code),
    })
}

/// ATT-36: the stored badge of (`a`, `template`, `format`), else a new one,
/// stored, named "badge-<access code>.<ext>" and stamped with `generated_at`.
pub async fn badge(
    app: &Records,
    conf: &ConferenceRef,
    template: &BadgeTemplate,
    a: &AttendeeRow,
    format: BadgeFormat,
) -> Result<BadgeFile, BadgeFlowError> {
    if let Some(file) = store::find(&app.db, a.id, &template.slug, format.as_str())
        .await
        .map_err(internal)?
    {
        return Ok(file);
    }
    let name = conference_name(app, conf).await?;
    let made = render(template, &content(app, conf, &name, a).await?, format).map_err(internal)?;
    let file = BadgeFile {
        file_name: file_name(&a.access_code, format),
        content: made,
        generated_at: app.bus.services().now(),
    };
    store::keep(
        &app.db,
        conf.id,
        a.id,
        &template.slug,
        format.as_str(),
        file,
    )
    .await
    .map_err(internal)
}

/// ATT-37: starts generating the badges of every attendee of the conference (or
/// only those holding `ticket_type`) in the background; answers the job, whose
/// progress [`store::job`] reads.
pub async fn start_bulk(
    app: &Records,
    conf: &ConferenceRef,
    template: BadgeTemplate,
    format: BadgeFormat,
    ticket_type: Option<String>,
) -> Result<Job, BadgeFlowError> {
    let mut chosen = attendees(app, conf.id).await?;
    if let Some(t) = &ticket_type {
        chosen.retain(|a| holds_ticket(a, t));
    }
    let job = Job {
        id: Uuid::new_v4(),
        conference_id: conf.id,
        template_slug: template.slug.clone(),
        format: format.as_str().to_string(),
        ticket_type,
        total: i64::try_from(chosen.len()).unwrap_or(i64::MAX),
        done: 0,
        failed: 0,
        status: if chosen.is_empty() {
            "finished"
        } else {
            "running"
        }
        .to_string(),
        created_at: app.bus.services().now().to_rfc3339(),
        finished_at: None,
    };
    store::create_job(&app.db, &job).await.map_err(internal)?;
    let (app, conf, id) = (app.clone(), conf.clone(), job.id);
    tokio::spawn(async move {
        for a in chosen {
            let ok = match badge(&app, &conf, &template, &a, format).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, attendee = %a.id, "bulk badge failed");
                    false
                }
            };
            let now = app.bus.services().now();
            if let Err(e) = store::progress(&app.db, id, ok, now).await {
                tracing::warn!(error = %e, job = %id, "bulk badge progress not recorded");
            }
        }
    });
    Ok(job)
}
