//! Name search through the blind index of names: attendees and orders by an
//! exact (normalized) name or name word, walked with registrations between the
//! pages; an erased person is no longer found and their index rows are gone.

use axum::http::StatusCode;
use serde_json::json;
use tessera_replay::Db;

use super::walk::*;
use crate::common::{Backend, TestApp, User};
use crate::on_both_backends;

/// Signs `local@example.org` up as `name`, who then holds a free `ticket`.
async fn attendee(app: &TestApp, local: &str, name: &str, ticket: &str) -> User {
    let email = format!("{local}@example.org");
    let r = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": email, "password": "correct horse battery", "name": name }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let user = User {
        id: r.body["id"].as_str().unwrap_or_default().to_string(),
        email,
        token: r.body["token"].as_str().unwrap_or_default().to_string(),
    };
    app.clock.advance(chrono::Duration::seconds(1));
    let reference = order(app, &user, ticket).await;
    comp(app, &user, &reference).await;
    user
}

/// How many index rows the person has.
async fn tokens_of(app: &TestApp, person: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM person_name_tokens WHERE person_id = $1";
    match &app.app.db {
        Db::Postgres(p) => sqlx::query_scalar(sql).bind(person).fetch_one(p).await,
        Db::Sqlite(p) => sqlx::query_scalar(sql).bind(person).fetch_one(p).await,
    }
    .unwrap_or(-1)
}

async fn name_search(b: Backend) {
    let (app, admin) = setup(b).await;
    let lovelace = attendee(&app, "ada.l", "Ada Lovelace", "speaker").await;
    let byron = attendee(&app, "ada.b", "Ada  Byron", "volunteer").await;
    let hopper = attendee(&app, "grace", "Grace Hopper", "speaker").await;
    let people = url("attendees");
    let found = |query: &str| {
        let (app, admin, people) = (&app, &admin, &people);
        let path = format!("{people}?{query}");
        async move { truth(app, admin, &path, "user").await }
    };
    assert_eq!(found("name=lovelace").await, [lovelace.id.as_str()]);
    assert_eq!(
        found("name=%20ADA%20%20lovelace%20").await,
        [lovelace.id.as_str()],
        "the whole name, normalized"
    );
    assert_eq!(
        found("name=ada").await,
        [lovelace.id.as_str(), byron.id.as_str()],
        "a word, in registration order"
    );
    assert!(found("name=love").await.is_empty(), "no prefix match");
    assert!(found("name=").await.is_empty(), "a blank name finds nobody");
    assert_eq!(
        found("name=ada&ticket_type=speaker").await,
        [lovelace.id.as_str()]
    );
    assert_eq!(
        found("name=hopper&checked_in=false").await,
        [hopper.id.as_str()]
    );
    // The items are the people found, opened.
    let p = page(&app, &admin, &format!("{people}?name=byron"), 50, None).await;
    assert_eq!(p["items"][0]["name"], "Ada  Byron", "{p}");

    // Orders by the buyer's name (account or billing), with other filters.
    let orders = url("orders");
    let refs = |query: &str| {
        let (app, admin, orders) = (&app, &admin, &orders);
        let path = format!("{orders}?{query}");
        async move { truth(app, admin, &path, "reference").await }
    };
    assert_eq!(refs("name=ada").await.len(), 2);
    assert_eq!(refs("name=ada&ticket_type=volunteer").await.len(), 1);
    assert!(refs("name=hopper&ticket_type=volunteer").await.is_empty());

    // Walked one at a time while more Adas register.
    let path = format!("{people}?name=ada");
    let before = truth(&app, &admin, &path, "user").await;
    let a = &app;
    let seen = walk(&app, &admin, &path, "user", 1, |n| async move {
        // Two newcomers (each sorts after the cursor, so the walk would never
        // end if one came after every page).
        if n < 2 {
            attendee(a, &format!("ada.k{n}"), "Ada King", "speaker").await;
        }
    })
    .await;
    assert_complete(&seen, &before);
    assert!(
        seen.len() > before.len(),
        "the new Adas come last: {seen:?}"
    );

    // Erased: no longer found, and the index rows are gone.
    assert!(tokens_of(&app, &lovelace.id).await > 0);
    let r = app
        .post(&format!("/api/v1/users/{}/erase", lovelace.id))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(tokens_of(&app, &lovelace.id).await, 0);
    assert!(found("name=lovelace").await.is_empty());
    assert!(!found("name=ada").await.contains(&lovelace.id));
    assert!(refs("name=lovelace").await.is_empty());
    assert_eq!(found("name=byron").await, [byron.id.as_str()]);
    app.finish().await;
}

on_both_backends!(name_search);
