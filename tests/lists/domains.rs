//! The lists of the later domains (sponsors, teams, donations, travel grants,
//! volunteer applications) take the same paging: walked with inserts between
//! pages, compared with the truth.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::walk::*;
use crate::common::{Backend, TestApp, User};
use crate::on_both_backends;

async fn post(app: &TestApp, who: &User, path: &str, body: Value) -> Value {
    let r = app.post(path).as_user(who).json(body).send().await;
    assert!(r.status.is_success(), "{path}: {}", r.text);
    r.body
}

/// Public sponsors by (level order, name) (SPONSOR-2), with a sponsor of the
/// first level and one of the last added between pages.
async fn sponsors_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for (slug, order) in [("gold", 1), ("silver", 2), ("bronze", -1)] {
        let body = json!({ "slug": slug, "name": slug.to_uppercase(), "order": order,
            "comp_ticket_count": 0, "cost": "1000.00" });
        post(&app, &admin, &url("sponsor-levels"), body).await;
    }
    for (i, level) in ["gold", "silver", "bronze", "gold", "silver"]
        .iter()
        .enumerate()
    {
        let body = json!({ "name": format!("Sponsor {i}"), "level": level });
        post(&app, &admin, &url("sponsors"), body).await;
    }
    let before = truth(&app, &admin, &url("sponsors"), "slug").await;
    assert_eq!(
        before,
        [
            "sponsor-2",
            "sponsor-0",
            "sponsor-3",
            "sponsor-1",
            "sponsor-4"
        ],
        "bronze (-1), gold (1), silver (2); by name within a level"
    );
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, &url("sponsors"), "slug", 2, |n| async move {
        let level = if n % 2 == 0 { "bronze" } else { "silver" };
        let body = json!({ "name": format!("New {n}"), "level": level });
        post(a, ad, &url("sponsors"), body).await;
    })
    .await;
    assert_complete(&seen, &before);
    app.finish().await;
}

/// A year's teams by name, walked while teams are created.
async fn teams_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for name in ["Program", "Design", "Social", "Finance", "Web"] {
        post(&app, &admin, &url("teams"), json!({ "name": name })).await;
    }
    let before = truth(&app, &admin, &url("teams"), "name").await;
    assert_eq!(before, ["Design", "Finance", "Program", "Social", "Web"]);
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, &url("teams"), "name", 2, |n| async move {
        let name = if n % 2 == 0 { "Accessibility" } else { "Zines" };
        post(
            a,
            ad,
            &url("teams"),
            json!({ "name": format!("{name} {n}") }),
        )
        .await;
    })
    .await;
    assert_complete(&seen, &before);
    assert!(seen.iter().any(|t| t.starts_with("Zines")), "{seen:?}");
    app.finish().await;
}

/// Donations newest first (MY-29): one dated before the cursor and one after
/// it recorded between pages.
async fn donations_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    let donate = |day: u32| {
        let (a, ad) = (&app, &admin);
        async move {
            let body = json!({ "donor_name": format!("Donor {day}"), "amount": "10.00",
                "transaction_date": format!("2026-10-{day:02}") });
            post(a, ad, &url("donations"), body).await;
        }
    };
    for day in [3, 9, 1, 5, 7] {
        donate(day).await;
    }
    let before = truth(&app, &admin, &url("donations"), "donor_name").await;
    assert_eq!(
        before,
        ["Donor 9", "Donor 7", "Donor 5", "Donor 3", "Donor 1"]
    );
    let seen = walk(&app, &admin, &url("donations"), "donor_name", 2, |n| {
        donate(if n == 0 { 20 } else { 2 })
    })
    .await;
    assert_complete(&seen, &before);
    assert!(
        !seen.contains(&"Donor 20".to_string()),
        "dated before the cursor"
    );
    assert!(
        seen.contains(&"Donor 2".to_string()),
        "dated after the cursor"
    );
    app.finish().await;
}

/// Bad paging on the later domains' lists is refused like everywhere else.
async fn domain_lists_refuse_bad_paging(b: Backend) {
    let (app, admin) = setup(b).await;
    for list in ["sponsors", "teams", "donations", "grants", "volunteers"] {
        let r = app
            .get(&format!("{}?limit=0", url(list)))
            .as_user(&admin)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{list}: {}", r.text);
        assert_eq!(r.code(), "list.invalid_paging", "{list}");
        let r = app
            .get(&format!("{}?cursor=nonsense", url(list)))
            .as_user(&admin)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{list}: {}", r.text);
    }
    app.finish().await;
}

on_both_backends!(
    sponsors_walk,
    teams_walk,
    donations_walk,
    domain_lists_refuse_bad_paging
);
