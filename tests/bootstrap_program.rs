//! `tessera bootstrap` with `[[conference.badge_templates]]` and
//! `[[conference.surveys]]` (ATT-33, SURVEY-1), on SQLite and PostgreSQL.

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
