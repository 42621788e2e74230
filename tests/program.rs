//! The program end to end (PRETALX-*, SURVEY-3, ANA-38), against an in-process
//! fake Pretalx, on SQLite and PostgreSQL.

mod common;
#[path = "program/fake_pretalx.rs"]
mod fake_pretalx;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use fake_pretalx::FakePretalx;
use serde_json::{Value, json};
use tessera::config::{Config, PretalxConfig};

const CONF: &str = "pycon-us-2027";

/// The days the Program aggregate offers, in the conference's timezone, as the
/// `program/days` body.
async fn days_of_the_program(app: &TestApp) -> Vec<Value> {
    use tessera_aggregates::conference::Conference;
    use tessera_aggregates::program::{Program, program_id};
    let conference = tessera::app::conference_id(CONF);
    let tz: chrono_tz::Tz = app
        .app
        .bus
        .inspect(&Conference::stream(conference), |c| {
            c.details().timezone.clone()
        })
        .await
        .expect("the conference")
        .parse()
        .unwrap_or(chrono_tz::UTC);
    app.app
        .bus
        .inspect(&Program::stream(program_id(conference)), |p| {
            p.day_choices(|t| t.with_timezone(&tz).date_naive())
        })
        .await
        .expect("the program")
        .into_iter()
        .map(|d| json!({ "value": d.value.to_string(), "label": d.label }))
        .collect()
}

fn path(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}{rest}")
}

fn room(id: Option<i64>, name: &str) -> Value {
    json!({ "id": id, "name": { "en": name }, "description": { "en": "" }, "capacity": 100, "position": id })
}

fn speaker(code: &str, name: &str, email: &str) -> Value {
    json!({ "code": code, "name": name, "biography": "Bio", "avatar_url": "", "email": email })
}

fn talk(code: &str, title: &str, kind: &str, speakers: &[&str], tags: &[i64]) -> Value {
    json!({
        "code": code, "title": title, "abstract": "Abstract", "description": "",
        "submission_type": { "en": kind }, "track": { "en": "Web" }, "tags": tags,
        "duration": 30, "state": "confirmed", "slot": null,
        "speakers": speakers.iter().map(|c| json!({ "code": c })).collect::<Vec<_>>(),
    })
}

fn slot(hour: u32, room: &str, submission: Option<&str>, title: &str) -> Value {
    json!({
        "room": { "en": room },
        "start": format!("2027-05-15T{hour:02}:00:00Z"),
        "end": format!("2027-05-15T{hour:02}:30:00Z"),
        "submission": submission, "title": title,
    })
}

struct Cast {
    app: TestApp,
    fake: FakePretalx,
    admin: User,
    organizer: User,
    ana: User,
}

