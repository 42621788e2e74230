//! Conference statistics end to end (ANA-*), on SQLite and PostgreSQL: the figures
//! a finance officer or an auditor reads after real sales, refunds and check-ins.

mod common;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

struct Cast {
    admin: User,
    ana: User,
    bo: User,
    finance: User,
    auditor: User,
    checkin: User,
}

async fn setup(b: Backend) -> (TestApp, Cast) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let cast = Cast {
        ana: app.user("ana").await,
        bo: app.user("bo").await,
        finance: app.user("fin").await,
        auditor: app.user("audrey").await,
        checkin: app.user("chuck").await,
        admin,
    };
    app.grant(&cast.admin, CONF, &cast.finance, "finance").await;
    app.grant(&cast.admin, CONF, &cast.auditor, "auditor").await;
    app.grant(&cast.admin, CONF, &cast.checkin, "checkin").await;
    (app, cast)
}

fn url(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{rest}")
}

/// `user` buys one "individual" and finance records 100.00 by hand: its reference.
async fn buy_and_pay(app: &TestApp, cast: &Cast, user: &User) -> String {
    let r = app.buy(user, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&cast.finance)
        .json(json!({ "method": "manual", "amount": "100.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
    reference
}

pub async fn stats_as(app: &TestApp, user: &User, query: &str) -> Response {
    let head = Some(app.settled().await);
    app.get(&url(&format!("stats{query}")))
        .as_user(user)
        .after(head)
        .send()
        .await
}

fn ticket<'a>(stats: &'a Value, slug: &str) -> &'a Value {
    stats["sections"]["registrations"]["ticket_types"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["slug"] == slug))
        .unwrap_or(&Value::Null)
}

