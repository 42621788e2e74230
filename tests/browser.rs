//! The dashboards in a real browser: headless Chromium over WebDriver
//! (chromedriver), against the real router served on 127.0.0.1. Signs in, opens
//! every page (a screenshot of each under `target/screenshots/`), checks the
//! figures on the pages against the JSON API, follows the year switcher, watches
//! a sale and a check-in appear live, runs axe-core (vendored: no serious or
//! critical violation) and walks the main controls with the keyboard alone.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test is
//! skipped with a line on stderr, unless `TESSERA_REQUIRE_BROWSER` is set (CI).

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tessera::bootstrap::demo_series as demo;

const AXE: &str = include_str!("browser/axe.min.js");
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// chromedriver and chromium, or None (skipped) unless the browser is required.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let found =
        on_path("chromedriver").zip(on_path("chromium").or_else(|| on_path("chromium-browser")));
    if found.is_none() {
        assert!(
            std::env::var_os("TESSERA_REQUIRE_BROWSER").is_none(),
            "TESSERA_REQUIRE_BROWSER is set but chromium/chromedriver are missing"
        );
        eprintln!("browser tests skipped: install chromium and chromium-driver");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Driver {
    _process: tokio::process::Child,
    client: Client,
}

async fn start_driver(driver: &PathBuf, chromium: &PathBuf) -> Driver {
    let port = free_port();
    let process = tokio::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver never listened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400"]
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    Driver {
        _process: process,
        client,
    }
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

async fn shoot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot saved");
}

/// axe-core on the page: no serious or critical violation.
async fn accessible(c: &Client, name: &str) {
    c.execute(AXE, vec![]).await.expect("axe loads");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))));",
            vec![],
        )
        .await
        .expect("axe runs");
    let bad: Vec<&Value> = found
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
                .collect()
        })
        .unwrap_or_default();
    assert!(bad.is_empty(), "{name}: accessibility violations {bad:?}");
}

/// Opens `path`, waits for its heading, saves a screenshot, checks accessibility.
async fn open(c: &Client, base: &str, path: &str, name: &str) {
    c.goto(&format!("{base}{path}")).await.expect("navigates");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("h1"))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    shoot(c, name).await;
    accessible(c, name).await;
}

