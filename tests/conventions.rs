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

/// Same key and body: the stored response, once. Same key, other body: 422.
/// Still in flight: 409.
async fn idempotency_key_on_post(b: Backend) {
    let app = TestApp::start(b).await;
    let body = json!({ "email": "cy@example.org", "password": "long enough pw", "name": "Cy" });
    let first = app
        .post("/api/v1/auth/signup")
        .header("idempotency-key", "k-1")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = app
        .post("/api/v1/auth/signup")
        .header("idempotency-key", "k-1")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(
        second.status,
        StatusCode::CREATED,
        "replayed, not 'email taken'"
    );
    assert_eq!(second.text, first.text);
    assert_eq!(
        second
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    // Without the key the same request is a new command, refused as a duplicate.
    let third = app
        .post("/api/v1/auth/signup")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(third.status, StatusCode::CONFLICT);
    let other = app
        .post("/api/v1/auth/signup")
        .header("idempotency-key", "k-1")
        .json(json!({ "email": "dee@example.org", "password": "long enough pw", "name": "Dee" }))
        .send()
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.code(), "idempotency.key_reused");
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "dee@example.org", "password": "long enough pw" }))
        .send()
        .await;
    assert_eq!(
        login.status,
        StatusCode::UNAUTHORIZED,
        "the refused request changed nothing"
    );

    // A request whose first delivery is still being processed.
    let in_flight_body =
        json!({ "email": "eve@example.org", "password": "long enough pw", "name": "Eve" });
    let fingerprint = {
        use sha2::{Digest, Sha256};
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let actor = hex(&Sha256::digest(b"")[..16]);
        let request = format!(
            "POST /api/v1/auth/signup {}",
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
    let r = app
        .post("/api/v1/auth/signup")
        .header("idempotency-key", "k-2")
        .json(in_flight_body)
        .send()
        .await;
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
    let in_flight_body =
        json!({ "email": "eve@example.org", "password": "long enough pw", "name": "Eve" });
    let r = app
        .post("/api/v1/auth/signup")
        .header("idempotency-key", "k-2")
        .json(in_flight_body)
        .send()
        .await;
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
