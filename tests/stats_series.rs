//! The years of a series (MY-15…18, MY-21…26, ANA-41/42), loaded from
//! `examples/pyladiescon.toml`, on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use tessera::bootstrap::series_file;

const SERIES: &str = "/api/v1/series/pyladiescon";

async fn load_example(app: &TestApp) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/pyladiescon.toml"
    ))
    .expect("example file");
    let file = series_file::parse(&text)
        .expect("valid TOML")
        .expect("a series file");
    let done = series_file::apply(&app.app.bus, &file)
        .await
        .expect("bootstrap");
    assert!(done.len() >= 7, "{done:?}");
    // Running it again changes nothing.
    let again = series_file::apply(&app.app.bus, &file)
        .await
        .expect("bootstrap again");
    assert!(again.is_empty(), "{again:?}");
}

async fn get(app: &TestApp, user: &User, path: &str) -> common::Response {
    let head = Some(app.settled().await);
    app.get(path).as_user(user).after(head).send().await
}

/// A paid ticket for `user` in the 2025 conference.
async fn sale_2025(app: &TestApp, admin: &User, user: &User) {
    let r = app.buy(user, "pyladiescon-2025", "general", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!(
            "/api/v1/conferences/pyladiescon-2025/orders/{reference}/payments"
        ))
        .as_user(admin)
        .json(json!({ "method": "manual", "amount": "100.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
}

/// MY-16/18/21/22: a year before the portal answers its recorded figures with the
/// limited-data banner; no year means the active one (live); an unknown year is a
/// 404 naming the known years.
async fn my_18_historical_years_answer_their_figures(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    load_example(&app).await;

    let r = get(&app, &admin, &format!("{SERIES}/stats?year=2023")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["source"], "historical");
    assert_eq!(r.body["limited_data"], true);
    assert_eq!(
        r.body["notice"],
        "Limited data — this conference predates the portal."
    );
    // MY-21, MY-26: counts are integers, money decimal strings.
    assert_eq!(
        r.body["stats"],
        json!({
            "registrations": 600, "sponsors": 8, "sponsorship_amount": "10500",
            "donors": 58, "donation_amount": "650"
        })
    );
    let r = get(&app, &admin, &format!("{SERIES}/stats?year=2024")).await;
    assert_eq!(r.body["stats"]["registrations"], 732);
    assert_eq!(r.body["stats"]["donation_amount"], "1520");

    // MY-16, MY-23: without a year, the active conference, live.
    let r = get(&app, &admin, &format!("{SERIES}/stats")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["year"], 2025);
    assert_eq!(r.body["conference"], "pyladiescon-2025");
    assert_eq!(r.body["source"], "live");
    assert_eq!(r.body["limited_data"], false);

    let r = get(&app, &admin, &format!("{SERIES}/stats?year=2019")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(r.code(), "stats.unknown_year");
    assert!(
        r.text.contains("2023, 2024, 2025, 2026"),
        "the known years: {}",
        r.text
    );

    // An organizer corrects a figure; bad money is refused and changes nothing.
    let path = "/api/v1/conferences/pyladiescon-2024/stats/historical";
    let body = json!({ "registrations": 732, "sponsors": 11, "sponsorship_amount": "10000",
        "donors": 106, "donation_amount": "1520" });
    let r = app
        .put(path)
        .as_user(&admin)
        .json(body.clone())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["changed"], true);
    let mut bad = body.clone();
    bad["donation_amount"] = json!("1.001");
    let r = app.put(path).as_user(&admin).json(bad).send().await;
    assert!(r.status.is_client_error(), "{}", r.text);
    let r = get(&app, &admin, &format!("{SERIES}/stats?year=2024")).await;
    assert_eq!(r.body["stats"]["donors"], 106);
    app.finish().await;
}

/// MY-17, ANA-41/42: the comparison lists every year in order, historical figures
/// where the year predates the portal and live figures after, with growth against
/// the previous year, retention and lifetime value; who may read it.
async fn my_17_comparison_across_the_years(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    load_example(&app).await;
    app.ticket_type(
        &admin,
        "pyladiescon-2025",
        json!({ "slug": "general", "name": "General", "price": "100.00" }),
    )
    .await;
    let ana = app.user("ana").await;
    sale_2025(&app, &admin, &ana).await;
    let organizer = app.user("olga").await;
    app.grant(&admin, "pyladiescon-2025", &organizer, "organizer")
        .await;

    let r = get(&app, &organizer, &format!("{SERIES}/stats/comparison")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let years = r.body["years"].as_array().cloned().unwrap_or_default();
    let list: Vec<(Value, Value)> = years
        .iter()
        .map(|y| (y["year"].clone(), y["source"].clone()))
        .collect();
    assert_eq!(
        list,
        vec![
            (json!(2023), json!("historical")),
            (json!(2024), json!("historical")),
            (json!(2025), json!("live")),
            (json!(2026), json!("live")),
        ]
    );
    assert_eq!(years[0]["metrics"]["registrations"], 600);
    assert_eq!(years[0]["growth"]["registrations"], Value::Null);
    // ANA-42: (732 − 600) / 600 × 100.
    assert_eq!(years[1]["growth"]["registrations"], "22.0");
    assert_eq!(years[1]["growth"]["sponsorship_amount"], "-4.8");
    assert_eq!(years[1]["limited_data"], true);
    // The live year: one attendee, 100.00 of revenue.
    assert_eq!(years[2]["metrics"]["registrations"], 1);
    assert_eq!(years[2]["metrics"]["revenue"], "100.00");
    assert_eq!(years[2]["growth"]["registrations"], "-99.9");
    // ANA-41: nobody attended an earlier year with an attendee list; one buyer
    // whose lifetime value is their 100.00.
    assert_eq!(years[2]["retention"], "0.0");
    assert_eq!(years[2]["lifetime_value"]["average"], "100.00");
    assert_eq!(years[0]["retention"], Value::Null);
    // 0 when the previous figure is 0 (ANA-42): 2026 against 2025's revenue.
    assert_eq!(years[3]["metrics"]["registrations"], 0);

    // The 2025 organizer may not read 2023 alone; a stranger reads nothing.
    let r = get(&app, &organizer, &format!("{SERIES}/stats?year=2023")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = get(&app, &organizer, &format!("{SERIES}/stats?year=2025")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = get(&app, &ana, &format!("{SERIES}/stats/comparison")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.get(&format!("{SERIES}/stats/comparison")).send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    app.finish().await;
}

fn bootstrap(app: &TestApp, extra: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .args(["bootstrap", "--config"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/pyladiescon.toml"
        ))
        .args(extra)
        .args(["--database-url", &app.url])
        .output()
        .expect("run tessera");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// MY-21…24: `tessera bootstrap --config examples/pyladiescon.toml` sets up the
/// series; a second run changes nothing; `--dry-run` writes nothing.
async fn my_21_bootstrap_loads_the_example(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (ok, out) = bootstrap(&app, &["--dry-run"]);
    assert!(ok && out.contains("valid series file (4 year(s))"), "{out}");
    let (ok, out) = bootstrap(&app, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("created series pyladiescon"), "{out}");
    assert!(
        out.contains("recorded the historical figures of 2023"),
        "{out}"
    );
    assert!(out.contains("activated 2025"), "{out}");
    let (ok, out) = bootstrap(&app, &[]);
    assert!(ok && out.contains("nothing to change"), "{out}");
    let r = get(&app, &admin, &format!("{SERIES}/stats?year=2024")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["limited_data"], true);
    assert_eq!(r.body["stats"]["sponsors"], 11);
    let r = get(&app, &admin, &format!("{SERIES}/stats")).await;
    assert_eq!(r.body["year"], 2025, "{}", r.text);
    app.finish().await;
}

on_both_backends!(
    my_21_bootstrap_loads_the_example,
    my_18_historical_years_answer_their_figures,
    my_17_comparison_across_the_years,
);
