//! `tessera bootstrap` with `[[conference.teams]]` and `--seed-demo`: the year's
//! teams and demo volunteers (MY-5), on SQLite and PostgreSQL.

mod common;

use std::process::Output;

use axum::http::StatusCode;
use common::{Backend, TestApp};

const FILE: &str = r#"
[conference]
name = "PyLadiesCon 2027"
start = 2027-12-05
end = 2027-12-07
timezone = "UTC"

[[conference.sections]]
name = "Talks"
start = 2027-12-05
end = 2027-12-07

[[conference.teams]]
name = "Program"
description = "Reviews proposals."

[[conference.teams]]
name = "Social Media"
"#;

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

/// The file's teams are created once (a second run with `--update` keeps them);
/// `--seed-demo` adds demo volunteers, two approved into the file's teams and one
/// pending.
async fn bootstrap_creates_teams_and_seed_demo_volunteers(b: Backend) {
    let app = TestApp::start(b).await;
    let (ok, out) = bootstrap(&app, FILE, &["--seed-demo"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Teams: 2 created, 0 already present."),
        "{out}"
    );
    assert!(out.contains("Volunteers: 3 applied"), "{out}");
    let (ok, out) = bootstrap(&app, FILE, &["--update"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Teams: 0 created, 2 already present."),
        "{out}"
    );
    let admin = app.admin().await;
    let head = app.settled().await;
    let teams = app
        .get("/api/v1/conferences/pyladiescon-2027/teams")
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(teams.status, StatusCode::OK, "{}", teams.text);
    let names: Vec<&str> = teams.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["Program", "Social Media"]);
    let list = app
        .get("/api/v1/conferences/pyladiescon-2027/volunteers")
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    let rows = list.body["items"].as_array().cloned().unwrap_or_default();
    let count = |s: &str| rows.iter().filter(|r| r["status"] == s).count();
    assert_eq!(
        (count("approved"), count("pending")),
        (2, 1),
        "{}",
        list.text
    );
    assert_eq!(
        teams.body["items"][0]["members"].as_array().map(Vec::len),
        Some(2)
    );
    // A bad team is refused before anything is written.
    let bad = FILE.replace(
        "name = \"Social Media\"",
        "name = \"Social Media\"\nslug = \"Bad Slug\"",
    );
    let (ok, out) = bootstrap(&app, &bad, &["--dry-run"]);
    assert!(!ok, "{out}");
    assert!(out.contains("slug"), "{out}");
    app.finish().await;
}

on_both_backends!(bootstrap_creates_teams_and_seed_demo_volunteers);
