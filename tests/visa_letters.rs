//! Visa letter requests end to end (SPEC LETTER-*), on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn path(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/visa-letters{rest}")
}

fn form() -> Value {
    json!({
        "passport_name": "Ana Plainpassport",
        "passport_number": "A99887766",
        "nationality": "Nigerian",
        "date_of_birth": "1990-04-01",
        "travel_from": "2027-05-12",
        "travel_until": "2027-05-20",
        "destination_address": "1000 Fort Duquesne Blvd"
    })
}

/// LETTER-1 under concurrency, LETTER-2/3, and passport data sealed in the log.
async fn letter_1_one_request_per_user_and_sealed_passport(b: Backend) {
    let app = std::sync::Arc::new(TestApp::start(b).await);
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let ana = app.user("ana").await;
    let mut bad = form();
    bad["travel_until"] = json!("2027-05-12");
    let r = app.post(&path("")).as_user(&ana).json(bad).send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "Travel start date must be before the end date."
    );
    let mut tasks = vec![];
    for _ in 0..20 {
        let (app, ana) = (app.clone(), ana.clone());
        tasks.push(tokio::spawn(async move {
            app.post(&path("")).as_user(&ana).json(form()).send().await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(r.code(), "letter.already_requested");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((created, refused), (1, 19));
    let head = app.settled().await;
    let mine = app
        .get(&path("/mine"))
        .as_user(&ana)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.body["status"], "submitted");
    let plain = ["Plainpassport", "A99887766", "Fort Duquesne", "1990-04-01"];
    let leaks = app
        .count_events(|e| plain.iter().any(|p| e.payload.contains(p)))
        .await;
    assert_eq!(leaks, 0, "passport data in plain text in the log");
    match std::sync::Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("tasks still hold the app"),
    }
}

/// LETTER-6/7/12: organizers move requests through the table; reject needs a
/// reason; a disallowed transition is refused; the list counts per status.
async fn letter_7_review_actions_follow_the_table(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let olga = app.user("olga").await;
    app.grant(&admin, CONF, &olga, "organizer").await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let mut ids = vec![];
    for u in [&ana, &bo] {
        let r = app.post(&path("")).as_user(u).json(form()).send().await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap_or_default().to_string());
    }
    let review = |id: &str, body: Value| {
        app.post(&path(&format!("/{id}/review")))
            .as_user(&olga)
            .json(body)
    };
    let r = app
        .post(&path(&format!("/{}/review", ids[0])))
        .as_user(&ana)
        .json(json!({ "action": "approve" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = review(&ids[0], json!({ "action": "under_review" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&ids[0], json!({ "action": "approve" })).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&ids[1], json!({ "action": "reject" })).send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "letter.reason_required");
    let r = review(
        &ids[1],
        json!({ "action": "reject", "reason": "Dates outside the conference" }),
    )
    .send()
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&ids[1], json!({ "action": "approve" })).send().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.body["detail"], "Invalid action or status transition.");
    let list = app
        .get(&path("?status=rejected"))
        .as_user(&olga)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["total"], 1, "the matches of the filter");
    assert_eq!(list.body["counts"], json!({ "approved": 1, "rejected": 1 }));
    let letters = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        letters[0]["rejection_reason"],
        "Dates outside the conference"
    );
    assert_eq!(letters[0]["reviewed_by"], olga.id.as_str());
    app.finish().await;
}

