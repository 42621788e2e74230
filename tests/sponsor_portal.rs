//! The sponsor portal end to end (SPEC SPONSOR-22, SPONSOR-30/31/34, ANA-51), on
//! SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn url(tail: &str) -> String {
    format!("/api/v1/conferences/{CONF}{tail}")
}

async fn sponsor(app: &TestApp, admin: &User, body: Value) {
    let r = app
        .post(&url("/sponsors"))
        .as_user(admin)
        .json(body)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// SPONSOR-30/31/34, SPONSOR-22: the contact (e-mail in any case) sees their
/// sponsor and only its purchases, asks for codes (priced 0), and exports a
/// fulfilled purchase's vouchers as CSV with the uses summed; others are refused;
/// staff see the first active sponsor.
async fn sponsor_30_the_portal_belongs_to_the_contact(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = app
        .post(&url("/sponsor-levels"))
        .as_user(&admin)
        .json(json!({ "slug": "gold", "name": "Gold", "order": 1, "cost": "1000.00" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let jo = app.user("jo").await;
    let stranger = app.user("stranger").await;
    let organizer = app.user("org").await;
    app.grant(&admin, CONF, &organizer, "organizer").await;
    sponsor(
        &app,
        &admin,
        json!({ "name": "Acme", "level": "gold", "contact_email": "JO@Example.ORG" }),
    )
    .await;
    sponsor(
        &app,
        &admin,
        json!({ "name": "Initech", "level": "gold", "contact_email": "bill@initech.test" }),
    )
    .await;
    // An inactive sponsor's contact has no portal.
    sponsor(
        &app,
        &admin,
        json!({ "name": "Aardvark", "level": "gold", "contact_email": "stranger@example.org",
            "is_active": false }),
    )
    .await;
    let head = app.settled().await;

    let r = app
        .get(&url("/sponsor-portal"))
        .as_user(&jo)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["sponsor"]["slug"], "acme");
    // Staff: the first active sponsor (level order, then name).
    let r = app
        .get(&url("/sponsor-portal"))
        .as_user(&organizer)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["sponsor"]["slug"], "acme");
    let r = app
        .get(&url("/sponsor-portal"))
        .as_user(&stranger)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // SPONSOR-22: a portal request is priced 0 and pending; 501 is refused.
    let r = app
        .post(&url("/sponsor-portal/bulk-purchases"))
        .as_user(&jo)
        .json(json!({ "quantity": 501 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(&url("/sponsor-portal/bulk-purchases"))
        .as_user(&jo)
        .json(json!({ "quantity": 2, "notes": "=HYPERLINK(\"x\")", "ticket_type_preference": "individual" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_string();
    // An organizer's purchase for another sponsor stays out of Acme's portal.
    let r = app
        .post(&url("/bulk-purchases"))
        .as_user(&admin)
        .json(json!({ "sponsor": "initech", "quantity": 1, "unit_price": "0" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // AMB-23: the approver supplies the voucher terms, with a prefix that a
    // spreadsheet would read as a formula.
    let r = app
        .post(&url(&format!("/bulk-purchases/{id}/approve")))
        .as_user(&admin)
        .json(json!({ "voucher_config": { "voucher_type": "comp", "prefix": "-ACME-", "max_uses": 2 } }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&url(&format!("/bulk-purchases/{id}/fulfil")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let head = app.settled().await;

    let r = app
        .get(&url("/sponsor-portal"))
        .as_user(&jo)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let purchases = r.body["purchases"].as_array().cloned().unwrap_or_default();
    assert_eq!(purchases.len(), 1, "{}", r.text);
    assert_eq!(purchases[0]["total_amount"], "0");
    assert_eq!(purchases[0]["status"], "paid");
    assert_eq!(r.body["vouchers_used"], 0);
    assert_eq!(r.body["vouchers_available"], 4);

    let r = app
        .get(&url(&format!(
            "/sponsor-portal/bulk-purchases/{id}/vouchers.csv"
        )))
        .as_user(&jo)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(
        lines[0],
        "code,times_used,max_uses,is_active,valid_from,valid_until"
    );
    assert_eq!(lines.len(), 3, "{}", r.text);
    for l in &lines[1..] {
        // ANA-51: the code starting with "-" is defused.
        assert!(l.starts_with("'-ACME-"), "{l}");
        assert!(l.ends_with(",0,2,true,,"), "{l}");
    }
    // Another sponsor's contact cannot export it.
    let r = app
        .get(&url(&format!(
            "/sponsor-portal/bulk-purchases/{id}/vouchers.csv"
        )))
        .as_user(&stranger)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

on_both_backends!(sponsor_30_the_portal_belongs_to_the_contact);
