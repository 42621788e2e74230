//! A conference's program as synced from Pretalx (PRETALX-1…24): rooms,
//! speakers, talks and schedule slots, one stream per conference
//! ([`program_id`]). A sync run is one command (`SyncRun`, its steps in order),
//! so a run's events are appended in one statement or not at all: an aborted
//! schedule sync changes nothing (PRETALX-11). A step records only what differs
//! from the state, so running the same sync again records nothing.

mod activities;
mod commands;
mod days;
mod errors;
mod events;
mod model;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use activities::{ActivityPlan, activity_type_of};
pub use commands::ProgramCommand;
pub use days::{DayChoice, conference_day_choices, grant_day_choices, schedule_day_choices};
pub use errors::ProgramError;
pub use events::ProgramEvent;
pub use model::{
    DeleteGuard, Room, RoomOverride, SealedSpeakerEmail, Slot, SlotData, SlotType, Speaker,
    SpeakerData, SpeakerOverride, Talk, TalkData, TalkOverride, TypeDefault,
};

use crate::{DomainServices, Timestamp};

/// The program stream of a conference.
pub fn program_id(conference: Uuid) -> Uuid {
    crate::natural_id("program", &conference.to_string())
}

type SlotKey = (Timestamp, Option<i64>);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Program {
    conference: Option<Uuid>,
    rooms: BTreeMap<i64, Room>,
    speakers: BTreeMap<String, Speaker>,
    talks: BTreeMap<String, Talk>,
    slots: BTreeMap<SlotKey, Slot>,
    overrides: BTreeMap<String, TalkOverride>,
    /// PRETALX-6: activity slug by submission type (as stored).
    #[serde(default)]
    activities: BTreeMap<String, String>,
    /// PRETALX-18.
    #[serde(default)]
    speaker_overrides: BTreeMap<String, SpeakerOverride>,
    #[serde(default)]
    room_overrides: BTreeMap<i64, RoomOverride>,
    /// PRETALX-13: defaults by submission type.
    #[serde(default)]
    type_defaults: BTreeMap<String, TypeDefault>,
}

impl Program {
    pub fn talk(&self, code: &str) -> Option<&Talk> {
        self.talks.get(code)
    }

    pub fn has_talk(&self, code: &str) -> bool {
        self.talks.contains_key(code)
    }

    /// DISC-31: whether `user` is linked to a speaker, and whether one of that
    /// speaker's talks has more than one speaker.
    pub fn speaker_facts(&self, user: Uuid) -> (bool, bool) {
        let codes: BTreeSet<&str> = self
            .speakers
            .values()
            .filter(|s| s.user == Some(user))
            .map(|s| s.data.code.as_str())
            .collect();
        let shared = self
            .talks
            .values()
            .any(|t| t.speakers.len() > 1 && t.speakers.iter().any(|c| codes.contains(c.as_str())));
        (!codes.is_empty(), shared)
    }

    /// PRETALX-12: talks with no slot_start.
    pub fn unscheduled_talks(&self) -> usize {
        self.talks
            .values()
            .filter(|t| t.slot_start.is_none())
            .count()
    }

    /// PRETALX-13: the type defaults, by submission type.
    pub fn type_defaults(&self) -> impl Iterator<Item = &TypeDefault> {
        self.type_defaults.values()
    }

