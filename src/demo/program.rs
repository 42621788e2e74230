//! A year's program and its session ratings (SURVEY-3, ANA-39): two rooms and
//! a few talks recorded through the same program command a Pretalx sync sends,
//! and, the day after the conference, about half of the attendees rating about
//! half of the talks (one rating per talk and attendee), the scores drawn from
//! the positions alone so the same seed gives the same ratings.

use axum::http::Method;
use chrono::{Duration, NaiveTime};
use serde_json::json;
use tessera_aggregates::program::{Room, SpeakerData, TalkData};

use super::api::{Actor, Api};
use super::plan::Year;
use crate::ids::conference_id;
use crate::meta::CommandMeta;
use crate::process::program_content::{ProgramContent, record_program};

/// One talk of every year's program.
struct DemoTalk {
    code: &'static str,
    title: &'static str,
    track: &'static str,
    speaker: &'static str,
    room: &'static str,
    /// Days after the conference's first day.
    day: i64,
    hour: u32,
    minutes: i64,
}

const fn talk(
    code: &'static str,
    title: &'static str,
    track: &'static str,
    speaker: &'static str,
    room: &'static str,
    (day, hour, minutes): (i64, u32, i64),
) -> DemoTalk {
    DemoTalk {
        code,
        title,
        track,
        speaker,
        room,
        day,
        hour,
        minutes,
    }
}

const TALKS: [DemoTalk; 5] = [
    talk(
        "T1",
        "Opening Keynote",
        "Community",
        "Ada Lovelace",
        "Hall A",
        (0, 9, 60),
    ),
    talk(
        "T2",
        "Typing Python Gradually",
        "Python",
        "Grace Hopper",
        "Hall A",
        (0, 11, 30),
    ),
    talk(
        "T3",
        "Pandas Without Tears",
        "Data",
        "Katherine Johnson",
        "Hall B",
        (0, 11, 30),
    ),
    talk(
        "T4",
        "Testing Async Code",
        "Python",
        "Grace Hopper",
        "Hall B",
        (1, 10, 45),
    ),
    talk(
        "T5",
        "Dashboards That Last",
        "Data",
        "Mary Jackson",
        "Hall A",
        (1, 14, 30),
    ),
];

/// Scores cycle through these (mostly good, some poor).
const SCORES: [i64; 10] = [5, 4, 5, 3, 4, 2, 5, 4, 1, 4];

/// Records the year's rooms, speakers and talks.
pub async fn setup(api: &Api, plan: &Year) -> anyhow::Result<()> {
    let cid = conference_id(&plan.slug);
    let rooms = ["Hall A", "Hall B"]
        .iter()
        .enumerate()
        .map(|(i, name)| Room {
            pretalx_id: i as i64 + 1,
            name: name.to_string(),
            description: String::new(),
            capacity: Some((plan.shoppers / (i + 1)) as u32),
            position: Some(i as i32),
        })
        .collect();
    let mut speakers: Vec<SpeakerData> = vec![];
    let mut talks = vec![];
    for t in &TALKS {
        let speaker_code = crate::bootstrap::slugify(t.speaker);
        if !speakers.iter().any(|s| s.code == speaker_code) {
            speakers.push(SpeakerData {
                code: speaker_code.clone(),
                name: t.speaker.to_string(),
                biography: String::new(),
                avatar_url: String::new(),
                email: String::new(),
                sealed_email: None,
            });
        }
        let start = (plan.start() + Duration::days(t.day))
            .and_time(NaiveTime::from_hms_opt(t.hour, 0, 0).unwrap_or_default())
            .and_utc();
        talks.push(TalkData {
            code: t.code.to_string(),
            title: format!("{} {}", t.title, plan.year),
            abstract_text: String::new(),
            description: String::new(),
            submission_type: if t.code == "T1" { "Keynote" } else { "Talk" }.into(),
            track: t.track.to_string(),
            tags: vec![],
            duration: u32::try_from(t.minutes).ok(),
            state: "confirmed".into(),
            room_name: Some(t.room.to_string()),
            slot_start: Some(start),
            slot_end: Some(start + Duration::minutes(t.minutes)),
            speakers: vec![speaker_code],
        });
    }
    let meta = CommandMeta::system().for_conf(Some(cid));
    let content = ProgramContent {
        rooms,
        speakers,
        talks,
    };
    record_program(&api.app.bus, cid, content, &meta)
        .await
        .map_err(|e| anyhow::anyhow!("program of {}: {e}", plan.slug))?;
    Ok(())
}

/// The attendees' ratings (attendee i rates talk j when i + j is even); answers
/// how many were recorded.
pub async fn rate(api: &Api, plan: &Year, attendees: &[Actor]) -> anyhow::Result<usize> {
    let base = format!("/api/v1/conferences/{}", plan.slug);
    let mut rated = 0;
    for (i, who) in attendees.iter().enumerate() {
        for (j, code) in TALKS.iter().map(|t| t.code).enumerate() {
            if (i + j) % 2 != 0 {
                continue;
            }
            let score = SCORES[(i * 7 + j * 3) % SCORES.len()];
            let a = api
                .call(
                    Method::POST,
                    &format!("{base}/talks/{code}/rating"),
                    who,
                    Some(json!({ "score": score })),
                )
                .await?;
            if a.ok() {
                rated += 1;
            } else {
                anyhow::bail!("{} rating {code}: {} {}", who.email, a.status, a.body);
            }
        }
    }
    Ok(rated)
}
