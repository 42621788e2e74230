//! The later domains' sections of a conference's statistics and of the series
//! comparison: sponsorships and donations (MY-3 goals, MY-5/7 deals), travel grants
//! (ANA-13, ANA-15, ANA-33), on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn url(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}{rest}")
}

async fn stats(app: &TestApp, who: &User) -> Value {
    let head = Some(app.settled().await);
    let r = app
        .get(&url("/stats"))
        .as_user(who)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["stats"].clone()
}

async fn ok(r: common::Response) -> Value {
    assert!(r.status.is_success(), "{}", r.text);
    r.body
}

/// A paid gold deal and two donors: the fundraising section against the goals,
/// and the comparison's sponsors / sponsorship_amount / donors / donation_amount.
async fn stats_fundraising_section_and_comparison(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    ok(app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(&admin)
        .json(json!({ "sponsorship_goal": "10000.00", "donation_goal": "1000.00" }))
        .send()
        .await)
    .await;
    ok(app
        .put(&url("/sponsorships/tiers/gold"))
        .as_user(&admin)
        .json(json!({ "name": "Gold", "price": "5000.00" }))
        .send()
        .await)
    .await;
    let deal = ok(app
        .post(&url("/sponsorships/deals"))
        .as_user(&admin)
        .json(json!({ "organisation": "Acme", "tier": "gold" }))
        .send()
        .await)
    .await;
    let deal = deal["id"].as_str().unwrap_or_default().to_string();
    for s in [
        "awaiting_response",
        "accepted",
        "approved",
        "agreement_sent",
        "agreement_signed",
        "invoiced",
        "paid",
    ] {
        ok(app
            .post(&url(&format!("/sponsorships/deals/{deal}/status")))
            .as_user(&admin)
            .json(json!({ "status": s }))
            .send()
            .await)
        .await;
    }
    for (email, amount) in [("ada@example.org", "100.00"), ("bo@example.org", "150.00")] {
        ok(app
            .post(&url("/donations"))
            .as_user(&admin)
            .json(
                json!({ "donor_name": "Donor", "donor_email": email, "amount": amount,
                          "transaction_date": "2027-01-10" }),
            )
            .send()
            .await)
        .await;
    }
    let s = stats(&app, &admin).await;
    let f = &s["sections"]["fundraising"];
    assert_eq!(
        f["sponsorship"]["paid"],
        json!({ "count": 1, "amount": "5000.00" }),
        "{f}"
    );
    assert_eq!(f["sponsorship"]["committed"]["amount"], "5000.00");
    assert_eq!(f["sponsorship"]["goal"], "10000.00");
    assert_eq!(f["sponsorship"]["progress"], "50.00");
    assert_eq!(f["donations"]["donors"], 2);
    assert_eq!(f["donations"]["total"], "250.00");
    assert_eq!(f["donations"]["progress"], "25.00");
    assert_eq!(s["version"], tessera_projections::stats::VERSION);

    let r = app
        .get("/api/v1/series/pycon-us/stats/comparison")
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = &r.body["years"][0]["metrics"];
    assert_eq!(m["sponsors"], 1, "{m}");
    assert_eq!(m["sponsorship_amount"], "5000.00");
    assert_eq!(m["donors"], 2);
    assert_eq!(m["donation_amount"], "250.00");
    assert_eq!(m["grants_committed"], "0.00");
    app.finish().await;
}

fn form(requested: &str) -> Value {
    json!({
        "experience_level": "intermediate",
        "travel_from": "Lagos, Nigeria",
        "airfare_description": "Return flight",
        "airfare_amount": "900.00",
        "lodging_description": "Five nights",
        "lodging_amount": "400.00",
        "requested_amount": requested,
        "occupation": "Developer",
        "involvement": "PyLadies Lagos",
        "reason": "First PyCon US",
        "days_attending": ["2027-05-14", "2027-05-15"]
    })
}

/// ANA-15/33: one offered grant of two, against a budget of 5000.00: committed
/// 1000.00 (20.0 %), remaining 4000.00; ANA-13: approval rate 50.0.
async fn stats_grants_section(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    ok(app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(&admin)
        .json(json!({ "grant_budget": "5000.00" }))
        .send()
        .await)
    .await;
    let mut ids = vec![];
    for name in ["ana", "bo"] {
        let who = app.user(name).await;
        let r = ok(app
            .post(&url("/grants"))
            .as_user(&who)
            .json(form("1300.00"))
            .send()
            .await)
        .await;
        ids.push(r["id"].as_str().unwrap_or_default().to_string());
    }
    ok(app
        .post(&url(&format!("/grants/{}/review", ids[0])))
        .as_user(&admin)
        .json(json!({ "status": "offered", "approved_amount": "1000.00" }))
        .send()
        .await)
    .await;
    let s = stats(&app, &admin).await;
    let g = &s["sections"]["grants"];
    assert_eq!(g["total"], 2, "{g}");
    assert_eq!(g["pending"], 1);
    assert_eq!(g["offered"], 1);
    assert_eq!(g["requested"], "2600.00");
    assert_eq!(g["committed"], "1000.00");
    assert_eq!(g["remaining"], "4000.00");
    assert_eq!(g["committed_percent"], "20.0");
    assert_eq!(g["approval_rate"], "50.0");
    // No volunteers yet: every status counted as zero.
    assert_eq!(s["sections"]["volunteers"]["applications"], 0);
    app.finish().await;
}

on_both_backends!(
    stats_fundraising_section_and_comparison,
    stats_grants_section
);
