//! Several `tessera serve` processes on one PostgreSQL: a cluster of real
//! binaries, a ticket rush round-robin through them, leader kills. Used by
//! `tessera bench instances` (figures) and by the scale-out tests (outcomes).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tessera_aggregates::DomainServices;
use tessera_aggregates::inventory::Inventory;
use tessera_replay::Db;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::app::inventory_id;
use crate::bus::CommandBus;
use crate::config::Config;
use crate::server::{SystemClock, build_app, open_db};

pub use super::rush::CONF;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http()
}

/// Seeds the rush (conference, `tickets` of stock, `buyers` signed-in buyers) on
/// `url` through a short-lived in-process instance that never leads afterwards.
/// Returns the buyers' bearer tokens.
pub async fn prepare(url: &str, buyers: usize, tickets: u32) -> anyhow::Result<Vec<String>> {
    let db = open_db(url).await?;
    let app = build_app(db, Config::default(), Arc::new(SystemClock)).await?;
    let tokens = super::rush::prepare(&app, buyers, tickets, 1).await?;
    app.leadership.stop().await;
    if let Db::Postgres(p) = &app.db {
        p.close().await;
    }
    Ok(tokens)
}

/// Tickets sold plus held of the rush's stock, read from the inventory's stream.
pub async fn taken(url: &str) -> anyhow::Result<u64> {
    let db = open_db(url).await?;
    let bus = CommandBus::new(db, DomainServices::new(Arc::new(SystemClock)), None);
    let now = bus.services().now();
    let ledger = Inventory::stream(inventory_id(crate::app::conference_id(CONF)));
    bus.inspect(&ledger, |inv| {
        let p = tessera_aggregates::pricing::ProductRef::ticket("individual");
        inv.sold(&p) + inv.held(&p, now)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// One `tessera serve` child process.
pub struct Instance {
    pub id: String,
    pub base: String,
    child: tokio::process::Child,
}

/// `n` serve processes of `bin` over `url`, instance ids `i0`, `i1`, …
pub struct Cluster {
    bin: PathBuf,
    url: String,
    /// `--config` of every instance (Stripe's address, say), when set.
    config: Option<PathBuf>,
    pub instances: Vec<Option<Instance>>,
}

impl Cluster {
    pub async fn start(bin: PathBuf, url: &str, n: usize) -> anyhow::Result<Self> {
        Self::start_with_config(bin, url, n, None).await
    }

    /// Like [`Cluster::start`], every instance reading the configuration file `config`.
    pub async fn start_with_config(
        bin: PathBuf,
        url: &str,
        n: usize,
        config: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let mut cluster = Self {
            bin,
            url: url.to_string(),
            config,
            instances: (0..n).map(|_| None).collect(),
        };
        for i in 0..n {
            cluster.spawn(i).await?;
        }
        Ok(cluster)
    }

    /// (Re)starts instance `i`; returns once it answers on its socket.
    pub async fn spawn(&mut self, i: usize) -> anyhow::Result<()> {
        let id = format!("i{i}");
        let mut command = tokio::process::Command::new(&self.bin);
        command.args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &self.url,
        ]);
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        let mut child = command
            .args(["--instance-id", &id])
            .env("RUST_LOG", "error")
            // Three instances and the bench share PostgreSQL's 100 connections.
            .env("TESSERA_DATABASE_MAX_CONNECTIONS", "20")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawning {}", self.bin.display()))?;
        let out = child.stdout.take().context("child stdout")?;
        let mut lines = BufReader::new(out).lines();
        let base = tokio::time::timeout(Duration::from_secs(120), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    return Some(url.to_string());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .context("the instance never printed its URL")?;
        // Keep draining its stdout so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.instances[i] = Some(Instance { id, base, child });
        Ok(())
    }

    pub fn bases(&self) -> Vec<String> {
        self.instances
            .iter()
            .flatten()
            .map(|i| i.base.clone())
            .collect()
    }

    /// SIGKILL of instance `i` (no shutdown of any kind).
    pub async fn kill(&mut self, i: usize) {
        if let Some(mut inst) = self.instances[i].take() {
            let _ = inst.child.start_kill();
            let _ = inst.child.wait().await;
        }
    }

    pub async fn kill_all(&mut self) {
        for i in 0..self.instances.len() {
            self.kill(i).await;
        }
    }

    /// `/readyz` of instance `i`, when it answers.
    pub async fn readyz(&self, client: &HttpClient, i: usize) -> Option<serde_json::Value> {
        let inst = self.instances.get(i)?.as_ref()?;
        let uri: hyper::Uri = format!("{}/readyz", inst.base).parse().ok()?;
        let resp = tokio::time::timeout(Duration::from_secs(2), client.get(uri))
            .await
            .ok()?
            .ok()?;
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        serde_json::from_slice(&body).ok()
    }

    /// Which running instance leads `job`, by their `/readyz`.
    pub async fn leader_of(&self, client: &HttpClient, job: &str) -> Option<usize> {
        for i in 0..self.instances.len() {
            if let Some(r) = self.readyz(client, i).await
                && r["leads"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|j| j == job))
            {
                return Some(i);
            }
        }
        None
    }

    /// Waits until some instance leads `job`: its index and how long it took.
    pub async fn wait_for_leader(
        &self,
        client: &HttpClient,
        job: &str,
        within: Duration,
    ) -> Option<(usize, Duration)> {
        let started = Instant::now();
        while started.elapsed() < within {
            if let Some(i) = self.leader_of(client, job).await {
                return Some((i, started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

async fn post(
    client: &HttpClient,
    base: &str,
    token: &str,
    path: &str,
    body: &'static str,
) -> Option<u16> {
    let req = hyper::Request::builder()
        .method("POST")
        .uri(format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .ok()?;
    let resp = tokio::time::timeout(Duration::from_secs(30), client.request(req))
        .await
        .ok()?
        .ok()?;
    let status = resp.status().as_u16();
    let _ = resp.into_body().collect().await;
    Some(status)
}

/// POSTs to the `first`-th base, and on a transport failure (an instance that
/// died) to the next ones in turn.
async fn post_any(
    client: &HttpClient,
    bases: &[String],
    first: usize,
    token: &str,
    path: &str,
    body: &'static str,
) -> Option<u16> {
    for k in 0..bases.len() {
        let base = &bases[(first + k) % bases.len()];
        if let Some(s) = post(client, base, token, path, body).await {
            return Some(s);
        }
    }
    None
}

#[derive(Debug, Default, Clone)]
pub struct RushOutcome {
    pub checkouts: u64,
    pub refused: u64,
    pub failed: u64,
    /// From the first request to the last successful checkout.
    pub seconds: f64,
}

/// Each buyer adds a ticket through one instance and checks out through the next
/// (round-robin), `concurrency` buyers at a time. `progress` counts finished buyers.
pub async fn rush(
    bases: Vec<String>,
    tokens: Vec<String>,
    concurrency: usize,
    progress: Arc<std::sync::atomic::AtomicUsize>,
) -> RushOutcome {
    let client = client();
    let bases = Arc::new(bases);
    let room = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.into_iter().enumerate() {
        let (client, bases, room, progress) = (
            client.clone(),
            bases.clone(),
            room.clone(),
            progress.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _place = room.acquire_owned().await;
            let cart = format!("/api/v1/conferences/{CONF}/cart/items");
            let add = post_any(
                &client,
                &bases,
                i,
                &token,
                &cart,
                r#"{"ticket_type":"individual","quantity":1}"#,
            )
            .await;
            let out = match add {
                Some(201) => {
                    let checkout = format!("/api/v1/conferences/{CONF}/checkout");
                    post_any(&client, &bases, i + 1, &token, &checkout, "{}").await
                }
                other => other,
            };
            progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (out, Instant::now())
        }));
    }
    let mut outcome = RushOutcome::default();
    let mut last = started;
    for t in tasks {
        match t.await {
            Ok((Some(201), at)) => {
                outcome.checkouts += 1;
                last = last.max(at);
            }
            Ok((Some(s), _)) if s < 500 => outcome.refused += 1,
            _ => outcome.failed += 1,
        }
    }
    outcome.seconds = (last - started).as_secs_f64();
    outcome
}

/// Samples every `every` until `stop`: the projections' lag behind the log head
/// (a histogram of events), and whether any checkpoint ever moved backwards
/// (the (name, generation) pairs that did).
pub async fn watch_checkpoints(
    db: Db,
    every: Duration,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<(Histogram<u64>, Vec<String>)> {
    let mut lag = Histogram::<u64>::new(3)?;
    let mut seen: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let mut backwards = vec![];
    let names: Vec<String> = tessera_replay::views::view_names()
        .into_iter()
        .map(String::from)
        .collect();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        if let (Ok(head), Ok(Some(pos))) = (
            db.head().await,
            tessera_replay::follow::stored_position(&db, &names).await,
        ) {
            let _ = lag.record((head - pos).max(0) as u64);
        }
        if let Ok(gens) = tessera_replay::storage::generations(&db).await {
            for g in gens {
                let key = (g.name.clone(), g.generation);
                if let Some(before) = seen.get(&key)
                    && g.position < *before
                {
                    backwards.push(format!(
                        "{} gen {}: {} -> {}",
                        g.name, g.generation, before, g.position
                    ));
                }
                seen.insert(key, g.position);
            }
        }
        tokio::time::sleep(every).await;
    }
    Ok((lag, backwards))
}

/// `tessera bench instances`: rush checkouts/s through 1 and through 3 instances,
/// the projections' lag p99 under the 3-instance rush, and the takeover time after
/// a SIGKILL of the projections' leader (median of `takeovers`).
pub async fn bench(
    buyers: usize,
    tickets: u32,
    concurrency: usize,
    takeovers: usize,
) -> anyhow::Result<()> {
    let bin = std::env::current_exe()?;
    let client = client();
    for n in [1usize, 3] {
        let (url, name) = super::scratch("postgres").await?;
        let tokens = prepare(&url, buyers, tickets).await?;
        let mut cluster = Cluster::start(bin.clone(), &url, n).await?;
        cluster
            .wait_for_leader(
                &client,
                tessera_replay::leader::PROJECTIONS,
                Duration::from_secs(30),
            )
            .await
            .context("no instance leads the projections")?;
        let db = open_db(&url).await?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = tokio::spawn(watch_checkpoints(
            db.clone(),
            Duration::from_millis(20),
            stop.clone(),
        ));
        let out = rush(cluster.bases(), tokens, concurrency, Default::default()).await;
        // Let the projections finish the rush before the lag sampling stops.
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (lag, backwards) = watcher.await??;
        let taken = taken(&url).await?;
        println!(
            "{n} instance(s): {} checkouts in {:.2}s = {:.0} checkouts/s; refused {}, failed {}; taken {taken} of {tickets};              projection lag p50 {} p99 {} max {} events; checkpoints moved backwards: {}",
            out.checkouts,
            out.seconds,
            out.checkouts as f64 / out.seconds.max(1e-9),
            out.refused,
            out.failed,
            lag.value_at_quantile(0.5),
            lag.value_at_quantile(0.99),
            lag.max(),
            backwards.len()
        );
        if n == 3 && takeovers > 0 {
            let mut times = vec![];
            for _ in 0..takeovers {
                let (leader, _) = cluster
                    .wait_for_leader(
                        &client,
                        tessera_replay::leader::PROJECTIONS,
                        Duration::from_secs(30),
                    )
                    .await
                    .context("no leader")?;
                cluster.kill(leader).await;
                let (_, took) = cluster
                    .wait_for_leader(
                        &client,
                        tessera_replay::leader::PROJECTIONS,
                        Duration::from_secs(30),
                    )
                    .await
                    .context("no instance took over")?;
                times.push(took);
                cluster.spawn(leader).await?;
            }
            times.sort();
            println!(
                "takeover after SIGKILL of the projections' leader: median {:.0} ms, min {:.0} ms, max {:.0} ms ({} kills)",
                times[times.len() / 2].as_secs_f64() * 1000.0,
                times[0].as_secs_f64() * 1000.0,
                times[times.len() - 1].as_secs_f64() * 1000.0,
                times.len()
            );
        }
        cluster.kill_all().await;
        super::drop_scratch(db, name).await;
    }
    Ok(())
}