/// Ana requests a letter and an organizer approves it; answers (app, admin,
/// ana, letter id).
async fn approved(b: Backend) -> (TestApp, common::User, common::User, String) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let ana = app.user("ana").await;
    let r = app.post(&path("")).as_user(&ana).json(form()).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&path(&format!("/{id}/review")))
        .as_user(&admin)
        .json(json!({ "action": "approve" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (app, admin, ana, id)
}

/// LETTER-8…11: generate only from approved (in bulk too), send only from
/// generated, the PDF states LETTER-11's facts, and only its owner and
/// organizers download it.
async fn letter_8_to_11_generate_send_and_download(b: Backend) {
    let (app, admin, ana, id) = approved(b).await;
    let bo = app.user("bo").await;
    let r = app.post(&path("")).as_user(&bo).json(form()).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bo_letter = r.body["id"].as_str().unwrap_or_default().to_string();
    let head = app.settled().await;
    // Not approved: refused, alone or in bulk.
    let r = app
        .post(&path(&format!("/{bo_letter}/generate")))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "letter.not_approved");
    let r = app
        .post(&path(&format!("/{id}/send")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "letter.not_generated");
    let none = app.get(&path("/mine/pdf")).as_user(&ana).send().await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.text);
    let head = app.settled().await;
    let r = app
        .post(&path("/generate"))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["generated"], 1);
    let mine = app
        .get(&path("/mine"))
        .as_user(&ana)
        .after(r.position())
        .send()
        .await;
    assert_eq!(mine.body["status"], "generated");
    assert_eq!(mine.body["file_name"], format!("letter-{id}.pdf"));
    let pdf = app.get(&path("/mine/pdf")).as_user(&ana).send().await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(
        pdf.headers["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .contains(&format!("letter-{id}.pdf"))
    );
    for fact in [
        "%PDF",
        "PyCon US pycon-us-2027",
        "May 14, 2027 to May 22, 2027",
        "Ana Plainpassport",
        "A99887766",
        "Nigerian",
        "May 12, 2027 to May 20, 2027",
        "1000 Fort Duquesne Blvd",
        "1990-04-01",
    ] {
        assert!(pdf.text.contains(fact), "the letter states {fact}");
    }
    // Bo has no PDF; the organizer reads Ana's.
    let r = app.get(&path("/mine/pdf")).as_user(&bo).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .get(&path(&format!("/{id}/pdf")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&path(&format!("/{id}/generate")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .post(&path(&format!("/{id}/send")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mine = app
        .get(&path("/mine"))
        .as_user(&ana)
        .after(r.position())
        .send()
        .await;
    assert_eq!(mine.body["status"], "sent");
    assert!(mine.body["sent_at"].is_string(), "{}", mine.text);
    app.finish().await;
}

/// Erasure: once Ana is erased and the projections are rebuilt, her letter PDF,
/// grant messages and receipt description and file can no longer be read.
async fn erasing_an_applicant_shreds_letters_messages_and_receipts(b: Backend) {
    let (app, admin, ana, id) = approved(b).await;
    let reviewer = app.user("rita").await;
    app.grant(&admin, CONF, &reviewer, "reviewer").await;
    let grants = |rest: &str| format!("/api/v1/conferences/{CONF}/grants{rest}");
    let head = app.settled().await;
    let r = app
        .post(&path(&format!("/{id}/generate")))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&grants(""))
        .as_user(&ana)
        .json(json!({
            "experience_level": "beginner", "travel_from": "Lagos",
            "airfare_description": "Flight", "airfare_amount": "900.00",
            "requested_amount": "900.00", "occupation": "Dev",
            "involvement": "PyLadies", "reason": "Learn"
        }))
        .send()
        .await;
    let grant = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&grants(&format!("/{grant}/review")))
        .as_user(&reviewer)
        .json(json!({ "status": "offered", "approved_amount": "500.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post(&grants("/mine/accept")).as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&grants("/mine/messages"))
        .as_user(&ana)
        .json(json!({ "message": "My flight lands Tuesday" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&grants("/mine/receipts"))
        .as_user(&ana)
        .json(json!({
            "kind": "airfare", "date": "2027-05-12", "amount": "400.00",
            "description": "Seat 14C to Pittsburgh", "file_name": "ticket.pdf",
            "content_base64": "JVBERi0xLjQgYW5hCiUlRU9GCg=="
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let receipt = r.body["receipt"].as_str().unwrap_or_default().to_string();
    let head = app.settled().await;
    let before = app
        .get(&grants(&format!("/{grant}")))
        .as_user(&reviewer)
        .after(Some(head))
        .send()
        .await;
    assert!(
        before.text.contains("My flight lands Tuesday"),
        "{}",
        before.text
    );
    assert!(before.text.contains("Seat 14C"), "{}", before.text);
    let leaks = app
        .count_events(|e| e.payload.contains("lands Tuesday") || e.payload.contains("Seat 14C"))
        .await;
    assert_eq!(leaks, 0, "message or receipt text in plain in the log");

    let r = app
        .post(&format!("/api/v1/users/{}/erase", ana.id))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    tessera_replay::admin::rebuild(&app.app.db, None)
        .await
        .expect("rebuild");
    let head = app.settled().await;
    let after = app
        .get(&grants(&format!("/{grant}")))
        .as_user(&reviewer)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    for gone in ["My flight lands Tuesday", "Seat 14C"] {
        assert!(
            !after.text.contains(gone),
            "{gone} survives: {}",
            after.text
        );
    }
    assert_eq!(after.body["receipts"][0]["description"], "erased");
    let r = app
        .get(&grants(&format!("/{grant}/receipts/{receipt}/file")))
        .as_user(&reviewer)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    let r = app
        .get(&path(&format!("/{id}/pdf")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    app.finish().await;
}

on_both_backends!(
    letter_1_one_request_per_user_and_sealed_passport,
    letter_7_review_actions_follow_the_table,
    letter_8_to_11_generate_send_and_download,
    erasing_an_applicant_shreds_letters_messages_and_receipts,
);
