//! The dashboards through the real router on both backends: browser sign-in
//! (session cookie, anti-forgery tokens, sign-out), and the pages' figures
//! against the JSON API they share their read functions with.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Backend, TestApp};
use http_body_util::BodyExt;
use tessera::bootstrap::demo_series as demo;
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

async fn page(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    form: Option<String>,
) -> Page {
    let mut req = Request::builder().method(method).uri(path);
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    let body = match form {
        Some(f) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f)
        }
        None => Body::empty(),
    };
    let r = app
        .router
        .clone()
        .oneshot(req.body(body).expect("request"))
        .await
        .expect("router never fails");
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    Page {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn set_cookie(p: &Page, name: &str) -> Option<String> {
    p.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_value(set: &str) -> String {
    set.split(';').next().unwrap_or_default().to_string()
}

fn hidden(text: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    text.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// The text of the element carrying `data-metric="id"`.
fn metric(text: &str, id: &str) -> String {
    let marker = format!("data-metric=\"{id}\">");
    text.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_string()
}

fn enc(s: &str) -> String {
    s.replace('@', "%40")
        .replace('/', "%2F")
        .replace('=', "%3D")
        .replace('+', "%2B")
}

/// Signs in through the form; the session cookie (`name=value`).
async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let login = page(app, Method::GET, "/login", "", None).await;
    assert_eq!(login.status, StatusCode::OK);
    let pre = cookie_value(&set_cookie(&login, "tessera_pre").expect("pre-session cookie"));
    let csrf = hidden(&login.text, "csrf");
    let r = page(
        app,
        Method::POST,
        "/login",
        &pre,
        Some(format!(
            "email={}&password={}&csrf={}&next=%2Fdashboard",
            enc(email),
            enc(password),
            enc(&csrf)
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    cookie_value(&set_cookie(&r, "tessera_session").expect("session cookie"))
}

/// Sign-in sets an HttpOnly, SameSite=Strict session cookie (Secure behind TLS);
/// the login form and sign-out refuse a missing or foreign anti-forgery token; a
/// signed-out session opens nothing.
async fn sign_in_csrf_and_sign_out(b: Backend) {
    let app = TestApp::start(b).await;
    demo::load(&app.app.bus).await.expect("demo loads");
    // The dashboard sends anonymous browsers to the sign-in page.
    let r = page(&app, Method::GET, "/dashboard/series/pyladiescon", "", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers[header::LOCATION],
        "/login?next=/dashboard/series/pyladiescon"
    );

    let login = page(&app, Method::GET, "/login", "", None).await;
    let pre = cookie_value(&set_cookie(&login, "tessera_pre").unwrap_or_default());
    let csrf = hidden(&login.text, "csrf");
    let form = |csrf: &str, password: &str| {
        Some(format!(
            "email=organizer%40example.com&password={password}&csrf={}",
            enc(csrf)
        ))
    };
    // No token, or one bound to another pre-session: refused.
    let r = page(
        &app,
        Method::POST,
        "/login",
        &pre,
        form("", demo::ORGANIZER_PASSWORD),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = page(
        &app,
        Method::POST,
        "/login",
        "tessera_pre=other",
        form(&csrf, demo::ORGANIZER_PASSWORD),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A wrong password: the form again, with the error.
    let r = page(
        &app,
        Method::POST,
        "/login",
        &pre,
        form(&csrf, "wrong-password"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("Invalid email or password."));
    assert!(set_cookie(&r, "tessera_session").is_none());
    // The right one: a session cookie with its attributes, and on to `next`.
    let r = page(
        &app,
        Method::POST,
        "/login",
        &pre,
        form(&csrf, demo::ORGANIZER_PASSWORD),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/dashboard");
    let set = set_cookie(&r, "tessera_session").unwrap_or_default();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(
        !set.contains("Secure"),
        "plain HTTP: no Secure flag ({set})"
    );
    let session = cookie_value(&set);
    let home = page(&app, Method::GET, "/dashboard", &session, None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("PyLadiesCon"));
    // Behind TLS the cookie is Secure.
    let mut req = Request::builder()
        .method(Method::GET)
        .uri("/login")
        .header("x-forwarded-proto", "https");
    req = req.header(header::COOKIE, "tessera_pre=x");
    let r = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    let secure = r
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(secure.contains("; Secure"), "{secure}");

    // Sign-out needs the session's own token: another session's is refused.
    let other = sign_in(&app, demo::ORGANIZER_EMAIL, demo::ORGANIZER_PASSWORD).await;
    let other_csrf = hidden(
        &page(&app, Method::GET, "/dashboard", &other, None)
            .await
            .text,
        "csrf",
    );
    let r = page(
        &app,
        Method::POST,
        "/logout",
        &session,
        Some(format!("csrf={}", enc(&other_csrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let own = hidden(&home.text, "csrf");
    let r = page(
        &app,
        Method::POST,
        "/logout",
        &session,
        Some(format!("csrf={}", enc(&own))),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The signed-out session opens nothing; the other one still works.
    let r = page(&app, Method::GET, "/dashboard", &session, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = page(&app, Method::GET, "/dashboard", &other, None).await;
    assert_eq!(r.status, StatusCode::OK);
    // A user without a role in the series is refused its pages.
    let stranger = app.user("stranger").await;
    let cookie = sign_in(&app, &stranger.email, "correct horse battery").await;
    let r = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon",
        &cookie,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = page(
        &app,
        Method::GET,
        "/dashboard/conferences/pyladiescon-2025/orders",
        &cookie,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

/// MY-15…18, ANA-41/42: the overview, the year switcher and the comparison show
/// the JSON API's figures; orders are found by reference and by name; an order's
/// page shows its lines and its timeline.
async fn pages_show_the_json_figures(b: Backend) {
    let app = TestApp::start(b).await;
    demo::load(&app.app.bus).await.expect("demo loads");
    let head = app.settled().await;
    let cookie = sign_in(&app, demo::ORGANIZER_EMAIL, demo::ORGANIZER_PASSWORD).await;
    let admin = app.admin().await;
    let json = |path: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .get(&path)
                .as_user(&admin)
                .after(Some(head))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
            r.body
        }
    };
    let stats = json("/api/v1/series/pyladiescon/stats".into()).await;
    let s = &stats["stats"]["sections"];
    // `serve --demo` on a database that has the demo already changes nothing.
    let events = app.count_events(|_| true).await;
    demo::load(&app.app.bus).await.expect("demo loads again");
    assert_eq!(
        app.count_events(|_| true).await,
        events,
        "a second load appends nothing"
    );
    let overview = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon",
        &cookie,
        None,
    )
    .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert_eq!(
        metric(&overview.text, "attendees"),
        s["registrations"]["attendees"].to_string()
    );
    assert_eq!(
        metric(&overview.text, "net_revenue"),
        s["money"]["net"].as_str().unwrap_or_default()
    );
    assert_eq!(
        metric(&overview.text, "conversion_rate"),
        s["kpis"]["conversion_rate"]["value"]
            .as_str()
            .unwrap_or_default()
    );
    assert!(overview.text.contains("<svg"), "charts drawn on the server");
    assert_ne!(
        metric(&overview.text, "attendees"),
        "0",
        "the demo sold tickets"
    );

    // MY-18: a year before the portal, with its banner.
    let old = json("/api/v1/series/pyladiescon/stats?year=2023".into()).await;
    let p = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon?year=2023",
        &cookie,
        None,
    )
    .await;
    assert!(
        p.text
            .contains("Limited data — this conference predates the portal.")
    );
    assert_eq!(
        metric(&p.text, "registrations"),
        old["historical"]["registrations"].to_string()
    );
    let p = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon?year=1999",
        &cookie,
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // MY-17, ANA-42: each year's metric and growth.
    let cmp = json("/api/v1/series/pyladiescon/stats/comparison".into()).await;
    let p = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon/compare",
        &cookie,
        None,
    )
    .await;
    for (i, y) in cmp["years"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let cell = metric(&p.text, &format!("registrations-{i}"));
        let want = match &y["metrics"]["registrations"] {
            serde_json::Value::Null => "—".to_string(),
            v => v.to_string(),
        };
        assert_eq!(cell.trim(), want, "year {}", y["year"]);
    }
    assert!(p.text.contains(
        &format!("({} %)", cmp["years"][1]["growth"]["registrations"].as_str().unwrap_or("?"))
    ));

    // Orders: the list's first page, by reference, by name.
    let orders = json("/api/v1/conferences/pyladiescon-2025/orders".into()).await;
    let first = orders["items"][0].clone();
    let reference = first["reference"].as_str().unwrap_or_default().to_string();
    let p = page(
        &app,
        Method::GET,
        "/dashboard/conferences/pyladiescon-2025/orders",
        &cookie,
        None,
    )
    .await;
    assert!(p.text.contains(&format!("{} orders", orders["total"])));
    let p = page(
        &app,
        Method::GET,
        &format!("/dashboard/conferences/pyladiescon-2025/orders?q={reference}"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(p.text.matches("/orders/ORD-").count(), 1, "{}", p.text);
    let p = page(
        &app,
        Method::GET,
        "/dashboard/conferences/pyladiescon-2025/orders?q=attendee_alice",
        &cookie,
        None,
    )
    .await;
    assert!(p.text.contains("attendee_alice"));
    assert!(!p.text.contains("attendee_bob"));
    // Found through the blind index of names, counted like every list.
    let by_name =
        json("/api/v1/conferences/pyladiescon-2025/orders?name=attendee_alice".into()).await;
    assert!(by_name["total"].as_i64().unwrap_or(0) > 0, "{by_name}");
    assert!(
        p.text.contains(&format!("{} orders", by_name["total"])),
        "{}",
        p.text
    );

    let o = json(format!(
        "/api/v1/conferences/pyladiescon-2025/orders/{reference}"
    ))
    .await;
    let p = page(
        &app,
        Method::GET,
        &format!("/dashboard/conferences/pyladiescon-2025/orders/{reference}"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(
        metric(&p.text, "total"),
        o["total"].as_str().unwrap_or_default()
    );
    assert_eq!(
        metric(&p.text, "paid"),
        o["paid"].as_str().unwrap_or_default()
    );
    assert!(p.text.contains("OrderPlaced"), "the timeline from the log");

    for path in [
        "attendees",
        "activities",
        "vouchers",
        "exports",
        "exports/sales-by-date.csv",
        "exports/attendees.csv",
        "exports/vouchers.csv",
        "exports/credit-notes.csv",
        "exports/speaker-registrations.csv",
        "exports/visa-letters.csv",
    ] {
        let p = page(
            &app,
            Method::GET,
            &format!("/dashboard/conferences/pyladiescon-2025/{path}"),
            &cookie,
            None,
        )
        .await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.text);
    }
    // The exports page links every conference export.
    let p = page(
        &app,
        Method::GET,
        "/dashboard/conferences/pyladiescon-2025/exports",
        &cookie,
        None,
    )
    .await;
    for report in [
        "inventory",
        "attendees",
        "vouchers",
        "credit-notes",
        "speaker-registrations",
        "visa-letters",
    ] {
        assert!(
            p.text.contains(&format!(
                "/dashboard/conferences/pyladiescon-2025/exports/{report}.csv"
            )),
            "{report}: {}",
            p.text
        );
    }
    // MY-19: a frozen year says so, with the day it was frozen.
    let r = app
        .post("/api/v1/conferences/pyladiescon-2025/stats/freeze")
        .as_user(&admin)
        .json(serde_json::json!({ "reason": "final" }))
        .send()
        .await;
    assert!(r.status.is_success(), "freeze: {}", r.text);
    let head = app.settled().await;
    assert!(
        app.app
            .runner
            .wait_for(head, std::time::Duration::from_secs(10))
            .await
    );
    let frozen = json("/api/v1/series/pyladiescon/stats".into()).await;
    let day = frozen["frozen_at"]
        .as_str()
        .unwrap_or_default()
        .get(..10)
        .unwrap_or_default()
        .to_string();
    let p = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon",
        &cookie,
        None,
    )
    .await;
    assert!(
        p.text
            .contains(&format!("Final numbers (frozen on {day}).")),
        "{}",
        p.text
    );
    // Projections' status: admins only.
    let p = page(&app, Method::GET, "/dashboard/ops", &cookie, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

/// A money or share figure as a number (the page shows 2 places, the JSON the
/// decimal as it is).
fn amount(v: &str) -> f64 {
    v.trim().parse().unwrap_or(f64::NAN)
}

fn figure_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// MY-3, MY-5/7, MY-29 (sponsorships), ANA-15/33 and GRANT-12 (travel grants),
/// MY-5/MY-12 (volunteers), BOOT-24: after the demo and after data sent through the
/// API, each domain page shows the JSON API's figures for the same conference.
async fn domain_pages_show_the_json_figures(b: Backend) {
    use serde_json::json;
    const C: &str = "/api/v1/conferences/pyladiescon-2025";
    const P: &str = "/dashboard/conferences/pyladiescon-2025";
    let app = TestApp::start(b).await;
    demo::load(&app.app.bus).await.expect("demo loads");
    let cookie = sign_in(&app, demo::ORGANIZER_EMAIL, demo::ORGANIZER_PASSWORD).await;
    let admin = app.admin().await;

    // Data through the API: a donation, a deal, a travel grant applied for and offered.
    let r = app
        .post(&format!("{C}/donations"))
        .as_user(&admin)
        .json(json!({ "donor_name": "Dashboard Donor", "amount": "75.00",
            "transaction_date": "2025-11-30" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&format!("{C}/sponsorships/deals"))
        .as_user(&admin)
        .json(json!({ "organisation": "Dashboard Corp", "tier": "gold" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let applicant = app.user("grant_applicant").await;
    let r = app
        .post(&format!("{C}/grants"))
        .as_user(&applicant)
        .json(json!({
            "experience_level": "intermediate",
            "travel_from": "Lagos, Nigeria", "airfare_description": "Return flight",
            "airfare_amount": "900.00", "requested_amount": "900.00",
            "occupation": "Developer", "involvement": "PyLadies Lagos", "reason": "First PyLadiesCon"
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let grant = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!("{C}/grants/{grant}/review"))
        .as_user(&admin)
        .json(json!({ "status": "offered", "approved_amount": "500.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let head = app.settled().await;
    let json = |path: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .get(&path)
                .as_user(&admin)
                .after(Some(head))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
            r.body
        }
    };
    let open = |path: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            let p = page(app, Method::GET, &format!("{P}/{path}"), &cookie, None).await;
            assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.text);
            assert!(
                p.text.contains(&format!("{P}/{path}")),
                "{path} is in the navigation"
            );
            p.text
        }
    };
    let stats = json(format!("{C}/stats")).await;
    let sections = &stats["stats"]["sections"];

    // Sponsorships: the summary's figures, deals by status, sponsors by level.
    let s = json(format!("{C}/sponsorships/summary")).await;
    let p = open("sponsorships").await;
    let (sp, dn) = (&s["sponsorship"], &s["donations"]);
    for (id, want) in [
        ("total_deals", &sp["total_deals"]),
        ("committed_count", &sp["committed_count"]),
        ("committed_amount", &sp["committed_amount"]),
        ("pending_amount", &sp["pending_amount"]),
        ("awaiting_invoice_amount", &sp["awaiting_invoice_amount"]),
        ("paid_amount", &sp["paid_amount"]),
        ("sponsorship_progress", &sp["progress"]),
        ("donations", &dn["donations"]),
        ("donors", &dn["donors"]),
        ("donation_total", &dn["total"]),
        ("donation_progress", &dn["progress"]),
    ] {
        assert_eq!(metric(&p, id), figure_of(want), "{id}");
    }
    let f = &sections["fundraising"];
    assert_eq!(
        metric(&p, "paid_amount"),
        figure_of(&f["sponsorship"]["paid"]["amount"])
    );
    assert_eq!(
        metric(&p, "donation_total"),
        figure_of(&f["donations"]["total"])
    );
    assert_ne!(
        metric(&p, "paid_amount"),
        "0.00",
        "the demo has a paid deal"
    );
    assert_ne!(metric(&p, "sponsorship_progress"), "0.00", "a goal is set");
    let deals = json(format!("{C}/sponsorships/deals?limit=500")).await;
    let deals = deals["items"].as_array().cloned().unwrap_or_default();
    for status in [
        "not_contacted",
        "awaiting_response",
        "accepted",
        "agreement_signed",
        "invoiced",
        "paid",
        "rejected",
    ] {
        let n = deals.iter().filter(|d| d["status"] == status).count();
        assert_eq!(
            metric(&p, &format!("deals-{status}")),
            n.to_string(),
            "{status}"
        );
    }
    let sponsors = json(format!("{C}/sponsors")).await;
    let sponsors = sponsors["items"].as_array().cloned().unwrap_or_default();
    assert!(!sponsors.is_empty(), "the demo has sponsors");
    for level in ["gold", "community"] {
        let n = sponsors
            .iter()
            .filter(|s| s["level"]["slug"] == level)
            .count();
        assert_eq!(
            metric(&p, &format!("level-{level}")),
            n.to_string(),
            "{level}"
        );
    }

    // Travel grants: the budget, applications by status, the applicants' names.
    let g = json(format!("{C}/grants/summary")).await;
    let p = open("grants").await;
    for (id, want) in [
        ("budget", &g["budget"]),
        ("committed", &g["committed"]),
        ("remaining", &g["remaining"]),
        ("disbursed", &g["total_disbursed"]),
        ("requested", &g["total_requested"]),
    ] {
        assert_eq!(amount(&metric(&p, id)), amount(&figure_of(want)), "{id}");
    }
    assert_eq!(metric(&p, "applications"), g["total"].to_string());
    assert_eq!(
        metric(&p, "applications"),
        "6",
        "BOOT-24's five and one through the API"
    );
    assert_eq!(
        amount(&metric(&p, "committed_percent")),
        amount(&figure_of(&g["committed_percent"]))
    );
    let list = json(format!("{C}/grants")).await;
    let list = list["items"].as_array().cloned().unwrap_or_default();
    for status in [
        "submitted",
        "accepted",
        "offered",
        "rejected",
        "withdrawn",
        "disbursed",
    ] {
        let n = list.iter().filter(|x| x["status"] == status).count();
        assert_eq!(
            metric(&p, &format!("status-{status}")),
            n.to_string(),
            "{status}"
        );
    }
    assert_eq!(metric(&p, "status-offered"), "2");
    // Names are opened from the user directory (sealed personal data).
    assert!(p.contains("<td>grant_applicant</td>"), "{p}");
    assert!(p.contains("<td>attendee_alice</td>"), "{p}");

    // Volunteers: counts by status and team, the returning share, the teams.
    let v = json(format!("{C}/volunteers/summary")).await;
    let p = open("volunteers").await;
    assert_eq!(metric(&p, "applications"), v["applications"].to_string());
    assert_ne!(metric(&p, "applications"), "0", "the demo has volunteers");
    assert_eq!(
        metric(&p, "applications"),
        sections["volunteers"]["applications"].to_string()
    );
    assert_eq!(metric(&p, "returning"), v["returning"].to_string());
    assert_eq!(
        amount(&metric(&p, "returning_share")),
        amount(&figure_of(&v["returning_share"]))
    );
    for (status, n) in v["by_status"].as_object().cloned().unwrap_or_default() {
        assert_eq!(
            metric(&p, &format!("status-{status}")),
            n.to_string(),
            "{status}"
        );
    }
    let by_team = v["by_team"].as_object().cloned().unwrap_or_default();
    assert!(
        !by_team.is_empty(),
        "the demo approved volunteers into teams"
    );
    for (team, n) in by_team {
        assert_eq!(metric(&p, &format!("team-{team}")), n.to_string(), "{team}");
    }
    let teams = json(format!("{C}/teams")).await;
    for t in teams["items"].as_array().cloned().unwrap_or_default() {
        let slug = t["slug"].as_str().unwrap_or_default();
        let members = t["members"].as_array().map_or(0, Vec::len);
        assert_eq!(
            metric(&p, &format!("members-{slug}")),
            members.to_string(),
            "{slug}"
        );
    }
    assert!(p.contains("<td>attendee_alice</td>"), "{p}");
    app.finish().await;
}

/// `serve --demo`: after the series file and its running sale, the history
/// generator adds past years with real sales (small here), the demo organizer
/// reads them, and the comparison lists them with figures of their own before the
/// recorded years and the live one. A second run generates nothing.
async fn demo_has_generated_past_years(b: Backend) {
    let clock = tessera::demo::ManualClock::new(chrono::Utc::now());
    clock.release();
    let app = TestApp::start_with_clock(b, std::sync::Arc::new(clock.clone())).await;
    demo::load(&app.app.bus).await.expect("demo loads");
    let slugs = demo::generate_past_years(&app.app, &clock, 0.01)
        .await
        .expect("past years generated");
    assert_eq!(
        slugs,
        vec!["pyladiescon-2020", "pyladiescon-2021", "pyladiescon-2022"]
    );
    let head = app.settled().await;
    let admin = app.admin().await;
    let r = app
        .get("/api/v1/series/pyladiescon/stats/comparison")
        .as_user(&admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let years = r.body["years"].as_array().cloned().unwrap_or_default();
    let sources: Vec<(i64, String)> = years
        .iter()
        .map(|y| {
            (
                y["year"].as_i64().unwrap_or_default(),
                y["source"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for y in 2020..=2022 {
        assert!(
            sources.contains(&(y, "live".to_string())),
            "{y} generated: {sources:?}"
        );
    }
    assert!(
        sources.contains(&(2023, "historical".to_string())),
        "{sources:?}"
    );
    for y in years.iter().filter(|y| y["year"].as_i64() < Some(2023)) {
        assert_ne!(y["metrics"]["registrations"], serde_json::json!(0), "{y}");
    }
    // The demo organizer signs in and holds its roles in the generated years.
    let cookie = sign_in(&app, demo::ORGANIZER_EMAIL, demo::ORGANIZER_PASSWORD).await;
    let p = page(
        &app,
        Method::GET,
        "/dashboard/series/pyladiescon?year=2021",
        &cookie,
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let events = app.count_events(|_| true).await;
    demo::generate_past_years(&app.app, &clock, 0.01)
        .await
        .expect("again");
    let _ = app.settled().await;
    assert!(
        app.count_events(|_| true).await - events < 20,
        "a second run generates no sales (only role grants, which are no-ops)"
    );
    app.finish().await;
}

on_both_backends!(
    sign_in_csrf_and_sign_out,
    pages_show_the_json_figures,
    domain_pages_show_the_json_figures,
    demo_has_generated_past_years
);
