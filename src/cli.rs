//! The one binary: `serve`, `migrate`, `replay …`, `user …`, `bootstrap`, `bench …`.

pub mod pretalx;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tessera_aggregates::user::User;
use tessera_replay::admin;

use crate::bus::CommandBus;
use crate::config::Config;
use crate::ids::{conference_id, user_id};
use crate::personal::PersonalData;
pub use crate::process::accounts::create_user_with;
use crate::server::{SystemClock, build_app, database_url, open_db};

#[derive(Debug, Parser)]
#[command(name = "tessera", version, about = "Event-sourced conference back end")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// postgres://… or sqlite://… (default: $DATABASE_URL, else sqlite://tessera.db).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the HTTP service (migrates first).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        #[command(flatten)]
        db: DbArgs,
        /// Service configuration (default: ./tessera.toml when present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Loads a demo series and an organizer account first (idempotent), and
        /// prints the dashboard's URL and that account's credentials.
        #[arg(long)]
        demo: bool,
        /// This instance's name among several on one database (default host:pid).
        #[arg(long)]
        instance_id: Option<String>,
    },
    /// Applies the database migrations (and, with `personal-data`, seals the
    /// personal values of events written before they were encrypted).
    Migrate {
        #[command(subcommand)]
        what: Option<MigrateCli>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Projections: status, rebuild, verify, and a conference's history.
    Replay {
        #[command(subcommand)]
        command: ReplayCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: UserCli,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Creates or updates a conference from a TOML file (SPEC BOOT-*).
    Bootstrap {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        update: bool,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        seed_demo: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Auditors' exports of a conference's history, and their verification.
    Audit {
        #[command(subcommand)]
        command: crate::audit::cli::AuditCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The program from Pretalx.
    Pretalx {
        #[command(subcommand)]
        command: pretalx::PretalxCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Demo data: a generated multi-year history.
    Demo {
        #[command(subcommand)]
        command: crate::demo::cli::DemoCommand,
    },
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        command: crate::bench::BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// Each projection: version, generation, checkpoint, lag.
    Status,
    /// Rebuilds beside the live generation, then switches atomically.
    Rebuild {
        #[arg(long)]
        projection: Option<String>,
    },
    /// Rebuilds into scratch memory and compares with the live views. With
    /// `--conference SLUG`: rebuilds that conference's statistics from the log up to
    /// its frozen position and compares them with the snapshot (exit 0 identical,
    /// 1 different, 3 made by another stats version, 4 never frozen).
    Verify {
        #[arg(long)]
        conference: Option<String>,
    },
    /// An order (--order) or the conference's statistics as they stood at a
    /// moment (--as-of RFC 3339) or a log position (--position), folded from the
    /// log up to then, as JSON.
    State {
        #[arg(long)]
        conference: String,
        /// An order's state; without it, the conference's statistics.
        #[arg(long)]
        order: Option<String>,
        #[arg(
            long,
            conflicts_with = "position",
            required_unless_present = "position"
        )]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long)]
        position: Option<i64>,
    },
    /// A conference's events in order.
    History {
        #[arg(long)]
        conference: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateCli {
    /// Seals the plain e-mails, names and billing details of events written by
    /// the first releases (and drops those of erased people), then rebuilds the
    /// read models. Resumable: run it again after an interruption.
    PersonalData,
}

#[derive(Debug, Subcommand)]
pub enum UserCli {
    /// Creates a user (use --admin for the first admin).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        admin: bool,
    },
    /// Erases a user's personal data (crypto-shredding: their key is forgotten;
    /// their fields read as "erased", their log-in is gone). Final.
    Erase {
        #[arg(long)]
        email: String,
    },
}

/// Prints a rebuild's progress on stderr every second: events done of the log
/// head, rate, time left.
async fn print_rebuild_progress(done: Arc<std::sync::atomic::AtomicI64>, head: i64) {
    use std::io::Write;
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let at = done.load(std::sync::atomic::Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64().max(1e-6);
        let rate = at as f64 / secs;
        let left = if rate > 0.0 {
            (head - at).max(0) as f64 / rate
        } else {
            0.0
        };
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r  rebuild: {at}/{head} events, {rate:.0} events/s, {left:.1} s left   "
        );
        let _ = err.flush();
    }
}

/// `serve --demo`: the generated past years' size (about 40 shoppers the first
/// year): a few seconds in a release build.
const DEMO_SCALE: f64 = 0.04;

