//! ACT-13: an activity's linked talks (those of the submission type it was
//! created for, PRETALX-6), their distinct speakers, and the talks by calendar
//! day of their start in the conference's timezone (talks without a start are
//! left out of the days).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tessera_aggregates::conference::Conference;
use tessera_aggregates::program::{Program, program_id};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::ApiResult;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedTalk {
    pub code: String,
    /// Effective values (PRETALX-17).
    pub title: String,
    pub room: Option<String>,
    pub slot_start: Option<DateTime<Utc>>,
    pub slot_end: Option<DateTime<Utc>>,
    pub speakers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TalksOnDay {
    /// ISO date.
    pub date: String,
    pub talks: Vec<LinkedTalk>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct LinkedTalks {
    /// Ordered by (start, title); talks without a start last.
    pub talks: Vec<LinkedTalk>,
    /// Distinct speaker names, sorted.
    pub speakers: Vec<String>,
    pub talks_by_day: Vec<TalksOnDay>,
}

pub(crate) async fn linked_talks(
    app: &AppState,
    conference: Uuid,
    slug: &str,
) -> ApiResult<LinkedTalks> {
    let tz: chrono_tz::Tz = app
        .bus
        .peek(&Conference::stream(conference), |c| {
            c.details().timezone.clone()
        })
        .await?
        .parse()
        .unwrap_or(chrono_tz::UTC);
    let talks = app
        .bus
        .peek(&Program::stream(program_id(conference)), |p| {
            p.linked_talks(slug)
                .into_iter()
                .map(|(t, e)| LinkedTalk {
                    code: t.code.clone(),
                    title: e.title,
                    room: p.room_name(e.room).map(str::to_string),
                    slot_start: e.slot_start,
                    slot_end: e.slot_end,
                    speakers: t
                        .speakers
                        .iter()
                        .filter_map(|c| p.speaker_name(c))
                        .map(str::to_string)
                        .collect(),
                })
                .collect::<Vec<_>>()
        })
        .await?;
    let speakers: BTreeSet<String> = talks.iter().flat_map(|t| t.speakers.clone()).collect();
    let mut talks_by_day: Vec<TalksOnDay> = vec![];
    for talk in &talks {
        let Some(start) = talk.slot_start else {
            continue;
        };
        let date = start.with_timezone(&tz).date_naive().to_string();
        match talks_by_day.iter_mut().find(|d| d.date == date) {
            Some(day) => day.talks.push(talk.clone()),
            None => talks_by_day.push(TalksOnDay {
                date,
                talks: vec![talk.clone()],
            }),
        }
    }
    talks_by_day.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(LinkedTalks {
        talks,
        speakers: speakers.into_iter().collect(),
        talks_by_day,
    })
}