/// Two paid orders of 100.00, 40.00 of one refunded to credit, one attendee
/// checked in: every section shows what happened.
async fn ana_stats_after_sales_refund_and_checkin(b: Backend) {
    let (app, cast) = setup(b).await;
    let _ana_order = buy_and_pay(&app, &cast, &cast.ana).await;
    let bo_order = buy_and_pay(&app, &cast, &cast.bo).await;
    let r = app
        .post(&url(&format!("orders/{bo_order}/refunds")))
        .as_user(&cast.finance)
        .json(json!({ "amount": "40.00", "to": "credit" }))
        .send()
        .await;
    assert!(r.status.is_success(), "refund: {}", r.text);
    app.settled().await;
    let me = app
        .get(&url("attendees/me"))
        .as_user(&cast.ana)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let code = me.body["access_code"].as_str().unwrap_or_default();
    let r = app
        .post(&url("checkins"))
        .as_user(&cast.checkin)
        .json(json!({ "access_code": code, "station": "main" }))
        .send()
        .await;
    assert!(r.status.is_success(), "check-in: {}", r.text);

    let r = stats_as(&app, &cast.auditor, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["source"], "live");
    assert_eq!(r.body["limited_data"], false);
    let s = &r.body["stats"];
    let sec = &s["sections"];

    // ANA-10, ANA-31: per ticket type sold, revenue, capacity and fill rate.
    assert_eq!(sec["registrations"]["attendees"], 2);
    let t = ticket(s, "individual");
    assert_eq!(t["sold"], 2, "{t}");
    assert_eq!(t["revenue"], "200.00");
    assert_eq!(t["capacity"], 10);
    assert_eq!(t["fill_rate"], "20.0");
    assert_eq!(t["revenue_share"], "100.0");

    // ANA-22: gross, discounts, net over the paid set (a partial refund keeps it).
    let m = &sec["money"];
    assert_eq!(m["gross"], "200.00");
    assert_eq!(m["discounts"], "0.00");
    assert_eq!(m["net"], "200.00");
    // ANA-1/6: refunded amount and refund rate = 40 / 200.
    assert_eq!(m["refunded"], "40.00");
    assert_eq!(m["refund_rate"], "20.0");
    // ANA-2: (200 − 40) / 2 attendees.
    assert_eq!(m["revenue_per_attendee"], "80.00");
    // ANA-25: the refund to credit issued 40.00, still available.
    assert_eq!(m["credits"]["issued"], "40.00");
    assert_eq!(m["credits"]["outstanding"], "40.00");
    assert_eq!(m["credits"]["applied"], "0.00");
    // ANA-24: payments match sales; no discrepancy.
    assert_eq!(m["reconciliation"]["sales_total"], "200.00");
    assert_eq!(m["reconciliation"]["payments_total"], "200.00");
    assert_eq!(m["reconciliation"]["discrepancy"], "0.00");
    assert_eq!(m["reconciliation"]["by_method"]["manual"]["count"], 2);
    // ANA-34: payments by method and status.
    assert_eq!(m["payments"]["manual"]["succeeded"]["amount"], "200.00");
    // ANA-23: 200 − 0 − 40 + 0.
    assert_eq!(m["cash_flow"]["net"], "160.00");

    // ANA-20: one day, two orders, cumulative revenue.
    let days = sec["sales"]["by_day"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(days.len(), 1, "{days:?}");
    assert_eq!(days[0]["orders"], 2);
    assert_eq!(days[0]["cumulative_revenue"], "200.00");
    assert_eq!(days[0]["average_order_value"], "100.00");
    // ANA-21: ticket revenue by type per day.
    assert_eq!(sec["sales"]["ticket_revenue_by_day"][0]["quantity"], 2);
    // ANA-28: two registrations, no cancellation.
    assert_eq!(sec["sales"]["registration_flow"][0]["net"], 2);

    // ANA-3: both carts checked out.
    assert_eq!(sec["carts"]["carts"], 2);
    assert_eq!(sec["carts"]["conversion_rate"], "100.0");
    // ANA-4, ANA-11: one of two checked in, in one 15-minute bucket.
    assert_eq!(sec["checkins"]["checkin_rate"], "50.0");
    assert_eq!(sec["checkins"]["throughput_15min"][0]["check_ins"], 1);
    assert_eq!(sec["checkins"]["by_station"]["main"], 1);
    // ANA-7: check-in 50.0 % against the default 80.0 % target.
    assert_eq!(sec["kpis"]["checkin_rate"]["value"], "50.0");
    assert_eq!(sec["kpis"]["checkin_rate"]["target"], "80.0");
    assert_eq!(sec["kpis"]["checkin_rate"]["met"], false);
    assert_eq!(sec["kpis"]["refund_rate"]["target"], "5.0");

    // Finance and admins read them; attendees and check-in staff do not.
    let r = stats_as(&app, &cast.finance, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = stats_as(&app, &cast.admin, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for u in [&cast.ana, &cast.checkin] {
        let r = stats_as(&app, u, "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    app.finish().await;
}

/// A conference with nothing sold answers zeros, never a division by zero (ANA-2,
/// ANA-3, ANA-4, ANA-6), and an unknown conference is a 404 problem.
async fn ana_empty_conference_answers_zeros(b: Backend) {
    let (app, cast) = setup(b).await;
    let r = stats_as(&app, &cast.auditor, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sec = &r.body["stats"]["sections"];
    assert_eq!(sec["money"]["revenue_per_attendee"], "0.00");
    assert_eq!(sec["money"]["refund_rate"], "0.0");
    assert_eq!(sec["carts"]["conversion_rate"], "0.0");
    assert_eq!(sec["checkins"]["checkin_rate"], "0.0");
    assert_eq!(ticket(&r.body["stats"], "individual")["fill_rate"], "0.0");
    let r = app
        .get("/api/v1/conferences/nope-2030/stats")
        .as_user(&cast.admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    app.finish().await;
}

/// ANA-22/26: a voucher's discount and revenue impact; ANA-12: activity
/// utilization; ANA-33: budget tiles; ANA-7: a conference's own target replaces the
/// default.
async fn ana_vouchers_activities_budget_and_targets(b: Backend) {
    let (app, cast) = setup(b).await;
    let r = app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(&cast.admin)
        .json(json!({ "revenue_budget": "1000.00", "target_attendance": 4 }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .put(&url("kpi-targets"))
        .as_user(&cast.admin)
        .json(json!({ "target_checkin_rate": "40.00" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&url("vouchers"))
        .as_user(&cast.admin)
        .json(json!({ "code": "EARLY", "kind": "percentage", "value": "20", "max_uses": 5 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&url("activities"))
        .as_user(&cast.admin)
        .json(json!({ "slug": "sprint", "name": "Sprint", "max_participants": 4 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Ana buys with the voucher (100.00 − 20 %), signs up and checks in.
    let r = app
        .post(&url("cart/items"))
        .as_user(&cast.ana)
        .json(json!({ "ticket_type": "individual", "quantity": 1 }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .put(&url("cart/voucher"))
        .as_user(&cast.ana)
        .json(json!({ "code": "EARLY" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&url("checkout"))
        .as_user(&cast.ana)
        .json(json!({ "billing_name": "Ana", "billing_email": cast.ana.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&cast.finance)
        .json(json!({ "method": "manual", "amount": "80.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&url("activities/sprint/signups"))
        .as_user(&cast.ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.settled().await;
    let me = app
        .get(&url("attendees/me"))
        .as_user(&cast.ana)
        .fresh()
        .await
        .send()
        .await;
    let code = me.body["access_code"].as_str().unwrap_or_default();
    let r = app
        .post(&url("checkins"))
        .as_user(&cast.checkin)
        .json(json!({ "access_code": code, "station": "main" }))
        .send()
        .await;
    assert!(r.status.is_success(), "check-in: {}", r.text);

    let r = stats_as(&app, &cast.auditor, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sec = &r.body["stats"]["sections"];
    // ANA-22, ANA-26.
    assert_eq!(sec["money"]["gross"], "100.00");
    assert_eq!(sec["money"]["discounts"], "20.00");
    assert_eq!(sec["money"]["discount_rate"], "20.0");
    assert_eq!(sec["money"]["orders_with_discount"], 1);
    assert_eq!(
        sec["vouchers"]["codes"][0],
        json!({ "code": "EARLY", "uses": 1, "paid_orders": 1,
                "revenue_impact": "20.00", "revenue": "80.00" })
    );
    // ANA-12: 1 confirmed of 4 places.
    let a = &sec["activities"][0];
    assert_eq!(
        (a["slug"].clone(), a["confirmed"].clone()),
        (json!("sprint"), json!(1))
    );
    assert_eq!(a["utilization"], "25.0");
    // ANA-33: 80 / 1000 revenue, 1 / 4 attendance.
    assert_eq!(sec["kpis"]["budget"]["revenue_pct"], "8.0");
    assert_eq!(sec["kpis"]["budget"]["attendance_pct"], "25.0");
    // ANA-7: the conference's 40.00 % target, met by 100 %.
    assert_eq!(sec["kpis"]["checkin_rate"]["target"], "40.00");
    assert_eq!(sec["kpis"]["checkin_rate"]["value"], "100.0");
    assert_eq!(sec["kpis"]["checkin_rate"]["met"], true);
    app.finish().await;
}

on_both_backends!(
    ana_vouchers_activities_budget_and_targets,
    ana_stats_after_sales_refund_and_checkin,
    ana_empty_conference_answers_zeros,
);
