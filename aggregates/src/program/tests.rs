use chrono::{Duration, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2027, 5, 15, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    Uuid::from_u128(7)
}

fn at_hour(h: i64) -> Timestamp {
    t0() + Duration::hours(h)
}

fn svc() -> DomainServices {
    DomainServices::at(t0())
}

fn room(id: i64, name: &str) -> Room {
    Room {
        pretalx_id: id,
        name: name.into(),
        description: String::new(),
        capacity: Some(100),
        position: Some(id as i32),
    }
}

/// A speaker as the program records it: without the e-mail.
fn speaker(code: &str) -> SpeakerData {
    SpeakerData {
        code: code.into(),
        name: code.into(),
        biography: String::new(),
        avatar_url: String::new(),
        email: String::new(),
        sealed_email: None,
    }
}

/// A speaker as the sync flow hands it over: the plain e-mail (for the link)
/// and its seal, here with nonce `n`.
fn from_pretalx(code: &str, n: &str) -> SpeakerData {
    SpeakerData {
        email: format!("{code}@example.org"),
        sealed_email: Some(sealed_email(code, n)),
        ..speaker(code)
    }
}

fn sealed_email(code: &str, n: &str) -> SealedSpeakerEmail {
    SealedSpeakerEmail {
        person: Uuid::from_u128(u128::from(code.len() as u32)),
        email: crate::user::Sealed {
            v: 1,
            n: n.into(),
            c: format!("sealed {code}"),
        },
        hash: format!("hash of {code}"),
    }
}

/// A speaker as the program records it with the seal of nonce `n`.
fn kept(code: &str, n: &str) -> SpeakerData {
    SpeakerData {
        sealed_email: Some(sealed_email(code, n)),
        ..speaker(code)
    }
}

fn talk(code: &str, speakers: &[&str]) -> Talk {
    Talk {
        code: code.into(),
        title: format!("Talk {code}"),
        abstract_text: String::new(),
        description: String::new(),
        submission_type: "Talk".into(),
        track: String::new(),
        tags: vec![],
        duration: Some(30),
        state: "confirmed".into(),
        room: None,
        slot_start: None,
        slot_end: None,
        speakers: speakers.iter().map(|s| s.to_string()).collect(),
    }
}

fn slot(h: i64, room: Option<i64>) -> Slot {
    Slot {
        start: at_hour(h),
        end: at_hour(h) + Duration::minutes(30),
        room,
        talk: None,
        title: format!("Slot {h}"),
        slot_type: SlotType::Other,
    }
}

fn slot_data(h: i64, room: &str) -> SlotData {
    SlotData {
        start: at_hour(h),
        end: at_hour(h) + Duration::minutes(30),
        room_name: Some(room.into()),
        submission: None,
        title: format!("Slot {h}"),
    }
}

fn opened() -> ProgramEvent {
    ProgramEvent::ProgramOpened {
        conference_id: conf(),
    }
}

fn room_synced(id: i64, name: &str) -> ProgramEvent {
    ProgramEvent::RoomSynced {
        room: room(id, name),
        at: t0(),
    }
}

fn slot_synced(h: i64, room: Option<i64>) -> ProgramEvent {
    ProgramEvent::SlotSynced {
        slot: slot(h, room),
        at: t0(),
    }
}

fn schedule(hours: &[i64], guard: DeleteGuard) -> ProgramCommand {
    ProgramCommand::SyncSchedule {
        conference_id: conf(),
        slots: hours.iter().map(|h| slot_data(*h, "Hall A")).collect(),
        guard,
    }
}

/// Five existing slots in Hall A, at hours 0…4.
fn five_slots() -> Vec<ProgramEvent> {
    let mut given = vec![opened(), room_synced(1, "Hall A")];
    given.extend((0..5).map(|h| slot_synced(h, Some(1))));
    given
}

fn removed(h: i64) -> ProgramEvent {
    ProgramEvent::SlotRemoved {
        start: at_hour(h),
        room: Some(1),
        at: t0(),
    }
}

