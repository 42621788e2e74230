use chrono::Duration;
use serde_json::json;
use tessera_aggregates::program::{SlotType, SpeakerData, program_id};
use tessera_aggregates::session_rating::rating_id;

use super::*;
use crate::stats::{Sources, assemble};
use crate::testing::{Logged, assert_round_trip, at, conf, fold_in_batches, log, user};
use crate::{Rows, fold_all};

fn program(event: ProgramEvent) -> Logged {
    Logged {
        kind: "program",
        id: program_id(conf()),
        conference: Some(conf()),
        event: DomainEvent::Program(event),
    }
}

fn talk(code: &str, track: &str) -> Talk {
    Talk {
        code: code.into(),
        title: format!("Talk {code}"),
        abstract_text: String::new(),
        description: String::new(),
        submission_type: "Talk".into(),
        track: track.into(),
        tags: vec![],
        duration: Some(30),
        state: "confirmed".into(),
        room: None,
        slot_start: None,
        slot_end: None,
        speakers: vec![],
    }
}

fn rating(code: &str, who: &str, score: u8) -> Logged {
    Logged {
        kind: "session_rating",
        id: rating_id(conf(), code, user(who)),
        conference: Some(conf()),
        event: DomainEvent::SessionRating(RatingEvent::SessionRated {
            conference_id: conf(),
            talk: code.into(),
            user: user(who),
            score,
            at: at(2, 9),
        }),
    }
}

fn events() -> Vec<Envelope> {
    let mut all = vec![
        program(ProgramEvent::ProgramOpened {
            conference_id: conf(),
        }),
        program(ProgramEvent::SpeakerSynced {
            speaker: Speaker {
                data: SpeakerData {
                    code: "ANA".into(),
                    name: "Ana".into(),
                    biography: String::new(),
                    avatar_url: String::new(),
                    email: String::new(),
                    sealed_email: None,
                },
                user: Some(user("ana")),
            },
            at: at(1, 9),
        }),
        program(ProgramEvent::SlotSynced {
            slot: Slot {
                start: at(3, 9),
                end: at(3, 9) + Duration::minutes(30),
                room: None,
                talk: None,
                title: "Lunch".into(),
                slot_type: SlotType::Break,
            },
            at: at(1, 9),
        }),
        program(ProgramEvent::SlotRemoved {
            start: at(3, 9),
            room: None,
            at: at(1, 10),
        }),
    ];
    for (code, track) in [("A", "Web"), ("B", "Web"), ("C", ""), ("D", "Data")] {
        all.push(program(ProgramEvent::TalkSynced {
            talk: talk(code, track),
            at: at(1, 9),
        }));
    }
    all.push(program(ProgramEvent::TalkOverridden {
        code: "A".into(),
        overrides: TalkOverride {
            title: Some("Better A".into()),
            ..TalkOverride::default()
        },
        at: at(1, 11),
    }));
    for (code, scores) in [
        ("A", &[5, 5, 4][..]),
        ("B", &[1, 2, 2]),
        ("C", &[3, 4, 4]),
        ("D", &[5, 5]),
    ] {
        for (i, s) in scores.iter().enumerate() {
            all.push(rating(code, &format!("u{i}"), *s));
        }
    }
    log(all)
}

fn sources(rows: &Rows<ProgramRow>) -> Sources {
    let mut s = Sources::default();
    for (k, r) in rows.iter() {
        s.insert(
            ProgramView::NAME,
            k.clone(),
            serde_json::to_value(r).unwrap_or_default(),
        );
    }
    s
}

#[test]
fn pretalx_17_talk_rows_carry_effective_values_and_removed_slots_go() {
    let rows = fold_all::<ProgramView>(&events());
    assert_round_trip(&rows);
    let Some(ProgramRow::Talk(a)) = rows.get(&talk_key(conf(), "A")) else {
        panic!("talk A");
    };
    assert_eq!(a.effective.title, "Better A");
    assert_eq!(a.talk.title, "Talk A");
    assert_eq!(rows.with_prefix(&slots_prefix(conf())).count(), 0);
    assert_eq!(rows.with_prefix(&speakers_prefix(conf())).count(), 1);
    let batched = fold_in_batches::<ProgramView>(&events(), 3);
    assert_eq!(batched.as_map(), rows.as_map());
}

#[test]
fn ana_38_survey_6_rankings_among_talks_with_3_ratings() {
    let rows = fold_all::<ProgramView>(&events());
    let doc = assemble(conf(), &sources(&rows)).unwrap_or_default();
    let s = &doc["sections"]["session_ratings"];
    assert_eq!(s["total"], json!(11));
    assert_eq!(s["average"], json!("3.64"));
    assert_eq!(
        s["distribution"],
        json!({"1": 1, "2": 2, "3": 1, "4": 3, "5": 4})
    );
    // D has only 2 ratings: not ranked (SURVEY-6).
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|t| t["code"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(codes(&s["top"]), vec!["A", "C", "B"]);
    assert_eq!(codes(&s["bottom"]), vec!["B", "C", "A"]);
    assert_eq!(s["top"][0]["average"], json!("4.67"));
    assert_eq!(s["top"][0]["title"], json!("Better A"));
    assert_eq!(
        s["by_track"],
        json!([
            {"track": "Data", "ratings": 2, "average": "5.00"},
            {"track": "Web", "ratings": 6, "average": "3.17"}
        ])
    );
}
