//! Rooms and talks from the bootstrap file (`[[conference.rooms]]`,
//! `[[conference.talks]]`): a program for a conference without Pretalx, recorded
//! through the same program command a Pretalx sync sends
//! ([`crate::process::program_content`]), so the public program, ratings,
//! activities and statistics read it as a synced one. Runs after the bootstrap
//! committed; running the file again records nothing.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use tessera_aggregates::program::{Room, TalkData};
use toml::{Table, Value};

use super::BootstrapError;

/// The file's rooms, speakers (from the talks' names) and talks, validated.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TalksPlan {
    pub rooms: Vec<Room>,
    /// Distinct speakers of the talks, code = slugify(name), in first-seen order.
    pub speakers: Vec<SpeakerPlan>,
    pub talks: Vec<TalkData>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpeakerPlan {
    pub code: String,
    pub name: String,
}

impl TalksPlan {
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty() && self.talks.is_empty()
    }

    /// The `--dry-run` lines (nothing when the file has no rooms or talks).
    pub fn preview(&self) -> String {
        let mut out = String::new();
        if self.is_empty() {
            return out;
        }
        let _ = writeln!(out, "Rooms ({}):", self.rooms.len());
        for r in &self.rooms {
            let capacity = r.capacity.map(|c| format!(", capacity {c}"));
            let _ = writeln!(
                out,
                "  - {}: {}{}",
                r.pretalx_id,
                r.name,
                capacity.unwrap_or_default()
            );
        }
        let _ = writeln!(out, "Talks ({}):", self.talks.len());
        for t in &self.talks {
            let when = match (t.slot_start, t.slot_end) {
                (Some(s), Some(e)) => format!(
                    ", {} .. {}",
                    s.format("%Y-%m-%dT%H:%MZ"),
                    e.format("%H:%MZ")
                ),
                _ => String::new(),
            };
            let room = t
                .room_name
                .as_ref()
                .map(|r| format!(", in {r}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  - {}: {} ({}, {} speaker(s)){room}{when}",
                t.code,
                t.title,
                t.submission_type,
                t.speakers.len()
            );
        }
        out
    }
}

fn invalid(message: String) -> BootstrapError {
    BootstrapError::Invalid(message)
}

fn text(t: &Table, label: &str, key: &str) -> Result<Option<String>, BootstrapError> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(invalid(format!("{label}.{key} must be a string"))),
    }
}

fn required(t: &Table, label: &str, key: &str) -> Result<String, BootstrapError> {
    text(t, label, key)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid(format!("{label} is missing required field: {key}")))
}

fn strings(t: &Table, label: &str, key: &str) -> Result<Vec<String>, BootstrapError> {
    match t.get(key) {
        None => Ok(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                _ => Err(invalid(format!(
                    "{label}.{key} must be a list of non-empty strings"
                ))),
            })
            .collect(),
        Some(_) => Err(invalid(format!("{label}.{key} must be a list"))),
    }
}

/// A TOML date-time: with an offset as given, without one in the conference's
/// timezone.
fn instant(
    t: &Table,
    label: &str,
    key: &str,
    tz: Tz,
) -> Result<Option<DateTime<Utc>>, BootstrapError> {
    let bad = || {
        invalid(format!(
            "{label}.{key} must be a date-time (2027-12-05T09:00:00)"
        ))
    };
    let Some(v) = t.get(key) else {
        return Ok(None);
    };
    let Value::Datetime(dt) = v else {
        return Err(bad());
    };
    let (Some(d), Some(time)) = (dt.date, dt.time) else {
        return Err(bad());
    };
    if dt.offset.is_some() {
        return DateTime::parse_from_rfc3339(&dt.to_string())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| bad());
    }
    let date = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .ok_or_else(bad)?;
    let time = NaiveTime::from_hms_opt(
        u32::from(time.hour),
        u32::from(time.minute),
        u32::from(time.second),
    )
    .ok_or_else(bad)?;
    super::toml_read::local_instant(tz, date, time, true)
        .map(Some)
        .ok_or_else(bad)
}

