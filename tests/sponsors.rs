//! Sponsors end to end (SPEC SPONSOR-2…9, SPONSOR-12/13, ANA-5), on SQLite and
//! PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use tessera::process::sponsors::SponsorStep;

const CONF: &str = "pycon-us-2027";

fn url(tail: &str) -> String {
    format!("/api/v1/conferences/{CONF}{tail}")
}

async fn level(app: &TestApp, admin: &User, slug: &str, order: i32, comp: u32) {
    let r = app
        .post(&url("/sponsor-levels"))
        .as_user(admin)
        .json(
            json!({ "slug": slug, "name": slug.to_uppercase(), "order": order,
            "comp_ticket_count": comp, "cost": "1000.00" }),
        )
        .send()
        .await;
    assert!(r.status.is_success(), "level: {}", r.text);
}

async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    level(&app, &admin, "gold", 1, 3).await;
    level(&app, &admin, "silver", 2, 0).await;
    (app, admin)
}

async fn create(app: &TestApp, admin: &User, body: Value) -> common::Response {
    app.post(&url("/sponsors"))
        .as_user(admin)
        .json(body)
        .send()
        .await
}

/// The codes of the conference's vouchers that start with `prefix`.
async fn vouchers(app: &TestApp, admin: &User, prefix: &str) -> Vec<Value> {
    let r = app
        .get(&url("/vouchers?limit=500"))
        .as_user(admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|v| v["voucher"].clone())
        .filter(|v| v["code"].as_str().is_some_and(|c| c.starts_with(prefix)))
        .collect()
}

fn codes(vs: &[Value]) -> Vec<String> {
    let mut c: Vec<String> = vs
        .iter()
        .filter_map(|v| v["code"].as_str().map(str::to_string))
        .collect();
    c.sort();
    c
}

