//! Travel grants end to end (SPEC GRANT-*, ANA-15/33), on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn path(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/grants{rest}")
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

struct Cast {
    app: TestApp,
    admin: User,
    ana: User,
    reviewer: User,
    finance: User,
}

async fn setup(b: Backend) -> Cast {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let reviewer = app.user("rita").await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &reviewer, "reviewer").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    let ana = app.user("ana").await;
    Cast {
        app,
        admin,
        ana,
        reviewer,
        finance,
    }
}

impl Cast {
    async fn apply(&self, who: &User, body: Value) -> common::Response {
        self.app
            .post(&path(""))
            .as_user(who)
            .json(body)
            .send()
            .await
    }

    /// Ana applies; answers her grant's id.
    async fn ana_applies(&self) -> String {
        let r = self.apply(&self.ana, form("1300.00")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().unwrap_or_default().to_string()
    }

    async fn review(&self, id: &str, body: Value) -> common::Response {
        self.app
            .post(&path(&format!("/{id}/review")))
            .as_user(&self.reviewer)
            .json(body)
            .send()
            .await
    }

    async fn mine(&self, after: Option<i64>) -> common::Response {
        let r = self
            .app
            .get(&path("/mine"))
            .as_user(&self.ana)
            .after(after)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r
    }

    async fn ana(&self, action: &str, body: Option<Value>) -> common::Response {
        let call = self
            .app
            .post(&path(&format!("/mine/{action}")))
            .as_user(&self.ana);
        match body {
            Some(b) => call.json(b).send().await,
            None => call.send().await,
        }
    }
}

/// GRANT-1 under concurrency: 50 concurrent applications of one user create one.
async fn grant_1_fifty_concurrent_applications_create_one(b: Backend) {
    let cast = setup(b).await;
    let cast = std::sync::Arc::new(cast);
    let mut tasks = vec![];
    for _ in 0..50 {
        let cast = cast.clone();
        tasks.push(tokio::spawn(async move {
            cast.apply(&cast.ana, form("1300.00")).await
        }));
    }
    let (mut created, mut refused, mut last) = (0, 0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        last = last.max(r.position().unwrap_or_default());
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(r.code(), "grant.already_applied");
                assert_eq!(
                    r.body["detail"],
                    "You have already applied for a travel grant for this conference."
                );
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((created, refused), (1, 49));
    let list = cast
        .app
        .get(&path(""))
        .as_user(&cast.reviewer)
        .after(Some(last))
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list.body["total"], 1);
    let applied = cast
        .app
        .count_events(|e| e.event_type == "GrantApplied")
        .await;
    assert_eq!(applied, 1);
    match std::sync::Arc::try_unwrap(cast) {
        Ok(cast) => cast.app.finish().await,
        Err(_) => panic!("tasks still hold the app"),
    }
}

/// GRANT-4…7: the form's refusals carry SPEC's messages and store nothing.
async fn grant_6_form_validations_answer_422_with_the_message(b: Backend) {
    let cast = setup(b).await;
    let r = cast.apply(&cast.ana, form("3000.01")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "grant.amount_above_max");
    assert_eq!(
        r.body["detail"],
        "Total requested amount must be less than $3,000 USD."
    );
    let r = cast.apply(&cast.ana, form("0.00")).await;
    assert_eq!(
        r.body["detail"],
        "Requested amount must be greater than zero."
    );
    let mut no_reason = form("100.00");
    no_reason["reason"] = json!(" ");
    assert_eq!(
        cast.apply(&cast.ana, no_reason).await.code(),
        "grant.required"
    );
    let mut undescribed = form("100.00");
    undescribed["airfare_description"] = json!("");
    assert_eq!(
        cast.apply(&cast.ana, undescribed).await.code(),
        "grant.airfare_undescribed"
    );
    let events = cast
        .app
        .count_events(|e| e.aggregate_type == "travel_grant")
        .await;
    assert_eq!(events, 0);
    // GRANT-6: exactly the maximum is accepted; GRANT-10: it starts submitted.
    let r = cast.apply(&cast.ana, form("3000.00")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mine = cast.mine(r.position()).await;
    assert_eq!(mine.body["status"], "submitted");
    assert_eq!(mine.body["application"]["first_time"], Value::Null);
    assert_eq!(
        mine.body["days_attending"],
        json!(["2027-05-14", "2027-05-15"])
    );
    assert_eq!(mine.body["can_edit"], true);
    cast.app.finish().await;
}

/// GRANT-13…19, 24…26: the applicant's actions follow the table; the applicant
/// sees only visible messages, oldest first, and never the reviewer's notes.
async fn grant_17_lifecycle_with_messages(b: Backend) {
    let cast = setup(b).await;
    let id = cast.ana_applies().await;
    let r = cast.ana("accept", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "This grant cannot be accepted in its current state."
    );
    let r = cast
        .review(
            &id,
            json!({ "status": "info_needed", "reviewer_notes": "secret note" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .app
        .post(&path(&format!("/{id}/messages")))
        .as_user(&cast.reviewer)
        .json(json!({ "message": "internal only" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .app
        .post(&path(&format!("/{id}/messages")))
        .as_user(&cast.reviewer)
        .json(json!({ "message": "Please send your itinerary.", "visible": true }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mine = cast.mine(r.position()).await;
    assert_eq!(mine.body["status"], "info_needed");
    assert_eq!(mine.body["can_provide_info"], true);
    let r = cast
        .ana(
            "provide-info",
            Some(json!({ "message": "Attached below." })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .review(
            &id,
            json!({ "status": "offered", "approved_amount": "1000.00", "promo_code": "GR-ANA" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast.ana("accept", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mine = cast.mine(r.position()).await;
    assert_eq!(mine.body["status"], "accepted");
    assert!(mine.body.get("reviewer_notes").is_none());
    assert!(!mine.text.contains("secret note") && !mine.text.contains("internal only"));
    let texts: Vec<&str> = mine.body["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        texts,
        vec![
            "Please send your itinerary.",
            "Attached below.",
            "Accepted the travel grant offer."
        ]
    );
    // Reviewers see every message and who reviewed (GRANT-19, GRANT-26).
    let staff = cast
        .app
        .get(&path(&format!("/{id}")))
        .as_user(&cast.reviewer)
        .send()
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text);
    assert_eq!(staff.body["messages"].as_array().map(Vec::len), Some(4));
    assert_eq!(staff.body["reviewed_by"], cast.reviewer.id.as_str());
    assert_eq!(staff.body["promo_code"], "GR-ANA");
    // GRANT-18: accepted is not editable.
    let r = cast
        .app
        .put(&path("/mine"))
        .as_user(&cast.ana)
        .json(form("1200.00"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "This application cannot be edited in its current state."
    );
    cast.app.finish().await;
}

/// GRANT-11/19/20: reviewers review, finance disburses from accepted only; each
/// role is refused the other's action. ANA-15/33: the budget summary.
async fn grant_20_disbursement_and_budget(b: Backend) {
    let cast = setup(b).await;
    let r = cast
        .app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(&cast.admin)
        .json(json!({ "grant_budget": "5000.00" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let id = cast.ana_applies().await;
    let disburse = |who: &User| {
        cast.app
            .post(&path(&format!("/{id}/disburse")))
            .as_user(who)
            .json(json!({ "amount": "950.00" }))
    };
    // The applicant and the finance role may not review; the reviewer may not disburse.
    let r = cast
        .app
        .post(&path(&format!("/{id}/review")))
        .as_user(&cast.ana)
        .json(json!({ "status": "offered" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = cast
        .app
        .post(&path(&format!("/{id}/review")))
        .as_user(&cast.finance)
        .json(json!({ "status": "offered" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        disburse(&cast.reviewer).send().await.status,
        StatusCode::FORBIDDEN
    );
    let r = cast
        .review(
            &id,
            json!({ "status": "offered", "approved_amount": "1000.00" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = disburse(&cast.finance).send().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "grant.not_accepted");
    assert_eq!(cast.ana("accept", None).await.status, StatusCode::OK);
    let summary = |after| {
        cast.app
            .get(&path("/summary"))
            .as_user(&cast.finance)
            .after(after)
    };
    let s = summary(None).send().await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let r = disburse(&cast.finance).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = summary(r.position()).send().await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let num = |v: &Value| {
        v.as_str()
            .unwrap_or_default()
            .parse::<f64>()
            .unwrap_or(-1.0)
    };
    assert_eq!(s.body["disbursed"], 1);
    assert_eq!(num(&s.body["committed"]), 1000.0);
    assert_eq!(num(&s.body["remaining"]), 4000.0);
    assert_eq!(num(&s.body["total_disbursed"]), 950.0);
    assert_eq!(num(&s.body["committed_percent"]), 20.0);
    // AMB-13: disbursed is final.
    let r = cast.review(&id, json!({ "status": "submitted" })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // The applicant may not read the summary.
    let r = cast
        .app
        .get(&path("/summary"))
        .as_user(&cast.ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    cast.app.finish().await;
}

/// GRANT-38…42: payment details need an accepted grant with an approved amount,
/// require each method's fields, and never appear in plain text in the log.
async fn grant_42_payment_info_is_sealed_in_the_log(b: Backend) {
    let cast = setup(b).await;
    let id = cast.ana_applies().await;
    let info = json!({
        "payment_method": "ach",
        "legal_name": "Ana Okafor-Plain",
        "address_street": "12 Marina Road",
        "address_city": "Lagos",
        "address_zip": "101001",
        "address_country": "Nigeria",
        "bank_name": "Bank of Plaintext",
        "bank_account_number": "9988776655443",
        "bank_routing_number": "021000021"
    });
    let put = |body: Value| {
        cast.app
            .put(&path("/mine/payment-info"))
            .as_user(&cast.ana)
            .json(body)
    };
    let r = put(info.clone()).send().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "Payment info can only be submitted for accepted grants with an approved amount."
    );
    cast.review(
        &id,
        json!({ "status": "offered", "approved_amount": "800.00" }),
    )
    .await;
    assert_eq!(cast.ana("accept", None).await.status, StatusCode::OK);
    let mut missing = info.clone();
    missing["bank_routing_number"] = json!("");
    let r = put(missing).send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "grant.required");
    let r = put(info).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mine = cast.mine(r.position()).await;
    assert_eq!(mine.body["payment_method"], "ach");
    let head = cast.app.settled().await;
    assert!(head > 0);
    let plain = [
        "Bank of Plaintext",
        "9988776655443",
        "021000021",
        "Okafor-Plain",
        "Marina Road",
    ];
    let leaks = cast
        .app
        .count_events(|e| {
            plain
                .iter()
                .any(|p| e.payload.contains(p) || e.metadata.contains(p))
        })
        .await;
    assert_eq!(leaks, 0, "a plain payment value is in the event log");
    let recorded = cast
        .app
        .count_events(|e| e.event_type == "GrantPaymentInfoRecorded")
        .await;
    assert_eq!(recorded, 1);
    let staff = cast
        .app
        .get(&path(&format!("/{id}")))
        .as_user(&cast.finance)
        .send()
        .await;
    assert!(!plain.iter().any(|p| staff.text.contains(p)));
    cast.app.finish().await;
}

/// GRANT-47/48: without a schedule, one day per conference date, labelled by the
/// sections claiming it; GRANT-49: an application or an edit naming a day not
/// offered is a 422 problem that records nothing.
async fn grant_47_49_tier_2_days_and_days_not_offered_are_refused(b: Backend) {
    let cast = setup(b).await;
    let app = &cast.app;
    for (name, from, until, order) in [
        ("Tutorials", "2027-05-14", "2027-05-15", 0),
        ("Talks", "2027-05-15", "2027-05-18", 1),
        ("Sprints", "2027-05-19", "2027-05-20", 2),
    ] {
        let r = app
            .post(&format!("/api/v1/conferences/{CONF}/sections"))
            .as_user(&cast.admin)
            .json(json!({ "name": name, "start_date": from, "end_date": until, "order": order }))
            .send()
            .await;
        assert!(r.status.is_success(), "section: {}", r.text);
    }
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/program/days"))
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let labels: Vec<&str> = r
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["label"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        labels,
        vec![
            "Tutorials Day 1 — Friday, May 14",
            "Tutorials Day 2 — Saturday, May 15",
            "Talks Day 2 — Sunday, May 16",
            "Talks Day 3 — Monday, May 17",
            "Talks Day 4 — Tuesday, May 18",
            "Sprints Day 1 — Wednesday, May 19",
            "Sprints Day 2 — Thursday, May 20",
            "Day 8 — Friday, May 21",
            "Day 9 — Saturday, May 22",
        ]
    );
    assert_eq!(r.body[0]["value"], "2027-05-14");

    let mut outside = form("1300.00");
    outside["days_attending"] = json!(["2027-05-14", "2027-05-23"]);
    let r = cast.apply(&cast.ana, outside).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "grant.day_not_offered");
    assert_eq!(
        r.body["detail"],
        "Select a valid choice. 2027-05-23 is not one of the available days."
    );
    assert_eq!(
        app.count_events(|e| e.aggregate_type == "travel_grant")
            .await,
        0
    );
    let mut inside = form("1300.00");
    inside["days_attending"] = json!(["2027-05-21", "2027-05-22"]);
    let r = cast.apply(&cast.ana, inside).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mut earlier = form("1300.00");
    earlier["days_attending"] = json!(["2027-05-13"]);
    let r = app
        .put(&path("/mine"))
        .as_user(&cast.ana)
        .json(earlier)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "grant.day_not_offered");
    let head = app.settled().await;
    let mine = cast.mine(Some(head)).await;
    assert_eq!(
        mine.body["days_attending"],
        json!(["2027-05-21", "2027-05-22"])
    );
    cast.app.finish().await;
}

/// GRANT-49 (second half): the choices are recomputed on every read, so a stored
/// day the conference no longer offers is not shown to the applicant.
async fn grant_49_stored_days_no_longer_offered_are_not_shown(b: Backend) {
    let cast = setup(b).await;
    let app = &cast.app;
    // The conference runs 2027-05-14…22: both days are offered.
    let r = cast.apply(&cast.ana, form("1300.00")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mine = cast.mine(r.position()).await;
    assert_eq!(
        mine.body["days_attending"],
        json!(["2027-05-14", "2027-05-15"])
    );
    // The conference now starts a day later: 2027-05-14 is no longer offered.
    let r = app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(&cast.admin)
        .json(json!({ "start_date": "2027-05-15" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let mine = cast.mine(Some(app.settled().await)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.body["days_attending"], json!(["2027-05-15"]));
    assert_eq!(mine.body["application"]["days_attending"], "2027-05-15");
    // The log keeps what was submitted; reviewers still see it.
    assert_eq!(
        app.count_events(|e| e.event_type == "GrantApplicationEdited")
            .await,
        0
    );
    cast.app.finish().await;
}

on_both_backends!(
    grant_49_stored_days_no_longer_offered_are_not_shown,
    grant_47_49_tier_2_days_and_days_not_offered_are_refused,
    grant_1_fifty_concurrent_applications_create_one,
    grant_6_form_validations_answer_422_with_the_message,
    grant_17_lifecycle_with_messages,
    grant_20_disbursement_and_budget,
    grant_42_payment_info_is_sealed_in_the_log,
);
