//! The public program: rooms, talks and slots with their effective values
//! (PRETALX-17), talks ordered by (effective start, title), slots by start.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tessera_aggregates::program::{DayChoice, grant_day_choices, schedule_day_choices};
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{
    CatalogRow, ConferenceCatalog, conference_key as catalog_conference_key,
};
use tessera_projections::program::{
    ProgramRow, ProgramView, RoomRow, SlotRow, SpeakerRow, TalkRow, rooms_prefix, slots_prefix,
    speakers_prefix, talks_prefix,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use uuid::Uuid;

use super::PUBLIC;
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, Path};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramRoom {
    /// The room's Pretalx id.
    pub id: i64,
    pub name: String,
    pub description: String,
    pub capacity: Option<u32>,
    pub position: Option<i32>,
    /// PRETALX-18: the organizers' override when set, else the synced value.
    pub effective_name: String,
    pub effective_description: String,
    pub effective_capacity: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramSpeaker {
    pub code: String,
    pub name: String,
    pub biography: String,
    pub avatar_url: String,
    /// PRETALX-18: the organizers' override when set, else the synced value.
    pub effective_name: String,
    pub effective_biography: String,
    pub effective_avatar_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramTalk {
    pub code: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub description: String,
    pub submission_type: String,
    pub track: String,
    pub tags: Vec<String>,
    pub duration: Option<u32>,
    pub state: String,
    pub room: Option<String>,
    pub slot_start: Option<DateTime<Utc>>,
    pub slot_end: Option<DateTime<Utc>>,
    pub speakers: Vec<ProgramSpeaker>,
    pub effective_title: String,
    pub effective_abstract: String,
    pub effective_room: Option<String>,
    pub effective_slot_start: Option<DateTime<Utc>>,
    pub effective_slot_end: Option<DateTime<Utc>>,
    pub effective_state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramSlot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub room: Option<String>,
    /// The linked talk's code.
    pub talk: Option<String>,
    /// PRETALX-22: the linked talk's (effective) title, else the slot's own.
    pub title: String,
    /// PRETALX-8: talk, break, social or other.
    pub slot_type: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDocument {
    pub rooms: Vec<ProgramRoom>,
    pub talks: Vec<ProgramTalk>,
    pub slots: Vec<ProgramSlot>,
}

/// A conference's program rows under `prefix`, decoded.
pub(crate) async fn rows(app: &AppState, prefix: &str) -> ApiResult<Vec<ProgramRow>> {
    let mut out = vec![];
    for (_, doc) in storage::live_rows_with_prefix(&app.db, ProgramView::NAME, prefix).await? {
        out.push(serde_json::from_str(&doc)?);
    }
    Ok(out)
}

pub(crate) async fn talks_of(app: &AppState, conference: Uuid) -> ApiResult<Vec<TalkRow>> {
    Ok(rows(app, &talks_prefix(conference))
        .await?
        .into_iter()
        .filter_map(|r| match r {
            ProgramRow::Talk(t) => Some(*t),
            _ => None,
        })
        .collect())
}

/// The program with effective values (PRETALX-17, PRETALX-22).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/program", tag = "program",
    params(("slug" = String, Path)),
    responses((status = 200, body = ProgramDocument), (status = 404, body = Problem)))]
pub async fn program(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<ProgramDocument>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    Ok(Json(program_document(&app, conf.id).await?))
}

/// The program of `conference` as the public route answers it (also the
/// program dashboard page's source).
pub(crate) async fn program_document(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<ProgramDocument> {
    let app = app.clone();
    let conf_id = conference;
    let rooms: Vec<RoomRow> = rows(&app, &rooms_prefix(conf_id))
        .await?
        .into_iter()
        .filter_map(|r| match r {
            ProgramRow::Room(r) => Some(r),
            _ => None,
        })
        .collect();
    let speakers: BTreeMap<String, SpeakerRow> = rows(&app, &speakers_prefix(conf_id))
        .await?
        .into_iter()
        .filter_map(|r| match r {
            ProgramRow::Speaker(s) => Some((s.speaker.data.code.clone(), s)),
            _ => None,
        })
        .collect();
    let slots: Vec<SlotRow> = rows(&app, &slots_prefix(conf_id))
        .await?
        .into_iter()
        .filter_map(|r| match r {
            ProgramRow::Slot(s) => Some(s),
            _ => None,
        })
        .collect();
    let mut talks = talks_of(&app, conf_id).await?;
    talks.sort_by(|a, b| {
        (
            a.effective.slot_start.is_none(),
            a.effective.slot_start,
            &a.effective.title,
        )
            .cmp(&(
                b.effective.slot_start.is_none(),
                b.effective.slot_start,
                &b.effective.title,
            ))
    });
    // Talks and slots show a room by its effective name (PRETALX-18).
    let room_name = |id: Option<i64>| {
        id.and_then(|id| rooms.iter().find(|r| r.room.pretalx_id == id))
            .map(|r| r.room.effective(r.overrides.as_ref()).name)
    };
    let titles: BTreeMap<&str, &str> = talks
        .iter()
        .map(|t| (t.talk.code.as_str(), t.effective.title.as_str()))
        .collect();
    let slots = slots
        .iter()
        .map(|s| ProgramSlot {
            start: s.slot.start,
            end: s.slot.end,
            room: room_name(s.slot.room),
            talk: s.slot.talk.clone(),
            title: s
                .slot
                .talk
                .as_deref()
                .and_then(|c| titles.get(c))
                .map(|t| t.to_string())
                .unwrap_or_else(|| s.slot.title.clone()),
            slot_type: serde_json::to_value(s.slot.slot_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
        .collect();
    let talks = talks
        .iter()
        .map(|t| ProgramTalk {
            code: t.talk.code.clone(),
            title: t.talk.title.clone(),
            abstract_text: t.talk.abstract_text.clone(),
            description: t.talk.description.clone(),
            submission_type: t.talk.submission_type.clone(),
            track: t.talk.track.clone(),
            tags: t.talk.tags.clone(),
            duration: t.talk.duration,
            state: t.talk.state.clone(),
            room: room_name(t.talk.room),
            slot_start: t.talk.slot_start,
            slot_end: t.talk.slot_end,
            speakers: t
                .talk
                .speakers
                .iter()
                .filter_map(|c| speakers.get(c))
                .map(|s| {
                    let shown = s.speaker.data.effective(s.overrides.as_ref());
                    ProgramSpeaker {
                        code: s.speaker.data.code.clone(),
                        name: s.speaker.data.name.clone(),
                        biography: s.speaker.data.biography.clone(),
                        avatar_url: s.speaker.data.avatar_url.clone(),
                        effective_name: shown.name,
                        effective_biography: shown.biography,
                        effective_avatar_url: shown.avatar_url,
                    }
                })
                .collect(),
            effective_title: t.effective.title.clone(),
            effective_abstract: t.effective.abstract_text.clone(),
            effective_room: room_name(t.effective.room),
            effective_slot_start: t.effective.slot_start,
            effective_slot_end: t.effective.slot_end,
            effective_state: t.effective.state.clone(),
        })
        .collect();
    let rooms = rooms
        .into_iter()
        .map(|r| {
            let shown = r.room.effective(r.overrides.as_ref());
            ProgramRoom {
                id: r.room.pretalx_id,
                name: r.room.name,
                description: r.room.description,
                capacity: r.room.capacity,
                position: r.room.position,
                effective_name: shown.name,
                effective_description: shown.description,
                effective_capacity: shown.capacity,
            }
        })
        .collect();
    Ok(ProgramDocument {
        rooms,
        talks,
        slots,
    })
}

/// One day a travel-grant applicant may choose (GRANT-45…48).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDay {
    /// ISO date.
    pub value: String,
    /// Tier 1: "<Weekday>, <Month> <day>", with " (<Type>)" when one submission
    /// type has most of that day's typed slots; tier 2: "<Section> Day <n> — <date>"
    /// or "Day <N> — <date>".
    pub label: String,
}

/// The days a travel-grant form offers now (GRANT-45…48): the schedule's days in
/// the conference's timezone (an invalid timezone counts as UTC), else one per
/// date of the conference, labelled by the sections claiming them. Recomputed on
/// every call (GRANT-49).
pub(crate) async fn offered_days(app: &AppState, conference: Uuid) -> ApiResult<Vec<DayChoice>> {
    let row = storage::live_row_of(
        &app.db,
        ConferenceCatalog::NAME,
        &catalog_conference_key(conference),
    )
    .await?;
    let Some(CatalogRow::Conference(conf)) = row else {
        return Ok(vec![]);
    };
    let tz: chrono_tz::Tz = conf.details.timezone.parse().unwrap_or(chrono_tz::UTC);
    // The schedule as the program read model holds it: slots, and the talks'
    // submission types.
    let rows = |prefix: String| async move {
        let rows = storage::live_rows_with_prefix(&app.db, ProgramView::NAME, &prefix).await?;
        rows.into_iter()
            .map(|(_, doc)| serde_json::from_str::<ProgramRow>(&doc))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::from)
    };
    let mut types = std::collections::BTreeMap::new();
    for row in rows(talks_prefix(conference)).await? {
        if let ProgramRow::Talk(t) = row {
            types.insert(t.talk.code.clone(), t.talk.submission_type.clone());
        }
    }
    let slots: Vec<_> = rows(slots_prefix(conference))
        .await?
        .into_iter()
        .filter_map(|row| match row {
            ProgramRow::Slot(s) => Some(s.slot),
            _ => None,
        })
        .collect();
    let schedule = schedule_day_choices(
        slots.iter().map(|slot| {
            let kind = slot
                .talk
                .as_ref()
                .and_then(|c| types.get(c))
                .map(String::as_str);
            (slot.start, kind)
        }),
        |t| t.with_timezone(&tz).date_naive(),
    );
    Ok(grant_day_choices(
        &schedule,
        conf.details.start_date,
        conf.details.end_date,
        &conf.sections,
    ))
}

/// The days a travel-grant applicant may choose: the schedule's (GRANT-45/46),
/// else the conference's dates with their sections (GRANT-47/48). Read from the
/// read models: send `X-Tessera-After` to see a sync or an edit just made.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/program/days", tag = "program",
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<ProgramDay>), (status = 404, body = Problem)))]
pub async fn days(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<ProgramDay>>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    Ok(Json(
        offered_days(&app, conf.id)
            .await?
            .into_iter()
            .map(|d| ProgramDay {
                value: d.value.to_string(),
                label: d.label,
            })
            .collect(),
    ))
}