/// SPONSOR-2/3/8/12/13: a sponsor at a level with 3 comp tickets gets
/// SPONSOR-<SLUG>-1…3 (comp, one use, unlocking hidden tickets, tickets only); the
/// public list shows active sponsors by level order then name; a level of another
/// conference is refused; a change of level issues nothing.
async fn sponsor_12_creation_issues_comp_vouchers_once(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = create(
        &app,
        &admin,
        json!({ "name": "Acme Corp", "level": "gold", "contact_email": "jo@acme.test" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["slug"], "acme-corp");
    let issued = vouchers(&app, &admin, "SPONSOR-").await;
    assert_eq!(
        codes(&issued),
        vec![
            "SPONSOR-ACME-CORP-1",
            "SPONSOR-ACME-CORP-2",
            "SPONSOR-ACME-CORP-3"
        ]
    );
    for v in &issued {
        assert_eq!(v["kind"], "comp", "{v}");
        assert_eq!(v["max_uses"], 1, "{v}");
        assert_eq!(v["unlocks_hidden"], true, "{v}");
        assert_eq!(v["is_active"], true, "{v}");
    }
    // SPONSOR-3: a level this conference does not have.
    let r = create(
        &app,
        &admin,
        json!({ "name": "Initech", "level": "platinum" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "sponsor.level_of_another_conference");
    assert_eq!(
        r.body["detail"],
        "Sponsor level must belong to the same conference as the sponsor."
    );
    // SPONSOR-12: a silver sponsor moved to gold gets nothing.
    let r = create(&app, &admin, json!({ "name": "Globex", "level": "silver" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .patch(&url("/sponsors/globex"))
        .as_user(&admin)
        .json(json!({ "level": "gold" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = create(
        &app,
        &admin,
        json!({ "name": "Hooli", "level": "gold", "is_active": false }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let head = app.settled().await;
    assert!(vouchers(&app, &admin, "SPONSOR-GLOBEX").await.is_empty());
    assert_eq!(vouchers(&app, &admin, "SPONSOR-HOOLI").await.len(), 3);
    // SPONSOR-8: only active sponsors, gold (order 1) first, then by name.
    let r = app.get(&url("/sponsors")).after(Some(head)).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["Acme Corp", "Globex"]);
    let r = app.get(&url("/sponsors/hooli")).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    app.finish().await;
}

/// SPONSOR-12/13: a crash after the sponsor is stored and before its vouchers are
/// issued; after a restart the process managers issue them, and a client's retry
/// of the create issues nothing more: each code exists exactly once.
async fn sponsor_12_the_issue_happens_once_after_a_crash(b: Backend) {
    let (app, admin) = setup(b).await;
    let body = json!({ "slug": "acme", "name": "Acme", "level": "gold" });
    app.app.faults.arm(SponsorStep::AfterCreate);
    let r = create(&app, &admin, body.clone()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.code(), "fault.injected_crash");
    let app = app.restart().await;
    app.settled().await;
    // The client retries the same create.
    let r = create(&app, &admin, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.settled().await;
    assert_eq!(
        codes(&vouchers(&app, &admin, "SPONSOR-ACME").await),
        vec!["SPONSOR-ACME-1", "SPONSOR-ACME-2", "SPONSOR-ACME-3"]
    );
    let created = app.count_events(|e| e.event_type == "VoucherCreated").await;
    assert_eq!(created, 3, "each comp voucher is created exactly once");
    app.finish().await;
}

/// SPONSOR-13: a code that already exists is skipped, its terms kept.
async fn sponsor_13_existing_codes_are_skipped(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = app
        .post(&url("/vouchers"))
        .as_user(&admin)
        .json(
            json!({ "code": "SPONSOR-ACME-2", "kind": "percentage", "value": "10", "max_uses": 5 }),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = create(
        &app,
        &admin,
        json!({ "slug": "acme", "name": "Acme", "level": "gold" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let vs = vouchers(&app, &admin, "SPONSOR-ACME").await;
    assert_eq!(codes(&vs).len(), 3);
    let kept = vs.iter().find(|v| v["code"] == "SPONSOR-ACME-2");
    assert_eq!(kept.map(|v| v["max_uses"].clone()), Some(json!(5)));
    app.finish().await;
}

/// SPONSOR-4/5/6/7/8/9 and ANA-5: the override changes what the public sees but
/// not who is listed; an empty override (a note alone) deletes it; benefits and
/// their completion give the fulfilment rate.
async fn sponsor_5_override_benefits_and_fulfilment(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = create(
        &app,
        &admin,
        json!({ "slug": "acme", "name": "Acme", "level": "silver",
            "logo_url": "https://acme.test/logo.png", "description": "base" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .put(&url("/sponsors/acme/override"))
        .as_user(&admin)
        .json(json!({ "name": "ACME Corporation", "is_active": false, "level": "gold" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&url("/sponsors/acme"))
        .after(r.position())
        .send()
        .await;
    // SPONSOR-8: the base flag decides; SPONSOR-5: effective name and level;
    // SPONSOR-7: the logo URL when nothing is uploaded.
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"], "ACME Corporation");
    assert_eq!(r.body["level"]["slug"], "gold");
    assert_eq!(r.body["description"], "base");
    assert_eq!(r.body["logo"], "https://acme.test/logo.png");
    // SPONSOR-3: the override's level must be the conference's.
    let r = app
        .put(&url("/sponsors/acme/override"))
        .as_user(&admin)
        .json(json!({ "level": "platinum" }))
        .send()
        .await;
    assert_eq!(
        r.code(),
        "sponsor.level_of_another_conference",
        "{}",
        r.text
    );
    // SPONSOR-6: a note alone deletes the override.
    let r = app
        .put(&url("/sponsors/acme/override"))
        .as_user(&admin)
        .json(json!({ "note": "back to base" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&url("/sponsors/acme"))
        .after(r.position())
        .send()
        .await;
    assert_eq!(r.body["name"], "Acme");
    // SPONSOR-9 / ANA-5: three benefits, two completed.
    let mut ids = vec![];
    for (name, done) in [
        ("Booth", true),
        ("Logo on site", true),
        ("Talk slot", false),
    ] {
        let r = app
            .post(&url("/sponsors/acme/benefits"))
            .as_user(&admin)
            .json(json!({ "name": name, "is_complete": done }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap_or_default().to_string());
    }
    let r = app
        .get(&url("/sponsorships/sponsors"))
        .as_user(&admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["benefits_completed"], 2);
    assert_eq!(r.body["benefits_total"], 3);
    assert_eq!(r.body["fulfilment_rate"], "66.67");
    assert_eq!(
        r.body["items"][0]["benefits"].as_array().map(Vec::len),
        Some(3)
    );
    // The open benefit is completed.
    let r = app
        .put(&url(&format!("/sponsors/acme/benefits/{}", ids[2])))
        .as_user(&admin)
        .json(json!({ "name": "Talk slot", "is_complete": true }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&url("/sponsorships/sponsors"))
        .as_user(&admin)
        .after(r.position())
        .send()
        .await;
    assert_eq!(r.body["fulfilment_rate"], "100.00");
    // Deleting the sponsor takes it off every list.
    let r = app
        .delete(&url("/sponsors/acme"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.get(&url("/sponsors")).after(r.position()).send().await;
    assert_eq!(r.body["items"], json!([]));
    app.finish().await;
}

/// SPONSOR-2: many concurrent creates of the same slug make one sponsor and one
/// set of comp vouchers; different bodies are refused as conflicts.
async fn sponsor_2_concurrent_creates_of_one_slug(b: Backend) {
    let (app, admin) = setup(b).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = vec![];
    for i in 0..20 {
        let app = app.clone();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let name = if i % 2 == 0 { "Acme" } else { "Acme Two" };
            create(
                &app,
                &admin,
                json!({ "slug": "acme", "name": name, "level": "gold" }),
            )
            .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(r.code(), "sponsor.already_exists"),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert!(created >= 1);
    app.settled().await;
    assert_eq!(
        app.count_events(|e| e.event_type == "SponsorCreated").await,
        1
    );
    assert_eq!(
        app.count_events(|e| e.event_type == "VoucherCreated").await,
        3
    );
    let app = std::sync::Arc::into_inner(app).expect("only owner");
    app.finish().await;
}

on_both_backends!(
    sponsor_12_creation_issues_comp_vouchers_once,
    sponsor_12_the_issue_happens_once_after_a_crash,
    sponsor_13_existing_codes_are_skipped,
    sponsor_5_override_benefits_and_fulfilment,
    sponsor_2_concurrent_creates_of_one_slug,
);

const BOOTSTRAP: &str = r#"
[conference]
name = "PyCon US 2027"
start = 2027-05-14
end = 2027-05-22
timezone = "America/New_York"

[[conference.sections]]
name = "Talks"
start = 2027-05-16
end = 2027-05-18

[[conference.sponsor_levels]]
name = "Gold"
comp_tickets = 2

[[conference.sponsors]]
name = "Acme Corp"
level = "gold"
website_url = "https://acme.test"

[[conference.sponsorship_tiers]]
name = "Community"
price = 500.00
"#;

/// The bootstrap file's sponsors get their level's comp vouchers once (a second
/// run updates, issues nothing); its tiers price this year's deals; a sponsor at a
/// level the file does not define is refused before anything is written.
async fn sponsor_12_bootstrap_creates_sponsors_and_tiers(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let plan = tessera::bootstrap::parse_plan(BOOTSTRAP, "conference.toml").expect("valid plan");
    let bus = app.app.bus.clone();
    tessera::bootstrap::execute(&bus, &plan, false)
        .await
        .expect("bootstrap");
    let first = tessera::bootstrap::execute_sponsorships(&bus, &plan)
        .await
        .expect("sponsors");
    assert_eq!((first.sponsors_created, first.tiers_saved), (1, 1));
    let again = tessera::bootstrap::execute_sponsorships(&bus, &plan)
        .await
        .expect("sponsors again");
    assert_eq!((again.sponsors_created, again.sponsors_updated), (0, 1));
    let head = app.settled().await;
    assert_eq!(
        codes(&vouchers(&app, &admin, "SPONSOR-").await),
        vec!["SPONSOR-ACME-CORP-1", "SPONSOR-ACME-CORP-2"]
    );
    let r = app.get(&url("/sponsors")).after(Some(head)).send().await;
    assert_eq!(r.body["items"][0]["name"], "Acme Corp", "{}", r.text);
    let r = app
        .get(&url("/sponsorships/deals"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.body["tiers"][0]["price"], "500.00", "{}", r.text);
    let bad = BOOTSTRAP.replace("level = \"gold\"", "level = \"platinum\"");
    let refused = tessera::bootstrap::parse_plan(&bad, "conference.toml");
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("platinum")),
        "{refused:?}"
    );
    app.finish().await;
}

on_both_backends!(sponsor_12_bootstrap_creates_sponsors_and_tiers);
