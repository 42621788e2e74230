//! `tessera demo generate`.

use std::process::ExitCode;
use std::sync::Arc;

use super::{GenerateOptions, ManualClock, generate};
use crate::config::Config;
use crate::server::{build_app, database_url, open_db};

#[derive(Debug, clap::Subcommand)]
pub enum DemoCommand {
    /// A seeded, multi-year history of a conference series, through the real
    /// commands on a simulated clock: carts, checkouts, payments, refunds,
    /// cancellations, check-ins, activity signups.
    Generate {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 4)]
        years: u32,
        #[arg(long, default_value_t = 2023)]
        first_year: i32,
        /// 1.0: about 1,000 shoppers the first year, a fifth more each year.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value = "democon")]
        series: String,
        #[arg(long)]
        database_url: Option<String>,
    },
}

pub async fn run(command: DemoCommand) -> anyhow::Result<ExitCode> {
    match command {
        DemoCommand::Generate {
            seed,
            years,
            first_year,
            scale,
            concurrency,
            series,
            database_url: url,
        } => {
            let url = database_url(url);
            let db = open_db(&url).await?;
            let options = GenerateOptions {
                seed,
                years,
                first_year,
                scale,
                concurrency,
                series,
            };
            let clock = ManualClock::new(super::plan::sales_open(first_year));
            let app = build_app(db, Config::default(), Arc::new(clock.clone())).await?;
            println!("demo generate: seed {seed}, {years} years from {first_year}, scale {scale}");
            let made = generate(&app, &clock, &options, |line| println!("  {line}")).await?;
            println!(
                "generated {} events ({} journeys, {} paid orders) in {:.1} s: {:.0} events/s",
                made.events,
                made.journeys,
                made.paid_orders,
                made.seconds,
                made.events_per_second()
            );
            println!("conferences: {}", made.conferences.join(", "));
            Ok(ExitCode::SUCCESS)
        }
    }
}
