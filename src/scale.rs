//! Several instances on one PostgreSQL: each background job runs on the instance
//! that leads it (`tessera_replay::leader`), and every instance answers reads,
//! following the leaders' progress through notifications (`tessera_replay::follow`).
//!
//! Jobs: the projection runner ([`PROJECTIONS`]), the process managers
//! ([`reactor::NAME`]), the stored stats model (`conference_stats`), the hold
//! sweeper, the receipt file orphan sweeper, the as-of checkpointer and the
//! idempotency cleanup. A job is
//! started afresh from its stored checkpoint each time an instance takes it.
//! SQLite is one process: every job leads at once, as before.

use std::sync::Arc;
use std::time::Duration;

use tessera_replay::follow::{self, Followed, OtherWriters, bump, stored_position};
use tessera_replay::leader::{JobFuture, Leadership, PROJECTIONS};
use tessera_replay::stats_model::{self, StatsHandle, StatsJob};
use tessera_replay::{Db, LogWindow, Runner, RunnerHandle};
use tokio::sync::{Notify, watch};

use crate::app::AppState;
use crate::process::Processes;
use crate::reactor::{self, Reactor, ReactorHandle};

/// How long a failed job start waits before the next try.
const RETRY: Duration = Duration::from_millis(500);

fn view_names() -> Vec<String> {
    tessera_replay::views::view_names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// The projection runner under leadership. When this instance takes the job at
/// once (always on SQLite), the projections are caught up before this returns, as
/// a single instance always did; a standby's handle follows the leader.
pub async fn projections(
    leadership: &Leadership,
    db: &Db,
    log: &Arc<LogWindow>,
) -> anyhow::Result<RunnerHandle> {
    let published = Arc::new(watch::channel(0).0);
    if let Some(p) = stored_position(db, &view_names()).await? {
        bump(&published, p);
    }
    let wake = Arc::new(Notify::new());
    let handle = RunnerHandle::new(wake.clone(), published.clone());
    let first = leadership.try_acquire(PROJECTIONS).await?;
    let mut preloaded = match first {
        Some(_) => {
            let mut runner = Runner::load_publishing(db.clone(), published.clone())
                .await?
                .share_log(log.clone());
            runner.catch_up().await?;
            Some(runner)
        }
        None => None,
    };
    let (db, log) = (db.clone(), log.clone());
    leadership.run(PROJECTIONS, first, move || -> JobFuture {
        let (runner, db, published, wake, log) = (
            preloaded.take(),
            db.clone(),
            published.clone(),
            wake.clone(),
            log.clone(),
        );
        Box::pin(async move {
            let runner = match runner {
                Some(r) => r,
                None => loop {
                    match Runner::load_publishing(db.clone(), published.clone()).await {
                        Ok(r) => break r.share_log(log.clone()),
                        Err(e) => tracing::error!(error = %e, "projection runner cannot load"),
                    }
                    tokio::time::sleep(RETRY).await;
                },
            };
            runner.run(wake).await
        })
    });
    Ok(handle)
}

/// The stored statistics model (`tessera_replay::stats_model`) under leadership:
/// follows the projection runner and keeps one stats row per conference. Not
/// awaited: reads fall back to computing live until it has caught up.
pub async fn stats_model(
    leadership: &Leadership,
    db: &Db,
    runner: &RunnerHandle,
) -> anyhow::Result<StatsHandle> {
    let published = Arc::new(watch::channel(0).0);
    if let Some(p) = stored_position(db, &[stats_model::NAME.to_string()]).await? {
        bump(&published, p);
    }
    let handle = StatsHandle::new(published.clone());
    let (db, runner) = (db.clone(), runner.clone());
    leadership.run(stats_model::NAME, None, move || -> JobFuture {
        let (db, runner, published) = (db.clone(), runner.clone(), published.clone());
        Box::pin(async move {
            let job = loop {
                match StatsJob::load(db.clone(), runner.clone(), published.clone()).await {
                    Ok(j) => break j,
                    Err(e) => tracing::error!(error = %e, "stats model cannot load"),
                }
                tokio::time::sleep(RETRY).await;
            };
            job.run().await
        })
    });
    Ok(handle)
}

/// The process managers under leadership (see [`projections`]).
pub async fn process_managers(
    leadership: &Leadership,
    db: &Db,
    processes: Arc<Processes>,
    wake: Arc<Notify>,
    log: &Arc<LogWindow>,
) -> anyhow::Result<ReactorHandle> {
    let published = Arc::new(watch::channel(0).0);
    if let Some(p) = stored_position(db, &[reactor::NAME.to_string()]).await? {
        bump(&published, p);
    }
    let handle = ReactorHandle::new(wake.clone(), published.clone());
    let first = leadership.try_acquire(reactor::NAME).await?;
    let (db, log) = (db.clone(), log.clone());
    leadership.run(reactor::NAME, first, move || -> JobFuture {
        let (db, processes, published, wake, log) = (
            db.clone(),
            processes.clone(),
            published.clone(),
            wake.clone(),
            log.clone(),
        );
        Box::pin(async move {
            let reactor = loop {
                match Reactor::load_publishing(db.clone(), processes.clone(), published.clone())
                    .await
                {
                    Ok(r) => break r.share_log(log.clone()),
                    Err(e) => tracing::error!(error = %e, "process managers cannot load"),
                }
                tokio::time::sleep(RETRY).await;
            };
            reactor.run(wake).await
        })
    });
    Ok(handle)
}

/// Follows the other instances (PostgreSQL): their commits wake this instance's
/// jobs, their leaders' progress answers this instance's waiting reads; this
/// instance's commits (`commits`, a bus waker) are announced to them under its
/// name (`leadership`'s instance); `others` learns when anyone else committed.
/// Their commits also wake `tailers` (the log's other tailers here, such as the
/// notifications outbox).
pub fn follow(
    db: &Db,
    leadership: &Leadership,
    (runner, reactor, stats): (&RunnerHandle, &ReactorHandle, &StatsHandle),
    commits: Arc<Notify>,
    tailers: &[Arc<Notify>],
    others: Arc<OtherWriters>,
) {
    let instance = leadership.instance().to_string();
    follow::spawn_event_notifier(db.clone(), commits, instance.clone());
    let followed = vec![
        Followed {
            job: PROJECTIONS.to_string(),
            names: view_names(),
            published: runner.publisher(),
        },
        Followed {
            job: reactor::NAME.to_string(),
            names: vec![reactor::NAME.to_string()],
            published: reactor.publisher(),
        },
        Followed {
            job: stats_model::NAME.to_string(),
            names: vec![stats_model::NAME.to_string()],
            published: stats.publisher(),
        },
    ];
    follow::spawn_follower(
        db.clone(),
        followed,
        [runner.waker(), reactor.wake.clone()]
            .into_iter()
            .chain(tailers.iter().cloned())
            .collect(),
        instance,
        {
            let leadership = leadership.clone();
            move |job: &str| leadership.leads(job)
        },
        others,
    );
}

/// The hold sweeper (ORDER-20) and the receipt file orphan sweeper, timers only a
/// serving process runs, under leadership. Aborting the handle stops the job.
pub fn serve_jobs(app: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let (bus, every) = (app.bus.clone(), app.config.hold_sweep_interval());
    let sweeper = app
        .leadership
        .run(crate::process::sweeper::JOB, None, move || -> JobFuture {
            Box::pin(crate::process::sweeper::run(bus.clone(), every))
        });
    let (records, minutes) = (app.records(), app.config.files.orphan_minutes);
    let orphans = app.leadership.run(
        crate::process::grant_receipts::ORPHAN_JOB,
        None,
        move || -> JobFuture {
            Box::pin(crate::process::grant_receipts::run_orphan_sweeper(
                records.clone(),
                minutes,
            ))
        },
    );
    let db = app.db.clone();
    let checkpoints = app
        .leadership
        .run(CHECKPOINT_JOB, None, move || -> JobFuture {
            Box::pin(tessera_replay::stats_model::run_checkpointer(
                db.clone(),
                CHECKPOINT_INTERVAL,
            ))
        });
    vec![sweeper, orphans, checkpoints]
}

/// The job that keeps the as-of checkpoints of every conference's statistics
/// fold current (`tessera_replay::stats::keep_checkpoints`).
pub const CHECKPOINT_JOB: &str = "stats_fold_checkpoints";
/// How often it looks for conferences with enough new events.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(60);

/// How long a CLI rebuild waits for the serving leader to hand the projections over.
const HAND_OVER_WAIT: Duration = Duration::from_secs(30);

/// `tessera replay rebuild` beside serving instances: asks the leader of the
/// projections to hand the job over (it yields at its next heartbeat), then, while
/// holding it, folds the live generations (reads stay fresh) and builds the new
/// ones; switches; gives the job back. Nobody races the rebuild for a checkpoint.
pub async fn rebuild(
    db: &Db,
    only: Option<&str>,
) -> anyhow::Result<Vec<tessera_replay::admin::Rebuilt>> {
    rebuild_with_progress(db, only, None).await
}

/// [`rebuild`], storing the position folded so far in `progress` (the CLI prints
/// events done, rate and time left from it).
pub async fn rebuild_with_progress(
    db: &Db,
    only: Option<&str>,
    progress: Option<Arc<std::sync::atomic::AtomicI64>>,
) -> anyhow::Result<Vec<tessera_replay::admin::Rebuilt>> {
    let me = format!("rebuild@{}", tessera_replay::leader::default_instance_id());
    let leadership = Leadership::new(db.clone(), me);
    let work = async {
        let live = Runner::load(db.clone()).await?;
        let live = tokio::spawn(live.run(Arc::new(Notify::new())));
        let rebuilt = tessera_replay::admin::rebuild_with_progress(db, only, progress).await;
        live.abort();
        Ok::<_, anyhow::Error>(rebuilt?)
    };
    leadership
        .exclusively(PROJECTIONS, HAND_OVER_WAIT, work)
        .await?
}

/// `tessera replay rebuild --projection conference_stats`: holding the stats
/// model's job (its leader hands it over), recomputes every conference into a new
/// generation beside the live rows (which keep answering), prints progress, and
/// switches.
pub async fn rebuild_stats_model(db: &Db) -> anyhow::Result<(i64, usize, f64)> {
    let me = format!("rebuild@{}", tessera_replay::leader::default_instance_id());
    let leadership = Leadership::new(db.clone(), me);
    let work = async {
        let started = std::time::Instant::now();
        let position = stored_position(db, &view_names()).await?.unwrap_or(0);
        let mut count = 0;
        let g = stats_model::rebuild(db, position, &mut |p: stats_model::Progress| {
            count = p.total;
            stats_model::print_progress(p);
        })
        .await?;
        Ok::<_, anyhow::Error>((g.generation, count, started.elapsed().as_secs_f64()))
    };
    leadership
        .exclusively(stats_model::NAME, HAND_OVER_WAIT, work)
        .await?
}

/// The `job_leaders` table for `replay status`: who leads which job, since when,
/// and how long ago its last heartbeat was.
pub async fn print_leaders(db: &Db) -> anyhow::Result<()> {
    let leaders = tessera_replay::leader::leaders(db).await?;
    if leaders.is_empty() {
        return Ok(());
    }
    println!();
    println!(
        "{:<22} {:<32} {:>14} {:>14}  hand-over to",
        "job", "leader", "leading (s)", "heartbeat (s)"
    );
    let now = chrono::Utc::now().timestamp_millis();
    for l in leaders {
        println!(
            "{:<22} {:<32} {:>14.1} {:>14.1}  {}",
            l.job,
            l.instance,
            (now - l.since_ms).max(0) as f64 / 1000.0,
            l.heartbeat_age_ms as f64 / 1000.0,
            l.wanted_by.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
