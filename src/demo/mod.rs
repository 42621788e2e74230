//! `tessera demo generate`: a realistic, seeded history of a conference series.
//!
//! The generator drives the real service: every cart, checkout, payment, refund,
//! cancellation, check-in and activity signup goes through the HTTP router (in
//! process, no socket) or, for card money, through the same Order command the
//! Stripe webhook sends; the process managers follow every fact as they do in
//! production. Only time is simulated: the service runs on a [`ManualClock`] that
//! the generator moves forward over the months of sales before each conference.
//!
//! Determinism: everything a run does is drawn from one seeded generator before it
//! is done. Within a time slot the journeys run concurrently, but no journey's
//! figures depend on another's (stock and voucher uses never run out, discount
//! conditions have no usage limits), so the same seed gives the same statistics.
//! Identifiers the service draws itself (order references, cart ids) differ.

mod api;
pub mod cli;
mod extras;
pub mod plan;
mod program;
mod year;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use tessera_aggregates::{Clock, Timestamp};

use crate::app::AppState;

pub use plan::{Journey, Pay};

/// A clock the generator moves (the service reads it for every decision); once
/// [`ManualClock::release`]d it reads the system's time (`serve --demo` serves on
/// after generating its past years).
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<Option<DateTime<Utc>>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(Some(at))))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = Some(at);
        }
    }
    /// From now on, the system's time.
    pub fn release(&self) {
        if let Ok(mut t) = self.0.lock() {
            *t = None;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().ok().and_then(|t| *t).unwrap_or_else(Utc::now)
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub seed: u64,
    /// Conferences, one a year.
    pub years: u32,
    /// The first conference's year.
    pub first_year: i32,
    /// 1.0: about 1,000 shoppers in the first year (growing by a fifth a year).
    pub scale: f64,
    /// Journeys run at once within a time slot.
    pub concurrency: usize,
    /// The series' slug (conferences are `{series}-{year}`).
    pub series: String,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            years: 4,
            first_year: 2023,
            scale: 1.0,
            concurrency: 16,
            series: "democon".into(),
        }
    }
}

/// What a run made.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// The conference slugs, by year.
    pub conferences: Vec<String>,
    /// Events appended by this run.
    pub events: i64,
    pub seconds: f64,
    pub journeys: usize,
    pub paid_orders: usize,
}

impl Generated {
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.seconds.max(1e-9)
    }
}

/// Generates `options.years` conferences of a series on `app`, whose bus must read
/// `clock`. `progress` receives a line per finished month.
pub async fn generate(
    app: &AppState,
    clock: &ManualClock,
    options: &GenerateOptions,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let head_before = app.db.head().await?;
    let api = api::Api::new(app.clone());
    let mut rng = plan::rng(options.seed);
    let first_sales = plan::sales_open(options.first_year);
    clock.set(first_sales - chrono::Duration::days(1));
    let admin = api.admin().await?;
    api.series(&admin, &options.series).await?;
    let mut people = plan::People::default();
    let mut out = Generated::default();
    for i in 0..options.years {
        let year = options.first_year + i as i32;
        let shoppers = ((1000.0 * options.scale) * 1.2f64.powi(i as i32)).round() as usize;
        let plan = plan::Year::draw(&mut rng, &mut people, &options.series, year, shoppers);
        let made = year::run(
            app,
            &api,
            clock,
            &admin,
            &plan,
            options.concurrency,
            &mut progress,
        )
        .await?;
        out.journeys += plan.journeys();
        out.paid_orders += made.paid;
        out.conferences.push(plan.slug.clone());
    }
    out.events = app.db.head().await? - head_before;
    out.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}