#[test]
fn pretalx_2_a_room_sync_records_new_rooms_then_nothing_when_unchanged() {
    let cmd = ProgramCommand::SyncRooms {
        conference_id: conf(),
        rooms: vec![room(1, "Hall A")],
    };
    TestFramework::<Program>::with(svc())
        .given_no_previous_events()
        .when(cmd.clone())
        .then_expect_events(vec![opened(), room_synced(1, "Hall A")]);
    TestFramework::<Program>::with(svc())
        .given(vec![opened(), room_synced(1, "Hall A")])
        .when(cmd)
        .then_expect_events(vec![]);
}

#[test]
fn pretalx_3_an_existing_link_is_kept_and_an_unlinked_speaker_is_linked() {
    let ana = Uuid::from_u128(1);
    let bo = Uuid::from_u128(2);
    let linked = ProgramEvent::SpeakerSynced {
        speaker: Speaker {
            data: kept("ANA", "n0"),
            user: Some(ana),
        },
        at: t0(),
    };
    TestFramework::<Program>::with(svc())
        .given(vec![opened(), linked.clone()])
        .when(ProgramCommand::SyncSpeakers {
            conference_id: conf(),
            speakers: vec![
                (from_pretalx("ANA", "n1"), Some(bo)),
                (from_pretalx("BO", "n1"), Some(bo)),
            ],
        })
        .then_expect_events(vec![ProgramEvent::SpeakerSynced {
            speaker: Speaker {
                data: kept("BO", "n1"),
                user: Some(bo),
            },
            at: t0(),
        }]);
}

/// PRETALX-3, ANA-49: the plain e-mail links the speaker and goes no further;
/// the fact keeps the seal. A speaker recorded with a plain address by an older
/// release is recorded again with the seal only. A re-sync seals anew (another
/// nonce), but the same owner and hash record nothing; a changed address does.
#[test]
fn pretalx_3_a_speakers_email_enters_the_log_only_sealed() {
    let ana = Uuid::from_u128(1);
    let sync = |n: &str| ProgramCommand::SyncSpeakers {
        conference_id: conf(),
        speakers: vec![(from_pretalx("ANA", n), Some(ana))],
    };
    let synced = |data: SpeakerData| ProgramEvent::SpeakerSynced {
        speaker: Speaker {
            data,
            user: Some(ana),
        },
        at: t0(),
    };
    TestFramework::<Program>::with(svc())
        .given_no_previous_events()
        .when(sync("n1"))
        .then_expect_events(vec![opened(), synced(kept("ANA", "n1"))]);
    let plain = SpeakerData {
        email: "ANA@example.org".into(),
        ..speaker("ANA")
    };
    TestFramework::<Program>::with(svc())
        .given(vec![opened(), synced(plain)])
        .when(sync("n1"))
        .then_expect_events(vec![synced(kept("ANA", "n1"))]);
    TestFramework::<Program>::with(svc())
        .given(vec![opened(), synced(kept("ANA", "n0"))])
        .when(sync("n1"))
        .then_expect_events(vec![]);
    let mut moved = from_pretalx("ANA", "n2");
    if let Some(e) = moved.sealed_email.as_mut() {
        e.hash = "hash of a new address".into();
    }
    let mut expected = moved.clone();
    expected.email.clear();
    TestFramework::<Program>::with(svc())
        .given(vec![opened(), synced(kept("ANA", "n0"))])
        .when(ProgramCommand::SyncSpeakers {
            conference_id: conf(),
            speakers: vec![(moved, Some(ana))],
        })
        .then_expect_events(vec![synced(expected)]);
}

