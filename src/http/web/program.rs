//! The program page of a conference: its talks by day (in the conference's
//! timezone) and room with their effective values (PRETALX-17, as
//! `GET …/program` answers them), each talk's session ratings and average
//! (SURVEY-3; the totals as `GET …/program/ratings` answers them, ANA-38), the
//! survey NPS when there is an nps survey (ANA-39, as `GET …/surveys/nps`), and
//! the activities the submission types are linked to (PRETALX-6).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use tessera_aggregates::conference::Conference;
use tessera_aggregates::program::{Program, program_id};
use tessera_projections::program::{ProgramRow, ratings_prefix};
use tessera_projections::stats::rating_average;

use super::fundraising::{Figure, figure};
use super::{Nav, PageResult, Session, render};
use crate::app::AppState;
use crate::http::program::{MANAGE, program_document, program_rows};
use crate::http::surveys::nps_view;

pub(crate) struct TalkLine {
    pub code: String,
    pub time: String,
    pub room: String,
    pub title: String,
    pub speakers: String,
    pub submission_type: String,
    pub state: String,
    pub ratings: usize,
    pub average: String,
}

pub(crate) struct Day {
    pub id: String,
    pub label: String,
    pub talks: Vec<TalkLine>,
}

pub(crate) struct LinkedActivity {
    pub submission_type: String,
    pub slug: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "program.html")]
struct ProgramPage {
    nav: Nav,
    conference: String,
    figures: Vec<Figure>,
    days: Vec<Day>,
    nps: Vec<Figure>,
    activities: Vec<LinkedActivity>,
}

/// The conference's program with its ratings.
pub(super) async fn program(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let conf = app.gate(&slug, MANAGE).await?;
    let tz: chrono_tz::Tz = app
        .bus
        .peek(&Conference::stream(conf.id), |c| {
            c.details().timezone.clone()
        })
        .await
        .map_err(crate::http::error::ApiError::from)?
        .parse()
        .unwrap_or(chrono_tz::UTC);
    let doc = program_document(&app, conf.id).await?;
    let mut scores: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for row in program_rows(&app, &ratings_prefix(conf.id)).await? {
        if let ProgramRow::Rating(r) = row {
            scores.entry(r.talk).or_default().push(r.score);
        }
    }
    let all: Vec<u8> = scores.values().flatten().copied().collect();
    // The document's order: effective start, then title, unscheduled last.
    let mut days: Vec<Day> = vec![];
    for t in &doc.talks {
        let (id, label, time) = match t.effective_slot_start {
            Some(start) => {
                let local = start.with_timezone(&tz);
                let end = t
                    .effective_slot_end
                    .map(|e| e.with_timezone(&tz).format("–%H:%M").to_string())
                    .unwrap_or_default();
                (
                    format!("day-{}", local.date_naive()),
                    local.format("%A, %B %-d, %Y").to_string(),
                    format!("{}{end}", local.format("%H:%M")),
                )
            }
            None => ("unscheduled".into(), "Not scheduled".into(), "—".into()),
        };
        let rated = scores.get(&t.code).map(Vec::as_slice).unwrap_or_default();
        let line = TalkLine {
            code: t.code.clone(),
            time,
            room: t.effective_room.clone().unwrap_or_else(|| "—".into()),
            title: t.effective_title.clone(),
            speakers: t
                .speakers
                .iter()
                .map(|s| s.effective_name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            submission_type: t.submission_type.clone(),
            state: t.effective_state.clone(),
            ratings: rated.len(),
            average: rating_average(rated).unwrap_or_else(|| "—".into()),
        };
        match days.iter_mut().find(|d| d.id == id) {
            Some(day) => day.talks.push(line),
            None => days.push(Day {
                id,
                label,
                talks: vec![line],
            }),
        }
    }
    // Within a day, by room, then time.
    for day in &mut days {
        day.talks
            .sort_by(|a, b| (&a.room, &a.time).cmp(&(&b.room, &b.time)));
    }
    let scheduled = doc
        .talks
        .iter()
        .filter(|t| t.effective_slot_start.is_some())
        .count();
    let figures = vec![
        figure("talks", "Talks", doc.talks.len()),
        figure("scheduled", "Scheduled talks", scheduled),
        figure("rooms", "Rooms", doc.rooms.len()),
        figure("ratings", "Session ratings", all.len()),
        figure(
            "rating_average",
            "Average rating",
            rating_average(&all).unwrap_or_else(|| "—".into()),
        ),
    ];
    let n = nps_view(&app, conf.id, None).await?;
    let nps = match n.survey {
        Some(survey) => vec![
            figure("nps_survey", "Survey", survey),
            figure("nps", "NPS", n.nps),
            figure("nps_responses", "Responses", n.responses),
            figure("nps_promoters", "Promoters %", n.promoter_pct),
            figure("nps_detractors", "Detractors %", n.detractor_pct),
            figure("nps_response_rate", "Response rate %", n.response_rate),
        ],
        None => vec![],
    };
    let activities = app
        .bus
        .peek(&Program::stream(program_id(conf.id)), |p| {
            p.activity_plans()
                .into_iter()
                .filter_map(|a| {
                    Some(LinkedActivity {
                        slug: a.linked_slug?,
                        name: a.name,
                        submission_type: a.submission_type,
                    })
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(crate::http::error::ApiError::from)?;
    render(&ProgramPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        figures,
        days,
        nps,
        activities,
    })
}
