//! Auth hardening, end to end: no public signing key, revocable tokens, throttled
//! log-in, and idempotency records that hold no secret and expire.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Utc;
use common::{Backend, Response, TestApp, User};
use serde_json::json;
use tessera::app::AppState;
use tessera::config::{Config, Secret};
use tessera::identity::TokenSigner;
use tessera_replay::Db;

const PASSWORD: &str = "correct horse battery";

/// The former built-in development key: nothing may accept tokens signed with it.
const OLD_DEV_KEY: &str = "tessera-dev-secret-change-me";

async fn rows(db: &Db, sql: &str) -> Vec<(String,)> {
    match db {
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
    }
    .expect("query")
}

async fn exec(db: &Db, sql: &str) -> u64 {
    match db {
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .expect("statement")
}

async fn stored_key(db: &Db) -> Vec<String> {
    rows(db, "SELECT secret FROM signing_keys")
        .await
        .into_iter()
        .map(|(s,)| s)
        .collect()
}

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    app.post("/api/v1/auth/login")
        .json(json!({ "email": email, "password": password }))
        .send()
        .await
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/v1/auth/me").token(token).send().await.status
}

/// A second instance of the service on the same database.
async fn second_instance(app: &TestApp) -> AppState {
    let db = tessera::server::open_db(&app.url)
        .await
        .expect("second pool");
    tessera::server::build_app(db, app.app.config.clone(), Arc::new(app.clock.clone()))
        .await
        .expect("second instance starts")
}

/// The service's clock (the test clock).
fn now(app: &TestApp) -> chrono::DateTime<Utc> {
    use tessera_aggregates::Clock;
    app.clock.now()
}

fn retry_after(r: &Response) -> Option<i64> {
    r.headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

// ---------------------------------------------------------------------------
// The signing key

/// Without a configured key the service generates one (32 random bytes) on first
/// start, keeps it in the database, and every instance on it signs with it;
/// tokens signed with the old public development key are refused.
async fn without_a_configured_key_a_random_one_is_kept_in_the_database(b: Backend) {
    let app = TestApp::start(b).await;
    let keys = stored_key(&app.app.db).await;
    assert_eq!(keys.len(), 1, "one generated key");
    let key = &keys[0];
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key)
        .unwrap_or_default();
    assert!(bytes.len() >= 32, "32+ random bytes: {key}");

    let ana = app.user("ana").await;
    let at = now(&app);
    let claims = TokenSigner::new(key, 1).verify(&ana.token, at);
    assert_eq!(
        claims.map(|c| c.user.to_string()),
        Some(ana.id.clone()),
        "signed with the stored key"
    );
    let user = ana.id.parse().unwrap_or_default();
    let forged = TokenSigner::new(OLD_DEV_KEY, 1).issue(user, 0, at);
    assert_eq!(me(&app, &forged).await, StatusCode::UNAUTHORIZED);

    // Another instance on the same database reads the same key.
    let other = second_instance(&app).await;
    assert_eq!(stored_key(&other.db).await, keys, "not generated twice");
    let caller = other.caller_from_token(&ana.token).await;
    assert_eq!(caller.map(|c| c.email).ok(), Some(ana.email.clone()));

    // And so does this one after a restart: tokens survive it.
    let app = app.restart().await;
    assert_eq!(me(&app, &ana.token).await, StatusCode::OK);
    app.finish().await;
}

/// A configured `secret_key` signs the tokens; nothing is generated.
async fn a_configured_key_signs_the_tokens(b: Backend) {
    let key = "a-configured-key-of-at-least-32-characters";
    let config = Config {
        secret_key: Some(Secret::new(key)),
        ..Config::default()
    };
    let app = TestApp::start_with(b, config).await;
    let ana = app.user("ana").await;
    let claims = TokenSigner::new(key, 1).verify(&ana.token, now(&app));
    assert_eq!(claims.map(|c| c.user.to_string()), Some(ana.id.clone()));
    assert!(stored_key(&app.app.db).await.is_empty());
    app.finish().await;
}

// ---------------------------------------------------------------------------
// Ending sessions

/// Sign-out refuses the token used, at once on this instance and within a few
/// seconds on another; the user's other tokens keep working.
async fn logout_revokes_the_token_used(b: Backend) {
    let app = TestApp::start(b).await;
    let ana = app.user("ana").await;
    let r = login(&app, &ana.email, PASSWORD).await;
    let other_token = r.body["token"].as_str().unwrap_or_default().to_string();
    let other = second_instance(&app).await;
    assert!(other.caller_from_token(&ana.token).await.is_ok());

    let r = app.post("/api/v1/auth/logout").as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(me(&app, &ana.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &other_token).await, StatusCode::OK);
    let again = app.post("/api/v1/auth/logout").as_user(&ana).send().await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.code(), "auth.unauthenticated");

    // The other instance had the user cached: it re-reads within CALLER_MAX_AGE.
    tokio::time::sleep(tessera::app::CALLER_MAX_AGE + std::time::Duration::from_millis(500)).await;
    assert!(other.caller_from_token(&ana.token).await.is_err());
    assert!(other.caller_from_token(&other_token).await.is_ok());
    app.finish().await;
}