fn env_map() -> HashMap<String, String> {
    std::env::vars().collect()
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            bind,
            db,
            config,
            demo,
            instance_id,
        } => {
            if let Some(id) = &instance_id {
                tessera_replay::leader::name_this_instance(id);
            }
            let config = Config::load(config.as_deref(), &env_map())?;
            let url = database_url(db.database_url);
            let db = crate::server::open_db_with(&url, config.database_max_connections)
                .await
                .with_context(|| format!("opening {url}"))?;
            if demo {
                let bus = Arc::new(crate::bus::CommandBus::new(
                    db.clone(),
                    tessera_aggregates::DomainServices::new(Arc::new(SystemClock)),
                    None,
                ));
                crate::bootstrap::demo_series::load(&bus)
                    .await
                    .context("loading the demo")?;
            }
            // The demo's past years are generated on a clock moved through their
            // sales, then released to the system's time.
            let clock = crate::demo::ManualClock::new(chrono::Utc::now());
            clock.release();
            let app = build_app(db, config, Arc::new(clock.clone())).await?;
            if demo {
                let slugs =
                    crate::bootstrap::demo_series::generate_past_years(&app, &clock, DEMO_SCALE)
                        .await
                        .context("generating the demo's past years")?;
                println!("Demo series: generated past years {}", slugs.join(", "));
            }
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("binding {bind}"))?;
            let addr = listener.local_addr()?;
            println!("Tessera listening on http://{addr} ({})", app.db.backend());
            if demo {
                use crate::bootstrap::demo_series as demo;
                println!(
                    "Dashboard: http://{addr}/dashboard/series/{}\nSign in as {} with password {}",
                    demo::SERIES,
                    demo::ORGANIZER_EMAIL,
                    demo::ORGANIZER_PASSWORD
                );
            }
            crate::serve(listener, app, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { what, db } => {
            let url = database_url(db.database_url);
            let db = open_db(&url).await?;
            println!("migrated {url}");
            match what {
                None => Ok(ExitCode::SUCCESS),
                Some(MigrateCli::PersonalData) => migrate_personal_data(&db).await,
            }
        }
        Command::Replay { command, db } => {
            let db = open_db(&database_url(db.database_url)).await?;
            replay(command, &db).await
        }
        Command::User { command, db } => {
            let db = open_db(&database_url(db.database_url)).await?;
            match command {
                UserCli::Create {
                    email,
                    password,
                    name,
                    admin,
                } => create_user(&db, &email, &password, name, admin).await,
                UserCli::Erase { email } => erase_user(&db, &email).await,
            }
        }
        Command::Bootstrap {
            config,
            update,
            dry_run,
            seed_demo,
            db,
        } => crate::bootstrap::run_cli(&config, update, dry_run, seed_demo, db.database_url).await,
        Command::Audit { command, db } => {
            crate::audit::cli::run(command, || async {
                open_db(&database_url(db.database_url)).await
            })
            .await
        }
        Command::Pretalx { command, db } => {
            pretalx::run(command, db.database_url, &env_map()).await
        }
        Command::Bench { command } => crate::bench::run(command).await,
        Command::Demo { command } => crate::demo::cli::run(command).await,
    }
}

/// Exit statuses of `replay verify --conference`.
pub const VERIFY_DIFFERENT: u8 = 1;
pub const VERIFY_SCHEMA_CHANGED: u8 = 3;
pub const VERIFY_NEVER_FROZEN: u8 = 4;

