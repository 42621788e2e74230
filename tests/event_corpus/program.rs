//! Samples of the program: a conference's Pretalx program and session ratings.

use tessera_aggregates::program::{
    Program, ProgramEvent, Room, RoomOverride, SealedSpeakerEmail, Slot, SlotType, Speaker,
    SpeakerData, SpeakerOverride, Talk, TalkOverride, TypeDefault, program_id,
};
use tessera_aggregates::session_rating::{RatingEvent, SessionRating, rating_id};
use tessera_aggregates::user::Sealed;

use super::{Fixture, at, conference_id, later, stream, uid};

fn talk() -> Talk {
    Talk {
        code: "QX7ZPA".into(),
        title: "Async all the way".into(),
        abstract_text: "Why and how".into(),
        description: "Longer text".into(),
        submission_type: "Talk".into(),
        track: "Web".into(),
        tags: vec!["async".into()],
        duration: Some(30),
        state: "confirmed".into(),
        room: Some(12),
        slot_start: Some(later(60)),
        slot_end: Some(later(90)),
        speakers: vec!["ANA7".into()],
    }
}

pub fn program() -> Vec<Fixture> {
    let events = vec![
        ProgramEvent::ProgramOpened {
            conference_id: conference_id(),
        },
        ProgramEvent::RoomSynced {
            room: Room {
                pretalx_id: 12,
                name: "Hall A".into(),
                description: "Ground floor".into(),
                capacity: Some(400),
                position: Some(1),
            },
            at: at(),
        },
        ProgramEvent::SpeakerSynced {
            speaker: Speaker {
                data: SpeakerData {
                    code: "ANA7".into(),
                    name: "Ana".into(),
                    biography: "Pythonista".into(),
                    avatar_url: "https://pretalx.example/media/ana.png".into(),
                    email: String::new(),
                    sealed_email: Some(SealedSpeakerEmail {
                        person: uid("ana"),
                        email: Sealed {
                            v: 1,
                            n: "bm9uY2Utbm9uY2U=".into(),
                            c: "Y2lwaGVydGV4dA==".into(),
                        },
                        hash: "9f2c".into(),
                    }),
                },
                user: Some(uid("ana")),
            },
            at: at(),
        },
        ProgramEvent::TalkSynced {
            talk: talk(),
            at: at(),
        },
        ProgramEvent::SlotSynced {
            slot: Slot {
                start: later(60),
                end: later(90),
                room: Some(12),
                talk: Some("QX7ZPA".into()),
                title: "Async all the way".into(),
                slot_type: SlotType::Talk,
            },
            at: at(),
        },
        ProgramEvent::SlotRemoved {
            start: later(120),
            room: Some(12),
            at: later(1),
        },
        ProgramEvent::TalkOverridden {
            code: "QX7ZPA".into(),
            overrides: TalkOverride {
                title: Some("Async, all the way down".into()),
                is_cancelled: false,
                ..TalkOverride::default()
            },
            at: later(2),
        },
        ProgramEvent::ActivityLinked {
            submission_type: "Tutorial".into(),
            slug: "tutorial".into(),
        },
        ProgramEvent::SpeakerOverridden {
            code: "ANA7".into(),
            overrides: SpeakerOverride {
                name: Some("Ana P.".into()),
                ..SpeakerOverride::default()
            },
            linked: None,
            at: later(3),
        },
        ProgramEvent::RoomOverridden {
            room: 12,
            overrides: RoomOverride {
                name: Some("Ballroom".into()),
                capacity: Some(450),
                ..RoomOverride::default()
            },
            at: later(4),
        },
        ProgramEvent::TypeDefaultSet {
            default: TypeDefault {
                submission_type: "Tutorial".into(),
                room: Some(12),
                date: chrono::NaiveDate::from_ymd_opt(2027, 5, 14),
                start_time: chrono::NaiveTime::from_hms_opt(9, 0, 0),
                end_time: chrono::NaiveTime::from_hms_opt(12, 30, 0),
            },
            at: later(5),
        },
        ProgramEvent::TypeDefaultsApplied {
            talks: vec!["QX7ZPA".into()],
            at: later(6),
        },
        ProgramEvent::TypeDefaultRemoved {
            submission_type: "Tutorial".into(),
            at: later(7),
        },
    ];
    stream::<Program>(program_id(conference_id()), events)
}

pub fn session_rating() -> Vec<Fixture> {
    let events = vec![RatingEvent::SessionRated {
        conference_id: conference_id(),
        talk: "QX7ZPA".into(),
        user: uid("ana"),
        score: 4,
        at: later(100),
    }];
    stream::<SessionRating>(rating_id(conference_id(), "QX7ZPA", uid("ana")), events)
}

#[allow(dead_code)]
fn program_variants(e: &ProgramEvent) {
    use ProgramEvent::*;
    match e {
        ProgramOpened { .. }
        | RoomSynced { .. }
        | SpeakerSynced { .. }
        | TalkSynced { .. }
        | SlotSynced { .. }
        | SlotRemoved { .. }
        | TalkOverridden { .. }
        | SpeakerOverridden { .. }
        | RoomOverridden { .. }
        | ActivityLinked { .. }
        | TypeDefaultSet { .. }
        | TypeDefaultRemoved { .. }
        | TypeDefaultsApplied { .. } => {}
    }
}

#[allow(dead_code)]
fn rating_variants(e: &RatingEvent) {
    use RatingEvent::*;
    match e {
        SessionRated { .. } => {}
    }
}
