//! Strict input at the edge: unknown fields, out-of-range numbers, loose money,
//! NUL characters, overlong strings and bad e-mails are refused with problem+json
//! naming the field, and change nothing; every other refusal (405, 413, 415, 431,
//! a malformed path value) is problem+json with a stable code too.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, TestApp, User};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn assert_problem(r: &common::Response, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.code(), code, "{}", r.text);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{}",
        r.text
    );
}

fn fields(r: &common::Response) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_string))
        .collect()
}

async fn organizer_app(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, "c27").await;
    (app, admin)
}

/// The comp-voucher trap: misspelt fields are refused by name, nested ones too,
/// and nothing is created.
async fn unknown_fields_are_refused_by_name(b: Backend) {
    let (app, admin) = organizer_app(b).await;
    let r = app
        .post("/api/v1/conferences/c27/vouchers")
        .as_user(&admin)
        .json(json!({ "code": "HALF", "voucher_type": "percentage", "discount_value": "50" }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.unknown_field",
    );
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("voucher_type")
    );
    assert_eq!(fields(&r), vec!["discount_value", "voucher_type"]);
    let r = app
        .post("/api/v1/conferences/c27/vouchers")
        .as_user(&admin)
        .json(json!({ "code": "NEST", "scope": { "tickets": "all", "bogus": 1 } }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.unknown_field",
    );
    assert_eq!(fields(&r), vec!["scope.bogus"], "{}", r.text);
    let r = app
        .post("/api/v1/conferences/c27/discounts")
        .as_user(&admin)
        .json(json!({ "name": "Speakers", "kind": "speaker",
                      "effect": { "value": "10", "amount_off": "5" } }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.unknown_field",
    );
    assert_eq!(fields(&r), vec!["effect.amount_off"]);
    let r = app
        .post("/api/v1/conferences/c27/discounts")
        .as_user(&admin)
        .json(
            json!({ "name": "Speakers", "kind": "speaker", "percentage": "10",
                      "effect": { "value": "10" } }),
        )
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.unknown_field",
    );
    assert_eq!(fields(&r), vec!["percentage"]);
    // A flattened body (conference options) knows its fields too.
    let r = app
        .patch("/api/v1/conferences/c27")
        .as_user(&admin)
        .json(json!({ "name": "PyCon", "capacity": 10 }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.unknown_field",
    );
    assert_eq!(fields(&r), vec!["capacity"]);
    let list = app
        .get("/api/v1/conferences/c27/vouchers")
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["items"], json!([]), "nothing was created");
    // The documented fields still work.
    let r = app
        .post("/api/v1/conferences/c27/vouchers")
        .as_user(&admin)
        .json(json!({ "code": "HALF", "kind": "percentage", "value": "50" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post("/api/v1/conferences/c27/discounts")
        .as_user(&admin)
        .json(json!({ "name": "Speakers", "kind": "speaker", "effect": { "value": "10" } }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.finish().await;
}

/// Quantities beyond u32 are refused, never capped.
async fn out_of_range_numbers_are_refused(b: Backend) {
    let (app, admin) = organizer_app(b).await;
    app.ticket_type(
        &admin,
        "c27",
        json!({ "slug": "standard", "name": "Standard", "price": "100.00" }),
    )
    .await;
    let ana = app.user("ana").await;
    for quantity in [json!(4_294_967_296_u64), json!(1e20), json!(-1e20)] {
        let r = app
            .post("/api/v1/conferences/c27/cart/items")
            .as_user(&ana)
            .json(json!({ "ticket_type": "standard", "quantity": quantity }))
            .send()
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{quantity}: {}",
            r.text
        );
    }
    let r = app
        .post("/api/v1/conferences/c27/cart/items")
        .as_user(&ana)
        .json(json!({ "ticket_type": "standard", "quantity": 4_294_967_296_u64 }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cart.quantity_too_high",
    );
    let r = app
        .post("/api/v1/conferences/c27/purchase-orders")
        .as_user(&admin)
        .json(
            json!({ "organization_name": "ACME", "contact_email": "po@acme.example",
                      "lines": [{ "description": "Seats", "quantity": 4_294_967_296_u64,
                                  "unit_price": "10.00" }] }),
        )
        .send()
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_body");
    assert_eq!(fields(&r), vec!["lines[0].quantity"]);
    app.finish().await;
}

/// Money is a plain decimal with at most two places, at most a billion.
async fn loose_money_is_refused(b: Backend) {
    let (app, admin) = organizer_app(b).await;
    for price in [
        json!("1e3"),
        json!("NaN"),
        json!("12.345"),
        json!(12.345),
        json!("1000000000.01"),
        json!(" 5"),
    ] {
        let r = app
            .post("/api/v1/conferences/c27/ticket-types")
            .as_user(&admin)
            .json(json!({ "slug": "t", "name": "T", "price": price }))
            .send()
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_body");
        assert_eq!(fields(&r), vec!["price"], "{price}");
    }
    // Within the edge's bound, the business rule still applies: a ticket price is a
    // decimal(10, 2) (CAT-1).
    let r = app
        .post("/api/v1/conferences/c27/ticket-types")
        .as_user(&admin)
        .json(json!({ "slug": "t", "name": "T", "price": "1000000000.00" }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "inventory.invalid_price",
    );
    let r = app
        .post("/api/v1/conferences/c27/ticket-types")
        .as_user(&admin)
        .json(json!({ "slug": "t", "name": "T", "price": "99999999.99" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    app.finish().await;
}

/// NUL anywhere is a 4xx problem, never a 500 (PostgreSQL text cannot hold it);
/// strings have a maximum length; e-mails are addresses.
async fn bad_strings_are_refused(b: Backend) {
    let (app, admin) = organizer_app(b).await;
    let r = app
        .post("/api/v1/conferences/c27/checkins")
        .as_user(&admin)
        .json(json!({ "access_code": "A\u{0}B" }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_field",
    );
    assert_eq!(fields(&r), vec!["access_code"]);
    for path in [
        "/api/v1/conferences/c27/attendees/A%00B",
        "/api/v1/conferences/c27/orders?status=A%00B",
    ] {
        let r = app.get(path).as_user(&admin).send().await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "request.nul_character");
    }
    let r = app
        .post("/api/v1/auth/signup")
        .json(
            json!({ "email": "bo@example.org", "password": "long enough pw",
                      "name": "B".repeat(201) }),
        )
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_field",
    );
    assert_eq!(fields(&r), vec!["name"]);
    let r = app
        .post("/api/v1/conferences/c27/roles")
        .as_user(&admin)
        .json(json!({ "email": "nobody at example", "role": "finance" }))
        .send()
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_email",
    );
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "bo@example.org", "password": "long enough pw" }))
        .send()
        .await;
    assert_eq!(
        login.status,
        StatusCode::UNAUTHORIZED,
        "nothing was created"
    );
    app.finish().await;
}

async fn raw(app: &TestApp, req: Request<Body>) -> (StatusCode, String, Value) {
    let response = app.router.clone().oneshot(req).await.expect("router");
    let status = response.status();
    let ct = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// 405, 413 (with and without an Idempotency-Key), 415, 431, 401, 403 and a
/// malformed path value are problem+json with a stable code.
async fn every_refusal_is_problem_json(b: Backend) {
    let (app, admin) = organizer_app(b).await;
    let ana = app.user("ana").await;
    let big = format!("{{\"email\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    for key in [None, Some("k-big")] {
        let mut req =
            Request::post("/api/v1/auth/signup").header("content-type", "application/json");
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let (status, ct, body) = raw(&app, req.body(Body::from(big.clone())).expect("req")).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "key {key:?}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(body["code"], "request.too_large");
    }
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            Request::delete("/api/v1/auth/signup")
                .body(Body::empty())
                .expect("req"),
            StatusCode::METHOD_NOT_ALLOWED,
            "request.method_not_allowed",
        ),
        (
            Request::post("/api/v1/auth/signup")
                .header("content-type", "text/plain")
                .body(Body::from("{}"))
                .expect("req"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.unsupported_media_type",
        ),
        (
            Request::get("/api/v1/auth/me")
                .header("x-padding", "p".repeat(20 * 1024))
                .body(Body::empty())
                .expect("req"),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request.headers_too_large",
        ),
        (
            Request::get("/api/v1/auth/me")
                .body(Body::empty())
                .expect("req"),
            StatusCode::UNAUTHORIZED,
            "auth.unauthenticated",
        ),
        (
            Request::get("/api/v1/conferences/c27/vouchers")
                .header("authorization", format!("Bearer {}", ana.token))
                .body(Body::empty())
                .expect("req"),
            StatusCode::FORBIDDEN,
            "auth.forbidden",
        ),
        (
            Request::delete("/api/v1/conferences/c27/cart/items/not-a-uuid")
                .header("authorization", format!("Bearer {}", ana.token))
                .body(Body::empty())
                .expect("req"),
            StatusCode::NOT_FOUND,
            "request.invalid_path",
        ),
        (
            Request::get("/api/v1/conferences/c27/orders?mine=many")
                .header("authorization", format!("Bearer {}", admin.token))
                .body(Body::empty())
                .expect("req"),
            StatusCode::BAD_REQUEST,
            "request.invalid_query",
        ),
    ];
    for (req, status, code) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let (got, ct, body) = raw(&app, req).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(ct, "application/problem+json", "{what}");
        assert_eq!(body["code"], code, "{what}: {body}");
    }
    app.finish().await;
}

/// Without a Stripe key, the operations that need Stripe answer 503
/// `pay.stripe_not_configured` as problem+json, and their documentation lists
/// that 503: the only 5xx the API fuzzer (scripts/fuzz_api.sh) may meet.
async fn unconfigured_stripe_is_a_documented_503(b: Backend) {
    let (app, admin) = organizer_app(b).await;
    let doc = tessera::http::openapi();
    let terminal = "/api/v1/conferences/{slug}/terminal";
    for (method, template, body) in [
        ("get", format!("{terminal}/readers"), None),
        (
            "post",
            format!("{terminal}/connection-token"),
            Some(json!({})),
        ),
    ] {
        let path = template.replace("{slug}", "c27");
        let call = match body {
            Some(body) => app.post(&path).json(body),
            None => app.get(&path),
        };
        let r = call.as_user(&admin).send().await;
        assert_problem(
            &r,
            StatusCode::SERVICE_UNAVAILABLE,
            "pay.stripe_not_configured",
        );
        let documented = doc["paths"][template.as_str()][method]["responses"]["503"]
            .pointer("/content/application~1problem+json/schema")
            .is_some();
        assert!(documented, "{method} {template}: 503 is not documented");
    }
    app.finish().await;
}

on_both_backends!(
    unknown_fields_are_refused_by_name,
    out_of_range_numbers_are_refused,
    loose_money_is_refused,
    bad_strings_are_refused,
    every_refusal_is_problem_json,
    unconfigured_stripe_is_a_documented_503,
);
