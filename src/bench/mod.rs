//! `tessera bench …`: benchmarks that print their figures (never assert on time).
//! Run them with a release build: `cargo run --release -- bench …`.

mod audit;
pub mod instances;
mod lists;
mod pages;
pub(crate) mod rush;
mod stats;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails};
use tessera_aggregates::{DomainServices, natural_id};
use tessera_projections::EventMeta;
use tessera_replay::Db;

use crate::bus::CommandBus;
use crate::server::{SystemClock, open_db};

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Commands/s through the command bus vs raw single-row insert transactions.
    Append {
        #[arg(long, default_value = "postgres")]
        backend: String,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// A database to use (default: a fresh scratch database, dropped after).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// A ticket rush through the HTTP API: checkouts/s, latency, oversell check.
    Rush {
        #[arg(long, default_value = "postgres")]
        backend: String,
        #[arg(long, default_value_t = 3000)]
        buyers: usize,
        #[arg(long, default_value_t = 2000)]
        tickets: u32,
        /// Every Nth buyer applies the shared, limited voucher.
        #[arg(long, default_value_t = 10)]
        voucher_every: usize,
        /// Buyers in the shop at once, the rest waiting their turn (a waiting
        /// room); 0 lets every buyer in at the same instant.
        #[arg(long, default_value_t = 0)]
        concurrency: usize,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Events/s of an audit export and of its verification (chain, then against
    /// the log), over a seeded PostgreSQL log of one conference.
    Audit {
        #[arg(long, default_value_t = 200_000)]
        events: i64,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// First-page latency of every list with its filters, and items/s walking
    /// every page of the orders, over seeded read models.
    Lists {
        #[arg(long, default_value = "postgres")]
        backend: String,
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
        #[arg(long, default_value_t = 120_000)]
        attendees: usize,
        /// First-page requests per list and filter.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Several `serve` processes on one scratch PostgreSQL: rush checkouts/s through
    /// 1 and 3 instances, projection lag p99 under the rush, takeover time after
    /// SIGKILL of the leader (docs/scale-out.md).
    Instances {
        #[arg(long, default_value_t = 2000)]
        buyers: usize,
        #[arg(long, default_value_t = 1500)]
        tickets: u32,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        takeovers: usize,
    },
    /// On a generated multi-year history (`demo generate`): stats read and
    /// comparison p99, full rebuild vs raw read + decode, freeze + verify of a year.
    Stats {
        /// The generator's scale (4 years at 18 ≈ 1,000,000 events).
        #[arg(long, default_value_t = 18.0)]
        scale: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Requests per measured read.
        #[arg(long, default_value_t = 500)]
        samples: usize,
        /// A database already holding the generated history (generated into a
        /// scratch database otherwise, and dropped after).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Every dashboard page of a series against a running `serve` (signed in
    /// through the login form): p50/p99 server time and bytes per page, and the
    /// overview's total transfer.
    Pages {
        /// The running server.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value = "organizer@democon.example")]
        email: String,
        #[arg(long, default_value = "demo organizer password")]
        password: String,
        #[arg(long, default_value = "democon")]
        series: String,
        /// Requests per page.
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Events/s of a full rebuild of every projection vs raw read + JSON decode.
    Replay {
        #[arg(long, default_value_t = 1_000_000)]
        events: i64,
        #[arg(long)]
        database_url: Option<String>,
    },
}

/// The server the scratch databases go on.
fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A scratch database of `backend`: `(url, cleanup name)`.
async fn scratch(backend: &str) -> anyhow::Result<(String, Option<String>)> {
    match backend {
        "postgres" => {
            let admin = server_url();
            let name = format!("tessera_bench_{}", chrono::Utc::now().timestamp_micros());
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .with_context(|| format!("connecting to {admin}"))?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await?;
            pool.close().await;
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(admin);
            Ok((format!("{base}/{name}"), Some(name)))
        }
        "sqlite" => {
            let path = std::env::temp_dir().join(format!(
                "tessera_bench_{}.db",
                chrono::Utc::now().timestamp_micros()
            ));
            Ok((format!("sqlite://{}", path.display()), None))
        }
        other => anyhow::bail!("unknown backend '{other}': postgres or sqlite"),
    }
}

async fn drop_scratch(db: Db, name: Option<String>) {
    if let Db::Postgres(pool) = &db {
        pool.close().await;
    }
    if let Some(name) = name
        && let Ok(pool) = sqlx::PgPool::connect(&server_url()).await
    {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
    }
}

struct Figures {
    ops: u64,
    seconds: f64,
    latency: Histogram<u64>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.ops as f64 / self.seconds
    }
    fn print(&self, label: &str) {
        println!(
            "{label:<28} {:>10.0} ops/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} ops in {:.1}s)",
            self.rate(),
            self.latency.value_at_quantile(0.5) as f64 / 1000.0,
            self.latency.value_at_quantile(0.99) as f64 / 1000.0,
            self.ops,
            self.seconds
        );
    }
}

/// Runs `op(worker, i)` from `concurrency` workers for `seconds`.
async fn drive<F, Fut>(concurrency: usize, seconds: u64, op: F) -> anyhow::Result<Figures>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = vec![];
    for worker in 0..concurrency {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            let mut i = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                op(worker, i).await?;
                h.record(t.elapsed().as_micros() as u64)?;
                i += 1;
            }
            anyhow::Ok(h)
        }));
    }
    let mut latency = Histogram::<u64>::new(3)?;
    for t in tasks {
        latency.add(t.await??)?;
    }
    Ok(Figures {
        ops: latency.len(),
        seconds: started.elapsed().as_secs_f64(),
        latency,
    })
}

