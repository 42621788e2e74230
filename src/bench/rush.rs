//! `tessera bench rush`: a ticket rush through the real HTTP API on a socket.
//! Pre-created buyers all at once add a ticket to their cart and check out against
//! one shared stock (some with a shared, limited voucher). Prints checkouts/s until
//! sold out, checkout latency, tickets sold, oversold and vouchers over-used.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tessera_aggregates::conference::ConferenceDetails;
use tessera_aggregates::inventory::{Inventory, InventoryCommand, TicketType};
use tessera_aggregates::pricing::{Voucher, VoucherKind};
use tessera_aggregates::user::{User, UserCommand};
use tessera_projections::EventMeta;

use crate::app::{AppState, inventory_id, user_id};
use crate::config::Config;
use crate::meta::CommandMeta;
use crate::server::{SystemClock, build_app, open_db};

pub const CONF: &str = "rush-2027";

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn call(
    client: &HttpClient,
    base: &str,
    token: &str,
    path: &str,
    body: &'static str,
) -> anyhow::Result<u16> {
    let req = hyper::Request::builder()
        .method("POST")
        .uri(format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))?;
    let resp = client.request(req).await?;
    let status = resp.status().as_u16();
    // The body is read (the connection is reused) but not parsed: the load
    // generator shares the machine with the service and only needs the status.
    resp.into_body().collect().await?;
    Ok(status)
}

