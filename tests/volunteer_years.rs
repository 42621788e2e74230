//! Years across each other end to end (MY-2, MY-4, MY-5, MY-20): every volunteer
//! and team route is bound to one conference year, teams are cloned from the
//! prior year, and a new year starts from the active one. On SQLite and
//! PostgreSQL.

mod common;
#[path = "volunteering/mod.rs"]
mod vol;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp};
use serde_json::json;
use tessera::http::access::Access;
use vol::{apply, approved, form, read, slug, team, two_years};

fn year_bound(path: &str) -> bool {
    path.starts_with("/api/v1/conferences/{slug}/")
        && [
            "/volunteers",
            "/teams",
            "/next-year",
            "/sponsorships/committed",
        ]
        .iter()
        .any(|p| path.contains(p))
}

/// MY-5: a user who organizes 2025 and volunteers (approved) in 2025 only gets
/// 403 on every organizer and volunteer-only route of 2026, and 2026's own
/// routes answer about 2026 alone; every such route is tried.
async fn every_volunteer_and_team_route_is_bound_to_its_year(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    team(&app, &admin, 2025, "Design", &[]).await;
    team(&app, &admin, 2026, "Design", &[]).await;
    let ana = app.user("ana").await;
    approved(&app, &admin, 2025, &ana, &["design"]).await;
    app.grant(&admin, &slug(2025), &ana, "organizer").await;
    let head = app.settled().await;
    let table = tessera::http::access_table();
    let routes: Vec<_> = table.iter().filter(|(_, p, _)| year_bound(p)).collect();
    assert!(routes.len() >= 11, "{} year-bound routes", routes.len());
    for year in [2026, 2025] {
        for (method, path, access) in &routes {
            // Withdrawing would end the 2025 approval the other routes rely on.
            if year == 2025 && *method == Method::DELETE {
                continue;
            }
            let target = path
                .replace("{slug}", &slug(year))
                .replace("{user}", &ana.id)
                .replace("{team}", "design");
            let mut call = app
                .call(method.clone(), &target)
                .as_user(&ana)
                .after(Some(head));
            if *method != Method::GET && *method != Method::DELETE {
                call = call.json(json!({}));
            }
            let r = call.send().await;
            assert_ne!(
                r.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {target}: {}",
                r.text
            );
            let refused = r.status == StatusCode::FORBIDDEN;
            let must_refuse = year == 2026 && *access != Access::Authenticated;
            assert_eq!(
                refused, must_refuse,
                "{method} {target} ({access:?}): {} {}",
                r.status, r.text
            );
        }
    }
    // The walk applied to 2026 (and withdrew): an application of 2026 alone,
    // nothing carried over from 2025.
    let mine = read(
        &app,
        &ana,
        &format!("/api/v1/conferences/{}/volunteers/mine", slug(2026)),
    )
    .await;
    assert_eq!(mine.body["year"], 2026, "{}", mine.text);
    assert_eq!(mine.body["status"], "cancelled");
    assert_eq!(mine.body["form"]["region"], "");
    let earlier = read(
        &app,
        &ana,
        &format!("/api/v1/conferences/{}/volunteers/mine", slug(2025)),
    )
    .await;
    assert_eq!(earlier.body["status"], "approved", "{}", earlier.text);
    let teams = read(
        &app,
        &ana,
        &format!("/api/v1/conferences/{}/teams", slug(2025)),
    )
    .await;
    assert_eq!(teams.status, StatusCode::OK, "{}", teams.text);
    assert_eq!(teams.body["items"][0]["members"], json!([ana.id]));

    // A volunteer of 2025 alone sees 2025's committed sponsors, not 2026's.
    let bo = app.user("bo").await;
    approved(&app, &admin, 2025, &bo, &["design"]).await;
    for (organisation, to) in [("Acme", "accepted"), ("Initech", "awaiting_response")] {
        let r = app
            .post(&format!(
                "/api/v1/conferences/{}/sponsorships/deals",
                slug(2025)
            ))
            .as_user(&admin)
            .json(json!({ "organisation": organisation, "contact_email": "s@example.org" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap_or_default().to_string();
        let steps: &[&str] = if to == "accepted" {
            &["awaiting_response", "accepted"]
        } else {
            &["awaiting_response"]
        };
        for step in steps {
            let r = app
                .post(&format!(
                    "/api/v1/conferences/{}/sponsorships/deals/{id}/status",
                    slug(2025)
                ))
                .as_user(&admin)
                .json(json!({ "status": step }))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
    let committed =
        |year: i32| format!("/api/v1/conferences/{}/sponsorships/committed", slug(year));
    let r = read(&app, &bo, &committed(2025)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["items"],
        json!([{ "organisation": "Acme", "tier": null, "status": "accepted" }]),
        "committed only, no amounts or contacts"
    );
    let r = read(&app, &bo, &committed(2026)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let stranger = app.user("cy").await;
    let r = read(&app, &stranger, &committed(2025)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

/// MY-20: cloning copies names and descriptions, skips names that exist (a second
/// run creates nothing), and copies leads only when asked.
async fn my_20_cloning_teams_from_the_prior_year(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    vol::year(&app, &admin, 2027, "2027-12-05", "2027-12-07", true).await;
    let lea = app.user("lea").await;
    team(&app, &admin, 2025, "Design", &[&lea]).await;
    team(&app, &admin, 2025, "Program", &[&lea]).await;
    let r = app
        .post(&format!("/api/v1/conferences/{}/teams", slug(2026)))
        .as_user(&admin)
        .json(json!({ "name": "Design", "description": "This year's design" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let clone = |year: i32, body: serde_json::Value| {
        let app = &app;
        let admin = &admin;
        async move {
            let head = app.settled().await;
            app.post(&format!("/api/v1/conferences/{}/teams/clone", slug(year)))
                .as_user(admin)
                .after(Some(head))
                .json(body)
                .send()
                .await
        }
    };
    let r = clone(2026, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["created"].as_u64(), r.body["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    let r = clone(2026, json!({})).await;
    assert_eq!(
        r.body["created"], 0,
        "a second run creates nothing: {}",
        r.text
    );
    let teams = read(
        &app,
        &admin,
        &format!("/api/v1/conferences/{}/teams", slug(2026)),
    )
    .await;
    assert_eq!(teams.body["items"][0]["name"], "Design");
    assert_eq!(teams.body["items"][0]["description"], "This year's design");
    assert_eq!(teams.body["items"][1]["name"], "Program");
    assert_eq!(teams.body["items"][1]["description"], "Program team");
    assert_eq!(teams.body["items"][1]["leads"], json!([]));
    // From a named earlier year, with the leads.
    let r = clone(2027, json!({ "from": slug(2025), "with_leads": true })).await;
    assert_eq!(r.body["created"], 2, "{}", r.text);
    let teams = read(
        &app,
        &admin,
        &format!("/api/v1/conferences/{}/teams", slug(2027)),
    )
    .await;
    assert_eq!(teams.body["items"][1]["leads"], json!([lea.id]));
    // Nothing earlier than the first year.
    let r = clone(2025, json!({})).await;
    assert_eq!(r.code(), "year.no_earlier_year", "{}", r.text);
    app.finish().await;
}

/// MY-2/4: an organizer starts next year from the active one once it has ended:
/// name, year and dates advanced, configuration copied, flags closed; teams cloned
/// and approved volunteers brought forward; activation switches the active year.
async fn starting_a_new_year_from_the_active_one(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    vol::year(&app, &admin, 2027, "2027-05-14", "2027-05-22", true).await;
    let r = app
        .post(&format!("/api/v1/conferences/{}/activate", slug(2027)))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let olga = app.user("olga").await;
    app.grant(&admin, &slug(2027), &olga, "organizer").await;
    team(&app, &admin, 2027, "Design", &[]).await;
    let (ana, bo) = (app.user("ana").await, app.user("bo").await);
    approved(&app, &admin, 2027, &ana, &["design"]).await;
    assert_eq!(
        apply(&app, &bo, 2027, form("x", &[])).await.status,
        StatusCode::CREATED
    );
    let path = format!("/api/v1/conferences/{}/next-year", slug(2027));
    let head = app.settled().await;
    let r = app
        .post(&path)
        .as_user(&olga)
        .after(Some(head))
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "year.not_ended");
    app.clock.advance(chrono::Duration::days(200));
    // Tokens expired meanwhile: sign in again.
    let r = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": olga.email, "password": "correct horse battery" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let olga = common::User {
        token: r.body["token"].as_str().unwrap_or_default().to_string(),
        ..olga
    };
    let r = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": admin.email, "password": "admin password" }))
        .send()
        .await;
    let admin = common::User {
        token: r.body["token"].as_str().unwrap_or_default().to_string(),
        ..admin
    };
    let r = app.post(&path).as_user(&olga).json(json!({})).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["slug"], slug(2028));
    assert_eq!(r.body["year"], 2028);
    assert_eq!(r.body["teams"]["created"], 1);
    assert_eq!(r.body["volunteers"]["created"], 1);
    let c = read(&app, &olga, &format!("/api/v1/conferences/{}", slug(2028))).await;
    assert_eq!(c.body["details"]["name"], "PyLadiesCon 2028");
    assert_eq!(c.body["details"]["start_date"], "2028-05-14");
    assert_eq!(c.body["details"]["end_date"], "2028-05-22");
    assert_eq!(c.body["details"]["sponsorship_goal"], "15000.00");
    assert_eq!(c.body["details"]["proposals_count"], 0);
    assert_eq!(c.body["details"]["volunteer_application_open"], false);
    assert_eq!(c.body["details"]["sponsorship_open"], false);
    assert_eq!(c.body["is_active"], false);
    // This year's organizers organize the new one; ana is pending there.
    let list = read(
        &app,
        &olga,
        &format!("/api/v1/conferences/{}/volunteers", slug(2028)),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let rows = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["user_id"].clone(), rows[0]["status"].clone()),
        (json!(ana.id), json!("pending"))
    );
    let active = read(&app, &olga, "/api/v1/series/pyladiescon/active").await;
    assert_eq!(active.body["slug"], slug(2027));
    let r = app
        .post(&format!("/api/v1/conferences/{}/activate", slug(2028)))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let active = read(&app, &olga, "/api/v1/series/pyladiescon/active").await;
    assert_eq!(active.body["slug"], slug(2028));
    // Only the active year starts the next one.
    let r = app.post(&path).as_user(&olga).json(json!({})).send().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "year.not_active");
    app.finish().await;
}

on_both_backends!(
    every_volunteer_and_team_route_is_bound_to_its_year,
    my_20_cloning_teams_from_the_prior_year,
    starting_a_new_year_from_the_active_one,
);
