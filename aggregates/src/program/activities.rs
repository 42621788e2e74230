//! Activities fed by the program (PRETALX-5/6, ACT-13): one activity per
//! distinct submission type that maps to an activity type, and the talks an
//! activity links.

use std::collections::{BTreeMap, BTreeSet};

use super::{Program, Talk};
use crate::Timestamp;
use crate::activity::ActivityType;

/// PRETALX-5: the activity type of a submission type (case-insensitive), if any.
pub fn activity_type_of(submission_type: &str) -> Option<ActivityType> {
    Some(match submission_type.trim().to_lowercase().as_str() {
        "tutorial" => ActivityType::Tutorial,
        "workshop" => ActivityType::Workshop,
        "lightning talk" => ActivityType::LightningTalk,
        "sprint" => ActivityType::Sprint,
        "summit" => ActivityType::Summit,
        "open space" => ActivityType::OpenSpace,
        _ => return None,
    })
}

/// PRETALX-6: what the activity of one submission type should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityPlan {
    /// As stored on the talks: the upsert key.
    pub submission_type: String,
    pub activity_type: ActivityType,
    /// "<type>s".
    pub name: String,
    pub description: String,
    /// Set when the talks are in exactly one room.
    pub room: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The slug of the activity already linked to this type.
    pub linked_slug: Option<String>,
}

fn talks_word(n: usize) -> String {
    if n == 1 {
        "1 talk".to_string()
    } else {
        format!("{n} talks")
    }
}

impl Program {
    /// PRETALX-6: the talks of a submission type (as stored).
    pub fn talks_of_type<'a>(&'a self, submission_type: &'a str) -> impl Iterator<Item = &'a Talk> {
        self.talks
            .values()
            .filter(move |t| t.submission_type == submission_type)
    }

    /// The submission type an activity slug was created for.
    pub fn type_of_activity(&self, slug: &str) -> Option<&str> {
        self.activities
            .iter()
            .find(|(_, s)| s.as_str() == slug)
            .map(|(t, _)| t.as_str())
    }

    /// ACT-13: the talks linked to the activity `slug`, with their effective
    /// values, ordered by (start, title), talks without a start last.
    pub fn linked_talks(&self, slug: &str) -> Vec<(&Talk, super::Effective)> {
        let Some(kind) = self.type_of_activity(slug) else {
            return vec![];
        };
        let mut talks: Vec<(&Talk, super::Effective)> = self
            .talks_of_type(kind)
            .map(|t| (t, t.effective(self.overrides.get(&t.code))))
            .collect();
        talks.sort_by(|(_, a), (_, b)| {
            (a.slot_start.is_none(), a.slot_start, &a.title).cmp(&(
                b.slot_start.is_none(),
                b.slot_start,
                &b.title,
            ))
        });
        talks
    }

    pub fn room_name(&self, id: Option<i64>) -> Option<&str> {
        self.rooms.get(&id?).map(|r| r.name.as_str())
    }

    pub fn speaker_name(&self, code: &str) -> Option<&str> {
        self.speakers.get(code).map(|s| s.data.name.as_str())
    }

    /// PRETALX-5/6: one plan per distinct submission type mapping to an activity
    /// type: name, description by rooms, earliest start, latest end.
    pub fn activity_plans(&self) -> Vec<ActivityPlan> {
        let types: BTreeSet<&str> = self
            .talks
            .values()
            .map(|t| t.submission_type.as_str())
            .filter(|t| activity_type_of(t).is_some())
            .collect();
        types
            .into_iter()
            .filter_map(|kind| {
                let activity_type = activity_type_of(kind)?;
                let talks: Vec<&Talk> = self.talks_of_type(kind).collect();
                let rooms: BTreeMap<i64, &str> = talks
                    .iter()
                    .filter_map(|t| Some((t.room?, self.room_name(t.room)?)))
                    .collect();
                let n = talks_word(talks.len());
                let description = match rooms.len() {
                    0 => n,
                    1 => format!("{n} in {}", rooms.values().next().copied().unwrap_or("")),
                    k => format!("{n} across {k} rooms"),
                };
                Some(ActivityPlan {
                    submission_type: kind.to_string(),
                    activity_type,
                    name: format!("{kind}s"),
                    description,
                    room: (rooms.len() == 1)
                        .then(|| rooms.values().next().map(|r| r.to_string()))
                        .flatten(),
                    start: talks.iter().filter_map(|t| t.slot_start).min(),
                    end: talks.iter().filter_map(|t| t.slot_end).max(),
                    linked_slug: self.activities.get(kind).cloned(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::program::{ProgramEvent, Room};

    fn at(h: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2027, 5, 14, 9, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::hours(h)
    }

    fn talk(code: &str, kind: &str, room: Option<i64>, h: Option<i64>) -> ProgramEvent {
        ProgramEvent::TalkSynced {
            talk: Talk {
                code: code.into(),
                title: code.into(),
                abstract_text: String::new(),
                description: String::new(),
                submission_type: kind.into(),
                track: String::new(),
                tags: vec![],
                duration: None,
                state: "confirmed".into(),
                room,
                slot_start: h.map(at),
                slot_end: h.map(|h| at(h) + Duration::minutes(90)),
                speakers: vec![],
            },
            at: at(0),
        }
    }

    fn room(id: i64, name: &str) -> ProgramEvent {
        ProgramEvent::RoomSynced {
            room: Room {
                pretalx_id: id,
                name: name.into(),
                description: String::new(),
                capacity: None,
                position: None,
            },
            at: at(0),
        }
    }

    #[test]
    fn pretalx_5_6_one_plan_per_mapped_submission_type() {
        let mut p = Program::default();
        for e in [
            room(1, "Room 1"),
            room(2, "Room 2"),
            talk("T1", "Tutorial", Some(1), Some(0)),
            talk("T2", "Tutorial", Some(2), Some(5)),
            talk("W1", "workshop", Some(1), Some(2)),
            talk("L1", "Lightning Talk", None, None),
            talk("K1", "Talk", Some(1), Some(1)),
        ] {
            p.evolve(e);
        }
        let plans = p.activity_plans();
        let kinds: Vec<&str> = plans.iter().map(|a| a.submission_type.as_str()).collect();
        assert_eq!(kinds, vec!["Lightning Talk", "Tutorial", "workshop"]);
        let lightning = &plans[0];
        assert_eq!(lightning.activity_type, ActivityType::LightningTalk);
        assert_eq!(lightning.description, "1 talk");
        assert_eq!((lightning.start, lightning.room.clone()), (None, None));
        let tutorials = &plans[1];
        assert_eq!(tutorials.name, "Tutorials");
        assert_eq!(tutorials.description, "2 talks across 2 rooms");
        assert_eq!(tutorials.room, None);
        assert_eq!(tutorials.start, Some(at(0)));
        assert_eq!(tutorials.end, Some(at(5) + Duration::minutes(90)));
        let workshops = &plans[2];
        assert_eq!(workshops.description, "1 talk in Room 1");
        assert_eq!(workshops.room.as_deref(), Some("Room 1"));
    }
}
