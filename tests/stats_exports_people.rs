//! CSV exports of attendees (ANA-44), vouchers (ANA-46/27), credit notes (ANA-47),
//! speaker registrations, visa letters and activity signups (ANA-49), named per
//! ANA-50 and defused per ANA-51, end to end on SQLite and PostgreSQL.

mod common;
#[allow(dead_code)]
#[path = "program/fake_pretalx.rs"]
mod fake_pretalx;

use axum::http::{StatusCode, header};
use common::{Backend, TestApp, User};
use fake_pretalx::FakePretalx;
use serde_json::{Value, json};
use tessera::config::{Config, PretalxConfig};

const CONF: &str = "pycon-us-2027";

fn url(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{rest}")
}

fn lines(text: &str) -> Vec<&str> {
    text.split("\r\n").filter(|l| !l.is_empty()).collect()
}

struct Cast {
    app: TestApp,
    fake: FakePretalx,
    admin: User,
    finance: User,
    ana: User,
    bo: User,
}

async fn setup(b: Backend) -> Cast {
    let fake = FakePretalx::start().await;
    let config = Config {
        pretalx: PretalxConfig {
            base_url: fake.url.clone(),
            ..PretalxConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    Cast {
        app,
        fake,
        admin,
        finance,
        ana,
        bo,
    }
}

impl Cast {
    async fn post(&self, who: &User, rest: &str, body: Value) -> common::Response {
        self.app
            .post(&url(rest))
            .as_user(who)
            .json(body)
            .send()
            .await
    }

    /// `user`'s cart of one "individual" (with `voucher`), checked out and paid in
    /// full by hand: the order's reference.
    async fn buy_and_pay(&self, user: &User, voucher: Option<&str>, amount: &str) -> String {
        let r = self
            .post(
                user,
                "cart/items",
                json!({ "ticket_type": "individual", "quantity": 1 }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        if let Some(code) = voucher {
            let r = self
                .app
                .put(&url("cart/voucher"))
                .as_user(user)
                .json(json!({ "code": code }))
                .send()
                .await;
            assert!(r.status.is_success(), "voucher: {}", r.text);
        }
        let r = self.post(user, "checkout", json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
        let r = self
            .post(
                &self.finance,
                &format!("orders/{reference}/payments"),
                json!({ "method": "manual", "amount": amount }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        reference
    }

    /// The export `name` as `who` reads it once everything settled: its lines.
    async fn export(&self, who: &User, name: &str, file: &str) -> Vec<String> {
        let head = Some(self.app.settled().await);
        let r = self
            .app
            .get(&url(&format!("exports/{name}.csv")))
            .as_user(who)
            .after(head)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
        assert_eq!(
            r.headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"{file}\""),
            "ANA-50"
        );
        lines(&r.text).into_iter().map(str::to_string).collect()
    }
}

fn has(l: &[String], row: &str) -> bool {
    l.iter().any(|x| x == row)
}

/// ANA-44: attendees with their ticket lines, check-in and completion; ANA-46/27:
/// vouchers with redemption rate ("N/A" for max_uses 0) and revenue impact;
/// ANA-47: credits with their orders' references; ANA-51 throughout; an erased
/// attendee's name and e-mail read "erased".
async fn ana_44_46_47_attendees_vouchers_and_credit_notes(b: Backend) {
    let cast = setup(b).await;
    let (app, admin) = (&cast.app, &cast.admin);
    for body in [
        json!({ "code": "@PROMO", "kind": "percentage", "value": "20", "max_uses": 4 }),
        json!({ "code": "NEVER", "kind": "fixed_amount", "value": "5", "max_uses": 0,
                "is_active": false }),
    ] {
        let r = cast.post(admin, "vouchers", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    cast.buy_and_pay(&cast.ana, Some("@PROMO"), "80.00").await;
    let bo_order = cast.buy_and_pay(&cast.bo, None, "100.00").await;
    let r = cast
        .post(
            &cast.finance,
            &format!("orders/{bo_order}/refunds"),
            json!({ "amount": "40.00", "to": "credit" }),
        )
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
    let ana_code = me.body["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = cast
        .post(
            admin,
            "checkins",
            json!({ "access_code": ana_code, "station": "main" }),
        )
        .await;
    assert!(r.status.is_success(), "check-in: {}", r.text);

    let l = cast
        .export(&cast.finance, "attendees", "pycon-us-2027-attendees.csv")
        .await;
    assert_eq!(
        l[0],
        "Username,Email,Full Name,Ticket Type,Check-in Time,Access Code,Completed Registration"
    );
    assert_eq!(l.len(), 3, "{l:?}");
    let ana_row = l
        .iter()
        .find(|x| x.starts_with("ana@example.org,"))
        .cloned()
        .unwrap_or_default();
    assert!(
        ana_row.starts_with("ana@example.org,ana@example.org,ana,Individual,20"),
        "{ana_row}"
    );
    assert!(ana_row.ends_with(&format!(",{ana_code},Yes")), "{ana_row}");
    assert!(
        l.iter()
            .any(|x| x.starts_with("bo@example.org,bo@example.org,bo,Individual,,")),
        "bo is not checked in: {l:?}"
    );

    let l = cast
        .export(admin, "vouchers", "pycon-us-2027-vouchers.csv")
        .await;
    assert_eq!(
        l[0],
        "Code,Type,Discount Value,Max Uses,Times Used,Redemption Rate,Revenue Impact,Active,Valid From,Valid Until"
    );
    assert!(
        has(&l, "'@PROMO,Percentage,20.00,4,1,25.0%,20.00,Yes,,"),
        "{l:?}"
    );
    assert!(
        has(&l, "NEVER,Fixed Amount,5.00,0,0,N/A,0.00,No,,"),
        "{l:?}"
    );

    let l = cast
        .export(
            &cast.finance,
            "credit-notes",
            "pycon-us-2027-credit-notes.csv",
        )
        .await;
    assert_eq!(
        l[0],
        "User,Email,Amount,Remaining,Status,Source Order,Applied To Order,Note,Created"
    );
    assert_eq!(l.len(), 2, "{l:?}");
    assert!(
        l[1].starts_with(&format!(
            "bo,bo@example.org,40.00,40.00,Available,{bo_order},,,"
        )),
        "{l:?}"
    );

    // An erased attendee stays in the export, their personal values unreadable.
    let r = app
        .post(&format!("/api/v1/users/{}/erase", cast.ana.id))
        .as_user(admin)
        .json(json!({}))
        .send()
        .await;
    assert!(r.status.is_success(), "erase: {}", r.text);
    let l = cast
        .export(admin, "attendees", "pycon-us-2027-attendees.csv")
        .await;
    assert!(
        l.iter()
            .any(|x| x.starts_with("erased,erased,erased,Individual,20")),
        "{l:?}"
    );
    assert!(!l.iter().any(|x| x.contains("ana@example.org")), "{l:?}");

    // ANA-52: staff without a reports role are refused.
    let chuck = app.user("chuck").await;
    app.grant(admin, CONF, &chuck, "checkin").await;
    for name in ["attendees", "vouchers", "credit-notes"] {
        let r = app
            .get(&url(&format!("exports/{name}.csv")))
            .as_user(&chuck)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.text);
    }
    cast.app.finish().await;
}

fn speaker(code: &str, name: &str, email: &str) -> Value {
    json!({ "code": code, "name": name, "biography": "", "avatar_url": "", "email": email })
}

fn talk(code: &str, speakers: &[&str]) -> Value {
    json!({
        "code": code, "title": code, "abstract": "", "description": "",
        "submission_type": { "en": "Talk" }, "track": { "en": "" }, "tags": [],
        "duration": 30, "state": "confirmed", "slot": null,
        "speakers": speakers.iter().map(|c| json!({ "code": c })).collect::<Vec<_>>(),
    })
}

/// ANA-49/29: speakers with talk count, registered iff their linked user has a
/// paid-set order; visa letters with the opened passport name and the reviewer;
/// an activity's signups, cancelled ones included, named after the activity.
async fn ana_49_speakers_visa_letters_and_activity_signups(b: Backend) {
    let cast = setup(b).await;
    let (app, admin) = (&cast.app, &cast.admin);
    let r = app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(admin)
        .json(json!({ "pretalx_event_slug": "pyconus2027" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    cast.fake.set(|d| {
        d.speakers = vec![
            speaker("ANA", "Ana Speaker", "ana@example.org"),
            speaker("BO", "=Bo", "bo@example.org"),
            speaker("CY", "Cy", "cy@elsewhere.org"),
        ];
        d.talks = vec![talk("T1", &["ANA", "BO"]), talk("T2", &["ANA"])];
    });
    let r = cast.post(admin, "program/sync", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    cast.buy_and_pay(&cast.ana, None, "100.00").await;
    // Bo's order stays pending: not registered.
    let r = app.buy(&cast.bo, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let l = cast
        .export(
            &cast.finance,
            "speaker-registrations",
            "pycon-us-2027-speaker-registrations.csv",
        )
        .await;
    assert_eq!(l[0], "Name,Email,Talk Count,Registered");
    assert_eq!(
        &l[1..],
        [
            "'=Bo,bo@example.org,1,No",
            "Ana Speaker,ana@example.org,2,Yes",
            "Cy,cy@elsewhere.org,0,No",
        ],
        "{l:?}"
    );

    // A visa letter, approved by the admin.
    let r = cast
        .post(
            &cast.ana,
            "visa-letters",
            json!({
                "passport_name": "Ana Passport", "passport_number": "A1",
                "nationality": "+Atlantis", "date_of_birth": "1990-04-01",
                "travel_from": "2027-05-12", "travel_until": "2027-05-20",
                "destination_address": "1000 Fort Duquesne Blvd"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let letter = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = cast
        .post(
            admin,
            &format!("visa-letters/{letter}/review"),
            json!({ "action": "approve" }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let l = cast
        .export(admin, "visa-letters", "pycon-us-2027-visa-letters.csv")
        .await;
    assert_eq!(
        l[0],
        "Passport Name,Nationality,Status,Travel From,Travel Until,Embassy,Submitted,Reviewed By,Reviewed At"
    );
    assert_eq!(l.len(), 2, "{l:?}");
    assert!(
        l[1].starts_with("Ana Passport,'+Atlantis,Approved,2027-05-12,2027-05-20,,20"),
        "{l:?}"
    );
    assert!(l[1].contains(",Admin,20"), "{l:?}");

    // An activity: ana signs up with a note, bo signs up and cancels.
    let r = cast
        .post(
            admin,
            "activities",
            json!({ "slug": "django-sprint", "name": "Django Sprint", "activity_type": "sprint" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = cast
        .post(
            &cast.ana,
            "activities/django-sprint/signups",
            json!({ "note": "-vegan" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = cast
        .post(&cast.bo, "activities/django-sprint/signups", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .delete(&url("activities/django-sprint/signups/mine"))
        .as_user(&cast.bo)
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let l = cast
        .export(
            &cast.finance,
            "activities/django-sprint/signups",
            "django-sprint-signups.csv",
        )
        .await;
    assert_eq!(l[0], "Username,Full Name,Email,Status,Note,Signed Up");
    assert_eq!(l.len(), 3, "{l:?}");
    assert!(
        l[1].starts_with("ana@example.org,ana,ana@example.org,Confirmed,'-vegan,20"),
        "{l:?}"
    );
    assert!(
        l[2].starts_with("bo@example.org,bo,bo@example.org,Cancelled,,20"),
        "{l:?}"
    );
    let r = app
        .get(&url("exports/activities/nope/signups.csv"))
        .as_user(admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    cast.app.finish().await;
}

on_both_backends!(
    ana_44_46_47_attendees_vouchers_and_credit_notes,
    ana_49_speakers_visa_letters_and_activity_signups
);