#[test]
fn pretalx_4_talk_room_by_name_and_unknown_speakers_dropped() {
    let data = TalkData {
        code: "T1".into(),
        title: "Talk T1".into(),
        abstract_text: String::new(),
        description: String::new(),
        submission_type: "Talk".into(),
        track: String::new(),
        tags: vec![" web ".into(), " ".into()],
        duration: Some(30),
        state: "confirmed".into(),
        room_name: Some("Hall A".into()),
        slot_start: None,
        slot_end: None,
        speakers: vec!["ANA".into(), "GHOST".into()],
    };
    let mut expected = talk("T1", &["ANA"]);
    expected.room = Some(1);
    expected.tags = vec!["web".into()];
    TestFramework::<Program>::with(svc())
        .given(vec![
            opened(),
            room_synced(1, "Hall A"),
            ProgramEvent::SpeakerSynced {
                speaker: Speaker {
                    data: speaker("ANA"),
                    user: None,
                },
                at: t0(),
            },
        ])
        .when(ProgramCommand::SyncTalks {
            conference_id: conf(),
            talks: vec![data],
        })
        .then_expect_events(vec![ProgramEvent::TalkSynced {
            talk: expected,
            at: t0(),
        }]);
}

#[test]
fn pretalx_8_slot_types_from_submission_and_title() {
    assert_eq!(SlotType::of(Some("T1"), "Lunch"), SlotType::Talk);
    assert_eq!(SlotType::of(None, "Coffee Break"), SlotType::Break);
    assert_eq!(SlotType::of(None, "LUNCH"), SlotType::Break);
    assert_eq!(SlotType::of(None, "PyLadies Party"), SlotType::Social);
    assert_eq!(SlotType::of(None, "Opening"), SlotType::Other);
}

#[test]
fn pretalx_10_amb_8_removing_40_percent_of_5_slots_deletes() {
    // AMB-8 decided: abort only when strictly more than the maximum fraction.
    TestFramework::<Program>::with(svc())
        .given(five_slots())
        .when(schedule(&[0, 1, 2], DeleteGuard::default()))
        .then_expect_events(vec![removed(3), removed(4)]);
}

#[test]
fn pretalx_11_removing_3_of_5_slots_aborts_the_whole_step() {
    TestFramework::<Program>::with(svc())
        .given(five_slots())
        .when(schedule(&[0, 1, 7], DeleteGuard::default()))
        .then_expect_error(ProgramError::ScheduleDropTooLarge {
            stale: 3,
            existing: 5,
            percent: "60.0".into(),
        });
}

#[test]
fn pretalx_10_below_the_minimum_or_when_allowed_there_is_no_check() {
    let mut given = vec![opened(), room_synced(1, "Hall A")];
    given.extend((0..4).map(|h| slot_synced(h, Some(1))));
    TestFramework::<Program>::with(svc())
        .given(given)
        .when(schedule(&[], DeleteGuard::default()))
        .then_expect_events((0..4).map(removed).collect());
    let allow = DeleteGuard {
        allow_large_deletions: true,
        ..DeleteGuard::default()
    };
    TestFramework::<Program>::with(svc())
        .given(five_slots())
        .when(schedule(&[0], allow))
        .then_expect_events((1..5).map(removed).collect());
}

#[test]
fn pretalx_12_a_linked_talk_takes_its_slots_room_and_times() {
    let mut data = slot_data(2, "Hall A");
    data.submission = Some("T1".into());
    data.title = String::new();
    let mut linked = slot(2, Some(1));
    linked.talk = Some("T1".into());
    linked.title = "Talk T1".into(); // PRETALX-7: falls back to the talk's title
    linked.slot_type = SlotType::Talk;
    let mut moved = talk("T1", &[]);
    moved.room = Some(1);
    moved.slot_start = Some(linked.start);
    moved.slot_end = Some(linked.end);
    TestFramework::<Program>::with(svc())
        .given(vec![
            opened(),
            room_synced(1, "Hall A"),
            ProgramEvent::TalkSynced {
                talk: talk("T1", &[]),
                at: t0(),
            },
        ])
        .when(ProgramCommand::SyncSchedule {
            conference_id: conf(),
            slots: vec![data],
            guard: DeleteGuard::default(),
        })
        .then_expect_events(vec![
            ProgramEvent::SlotSynced {
                slot: linked,
                at: t0(),
            },
            ProgramEvent::TalkSynced {
                talk: moved,
                at: t0(),
            },
        ]);
}