pub(super) async fn prepare(
    app: &AppState,
    buyers: usize,
    tickets: u32,
    voucher_uses: u32,
) -> anyhow::Result<Vec<String>> {
    let meta = CommandMeta::system();
    crate::provision::create_series(&app.bus, "rush", "Rush", &meta)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let details = ConferenceDetails {
        name: "Rush 2027".into(),
        start_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 1).unwrap_or_default(),
        end_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 3).unwrap_or_default(),
        ..Default::default()
    };
    let made = crate::provision::create_conference(&app.bus, "rush", CONF, 2027, details, &meta)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let ledger = Inventory::stream(inventory_id(made.id));
    let m = EventMeta {
        conference_id: Some(made.id),
        ..Default::default()
    };
    app.bus
        .send(
            &ledger,
            InventoryCommand::DefineTicketType {
                ticket: TicketType {
                    slug: "individual".into(),
                    name: "Individual".into(),
                    price: rust_decimal::Decimal::new(10000, 2),
                    total_quantity: tickets,
                    ..Default::default()
                },
            },
            &m,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut voucher = Voucher::new("RUSH20");
    voucher.kind = VoucherKind::Percentage;
    voucher.value = rust_decimal::Decimal::from(20);
    voucher.max_uses = voucher_uses;
    app.bus
        .send(&ledger, InventoryCommand::CreateVoucher { voucher }, &m)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Buyers share one password hash: the rush measures checkouts, not argon2.
    let hash = crate::identity::hash_password("rush buyer password")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = app.bus.services().now();
    let mut tokens = Vec::with_capacity(buyers);
    for i in 0..buyers {
        let email = format!("buyer{i}@rush.example");
        let id = user_id(&email);
        let name = format!("Buyer {i}");
        // Registered as the sign-up endpoint registers people: their e-mail and
        // name sealed under their own key, so the rush's checkouts seal billing
        // with a key that exists, as a real buyer's would.
        let sealed = app
            .personal
            .seal_identity(id, &email, &name)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        app.bus
            .send(
                &User::stream(id),
                UserCommand::Register {
                    email,
                    name,
                    password_hash: hash.clone(),
                    sealed: Some(sealed),
                },
                &EventMeta::default(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tokens.push(app.tokens.issue(id, 0, now));
    }
    Ok(tokens)
}

pub async fn rush(
    url: &str,
    buyers: usize,
    tickets: u32,
    voucher_every: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let db = open_db(url).await?;
    let app = build_app(db, Config::default(), Arc::new(SystemClock)).await?;
    // A rush meets a service in its steady state, not one starting up: during
    // its first seconds an instance cannot yet know it is alone (it re-reads
    // what it cached and announces its commits to whoever may listen).
    tokio::time::sleep(Duration::from_secs(4)).await;
    let voucher_uses = (buyers / voucher_every.max(1) / 4).max(1) as u32;
    let admitted = if concurrency == 0 {
        "all at once".to_string()
    } else {
        format!("{concurrency} at a time through a waiting room")
    };
    println!(
        "bench rush: {buyers} buyers ({admitted}), {tickets} tickets, every {voucher_every}th buyer uses voucher RUSH20 (max_uses {voucher_uses})"
    );
    // The waiting room: a buyer enters the shop when a place is free.
    let room = Arc::new(tokio::sync::Semaphore::new(if concurrency == 0 {
        buyers.max(1)
    } else {
        concurrency
    }));
    let tokens = prepare(&app, buyers, tickets, voucher_uses).await?;
    let quiet = settle().await;
    println!("background work after preparing the buyers: quiet after {quiet:.1?}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = crate::router(app.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service()).await;
    });
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(buyers)
        .build_http();
    let cpu_before = CpuTicks::read();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(buyers);
    // PUT …/cart/voucher answers by status.
    let applied = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    for (i, token) in tokens.into_iter().enumerate() {
        let client = client.clone();
        let base = base.clone();
        let room = room.clone();
        let applied = applied.clone();
        tasks.push(tokio::spawn(async move {
            let _place = room.acquire_owned().await?;
            let cart = format!("/api/v1/conferences/{CONF}/cart/items");
            let status = call(
                &client,
                &base,
                &token,
                &cart,
                r#"{"ticket_type":"individual","quantity":1}"#,
            )
            .await?;
            if status != 201 {
                return anyhow::Ok((status, Duration::ZERO, Instant::now()));
            }
            if i % voucher_every.max(1) == 0 {
                let req = hyper::Request::builder()
                    .method("PUT")
                    .uri(format!("{base}/api/v1/conferences/{CONF}/cart/voucher"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(br#"{"code":"RUSH20"}"#)))?;
                let resp = client.request(req).await?;
                let status = resp.status().as_u16();
                resp.into_body().collect().await?;
                if let Ok(mut seen) = applied.lock() {
                    *seen.entry(status).or_insert(0u32) += 1;
                }
            }
            let t = Instant::now();
            let status = call(
                &client,
                &base,
                &token,
                &format!("/api/v1/conferences/{CONF}/checkout"),
                "{}",
            )
            .await?;
            Ok((status, t.elapsed(), Instant::now()))
        }));
    }
    let mut latency = Histogram::<u64>::new(3)?;
    let (mut ok, mut refused, mut errors) = (0u64, 0u64, 0u64);
    let mut last_success = started;
    for t in tasks {
        match t.await.context("buyer task")? {
            Ok((201, took, at)) => {
                ok += 1;
                latency.record(took.as_micros() as u64)?;
                last_success = last_success.max(at);
            }
            Ok((s, took, _)) if s < 500 => {
                refused += 1;
                if took > Duration::ZERO {
                    latency.record(took.as_micros() as u64)?;
                }
            }
            _ => errors += 1,
        }
    }
    let until_sold_out = (last_success - started).as_secs_f64();
    let cpu = CpuTicks::read().and_then(|now| now.since(&cpu_before));
    let now = app.bus.services().now();
    let conference = crate::app::conference_id(CONF);
    let (sold, held, remaining, voucher) = app
        .bus
        .inspect(&Inventory::stream(inventory_id(conference)), |inv| {
            let p = tessera_aggregates::pricing::ProductRef::ticket("individual");
            (
                inv.sold(&p),
                inv.held(&p, now),
                inv.remaining(&p, now),
                inv.voucher("RUSH20", now).map(|v| v.voucher.uses),
            )
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let taken = sold + held;
    println!(
        "successful checkouts: {ok} in {until_sold_out:.2}s until sold out = {:.0} checkouts/s",
        ok as f64 / until_sold_out.max(1e-9)
    );
    println!(
        "checkout latency: p50 {:.1} ms, p99 {:.1} ms (all checkout requests)",
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0
    );
    println!("refused (sold out / voucher used up): {refused}, transport or 5xx errors: {errors}");
    println!(
        "tickets taken {taken} of {tickets} (remaining {remaining:?}); oversold: {}",
        taken.saturating_sub(u64::from(tickets))
    );
    print_cpu("during the rush", cpu, ok);
    // The rush leaves work behind (the read models fold the last checkouts after
    // they answered): counted until the service and PostgreSQL are quiet again,
    // twice and 2.5 s apart so a job that pauses between its steps (the stats
    // model, up to 2 s) is not taken for done, every checkout pays for all it caused.
    let after = Instant::now();
    settle().await;
    let quiet = after.elapsed().saturating_sub(Duration::from_millis(500));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    settle().await;
    print_cpu(
        &format!("until the work it left was done ({quiet:.1?} after the last answer)"),
        CpuTicks::read().and_then(|now| now.since(&cpu_before)),
        ok,
    );
    if let Ok(seen) = applied.lock() {
        let answers: Vec<String> = seen.iter().map(|(s, n)| format!("{n}× {s}")).collect();
        println!("voucher applications answered: {}", answers.join(", "));
    }
    let used = voucher.unwrap_or(0);
    println!(
        "voucher RUSH20 used {used} of {voucher_uses}; over-used: {}",
        used.saturating_sub(voucher_uses)
    );
    Ok(())
}

/// One CPU line: the ticks of this process and of PostgreSQL per successful
/// checkout, in ms.
fn print_cpu(when: &str, ticks: Option<(u64, u64)>, ok: u64) {
    if let Some((own, postgres)) = ticks {
        let per = |ticks: u64| ticks as f64 * 10.0 / ok.max(1) as f64;
        println!(
            "CPU {when}: tessera {:.2} ms + postgres {:.2} ms per successful checkout",
            per(own),
            per(postgres)
        );
    }
}

/// Waits (at most 60 s) until this process and PostgreSQL are quiet (at most 3
/// ticks in half a second), so the CPU measured is the rush's own, not what the
/// buyers' sign-up left to fold into the read models. Answers how long it took.
async fn settle() -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let before = CpuTicks::read();
        tokio::time::sleep(Duration::from_millis(500)).await;
        match CpuTicks::read().and_then(|now| now.since(&before)) {
            Some((own, postgres)) if own + postgres > 3 => {}
            _ => break,
        }
    }
    started.elapsed()
}

/// CPU time (clock ticks of 10 ms) used by this process and by every PostgreSQL
/// process on the machine, read from /proc (Linux; None elsewhere). Timing
/// figures on a shared 2-core machine move with whatever else runs; CPU per
/// checkout moves much less, so the bench prints both.
struct CpuTicks {
    own: u64,
    postgres: std::collections::HashMap<u32, u64>,
}

impl CpuTicks {
    fn read() -> Option<Self> {
        let own = Self::ticks("/proc/self/stat")?.1;
        let mut postgres = std::collections::HashMap::new();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some((comm, ticks)) = Self::ticks(&format!("/proc/{pid}/stat"))
                && comm == "postgres"
            {
                postgres.insert(pid, ticks);
            }
        }
        Some(Self { own, postgres })
    }

    /// (comm, utime + stime) of one /proc/<pid>/stat.
    fn ticks(path: &str) -> Option<(String, u64)> {
        let stat = std::fs::read_to_string(path).ok()?;
        let (head, rest) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the comm: state is field 3, utime 14 and stime 15 (1-based).
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some((comm, utime + stime))
    }

    /// (own, postgres) ticks used since `before`.
    fn since(self, before: &Option<Self>) -> Option<(u64, u64)> {
        let before = before.as_ref()?;
        let postgres = self
            .postgres
            .iter()
            .map(|(pid, t)| t.saturating_sub(before.postgres.get(pid).copied().unwrap_or(0)))
            .sum();
        Some((self.own.saturating_sub(before.own), postgres))
    }
}