async fn verify_conference(db: &tessera_replay::Db, slug: &str) -> anyhow::Result<ExitCode> {
    use tessera_replay::stats::{Difference, Verdict};
    let id = conference_id(slug);
    let found =
        tessera_replay::stats::verify_conference(db, id, crate::process::stats::sha256_hex).await?;
    let Some((frozen, verdict)) = found else {
        println!("verify {slug}: never frozen");
        return Ok(ExitCode::from(VERIFY_NEVER_FROZEN));
    };
    let s = &frozen.snapshot;
    let print = |diffs: &[Difference]| {
        for d in diffs {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or("(missing)".into())
            };
            println!("--- {}", d.metric);
            println!("  snapshot: {}", show(&d.snapshot));
            println!("  replayed: {}", show(&d.replayed));
        }
    };
    match verdict {
        Verdict::Verified => {
            println!(
                "verify {slug}: the snapshot frozen at position {} (stats v{}, sha256 {}) matches the log",
                s.position, s.stats_version, s.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Tampered {
            digest_ok,
            differences,
        } => {
            println!(
                "verify {slug}: the snapshot frozen at position {} differs from the log replayed to it: {} metric(s){}",
                s.position,
                differences.len(),
                if digest_ok {
                    ""
                } else {
                    "; its SHA-256 does not match its text"
                }
            );
            print(&differences);
            Ok(ExitCode::from(VERIFY_DIFFERENT))
        }
        Verdict::SchemaChanged {
            recorded,
            current,
            differences,
        } => {
            println!(
                "verify {slug}: schema change, not tampering: the snapshot was made by stats v{recorded}, this build is v{current}; {} metric(s) differ when recomputed",
                differences.len()
            );
            print(&differences);
            Ok(ExitCode::from(VERIFY_SCHEMA_CHANGED))
        }
    }
}

async fn replay(command: ReplayCommand, db: &tessera_replay::Db) -> anyhow::Result<ExitCode> {
    match command {
        ReplayCommand::Status => {
            println!(
                "{:<22} {:>7} {:>10} {:<12} {:>12} {:>12} {:>10}",
                "projection", "version", "generation", "status", "checkpoint", "head", "lag"
            );
            for s in admin::status(db).await? {
                println!(
                    "{:<22} {:>7} {:>10} {:<12} {:>12} {:>12} {:>10}",
                    s.name, s.version, s.generation, s.status, s.checkpoint, s.head, s.lag
                );
            }
            crate::scale::print_leaders(db).await?;
            Ok(ExitCode::SUCCESS)
        }
        ReplayCommand::Rebuild { projection } => {
            use tessera_replay::stats_model;
            if matches!(projection.as_deref(), Some(stats_model::NAME | "stats")) {
                let (generation, conferences, seconds) =
                    crate::scale::rebuild_stats_model(db).await?;
                println!(
                    "rebuilt {} as generation {generation}: {conferences} conferences in {seconds:.3}s; now live",
                    stats_model::NAME
                );
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(p) = &projection
                && !tessera_replay::views::view_names().contains(&p.as_str())
            {
                anyhow::bail!(
                    "unknown projection '{p}'; known: {}, {}",
                    tessera_replay::views::view_names().join(", "),
                    stats_model::NAME
                );
            }
            let head = db.head().await?;
            let done = Arc::new(std::sync::atomic::AtomicI64::new(0));
            let printer = tokio::spawn(print_rebuild_progress(done.clone(), head));
            let rebuilt =
                crate::scale::rebuild_with_progress(db, projection.as_deref(), Some(done)).await;
            printer.abort();
            eprintln!();
            let rebuilt = rebuilt?;
            for r in &rebuilt {
                println!(
                    "rebuilt {} as generation {}: {} events in {:.3}s; now live",
                    r.name, r.generation, r.events, r.seconds
                );
            }
            println!(
                "the replaced generations' rows dropped after: {} rows in {:.3}s",
                rebuilt.iter().map(|r| r.old_rows).sum::<u64>(),
                rebuilt.iter().map(|r| r.drop_seconds).sum::<f64>()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReplayCommand::Verify {
            conference: Some(slug),
        } => verify_conference(db, &slug).await,
        ReplayCommand::Verify { conference: None } => {
            let diffs = admin::verify(db).await?;
            if diffs.is_empty() {
                println!("verify: every live projection matches a rebuild from position 0");
                return Ok(ExitCode::SUCCESS);
            }
            println!("verify: {} difference(s)", diffs.len());
            for d in diffs {
                println!("--- {} {}", d.projection, d.key);
                println!(
                    "  live:    {}",
                    d.live.map(|v| v.to_string()).unwrap_or("(missing)".into())
                );
                println!(
                    "  rebuilt: {}",
                    d.rebuilt
                        .map(|v| v.to_string())
                        .unwrap_or("(missing)".into())
                );
            }
            Ok(ExitCode::FAILURE)
        }
        ReplayCommand::State {
            conference,
            order,
            as_of,
            position,
        } => {
            use crate::audit::state::{AsOf, order_as_of};
            let at = match (as_of, position) {
                (Some(t), _) => AsOf::Time(t),
                (None, Some(p)) => AsOf::Position(p),
                (None, None) => anyhow::bail!("give --as-of or --position"),
            };
            let Some(order) = order else {
                let (up_to, until) = match at {
                    AsOf::Time(t) => (None, Some(t + chrono::Duration::microseconds(1))),
                    AsOf::Position(p) => (Some(p), None),
                };
                let conf = conference_id(&conference);
                let Some((position, stats)) =
                    tessera_replay::stats::as_of(db, conf, up_to, until).await?
                else {
                    anyhow::bail!("conference {conference} had no event then");
                };
                let doc = serde_json::json!({
                    "conference": conference,
                    "position": position,
                    "stats": stats,
                });
                println!("{}", serde_json::to_string_pretty(&doc)?);
                return Ok(ExitCode::SUCCESS);
            };
            let id = crate::ids::order_id(&order);
            let Some(folded) = order_as_of(db, conference_id(&conference), id, at).await? else {
                anyhow::bail!("order {order} of {conference} did not exist then");
            };
            let doc = serde_json::json!({
                "reference": order,
                "position": folded.position,
                "events": folded.events,
                "state": folded.order,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(ExitCode::SUCCESS)
        }
        ReplayCommand::History { conference, json } => {
            let id = conference_id(&conference);
            let events = tessera_replay::log::conference_history(db, &id.to_string()).await?;
            if events.is_empty() {
                anyhow::bail!("no events for conference '{conference}'");
            }
            if json {
                let docs: Vec<serde_json::Value> = events
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "position": e.position,
                            "recorded_at": e.recorded_at,
                            "aggregate_type": e.aggregate_type,
                            "aggregate_id": e.aggregate_id,
                            "sequence": e.sequence,
                            "event_type": e.event_type,
                            "payload": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or_default(),
                            "metadata": serde_json::from_str::<serde_json::Value>(&e.metadata).unwrap_or_default(),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&docs)?);
            } else {
                for e in events {
                    let meta: HashMap<String, String> =
                        serde_json::from_str(&e.metadata).unwrap_or_default();
                    println!(
                        "#{:<8} {}  {}/{} #{}  {}  by {}  {}",
                        e.position,
                        e.recorded_at.format("%Y-%m-%d %H:%M:%S%.3f"),
                        e.aggregate_type,
                        e.aggregate_id,
                        e.sequence,
                        e.event_type,
                        meta.get("actor").map(String::as_str).unwrap_or("system"),
                        e.payload
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create_user(
    db: &tessera_replay::Db,
    email: &str,
    password: &str,
    name: Option<String>,
    admin: bool,
) -> anyhow::Result<ExitCode> {
    let bus = CommandBus::new(
        db.clone(),
        tessera_aggregates::DomainServices::new(Arc::new(SystemClock)),
        None,
    );
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
    let personal = PersonalData::for_cli(db).await?;
    let id = create_user_with(&bus, &personal, email, password, &name, admin).await?;
    println!(
        "user {email} ({id}){}",
        if admin { " is an admin" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

async fn migrate_personal_data(db: &tessera_replay::Db) -> anyhow::Result<ExitCode> {
    let personal = PersonalData::for_cli(db).await?;
    let report = crate::personal::migrate::migrate_personal_data(db, &personal, |r| {
        eprintln!(
            "personal data: {} events looked at, {} sealed, {} of erased people dropped",
            r.scanned, r.sealed, r.dropped
        );
    })
    .await?;
    println!(
        "personal data: {} events looked at, {} sealed, {} of erased people dropped",
        report.scanned, report.sealed, report.dropped
    );
    if report.sealed + report.dropped > 0 {
        // The read models still hold the plain values they were folded from.
        for r in admin::rebuild(db, None).await? {
            println!("rebuilt {} as generation {}", r.name, r.generation);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn erase_user(db: &tessera_replay::Db, email: &str) -> anyhow::Result<ExitCode> {
    let bus = CommandBus::new(
        db.clone(),
        tessera_aggregates::DomainServices::new(Arc::new(SystemClock)),
        None,
    );
    let id = user_id(email);
    let exists = bus
        .inspect(&User::stream(id), |u| u.exists())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !exists {
        anyhow::bail!("no user {email}");
    }
    PersonalData::for_cli(db).await?.erase(id).await?;
    println!("user {id}: personal data erased");
    Ok(ExitCode::SUCCESS)
}