    /// PRETALX-13: the talks the type defaults would change, as changed, times
    /// in `tz` (invalid: UTC).
    fn defaulted_talks(&self, tz: &str) -> Vec<Talk> {
        self.talks
            .values()
            .filter_map(|t| {
                let out = self.type_defaults.get(&t.submission_type)?.apply(t, tz);
                (out != *t).then_some(out)
            })
            .collect()
    }

    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// PRETALX-4/23: a synced room by display name.
    fn room_named(&self, name: Option<&str>) -> Option<i64> {
        let name = name?.trim();
        self.rooms
            .values()
            .find(|r| !name.is_empty() && r.name == name)
            .map(|r| r.pretalx_id)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: ProgramCommand,
        now: Timestamp,
    ) -> Result<Vec<ProgramEvent>, ProgramError> {
        use ProgramCommand::*;
        use ProgramEvent::*;
        let mut facts = vec![];
        let opening = |conference_id: Uuid, facts: &mut Vec<ProgramEvent>| {
            if self.conference.is_none() {
                facts.push(ProgramOpened { conference_id });
            }
        };
        match cmd {
            SyncRun {
                conference_id,
                rooms,
                speakers,
                talks,
                schedule,
                type_defaults,
            } => {
                let steps = [
                    rooms.map(|rooms| SyncRooms {
                        conference_id,
                        rooms,
                    }),
                    speakers.map(|speakers| SyncSpeakers {
                        conference_id,
                        speakers,
                    }),
                    talks.map(|talks| SyncTalks {
                        conference_id,
                        talks,
                    }),
                    schedule.map(|(slots, guard)| SyncSchedule {
                        conference_id,
                        slots,
                        guard,
                    }),
                ];
                // Each step sees what the earlier ones recorded (talks name the
                // rooms and speakers of this run).
                let mut scratch = self.clone();
                for step in steps.into_iter().flatten() {
                    let step_facts = scratch.decide(step, now)?;
                    for fact in &step_facts {
                        scratch.evolve(fact.clone());
                    }
                    facts.extend(step_facts);
                }
                // PRETALX-15: type defaults last. A talk the talks step reset and
                // the defaults set again is recorded once, as it ends, or not at
                // all when that is how it was: re-running a sync records nothing.
                if let Some(tz) = type_defaults {
                    let mut codes = vec![];
                    for talk in scratch.defaulted_talks(&tz) {
                        facts.retain(
                            |f| !matches!(f, TalkSynced { talk: t, .. } if t.code == talk.code),
                        );
                        if self.talks.get(&talk.code) != Some(&talk) {
                            codes.push(talk.code.clone());
                            facts.push(TalkSynced { talk, at: now });
                        }
                    }
                    if !codes.is_empty() {
                        facts.push(TypeDefaultsApplied {
                            talks: codes,
                            at: now,
                        });
                    }
                }
            }
            SetTypeDefault {
                conference_id,
                default,
            } => {
                default.check()?; // PRETALX-14
                if default.room.is_some_and(|r| !self.rooms.contains_key(&r)) {
                    return Err(ProgramError::RoomNotInConference); // PRETALX-19
                }
                if self.type_defaults.get(&default.submission_type) != Some(&default) {
                    opening(conference_id, &mut facts);
                    facts.push(TypeDefaultSet { default, at: now });
                }
            }
            RemoveTypeDefault { submission_type } => {
                if !self.type_defaults.contains_key(&submission_type) {
                    return Err(ProgramError::TypeDefaultNotFound);
                }
                facts.push(TypeDefaultRemoved {
                    submission_type,
                    at: now,
                });
            }
            ApplyTypeDefaults {
                conference_id: _,
                timezone,
            } => {
                // PRETALX-13: only talks that change are recorded.
                let changed = self.defaulted_talks(&timezone);
                if !changed.is_empty() {
                    let talks = changed.iter().map(|t| t.code.clone()).collect();
                    for talk in changed {
                        facts.push(TalkSynced { talk, at: now });
                    }
                    facts.push(TypeDefaultsApplied { talks, at: now });
                }
            }
            SyncRooms {
                conference_id,
                rooms,
            } => {
                opening(conference_id, &mut facts);
                let rooms: BTreeMap<i64, Room> =
                    rooms.into_iter().map(|r| (r.pretalx_id, r)).collect();
                for room in rooms.into_values() {
                    if self.rooms.get(&room.pretalx_id) != Some(&room) {
                        facts.push(RoomSynced { room, at: now });
                    }
                }
            }
            SyncSpeakers {
                conference_id,
                speakers,
            } => {
                opening(conference_id, &mut facts);
                let speakers: BTreeMap<String, (SpeakerData, Option<Uuid>)> = speakers
                    .into_iter()
                    .map(|(s, u)| (s.code.clone(), (s, u)))
                    .collect();
                for (code, (mut data, by_email)) in speakers {
                    let current = self.speakers.get(&code);
                    // The plain e-mail served its purpose in `by_email`; only the
                    // sealed one is kept. Sealed again by every sync, it is the same
                    // address when its owner and hash are: the stored seal stays.
                    data.email.clear();
                    if let (Some(kept), Some(new)) = (
                        current.and_then(|s| s.data.sealed_email.as_ref()),
                        data.sealed_email.as_ref(),
                    ) && kept.person == new.person
                        && kept.hash == new.hash
                    {
                        data.sealed_email = Some(kept.clone());
                    }
                    // PRETALX-3: an existing speaker is linked only if unlinked.
                    let user = current.and_then(|s| s.user).or(by_email);
                    let speaker = Speaker { data, user };
                    if current != Some(&speaker) {
                        facts.push(SpeakerSynced { speaker, at: now });
                    }
                }
            }
            SyncTalks {
                conference_id,
                talks,
            } => {
                opening(conference_id, &mut facts);
                let talks: BTreeMap<String, TalkData> =
                    talks.into_iter().map(|t| (t.code.clone(), t)).collect();
                for data in talks.into_values() {
                    let talk = self.resolve_talk(data);
                    if self.talks.get(&talk.code) != Some(&talk) {
                        facts.push(TalkSynced { talk, at: now });
                    }
                }
            }
            SyncSchedule {
                conference_id,
                slots,
                guard,
            } => {
                opening(conference_id, &mut facts);
                facts.extend(self.sync_schedule(slots, guard, now)?);
            }
            LinkActivity {
                submission_type,
                slug,
            } => {
                if self.activities.get(&submission_type) != Some(&slug) {
                    facts.push(ActivityLinked {
                        submission_type,
                        slug,
                    });
                }
            }
            OverrideTalk { code, overrides } => {
                if !self.talks.contains_key(&code) {
                    return Err(ProgramError::TalkNotFound);
                }
                if overrides.room.is_some_and(|r| !self.rooms.contains_key(&r)) {
                    return Err(ProgramError::RoomNotInConference); // PRETALX-19
                }
                if self.overrides.get(&code).cloned().unwrap_or_default() != overrides {
                    facts.push(TalkOverridden {
                        code,
                        overrides,
                        at: now,
                    });
                }
            }
            OverrideSpeaker {
                code,
                overrides,
                user,
            } => {
                let Some(speaker) = self.speakers.get(&code) else {
                    return Err(ProgramError::SpeakerNotFound);
                };
                // PRETALX-3: only an unlinked speaker is linked.
                let linked = user.filter(|_| speaker.user.is_none());
                let unchanged = self
                    .speaker_overrides
                    .get(&code)
                    .cloned()
                    .unwrap_or_default()
                    == overrides;
                if !unchanged || linked.is_some() {
                    facts.push(SpeakerOverridden {
                        code,
                        overrides,
                        linked,
                        at: now,
                    });
                }
            }
            OverrideRoom { room, overrides } => {
                if !self.rooms.contains_key(&room) {
                    return Err(ProgramError::RoomNotFound);
                }
                if self.room_overrides.get(&room).cloned().unwrap_or_default() != overrides {
                    facts.push(RoomOverridden {
                        room,
                        overrides,
                        at: now,
                    });
                }
            }
        }
        Ok(facts)
    }