pub async fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Append {
            backend,
            concurrency,
            seconds,
            database_url,
        } => append(&backend, concurrency, seconds, database_url).await,
        BenchCommand::Replay {
            events,
            database_url,
        } => replay(events, database_url).await,
        BenchCommand::Stats {
            scale,
            seed,
            samples,
            database_url,
        } => {
            let (url, cleanup) = match database_url {
                Some(u) => (u, None),
                None => scratch("postgres").await?,
            };
            // A scratch database is generated into; a given one only when empty.
            let outcome = stats::stats(&url, cleanup.is_some(), scale, seed, samples).await;
            if let Some(name) = cleanup
                && let Ok(pool) = sqlx::PgPool::connect(&server_url()).await
            {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
            }
            outcome?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Audit {
            events,
            database_url,
        } => audit::audit(events, database_url).await,
        BenchCommand::Pages {
            url,
            email,
            password,
            series,
            samples,
        } => {
            pages::pages(pages::PagesOptions {
                url,
                email,
                password,
                series,
                samples,
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Instances {
            buyers,
            tickets,
            concurrency,
            takeovers,
        } => {
            instances::bench(buyers, tickets, concurrency, takeovers).await?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Lists {
            backend,
            orders,
            attendees,
            samples,
            database_url,
        } => {
            let (url, cleanup) = match database_url {
                Some(u) => (u, None),
                None => scratch(&backend).await?,
            };
            let outcome = lists::lists(&url, orders, attendees, samples).await;
            if let Some(name) = cleanup
                && let Ok(pool) = sqlx::PgPool::connect(&server_url()).await
            {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
            }
            outcome?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Rush {
            backend,
            buyers,
            tickets,
            voucher_every,
            concurrency,
            database_url,
        } => {
            let (url, cleanup) = match database_url {
                Some(u) => (u, None),
                None => scratch(&backend).await?,
            };
            let outcome = rush::rush(&url, buyers, tickets, voucher_every, concurrency).await;
            if let Some(name) = cleanup
                && let Ok(pool) = sqlx::PgPool::connect(&server_url()).await
            {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
            }
            outcome?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn append(
    backend: &str,
    concurrency: usize,
    seconds: u64,
    database_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    let (url, cleanup) = match database_url {
        Some(u) => (u, None),
        None => scratch(backend).await?,
    };
    let db = open_db(&url).await?;
    println!("bench append: backend {backend}, concurrency {concurrency}, {seconds}s each");
    let conference = natural_id("conference", "bench");
    let meta = EventMeta {
        conference_id: Some(conference),
        actor: natural_id("user", "bench").to_string(),
        request_id: Some("bench-request".into()),
        ..Default::default()
    };
    let bus = Arc::new(CommandBus::new(
        db.clone(),
        DomainServices::new(Arc::new(SystemClock)),
        None,
    ));
    // One activity per worker: independent aggregates, each taking signups.
    for w in 0..concurrency {
        let id = Activity::stream(natural_id("activity", &format!("bench/{w}")));
        bus.send(
            &id,
            ActivityCommand::Create {
                conference_id: conference,
                slug: format!("bench-{w}"),
                details: ActivityDetails {
                    name: format!("Bench {w}"),
                    is_active: true,
                    ..Default::default()
                },
            },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let sample_payload;
    let sample_metadata;
    {
        let event = tessera_aggregates::activity::ActivityEvent::SignupConfirmed {
            user: natural_id("user", "sample"),
            note: String::new(),
            at: chrono::Utc::now(),
        };
        sample_payload = serde_json::to_string(&event)?;
        let mut m = meta.clone();
        m.recorded_at = Some(chrono::Utc::now());
        sample_metadata = serde_json::to_string(&m.to_map())?;
    }

    let bus_figures = {
        let bus = bus.clone();
        let meta = meta.clone();
        drive(concurrency, seconds, move |w, i| {
            let bus = bus.clone();
            let meta = meta.clone();
            async move {
                let id = Activity::stream(natural_id("activity", &format!("bench/{w}")));
                let user = natural_id("user", &format!("{w}/{i}"));
                bus.send(
                    &id,
                    ActivityCommand::SignUp {
                        user,
                        note: String::new(),
                    },
                    &meta,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(())
            }
        })
        .await?
    };
    let raw_figures = {
        let db = db.clone();
        drive(concurrency, seconds, move |w, i| {
            let db = db.clone();
            let payload = sample_payload.clone();
            let metadata = sample_metadata.clone();
            async move {
                raw_insert(&db, &format!("raw-{w}"), i as i64 + 1, &payload, &metadata).await?;
                Ok(())
            }
        })
        .await?
    };
    bus_figures.print("command bus (SignUp)");
    raw_figures.print("raw INSERT per transaction");
    println!(
        "ratio command bus / raw: {:.2} (goal ≥ 0.5)",
        bus_figures.rate() / raw_figures.rate()
    );
    drop_scratch(db, cleanup).await;
    Ok(ExitCode::SUCCESS)
}

async fn raw_insert(
    db: &Db,
    stream: &str,
    seq: i64,
    payload: &str,
    metadata: &str,
) -> anyhow::Result<()> {
    match db {
        Db::Postgres(p) => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                 VALUES ('raw', $1, $2, 'SignupConfirmed', '1', $3::json, $4::json)",
            )
            .bind(stream)
            .bind(seq)
            .bind(payload)
            .bind(metadata)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Db::Sqlite(p) => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                 VALUES ('raw', ?, ?, 'SignupConfirmed', '1', ?, ?)",
            )
            .bind(stream)
            .bind(seq)
            .bind(payload)
            .bind(metadata)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// Fills the log with `events` activity events: 1 000 activities, each created and
/// then taking signups, some cancelled.
async fn seed_log(db: &Db, events: i64) -> anyhow::Result<()> {
    let Db::Postgres(pool) = db else {
        anyhow::bail!("bench replay runs on PostgreSQL");
    };
    let activities: i64 = 1000;
    let per = (events / activities).max(1);
    let conference = natural_id("conference", "bench");
    // Generated in SQL: the log's JSON exactly as the aggregates write it.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         SELECT 'activity', 'bench-' || a, s, \
           CASE WHEN s = 1 THEN 'ActivityCreated' WHEN s % 10 = 0 THEN 'SignupCancelled' ELSE 'SignupConfirmed' END, '1', \
           CASE \
             WHEN s = 1 THEN json_build_object('ActivityCreated', json_build_object( \
               'conference_id', $1::text, 'slug', 'bench-' || a, 'at', '2027-05-01T09:00:00Z', \
               'details', json_build_object('name', 'Bench ' || a, 'activity_type', 'sprint', \
                 'start_time', null, 'end_time', null, 'max_participants', null, 'is_active', true))) \
             WHEN s % 10 = 0 THEN json_build_object('SignupCancelled', json_build_object( \
               'user', md5(a || '/' || (s - 1))::uuid, 'was', 'confirmed', 'at', '2027-05-01T09:00:00Z')) \
             ELSE json_build_object('SignupConfirmed', json_build_object( \
               'user', md5(a || '/' || s)::uuid, 'note', '', 'at', '2027-05-01T09:00:00Z')) \
           END, \
           json_build_object('conference_id', $1::text, 'actor', 'system', 'recorded_at', '2027-05-01T09:00:00Z') \
         FROM generate_series(1, $2::bigint) AS s, generate_series(1, $3::bigint) AS a \
         ORDER BY s, a",
    )
    .bind(conference.to_string())
    .bind(per)
    .bind(activities)
    .execute(pool)
    .await?;
    // A table filled by one statement has no statistics until autovacuum comes
    // by: without them the planner guesses a conference holds a few dozen events
    // and reads every one of them, sorted, for each export batch (1.7 s a batch
    // of 1,000 instead of 7 ms). A real log grows slowly and is analyzed as it does.
    sqlx::query("ANALYZE events").execute(pool).await?;
    Ok(())
}

async fn replay(events: i64, database_url: Option<String>) -> anyhow::Result<ExitCode> {
    let (url, cleanup) = match database_url {
        Some(u) => (u, None),
        None => scratch("postgres").await?,
    };
    let db = open_db(&url).await?;
    println!("bench replay: seeding {events} events…");
    let t = Instant::now();
    seed_log(&db, events).await?;
    let head = db.head().await?;
    println!(
        "seeded up to position {head} in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    raw_vs_rebuild(&db).await?;
    drop_scratch(db, cleanup).await;
    Ok(ExitCode::SUCCESS)
}

/// Raw read + JSON decode of the whole log, then a full rebuild of every projection
/// (rows written, switched live), in the same run: `(raw, rebuild)` events/s.
pub(crate) async fn raw_vs_rebuild(db: &Db) -> anyhow::Result<(f64, f64)> {
    // Raw: read every row in the reader's batches and JSON-decode payload and metadata.
    let t = Instant::now();
    let mut reader = tessera_replay::LogReader::new(db.clone());
    let (mut at, mut count) = (0, 0u64);
    loop {
        let batch = reader
            .read_after(at, tessera_replay::runner::REBUILD_BATCH)
            .await?;
        if batch.events.is_empty() {
            break;
        }
        for e in &batch.events {
            let p: serde_json::Value = serde_json::from_str(&e.payload)?;
            let m: serde_json::Value = serde_json::from_str(&e.metadata)?;
            std::hint::black_box((p, m));
            at = e.position;
            count += 1;
        }
    }
    let raw = count as f64 / t.elapsed().as_secs_f64();
    println!("raw read + JSON decode:  {count} events, {raw:>10.0} events/s");

    let t = Instant::now();
    let rebuilt = tessera_replay::admin::rebuild(db, None).await?;
    let total = t.elapsed().as_secs_f64();
    // Until the last projection was switched live; the old rows are dropped after.
    let seconds = rebuilt.iter().map(|r| r.seconds).fold(0.0, f64::max);
    let folded = rebuilt.first().map(|r| r.events).unwrap_or(0);
    let full = folded as f64 / seconds;
    println!(
        "full rebuild ({} projections, rows written, switched live): {folded} events in {seconds:.1} s, {full:>10.0} events/s",
        rebuilt.len()
    );
    println!(
        "  then the replaced generations' {} rows dropped in {:.1} s ({:.0} events/s counting it)",
        rebuilt.iter().map(|r| r.old_rows).sum::<u64>(),
        total - seconds,
        folded as f64 / total
    );
    println!(
        "ratio rebuild / raw: {:.2} (goals: ≥ 300000 events/s and ≥ 0.5 of raw)",
        full / raw
    );
    Ok((raw, full))
}
