//! Pretalx sync (PRETALX-1…24): fetch every chosen step, then record the run as
//! one command on the conference's `Program` stream, its steps in the order
//! rooms → speakers → talks → schedule (AMB-11). A run's events are appended
//! together or not at all, so an aborted run (a failing fetch, the schedule's
//! delete guard) changes nothing (PRETALX-11); a step that records nothing new
//! appends no event, so re-running a sync appends nothing. The activities of the
//! submission types (PRETALX-5/6) follow the run; they are derived from the
//! program, so a run interrupted there completes on the next run.
//!
//! | Step | Fetches | Fails when |
//! |---|---|---|
//! | rooms | `rooms/` | the fetch fails |
//! | speakers | `speakers/`, links users by e-mail (PRETALX-3) | the fetch fails |
//! | talks | `tags/` (tolerated, PRETALX-24), `talks/` | the talks fetch fails |
//! | schedule | `schedules/latest/` | the fetch fails; the delete guard refuses |
//! | type defaults (full runs only, PRETALX-15) | nothing: the program's own defaults (PRETALX-13) | never |
//!
//! A failing fetch stops the run before anything is recorded.

use std::collections::HashMap;

use serde::Serialize;
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails, ActivityPatch};
use tessera_aggregates::conference::Conference;
use tessera_aggregates::pricing::CartOwner;
use tessera_aggregates::program::{
    DeleteGuard, Program, ProgramCommand, ProgramError, ProgramEvent, SealedSpeakerEmail,
    SpeakerOverride, program_id,
};
use tessera_aggregates::user::User;
use tessera_projections::EventMeta;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::bus::{BusError, CommandBus};
use crate::config::PretalxConfig;
use crate::ids::{activity_id, conference_id, user_id};
use crate::personal::{PersonalData, PersonalError};
use crate::pretalx::{PretalxClient, PretalxError, api};
use crate::refusal::{Failure, Kind};

/// Which steps to run (PRETALX-16: none chosen means all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Steps {
    pub rooms: bool,
    pub speakers: bool,
    pub talks: bool,
    pub schedule: bool,
    /// `--allow-large-schedule-drop` (PRETALX-10).
    pub allow_large_schedule_drop: bool,
}

impl Steps {
    fn chosen(self) -> Self {
        if self.rooms || self.speakers || self.talks || self.schedule {
            self
        } else {
            Self {
                rooms: true,
                speakers: true,
                talks: true,
                schedule: true,
                ..self
            }
        }
    }
}

/// What a sync did: rows processed per step run (PRETALX-21), the talks left
/// without a start (PRETALX-12) and the events appended in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[schema(as = ProgramSyncReport)]
pub struct SyncReport {
    pub rooms: Option<usize>,
    pub speakers: Option<usize>,
    pub talks: Option<usize>,
    pub schedule_slots: Option<usize>,
    /// PRETALX-15: only when non-zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unscheduled_talks: Option<usize>,
    /// PRETALX-13/15: the talks the type defaults changed (full runs), only when
    /// non-zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_defaults_applied: Option<usize>,
    pub events_appended: usize,
    /// The last event appended: read the program back after it.
    pub position: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Conference not found.")]
    ConferenceNotFound,
    #[error(transparent)]
    Pretalx(#[from] PretalxError),
    #[error(transparent)]
    Program(#[from] BusError<ProgramError>),
    #[error("reading the program: {0}")]
    Lookup(String),
    /// PRETALX-6: an activity of a submission type could not be recorded.
    #[error("recording an activity: {0}")]
    Activity(String),
    #[error(transparent)]
    Personal(#[from] PersonalError),
}

impl Failure for SyncError {
    fn code(&self) -> &'static str {
        match self {
            Self::ConferenceNotFound => "conference.not_found",
            Self::Pretalx(e) => e.code(),
            Self::Program(e) => e.code(),
            Self::Personal(e) => e.code(),
            Self::Lookup(_) | Self::Activity(_) => "internal",
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Self::ConferenceNotFound => Kind::NotFound,
            Self::Pretalx(e) => e.kind(),
            Self::Program(e) => e.kind(),
            Self::Personal(e) => e.kind(),
            Self::Lookup(_) | Self::Activity(_) => Kind::Internal,
        }
    }

    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Pretalx(e) => Some(e),
            Self::Program(e) => Some(e),
            Self::Personal(e) => Some(e),
            _ => None,
        }
    }
}