#[test]
fn pretalx_17_effective_values_prefer_overrides() {
    let t = talk("T1", &[]);
    let ov = TalkOverride {
        title: Some("Better".into()),
        state: Some("withdrawn".into()),
        ..TalkOverride::default()
    };
    let e = t.effective(Some(&ov));
    assert_eq!(e.title, "Better");
    assert_eq!(e.state, "withdrawn");
    let cancelled = TalkOverride {
        is_cancelled: true,
        ..ov
    };
    assert_eq!(t.effective(Some(&cancelled)).state, "cancelled");
    assert_eq!(t.effective(None).title, "Talk T1");
}

#[test]
fn disc_31_speaker_facts_of_a_linked_user() {
    let ana = Uuid::from_u128(1);
    let mut program = Program::default();
    for e in [
        ProgramEvent::SpeakerSynced {
            speaker: Speaker {
                data: speaker("ANA"),
                user: Some(ana),
            },
            at: t0(),
        },
        ProgramEvent::TalkSynced {
            talk: talk("T1", &["ANA"]),
            at: t0(),
        },
    ] {
        program.evolve(e);
    }
    assert_eq!(program.speaker_facts(ana), (true, false));
    program.evolve(ProgramEvent::TalkSynced {
        talk: talk("T2", &["ANA", "BO"]),
        at: t0(),
    });
    assert_eq!(program.speaker_facts(ana), (true, true));
    assert_eq!(program.speaker_facts(Uuid::from_u128(9)), (false, false));
}

