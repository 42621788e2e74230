//! Surveys end to end (SPEC SURVEY-1, 2, 4, 5, ANA-39), on SQLite and
//! PostgreSQL. Attendees come from paid (comp) orders of a free ticket.

mod common;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use serde_json::json;

const CONF: &str = "pycon-us-2027";

fn url(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{path}")
}

/// An admin and a conference selling a free ticket.
async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "free", "name": "Free", "price": "0.00", "total_quantity": 50 }),
    )
    .await;
    (app, admin)
}

/// A new user holding a free ticket, paid with comp: an attendee.
async fn attendee(app: &TestApp, name: &str) -> User {
    let user = app.user(name).await;
    let r = app.buy(&user, CONF, "free", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&user)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "comp: {}", r.text);
    let r = app
        .get(&url("attendees/me"))
        .as_user(&user)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "attendee: {}", r.text);
    user
}

async fn create(app: &TestApp, admin: &User, slug: &str, kind: &str) -> Response {
    app.post(&url("surveys"))
        .as_user(admin)
        .json(json!({ "slug": slug, "title": format!("Survey {slug}"), "kind": kind }))
        .send()
        .await
}

async fn answer(app: &TestApp, user: &User, survey: &str, score: i64) -> Response {
    app.post(&url(&format!("surveys/{survey}/responses")))
        .as_user(user)
        .json(json!({ "score": score, "comment": "Loved it" }))
        .send()
        .await
}

on_both_backends!(
    survey_1_organizers_create_list_and_close_surveys,
    survey_2_attendees_answer_once_within_the_range_of_the_type,
    survey_2_one_response_per_user_under_concurrency,
    ana_39_nps_of_the_latest_nps_survey_with_response_rate,
);

async fn survey_1_organizers_create_list_and_close_surveys(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = create(&app, &admin, "feedback", "nps").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // SURVEY-1: the type defaults to satisfaction.
    let r = app
        .post(&url("surveys"))
        .as_user(&admin)
        .json(json!({ "title": "How was it" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["slug"], "how-was-it");
    // SURVEY-1: the slug is unique in the conference.
    let r = create(&app, &admin, "feedback", "custom").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "survey.already_exists");

    let r = app
        .put(&url("surveys/feedback/active"))
        .as_user(&admin)
        .json(json!({ "active": false }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = app
        .get(&url("surveys"))
        .as_user(&admin)
        .after(r.position())
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let kinds: Vec<_> = list.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["slug"].as_str().unwrap_or_default(),
                s["kind"].as_str().unwrap_or_default(),
                s["is_active"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("feedback", "nps", false),
            ("how-was-it", "satisfaction", true)
        ]
    );
    // A closed survey is not offered, and takes no response.
    let ana = attendee(&app, "ana").await;
    let open = app.get(&url("surveys/active")).as_user(&ana).send().await;
    let slugs: Vec<_> = open.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["slug"].clone())
        .collect();
    assert_eq!(slugs, vec![json!("how-was-it")]);
    let r = answer(&app, &ana, "feedback", 9).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "survey.inactive");
    // Only organizers create surveys.
    let r = create(&app, &ana, "mine", "nps").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

async fn survey_2_attendees_answer_once_within_the_range_of_the_type(b: Backend) {
    let (app, admin) = setup(b).await;
    for (slug, kind) in [
        ("nps", "nps"),
        ("sat", "satisfaction"),
        ("talks", "session"),
        ("misc", "custom"),
    ] {
        let r = create(&app, &admin, slug, kind).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let ana = attendee(&app, "ana").await;
    // AMB-18/19: the ranges are enforced for every type.
    for (survey, bad) in [
        ("nps", 11),
        ("nps", -1),
        ("sat", 0),
        ("sat", 6),
        ("talks", 6),
        ("misc", 11),
    ] {
        let r = answer(&app, &ana, survey, bad).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{survey} {bad}: {}",
            r.text
        );
        assert_eq!(r.code(), "survey.score_out_of_range");
    }
    for (survey, good) in [("nps", 0), ("sat", 5), ("talks", 1), ("misc", 10)] {
        let r = answer(&app, &ana, survey, good).await;
        assert_eq!(r.status, StatusCode::CREATED, "{survey} {good}: {}", r.text);
    }
    // SURVEY-2: once per (survey, user).
    let r = answer(&app, &ana, "nps", 10).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "survey.already_responded");
    // Someone without an attendee record in the conference may not answer.
    let bo = app.user("bo").await;
    let r = answer(&app, &bo, "nps", 10).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.code(), "survey.not_attendee");
    let r = answer(&app, &ana, "nope", 1).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let head = app.settled().await;
    let list = app
        .get(&url("surveys"))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    let counts: Vec<_> = list.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["responses"].clone())
        .collect();
    assert_eq!(counts, vec![json!(1), json!(1), json!(1), json!(1)]);
    app.finish().await;
}