impl SyncReport {
    pub(crate) fn record(&mut self, events: usize, position: Option<i64>) {
        self.events_appended += events;
        self.position = position.or(self.position);
    }
}

/// PRETALX-10: the guard as configured, with the run's override.
fn guard(config: &PretalxConfig, steps: Steps) -> DeleteGuard {
    DeleteGuard {
        enabled: config.schedule_delete_guard_enabled,
        allow_large_deletions: steps.allow_large_schedule_drop,
        min_existing_slots: config.schedule_delete_guard_min_existing_slots,
        max_fraction_removed: config.schedule_delete_guard_max_fraction_removed,
    }
}

/// Runs a sync of conference `slug` (PRETALX-1…16).
pub async fn sync(
    bus: &CommandBus,
    personal: &PersonalData,
    config: &PretalxConfig,
    slug: &str,
    steps: Steps,
    meta: &EventMeta,
) -> Result<SyncReport, SyncError> {
    let steps = steps.chosen();
    let conference = conference_id(slug);
    let full = steps.rooms && steps.speakers && steps.talks && steps.schedule;
    let (event, timezone) = bus
        .peek(&Conference::stream(conference), |c| {
            c.exists().then(|| {
                (
                    c.details().pretalx_event_slug.trim().to_string(),
                    c.details().timezone.clone(),
                )
            })
        })
        .await
        .map_err(|e| SyncError::Lookup(e.to_string()))?
        .ok_or(SyncError::ConferenceNotFound)?;
    if event.is_empty() {
        return Err(PretalxError::NoEventSlug(slug.to_string()).into()); // PRETALX-1
    }
    let client = PretalxClient::new(config)?;
    let mut meta = meta.clone();
    meta.conference_id = Some(conference);
    // Each step is its own command: never deduplicated as one request's retry.
    meta.idempotency_key = None;
    let stream = Program::stream(program_id(conference));
    let mut report = SyncReport::default();
    // Everything is fetched first: a failing fetch aborts the run before anything
    // is recorded (PRETALX-24: except tags, which are tolerated).
    let rooms = match steps.rooms {
        true => Some(api::rooms(&client.list(&event, "rooms/").await?)),
        false => None,
    };
    let speakers = match steps.speakers {
        true => {
            let found = api::speakers(&client.list(&event, "speakers/").await?);
            let mut speakers = Vec::with_capacity(found.len());
            for mut s in found {
                let user = linked_user(bus, &s.email).await?;
                s.sealed_email = sealed_email(personal, &s.email).await?;
                speakers.push((s, user));
            }
            Some(speakers)
        }
        false => None,
    };
    let talks = match steps.talks {
        true => {
            let tags = match client.list(&event, "tags/").await {
                Ok(items) => api::tag_names(&items),
                Err(e) => {
                    tracing::warn!(error = %e, "Pretalx tags unavailable; talks sync without tags");
                    HashMap::new()
                }
            };
            Some(api::talks(&client.list(&event, "talks/").await?, &tags))
        }
        false => None,
    };
    let slots = match steps.schedule {
        true => Some(api::slots(
            &client.document(&event, "schedules/latest/").await?,
        )),
        false => None,
    };
    report.rooms = rooms.as_ref().map(Vec::len);
    report.speakers = speakers.as_ref().map(Vec::len);
    report.talks = talks.as_ref().map(Vec::len);
    report.schedule_slots = slots.as_ref().map(Vec::len);
    // The run is one command: all its events are appended together or none.
    let decided = bus
        .send_decided(
            &stream,
            ProgramCommand::SyncRun {
                conference_id: conference,
                rooms,
                speakers,
                talks,
                schedule: slots.map(|slots| (slots, guard(config, steps))),
                // PRETALX-15: a full run applies the type defaults last.
                type_defaults: full.then_some(timezone),
            },
            &meta,
        )
        .await?;
    report.record(decided.events.len(), decided.position);
    report.type_defaults_applied = defaults_applied(&decided.events);
    if steps.schedule {
        let unscheduled = bus
            .peek(&stream, |p| p.unscheduled_talks())
            .await
            .map_err(|e| SyncError::Lookup(e.to_string()))?;
        report.unscheduled_talks = (unscheduled > 0).then_some(unscheduled);
    }
    if steps.talks || steps.schedule {
        sync_activities(bus, conference, &meta, &mut report).await?;
    }
    Ok(report)
}