/// Reads `[[conference.rooms]]` and `[[conference.talks]]` (both optional).
pub fn parse(conf: &Table, tz: Tz) -> Result<TalksPlan, BootstrapError> {
    let mut plan = TalksPlan::default();
    let mut ids = BTreeSet::new();
    for (i, (label, t)) in super::toml_read::tables(conf, "rooms")?
        .into_iter()
        .enumerate()
    {
        let name = required(t, &label, "name")?;
        let id = match t.get("id") {
            None => i as i64 + 1,
            Some(Value::Integer(n)) if *n > 0 => *n,
            Some(_) => return Err(invalid(format!("{label}.id must be a positive number"))),
        };
        let capacity = match t.get("capacity") {
            None => None,
            Some(Value::Integer(n)) => Some(
                u32::try_from(*n)
                    .map_err(|_| invalid(format!("{label}.capacity must be a positive number")))?,
            ),
            Some(_) => return Err(invalid(format!("{label}.capacity must be a number"))),
        };
        if !ids.insert(id) {
            return Err(invalid(format!("{label}.id: room id {id} is used twice")));
        }
        if plan.rooms.iter().any(|r| r.name == name) {
            return Err(invalid(format!(
                "{label}.name: room '{name}' is named twice"
            )));
        }
        plan.rooms.push(Room {
            pretalx_id: id,
            name,
            description: text(t, &label, "description")?.unwrap_or_default(),
            capacity,
            position: i32::try_from(i).ok(),
        });
    }
    for (label, t) in super::toml_read::tables(conf, "talks")? {
        let title = required(t, &label, "title")?;
        let code = text(t, &label, "code")?.unwrap_or_else(|| super::slugify(&title));
        if code.is_empty() {
            return Err(invalid(format!("{label}.code must not be empty")));
        }
        if plan.talks.iter().any(|x| x.code == code) {
            return Err(invalid(format!(
                "{label}.code: talk '{code}' is given twice"
            )));
        }
        let room_name = text(t, &label, "room")?.filter(|r| !r.is_empty());
        if let Some(r) = &room_name
            && !plan.rooms.iter().any(|x| &x.name == r)
        {
            return Err(invalid(format!(
                "{label}.room: '{r}' is not a room of this file"
            )));
        }
        let start = instant(t, &label, "start", tz)?;
        let end = instant(t, &label, "end", tz)?;
        let duration = match (start, end) {
            (None, None) => None,
            (Some(s), Some(e)) if e > s => u32::try_from((e - s).num_minutes()).ok(),
            (Some(_), Some(_)) => {
                return Err(invalid(format!("{label}.end must be after its start")));
            }
            _ => {
                return Err(invalid(format!(
                    "{label}: give both start and end, or neither"
                )));
            }
        };
        let mut speakers = vec![];
        for name in strings(t, &label, "speakers")? {
            let speaker = super::slugify(&name);
            if speaker.is_empty() {
                return Err(invalid(format!(
                    "{label}.speakers: '{name}' has no usable name"
                )));
            }
            if !plan.speakers.iter().any(|s| s.code == speaker) {
                plan.speakers.push(SpeakerPlan {
                    code: speaker.clone(),
                    name,
                });
            }
            if !speakers.contains(&speaker) {
                speakers.push(speaker);
            }
        }
        plan.talks.push(TalkData {
            code,
            title,
            abstract_text: text(t, &label, "abstract")?.unwrap_or_default(),
            description: text(t, &label, "description")?.unwrap_or_default(),
            submission_type: text(t, &label, "submission_type")?
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "Talk".into()),
            track: text(t, &label, "track")?.unwrap_or_default(),
            tags: strings(t, &label, "tags")?,
            duration,
            state: text(t, &label, "state")?
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "confirmed".into()),
            room_name,
            slot_start: start,
            slot_end: end,
            speakers,
        });
    }
    Ok(plan)
}