/// Waits until the element's text is `want` (live updates), returning how long.
async fn until_text(c: &Client, css: &str, want: &str) -> Duration {
    let start = Instant::now();
    loop {
        let now = text(c, css).await;
        if now == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{css} never showed {want} (shows {now})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn json(app: &TestApp, admin: &User, path: &str) -> Value {
    let head = app.settled().await;
    let r = app.get(path).as_user(admin).after(Some(head)).send().await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.body
}

/// A paid order of one Individual ticket for a new buyer (a sale).
async fn sell(app: &TestApp, admin: &User, who: &str) -> String {
    let buyer = app.user(who).await;
    sell_to(app, admin, &buyer).await
}

/// A paid order of one Individual ticket for `buyer`.
async fn sell_to(app: &TestApp, admin: &User, buyer: &User) -> String {
    let r = app.buy(buyer, "pyladiescon-2025", "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    // The balance: the demo's discount conditions may apply.
    let order = app
        .get(&format!(
            "/api/v1/conferences/pyladiescon-2025/orders/{reference}"
        ))
        .as_user(admin)
        .fresh()
        .await
        .send()
        .await;
    let balance = order.body["balance"]
        .as_str()
        .unwrap_or("25.00")
        .to_string();
    let r = app
        .post(&format!(
            "/api/v1/conferences/pyladiescon-2025/orders/{reference}/payments"
        ))
        .as_user(admin)
        .json(json!({ "method": "manual", "amount": balance }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
    reference
}

async fn dashboards_in_chromium(b: Backend) {
    let Some((driver, chromium)) = browser() else {
        return;
    };
    let app = TestApp::start(b).await;
    demo::load(&app.app.bus).await.expect("demo loads");
    let admin = app.admin().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    let Driver {
        _process,
        client: c,
    } = start_driver(&driver, &chromium).await;

    // Sign in: a page sends the browser to the form, then back.
    open(&c, &base, "/dashboard/series/pyladiescon", "login").await;
    c.find(Locator::Id("email"))
        .await
        .expect("email")
        .send_keys(demo::ORGANIZER_EMAIL)
        .await
        .expect("typed");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(demo::ORGANIZER_PASSWORD)
        .await
        .expect("typed");
    let started = Instant::now();
    c.find(Locator::Id("sign-in"))
        .await
        .expect("button")
        .click()
        .await
        .expect("signed in");
    c.wait()
        .for_element(Locator::Css("[data-metric=attendees]"))
        .await
        .expect("overview");
    let drawn = c
        .execute(
            "const n = performance.getEntriesByType('navigation')[0];
             return [n.responseStart - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.transferSize,
                     document.querySelectorAll('svg.chart').length];",
            vec![],
        )
        .await
        .expect("timings");
    eprintln!(
        "overview ({b:?}): first byte, DOM ready (ms), transfer (bytes), charts: {drawn} (sign-in to charts {:?})",
        started.elapsed()
    );
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/dashboard/series/pyladiescon")
    );
    assert_eq!(drawn[3], json!(3), "three charts drawn");

    // Figures against the JSON API.
    let stats = json(&app, &admin, "/api/v1/series/pyladiescon/stats").await;
    let s = &stats["stats"]["sections"];
    assert_eq!(
        text(&c, "[data-metric=attendees]").await,
        s["registrations"]["attendees"].to_string()
    );
    assert_eq!(
        text(&c, "[data-metric=net_revenue]").await,
        s["money"]["net"].as_str().unwrap_or_default()
    );
    assert_eq!(
        text(&c, "[data-metric=checked_in]").await,
        s["checkins"]["checked_in"].to_string()
    );
    shoot(&c, "overview").await;
    accessible(&c, "overview").await;

    // The keyboard alone: the skip link first, then the header's controls and the
    // year switcher; Enter on a year follows it.
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .click()
        .await
        .expect("focus body");
    let mut reached = vec![];
    for _ in 0..20 {
        c.active_element()
            .await
            .expect("focus")
            .send_keys(TAB)
            .await
            .expect("tab");
        let label = c
            .execute("const e = document.activeElement; return (e.id || '') + '|' + e.textContent.trim();", vec![])
            .await
            .expect("focused")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let is_2024 = label.ends_with("|2024");
        reached.push(label);
        if is_2024 {
            break;
        }
    }
    assert!(reached[0].ends_with("Skip to content"), "{reached:?}");
    assert!(
        reached.iter().any(|l| l.starts_with("sign-out|")),
        "{reached:?}"
    );
    assert!(
        reached.iter().any(|l| l.ends_with("|Orders")),
        "{reached:?}"
    );
    assert!(
        reached.last().is_some_and(|l| l.ends_with("|2024")),
        "{reached:?}"
    );
    c.active_element()
        .await
        .expect("focus")
        .send_keys(ENTER)
        .await
        .expect("enter");
    c.wait()
        .for_element(Locator::Css("#banner"))
        .await
        .expect("the 2024 page");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .as_str()
            .ends_with("?year=2024")
    );

    // The year switcher: 2023 predates the portal.
    c.find(Locator::LinkText("2023"))
        .await
        .expect("2023")
        .click()
        .await
        .expect("switch");
    c.wait()
        .for_element(Locator::Css("[data-metric=registrations]"))
        .await
        .expect("2023");
    let old = json(&app, &admin, "/api/v1/series/pyladiescon/stats?year=2023").await;
    assert_eq!(
        text(&c, "[data-metric=registrations]").await,
        old["historical"]["registrations"].to_string()
    );
    assert_eq!(
        text(&c, "#banner").await,
        "Limited data — this conference predates the portal."
    );
    shoot(&c, "overview-2023").await;
    accessible(&c, "overview-2023").await;

    // The comparison.
    open(
        &c,
        &base,
        "/dashboard/series/pyladiescon/compare",
        "comparison",
    )
    .await;
    let cmp = json(&app, &admin, "/api/v1/series/pyladiescon/stats/comparison").await;
    let first = text(&c, "[data-metric='registrations-0']").await;
    assert!(
        first.starts_with(&cmp["years"][0]["metrics"]["registrations"].to_string()),
        "{first}"
    );

    // Orders, an order and the other lists.
    open(
        &c,
        &base,
        "/dashboard/conferences/pyladiescon-2025/orders",
        "orders",
    )
    .await;
    let orders = json(&app, &admin, "/api/v1/conferences/pyladiescon-2025/orders").await;
    assert_eq!(
        text(&c, "#orders-total").await,
        format!("{} orders", orders["total"])
    );
    c.find(Locator::Id("q"))
        .await
        .expect("search")
        .send_keys("attendee_alice")
        .await
        .expect("typed");
    c.find(Locator::Id("search"))
        .await
        .expect("button")
        .click()
        .await
        .expect("searched");
    // The unfiltered list has links too: wait for the search's own page first.
    let mut searched = false;
    for _ in 0..100 {
        let url = c.current_url().await.expect("url");
        if url.query().is_some_and(|q| q.contains("q=attendee_alice")) {
            searched = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(searched, "the search page opened");
    c.wait()
        .for_element(Locator::Css("#orders tbody a"))
        .await
        .expect("found");
    c.find(Locator::Css("#orders tbody a"))
        .await
        .expect("order link")
        .click()
        .await
        .expect("opened");
    c.wait()
        .for_element(Locator::Id("timeline"))
        .await
        .expect("order page");
    shoot(&c, "order").await;
    accessible(&c, "order").await;
    let reference = text(&c, "h1").await.replace("Order ", "");
    let o = json(
        &app,
        &admin,
        &format!("/api/v1/conferences/pyladiescon-2025/orders/{reference}"),
    )
    .await;
    assert_eq!(
        text(&c, "[data-metric=total]").await,
        o["total"].as_str().unwrap_or_default()
    );
    for (path, name) in [
        ("attendees", "attendees"),
        ("activities", "activities"),
        ("vouchers", "vouchers"),
        ("exports", "exports"),
        ("sponsorships", "sponsorships"),
        ("grants", "grants"),
        ("volunteers", "volunteers"),
    ] {
        open(
            &c,
            &base,
            &format!("/dashboard/conferences/pyladiescon-2025/{path}"),
            name,
        )
        .await;
    }

    // Live: a sale shows on the overview without a reload.
    open(&c, &base, "/dashboard/series/pyladiescon", "overview-live").await;
    c.execute("document.body.dataset.marker = 'same page';", vec![])
        .await
        .expect("marked");
    let before: i64 = text(&c, "[data-metric=attendees]")
        .await
        .parse()
        .unwrap_or(-1);
    let sold = Instant::now();
    sell(&app, &admin, "live_buyer").await;
    let shown = until_text(&c, "[data-metric=attendees]", &(before + 1).to_string()).await;
    eprintln!(
        "sale to page ({b:?}): {:?} (wait included {:?})",
        sold.elapsed(),
        shown
    );
    let marker = c
        .execute("return document.body.dataset.marker;", vec![])
        .await
        .expect("marker");
    assert_eq!(marker, json!("same page"), "updated in place, not reloaded");

    // Live: a check-in shows on the attendees page.
    open(
        &c,
        &base,
        "/dashboard/conferences/pyladiescon-2025/attendees",
        "checkins-live",
    )
    .await;
    let attendees = json(
        &app,
        &admin,
        "/api/v1/conferences/pyladiescon-2025/attendees",
    )
    .await;
    let code = attendees["items"][0]["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let before: i64 = text(&c, "#live-checkins [data-metric=checked_in]")
        .await
        .parse()
        .unwrap_or(-1);
    let r = app
        .post("/api/v1/conferences/pyladiescon-2025/checkins")
        .as_user(&admin)
        .json(json!({ "access_code": code, "station": "door" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "check-in: {}", r.text);
    until_text(
        &c,
        "#live-checkins [data-metric=checked_in]",
        &(before + 1).to_string(),
    )
    .await;

    program_page(&app, &admin, &c, &base).await;

    // Sign out: the pages send the browser to the form again.
    c.goto(&format!("{base}/dashboard")).await.expect("home");
    c.find(Locator::Id("sign-out"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("signed out");
    c.wait()
        .for_element(Locator::Id("sign-in"))
        .await
        .expect("the sign-in page");
    c.goto(&format!("{base}/dashboard")).await.expect("home");
    c.wait()
        .for_element(Locator::Id("sign-in"))
        .await
        .expect("signed out for good");

    let _ = c.close().await;
    app.finish().await;
}

/// The program page: the example's talks with their ratings, the survey NPS,
/// reached from the conference navigation with the keyboard alone; figures
/// against the JSON API.
async fn program_page(app: &TestApp, admin: &User, c: &Client, base: &str) {
    let conf = "/api/v1/conferences/pyladiescon-2025";
    let r = app
        .post(&format!("{conf}/surveys"))
        .as_user(admin)
        .json(json!({ "slug": "feedback", "title": "Would you recommend us?", "kind": "nps" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "survey: {}", r.text);
    let program = json(app, admin, &format!("{conf}/program")).await;
    let codes: Vec<String> = program["talks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["code"].as_str().map(str::to_string))
        .collect();
    assert!(codes.len() >= 3, "the example has talks: {program}");
    for (i, score) in [(0, [5, 4, 2]), (1, [4, 4, 1]), (2, [3, 5, 2])] {
        let rater = app.user(&format!("rater_{i}")).await;
        sell_to(app, admin, &rater).await;
        json(app, admin, &format!("{conf}/attendees")).await;
        for (code, score) in codes.iter().zip(score) {
            let r = app
                .post(&format!("{conf}/talks/{code}/rating"))
                .as_user(&rater)
                .json(json!({ "score": score }))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "rating: {}", r.text);
        }
        let r = app
            .post(&format!("{conf}/surveys/feedback/responses"))
            .as_user(&rater)
            .json(json!({ "score": 8 + i }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "survey answer: {}", r.text);
    }
    let ratings = json(app, admin, &format!("{conf}/program/ratings")).await;
    let nps = json(app, admin, &format!("{conf}/surveys/nps")).await;

    // From the orders page, Tab to the conference navigation's Program link.
    open(
        c,
        base,
        "/dashboard/conferences/pyladiescon-2025/orders",
        "orders-again",
    )
    .await;
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .click()
        .await
        .expect("focus body");
    let mut reached = vec![];
    for _ in 0..20 {
        c.active_element()
            .await
            .expect("focus")
            .send_keys(TAB)
            .await
            .expect("tab");
        let label = c
            .execute("return document.activeElement.textContent.trim();", vec![])
            .await
            .expect("focused")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let found = label == "Program";
        reached.push(label);
        if found {
            break;
        }
    }
    assert_eq!(
        reached.last().map(String::as_str),
        Some("Program"),
        "{reached:?}"
    );
    c.active_element()
        .await
        .expect("focus")
        .send_keys(ENTER)
        .await
        .expect("enter");
    c.wait()
        .for_element(Locator::Css("[data-metric=rating_average]"))
        .await
        .expect("the program page");
    assert_eq!(text(c, "h1").await, "Program of pyladiescon-2025");
    shoot(c, "program").await;
    accessible(c, "program").await;
    assert_eq!(
        text(c, "[data-metric=talks]").await,
        codes.len().to_string()
    );
    assert_eq!(
        text(c, "[data-metric=ratings]").await,
        ratings["total"].to_string()
    );
    assert_eq!(
        text(c, "[data-metric=rating_average]").await,
        ratings["average"].as_str().unwrap_or_default()
    );
    let top = &ratings["top"][0];
    assert_eq!(
        text(
            c,
            &format!(
                "[data-metric='average-{}']",
                top["code"].as_str().unwrap_or_default()
            )
        )
        .await,
        top["average"].as_str().unwrap_or_default()
    );
    assert_eq!(text(c, "[data-metric=nps]").await, nps["nps"].to_string());
    assert_eq!(
        text(c, "[data-metric=nps_responses]").await,
        nps["responses"].to_string()
    );
    // The example's Workshop and Lightning Talk are linked to their activities.
    let linked = text(c, "#activities").await;
    assert!(
        linked.contains("Workshops") && linked.contains("Lightning Talks"),
        "{linked}"
    );
}

on_both_backends!(dashboards_in_chromium);
