//! Every route, walked with every role: the answer matches the route's declared
//! access: every endpoint's access is declared and tested.

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, User};
use serde_json::json;
use tessera::http::access::Access;
use tessera_aggregates::conference::Role;

const CONF: &str = "pycon-us-2027";

struct Cast {
    attendee: User,
    organizer: User,
    reviewer: User,
    checkin: User,
    finance: User,
    auditor: User,
    admin: User,
}

fn roles_of(cast: &Cast, who: &str) -> (Option<String>, Vec<Role>, bool) {
    match who {
        "anonymous" => (None, vec![], false),
        "attendee" => (Some(cast.attendee.token.clone()), vec![], false),
        "organizer" => (
            Some(cast.organizer.token.clone()),
            vec![Role::Organizer],
            false,
        ),
        "reviewer" => (
            Some(cast.reviewer.token.clone()),
            vec![Role::Reviewer],
            false,
        ),
        "checkin" => (Some(cast.checkin.token.clone()), vec![Role::Checkin], false),
        "finance" => (Some(cast.finance.token.clone()), vec![Role::Finance], false),
        "auditor" => (Some(cast.auditor.token.clone()), vec![Role::Auditor], false),
        _ => (Some(cast.admin.token.clone()), vec![], true),
    }
}

/// What a caller must get from a route of `access`: Ok = neither 401 nor 403.
fn expected(
    method: &Method,
    access: Access,
    signed_in: bool,
    roles: &[Role],
    admin: bool,
) -> Result<(), StatusCode> {
    match access {
        Access::Public => Ok(()),
        _ if !signed_in => Err(StatusCode::UNAUTHORIZED),
        Access::Authenticated => Ok(()),
        Access::Admin if admin => Ok(()),
        Access::Admin => Err(StatusCode::FORBIDDEN),
        Access::Staff(allowed) if admin || roles.iter().any(|r| allowed.contains(r)) => Ok(()),
        Access::Staff(_) => Err(StatusCode::FORBIDDEN),
        // Conference organizers (or the activity's listed organizers, none here).
        Access::ActivityOrganizer if admin || roles.contains(&Role::Organizer) => Ok(()),
        // Auditors read the roster, and change nothing.
        Access::ActivityOrganizer if *method == Method::GET && roles.contains(&Role::Auditor) => {
            Ok(())
        }
        Access::ActivityOrganizer => Err(StatusCode::FORBIDDEN),
        // SPONSOR-30: this conference has no sponsor, so no one has a portal (staff
        // see the first active sponsor, forbidden when there is none).
        Access::SponsorContact => Err(StatusCode::FORBIDDEN),
        // Organizers; no one in the cast is an approved volunteer.
        Access::Volunteer if admin || roles.contains(&Role::Organizer) => Ok(()),
        Access::Volunteer => Err(StatusCode::FORBIDDEN),
    }
}

fn concrete(path: &str, cast: &Cast) -> String {
    path.replace("{slug}", CONF)
        .replace("{activity}", "django-sprint")
        .replace("{user_id}", &cast.attendee.id)
        .replace("{user}", &cast.attendee.id)
        .replace("{role}", "reviewer")
        .replace("{team}", "design")
        .replace("{sponsor}", "acme")
        .replace("{benefit}", "00000000-0000-0000-0000-000000000007")
        .replace("{deal}", "00000000-0000-0000-0000-000000000008")
        .replace("{donation}", "00000000-0000-0000-0000-000000000009")
        .replace("{purchase}", "00000000-0000-0000-0000-00000000000b")
        // No grant has this id: the guard answers before the handler's 404.
        .replace("{grant}", &cast.attendee.id)
        .replace("{letter}", &cast.attendee.id)
        .replace("{receipt}", &cast.attendee.id)
        .replace("{endpoint}", &cast.attendee.id)
        // No message has this id: admins get the handler's 404.
        .replace("{message}", &cast.attendee.id)
        .replace("{survey}", "feedback")
        .replace("{job}", "00000000-0000-0000-0000-00000000000a")
        .replace("{code}", "NOPE")
        .replace("{room}", "404")
        .replace("{submission_type}", "Keynote")
}