/// PRETALX-13: the talks the type defaults changed, as their fact tells; None
/// when none.
fn defaults_applied(events: &[ProgramEvent]) -> Option<usize> {
    events
        .iter()
        .find_map(|e| match e {
            ProgramEvent::TypeDefaultsApplied { talks, .. } => Some(talks.len()),
            _ => None,
        })
        .filter(|n| *n > 0)
}

/// What applying the type defaults on its own did (PRETALX-13).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct TypeDefaultsReport {
    /// The talks changed (0 when re-applied).
    pub type_defaults_applied: usize,
    /// The program's unscheduled talks afterwards (PRETALX-12).
    pub unscheduled_talks: usize,
    /// The last event appended; None when nothing changed.
    pub position: Option<i64>,
}

/// PRETALX-13: applies conference `conference`'s type defaults to its talks,
/// times in its timezone (invalid: UTC), then keeps the submission types'
/// activities in step as a sync's last step does. Re-applying changes nothing.
pub async fn apply_type_defaults(
    bus: &CommandBus,
    conference: Uuid,
    timezone: String,
    meta: &EventMeta,
) -> Result<TypeDefaultsReport, SyncError> {
    let stream = Program::stream(program_id(conference));
    let decided = bus
        .send_decided(
            &stream,
            ProgramCommand::ApplyTypeDefaults {
                conference_id: conference,
                timezone,
            },
            meta,
        )
        .await?;
    let unscheduled_talks = bus
        .peek(&stream, |p| p.unscheduled_talks())
        .await
        .map_err(|e| SyncError::Lookup(e.to_string()))?;
    // PRETALX-5/6: the talks moved, so their activities follow, as after a sync.
    let mut activities = SyncReport::default();
    sync_activities(bus, conference, meta, &mut activities).await?;
    Ok(TypeDefaultsReport {
        type_defaults_applied: defaults_applied(&decided.events).unwrap_or(0),
        unscheduled_talks,
        position: activities.position.or(decided.position),
    })
}

/// PRETALX-3: the user whose e-mail matches case-insensitively (user ids are
/// derived from the lowercased e-mail).
/// A speaker's address sealed under its owner's person (the address's user id,
/// whether or not that account exists), for the speaker export (ANA-49). None
/// when Pretalx gives none, or when that person was erased: nothing more is
/// stored for them.
async fn sealed_email(
    personal: &PersonalData,
    email: &str,
) -> Result<Option<SealedSpeakerEmail>, SyncError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Ok(None);
    }
    let person = user_id(&email);
    if personal.is_erased(person).await? {
        return Ok(None);
    }
    Ok(Some(SealedSpeakerEmail {
        person,
        email: personal.seal(person, &email).await?,
        hash: personal.email_hash(&email),
    }))
}

async fn linked_user(bus: &CommandBus, email: &str) -> Result<Option<Uuid>, SyncError> {
    if email.trim().is_empty() {
        return Ok(None);
    }
    let id = user_id(email);
    let exists = bus
        .peek(&User::stream(id), |u| u.exists())
        .await
        .map_err(|e| SyncError::Lookup(e.to_string()))?;
    Ok(exists.then_some(id))
}

