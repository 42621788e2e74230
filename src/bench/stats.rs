//! `tessera bench stats`: the statistics on a generated multi-year history (the
//! realistic mix of `demo generate`): stats read p50/p99 and comparison p50/p99,
//! both served from the stored stats model (`conference_stats`), a full
//! rebuild of every projection against raw read + decode of the same log, and
//! freeze + verify of one year.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use hdrhistogram::Histogram;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::app::{AppState, user_id};
use crate::config::Config;
use crate::demo::{GenerateOptions, ManualClock, generate};
use crate::ids::conference_id;
use crate::meta::CommandMeta;
use crate::server::{build_app, open_db};

const SERIES: &str = "democon";
const ORGANIZER: &str = "organizer@democon.example";

pub async fn stats(
    url: &str,
    fresh: bool,
    scale: f64,
    seed: u64,
    samples: usize,
) -> anyhow::Result<()> {
    let db = open_db(url).await?;
    let options = GenerateOptions {
        seed,
        scale,
        series: SERIES.into(),
        ..Default::default()
    };
    let clock = ManualClock::new(crate::demo::plan::sales_open(options.first_year));
    let app = build_app(db.clone(), Config::default(), Arc::new(clock.clone())).await?;
    let planned: Vec<String> = (0..options.years)
        .map(|i| format!("{SERIES}-{}", options.first_year + i as i32))
        .collect();
    if fresh || db.head().await? == 0 {
        println!(
            "bench stats: generating {} years at scale {scale} (seed {seed})…",
            options.years
        );
        let made = generate(&app, &clock, &options, |line| println!("  {line}")).await?;
        println!(
            "generated {} events ({} journeys, {} paid orders) in {:.1} s: {:.0} events/s",
            made.events,
            made.journeys,
            made.paid_orders,
            made.seconds,
            made.events_per_second()
        );
    } else {
        println!("bench stats: on the history already in {url}");
        // Reads are made after the last generated moment.
        clock.set(chrono::Utc::now());
    }
    // The years the history holds (a generation stopped early holds fewer).
    let mut slugs = vec![];
    for slug in planned {
        if app.conference(&slug).await.is_ok() {
            slugs.push(slug);
        }
    }
    if slugs.is_empty() {
        anyhow::bail!("no conference of series {SERIES} in {url}");
    }
    let head = db.head().await?;
    if !app.runner.wait_for(head, Duration::from_secs(600)).await {
        anyhow::bail!("projections did not reach {head}");
    }
    // Reads are served from the stored stats model: wait until it stands at the head.
    let t = Instant::now();
    if !app.stats.wait_for(head, Duration::from_secs(1800)).await {
        anyhow::bail!("the stored stats model did not reach {head}");
    }
    println!(
        "log: {head} events; stored stats model at the head after {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let router = crate::router(app.clone());
    let read = |path: String| {
        let router = router.clone();
        let app = app.clone();
        async move {
            let token = app
                .tokens
                .issue(user_id(ORGANIZER), 0, app.bus.services().now());
            let req = Request::get(path.as_str())
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())?;
            let t = Instant::now();
            let r = router.oneshot(req).await?;
            let status = r.status();
            let bytes = r.into_body().collect().await?.to_bytes();
            let took = t.elapsed();
            if !status.is_success() {
                anyhow::bail!("{path}: {status} {}", String::from_utf8_lossy(&bytes));
            }
            anyhow::Ok(took)
        }
    };
    let mut h = Histogram::<u64>::new(3)?;
    for i in 0..samples {
        let slug = &slugs[i % slugs.len()];
        let took = read(format!("/api/v1/conferences/{slug}/stats")).await?;
        h.record(took.as_micros() as u64)?;
    }
    report("stats read", &h, 5.0);
    let mut h = Histogram::<u64>::new(3)?;
    for _ in 0..samples {
        let took = read(format!("/api/v1/series/{SERIES}/stats/comparison")).await?;
        h.record(took.as_micros() as u64)?;
    }
    report(&format!("comparison ({} years)", slugs.len()), &h, 20.0);

    super::raw_vs_rebuild(&db).await?;

    freeze_and_verify(&app, &slugs[0]).await?;
    // The runner and the process managers stop with the pool (before a scratch
    // database is dropped).
    if let tessera_replay::Db::Postgres(pool) = &db {
        pool.close().await;
    }
    Ok(())
}

fn report(label: &str, h: &Histogram<u64>, goal_ms: f64) {
    println!(
        "{label:<24} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   ({} requests; goal p99 < {goal_ms} ms)",
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
        h.max() as f64 / 1000.0,
        h.len(),
    );
}

/// Freezes the first year (a replay of the log up to its head) and verifies it (a
/// replay up to the frozen position compared byte for byte).
async fn freeze_and_verify(app: &AppState, slug: &str) -> anyhow::Result<()> {
    let cid = conference_id(slug);
    let meta = CommandMeta::system().for_conf(Some(cid));
    let t = Instant::now();
    let frozen = crate::process::stats::freeze(&app.bus, cid, "bench".into(), &meta)
        .await
        .map_err(|e| anyhow::anyhow!("freeze: {e}"))?;
    let freeze_s = t.elapsed().as_secs_f64();
    if let Some(p) = frozen.position
        && !app.runner.wait_for(p, Duration::from_secs(60)).await
    {
        anyhow::bail!("the archive did not reach {p}");
    }
    let t = Instant::now();
    let verdict =
        tessera_replay::stats::verify_conference(&app.db, cid, crate::process::stats::sha256_hex)
            .await?;
    let verify_s = t.elapsed().as_secs_f64();
    let verified = matches!(verdict, Some((_, tessera_replay::stats::Verdict::Verified)));
    println!(
        "freeze {slug}: {freeze_s:.2} s, verify: {verify_s:.2} s ({}), together {:.2} s (goal < 5 s)",
        if verified { "verified" } else { "NOT verified" },
        freeze_s + verify_s
    );
    if !verified {
        anyhow::bail!("the frozen year did not verify");
    }
    Ok(())
}