    /// PRETALX-4: the room by display name among synced rooms, speakers the
    /// program knows (unknown codes dropped), tags without blanks (PRETALX-20).
    fn resolve_talk(&self, data: TalkData) -> Talk {
        let room = self.room_named(data.room_name.as_deref());
        let speakers = data
            .speakers
            .into_iter()
            .filter(|c| self.speakers.contains_key(c))
            .collect();
        let tags = data
            .tags
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        // PRETALX-12: a talk linked to a schedule slot keeps that slot's room and
        // times, so syncing talks again after the schedule changes nothing.
        let slot = self
            .slots
            .values()
            .find(|s| s.talk.as_deref() == Some(data.code.as_str()));
        let (room, slot_start, slot_end) = match slot {
            Some(s) => (s.room, Some(s.start), Some(s.end)),
            None => (room, data.slot_start, data.slot_end),
        };
        Talk {
            code: data.code,
            title: data.title,
            abstract_text: data.abstract_text,
            description: data.description,
            submission_type: data.submission_type,
            track: data.track,
            tags,
            duration: data.duration,
            state: data.state,
            room,
            slot_start,
            slot_end,
            speakers,
        }
    }

    /// PRETALX-7…12: upsert slots by (start, room), delete the stale ones once the
    /// guard passes, then give each linked talk its slot's room and times.
    fn sync_schedule(
        &self,
        slots: Vec<SlotData>,
        guard: DeleteGuard,
        now: Timestamp,
    ) -> Result<Vec<ProgramEvent>, ProgramError> {
        use ProgramEvent::*;
        let mut touched: BTreeMap<SlotKey, Slot> = BTreeMap::new();
        for s in slots {
            let room = self.room_named(s.room_name.as_deref());
            let talk = s
                .submission
                .as_ref()
                .filter(|c| self.talks.contains_key(c.as_str()))
                .cloned();
            let slot_type = SlotType::of(s.submission.as_deref(), &s.title);
            let title = match (&talk, s.title.trim().is_empty()) {
                (Some(code), true) => self.talks.get(code).map(|t| t.title.clone()),
                _ => None,
            }
            .unwrap_or(s.title);
            let slot = Slot {
                start: s.start,
                end: s.end,
                room,
                talk,
                title,
                slot_type,
            };
            touched.insert(slot.key(), slot);
        }
        let stale: Vec<SlotKey> = self
            .slots
            .keys()
            .filter(|k| !touched.contains_key(k))
            .copied()
            .collect();
        let existing = self.slots.len();
        if guard.refuses(stale.len(), existing) {
            return Err(ProgramError::ScheduleDropTooLarge {
                stale: stale.len(),
                existing,
                percent: format!("{:.1}", stale.len() as f64 * 100.0 / existing as f64),
            });
        }
        let mut facts = vec![];
        for (key, slot) in &touched {
            if self.slots.get(key) != Some(slot) {
                facts.push(SlotSynced {
                    slot: slot.clone(),
                    at: now,
                });
            }
        }
        for (start, room) in stale {
            facts.push(SlotRemoved {
                start,
                room,
                at: now,
            });
        }
        // PRETALX-12: a talk linked to a slot takes its room, start and end.
        let mut scheduled: BTreeMap<&str, &Slot> = BTreeMap::new();
        for slot in touched.values() {
            if let Some(code) = &slot.talk {
                scheduled.insert(code.as_str(), slot);
            }
        }
        for (code, slot) in scheduled {
            let Some(talk) = self.talks.get(code) else {
                continue;
            };
            let moved = Talk {
                room: slot.room,
                slot_start: Some(slot.start),
                slot_end: Some(slot.end),
                ..talk.clone()
            };
            if &moved != talk {
                facts.push(TalkSynced {
                    talk: moved,
                    at: now,
                });
            }
        }
        Ok(facts)
    }