/// PRETALX-18: an organizer's overrides of a speaker; an overriding e-mail that
/// names an account links the speaker to it (PRETALX-3: only when unlinked);
/// the address is not recorded.
/// Answers the position of the event, None when nothing changed.
pub async fn override_speaker(
    bus: &CommandBus,
    conference: Uuid,
    code: String,
    overrides: SpeakerOverride,
    email: Option<&str>,
    meta: &EventMeta,
) -> Result<Option<i64>, SyncError> {
    let user = match email {
        Some(email) => linked_user(bus, email).await?,
        None => None,
    };
    let sent = bus
        .send(
            &Program::stream(program_id(conference)),
            ProgramCommand::OverrideSpeaker {
                code,
                overrides,
                user,
            },
            meta,
        )
        .await?;
    Ok(sent.position)
}

/// DISC-31: the speaker facts of `user` in `conference` for pricing conditions:
/// linked to a speaker (PRETALX-3), and one of that speaker's talks has more than
/// one speaker.
pub async fn speaker_facts(
    bus: &CommandBus,
    conference: Uuid,
    user: Uuid,
) -> Result<CartOwner, BusError<ProgramError>> {
    let (is_speaker, has_shared_talk) = bus
        .peek(&Program::stream(program_id(conference)), |p| {
            p.speaker_facts(user)
        })
        .await?;
    Ok(CartOwner {
        is_speaker,
        has_shared_talk,
        ..CartOwner::default()
    })
}

/// PRETALX-5/6: one activity per submission type that maps to an activity type,
/// created once (slug from the type, made unique) and kept in step with its
/// talks after each talks or schedule step. Answers the events appended.
pub(crate) async fn sync_activities(
    bus: &CommandBus,
    conference: Uuid,
    meta: &EventMeta,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let stream = Program::stream(program_id(conference));
    let plans = bus
        .peek(&stream, |p| p.activity_plans())
        .await
        .map_err(|e| SyncError::Lookup(e.to_string()))?;
    for plan in plans {
        let slug = match &plan.linked_slug {
            Some(slug) => slug.clone(),
            None => free_slug(bus, conference, &plan.submission_type).await?,
        };
        let id = Activity::stream(activity_id(conference, &slug));
        let exists = bus
            .peek(&id, |a| a.exists())
            .await
            .map_err(|e| SyncError::Lookup(e.to_string()))?;
        let cmd = if exists {
            ActivityCommand::Change {
                patch: ActivityPatch {
                    name: Some(plan.name),
                    activity_type: Some(plan.activity_type),
                    description: Some(plan.description),
                    room: Some(plan.room.unwrap_or_default()),
                    start_time: Some(plan.start),
                    end_time: Some(plan.end),
                    ..ActivityPatch::default()
                },
            }
        } else {
            ActivityCommand::Create {
                conference_id: conference,
                slug: slug.clone(),
                details: ActivityDetails {
                    name: plan.name,
                    activity_type: plan.activity_type,
                    description: plan.description,
                    room: plan.room.unwrap_or_default(),
                    start_time: plan.start,
                    end_time: plan.end,
                    is_active: true,
                    ..ActivityDetails::default()
                },
            }
        };
        let decided = bus
            .send_decided(&id, cmd, meta)
            .await
            .map_err(|e| SyncError::Activity(e.to_string()))?;
        report.record(decided.events.len(), decided.position);
        let decided = bus
            .send_decided(
                &stream,
                ProgramCommand::LinkActivity {
                    submission_type: plan.submission_type,
                    slug,
                },
                meta,
            )
            .await?;
        report.record(decided.events.len(), decided.position);
    }
    Ok(())
}

/// PRETALX-6: slugify(type) (fallback "activity"), made unique with "-2", "-3"….
async fn free_slug(bus: &CommandBus, conference: Uuid, kind: &str) -> Result<String, SyncError> {
    let base: String = crate::ids::slugify(kind)
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect();
    let base = if base.trim_matches('-').is_empty() {
        "activity".to_string()
    } else {
        base.trim_matches('-').to_string()
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken = bus
            .peek(
                &Activity::stream(activity_id(conference, &candidate)),
                |a| a.exists(),
            )
            .await
            .map_err(|e| SyncError::Lookup(e.to_string()))?;
        if !taken {
            return Ok(candidate);
        }
    }
    Err(SyncError::Activity(format!("no free slug for {kind}")))
}