async fn survey_2_one_response_per_user_under_concurrency(b: Backend) {
    let (app, admin) = setup(b).await;
    create(&app, &admin, "nps", "nps").await;
    let ana = attendee(&app, "ana").await;
    let bo = attendee(&app, "bo").await;
    // 16 concurrent answers: 8 of ana's, 8 of bo's.
    let calls = (0..16).map(|i| {
        let who = if i % 2 == 0 { &ana } else { &bo };
        answer(&app, who, "nps", i % 11)
    });
    let results = futures::future::join_all(calls).await;
    let created = results
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 2, "exactly one response per user");
    for r in results.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    }
    let stored = app
        .count_events(|e| e.event_type == "SurveyResponseSubmitted")
        .await;
    assert_eq!(stored, 2);
    let head = app.settled().await;
    let list = app
        .get(&url("surveys"))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(list.body["items"][0]["responses"], 2, "{}", list.text);
    app.finish().await;
}

async fn ana_39_nps_of_the_latest_nps_survey_with_response_rate(b: Backend) {
    let (app, admin) = setup(b).await;
    create(&app, &admin, "first", "nps").await;
    create(&app, &admin, "latest", "nps").await;
    create(&app, &admin, "sat", "satisfaction").await;
    let mut people = vec![];
    for name in ["ana", "bo", "cy", "di", "ed", "flo", "gus", "hal"] {
        people.push(attendee(&app, name).await);
    }
    // 8 attendees, 8 answers: 3 promoters, 3 passives, 2 detractors:
    // 37.5 − 25 = 12.5 → 12 (half to even).
    for (user, score) in people.iter().zip([10, 9, 9, 8, 7, 7, 6, 0]) {
        let r = answer(&app, user, "latest", score).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    // Answers to other surveys do not count (SURVEY-5).
    answer(&app, &people[0], "first", 0).await;
    answer(&app, &people[0], "sat", 5).await;
    let head = app.settled().await;
    let r = app
        .get(&url("surveys/nps"))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["survey"], "latest");
    assert_eq!(
        (
            r.body["promoters"].clone(),
            r.body["passives"].clone(),
            r.body["detractors"].clone()
        ),
        (json!(3), json!(3), json!(2))
    );
    assert_eq!(r.body["nps"], 12);
    assert_eq!(r.body["promoter_pct"], "37.5");
    assert_eq!(r.body["response_rate"], "100.0");
    // SURVEY-5: a slug picks that survey; a non-nps survey is never scored.
    let r = app
        .get(&url("surveys/nps?survey=first"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(
        (r.body["nps"].clone(), r.body["response_rate"].clone()),
        (json!(-100), json!("12.5"))
    );
    let r = app
        .get(&url("surveys/nps?survey=sat"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(
        (r.body["responses"].clone(), r.body["nps"].clone()),
        (json!(0), json!(0))
    );
    // The same figures as a section of the conference's statistics.
    let r = app
        .get(&url("stats"))
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = &r.body["stats"]["sections"]["surveys"];
    assert_eq!(s["nps"]["nps"], 12, "{s}");
    assert_eq!(s["nps"]["survey"], "latest");
    assert_eq!(s["nps"]["response_rate"], "100.0");
    app.finish().await;
}
