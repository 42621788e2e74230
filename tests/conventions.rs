//! HTTP conventions: problem+json, Idempotency-Key, OpenAPI, ops endpoints, auth.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;

/// Errors are RFC 9457 problem documents with a stable code.
async fn errors_are_problem_json(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app.get("/api/v1/nope").send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["status"], 404);
    assert!(
        r.body["type"].is_string() && r.body["title"].is_string() && r.body["detail"].is_string()
    );
    let r = app
        .call(axum::http::Method::POST, "/api/v1/auth/signup")
        .header("content-type", "application/json")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.code(), "request.malformed_json");
    let r = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": 3 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "request.invalid_body");
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    app.finish().await;
}

/// Sign-up, log-in, who-am-I; duplicates and bad passwords refused.
async fn signup_login_me(b: Backend) {
    let app = TestApp::start(b).await;
    let ana = app.user("ana").await;
    let r = app.get("/api/v1/auth/me").as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["email"], "ana@example.org");
    assert_eq!(r.body["is_admin"], false);
    let again = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": "ANA@example.org", "password": "another password", "name": "Ana" }))
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "user.email_taken");
    let weak = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": "bo@example.org", "password": "short", "name": "Bo" }))
        .send()
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.code(), "auth.weak_password");
    let bad = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": "not-an-email", "password": "long enough pw", "name": "Bo" }))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.code(), "user.invalid_email");
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "ana@example.org", "password": "correct horse battery" }))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let token = login.body["token"].as_str().unwrap_or_default().to_string();
    let r = app.get("/api/v1/auth/me").token(&token).send().await;
    assert_eq!(r.body["email"], "ana@example.org");
    let wrong = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "ana@example.org", "password": "wrong password" }))
        .send()
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.code(), "auth.invalid_credentials");
    let r = app.get("/api/v1/auth/me").send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// Conference `pycon-us-<year>` (one per series and year).
fn conference_body(year: i32) -> serde_json::Value {
    json!({
        "series": "pycon-us", "slug": format!("pycon-us-{year}"), "name": format!("PyCon US {year}"),
        "year": year, "start_date": format!("{year}-05-14"), "end_date": format!("{year}-05-22"),
        "timezone": "America/Chicago", "total_capacity": 2500
    })
}

/// Same key and body: the stored response, once. Same key, other body: 422.
/// Still in flight: 409. Keys are scoped to the credential that sent them.
async fn idempotency_key_on_post(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let series = app
        .post("/api/v1/series")
        .as_user(&admin)
        .json(json!({ "slug": "pycon-us", "name": "PyCon US" }))
        .send()
        .await;
    assert_eq!(series.status, StatusCode::CREATED, "{}", series.text);
    let create = |key: &'static str, body: serde_json::Value| {
        app.post("/api/v1/conferences")
            .as_user(&admin)
            .header("idempotency-key", key)
            .json(body)
    };
    let first = create("k-1", conference_body(2027)).send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = create("k-1", conference_body(2027)).send().await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert!(first.position().is_some(), "{}", first.text);
    assert_eq!(
        second.text, first.text,
        "the stored answer, with its position"
    );
    assert_eq!(
        second
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    // Without the key the same request is a new command: it runs, and now records
    // nothing (the conference exists), so it answers without a position.
    let third = app
        .post("/api/v1/conferences")
        .as_user(&admin)
        .json(conference_body(2027))
        .send()
        .await;
    assert_eq!(third.status, StatusCode::CREATED);
    assert!(third.headers.get("idempotent-replayed").is_none());
    assert_eq!(third.position(), None, "{}", third.text);
    let other = create("k-1", conference_body(2028)).send().await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.code(), "idempotency.key_reused");
    let r = app
        .post("/api/v1/conferences")
        .as_user(&admin)
        .json(conference_body(2028))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(
        r.position().is_some(),
        "the refused request changed nothing: {}",
        r.text
    );

    // A request whose first delivery is still being processed.
    let in_flight_body = conference_body(2029);
    let fingerprint = {
        use sha2::{Digest, Sha256};
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let credential = format!("Bearer {}", admin.token);
        let actor = hex(&Sha256::digest(credential.as_bytes())[..16]);
        let request = format!(
            "POST /api/v1/conferences {}",
            hex(&Sha256::digest(in_flight_body.to_string().as_bytes()))
        );
        (actor, request)
    };
    let sql = "INSERT INTO idempotency_keys (actor, key, request) VALUES ($1, 'k-2', $2)";
    match &app.app.db {
        tessera_replay::Db::Postgres(p) => {
            sqlx::query(sql)
                .bind(&fingerprint.0)
                .bind(&fingerprint.1)
                .execute(p)
                .await
                .ok();
        }
        tessera_replay::Db::Sqlite(p) => {
            sqlx::query(sql)
                .bind(&fingerprint.0)
                .bind(&fingerprint.1)
                .execute(p)
                .await
                .ok();
        }
    }
    let r = create("k-2", in_flight_body.clone()).send().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "idempotency.in_flight");
    // A claim whose request died with its process is abandoned after its lease:
    // the retry runs.
    let age =
        "UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000Z' WHERE key = 'k-2'";
    match &app.app.db {
        tessera_replay::Db::Postgres(p) => {
            sqlx::query(age).execute(p).await.ok();
        }
        tessera_replay::Db::Sqlite(p) => {
            sqlx::query(age).execute(p).await.ok();
        }
    }
    let r = create("k-2", in_flight_body).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.finish().await;
}

/// The OpenAPI document is generated from the handlers and covers every route.
async fn openapi_covers_every_route(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app.get("/api/openapi.json").send().await;
    assert_eq!(r.status, StatusCode::OK);
    let documented: BTreeSet<(String, String)> = r.body["paths"]
        .as_object()
        .map(|paths| {
            paths
                .iter()
                .flat_map(|(p, item)| {
                    item.as_object()
                        .into_iter()
                        .flat_map(|ops| ops.keys())
                        .map(move |m| (m.to_uppercase(), p.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    let routed: BTreeSet<(String, String)> = tessera::http::access_table()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p))
        .collect();
    assert_eq!(documented, routed);
    assert!(routed.contains(&(
        "POST".to_string(),
        "/api/v1/conferences/{slug}/activities/{activity}/signups".to_string()
    )));
    app.finish().await;
}

/// /healthz, /readyz, /metrics (command latency, conflicts, projection lag), and
/// a request id on every response.
async fn ops_endpoints(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app.get("/healthz").send().await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.get("/readyz").send().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("x-request-id").is_some());
    app.user("ana").await;
    let r = app.get("/metrics").send().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("tessera_command_duration_seconds"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("tessera_projection_lag_events"),
        "{}",
        r.text
    );
    app.finish().await;
}

on_both_backends!(
    errors_are_problem_json,
    signup_login_me,
    idempotency_key_on_post,
    openapi_covers_every_route,
    ops_endpoints,
);

/// Every refusal's code comes from a typed enum (a domain's error, or the
/// request's `RequestError`): only the modules that render those build an
/// `ApiError` from a code, so no handler writes one by hand.
#[test]
fn no_handler_writes_an_error_code_by_hand() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    walk(&root.join("src"), &mut files);
    assert!(files.len() > 100, "the walk reached the source tree");
    let renderers = ["error.rs", "domain_errors.rs", "request_error.rs"];
    let mut offenders = vec![];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read file");
        let named = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let in_http = file.starts_with(root.join("src/http"));
        if text.contains("ApiError::new(") && !(in_http && renderers.contains(&named)) {
            offenders.push(file.display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "codes written by hand in {offenders:?}"
    );
}
