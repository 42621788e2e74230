//! Series and conferences end to end (SPEC CONF-1…14, MY-1…4, AMB-29).

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::json;

const CONF: &str = "pycon-us-2027";

async fn create(app: &TestApp, admin: &User, body: serde_json::Value) -> common::Response {
    app.post("/api/v1/conferences")
        .as_user(admin)
        .json(body)
        .send()
        .await
}

fn conference(slug: &str, year: i32, start: &str) -> serde_json::Value {
    json!({
        "series": "pycon-us", "slug": slug, "name": format!("PyCon US {year}"), "year": year,
        "start_date": start, "end_date": start, "timezone": "America/New_York",
        "sponsorship_goal": "15000", "donation_goal": 2500, "proposals_count": 194,
        "banner_text": "See you there"
    })
}

/// AMB-29/MY-2/CONF-7: a series holds one conference per year, exactly one is
/// active, and conferences list newest first.
async fn my_2_one_active_conference_per_series(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = create(
        &app,
        &admin,
        conference("pycon-us-2028", 2028, "2028-05-10"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Year unique within the series; slug unique globally.
    let r = create(
        &app,
        &admin,
        conference("pycon-us-2028b", 2028, "2028-06-01"),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "series.year_taken"),
        "{}",
        r.text
    );
    let r = create(
        &app,
        &admin,
        conference("pycon-us-2028", 2029, "2029-05-01"),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "conf.slug_taken"),
        "{}",
        r.text
    );

    let r = app.get("/api/v1/series/pycon-us/active").send().await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "no conference is active yet"
    );
    let a = app
        .post(&format!("/api/v1/conferences/{CONF}/activate"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let r = app
        .get("/api/v1/series/pycon-us/active")
        .after(a.position())
        .send()
        .await;
    assert_eq!(r.body["slug"], CONF, "{}", r.text);
    let a = app
        .post("/api/v1/conferences/pycon-us-2028/activate")
        .as_user(&admin)
        .send()
        .await;
    let r = app
        .get("/api/v1/series/pycon-us/active")
        .after(a.position())
        .send()
        .await;
    assert_eq!(r.body["slug"], "pycon-us-2028");
    let list = app
        .get("/api/v1/conferences")
        .after(a.position())
        .send()
        .await;
    let rows = list.body["items"].as_array().cloned().unwrap_or_default();
    let slugs: Vec<&str> = rows.iter().filter_map(|c| c["slug"].as_str()).collect();
    assert_eq!(
        slugs,
        vec!["pycon-us-2028", CONF],
        "newest start_date first"
    );
    let active: Vec<bool> = rows.iter().map(|c| c["is_active"] == true).collect();
    assert_eq!(active, vec![true, false], "exactly one active");

    // A second series has its own active conference.
    let r = app
        .post("/api/v1/series")
        .as_user(&admin)
        .json(json!({ "slug": "pyladiescon", "name": "PyLadiesCon" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mut body = conference("2025", 2025, "2025-12-05");
    body["series"] = json!("pyladiescon");
    assert_eq!(create(&app, &admin, body).await.status, StatusCode::CREATED);
    let a = app
        .post("/api/v1/conferences/2025/activate")
        .as_user(&admin)
        .send()
        .await;
    let r = app
        .get("/api/v1/series/pyladiescon/active")
        .after(a.position())
        .send()
        .await;
    assert_eq!(r.body["slug"], "2025");
    let r = app.get("/api/v1/series/pycon-us/active").send().await;
    assert_eq!(r.body["slug"], "pycon-us-2028");
    app.finish().await;
}

/// CONF-1/MY-3: invalid input is refused with a clear problem and changes nothing.
async fn conf_1_invalid_conferences_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let head = app.app.db.head().await.unwrap_or_default();
    let mut bad_tz = conference("x-2030", 2030, "2030-01-01");
    bad_tz["timezone"] = json!("Mars/Olympus");
    let r = create(&app, &admin, bad_tz).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "conf.invalid_timezone")
    );
    let mut long_banner = conference("x-2031", 2031, "2031-01-01");
    long_banner["banner_text"] = json!("x".repeat(256));
    let r = create(&app, &admin, long_banner).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let mut unknown = conference("x-2032", 2032, "2032-01-01");
    unknown["series"] = json!("nope");
    let r = create(&app, &admin, unknown).await;
    assert_eq!(r.code(), "conf.unknown_series");
    let r = create(
        &app,
        &admin,
        json!({ "series": "pycon-us", "name": "No dates" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.app.db.head().await.unwrap_or_default(),
        head,
        "nothing was recorded"
    );
    app.finish().await;
}

/// Sections, ticket types, add-ons, sponsor levels, year-bound config and the
/// public catalog (CONF-9, CAT-1/5/6, AMB-5, MY-3/4).
async fn conf_9_catalog_is_built_and_read_back(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let base = format!("/api/v1/conferences/{CONF}");
    let ok = |r: &common::Response| assert!(r.status.is_success(), "{}", r.text);
    ok(&app.post(&format!("{base}/sections")).as_user(&admin)
        .json(json!({ "name": "Sprints", "start_date": "2027-05-20", "end_date": "2027-05-22", "order": 2 })).send().await);
    ok(&app.post(&format!("{base}/sections")).as_user(&admin)
        .json(json!({ "slug": "talks", "name": "Talks", "start_date": "2027-05-16", "end_date": "2027-05-18", "order": 1 })).send().await);
    ok(&app.post(&format!("{base}/ticket-types")).as_user(&admin)
        .json(json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 500 })).send().await);
    ok(&app
        .post(&format!("{base}/ticket-types"))
        .as_user(&admin)
        .json(json!({ "slug": "speaker", "name": "Speaker", "price": 0, "requires_voucher": true }))
        .send()
        .await);
    let r = app
        .post(&format!("{base}/ticket-types"))
        .as_user(&admin)
        .json(json!({ "slug": "bad", "name": "Bad", "price": "-1" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(&format!("{base}/addons"))
        .as_user(&admin)
        .json(json!({ "slug": "tshirt", "name": "T-shirt", "price": "25", "requires": ["nope"] }))
        .send()
        .await;
    assert_eq!(r.code(), "inventory.unknown_prerequisites");
    assert_eq!(
        r.body["detail"],
        "Add-on 'tshirt' references unknown required ticket slug(s): nope"
    );
    ok(&app.post(&format!("{base}/addons")).as_user(&admin)
        .json(json!({ "slug": "tshirt", "name": "T-shirt", "price": "25", "requires": ["individual"] })).send().await);
    ok(&app
        .post(&format!("{base}/sponsor-levels"))
        .as_user(&admin)
        .json(json!({ "slug": "gold", "name": "Gold", "cost": "10000", "comp_ticket_count": 4 }))
        .send()
        .await);
    let r = app.patch(&base).as_user(&admin)
        .json(json!({ "sponsorship_goal": "20000", "banner_text": "CFP open", "sponsorship_open": true })).send().await;
    ok(&r);

    let c = app.get(&base).after(r.position()).send().await;
    assert_eq!(c.status, StatusCode::OK);
    let sections: Vec<&str> = c.body["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["slug"].as_str())
        .collect();
    assert_eq!(sections, vec!["talks", "sprints"], "CONF-9: by order");
    let tickets: Vec<&str> = c.body["ticket_types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["slug"].as_str())
        .collect();
    assert_eq!(
        tickets,
        vec!["individual"],
        "CAT-5: voucher-only tickets are hidden"
    );
    assert_eq!(c.body["addons"][0]["requires"], json!(["individual"]));
    assert_eq!(c.body["sponsor_levels"][0]["comp_ticket_count"], 4);
    assert_eq!(c.body["details"]["banner_text"], "CFP open");
    assert_eq!(c.body["details"]["sponsorship_open"], true);
    assert!(c.body.get("roles").is_none(), "roles are not public");
    app.finish().await;
}

/// Roles are granted per conference and open the organizer endpoints of that
/// conference only.
async fn conf_55_roles_are_per_conference(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    assert_eq!(
        create(
            &app,
            &admin,
            conference("pycon-us-2028", 2028, "2028-05-10")
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let olga = app.user("olga").await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/sections"))
        .as_user(&olga)
        .json(json!({ "name": "Talks", "start_date": "2027-05-16", "end_date": "2027-05-18" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.grant(&admin, CONF, &olga, "organizer").await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/sections"))
        .as_user(&olga)
        .json(json!({ "name": "Talks", "start_date": "2027-05-16", "end_date": "2027-05-18" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post("/api/v1/conferences/pycon-us-2028/sections")
        .as_user(&olga)
        .json(json!({ "name": "Talks", "start_date": "2028-05-16", "end_date": "2028-05-18" }))
        .send()
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "another year needs its own grant"
    );
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/roles"))
        .as_user(&admin)
        .json(json!({ "email": "nobody@example.org", "role": "reviewer" }))
        .send()
        .await;
    assert_eq!(r.code(), "conf.unknown_user");
    let r = app
        .delete(&format!(
            "/api/v1/conferences/{CONF}/roles/{}/organizer",
            olga.id
        ))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/sections"))
        .as_user(&olga)
        .json(json!({ "name": "Sprints", "start_date": "2027-05-20", "end_date": "2027-05-22" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "revoked");
    app.finish().await;
}

/// CONF-23/24/28 and AMB-17: per-conference overrides resolve over the defaults;
/// manage_ui off closes organizer endpoints (404) but not the flags endpoint.
async fn conf_23_feature_overrides(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let flags = format!("/api/v1/conferences/{CONF}/features");
    let r = app
        .put(&flags)
        .as_user(&admin)
        .json(json!({ "all_ui": false, "public_ui": true }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(
        r.body["resolved"]["public_ui"], false,
        "CONF-23: the master switch wins"
    );
    assert_eq!(
        r.body["resolved"]["programs"], true,
        "CONF-26: all_ui never affects modules"
    );
    let r = app
        .put(&flags)
        .as_user(&admin)
        .json(json!({ "all_ui": null, "manage_ui": false }))
        .send()
        .await;
    assert_eq!(r.body["resolved"]["manage_ui"], false);
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/sections"))
        .as_user(&admin)
        .json(json!({ "name": "Talks", "start_date": "2027-05-16", "end_date": "2027-05-18" }))
        .send()
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "AMB-17: manage_ui is enforced"
    );
    let r = app
        .put(&flags)
        .as_user(&admin)
        .json(json!({ "manage_ui": null }))
        .send()
        .await;
    assert_eq!(r.body["resolved"]["manage_ui"], true);
    let r = app
        .put(&flags)
        .as_user(&admin)
        .json(json!({ "teleport": true }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}

on_both_backends!(
    my_2_one_active_conference_per_series,
    conf_1_invalid_conferences_are_refused,
    conf_9_catalog_is_built_and_read_back,
    conf_55_roles_are_per_conference,
    conf_23_feature_overrides,
);