/// An admin ends every session of a user: each token issued before is refused;
/// a new log-in works. Unknown users are 404; only admins may.
async fn an_admin_revokes_every_session_of_a_user(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let ana = app.user("ana").await;
    let second = login(&app, &ana.email, PASSWORD).await;
    let second = second.body["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bo = app.user("bo").await;
    let path = format!("/api/v1/users/{}/revoke-sessions", ana.id);

    let r = app.post(&path).as_user(&bo).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(me(&app, &ana.token).await, StatusCode::OK);

    let r = app.post(&path).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["user_id"], ana.id.as_str());
    assert_eq!(me(&app, &ana.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &bo.token).await,
        StatusCode::OK,
        "others keep theirs"
    );
    assert_eq!(me(&app, &admin.token).await, StatusCode::OK);

    let fresh = login(&app, &ana.email, PASSWORD).await;
    assert_eq!(fresh.status, StatusCode::OK);
    let fresh = fresh.body["token"].as_str().unwrap_or_default().to_string();
    assert_eq!(me(&app, &fresh).await, StatusCode::OK);

    let unknown = format!("/api/v1/users/{}/revoke-sessions", uuid::Uuid::new_v4());
    let r = app.post(&unknown).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .post("/api/v1/users/not-a-uuid/revoke-sessions")
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    app.finish().await;
}

// ---------------------------------------------------------------------------
// Throttled log-in