async fn every_route_answers_every_role_as_declared(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/activities"))
        .as_user(&admin)
        .json(json!({ "slug": "django-sprint", "name": "Django Sprint", "max_participants": 5 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cast = Cast {
        attendee: app.user("attendee").await,
        organizer: app.user("organizer").await,
        reviewer: app.user("reviewer").await,
        checkin: app.user("checkin").await,
        finance: app.user("finance").await,
        auditor: app.user("auditor").await,
        admin,
    };
    for (u, role) in [
        (&cast.organizer, "organizer"),
        (&cast.reviewer, "reviewer"),
        (&cast.checkin, "checkin"),
        (&cast.finance, "finance"),
        (&cast.auditor, "auditor"),
    ] {
        app.grant(&cast.admin, CONF, u, role).await;
    }
    // Routes that end sessions are called with throwaway tokens and a bystander,
    // so the cast's tokens stay valid for the routes after them.
    let bystander = app.user("bystander").await;
    let table = tessera::http::access_table();
    assert!(
        table.len() >= 25,
        "the table lists every route ({})",
        table.len()
    );
    for (path, access) in [
        ("/api/v1/auth/logout", Access::Authenticated),
        ("/api/v1/users/{user_id}/revoke-sessions", Access::Admin),
        ("/api/v1/auth/password-reset", Access::Public),
        ("/api/v1/auth/password-reset/confirm", Access::Public),
        ("/api/v1/messages/{message}/retry", Access::Admin),
    ] {
        assert!(
            table.contains(&(Method::POST, path.to_string(), access)),
            "POST {path} is {access:?}"
        );
    }
    // ANA-52: every CSV export is read by the statistics readers (organizers,
    // finance, auditors, admins), in the API and on the dashboards.
    let pages = tessera::http::web::access_table();
    for report in [
        "inventory",
        "sales-by-date",
        "registration-flow",
        "reconciliation",
        "attendees",
        "vouchers",
        "credit-notes",
        "speaker-registrations",
        "visa-letters",
        "activities/{activity}/signups",
    ] {
        let readers = tessera::http::stats::STATS_READERS;
        let api = format!("/api/v1/conferences/{{slug}}/exports/{report}.csv");
        assert!(
            table.contains(&(Method::GET, api.clone(), readers)),
            "GET {api}"
        );
        let page = format!("/dashboard/conferences/{{slug}}/exports/{report}.csv");
        assert!(
            pages.contains(&(Method::GET, page.clone(), readers)),
            "GET {page}"
        );
    }
    // The auditor role reads and never commands: no staff route that admits it
    // changes anything.
    for (method, path, access) in &table {
        if let Access::Staff(allowed) = access {
            assert!(
                *method == Method::GET || !allowed.contains(&Role::Auditor),
                "{method} {path} admits auditors"
            );
        }
    }
    let mut checked = 0;
    for (method, path, access) in &table {
        for who in [
            "anonymous",
            "attendee",
            "reviewer",
            "checkin",
            "finance",
            "auditor",
            "organizer",
            "admin",
        ] {
            let (mut token, roles, is_admin) = roles_of(&cast, who);
            let mut target = concrete(path, &cast);
            // Both end the target's sessions: aim them at a user no one plays.
            if path.ends_with("/revoke-sessions") || path.ends_with("/erase") {
                target = path.replace("{user_id}", &bystander.id);
            }
            if path == "/api/v1/auth/logout" && token.is_some() {
                token = Some(fresh_token(&app, &cast, who).await);
            }
            let mut call = app.call(method.clone(), &target);
            if let Some(t) = &token {
                call = call.token(t);
            }
            if *method != Method::GET && *method != Method::DELETE {
                call = call.json(json!({}));
            }
            let r = call.send().await;
            assert!(
                r.status != StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {path} as {who}: 500 {}",
                r.text
            );
            match expected(method, *access, token.is_some(), &roles, is_admin) {
                Ok(()) => assert!(
                    r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN,
                    "{method} {path} ({access:?}) as {who}: got {} {}",
                    r.status,
                    r.text
                ),
                Err(status) => assert_eq!(
                    r.status, status,
                    "{method} {path} ({access:?}) as {who}: {}",
                    r.text
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, table.len() * 8);
    walk_pages(&app, &cast).await;
    app.finish().await;
}

/// The dashboard pages, walked with every role through the session cookie: a
/// page that needs a session sends anonymous browsers to the sign-in page (303),
/// a page the role may not open answers 403, any other answer is the page's own.
async fn walk_pages(app: &TestApp, cast: &Cast) {
    use tower::ServiceExt;
    let table = tessera::http::web::access_table();
    assert!(table.len() >= 15, "every page is listed ({})", table.len());
    for (method, path, access) in &table {
        for who in [
            "anonymous",
            "attendee",
            "reviewer",
            "checkin",
            "finance",
            "auditor",
            "organizer",
            "admin",
        ] {
            let (token, roles, is_admin) = roles_of(cast, who);
            let target = concrete(path, cast).replace("{reference}", "ORD-NOPE0000");
            let mut req = axum::http::Request::builder()
                .method(method.clone())
                .uri(&target);
            if let Some(t) = &token {
                req = req.header(
                    "cookie",
                    format!("{}={t}", tessera::http::web::SESSION_COOKIE),
                );
            }
            let req = req.body(axum::body::Body::empty()).unwrap_or_default();
            // Only the status and where it sends: the live page's body never ends.
            let (status, to_login) = app
                .router
                .clone()
                .oneshot(req)
                .await
                .map(|r| {
                    let to_login = r
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .is_some_and(|l| l.starts_with("/login"));
                    (r.status(), to_login)
                })
                .unwrap_or((StatusCode::INTERNAL_SERVER_ERROR, false));
            assert!(
                status != StatusCode::INTERNAL_SERVER_ERROR,
                "page {method} {path} as {who}: 500"
            );
            match expected(method, *access, token.is_some(), &roles, is_admin) {
                Ok(()) => assert!(
                    !to_login
                        && ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&status)
                        // A POST without its form's token is refused (CSRF).
                        || (*method == Method::POST && status == StatusCode::FORBIDDEN),
                    "page {method} {path} ({access:?}) as {who}: got {status}"
                ),
                Err(StatusCode::UNAUTHORIZED) => assert!(
                    status == StatusCode::SEE_OTHER && to_login,
                    "page {method} {path} ({access:?}) as {who}: to the sign-in page, got {status}"
                ),
                Err(expected) => assert_eq!(
                    status, expected,
                    "page {method} {path} ({access:?}) as {who}"
                ),
            }
        }
    }
}

/// A second token of the cast member `who`, to be signed out.
async fn fresh_token(app: &TestApp, cast: &Cast, who: &str) -> String {
    let (email, password) = match who {
        "admin" => (cast.admin.email.clone(), "admin password"),
        _ => (format!("{who}@example.org"), "correct horse battery"),
    };
    let r = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": email, "password": password }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "login {who}: {}", r.text);
    r.body["token"].as_str().unwrap_or_default().to_string()
}

/// A bad token is refused, never treated as anonymous, even on public routes.
async fn a_bad_token_is_refused_everywhere(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app
        .get("/api/v1/conferences")
        .token("not-a-token")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "auth.unauthenticated");
    let r = app.get("/api/v1/conferences").send().await;
    assert_eq!(r.status, StatusCode::OK);
    app.finish().await;
}

on_both_backends!(
    every_route_answers_every_role_as_declared,
    a_bad_token_is_refused_everywhere
);