fn talk_data(code: &str, room: &str, speakers: &[&str]) -> TalkData {
    TalkData {
        code: code.into(),
        title: format!("Talk {code}"),
        abstract_text: String::new(),
        description: String::new(),
        submission_type: "Talk".into(),
        track: String::new(),
        tags: vec![],
        duration: Some(30),
        state: "confirmed".into(),
        room_name: Some(room.into()),
        slot_start: None,
        slot_end: None,
        speakers: speakers.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn pretalx_11_a_run_is_one_unit_whose_steps_see_the_earlier_ones() {
    // A first run: the talk finds the room and the speaker synced by this run.
    let mut expected = talk("T1", &["ANA"]);
    expected.room = Some(1);
    TestFramework::<Program>::with(svc())
        .given_no_previous_events()
        .when(ProgramCommand::SyncRun {
            conference_id: conf(),
            rooms: Some(vec![room(1, "Hall A")]),
            speakers: Some(vec![(speaker("ANA"), None)]),
            talks: Some(vec![talk_data("T1", "Hall A", &["ANA"])]),
            schedule: None,
            type_defaults: None,
        })
        .then_expect_events(vec![
            opened(),
            room_synced(1, "Hall A"),
            ProgramEvent::SpeakerSynced {
                speaker: Speaker {
                    data: speaker("ANA"),
                    user: None,
                },
                at: t0(),
            },
            ProgramEvent::TalkSynced {
                talk: expected,
                at: t0(),
            },
        ]);
}

#[test]
fn pretalx_11_a_refused_schedule_undoes_the_whole_run() {
    // The new room would be recorded by its step, but the schedule's guard
    // refuses: the run records nothing.
    TestFramework::<Program>::with(svc())
        .given(five_slots())
        .when(ProgramCommand::SyncRun {
            conference_id: conf(),
            rooms: Some(vec![room(1, "Hall A"), room(2, "Hall B")]),
            speakers: None,
            talks: None,
            schedule: Some((
                vec![slot_data(0, "Hall A"), slot_data(1, "Hall A")],
                DeleteGuard::default(),
            )),
            type_defaults: None,
        })
        .then_expect_error(ProgramError::ScheduleDropTooLarge {
            stale: 3,
            existing: 5,
            percent: "60.0".into(),
        });
}

fn keynote_default(room: Option<i64>) -> TypeDefault {
    TypeDefault {
        submission_type: "Keynote".into(),
        room,
        date: chrono::NaiveDate::from_ymd_opt(2027, 5, 16),
        start_time: chrono::NaiveTime::from_hms_opt(9, 0, 0),
        end_time: chrono::NaiveTime::from_hms_opt(10, 0, 0),
    }
}

fn keynote(code: &str) -> Talk {
    Talk {
        submission_type: "Keynote".into(),
        ..talk(code, &[])
    }
}

fn keynote_data(code: &str) -> TalkData {
    TalkData {
        submission_type: "Keynote".into(),
        room_name: None,
        ..talk_data(code, "", &[])
    }
}

fn program_with_keynote() -> Vec<ProgramEvent> {
    vec![
        opened(),
        room_synced(1, "Hall A"),
        ProgramEvent::TalkSynced {
            talk: keynote("K1"),
            at: t0(),
        },
        ProgramEvent::TypeDefaultSet {
            default: keynote_default(Some(1)),
            at: t0(),
        },
    ]
}

/// 2027-05-16 09:00 and 10:00 in Chicago (CDT, UTC-5).
fn defaulted_keynote() -> Talk {
    Talk {
        room: Some(1),
        slot_start: Utc.with_ymd_and_hms(2027, 5, 16, 14, 0, 0).single(),
        slot_end: Utc.with_ymd_and_hms(2027, 5, 16, 15, 0, 0).single(),
        ..keynote("K1")
    }
}

#[test]
fn pretalx_14_a_time_needs_a_date() {
    TestFramework::<Program>::with(svc())
        .given(vec![opened()])
        .when(ProgramCommand::SetTypeDefault {
            conference_id: conf(),
            default: TypeDefault {
                date: None,
                ..keynote_default(None)
            },
        })
        .then_expect_error(ProgramError::TypeDefaultWithoutDate);
}

#[test]
fn pretalx_14_both_times_or_neither() {
    TestFramework::<Program>::with(svc())
        .given(vec![opened()])
        .when(ProgramCommand::SetTypeDefault {
            conference_id: conf(),
            default: TypeDefault {
                end_time: None,
                ..keynote_default(None)
            },
        })
        .then_expect_error(ProgramError::TypeDefaultHalfTimes);
}

#[test]
fn pretalx_13_a_default_room_must_be_a_synced_room() {
    TestFramework::<Program>::with(svc())
        .given(vec![opened()])
        .when(ProgramCommand::SetTypeDefault {
            conference_id: conf(),
            default: keynote_default(Some(9)),
        })
        .then_expect_error(ProgramError::RoomNotInConference);
}

#[test]
fn pretalx_13_setting_a_default_records_it_once() {
    TestFramework::<Program>::with(svc())
        .given_no_previous_events()
        .when(ProgramCommand::SetTypeDefault {
            conference_id: conf(),
            default: TypeDefault {
                submission_type: "Keynote".into(),
                ..TypeDefault::default()
            },
        })
        .then_expect_events(vec![
            opened(),
            ProgramEvent::TypeDefaultSet {
                default: TypeDefault {
                    submission_type: "Keynote".into(),
                    ..TypeDefault::default()
                },
                at: t0(),
            },
        ]);
    TestFramework::<Program>::with(svc())
        .given(program_with_keynote())
        .when(ProgramCommand::SetTypeDefault {
            conference_id: conf(),
            default: keynote_default(Some(1)),
        })
        .then_expect_events(vec![]);
}

#[test]
fn removing_an_unknown_type_default_is_not_found() {
    TestFramework::<Program>::with(svc())
        .given(vec![opened()])
        .when(ProgramCommand::RemoveTypeDefault {
            submission_type: "Keynote".into(),
        })
        .then_expect_error(ProgramError::TypeDefaultNotFound);
}

#[test]
fn pretalx_13_apply_sets_room_and_times_in_the_conference_timezone() {
    TestFramework::<Program>::with(svc())
        .given(program_with_keynote())
        .when(ProgramCommand::ApplyTypeDefaults {
            conference_id: conf(),
            timezone: "America/Chicago".into(),
        })
        .then_expect_events(vec![
            ProgramEvent::TalkSynced {
                talk: defaulted_keynote(),
                at: t0(),
            },
            ProgramEvent::TypeDefaultsApplied {
                talks: vec!["K1".into()],
                at: t0(),
            },
        ]);
}

#[test]
fn pretalx_13_an_invalid_timezone_reads_as_utc() {
    let expected = Talk {
        slot_start: Utc.with_ymd_and_hms(2027, 5, 16, 9, 0, 0).single(),
        slot_end: Utc.with_ymd_and_hms(2027, 5, 16, 10, 0, 0).single(),
        ..defaulted_keynote()
    };
    TestFramework::<Program>::with(svc())
        .given(program_with_keynote())
        .when(ProgramCommand::ApplyTypeDefaults {
            conference_id: conf(),
            timezone: "Mars/Olympus".into(),
        })
        .then_expect_events(vec![
            ProgramEvent::TalkSynced {
                talk: expected,
                at: t0(),
            },
            ProgramEvent::TypeDefaultsApplied {
                talks: vec!["K1".into()],
                at: t0(),
            },
        ]);
}

#[test]
fn pretalx_13_a_talk_keeps_its_own_room_and_times_and_other_types_are_untouched() {
    let own = Talk {
        room: Some(2),
        slot_start: Some(at_hour(1)),
        slot_end: Some(at_hour(2)),
        ..keynote("K2")
    };
    let mut given = program_with_keynote();
    given.push(room_synced(2, "Hall B"));
    given.push(ProgramEvent::TalkSynced {
        talk: own,
        at: t0(),
    });
    given.push(ProgramEvent::TalkSynced {
        talk: talk("T9", &[]),
        at: t0(),
    });
    TestFramework::<Program>::with(svc())
        .given(given)
        .when(ProgramCommand::ApplyTypeDefaults {
            conference_id: conf(),
            timezone: "America/Chicago".into(),
        })
        .then_expect_events(vec![
            ProgramEvent::TalkSynced {
                talk: defaulted_keynote(),
                at: t0(),
            },
            ProgramEvent::TypeDefaultsApplied {
                talks: vec!["K1".into()],
                at: t0(),
            },
        ]);
}

#[test]
fn pretalx_13_reapplying_records_nothing() {
    let mut given = program_with_keynote();
    given.push(ProgramEvent::TalkSynced {
        talk: defaulted_keynote(),
        at: t0(),
    });
    TestFramework::<Program>::with(svc())
        .given(given)
        .when(ProgramCommand::ApplyTypeDefaults {
            conference_id: conf(),
            timezone: "America/Chicago".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn pretalx_15_a_run_applies_type_defaults_last_and_a_rerun_records_nothing() {
    let run = || ProgramCommand::SyncRun {
        conference_id: conf(),
        rooms: Some(vec![room(1, "Hall A")]),
        speakers: None,
        talks: Some(vec![keynote_data("K1")]),
        schedule: None,
        type_defaults: Some("America/Chicago".into()),
    };
    let given = vec![
        opened(),
        ProgramEvent::RoomSynced {
            room: room(1, "Hall A"),
            at: t0(),
        },
        ProgramEvent::TypeDefaultSet {
            default: keynote_default(Some(1)),
            at: t0(),
        },
    ];
    // First run: the talk is recorded once, with the defaults applied.
    TestFramework::<Program>::with(svc())
        .given(given.clone())
        .when(run())
        .then_expect_events(vec![
            ProgramEvent::TalkSynced {
                talk: defaulted_keynote(),
                at: t0(),
            },
            ProgramEvent::TypeDefaultsApplied {
                talks: vec!["K1".into()],
                at: t0(),
            },
        ]);
    // The talks step would reset it; the defaults set it again: nothing.
    let mut after = given;
    after.push(ProgramEvent::TalkSynced {
        talk: defaulted_keynote(),
        at: t0(),
    });
    TestFramework::<Program>::with(svc())
        .given(after)
        .when(run())
        .then_expect_events(vec![]);
}
