//! `tessera pretalx sync --conference SLUG [--rooms] [--speakers] [--talks]
//! [--schedule] [--allow-large-schedule-drop]` (PRETALX-16).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};

use crate::bus::CommandBus;
use crate::config::Config;
use crate::meta::CommandMeta;
use crate::personal::{MasterKey, PersonalData};
use crate::process::program::{Steps, sync};
use crate::refusal::Failure;
use crate::server::{SystemClock, database_url, open_db};

#[derive(Debug, Subcommand)]
pub enum PretalxCommand {
    /// Syncs a conference's program from Pretalx (none of the step flags: all).
    Sync(SyncArgs),
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[arg(long)]
    pub conference: String,
    #[arg(long)]
    pub rooms: bool,
    #[arg(long)]
    pub speakers: bool,
    #[arg(long)]
    pub talks: bool,
    #[arg(long)]
    pub schedule: bool,
    /// Skips the schedule delete guard (PRETALX-10).
    #[arg(long)]
    pub allow_large_schedule_drop: bool,
    /// Service configuration (default: ./tessera.toml when present).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub async fn run(
    command: PretalxCommand,
    database: Option<String>,
    env: &std::collections::HashMap<String, String>,
) -> anyhow::Result<ExitCode> {
    let PretalxCommand::Sync(args) = command;
    let config = Config::load(args.config.as_deref(), env)?;
    let db = open_db(&database_url(database)).await?;
    let bus = CommandBus::new(
        db,
        tessera_aggregates::DomainServices::new(Arc::new(SystemClock)),
        None,
    );
    let steps = Steps {
        rooms: args.rooms,
        speakers: args.speakers,
        talks: args.talks,
        schedule: args.schedule,
        allow_large_schedule_drop: args.allow_large_schedule_drop,
    };
    let meta = CommandMeta::system().for_conf(None);
    // Speakers' e-mails enter the log sealed, under the master key `serve` uses.
    let (master, _) = MasterKey::load(bus.db(), config.personal_data_key.as_ref()).await?;
    let personal = PersonalData::new(bus.db().clone(), master);
    match sync(
        &bus,
        &personal,
        &config.pretalx,
        &args.conference,
        steps,
        &meta,
    )
    .await
    {
        Ok(report) => {
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}: {}", e.code(), e.detail());
            Ok(ExitCode::FAILURE)
        }
    }
}
