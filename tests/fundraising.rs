//! The yearly sponsorship pipeline and donations end to end (SPEC MY-5/7, MY-29),
//! on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const Y25: &str = "pyladiescon-2025";
const Y26: &str = "pyladiescon-2026";

async fn year(app: &TestApp, admin: &User, slug: &str, year: i32, goals: (&str, &str)) {
    let r = app
        .post("/api/v1/series")
        .as_user(admin)
        .json(json!({ "slug": "pyladiescon", "name": "PyLadiesCon" }))
        .send()
        .await;
    assert!(
        r.status.is_success() || r.status == StatusCode::CONFLICT,
        "{}",
        r.text
    );
    let r = app
        .post("/api/v1/conferences")
        .as_user(admin)
        .json(json!({
            "series": "pyladiescon", "slug": slug, "name": format!("PyLadiesCon {year}"),
            "year": year, "start_date": format!("{year}-12-05"), "end_date": format!("{year}-12-07"),
            "timezone": "UTC", "sponsorship_goal": goals.0, "donation_goal": goals.1
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "conference: {}", r.text);
}

fn url(conf: &str, tail: &str) -> String {
    format!("/api/v1/conferences/{conf}{tail}")
}

async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    year(&app, &admin, Y25, 2025, ("15000.00", "2500.00")).await;
    year(&app, &admin, Y26, 2026, ("0", "0")).await;
    for (slug, price) in [("gold", "5000.00"), ("silver", "2500.00")] {
        let r = app
            .put(&url(Y25, &format!("/sponsorships/tiers/{slug}")))
            .as_user(&admin)
            .json(json!({ "name": slug.to_uppercase(), "price": price }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    (app, admin)
}

async fn open(app: &TestApp, who: &User, conf: &str, body: Value) -> String {
    let r = app
        .post(&url(conf, "/sponsorships/deals"))
        .as_user(who)
        .json(body)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap_or_default().to_string()
}

async fn walk(app: &TestApp, who: &User, conf: &str, deal: &str, steps: &[&str]) {
    for s in steps {
        let r = app
            .post(&url(conf, &format!("/sponsorships/deals/{deal}/status")))
            .as_user(who)
            .json(json!({ "status": s }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.text);
    }
}

async fn summary(app: &TestApp, who: &User, conf: &str) -> Value {
    let head = app.settled().await;
    let r = app
        .get(&url(conf, "/sponsorships/summary"))
        .as_user(who)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// MY-5/7: deals of one year, several per organisation, amounts from the tier
/// unless overridden, moved along the transition table; the figures and the
/// progress toward the year's sponsorship goal.
async fn my_5_pipeline_figures_and_progress(b: Backend) {
    let (app, admin) = setup(b).await;
    let to_paid = [
        "awaiting_response",
        "accepted",
        "approved",
        "agreement_sent",
        "agreement_signed",
        "invoiced",
        "paid",
    ];
    // MY-7: two deals with the same organisation.
    let a = open(
        &app,
        &admin,
        Y25,
        json!({ "organisation": "Acme", "tier": "gold" }),
    )
    .await;
    let a2 = open(
        &app,
        &admin,
        Y25,
        json!({ "organisation": "Acme", "tier": "silver", "amount": "3000.00" }),
    )
    .await;
    let c = open(
        &app,
        &admin,
        Y25,
        json!({ "organisation": "Contoso", "tier": "gold" }),
    )
    .await;
    let _n = open(&app, &admin, Y25, json!({ "organisation": "Nobody yet" })).await;
    let r = open(
        &app,
        &admin,
        Y25,
        json!({ "organisation": "Rejector", "tier": "gold" }),
    )
    .await;
    walk(&app, &admin, Y25, &a, &to_paid).await; // 5000 paid
    walk(&app, &admin, Y25, &a2, &to_paid[..4]).await; // 3000 agreement sent
    walk(&app, &admin, Y25, &c, &to_paid[..6]).await; // 5000 invoiced
    walk(&app, &admin, Y25, &r, &["awaiting_response", "rejected"]).await;
    // A jump the table does not allow, and a move out of a final status.
    let bad = app
        .post(&url(Y25, &format!("/sponsorships/deals/{r}/status")))
        .as_user(&admin)
        .json(json!({ "status": "accepted" }))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(bad.code(), "fundraising.invalid_transition");
    // A tier of this year only.
    let bad = app
        .post(&url(Y25, "/sponsorships/deals"))
        .as_user(&admin)
        .json(json!({ "organisation": "X", "tier": "platinum" }))
        .send()
        .await;
    assert_eq!(bad.code(), "fundraising.unknown_tier", "{}", bad.text);

    let s = summary(&app, &admin, Y25).await;
    let sp = &s["sponsorship"];
    assert_eq!(sp["total_deals"], 4, "{s}");
    assert_eq!(
        (
            sp["committed_count"].clone(),
            sp["committed_amount"].clone()
        ),
        (json!(3), json!("13000.00"))
    );
    assert_eq!(
        (sp["pending_count"].clone(), sp["pending_amount"].clone()),
        (json!(2), json!("8000.00"))
    );
    assert_eq!(sp["awaiting_invoice_amount"], "3000.00");
    assert_eq!(sp["paid_amount"], "5000.00");
    assert_eq!(sp["goal"], "15000.00");
    assert_eq!(sp["progress"], "33.33");
    // The override is cleared: the silver price counts again.
    let r = app
        .patch(&url(Y25, &format!("/sponsorships/deals/{a2}")))
        .as_user(&admin)
        .json(json!({ "amount": null }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = summary(&app, &admin, Y25).await;
    assert_eq!(s["sponsorship"]["awaiting_invoice_amount"], "2500.00");
    let list = app
        .get(&url(Y25, "/sponsorships/deals"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(5));
    app.finish().await;
}

/// MY-5: an organizer of another year neither sees nor changes this year's deals;
/// this year's list never shows another year's deals.
async fn my_5_organizers_of_another_year_see_nothing(b: Backend) {
    let (app, admin) = setup(b).await;
    let olga = app.user("olga").await;
    app.grant(&admin, Y26, &olga, "organizer").await;
    let deal = open(
        &app,
        &admin,
        Y25,
        json!({ "organisation": "Acme", "tier": "gold" }),
    )
    .await;
    let mine = open(&app, &olga, Y26, json!({ "organisation": "Globex" })).await;
    for r in [
        app.get(&url(Y25, "/sponsorships/deals"))
            .as_user(&olga)
            .send()
            .await,
        app.get(&url(Y25, "/sponsorships/summary"))
            .as_user(&olga)
            .send()
            .await,
        app.post(&url(Y25, &format!("/sponsorships/deals/{deal}/status")))
            .as_user(&olga)
            .json(json!({ "status": "awaiting_response" }))
            .send()
            .await,
    ] {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    // Her own year's deal id sent to her own year works; this year's id does not
    // exist there.
    let r = app
        .post(&url(Y26, &format!("/sponsorships/deals/{deal}/status")))
        .as_user(&olga)
        .json(json!({ "status": "awaiting_response" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let head = app.settled().await;
    let list = app
        .get(&url(Y26, "/sponsorships/deals"))
        .as_user(&olga)
        .after(Some(head))
        .send()
        .await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![mine.as_str()]);
    app.finish().await;
}

/// MY-29: finance staff record donations; donors are counted once; a refund stops
/// a donation counting; progress toward the donation goal. An attendee may not
/// record one.
async fn my_29_donations_donors_refunds_and_progress(b: Backend) {
    let (app, admin) = setup(b).await;
    let fin = app.user("fin").await;
    app.grant(&admin, Y25, &fin, "finance").await;
    let mut ids = vec![];
    for (email, amount) in [
        ("ada@example.org", "100.00"),
        ("ADA@example.org", "50.00"),
        ("bo@example.org", "500.00"),
    ] {
        let r = app
            .post(&url(Y25, "/donations"))
            .as_user(&fin)
            .json(
                json!({ "donor_name": "Donor", "donor_email": email, "amount": amount,
                "transaction_date": "2025-09-01" }),
            )
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap_or_default().to_string());
    }
    let r = app
        .post(&url(Y25, &format!("/donations/{}/refund", ids[2])))
        .as_user(&fin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = summary(&app, &fin, Y25).await;
    let d = &s["donations"];
    assert_eq!(
        (d["donations"].clone(), d["donors"].clone()),
        (json!(2), json!(1)),
        "{s}"
    );
    assert_eq!(d["total"], "150.00");
    assert_eq!(d["refunded_count"], 1);
    assert_eq!(d["progress"], "6.00");
    // Another year's figures are untouched (MY-29: the explicit conference link).
    let other = summary(&app, &admin, Y26).await;
    assert_eq!(other["donations"]["donations"], 0);
    // Not finance staff: refused; bad amounts: refused, nothing recorded.
    let eve = app.user("eve").await;
    let r = app
        .post(&url(Y25, "/donations"))
        .as_user(&eve)
        .json(json!({ "donor_name": "Eve", "amount": "10.00", "transaction_date": "2025-09-01" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    for amount in ["0.00", "10.005"] {
        let r = app
            .post(&url(Y25, "/donations"))
            .as_user(&fin)
            .json(
                json!({ "donor_name": "Eve", "amount": amount, "transaction_date": "2025-09-01" }),
            )
            .send()
            .await;
        assert!(r.status.is_client_error(), "{amount}: {}", r.text);
    }
    let list = app.get(&url(Y25, "/donations")).as_user(&fin).send().await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        list.text
    );
    app.finish().await;
}

/// MY-29 under concurrency: 30 donations recorded at once by finance staff are
/// all counted, none lost; an auditor reads the figures but records nothing.
async fn my_29_concurrent_donations_all_count(b: Backend) {
    let (app, admin) = setup(b).await;
    let fin = app.user("fin").await;
    app.grant(&admin, Y25, &fin, "finance").await;
    let audrey = app.user("audrey").await;
    app.grant(&admin, Y25, &audrey, "auditor").await;
    let app = std::sync::Arc::new(app);
    let mut tasks = vec![];
    for i in 0..30 {
        let (app, fin) = (app.clone(), fin.clone());
        tasks.push(tokio::spawn(async move {
            app.post(&url(Y25, "/donations"))
                .as_user(&fin)
                .json(
                    json!({ "donor_name": format!("Donor {i}"), "amount": "10.00",
                    "transaction_date": "2025-09-01" }),
                )
                .send()
                .await
        }));
    }
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let s = summary(&app, &audrey, Y25).await;
    assert_eq!(s["donations"]["donations"], 30, "{s}");
    assert_eq!(s["donations"]["donors"], 30);
    assert_eq!(s["donations"]["total"], "300.00");
    assert_eq!(s["donations"]["progress"], "12.00");
    let r = app
        .post(&url(Y25, "/donations"))
        .as_user(&audrey)
        .json(json!({ "donor_name": "A", "amount": "1.00", "transaction_date": "2025-09-01" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let app = std::sync::Arc::into_inner(app).expect("only owner");
    app.finish().await;
}

on_both_backends!(
    my_29_concurrent_donations_all_count,
    my_5_pipeline_figures_and_progress,
    my_5_organizers_of_another_year_see_nothing,
    my_29_donations_donors_refunds_and_progress,
);
