//! `tessera bootstrap --config FILE` for a file describing a whole series: a
//! `[series]` table and one `[[years]]` table per conference (MY-21…26). A year
//! with a `[years.historical]` table predates the portal: its known figures are
//! recorded on the conference (MY-18). `active = true` activates that year (MY-2).
//! Running the same file again changes nothing. See `examples/pyladiescon.toml`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Deserialize;
use tessera_aggregates::DomainServices;
use tessera_aggregates::conference::{
    Conference, ConferenceCommand, ConferenceDetails, HistoricalFigures,
};
use tessera_aggregates::series::{Series, SeriesCommand};

use crate::app::series_id;
use crate::bus::CommandBus;
use crate::meta::CommandMeta;
use crate::provision::ConferenceProvision;
use crate::server::{SystemClock, database_url, open_db};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesFile {
    pub series: SeriesHead,
    pub years: Vec<YearFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesHead {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct YearFile {
    pub year: i32,
    pub slug: String,
    #[serde(default)]
    pub active: bool,
    /// MY-21/22/26: counts as integers, money as decimal strings.
    pub historical: Option<HistoricalFigures>,
    #[serde(flatten)]
    pub details: ConferenceDetails,
}

/// The series file in `text`, or `None` when it is a one-conference file.
pub fn parse(text: &str) -> anyhow::Result<Option<SeriesFile>> {
    // Not TOML at all: the one-conference loader reports it (BOOT-1).
    let Ok(value) = toml::from_str::<toml::Value>(text) else {
        return Ok(None);
    };
    if value.get("series").is_none() || value.get("years").is_none() {
        return Ok(None);
    }
    Ok(Some(value.try_into()?))
}

/// What a run did: one line per change.
pub async fn apply(bus: &CommandBus, file: &SeriesFile) -> anyhow::Result<Vec<String>> {
    let mut done = vec![];
    let system = CommandMeta::system();
    let sid = series_id(&file.series.slug);
    let exists = bus
        .inspect(&Series::stream(sid), |s| s.exists())
        .await
        .map_err(|e| anyhow::anyhow!("series '{}': {e}", file.series.slug))?;
    if !exists {
        bus.send(
            &Series::stream(sid),
            SeriesCommand::Create {
                slug: file.series.slug.clone(),
                name: file.series.name.clone(),
            },
            &system.for_conf(None),
        )
        .await
        .map_err(|e| anyhow::anyhow!("series '{}': {e}", file.series.slug))?;
        done.push(format!("created series {}", file.series.slug));
    }
    for y in &file.years {
        let steps = ConferenceProvision::new(&file.series.slug, &y.slug, y.year, y.details.clone());
        let meta = steps.meta(&system);
        let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("year {} ({}): {e}", y.year, y.slug);
        steps.check(bus).await.map_err(|e| fail(&e))?;
        if steps
            .send(bus, &meta)
            .await
            .map_err(|e| fail(&e))?
            .is_some()
        {
            done.push(format!("created conference {} ({})", y.slug, y.year));
        }
        if let Some(figures) = &y.historical {
            let sent = bus
                .send(
                    &Conference::stream(steps.conference_id),
                    ConferenceCommand::RecordHistoricalFigures {
                        figures: figures.clone(),
                    },
                    &meta,
                )
                .await
                .map_err(|e| fail(&e))?;
            if sent.position.is_some() {
                done.push(format!("recorded the historical figures of {}", y.year));
            }
        }
        if y.active {
            let sent = bus
                .send(
                    &Series::stream(sid),
                    SeriesCommand::Activate {
                        conference_id: steps.conference_id,
                    },
                    &meta,
                )
                .await
                .map_err(|e| fail(&e))?;
            if sent.position.is_some() {
                done.push(format!("activated {}", y.year));
            }
        }
    }
    Ok(done)
}

/// The CLI run of a series file.
pub async fn run(
    path: &Path,
    file: &SeriesFile,
    dry_run: bool,
    database_url_flag: Option<String>,
) -> anyhow::Result<ExitCode> {
    if dry_run {
        println!(
            "Dry run: {} is a valid series file ({} year(s)); nothing was written.",
            path.display(),
            file.years.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let db = open_db(&database_url(database_url_flag)).await?;
    let bus = Arc::new(CommandBus::new(
        db,
        DomainServices::new(Arc::new(SystemClock)),
        None,
    ));
    let done = apply(&bus, file).await?;
    if done.is_empty() {
        println!("{}: nothing to change", file.series.slug);
    }
    for line in done {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
