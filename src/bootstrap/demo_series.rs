//! `serve --demo`: a demo series to look at on an empty database. It loads the
//! series example (`examples/pyladiescon.toml`: two past years with their
//! recorded figures, the active year and the next), the active year's tickets
//! (`examples/pyladiescon-2025.toml`: its sponsors, sponsorship tiers and grant
//! budget too) with `--seed-demo`'s users, orders, volunteers, travel grants, deals
//! and donations, and an
//! organizer account holding the organizer, finance and auditor roles in every
//! year. A second start changes nothing: the series is loaded only when it is not
//! there yet, and the account and its roles are kept as they are.
//!
//! Then [`generate_past_years`] adds earlier years with real sales made by the
//! history generator (`tessera demo generate`, seeded and small), so the series'
//! comparison has past years with figures of their own, not only recorded ones.

use std::sync::Arc;

use tessera_aggregates::conference::{Conference, ConferenceCommand, Role};
use tessera_aggregates::series::Series;

use crate::app::{conference_id, series_id};
use crate::bootstrap::{self, series_file};
use crate::bus::CommandBus;
use crate::meta::CommandMeta;

pub const ORGANIZER_EMAIL: &str = "organizer@example.com";
pub const ORGANIZER_PASSWORD: &str = "organizer-demo";
/// The series the demo loads (its overview is the dashboard URL printed).
pub const SERIES: &str = "pyladiescon";

const SERIES_FILE: &str = include_str!("../../examples/pyladiescon.toml");
const TICKETS_FILE: &str = include_str!("../../examples/pyladiescon-2025.toml");

/// The generated past years: `{SERIES}-2020` … `{SERIES}-2022`.
pub const GENERATED_FIRST_YEAR: i32 = 2020;
pub const GENERATED_YEARS: u32 = 3;

/// The history generator's options for the demo's past years; `scale` 1.0 is about
/// 1,000 shoppers in the first year (`serve --demo` uses a few dozen).
pub fn generated_options(scale: f64) -> crate::demo::GenerateOptions {
    crate::demo::GenerateOptions {
        seed: 2020,
        years: GENERATED_YEARS,
        first_year: GENERATED_FIRST_YEAR,
        scale,
        series: SERIES.into(),
        ..Default::default()
    }
}

/// Generates the demo series' past years with the history generator on `app`,
/// whose bus reads `clock` (moved through the past sales, then released to the
/// system's time), and gives the demo organizer its roles in them. Idempotent: a
/// database that has them already is left as it is. Returns the generated slugs.
pub async fn generate_past_years(
    app: &crate::app::AppState,
    clock: &crate::demo::ManualClock,
    scale: f64,
) -> anyhow::Result<Vec<String>> {
    let options = generated_options(scale);
    let slugs: Vec<String> = (0..options.years)
        .map(|i| format!("{SERIES}-{}", options.first_year + i as i32))
        .collect();
    let last = conference_id(&slugs[slugs.len() - 1]);
    let done = app
        .bus
        .inspect(&Conference::stream(last), |c| c.exists())
        .await
        .map_err(|e| anyhow::anyhow!("conference {}: {e}", slugs[slugs.len() - 1]))?;
    if !done {
        let made = crate::demo::generate(app, clock, &options, |_| {}).await;
        clock.release();
        made?;
    }
    clock.release();
    let organizer = crate::app::user_id(ORGANIZER_EMAIL);
    let meta = CommandMeta::system();
    for slug in &slugs {
        let cid = conference_id(slug);
        for role in [Role::Organizer, Role::Finance, Role::Auditor] {
            app.bus
                .send(
                    &Conference::stream(cid),
                    ConferenceCommand::GrantRole {
                        user: organizer,
                        role,
                    },
                    &meta.for_conf(Some(cid)),
                )
                .await
                .map_err(|e| anyhow::anyhow!("granting {role:?} in {slug}: {e}"))?;
        }
    }
    Ok(slugs)
}

/// Loads the demo (idempotent).
pub async fn load(bus: &Arc<CommandBus>) -> anyhow::Result<()> {
    let file = series_file::parse(SERIES_FILE)?
        .ok_or_else(|| anyhow::anyhow!("the demo series file is not a series file"))?;
    let loaded = bus
        .inspect(&Series::stream(series_id(SERIES)), |s| s.exists())
        .await
        .map_err(|e| anyhow::anyhow!("series '{SERIES}': {e}"))?;
    // The series is loaded once: its active year's tickets change the conference
    // the series file describes, which that file would then refuse to re-apply.
    if !loaded {
        series_file::apply(bus, &file).await?;
        let plan = bootstrap::parse_plan(TICKETS_FILE, "examples/pyladiescon-2025.toml")?;
        bootstrap::execute(bus, &plan, true).await?;
        // Sponsors and tiers first: the seeded deals are on the tiers.
        bootstrap::execute_sponsorships(bus, &plan).await?;
        bootstrap::create_program(bus, &plan).await?;
        bootstrap::create_talks(bus, &plan).await?;
        bootstrap::seed_demo_data(bus, &plan).await?;
        bootstrap::seed_ratings(bus, &plan).await?;
        bootstrap::run_process_managers(bus, std::time::Duration::from_secs(60)).await?;
    }

    let personal = crate::personal::PersonalData::for_cli(bus.db()).await?;
    let organizer = crate::process::accounts::create_user_with(
        bus,
        &personal,
        ORGANIZER_EMAIL,
        ORGANIZER_PASSWORD,
        "Demo Organizer",
        false,
    )
    .await?;
    let meta = CommandMeta::system();
    for y in &file.years {
        let cid = conference_id(&y.slug);
        for role in [Role::Organizer, Role::Finance, Role::Auditor] {
            bus.send(
                &Conference::stream(cid),
                ConferenceCommand::GrantRole {
                    user: organizer,
                    role,
                },
                &meta.for_conf(Some(cid)),
            )
            .await
            .map_err(|e| anyhow::anyhow!("granting {role:?} in {}: {e}", y.slug))?;
        }
    }
    Ok(())
}
