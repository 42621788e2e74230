//! The tamper-evident export: `tessera audit export` and the streamed API
//! export, `tessera audit verify` catching every kind of tampering with the first
//! bad position named, and pseudonymized exports that still verify.

mod common;

use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use tessera_replay::Db;

const CONF: &str = "pycon-us-2027";

fn tessera() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tessera"));
    c.env("RUST_LOG", "warn").env_remove("DATABASE_URL");
    c
}

/// A conference with an auditor and two paid orders: the auditor.
async fn setup(app: &TestApp) -> User {
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let auditor = app.user("audrey").await;
    app.grant(&admin, CONF, &auditor, "auditor").await;
    for name in ["ana", "bo"] {
        let buyer = app.user(name).await;
        let r = app.buy(&buyer, CONF, "individual", 1).await;
        assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
        let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
        let r = app
            .post(&format!(
                "/api/v1/conferences/{CONF}/orders/{reference}/payments"
            ))
            .as_user(&admin)
            .json(json!({ "method": "manual", "amount": "100.00" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
    }
    app.settled().await;
    auditor
}

/// Runs `tessera audit verify`: (success, output).
fn verify(app: &TestApp, file: &Path, against_database: bool) -> (bool, String) {
    let mut c = tessera();
    c.args(["audit", "verify"]).arg(file);
    if against_database {
        c.args(["--against-database", "--database-url", &app.url]);
    }
    let out = c.output().expect("run tessera audit verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn position(line: &str) -> i64 {
    serde_json::from_str::<Value>(line).expect("a JSON line")["position"]
        .as_i64()
        .expect("an entry line")
}

/// Asserts that `lines` fails verification naming `bad` as the first bad position.
fn refused(app: &TestApp, dir: &Path, name: &str, lines: &[String], bad: Option<i64>) {
    let file = dir.join(name);
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    let (ok, out) = verify(app, &file, false);
    assert!(!ok, "{name}: a tampered export verified: {out}");
    assert!(out.contains("TAMPERED"), "{name}: {out}");
    if let Some(p) = bad {
        assert!(
            out.contains(&format!("first bad position {p} ")),
            "{name}: expected position {p}: {out}"
        );
    }
}

async fn alter_actor(db: &Db, position: i64) {
    match db {
        Db::Sqlite(pool) => sqlx::query(
            "UPDATE events SET metadata = json_set(metadata, '$.actor', 'forged') WHERE position = ?",
        )
        .bind(position)
        .execute(pool)
        .await
        .map(|_| ()),
        Db::Postgres(pool) => sqlx::query(
            "UPDATE events SET metadata = jsonb_set(metadata::jsonb, '{actor}', '\"forged\"')::json \
             WHERE position = $1",
        )
        .bind(position)
        .execute(pool)
        .await
        .map(|_| ()),
    }
    .expect("alter the event");
}

/// The CLI export verifies; an edited byte, a deleted line, two swapped lines, an
/// appended forged line and an event altered in the log afterwards are each
/// caught, with the first bad position named and a non-zero exit.
async fn verify_catches_every_kind_of_tampering(b: Backend) {
    let app = TestApp::start(b).await;
    setup(&app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("export.jsonl");
    let out = tessera()
        .args(["audit", "export", "--conference", CONF, "--out"])
        .arg(&file)
        .args(["--database-url", &app.url])
        .output()
        .expect("run tessera audit export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("the export");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let entries = lines.len() - 2;
    assert!(entries >= 8, "{text}");
    let trailer: Value = serde_json::from_str(&lines[lines.len() - 1]).expect("trailer");
    assert_eq!(trailer["count"], entries as u64);
    let (ok, out) = verify(&app, &file, false);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("{entries} event(s)")), "{out}");
    let (ok, out) = verify(&app, &file, true);
    assert!(ok, "{out}");

    // An edited byte inside an entry's payload.
    let k = 4;
    let mut edited = lines.clone();
    edited[k] = edited[k].replacen("\"payload\":{", "\"payload\":{\"x\":1,", 1);
    assert_ne!(edited[k], lines[k]);
    refused(
        &app,
        dir.path(),
        "edited",
        &edited,
        Some(position(&lines[k])),
    );
    let mut byte = lines.clone();
    let at = byte[k]
        .find("\"aggregate_id\":\"")
        .expect("an aggregate id")
        + 16;
    let flipped = if &byte[k][at..at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    byte[k].replace_range(at..at + 1, flipped);
    assert_ne!(byte[k], lines[k]);
    refused(&app, dir.path(), "byte", &byte, Some(position(&lines[k])));

    // A deleted line: the next entry no longer links.
    let mut deleted = lines.clone();
    deleted.remove(k);
    refused(
        &app,
        dir.path(),
        "deleted",
        &deleted,
        Some(position(&lines[k + 1])),
    );

    // Two swapped lines.
    let mut swapped = lines.clone();
    swapped.swap(k, k + 1);
    refused(
        &app,
        dir.path(),
        "swapped",
        &swapped,
        Some(position(&lines[k + 1])),
    );

    // A forged line appended after the trailer.
    let mut forged: Value = serde_json::from_str(&lines[entries]).expect("last entry");
    forged["position"] = json!(position(&lines[entries]) + 1);
    forged["prev_hash"] = forged["hash"].clone();
    let mut appended = lines.clone();
    appended.push(forged.to_string());
    refused(
        &app,
        dir.path(),
        "appended",
        &appended,
        Some(position(&lines[entries]) + 1),
    );

    // A cut-short file (no trailer) never verifies.
    refused(&app, dir.path(), "cut", &lines[..entries], None);

    // The log altered after the export: the chain still holds, the database
    // check names the event.
    let altered = position(&lines[k]);
    alter_actor(&app.app.db, altered).await;
    let (ok, out) = verify(&app, &file, false);
    assert!(ok, "the file itself is intact: {out}");
    let (ok, out) = verify(&app, &file, true);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("first bad position {altered} ")),
        "{out}"
    );
    app.finish().await;
}

/// The API streams the same export to auditors; pseudonymized, no buyer's name
/// or e-mail appears and it still verifies, against the log too.
async fn the_api_streams_a_verifiable_pseudonymized_export(b: Backend) {
    let app = TestApp::start(b).await;
    let auditor = setup(&app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = format!("/api/v1/conferences/{CONF}/audit/export");
    let r = app.get(&path).as_user(&auditor).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Billing details are sealed in the log; the plain export carries them sealed.
    assert!(r.text.contains("\"sealed_billing\":{"), "{}", r.text);
    let file = dir.path().join("plain.jsonl");
    std::fs::write(&file, &r.text).expect("write");
    let (ok, out) = verify(&app, &file, true);
    assert!(ok, "{out}");

    let r = app
        .get(&format!("{path}?pseudonymize=true"))
        .as_user(&auditor)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.text.contains("\"sealed_billing\":{"), "{}", r.text);
    assert!(
        r.text.contains("\"sealed_billing\":\"pseudonym:"),
        "{}",
        r.text
    );
    let file = dir.path().join("pseudonymized.jsonl");
    std::fs::write(&file, &r.text).expect("write");
    let (ok, out) = verify(&app, &file, true);
    assert!(ok, "{out}");
    // Two buyers, two pseudonyms.
    let sealed: Vec<Value> = r
        .text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event_type"] == "OrderPlaced")
        .map(|v| v["payload"]["OrderPlaced"]["sealed_billing"].clone())
        .collect();
    assert_eq!(sealed.len(), 2);
    assert_ne!(sealed[0], sealed[1]);

    // Only auditors (and admins) export.
    let other = app.user("mallory").await;
    let r = app.get(&path).as_user(&other).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

on_both_backends!(
    verify_catches_every_kind_of_tampering,
    the_api_streams_a_verifiable_pseudonymized_export
);
