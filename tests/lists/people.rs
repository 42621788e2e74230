//! Attendees and vouchers: paged with inserts between pages, and their filters.

use axum::http::StatusCode;
use serde_json::json;

use super::walk::*;
use crate::common::Backend;
use crate::on_both_backends;

/// Attendees in registration order, walked 2 at a time while more register; the
/// check-in and ticket-type filters against the truth.
async fn attendees_walk_and_filters(b: Backend) {
    let (app, admin) = setup(b).await;
    for i in 0..7 {
        let u = app.user(&format!("att{i}")).await;
        let ticket = if i % 2 == 0 { "speaker" } else { "volunteer" };
        let reference = order(&app, &u, ticket).await;
        comp(&app, &u, &reference).await;
        if i % 2 == 0 {
            app.clock.advance(chrono::Duration::seconds(1));
        }
    }
    let path = url("attendees");
    app.settled().await;
    let before = truth(&app, &admin, &path, "user").await;
    assert_eq!(before.len(), 7);
    let mut n = 0;
    let mut newcomers = vec![];
    for i in 0..4 {
        newcomers.push(app.user(&format!("new{i}")).await);
    }
    let (a, newcomers) = (&app, &newcomers);
    let seen = walk(&app, &admin, &path, "user", 2, |_| {
        n += 1;
        let u = newcomers.get(n - 1);
        async move {
            if let Some(u) = u {
                a.clock.advance(chrono::Duration::seconds(1));
                let reference = order(a, u, "speaker").await;
                comp(a, u, &reference).await;
            }
        }
    })
    .await;
    assert_complete(&seen, &before);
    let first = page(&app, &admin, &path, 500, None).await;
    let items = first["items"].as_array().cloned().unwrap_or_default();
    // Check one in.
    let code = items[0]["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = app
        .post(&url("checkins"))
        .as_user(&admin)
        .json(json!({ "access_code": code, "station": "" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let in_ = walk(
        &app,
        &admin,
        &format!("{path}?checked_in=true"),
        "user",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(
        in_,
        vec![items[0]["user"].as_str().unwrap_or_default().to_string()]
    );
    let out = walk(
        &app,
        &admin,
        &format!("{path}?checked_in=false"),
        "user",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(out.len(), items.len() - 1);
    let speakers = walk(
        &app,
        &admin,
        &format!("{path}?ticket_type=speaker"),
        "user",
        2,
        |_| async {},
    )
    .await;
    let want: Vec<String> = items
        .iter()
        .filter(|a| a["ticket_type"] == "Speaker")
        .map(|a| a["user"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(speakers, want);
    let newest = walk(
        &app,
        &admin,
        &format!("{path}?sort=newest"),
        "user",
        3,
        |_| async {},
    )
    .await;
    let mut oldest = walk(&app, &admin, &path, "user", 3, |_| async {}).await;
    oldest.reverse();
    assert_eq!(newest, oldest);
    let ana = walk(
        &app,
        &admin,
        &format!("{path}?email=ATT3%40example.org"),
        "email",
        5,
        |_| async {},
    )
    .await;
    assert_eq!(ana, vec!["att3@example.org".to_string()]);
    app.finish().await;
}

/// Attendees by ticket type page the narrow product index of the attendees read
/// model: walked while attendees of that type and of another register, alone
/// and with the check-in and e-mail filters, against the truth.
async fn attendees_by_ticket_type(b: Backend) {
    let (app, admin) = setup(b).await;
    let mut speakers = vec![];
    for i in 0..6 {
        let u = app.user(&format!("tt{i}")).await;
        let ticket = if i % 3 == 0 { "volunteer" } else { "speaker" };
        let reference = order(&app, &u, ticket).await;
        comp(&app, &u, &reference).await;
        if ticket == "speaker" {
            speakers.push(u.id.clone());
        }
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let path = url("attendees?ticket_type=speaker");
    let before = truth(&app, &admin, &path, "user").await;
    assert_eq!(before, speakers, "registration order");
    let a = &app;
    let seen = walk(&app, &admin, &path, "user", 1, |n| async move {
        let ticket = if n % 2 == 0 { "speaker" } else { "volunteer" };
        let u = a.user(&format!("late{n}")).await;
        a.clock.advance(chrono::Duration::seconds(1));
        let reference = order(a, &u, ticket).await;
        comp(a, &u, &reference).await;
    })
    .await;
    assert_complete(&seen, &before);
    let after = truth(&app, &admin, &path, "user").await;
    assert_eq!(seen, after, "the speakers registered meanwhile come last");
    assert!(after.len() > before.len());
    // Every item is a speaker's attendee, whole.
    let all = page(&app, &admin, &path, 500, None).await;
    for item in all["items"].as_array().into_iter().flatten() {
        assert_eq!(item["ticket_type"], "Speaker", "{item}");
        assert!(item["access_code"].is_string(), "{item}");
    }
    // Checked in, combined.
    let code = all["items"][1]["access_code"].as_str().unwrap_or_default();
    let r = app
        .post(&url("checkins"))
        .as_user(&admin)
        .json(json!({ "access_code": code, "station": "" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let checked = truth(&app, &admin, &format!("{path}&checked_in=true"), "user").await;
    assert_eq!(checked, [after[1].clone()]);
    let not = truth(&app, &admin, &format!("{path}&checked_in=false"), "user").await;
    assert_eq!(not.len(), after.len() - 1);
    // E-mail, combined: a speaker is found, a volunteer is not.
    let one = truth(
        &app,
        &admin,
        &format!("{path}&email=TT1%40example.org"),
        "user",
    )
    .await;
    assert_eq!(one, [speakers[0].clone()]);
    let none = truth(
        &app,
        &admin,
        &format!("{path}&email=tt0%40example.org"),
        "user",
    )
    .await;
    assert!(none.is_empty(), "{none:?}");
    // The newest first is the same walk reversed; an unknown type lists nothing.
    let mut newest = walk(
        &app,
        &admin,
        &format!("{path}&sort=newest"),
        "user",
        2,
        |_| async {},
    )
    .await;
    newest.reverse();
    assert_eq!(newest, after);
    let nobody = truth(
        &app,
        &admin,
        &url("attendees?ticket_type=individual"),
        "user",
    )
    .await;
    assert!(nobody.is_empty(), "{nobody:?}");
    app.finish().await;
}

/// Vouchers by code, walked 3 at a time while more are created; code prefix, kind
/// and use filters.
async fn vouchers_walk_and_filters(b: Backend) {
    let (app, admin) = setup(b).await;
    let create = |code: String, kind: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let body = match kind {
                "comp" => json!({ "code": code, "kind": "comp", "max_uses": 5 }),
                _ => json!({ "code": code, "kind": kind, "value": "10", "max_uses": 5 }),
            };
            let r = app
                .post(&url("vouchers"))
                .as_user(admin)
                .json(body)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
    };
    for i in 0..8 {
        let kind = if i % 2 == 0 { "comp" } else { "percentage" };
        create(format!("{}{i}", if i < 5 { "SPK" } else { "STU" }), kind).await;
    }
    let path = url("vouchers");
    let before = truth(&app, &admin, &path, "voucher.code").await;
    let mut sorted = before.clone();
    sorted.sort();
    assert_eq!(before, sorted, "by code");
    let mut k = 0;
    let seen = walk(&app, &admin, &path, "voucher.code", 3, |_| {
        k += 1;
        create(format!("A{k}"), "comp")
    })
    .await;
    assert_complete(&seen, &before);
    let spk = walk(
        &app,
        &admin,
        &format!("{path}?code_prefix=SPK"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(spk, vec!["SPK0", "SPK1", "SPK2", "SPK3", "SPK4"]);
    let pct = walk(
        &app,
        &admin,
        &format!("{path}?kind=percentage"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(pct, vec!["SPK1", "SPK3", "STU5", "STU7"]);
    let ana = app.user("ana").await;
    let r = app
        .post(&url("cart/items"))
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 1 }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .put(&url("cart/voucher"))
        .as_user(&ana)
        .json(json!({ "code": "STU5" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&url("checkout"))
        .as_user(&ana)
        .json(json!({ "billing_name": "Ana", "billing_email": ana.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let used = walk(
        &app,
        &admin,
        &format!("{path}?used=true"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(used, vec!["STU5"]);
    let unused = walk(
        &app,
        &admin,
        &format!("{path}?used=false&code_prefix=STU"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(unused, vec!["STU6", "STU7"]);
    app.finish().await;
}

on_both_backends!(
    attendees_by_ticket_type,
    attendees_walk_and_filters,
    vouchers_walk_and_filters,
);
