//! The history generator (`tessera demo generate`): the same seed gives the same
//! statistics, and each generated year's statistics are plausible (ANA-1, ANA-3,
//! ANA-10, ANA-22, ANA-25, ANA-27, ANA-38, ANA-43), on SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, drop_postgres, fresh_db};
use http_body_util::BodyExt;
use rust_decimal::Decimal;
use serde_json::Value;
use tessera::config::Config;
use tessera::demo::{GenerateOptions, ManualClock, generate};
use tower::ServiceExt;

fn options(seed: u64) -> GenerateOptions {
    GenerateOptions {
        seed,
        years: 2,
        first_year: 2024,
        scale: 0.04,
        concurrency: 8,
        series: "democon".into(),
    }
}

/// Generates on a fresh database; the live stats of each conference.
async fn run(b: Backend, seed: u64) -> Vec<Value> {
    let (db, _url, _dir, pg) = fresh_db(b).await;
    let o = options(seed);
    let clock = ManualClock::new(chrono::Utc::now());
    let app = tessera::server::build_app(db, Config::default(), Arc::new(clock.clone()))
        .await
        .expect("app");
    let made = generate(&app, &clock, &o, |_| {}).await.expect("generate");
    assert_eq!(made.conferences, vec!["democon-2024", "democon-2025"]);
    assert!(made.events > 500, "{made:?}");
    let head = app.db.head().await.expect("head");
    assert!(
        app.runner
            .wait_for(head, std::time::Duration::from_secs(60))
            .await
    );
    let router = tessera::router(app.clone());
    let admin = tessera::app::user_id("organizer@democon.example");
    let token = app.tokens.issue(admin, 0, app.bus.services().now());
    let mut all = vec![];
    for slug in &made.conferences {
        let req = Request::get(format!("/api/v1/conferences/{slug}/stats"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let r = router.clone().oneshot(req).await.expect("router");
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.into_body().collect().await.expect("body").to_bytes();
        let body: Value = serde_json::from_slice(&bytes).expect("json");
        all.push(body["stats"].clone());
    }
    if let Some(name) = pg {
        if let tessera_replay::Db::Postgres(pool) = &app.db {
            pool.close().await;
        }
        drop_postgres(&name).await;
    }
    all
}

fn money(v: &Value) -> Decimal {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default()
}

async fn same_seed_same_stats_and_plausible_years(b: Backend) {
    let first = run(b, 7).await;
    let again = run(b, 7).await;
    assert_eq!(first, again, "the same seed must give the same statistics");
    for stats in &first {
        let s = &stats["sections"];
        // ANA-10: people registered, across all three ticket types.
        let attendees = s["registrations"]["attendees"].as_u64().unwrap_or(0);
        assert!(attendees >= 20, "attendees {attendees}: {s}");
        for t in s["registrations"]["ticket_types"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert!(t["sold"].as_u64().unwrap_or(0) > 0, "{t}");
        }
        // ANA-22: net = gross − discounts, with discounts from vouchers and
        // conditions; ANA-1: some money refunded, less than was taken.
        let m = &s["money"];
        let (gross, discounts, net) =
            (money(&m["gross"]), money(&m["discounts"]), money(&m["net"]));
        assert!(gross > Decimal::ZERO && discounts > Decimal::ZERO, "{m}");
        assert_eq!(net, gross - discounts, "{m}");
        assert!(money(&m["refunded"]) < gross, "{m}");
        // ANA-3: more carts than checkouts (some were abandoned).
        let c = &s["carts"];
        assert!(c["carts"].as_u64() > c["checked_out"].as_u64(), "{c}");
        // ANA-27: most attendees came to the door, not more than registered.
        let checked_in = s["checkins"]["checked_in"].as_u64().unwrap_or(0);
        assert!(
            checked_in > attendees / 2 && checked_in <= attendees,
            "{}",
            s["checkins"]
        );
        // ANA-43: the vouchers were used.
        assert!(
            s["vouchers"]["used"].as_u64() > Some(0),
            "{}",
            s["vouchers"]
        );
        // MY-5/7, MY-29: the year's sponsorship pipeline and donations.
        let f = &s["fundraising"];
        assert!(f["sponsorship"]["deals"].as_u64() >= Some(3), "{f}");
        assert!(
            money(&f["sponsorship"]["paid"]["amount"]) > Decimal::ZERO,
            "{f}"
        );
        assert!(f["donations"]["count"].as_u64() >= Some(2), "{f}");
        // ANA-39: a third of the attendees answered the NPS survey.
        let nps = &s["surveys"]["nps"];
        assert!(nps["responses"].as_u64() > Some(0), "{nps}");
        // SURVEY-3, ANA-38: the attendees rated the year's talks, one rating
        // per talk and attendee; every talk has enough ratings to rank
        // (SURVEY-6), in both tracks.
        let r = &s["session_ratings"];
        let total = r["total"].as_u64().unwrap_or(0);
        assert!(total >= 15, "{r}");
        let dist: u64 = r["distribution"]
            .as_object()
            .into_iter()
            .flat_map(|d| d.values())
            .filter_map(Value::as_u64)
            .sum();
        assert_eq!(dist, total, "{r}");
        assert_eq!(r["top"].as_array().map(Vec::len), Some(5), "{r}");
        let avg: f64 = r["average"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0.0);
        assert!((1.0..=5.0).contains(&avg), "{r}");
        let tracks: Vec<&str> = r["by_track"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["track"].as_str())
            .collect();
        assert!(
            tracks.contains(&"Python") && tracks.contains(&"Data"),
            "{r}"
        );
    }
}

on_both_backends!(same_seed_same_stats_and_plausible_years);