/// 5 failures per account per 15 minutes: the next attempt is 429 with
/// Retry-After, even with the right password; other accounts are not affected;
/// the account opens again when the window has passed.
async fn login_failures_are_limited_per_account(b: Backend) {
    let app = TestApp::start(b).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    for _ in 0..5 {
        let r = login(&app, &ana.email, "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = login(&app, &ana.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.code(), "auth.too_many_failures");
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(retry_after(&r), Some(15 * 60));
    assert!(r.body.get("token").is_none());
    // An account that does not exist is throttled alike (a 429 reveals nothing).
    for _ in 0..5 {
        login(&app, "nobody@example.org", "wrong password").await;
    }
    let r = login(&app, "nobody@example.org", "wrong password").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    assert_eq!(
        login(&app, &bo.email, PASSWORD).await.status,
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::minutes(10));
    let r = login(&app, &ana.email, PASSWORD).await;
    assert_eq!(retry_after(&r), Some(5 * 60));
    app.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(
        login(&app, &ana.email, PASSWORD).await.status,
        StatusCode::OK
    );
    app.finish().await;
}

/// A successful log-in forgives the account's earlier failures.
async fn a_successful_login_resets_the_account_count(b: Backend) {
    let app = TestApp::start(b).await;
    let ana = app.user("ana").await;
    for _ in 0..4 {
        login(&app, &ana.email, "wrong password").await;
    }
    assert_eq!(
        login(&app, &ana.email, PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..4 {
        let r = login(&app, &ana.email, "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login(&app, &ana.email, PASSWORD).await.status,
        StatusCode::OK
    );
    app.finish().await;
}

fn behind_a_proxy(max_per_address: u32, trust: bool) -> Config {
    Config {
        login_max_attempts_per_address: max_per_address,
        trust_forwarded_for: trust,
        ..Config::default()
    }
}

async fn login_from(app: &TestApp, email: &str, forwarded_for: &str) -> Response {
    app.post("/api/v1/auth/login")
        .header("x-forwarded-for", forwarded_for)
        .json(json!({ "email": email, "password": "wrong password" }))
        .send()
        .await
}

/// Attempts per client address are limited whatever the account; behind a
/// trusted proxy the address is the last X-Forwarded-For entry.
async fn login_attempts_are_limited_per_address(b: Backend) {
    let app = TestApp::start_with(b, behind_a_proxy(3, true)).await;
    for i in 0..3 {
        let r = login_from(&app, &format!("u{i}@example.org"), "203.0.113.7").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = login_from(&app, "u9@example.org", "203.0.113.7").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.code(), "auth.too_many_attempts");
    assert_eq!(retry_after(&r), Some(60));
    // A client's own claim before the proxy's entry does not matter.
    let r = login_from(&app, "u9@example.org", "203.0.113.7, 198.51.100.1").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = login_from(&app, "u9@example.org", "198.51.100.9, 203.0.113.7").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(chrono::Duration::seconds(60));
    let r = login_from(&app, "u9@example.org", "203.0.113.7").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// Without `trust_forwarded_for` the header is ignored: a client cannot choose
/// the address it is counted under (here there is no socket, so no address).
async fn forwarded_for_is_ignored_unless_trusted(b: Backend) {
    let app = TestApp::start_with(b, behind_a_proxy(3, false)).await;
    for i in 0..6 {
        let r = login_from(&app, &format!("u{i}@example.org"), "203.0.113.7").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    app.finish().await;
}

/// The limits hold across instances: the hits are counted in the database.
/// 20 concurrent wrong passwords for one account, split over two instances on
/// one database, get exactly 5 × 401 in total and then 429 with Retry-After; the
/// right password is refused on both instances until the window passed.
async fn two_instances_share_the_account_limit(b: Backend) {
    let a = TestApp::start(b).await;
    let ana = a.user("ana").await;
    let b2 = a.twin().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let app = if i % 2 == 0 { &a } else { &b2 };
            login(app, &ana.email, "wrong password")
        })
        .collect();
    let answers = futures::future::join_all(tasks).await;
    let unauthorized = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let throttled: Vec<&Response> = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(unauthorized, 5, "5 failures in total over both instances");
    assert_eq!(throttled.len(), 15);
    assert!(
        throttled
            .iter()
            .all(|r| r.code() == "auth.too_many_failures")
    );
    assert!(
        throttled
            .iter()
            .all(|r| retry_after(r).is_some_and(|s| (1..=15 * 60).contains(&s)))
    );
    for app in [&a, &b2] {
        let r = login(app, &ana.email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    }
    a.clock.advance(chrono::Duration::minutes(15));
    assert_eq!(
        login(&b2, &ana.email, PASSWORD).await.status,
        StatusCode::OK
    );
    b2.finish().await;
    a.finish().await;
}

/// Attempts per client address are counted once for every instance: 12
/// concurrent attempts from one address over two instances, limit 4: 4 × 401.
async fn two_instances_share_the_address_limit(b: Backend) {
    let a = TestApp::start_with(b, behind_a_proxy(4, true)).await;
    let b2 = a.twin().await;
    let emails: Vec<String> = (0..12).map(|i| format!("u{i}@example.org")).collect();
    let tasks: Vec<_> = emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let app = if i % 2 == 0 { &a } else { &b2 };
            login_from(app, email, "203.0.113.7")
        })
        .collect();
    let answers = futures::future::join_all(tasks).await;
    let count = |s: StatusCode| answers.iter().filter(|r| r.status == s).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), 4);
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 8);
    assert!(
        answers
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .all(|r| r.code() == "auth.too_many_attempts" && retry_after(r).is_some())
    );
    // Another address is not affected, on either instance.
    let r = login_from(&b2, "u1@example.org", "198.51.100.9").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    b2.finish().await;
    a.finish().await;
}

/// `serve` gives each connection its peer address: attempts over real sockets from
/// 127.0.0.1 are counted against it.
async fn serve_counts_attempts_per_socket_address(b: Backend) {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let app = TestApp::start_with(b, behind_a_proxy(2, false)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tessera::serve(listener, app.app.clone(), async {
        let _ = stopped.await;
    }));
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut answers = vec![];
    for i in 0..3 {
        let body = json!({ "email": format!("u{i}@example.org"), "password": "wrong password" });
        let req = hyper::Request::builder()
            .method("POST")
            .uri(format!("{base}/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        let resp = client.request(req).await.expect("served");
        let status = resp.status();
        let retry = resp.headers().get("retry-after").cloned();
        let _ = resp.into_body().collect().await;
        answers.push((status, retry.is_some()));
    }
    assert_eq!(
        answers,
        vec![
            (StatusCode::UNAUTHORIZED, false),
            (StatusCode::UNAUTHORIZED, false),
            (StatusCode::TOO_MANY_REQUESTS, true),
        ]
    );
    let _ = stop.send(());
    let _ = server.await;
    app.finish().await;
}

// ---------------------------------------------------------------------------
// Idempotency records

async fn idempotency_rows(app: &TestApp) -> Vec<(String,)> {
    rows(
        &app.app.db,
        "SELECT key || ' ' || COALESCE(response, '') FROM idempotency_keys",
    )
    .await
}

/// Log-in and sign-up with an Idempotency-Key store nothing (no token, no hash of
/// the password): a retry runs again.
async fn responses_with_a_token_are_never_stored(b: Backend) {
    let app = TestApp::start(b).await;
    let signup = app
        .post("/api/v1/auth/signup")
        .header("idempotency-key", "k-signup")
        .json(json!({ "email": "ana@example.org", "password": PASSWORD, "name": "Ana" }))
        .send()
        .await;
    assert_eq!(signup.status, StatusCode::CREATED, "{}", signup.text);
    let first = app
        .post("/api/v1/auth/login")
        .header("idempotency-key", "k-login")
        .json(json!({ "email": "ana@example.org", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let token = first.body["token"].as_str().unwrap_or_default().to_string();
    assert!(!token.is_empty());
    assert_eq!(idempotency_rows(&app).await, vec![], "nothing stored");
    let retry = app
        .post("/api/v1/auth/login")
        .header("idempotency-key", "k-login")
        .json(json!({ "email": "ana@example.org", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(retry.status, StatusCode::OK);
    assert!(retry.headers.get("idempotent-replayed").is_none());
    assert_ne!(retry.body["token"], first.body["token"], "a new token");

    // Other responses are still stored and replayed.
    let ana = User {
        id: signup.body["id"].as_str().unwrap_or_default().to_string(),
        email: "ana@example.org".into(),
        token,
    };
    let logout = app
        .post("/api/v1/auth/logout")
        .as_user(&ana)
        .header("idempotency-key", "k-logout")
        .send()
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let stored = idempotency_rows(&app).await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].0.starts_with("k-logout"), "{stored:?}");
    assert!(
        stored.iter().all(|(row,)| !row.contains(&ana.token)),
        "{stored:?}"
    );
    app.finish().await;
}

async fn create_conference(app: &TestApp, admin: &User, key: &str) -> Response {
    app.post("/api/v1/conferences")
        .as_user(admin)
        .header("idempotency-key", key)
        .json(json!({
            "series": "pycon-us", "slug": "pycon-us-2027", "name": "PyCon US 2027",
            "year": 2027, "start_date": "2027-05-14", "end_date": "2027-05-22",
            "timezone": "America/Chicago", "total_capacity": 2500
        }))
        .send()
        .await
}

async fn age(app: &TestApp, key: &str) -> u64 {
    exec(
        &app.app.db,
        &format!(
            "UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000Z' WHERE key = '{key}'"
        ),
    )
    .await
}

/// A stored response older than `idempotency_ttl_hours` is not replayed: the
/// request runs again. The cleanup deletes expired records and keeps fresh ones.
async fn expired_idempotency_records_are_not_replayed_and_are_deleted(b: Backend) {
    let config = Config {
        idempotency_ttl_hours: 1,
        ..Config::default()
    };
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    let series = app
        .post("/api/v1/series")
        .as_user(&admin)
        .json(json!({ "slug": "pycon-us", "name": "PyCon US" }))
        .send()
        .await;
    assert_eq!(series.status, StatusCode::CREATED, "{}", series.text);
    let first = create_conference(&app, &admin, "k-conf").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let replayed = create_conference(&app, &admin, "k-conf").await;
    assert_eq!(replayed.status, StatusCode::CREATED);
    assert_eq!(
        replayed
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );

    assert_eq!(age(&app, "k-conf").await, 1);
    let late = create_conference(&app, &admin, "k-conf").await;
    assert!(late.headers.get("idempotent-replayed").is_none());
    // Ran again: the conference exists, so this time nothing was recorded.
    assert_eq!(late.status, StatusCode::CREATED, "{}", late.text);
    assert!(first.position().is_some());
    assert_eq!(
        late.body["position"],
        serde_json::Value::Null,
        "{}",
        late.text
    );
    let old = rows(
        &app.app.db,
        "SELECT key FROM idempotency_keys WHERE created_at < '2001-01-01T00:00:00.000Z'",
    )
    .await;
    assert_eq!(old, vec![], "the expired record was deleted");

    // The periodic cleanup: expired records go, fresh ones stay.
    let fresh = create_conference(&app, &admin, "k-fresh").await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert_eq!(age(&app, "k-conf").await, 1);
    let deleted =
        tessera::http::idempotency::delete_expired(&app.app.db, app.app.config.idempotency_ttl())
            .await
            .expect("cleanup");
    assert_eq!(deleted, 1);
    let left: Vec<String> = rows(&app.app.db, "SELECT key FROM idempotency_keys")
        .await
        .into_iter()
        .map(|(k,)| k)
        .collect();
    assert_eq!(left, vec!["k-fresh".to_string()]);
    app.finish().await;
}

on_both_backends!(
    without_a_configured_key_a_random_one_is_kept_in_the_database,
    a_configured_key_signs_the_tokens,
    logout_revokes_the_token_used,
    an_admin_revokes_every_session_of_a_user,
    login_failures_are_limited_per_account,
    a_successful_login_resets_the_account_count,
    login_attempts_are_limited_per_address,
    forwarded_for_is_ignored_unless_trusted,
    serve_counts_attempts_per_socket_address,
    two_instances_share_the_account_limit,
    two_instances_share_the_address_limit,
    responses_with_a_token_are_never_stored,
    expired_idempotency_records_are_not_replayed_and_are_deleted,
);
