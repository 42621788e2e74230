//! `tessera bootstrap` with `[[conference.badge_templates]]`,
//! `[[conference.surveys]]` (ATT-33, SURVEY-1), `[[conference.rooms]]` and
//! `[[conference.talks]]`, on SQLite and PostgreSQL.

mod common;

use std::process::Output;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;

const FILE: &str = r##"
[conference]
name = "PyLadiesCon 2027"
start = 2027-12-05
end = 2027-12-07
timezone = "UTC"

[[conference.sections]]
name = "Talks"
start = 2027-12-05
end = 2027-12-07

[[conference.badge_templates]]
name = "Standard"
is_default = true
accent_color = "#DB2777"
banner_position = "bottom"

[[conference.badge_templates]]
name = "Small"
width_mm = 54
height_mm = 86

[[conference.surveys]]
title = "Would you recommend us"
slug = "feedback"
kind = "nps"
"##;

fn bootstrap(app: &TestApp, text: &str, flags: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("conference.toml");
    std::fs::write(&path, text).expect("write config");
    let path = path.to_string_lossy().into_owned();
    let mut args = vec!["bootstrap", "--config", &path, "--database-url", &app.url];
    args.extend_from_slice(flags);
    let out: Output = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(&args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run tessera");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The file's templates and survey are created once (a second run keeps them),
/// with ATT-33's defaults for what the file leaves out; a bad colour refuses
/// the file.
async fn bootstrap_creates_badge_templates_and_surveys(b: Backend) {
    let app = TestApp::start(b).await;
    let (ok, out) = bootstrap(&app, FILE, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Badge templates and surveys: 3 created, 0 already present."),
        "{out}"
    );
    let (ok, out) = bootstrap(&app, FILE, &["--update"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Badge templates and surveys: 0 created, 3 already present."),
        "{out}"
    );
    let admin = app.admin().await;
    let head = app.settled().await;
    let r = app
        .get("/api/v1/conferences/pyladiescon-2027/badge-templates")
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let seen: Vec<_> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            json!([
                t["slug"],
                t["is_default"],
                t["width_mm"],
                t["accent_color"],
                t["banner_position"]
            ])
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            json!(["small", false, 54, "#4338CA", "below_header"]),
            json!(["standard", true, 102, "#DB2777", "bottom"]),
        ]
    );
    let r = app
        .get("/api/v1/conferences/pyladiescon-2027/surveys")
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.body["items"][0]["slug"], "feedback", "{}", r.text);
    assert_eq!(r.body["items"][0]["kind"], "nps");
    assert_eq!(r.body["items"][0]["is_active"], true);

    let bad = FILE.replace("#DB2777", "pink");
    let (ok, out) = bootstrap(&app, &bad, &["--update"]);
    assert!(!ok, "{out}");
    assert!(out.contains("accent_color must match #RRGGBB"), "{out}");
    app.finish().await;
}

on_both_backends!(bootstrap_creates_badge_templates_and_surveys);

const PROGRAM: &str = r##"
[conference]
name = "PyLadiesCon 2027"
start = 2027-12-05
end = 2027-12-07
timezone = "Europe/Berlin"

[[conference.sections]]
name = "Talks"
start = 2027-12-05
end = 2027-12-07

[[conference.rooms]]
name = "Main Stage"
capacity = 500

[[conference.rooms]]
name = "Lab"
id = 7

[[conference.talks]]
title = "Opening Keynote"
abstract = "Welcome."
submission_type = "Keynote"
speakers = ["Ada Lovelace"]
room = "Main Stage"
start = 2027-12-05T10:00:00
end = 2027-12-05T11:00:00
tags = [" community ", "keynote"]

[[conference.talks]]
title = "Data Pipelines"
code = "DATA1"
submission_type = "Workshop"
speakers = ["Grace Hopper", "Ada Lovelace"]
room = "Lab"
start = 2027-12-06T09:00:00Z
end = 2027-12-06T11:00:00Z

[[conference.talks]]
title = "Still Unscheduled"
speakers = ["Grace Hopper"]
"##;

/// Rooms and talks from the file go through the program's sync command: the
/// public program shows them (times without an offset in the conference's
/// timezone), the Workshop gets its activity (PRETALX-6), a talk can be rated
/// (SURVEY-3); the dry run lists them and a second run records nothing. A talk
/// naming a room the file does not have refuses the file.
async fn bootstrap_records_rooms_and_talks(b: Backend) {
    let app = TestApp::start(b).await;
    let (ok, out) = bootstrap(&app, PROGRAM, &["--dry-run"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Rooms (2):\n  - 1: Main Stage, capacity 500\n  - 7: Lab\n"),
        "{out}"
    );
    assert!(out.contains("Talks (3):"), "{out}");
    assert!(
        out.contains("  - DATA1: Data Pipelines (Workshop, 2 speaker(s)), in Lab, 2027-12-06T09:00Z .. 11:00Z"),
        "{out}"
    );
    let (ok, out) = bootstrap(&app, PROGRAM, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Rooms and talks: 2 rooms, 2 speakers, 3 talks; "),
        "{out}"
    );
    let program_events = || app.count_events(|e| e.aggregate_type == "program");
    let recorded = program_events().await;
    assert!(recorded >= 8, "{recorded} program events");
    let (ok, out) = bootstrap(&app, PROGRAM, &["--update"]);
    assert!(ok, "{out}");
    assert!(out.contains("3 talks; 0 changes recorded."), "{out}");
    assert_eq!(
        program_events().await,
        recorded,
        "a second run records nothing"
    );

    let head = app.settled().await;
    let r = app
        .get("/api/v1/conferences/pyladiescon-2027/program")
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rooms: Vec<_> = r.body["rooms"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| json!([r["id"], r["name"], r["capacity"]]))
        .collect();
    assert_eq!(
        rooms,
        vec![json!([1, "Main Stage", 500]), json!([7, "Lab", null])]
    );
    let talks: Vec<_> = r.body["talks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let speakers: Vec<_> = t["speakers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["name"].clone())
                .collect();
            json!([
                t["code"],
                t["effective_room"],
                t["effective_slot_start"],
                t["duration"],
                t["submission_type"],
                speakers,
                t["tags"]
            ])
        })
        .collect();
    assert_eq!(
        talks,
        vec![
            json!([
                "opening-keynote",
                "Main Stage",
                "2027-12-05T09:00:00Z",
                60,
                "Keynote",
                ["Ada Lovelace"],
                ["community", "keynote"]
            ]),
            json!([
                "DATA1",
                "Lab",
                "2027-12-06T09:00:00Z",
                120,
                "Workshop",
                ["Grace Hopper", "Ada Lovelace"],
                []
            ]),
            json!([
                "still-unscheduled",
                null,
                null,
                null,
                "Talk",
                ["Grace Hopper"],
                []
            ]),
        ]
    );
    let r = app
        .get("/api/v1/conferences/pyladiescon-2027/activities/workshop")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["details"]["description"], "1 talk in Lab",
        "{}",
        r.text
    );
    assert_eq!(r.body["details"]["start_time"], "2027-12-06T09:00:00Z");
    let ana = app.user("ana").await;
    let r = app
        .post("/api/v1/conferences/pyladiescon-2027/talks/DATA1/rating")
        .as_user(&ana)
        .json(json!({ "score": 5 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let bad = PROGRAM.replace("room = \"Lab\"", "room = \"Attic\"");
    let (ok, out) = bootstrap(&app, &bad, &["--update"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("conference.talks[1].room: 'Attic' is not a room of this file"),
        "{out}"
    );
    app.finish().await;
}

on_both_backends!(bootstrap_records_rooms_and_talks);
