//! Attendees, check-in, door checks and redemption end to end (SPEC ATT-*), on
//! SQLite and PostgreSQL. Orders are made and paid through the API; the attendee
//! comes from the order-paid process manager (ATT-3).

mod common;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn url(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{path}")
}

/// An admin, a conference selling a free ticket, a 50.00 ticket and a free
/// add-on, and a check-in staff member.
async fn setup(b: Backend) -> (TestApp, User, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    for body in [
        json!({ "slug": "free", "name": "Free", "price": "0.00", "total_quantity": 10 }),
        json!({ "slug": "standard", "name": "Standard", "price": "50.00", "total_quantity": 10 }),
    ] {
        let r = app
            .post(&url("ticket-types"))
            .as_user(&admin)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "ticket type: {}", r.text);
    }
    let r = app
        .post(&url("addons"))
        .as_user(&admin)
        .json(json!({ "slug": "tshirt", "name": "T-shirt", "price": "0.00", "total_quantity": 10 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "add-on: {}", r.text);
    let staff = app.user("sam").await;
    app.grant(&admin, CONF, &staff, "checkin").await;
    (app, admin, staff)
}

/// `user` buys `items` and checks out; answers the order reference.
async fn checkout(app: &TestApp, user: &User, items: &[Value]) -> String {
    for item in items {
        let r = app
            .post(&url("cart/items"))
            .as_user(user)
            .json(item.clone())
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "cart: {}", r.text);
    }
    let r = app
        .post(&url("checkout"))
        .as_user(user)
        .json(json!({ "billing_name": "Ana Lovelace", "billing_email": user.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

/// The caller's attendee record (waits for the process manager on a miss).
async fn me(app: &TestApp, user: &User) -> Response {
    app.get(&url("attendees/me"))
        .as_user(user)
        .fresh()
        .await
        .send()
        .await
}

/// `user` gets a free ticket (and `tshirts` free add-ons) paid with comp; answers
/// the attendee's access code.
async fn free_attendee(app: &TestApp, user: &User, tshirts: u32) -> String {
    let mut items = vec![json!({ "ticket_type": "free", "quantity": 1 })];
    if tshirts > 0 {
        items.push(json!({ "addon": "tshirt", "quantity": tshirts }));
    }
    let reference = checkout(app, user, &items).await;
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(user)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "comp: {}", r.text);
    let r = me(app, user).await;
    assert_eq!(r.status, StatusCode::OK, "attendee: {}", r.text);
    r.body["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn scan(app: &TestApp, staff: &User, code: &str, station: &str) -> Response {
    app.post(&url("checkins"))
        .as_user(staff)
        .json(json!({ "access_code": code, "station": station }))
        .send()
        .await
}

fn is_access_code(s: &str) -> bool {
    s.len() == 8
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// ATT-1…3, PAY-51: paying an order creates the user's attendee, with an access
/// code of 8 characters A–Z0–9 and the order as its current order; a second paid
/// order keeps the code and becomes the current order.
async fn att_3_order_paid_registers_the_attendee(b: Backend) {
    let (app, admin, _staff) = setup(b).await;
    let ana = app.user("ana").await;
    let before = me(&app, &ana).await;
    assert_eq!(before.status, StatusCode::NOT_FOUND, "{}", before.text);

    let code = free_attendee(&app, &ana, 1).await;
    assert!(is_access_code(&code), "{code}");
    let r = me(&app, &ana).await;
    assert_eq!(r.body["user_id"], ana.id.as_str());
    assert_eq!(r.body["email"], ana.email.as_str());
    assert_eq!(r.body["order_status"], "paid");
    assert_eq!(r.body["completed_registration"], true);
    assert_eq!(r.body["checked_in"], false);
    assert_eq!(r.body["badge"]["ticket_type"], "Free");
    let first_order = r.body["order_reference"].clone();

    // A second order, paid by hand: same code, latest paid order wins.
    let reference = checkout(&app, &ana, &[json!({ "ticket_type": "standard" })]).await;
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&admin)
        .json(json!({ "method": "manual", "amount": "50.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "manual: {}", r.text);
    let mut latest = me(&app, &ana).await;
    for _ in 0..50 {
        if latest.body["order_reference"] == reference.as_str() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        latest = me(&app, &ana).await;
    }
    assert_eq!(
        latest.body["access_code"],
        code.as_str(),
        "ATT-2: the code never changes"
    );
    assert_eq!(latest.body["order_reference"], reference.as_str());
    assert_ne!(latest.body["order_reference"], first_order);
    app.finish().await;
}

/// ATT-11, ATT-13, ATT-18: a scan finds the attendee by exact access code; every
/// scan is recorded (re-entry); checked_in_at is the first scan's time.
async fn att_13_check_in_records_every_scan(b: Backend) {
    let (app, _admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let code = free_attendee(&app, &ana, 0).await;

    let first = scan(&app, &staff, &format!("  {code} "), "north-door").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["status"], "checked_in");
    assert_eq!(first.body["check_in_count"], 1);
    assert_eq!(first.body["check_in"]["number"], 1);
    assert_eq!(first.body["check_in"]["station"], "north-door");
    assert_eq!(first.body["attendee"]["email"], ana.email.as_str());
    assert_eq!(first.body["attendee"]["name"], "ana");
    assert_eq!(first.body["attendee"]["badge"]["ticket_type"], "Free");
    assert_eq!(first.body["attendee"]["checked_in"], true);
    let first_at = first.body["attendee"]["checked_in_at"].clone();

    app.clock.advance(chrono::Duration::minutes(90));
    let again = scan(&app, &staff, &code, "south-door").await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.body["check_in_count"], 2);
    assert_eq!(again.body["attendee"]["checked_in_at"], first_at);

    let r = me(&app, &ana).await;
    assert_eq!(r.body["check_in_count"], 2);
    app.finish().await;
}

/// ATT-13 under load: ten stations scan one attendee at once; every scan is
/// recorded with its own number, and each answer's count is its number.
async fn att_13_concurrent_scans_each_get_their_number(b: Backend) {
    let (app, _admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let code = free_attendee(&app, &ana, 0).await;

    let scans = (0..10).map(|i| {
        let (app, staff, code) = (&app, &staff, code.clone());
        async move { scan(app, staff, &code, &format!("door-{i}")).await }
    });
    let answers = futures::future::join_all(scans).await;
    let mut numbers = vec![];
    for r in &answers {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["check_in_count"], r.body["check_in"]["number"]);
        assert_eq!(r.body["attendee"]["checked_in"], true);
        numbers.push(r.body["check_in"]["number"].as_u64().unwrap_or(0));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<u64>>());

    let r = me(&app, &ana).await;
    assert_eq!(r.body["check_in_count"], 10);
    app.finish().await;
}

/// ATT-11, ATT-17: unknown codes are 404 "Attendee not found" (lookup is
/// case-sensitive and per conference); an empty code is 400.
async fn att_11_unknown_or_empty_codes_are_refused(b: Backend) {
    let (app, admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let code = free_attendee(&app, &ana, 0).await;

    let unknown = scan(&app, &staff, "ZZZZZZZZ", "").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert_eq!(unknown.body["detail"], "Attendee not found");
    let lower = scan(&app, &staff, &code.to_lowercase(), "").await;
    if code.bytes().any(|b| b.is_ascii_uppercase()) {
        assert_eq!(lower.status, StatusCode::NOT_FOUND, "{}", lower.text);
    }
    let empty = scan(&app, &staff, "  ", "").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.text);
    assert_eq!(empty.body["detail"], "access_code is required");
    let missing = app
        .post(&url("checkins"))
        .as_user(&staff)
        .json(json!({ "station": "x" }))
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text);

    // Another conference does not know this attendee.
    let other = app
        .post("/api/v1/conferences")
        .as_user(&admin)
        .json(json!({
            "series": "pycon-us", "slug": "pycon-us-2028", "name": "PyCon US 2028",
            "year": 2028, "start_date": "2028-05-14", "end_date": "2028-05-22",
            "timezone": "America/Chicago", "total_capacity": 2500
        }))
        .send()
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let r = app
        .post("/api/v1/conferences/pycon-us-2028/checkins")
        .as_user(&admin)
        .json(json!({ "access_code": code }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    app.finish().await;
}

/// ATT-10, CONF-30: check-in needs check-in staff or an organizer (or an admin);
/// attendees are refused and anonymous callers must sign in; it is not gated by
/// feature flags.
async fn att_10_check_in_is_for_staff(b: Backend) {
    let (app, admin, _staff) = setup(b).await;
    let ana = app.user("ana").await;
    let code = free_attendee(&app, &ana, 0).await;

    let r = scan(&app, &ana, &code, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .post(&url("checkins"))
        .json(json!({ "access_code": code }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let finance = app.user("fiona").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    let r = scan(&app, &finance, &code, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.get(&url("attendees")).as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let organizer = app.user("olga").await;
    app.grant(&admin, CONF, &organizer, "organizer").await;
    let r = scan(&app, &organizer, &code, "").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // CONF-30: registration off does not close the check-in desk.
    let r = app
        .put(&format!("/api/v1/conferences/{CONF}/features"))
        .as_user(&admin)
        .json(json!({ "registration": false }))
        .send()
        .await;
    assert!(r.status.is_success(), "flags: {}", r.text);
    let r = scan(&app, &admin, &code, "").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["check_in_count"], 2);
    app.finish().await;
}

/// ATT-12, ATT-3: once the order is fully refunded the attendee may no longer
/// check in (409).
async fn att_12_refunded_order_cannot_check_in(b: Backend) {
    let (app, admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let reference = checkout(&app, &ana, &[json!({ "ticket_type": "standard" })]).await;
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&admin)
        .json(json!({ "method": "manual", "amount": "50.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "manual: {}", r.text);
    let r = me(&app, &ana).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let code = r.body["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = scan(&app, &staff, &code, "").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let r = app
        .post(&url(&format!("orders/{reference}/refunds")))
        .as_user(&admin)
        .json(json!({ "amount": "50.00", "to": "credit" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "refund: {}", r.text);
    assert_eq!(r.body["status"], "refunded");

    let mut refused = scan(&app, &staff, &code, "").await;
    for _ in 0..50 {
        if refused.status == StatusCode::CONFLICT {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        refused = scan(&app, &staff, &code, "").await;
    }
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.code(), "att.order_not_eligible");
    assert_eq!(
        refused.body["detail"],
        "Order status is 'Refunded' — check-in not allowed."
    );
    app.finish().await;
}

/// ATT-16: a door check names exactly one ticket type or add-on of the conference;
/// it is recorded as admitted or not, and repeats are unlimited.
async fn att_16_door_checks(b: Backend) {
    let (app, _admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let code = free_attendee(&app, &ana, 0).await;
    let door = |body: Value| app.post(&url("checkins/door")).as_user(&staff).json(body);

    for _ in 0..2 {
        let r = door(json!({ "access_code": code, "ticket_type": "free", "station": "hall-a" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["admitted"], true);
    }
    let r = door(json!({ "access_code": code, "product": { "kind": "addon", "slug": "tshirt" } }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["admitted"], false, "ana holds no T-shirt");

    let both = door(json!({ "access_code": code, "ticket_type": "free", "addon": "tshirt" }))
        .send()
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.text);
    assert_eq!(
        both.body["detail"],
        "Exactly one of ticket_type or addon must be provided."
    );
    let none = door(json!({ "access_code": code })).send().await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text);
    let unknown = door(json!({ "access_code": code, "ticket_type": "vip" }))
        .send()
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text
    );
    app.finish().await;
}

/// ATT-20…22: redemptions are limited by the purchased quantity.
async fn att_20_redemption_is_limited_by_quantity(b: Backend) {
    let (app, _admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let code = free_attendee(&app, &ana, 2).await;
    let redeem = |quantity: u32| {
        app.post(&url("redemptions")).as_user(&staff).json(
            json!({ "access_code": code, "addon": "tshirt", "quantity": quantity,
                "station": "merch" }),
        )
    };

    let r = redeem(1).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (r.body["redeemed"].clone(), r.body["remaining"].clone()),
        (json!(1), json!(1))
    );
    let over = redeem(2).send().await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.text);
    assert_eq!(over.code(), "att.exceeds_remaining");
    let r = redeem(1).send().await;
    assert_eq!(r.body["remaining"], 0, "{}", r.text);
    let done = redeem(1).send().await;
    assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.text);
    assert_eq!(
        done.body["detail"],
        "Product 'T-shirt' is fully redeemed (2/2)."
    );

    let not_held = app
        .post(&url("redemptions"))
        .as_user(&staff)
        .json(json!({ "access_code": code, "ticket_type": "standard" }))
        .send()
        .await;
    assert_eq!(
        not_held.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        not_held.text
    );
    assert_eq!(not_held.code(), "att.product_not_in_order");

    let r = me(&app, &ana).await;
    let tshirt = r.body["products"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|p| p["product"]["slug"] == "tshirt");
    assert_eq!(
        tshirt.map(|p| (
            p["quantity"].clone(),
            p["redeemed"].clone(),
            p["remaining"].clone()
        )),
        Some((json!(2), json!(2), json!(0)))
    );
    app.finish().await;
}

/// ATT-19, ATT-23: staff look attendees up by code and list them.
async fn att_19_staff_lookup_and_list(b: Backend) {
    let (app, _admin, staff) = setup(b).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let ana_code = free_attendee(&app, &ana, 1).await;
    let bo_code = free_attendee(&app, &bo, 0).await;
    assert_ne!(ana_code, bo_code);

    let r = app
        .get(&url(&format!("attendees/{ana_code}")))
        .as_user(&staff)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["user_id"], ana.id.as_str());
    assert_eq!(r.body["checked_in"], false, "a lookup does not check in");

    let checked = scan(&app, &staff, &bo_code, "").await;
    let list = app
        .get(&url("attendees"))
        .as_user(&staff)
        .after(checked.position())
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let rows = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 2, "{}", list.text);
    let codes: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["access_code"].as_str())
        .collect();
    assert!(codes.contains(&ana_code.as_str()) && codes.contains(&bo_code.as_str()));
    app.finish().await;
}

on_both_backends!(
    att_3_order_paid_registers_the_attendee,
    att_13_check_in_records_every_scan,
    att_13_concurrent_scans_each_get_their_number,
    att_11_unknown_or_empty_codes_are_refused,
    att_10_check_in_is_for_staff,
    att_12_refunded_order_cannot_check_in,
    att_16_door_checks,
    att_20_redemption_is_limited_by_quantity,
    att_19_staff_lookup_and_list,
);