    fn evolve(&mut self, event: ProgramEvent) {
        use ProgramEvent::*;
        match event {
            ProgramOpened { conference_id } => self.conference = Some(conference_id),
            RoomSynced { room, .. } => {
                self.rooms.insert(room.pretalx_id, room);
            }
            SpeakerSynced { speaker, .. } => {
                self.speakers.insert(speaker.data.code.clone(), speaker);
            }
            TalkSynced { talk, .. } => {
                self.talks.insert(talk.code.clone(), talk);
            }
            SlotSynced { slot, .. } => {
                self.slots.insert(slot.key(), slot);
            }
            SlotRemoved { start, room, .. } => {
                self.slots.remove(&(start, room));
            }
            TalkOverridden {
                code, overrides, ..
            } => {
                self.overrides.insert(code, overrides);
            }
            ActivityLinked {
                submission_type,
                slug,
            } => {
                self.activities.insert(submission_type, slug);
            }
            SpeakerOverridden {
                code,
                overrides,
                linked,
                ..
            } => {
                if let (Some(user), Some(speaker)) = (linked, self.speakers.get_mut(&code)) {
                    speaker.user = Some(user);
                }
                self.speaker_overrides.insert(code, overrides);
            }
            RoomOverridden {
                room, overrides, ..
            } => {
                self.room_overrides.insert(room, overrides);
            }
            TypeDefaultSet { default, .. } => {
                self.type_defaults
                    .insert(default.submission_type.clone(), default);
            }
            TypeDefaultRemoved {
                submission_type, ..
            } => {
                self.type_defaults.remove(&submission_type);
            }
            TypeDefaultsApplied { .. } => {}
        }
    }
}

/// PRETALX-17: a talk's effective values, the override winning when set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub room: Option<i64>,
    pub slot_start: Option<Timestamp>,
    pub slot_end: Option<Timestamp>,
    pub state: String,
}

impl Talk {
    /// PRETALX-17: effective_state is "cancelled" when the override says so, else
    /// the override's state when set, else the synced state.
    pub fn effective(&self, ov: Option<&TalkOverride>) -> Effective {
        let ov = ov.cloned().unwrap_or_default();
        let state = if ov.is_cancelled {
            "cancelled".to_string()
        } else {
            ov.state.unwrap_or_else(|| self.state.clone())
        };
        Effective {
            title: ov.title.unwrap_or_else(|| self.title.clone()),
            abstract_text: ov
                .abstract_text
                .unwrap_or_else(|| self.abstract_text.clone()),
            room: ov.room.or(self.room),
            slot_start: ov.slot_start.or(self.slot_start),
            slot_end: ov.slot_end.or(self.slot_end),
            state,
        }
    }
}

impl Aggregate for Program {
    const TYPE: &'static str = "program";
    type Command = ProgramCommand;
    type Event = ProgramEvent;
    type Error = ProgramError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}