async fn setup(b: Backend) -> Cast {
    let fake = FakePretalx::start().await;
    let config = Config {
        pretalx: PretalxConfig {
            base_url: fake.url.clone(),
            ..PretalxConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = app
        .patch(&path(""))
        .as_user(&admin)
        .json(json!({ "pretalx_event_slug": "pyconus2027" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let organizer = app.user("olga").await;
    app.grant(&admin, CONF, &organizer, "organizer").await;
    let ana = app.user("ana").await;
    fake.set(|d| {
        d.rooms = vec![
            room(Some(1), "Hall A"),
            room(None, "No id"),
            room(Some(2), "Hall B"),
        ];
        d.speakers = vec![
            speaker("ANA", "Ana", "ANA@Example.org"),
            speaker("BO", "Bo", "bo@elsewhere.org"),
            speaker("CY", "Cy", ""),
        ];
        d.tags = vec![
            json!({ "id": 1, "tag": " web " }),
            json!({ "id": 2, "tag": "async" }),
        ];
        d.talks = vec![
            talk("T1", "Async all the way", "Talk", &["ANA", "BO"], &[1, 2]),
            talk("T2", "Packaging", "Talk", &["CY", "GHOST"], &[]),
            talk("T3", "Intro to Rust", "Tutorial", &["BO"], &[2]),
        ];
        d.slots = vec![
            slot(9, "Hall A", Some("T1"), ""),
            slot(10, "Hall B", Some("T2"), "Packaging"),
            slot(12, "Hall A", None, "Lunch"),
            slot(18, "Hall B", None, "PyLadies Party"),
        ];
    });
    Cast {
        app,
        fake,
        admin,
        organizer,
        ana,
    }
}

impl Cast {
    async fn sync(&self, body: Value) -> common::Response {
        self.app
            .post(&path("/program/sync"))
            .as_user(&self.organizer)
            .json(body)
            .send()
            .await
    }

    async fn program(&self, after: Option<i64>) -> Value {
        let r = self.app.get(&path("/program")).after(after).send().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    async fn program_events(&self) -> usize {
        self.app
            .count_events(|e| e.aggregate_type == "program")
            .await
    }
}

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|t| t[key] == value))
        .unwrap_or(&Value::Null)
}

/// PRETALX-2…8, 12, 16, 21, 22, AMB-11: a full sync through the organizer
/// endpoint, pagination followed, a 503 retried; the same sync again appends nothing.
async fn pretalx_full_sync_then_the_same_sync_appends_nothing(b: Backend) {
    let cast = setup(b).await;
    cast.fake.set(|d| {
        d.flaky.insert("rooms".into(), 1);
    });
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // PRETALX-21: the room without an id is skipped; rows processed per step.
    assert_eq!(r.body["rooms"], 2);
    assert_eq!(r.body["speakers"], 3);
    assert_eq!(r.body["talks"], 3);
    assert_eq!(r.body["schedule_slots"], 4);
    // T3 has no slot (PRETALX-12).
    assert_eq!(r.body["unscheduled_talks"], 1);
    assert_eq!(cast.fake.hits("rooms"), 3, "one 503 retried, then 2 pages");
    let doc = cast.program(r.position()).await;
    assert_eq!(doc["rooms"].as_array().map(Vec::len), Some(2));
    let t1 = find(&doc["talks"], "code", "T1");
    assert_eq!(t1["room"], "Hall A", "PRETALX-12: the slot's room");
    assert_eq!(t1["slot_start"], "2027-05-15T09:00:00Z");
    assert_eq!(t1["tags"], json!(["web", "async"]));
    assert_eq!(t1["effective_title"], "Async all the way");
    let names: Vec<&str> = t1["speakers"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["Ana", "Bo"]);
    // PRETALX-4: the unknown speaker code is dropped.
    let t2 = find(&doc["talks"], "code", "T2");
    assert_eq!(t2["speakers"].as_array().map(Vec::len), Some(1));
    // Talks ordered by start then title; the unscheduled one last.
    let codes: Vec<&str> = doc["talks"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, vec!["T1", "T2", "T3"]);
    // PRETALX-8, PRETALX-22: slot types and display titles.
    let slots = &doc["slots"];
    let types: Vec<(&str, &str)> = slots
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| Some((s["title"].as_str()?, s["slot_type"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        types,
        vec![
            ("Async all the way", "talk"),
            ("Packaging", "talk"),
            ("Lunch", "break"),
            ("PyLadies Party", "social")
        ]
    );
    // GRANT-45/46: one day, most typed slots are talks.
    let r = cast
        .app
        .get(&path("/program/days"))
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body,
        json!([{ "value": "2027-05-15", "label": "Saturday, May 15 (Talk)" }])
    );
    // The read models offer the days the Program itself would: one rule over the
    // two copies of the schedule (rows for reads, the aggregate for decisions).
    assert_eq!(r.body, json!(days_of_the_program(&cast.app).await));
    let before = cast.program_events().await;
    let again = cast.sync(json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["events_appended"], 0);
    assert_eq!(cast.program_events().await, before);
    cast.app.finish().await;
}

/// PRETALX-24: a failing tags endpoint is tolerated (talks sync without tags);
/// a failing talks endpoint aborts the run (502): a run is one unit, so not even
/// its rooms and speakers are recorded.
async fn pretalx_24_tags_failure_tolerated_talks_failure_aborts(b: Backend) {
    let cast = setup(b).await;
    cast.fake.set(|d| d.failing = vec!["talks".into()]);
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(r.code(), "pretalx.status");
    assert_eq!(
        cast.program_events().await,
        0,
        "nothing of the run recorded"
    );
    let doc = cast.program(None).await;
    assert_eq!(doc["talks"], json!([]));
    assert_eq!(doc["rooms"], json!([]));
    assert_eq!(doc["slots"], json!([]), "later steps do not run");
    cast.fake.set(|d| d.failing = vec!["tags".into()]);
    let r = cast.sync(json!({ "talks": true })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["talks"], 3);
    assert_eq!(
        r.body["rooms"],
        Value::Null,
        "PRETALX-16: only the chosen step"
    );
    let doc = cast.program(r.position()).await;
    assert_eq!(find(&doc["talks"], "code", "T1")["tags"], json!([]));
    cast.app.finish().await;
}

/// PRETALX-10/11, AMB-8: a schedule sync removing more than 40% of at least 5
/// existing slots aborts and changes nothing, its upserts included; with
/// --allow-large-schedule-drop it applies.
async fn pretalx_11_an_aborted_schedule_sync_changes_nothing(b: Backend) {
    let cast = setup(b).await;
    cast.fake.set(|d| {
        d.slots = (9..14)
            .map(|h| slot(h, "Hall A", None, "Open space"))
            .collect();
    });
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = cast.program(r.position()).await;
    assert_eq!(before["slots"].as_array().map(Vec::len), Some(5));
    let events = cast.program_events().await;
    // 3 of 5 stale (60%), and one new slot that must not be kept either.
    cast.fake.set(|d| {
        d.slots = vec![
            slot(9, "Hall A", None, "Open space"),
            slot(10, "Hall A", None, "Open space"),
            slot(16, "Hall B", None, "Coffee break"),
        ];
    });
    let r = cast.sync(json!({ "schedule": true })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "program.schedule_drop_too_large");
    assert!(r.text.contains("3/5"), "{}", r.text);
    assert_eq!(cast.program_events().await, events);
    assert_eq!(cast.program(None).await["slots"], before["slots"]);
    // AMB-8 (decided): exactly 40% (2 of 5) is not more than 40%: it applies.
    let r = cast
        .sync(json!({ "schedule": true, "allow_large_schedule_drop": true }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = cast.program(r.position()).await;
    assert_eq!(after["slots"].as_array().map(Vec::len), Some(3));
    cast.app.finish().await;
}

/// PRETALX-1: no event slug, no sync. AMB-17 and access: attendees may not sync.
async fn pretalx_1_a_conference_without_event_slug_is_refused(b: Backend) {
    let cast = setup(b).await;
    let r = cast
        .app
        .patch(&path(""))
        .as_user(&cast.admin)
        .json(json!({ "pretalx_event_slug": "" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text
            .contains("Conference 'pycon-us-2027' has no pretalx_event_slug configured"),
        "{}",
        r.text
    );
    let r = cast
        .app
        .post(&path("/program/sync"))
        .as_user(&cast.ana)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    cast.app.finish().await;
}

/// PRETALX-17/19: an override's values become the effective ones.
async fn pretalx_17_overrides_give_effective_values(b: Backend) {
    let cast = setup(b).await;
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .app
        .put(&path("/talks/T2/override"))
        .as_user(&cast.organizer)
        .json(json!({ "title": "Packaging, revisited", "room": 1, "is_cancelled": true }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let doc = cast.program(r.position()).await;
    let t2 = find(&doc["talks"], "code", "T2");
    assert_eq!(t2["title"], "Packaging");
    assert_eq!(t2["effective_title"], "Packaging, revisited");
    assert_eq!(t2["room"], "Hall B");
    assert_eq!(t2["effective_room"], "Hall A");
    assert_eq!(t2["effective_state"], "cancelled");
    assert_eq!(
        find(&doc["slots"], "talk", "T2")["title"],
        "Packaging, revisited",
        "PRETALX-22"
    );
    let r = cast
        .app
        .put(&path("/talks/T2/override"))
        .as_user(&cast.organizer)
        .json(json!({ "room": 99 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = cast
        .app
        .put(&path("/talks/NOPE/override"))
        .as_user(&cast.organizer)
        .json(json!({ "title": "x" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    cast.app.finish().await;
}

/// PRETALX-18: speaker and room overrides give effective values; the synced
/// values stay as they were; an override's e-mail links an unlinked speaker to
/// that account; a room that is not synced is a 404.
async fn pretalx_18_speaker_and_room_overrides(b: Backend) {
    let cast = setup(b).await;
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let dee = cast.app.user("dee").await;
    let r = cast
        .app
        .put(&path("/speakers/CY/override"))
        .as_user(&cast.organizer)
        .json(json!({ "name": "Cy Ng", "biography": "Packager", "email": dee.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .app
        .put(&path("/rooms/2/override"))
        .as_user(&cast.organizer)
        .json(json!({ "name": "Ballroom", "capacity": 400 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let doc = cast.program(r.position()).await;
    let hall_b = find(&doc["rooms"], "name", "Hall B");
    assert_eq!(hall_b["effective_name"], "Ballroom");
    assert_eq!(hall_b["effective_capacity"], 400);
    assert_eq!(hall_b["effective_description"], hall_b["description"]);
    let t2 = find(&doc["talks"], "code", "T2");
    assert_eq!(
        t2["room"], "Ballroom",
        "talks show the room's effective name"
    );
    let cy = find(&t2["speakers"], "code", "CY");
    assert_eq!(cy["name"], "Cy");
    assert_eq!(cy["effective_name"], "Cy Ng");
    assert_eq!(cy["effective_biography"], "Packager");
    let linked = cast
        .app
        .count_events(|e| {
            e.event_type == "SpeakerOverridden" && e.payload.contains(dee.id.as_str())
        })
        .await;
    assert_eq!(linked, 1, "the e-mail linked CY to Dee's account");
    // The same override again records nothing; a re-sync keeps the overrides.
    let before = cast.program_events().await;
    let r = cast
        .app
        .put(&path("/rooms/2/override"))
        .as_user(&cast.organizer)
        .json(json!({ "name": "Ballroom", "capacity": 400 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["position"], Value::Null);
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(cast.program_events().await, before);
    let doc = cast.program(None).await;
    assert_eq!(
        find(&doc["rooms"], "name", "Hall B")["effective_name"],
        "Ballroom"
    );
    for (route, body) in [
        ("/rooms/99/override", json!({ "name": "x" })),
        ("/speakers/NOPE/override", json!({ "name": "x" })),
    ] {
        let r = cast
            .app
            .put(&path(route))
            .as_user(&cast.organizer)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{route}: {}", r.text);
    }
    let r = cast
        .app
        .put(&path("/speakers/CY/override"))
        .as_user(&cast.organizer)
        .json(json!({ "email": "not an address" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = cast
        .app
        .put(&path("/rooms/2/override"))
        .as_user(&cast.ana)
        .json(json!({ "name": "Mine" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    cast.app.finish().await;
}

async fn rate(app: &TestApp, who: &User, code: &str, score: i64) -> common::Response {
    app.post(&path(&format!("/talks/{code}/rating")))
        .as_user(who)
        .json(json!({ "score": score }))
        .send()
        .await
}

/// SURVEY-3: scores 1–5, one rating per (talk, user) even with 30 concurrent
/// attempts; ANA-38/SURVEY-6 on the organizers' route.
async fn survey_3_one_rating_per_talk_and_user_under_concurrency(b: Backend) {
    let cast = setup(b).await;
    let r = cast
        .sync(json!({ "rooms": true, "speakers": true, "talks": true }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let app = &cast.app;
    for bad in [0, 6] {
        let r = rate(app, &cast.ana, "T1", bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.code(), "rating.score_out_of_range");
    }
    let r = rate(app, &cast.ana, "NOPE", 3).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let shared = Arc::new((cast.app, cast.ana.clone()));
    let mut tasks = vec![];
    for i in 0..30 {
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            rate(&shared.0, &shared.1, "T1", 1 + i % 5).await.status
        }));
    }
    let (mut created, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.expect("task") {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, conflicts), (1, 29));
    let Ok((app, _)) = Arc::try_unwrap(shared) else {
        panic!("tasks done");
    };
    let stored = app
        .count_events(|e| e.aggregate_type == "session_rating")
        .await;
    assert_eq!(stored, 1);
    let mut last = None;
    for (name, score) in [("bo", 5), ("cy", 4)] {
        let who = app.user(name).await;
        let r = rate(&app, &who, "T1", score).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        last = r.position();
    }
    let r = app
        .get(&path("/program/ratings"))
        .as_user(&cast.organizer)
        .after(last)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["top"][0]["code"], "T1");
    assert_eq!(r.body["top"][0]["ratings"], 3);
    assert_eq!(r.body["by_track"][0]["track"], "Web");
    let r = app
        .get(&path("/program/ratings"))
        .as_user(&cast.admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

/// DISC-31: a speaker condition applies to users linked to a speaker (PRETALX-3:
/// linked by e-mail, case-insensitively); co-presenter-only needs a shared talk.
async fn disc_31_speaker_discounts_follow_the_synced_program(b: Backend) {
    let cast = setup(b).await;
    let app = &cast.app;
    app.ticket_type(
        &cast.admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100" }),
    )
    .await;
    let r = app
        .post(&path("/discounts"))
        .as_user(&cast.admin)
        .json(json!({
            "name": "Co-presenters", "kind": "speaker",
            "is_presenter": false, "is_copresenter": true,
            "effect": { "discount_type": "percentage", "value": "100" }
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let dee = app.user("dee").await;
    for (who, discount) in [(&cast.ana, "100.00"), (&dee, "0.00")] {
        let r = app
            .post(&path("/cart/items"))
            .as_user(who)
            .json(json!({ "ticket_type": "individual", "quantity": 1 }))
            .send()
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = app
            .get(&path("/cart"))
            .as_user(who)
            .after(r.position())
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            r.body["summary"]["condition_discount"], discount,
            "{}",
            r.text
        );
    }
    cast.app.finish().await;
}

/// PRETALX-5/6, ACT-13: one activity per mapped submission type, its slug made
/// unique; the activity detail shows its talks, speakers and talks by day.
async fn pretalx_6_act_13_an_activity_per_submission_type_with_its_talks(b: Backend) {
    let cast = setup(b).await;
    let app = &cast.app;
    let r = app
        .post(&path("/activities"))
        .as_user(&cast.admin)
        .json(json!({ "slug": "tutorial", "name": "Hand-made" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    cast.fake
        .set(|d| d.slots.push(slot(14, "Hall A", Some("T3"), "")));
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&path("/activities/tutorial-2"))
        .after(r.position())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = &r.body;
    assert_eq!(a["details"]["name"], "Tutorials");
    assert_eq!(a["details"]["activity_type"], "tutorial");
    assert_eq!(a["details"]["description"], "1 talk in Hall A");
    assert_eq!(a["details"]["room"], "Hall A");
    assert_eq!(a["details"]["start_time"], "2027-05-15T14:00:00Z");
    assert_eq!(a["talks"][0]["code"], "T3");
    assert_eq!(a["speakers"], json!(["Bo"]));
    assert_eq!(a["talks_by_day"][0]["date"], "2027-05-15");
    assert_eq!(a["talks_by_day"][0]["talks"][0]["title"], "Intro to Rust");
    // "Talk" maps to no activity type (PRETALX-5).
    let r = app.get(&path("/activities/talk")).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let again = cast.sync(json!({})).await;
    assert_eq!(again.body["events_appended"], 0, "{}", again.text);
    cast.app.finish().await;
}

/// PRETALX-13…15: an organizer sets a type default (PRETALX-14 refusals change
/// nothing), applies it on its own (times in the conference's timezone,
/// America/Chicago), re-applies it (nothing), and a full sync applies it last
/// with `type_defaults_applied` reported only when non-zero.
async fn pretalx_13_15_type_defaults_applied_alone_and_by_a_full_sync(b: Backend) {
    let cast = setup(b).await;
    let app = &cast.app;
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["unscheduled_talks"], 1, "T3 has no slot");
    assert!(r.body.get("type_defaults_applied").is_none(), "{}", r.text);
    let before = cast.program_events().await;
    let organizer = &cast.organizer;
    let put = |body: Value| async move {
        app.put(&path("/program/type-defaults/Tutorial"))
            .as_user(organizer)
            .json(body)
            .send()
            .await
    };
    // PRETALX-14: a time without a date; one time without the other.
    let r = put(json!({ "start_time": "09:00:00", "end_time": "12:00:00" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "program.type_default_date_required");
    let r = put(json!({ "date": "2027-05-16", "start_time": "09:00:00" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "program.type_default_times_incomplete");
    let r = put(json!({ "room": 99 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        cast.program_events().await,
        before,
        "refusals change nothing"
    );
    let r = put(json!({ "room": 2, "date": "2027-05-16", "start_time": "09:00:00", "end_time": "12:00:00" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&path("/program/type-defaults"))
        .as_user(&cast.organizer)
        .after(r.position())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["items"],
        json!([{ "submission_type": "Tutorial", "room": 2, "date": "2027-05-16",
            "start_time": "09:00:00", "end_time": "12:00:00" }])
    );
    assert_eq!(r.body["total"], 1, "{}", r.text);
    // Applied on its own: T3 gets the room and the times (CDT, UTC-5).
    let apply = || async {
        app.post(&path("/program/type-defaults/apply"))
            .as_user(&cast.organizer)
            .send()
            .await
    };
    let r = apply().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["type_defaults_applied"], 1);
    assert_eq!(r.body["unscheduled_talks"], 0);
    let doc = cast.program(r.position()).await;
    let t3 = find(&doc["talks"], "code", "T3");
    assert_eq!(t3["room"], "Hall B");
    assert_eq!(t3["slot_start"], "2027-05-16T14:00:00Z");
    assert_eq!(t3["slot_end"], "2027-05-16T17:00:00Z");
    // Talks of another type keep their own slots.
    let t1 = find(&doc["talks"], "code", "T1");
    assert_eq!(t1["slot_start"], "2027-05-15T09:00:00Z");
    // PRETALX-6: the Tutorial activity follows its talk's new room and time
    // right away, as after a sync.
    let r = app
        .get(&path("/activities/tutorial"))
        .after(r.position())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["details"]["room"], "Hall B", "{}", r.text);
    assert_eq!(r.body["details"]["start_time"], "2027-05-16T14:00:00Z");
    assert_eq!(r.body["details"]["description"], "1 talk in Hall B");
    // Re-applying changes nothing and appends nothing.
    let events = cast.program_events().await;
    let r = apply().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["type_defaults_applied"], 0);
    assert_eq!(r.body["position"], Value::Null);
    assert_eq!(cast.program_events().await, events);
    // A full sync resets T3 from Pretalx and applies the defaults again: the
    // same state, so nothing is appended (the activity is already in step),
    // and both keys are absent (PRETALX-15).
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["events_appended"], 0, "{}", r.text);
    assert!(r.body.get("unscheduled_talks").is_none(), "{}", r.text);
    assert!(r.body.get("type_defaults_applied").is_none(), "{}", r.text);
    assert_eq!(cast.program_events().await, events);
    // Removed: gone from the list; removing again is 404.
    let del = || async {
        app.delete(&path("/program/type-defaults/Tutorial"))
            .as_user(&cast.organizer)
            .send()
            .await
    };
    let r = del().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = del().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(r.code(), "program.type_default_not_found");
    cast.app.finish().await;
}

/// PRETALX-15: defaults set before the first sync are applied as its last step,
/// and reported; a partial sync (PRETALX-16) does not apply them.
async fn pretalx_15_a_full_sync_reports_type_defaults_applied(b: Backend) {
    let cast = setup(b).await;
    let r = cast
        .app
        .put(&path("/program/type-defaults/Tutorial"))
        .as_user(&cast.organizer)
        .json(json!({ "date": "2027-05-16", "start_time": "09:00:00", "end_time": "12:00:00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .sync(json!({ "rooms": true, "speakers": true, "talks": true }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body.get("type_defaults_applied").is_none(), "{}", r.text);
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["type_defaults_applied"], 1, "{}", r.text);
    assert!(r.body.get("unscheduled_talks").is_none(), "{}", r.text);
    let doc = cast.program(r.position()).await;
    let t3 = find(&doc["talks"], "code", "T3");
    assert_eq!(t3["slot_start"], "2027-05-16T14:00:00Z");
    assert_eq!(t3["room"], Value::Null, "no default room");
    cast.app.finish().await;
}

/// PRETALX-3, ANA-49: a speaker's e-mail links the account and enters the log
/// only sealed; the speaker export opens it, and reads "erased" once its owner
/// is erased. An event of an older release that holds a plain address is
/// sealed by `tessera migrate personal-data` (once: a second run finds
/// nothing), the link stays, and the projections verify.
async fn pretalx_3_speaker_emails_enter_the_log_only_sealed(b: Backend) {
    let cast = setup(b).await;
    let r = cast.sync(json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let holds_an_email = |e: &tessera_replay::RawEvent| {
        let p = e.payload.to_lowercase();
        p.contains("ana@example.org") || p.contains("bo@elsewhere.org")
    };
    assert_eq!(cast.app.count_events(holds_an_email).await, 0);
    let is_ana = |e: &tessera_replay::RawEvent| {
        e.event_type == "SpeakerSynced" && e.payload.contains("\"ANA\"")
    };
    let (position, mut payload) = cast.app.find_event(is_ana).await.expect("ANA synced");
    let speaker = &mut payload["SpeakerSynced"]["speaker"];
    assert_eq!(speaker["user"], json!(cast.ana.id), "linked by its e-mail");
    assert!(speaker["sealed_email"].is_object(), "{speaker}");
    assert_eq!(
        speaker_emails(&cast).await,
        vec!["ana@example.org", "bo@elsewhere.org", ""]
    );

    // As the first program release stored it.
    if let Some(o) = speaker.as_object_mut() {
        o.remove("sealed_email");
        o.insert("email".into(), json!("ANA@Example.org"));
    }
    cast.app.set_event_payload(position, &payload).await;
    assert_eq!(cast.app.count_events(holds_an_email).await, 1);
    let out = cast.app.migrate_personal_data();
    assert!(
        out.contains("1 sealed, 0 of erased people dropped"),
        "{out}"
    );
    assert_eq!(cast.app.count_events(holds_an_email).await, 0);
    let (_, payload) = cast.app.find_event(is_ana).await.expect("ANA synced");
    assert_eq!(
        payload["SpeakerSynced"]["speaker"]["user"],
        json!(cast.ana.id)
    );
    assert_eq!(
        speaker_emails(&cast).await,
        vec!["ana@example.org", "bo@elsewhere.org", ""]
    );
    let diffs = tessera_replay::admin::verify(&cast.app.app.db)
        .await
        .expect("verify");
    assert!(diffs.is_empty(), "verify after the migration: {diffs:?}");
    let again = cast.app.migrate_personal_data();
    assert!(
        again.contains("0 sealed, 0 of erased people dropped"),
        "{again}"
    );
    let r = cast.sync(json!({})).await;
    assert_eq!(r.body["events_appended"], 0, "{}", r.text);

    let r = cast
        .app
        .post(&format!("/api/v1/users/{}/erase", cast.ana.id))
        .as_user(&cast.admin)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        speaker_emails(&cast).await,
        vec!["erased", "bo@elsewhere.org", ""]
    );
    cast.app.finish().await;
}

/// The Email column of the speaker export (ANA-49), by speaker name.
async fn speaker_emails(cast: &Cast) -> Vec<String> {
    let head = cast.app.settled().await;
    let r = cast
        .app
        .get(&path("/exports/speaker-registrations.csv"))
        .as_user(&cast.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap_or_default().to_string())
        .collect()
}

on_both_backends!(
    pretalx_13_15_type_defaults_applied_alone_and_by_a_full_sync,
    pretalx_15_a_full_sync_reports_type_defaults_applied,
    pretalx_6_act_13_an_activity_per_submission_type_with_its_talks,
    disc_31_speaker_discounts_follow_the_synced_program,
    pretalx_18_speaker_and_room_overrides,
    pretalx_full_sync_then_the_same_sync_appends_nothing,
    pretalx_24_tags_failure_tolerated_talks_failure_aborts,
    pretalx_11_an_aborted_schedule_sync_changes_nothing,
    pretalx_1_a_conference_without_event_slug_is_refused,
    pretalx_17_overrides_give_effective_values,
    survey_3_one_rating_per_talk_and_user_under_concurrency,
    pretalx_3_speaker_emails_enter_the_log_only_sealed,
);
