//! Pretalx JSON into the program's data. Pretalx texts may be plain strings or
//! localized objects (`{"en": …}`); both are read. Rows missing their key are
//! skipped (PRETALX-21), slots with unparsable times too (PRETALX-7).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tessera_aggregates::program::{Room, SlotData, SpeakerData, TalkData};

/// A plain or localized text: the string, else the English text, else the first.
pub fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => m
            .get("en")
            .and_then(Value::as_str)
            .or_else(|| m.values().find_map(Value::as_str))
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn non_empty(s: String) -> Option<String> {
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// PRETALX-2, PRETALX-21: rooms without an id are skipped.
pub fn rooms(items: &[Value]) -> Vec<Room> {
    items
        .iter()
        .filter_map(|r| {
            Some(Room {
                pretalx_id: r.get("id")?.as_i64()?,
                name: text(r.get("name")),
                description: text(r.get("description")),
                capacity: r
                    .get("capacity")
                    .and_then(Value::as_u64)
                    .and_then(|c| u32::try_from(c).ok()),
                position: r
                    .get("position")
                    .and_then(Value::as_i64)
                    .and_then(|p| i32::try_from(p).ok()),
            })
        })
        .collect()
}

/// PRETALX-3.
pub fn speakers(items: &[Value]) -> Vec<SpeakerData> {
    items
        .iter()
        .filter_map(|s| {
            let code = non_empty(text(s.get("code")))?;
            let avatar = text(s.get("avatar_url"));
            Some(SpeakerData {
                code,
                name: text(s.get("name")),
                biography: text(s.get("biography")),
                avatar_url: if avatar.is_empty() {
                    text(s.get("avatar"))
                } else {
                    avatar
                },
                email: text(s.get("email")).trim().to_string(),
                sealed_email: None,
            })
        })
        .collect()
}

/// Tag names by id, from the tags endpoint.
pub fn tag_names(items: &[Value]) -> HashMap<i64, String> {
    items
        .iter()
        .filter_map(|t| Some((t.get("id")?.as_i64()?, text(t.get("tag")))))
        .collect()
}

/// PRETALX-4: tags given as ids are named from `tags` (PRETALX-24: without the
/// tags endpoint, talks sync without those tags).
pub fn talks(items: &[Value], tags: &HashMap<i64, String>) -> Vec<TalkData> {
    items
        .iter()
        .filter_map(|t| {
            let code = non_empty(text(t.get("code")))?;
            let slot = t.get("slot").filter(|s| s.is_object());
            let speakers = t
                .get("speakers")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| match s {
                            Value::String(c) => Some(c.clone()),
                            other => non_empty(text(other.get("code"))),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let tag_list = t
                .get("tags")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| match v {
                            Value::Number(n) => n.as_i64().and_then(|id| tags.get(&id).cloned()),
                            Value::String(s) => Some(s.clone()),
                            other => Some(text(other.get("tag"))),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(TalkData {
                code,
                title: text(t.get("title")),
                abstract_text: text(t.get("abstract")),
                description: text(t.get("description")),
                submission_type: text(t.get("submission_type")),
                track: text(t.get("track")),
                tags: tag_list,
                duration: t
                    .get("duration")
                    .and_then(Value::as_u64)
                    .and_then(|d| u32::try_from(d).ok()),
                state: text(t.get("state")),
                room_name: slot.and_then(|s| non_empty(text(s.get("room")))),
                slot_start: slot.and_then(|s| time(s.get("start"))),
                slot_end: slot.and_then(|s| time(s.get("end"))),
                speakers,
            })
        })
        .collect()
}

/// PRETALX-7: the schedule's slots (`{"slots": […]}` or a bare list); slots
/// with unparsable start or end are skipped.
pub fn slots(doc: &Value) -> Vec<SlotData> {
    let list = match doc {
        Value::Array(a) => a.as_slice(),
        other => other
            .get("slots")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default(),
    };
    list.iter()
        .filter_map(|s| {
            let submission = match s.get("submission") {
                Some(Value::String(c)) => non_empty(c.clone()),
                Some(o @ Value::Object(_)) => non_empty(text(o.get("code"))),
                _ => None,
            };
            let title = match text(s.get("title")) {
                t if t.is_empty() => text(s.get("description")),
                t => t,
            };
            Some(SlotData {
                start: time(s.get("start"))?,
                end: time(s.get("end"))?,
                room_name: non_empty(text(s.get("room"))),
                submission,
                title,
            })
        })
        .collect()
}
