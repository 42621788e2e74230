//! The sponsorship lists (deals, committed sponsors, the organizers' sponsors,
//! bulk purchases) walked page by page with writes between the pages, compared
//! with the unpaged truth; the fields beside the items come on every page.

use serde_json::{Value, json};

use super::walk::*;
use crate::common::{Backend, TestApp, User};
use crate::on_both_backends;

async fn post(app: &TestApp, who: &User, path: &str, body: Value) -> Value {
    let r = app.post(path).as_user(who).json(body).send().await;
    assert!(r.status.is_success(), "{path}: {}", r.text);
    r.body
}

/// Opens a deal for `organisation`; its id.
async fn deal(app: &TestApp, admin: &User, organisation: &str) -> String {
    let body = json!({ "organisation": organisation, "contact_email": "s@example.org" });
    let r = post(app, admin, &url("sponsorships/deals"), body).await;
    r["id"].as_str().unwrap_or_default().to_string()
}

/// Opens a deal and moves it to accepted (a commitment).
async fn committed(app: &TestApp, admin: &User, organisation: &str) {
    let id = deal(app, admin, organisation).await;
    for status in ["awaiting_response", "accepted"] {
        let path = url(&format!("sponsorships/deals/{id}/status"));
        post(app, admin, &path, json!({ "status": status })).await;
    }
}

/// The deals of the year, oldest first, with the tiers beside them on every
/// page; deals opened between pages are seen once (or not at all), none is
/// skipped or repeated.
async fn deals_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    let tier = json!({ "name": "Gold", "price": "5000.00" });
    let r = app
        .put(&url("sponsorships/tiers/gold"))
        .as_user(&admin)
        .json(tier)
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    for i in 0..5 {
        deal(&app, &admin, &format!("Org {i}")).await;
    }
    let path = url("sponsorships/deals");
    let before = truth(&app, &admin, &path, "id").await;
    assert_eq!(before.len(), 5);
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, &path, "id", 2, |n| async move {
        deal(a, ad, &format!("New {n}")).await;
    })
    .await;
    assert_complete(&seen, &before);
    let after = truth(&app, &admin, &path, "id").await;
    assert!(after.len() > 5, "deals were opened between the pages");
    assert!(seen.iter().all(|id| after.contains(id)), "{seen:?}");
    let next = page(&app, &admin, &path, 2, None).await;
    let next = page(&app, &admin, &path, 2, next["next_cursor"].as_str()).await;
    assert_eq!(next["tiers"][0]["slug"], "gold", "every page: {next}");
    app.finish().await;
}

/// Committed sponsors by organisation, with commitments sorting before and
/// after the cursor made between pages.
async fn committed_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for name in ["Delta", "Bravo", "Foxtrot", "Alpha", "Echo"] {
        committed(&app, &admin, name).await;
    }
    // A deal not yet committed is not listed.
    deal(&app, &admin, "Charlie").await;
    let path = url("sponsorships/committed");
    let before = truth(&app, &admin, &path, "organisation").await;
    assert_eq!(before, ["Alpha", "Bravo", "Delta", "Echo", "Foxtrot"]);
    let names = ["Aardvark", "Zulu", "Cobalt", "Yak"];
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, &path, "organisation", 2, |n| async move {
        committed(a, ad, names.get(n).copied().unwrap_or("Zz")).await;
    })
    .await;
    assert_complete(&seen, &before);
    assert!(!seen.contains(&"Aardvark".to_string()), "before the cursor");
    assert!(seen.contains(&"Zulu".to_string()), "after the cursor");
    app.finish().await;
}

/// The organizers' sponsors by (level order, name), with ANA-5's fulfilment of
/// all of them beside every page.
async fn managed_sponsors_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for (slug, order) in [("gold", 1), ("bronze", -1)] {
        let body = json!({ "slug": slug, "name": slug.to_uppercase(), "order": order,
            "comp_ticket_count": 0, "cost": "1000.00" });
        post(&app, &admin, &url("sponsor-levels"), body).await;
    }
    for (i, level) in ["gold", "bronze", "gold", "bronze", "gold"]
        .iter()
        .enumerate()
    {
        let body = json!({ "name": format!("Sponsor {i}"), "level": level });
        post(&app, &admin, &url("sponsors"), body).await;
    }
    let path = url("sponsorships/sponsors");
    let before = truth(&app, &admin, &path, "slug").await;
    assert_eq!(
        before,
        [
            "sponsor-1",
            "sponsor-3",
            "sponsor-0",
            "sponsor-2",
            "sponsor-4"
        ]
    );
    let mut fields = vec![];
    let mut cursor: Option<String> = None;
    let mut seen = vec![];
    for n in 0.. {
        let p = page(&app, &admin, &path, 2, cursor.as_deref()).await;
        fields.push(p["fulfilment_rate"].clone());
        seen.extend(ids(&p, "slug"));
        match p["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        let level = if n % 2 == 0 { "bronze" } else { "gold" };
        let body = json!({ "name": format!("New {n}"), "level": level });
        post(&app, &admin, &url("sponsors"), body).await;
    }
    assert_complete(&seen, &before);
    assert!(fields.iter().all(|f| f == "0.00"), "{fields:?}");
    app.finish().await;
}

/// Bulk purchases, oldest request first, requested while a client pages.
async fn bulk_purchases_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    let ticket = json!({ "slug": "bulk", "name": "Bulk", "price": "100.00",
        "total_quantity": 100, "bulk_enabled": true });
    app.ticket_type(&admin, CONF, ticket).await;
    let level = json!({ "slug": "gold", "name": "Gold", "order": 1, "cost": "1000.00" });
    post(&app, &admin, &url("sponsor-levels"), level).await;
    let sponsor = json!({ "name": "Acme", "level": "gold", "contact_email": "jo@acme.test" });
    post(&app, &admin, &url("sponsors"), sponsor).await;
    let purchase = |quantity: u32| {
        let (a, ad) = (&app, &admin);
        async move {
            let body = json!({ "sponsor": "acme", "quantity": quantity, "ticket_type": "bulk",
                "unit_price": "50.00", "voucher_config": { "voucher_type": "comp" } });
            post(a, ad, &url("bulk-purchases"), body).await;
        }
    };
    for q in 1..=5 {
        purchase(q).await;
    }
    let path = url("bulk-purchases");
    let before = truth(&app, &admin, &path, "id").await;
    assert_eq!(before.len(), 5);
    let seen = walk(&app, &admin, &path, "id", 2, |n| purchase(10 + n as u32)).await;
    assert_complete(&seen, &before);
    app.finish().await;
}

on_both_backends!(
    deals_walk,
    committed_walk,
    managed_sponsors_walk,
    bulk_purchases_walk,
);
