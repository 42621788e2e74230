//! Assembling the service: database, migrations, projection runner, command bus,
//! token key. Serving it on a socket is the edge's job (`http::serve`).

use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tessera_aggregates::{Clock, DomainServices, Timestamp};
use tessera_replay::Db;
use tessera_replay::leader::{self, Leadership};

use crate::app::{App, AppState};
use crate::bus::CommandBus;
use crate::config::Config;
use crate::identity::TokenSigner;
use crate::identity::signing_key::{self, KeySource};
use crate::identity::throttle::{Limit, LoginThrottle};
use crate::process::{Processes, StripeAccess};
use crate::stripe::{GatewayError, SharedGateway, StripeClient};

/// The wall clock: read only here, at the edge, and handed to aggregates.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// The process-wide Prometheus recorder (installed once).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

/// RESET-6: password reset requests per account per hour, and per client
/// address per hour.
fn reset_limits() -> (Limit, Limit) {
    let hour = chrono::Duration::hours(1);
    (
        Limit { max: 3, span: hour },
        Limit {
            max: 20,
            span: hour,
        },
    )
}

/// Where the database is: `--database-url`, else `DATABASE_URL`, else the SQLite
/// file `tessera.db`.
pub fn database_url(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "sqlite://tessera.db".to_string())
}

/// Connects and migrates.
pub async fn open_db(url: &str) -> anyhow::Result<Db> {
    open_db_with(
        url,
        crate::config::Config::default().database_max_connections,
    )
    .await
}

/// [`open_db`] with at most `max_connections` connections (`serve`:
/// `database_max_connections`).
pub async fn open_db_with(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    let db = Db::connect(url, max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// A running service state over `db`: the runner is loaded, caught up and spawned.
/// `[files] root`, else a `files` directory beside the SQLite database, else
/// `./tessera-files`.
async fn files_root(db: &Db, config: &Config) -> std::path::PathBuf {
    if let Some(root) = &config.files.root {
        return root.into();
    }
    if let Db::Sqlite(pool) = db {
        let file: Option<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
            .fetch_optional(pool)
            .await
            .ok()
            .flatten();
        let dir = file
            .map(|(_, _, f)| std::path::PathBuf::from(f))
            .filter(|f| !f.as_os_str().is_empty())
            .and_then(|f| f.parent().map(|p| p.join("files")));
        if let Some(dir) = dir {
            return dir;
        }
    }
    "tessera-files".into()
}

pub async fn build_app(db: Db, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    // Several services in one process (tests, benchmarks) get distinct names.
    static BUILT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let instance = match BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
        0 => leader::default_instance_id(),
        n => format!("{}#{n}", leader::default_instance_id()),
    };
    let leadership = Leadership::new(db.clone(), instance);
    // The log's tailers in this process share the pages they read.
    let log = Arc::new(tessera_replay::LogWindow::default());
    let runner = crate::scale::projections(&leadership, &db, &log).await?;
    let services_clock = clock.clone();
    let services = DomainServices::new(clock);
    let reactor_wake = Arc::new(tokio::sync::Notify::new());
    let outbox_wake = Arc::new(tokio::sync::Notify::new());
    // Other instances learn of this one's commits (src/scale.rs).
    let commits = Arc::new(tokio::sync::Notify::new());
    // …and this one learns of theirs: its cache is current while nobody else writes.
    let others = Arc::new(tessera_replay::follow::OtherWriters::default());
    let bus = Arc::new(
        CommandBus::new(db.clone(), services, Some(runner.clone()))
            .with_other_writers(others.clone())
            .with_waker(reactor_wake.clone())
            .with_waker(outbox_wake.clone())
            .with_waker(commits.clone())
            .with_deadline(config.command_deadline()),
    );
    // PAY-4: Stripe only with a secret key; a key with an unusable base URL is a
    // configuration error.
    let gateway: Option<SharedGateway> = match StripeClient::from_config(&config.stripe) {
        Ok(client) => Some(Arc::new(client)),
        Err(GatewayError::NotConfigured) => None,
        Err(e) => anyhow::bail!("stripe: {e}"),
    };
    let processes = Arc::new(Processes {
        bus: bus.clone(),
        stripe: match &gateway {
            Some(gateway) => StripeAccess::Gateway {
                gateway: gateway.clone(),
                currency: config.currency.clone(),
            },
            None => StripeAccess::NotConfigured,
        },
        faults: Default::default(),
        in_flight: Default::default(),
    });
    let reactor = crate::scale::process_managers(
        &leadership,
        &db,
        processes.clone(),
        reactor_wake.clone(),
        &log,
    )
    .await?;
    let stats = crate::scale::stats_model(&leadership, &db, &runner).await?;
    crate::scale::follow(
        &db,
        &leadership,
        (&runner, &reactor, &stats),
        commits,
        std::slice::from_ref(&outbox_wake),
        others,
    );
    // No built-in key: the configured one, else the one kept in the database.
    let (key, source) = signing_key::token_key(&db, config.secret_key.as_ref()).await?;
    match source {
        KeySource::Configured => tracing::info!("tokens are signed with the configured secret_key"),
        KeySource::Database => {
            tracing::info!("tokens are signed with the key kept in the database")
        }
    }
    let (master, source) =
        crate::personal::MasterKey::load(&db, config.personal_data_key.as_ref()).await?;
    if source == KeySource::Database {
        tracing::warn!(
            "personal data is keyed by a master key kept in the database: set personal_data_key"
        );
    }
    let personal = Arc::new(crate::personal::PersonalData::new(db.clone(), master));
    // Outgoing webhooks: their own log consumer and sender (src/webhooks).
    crate::webhooks::Worker::load(
        db.clone(),
        services_clock.clone(),
        personal.clone(),
        config.webhooks.clone(),
    )
    .await?
    .share_log(log.clone())
    .spawn();
    let tokens = TokenSigner::new(key.expose(), i64::from(config.token_ttl_hours));
    let logins = LoginThrottle::shared(
        db.clone(),
        "login",
        config.login_failure_limit(),
        config.login_address_limit(),
    );
    let (per_account, per_address) = reset_limits();
    let resets = LoginThrottle::shared(db.clone(), "reset", per_account, per_address);
    let notifications = crate::notifications::start(
        db.clone(),
        bus.clone(),
        personal.clone(),
        tokens.clone(),
        &config,
        outbox_wake,
        log,
    )
    .await?;
    let files = crate::personal::store::FileStore::new(files_root(&db, &config).await);
    Ok(Arc::new(App {
        files,
        db,
        bus,
        runner,
        reactor,
        stats,
        leadership,
        config,
        tokens,
        personal,
        logins,
        resets,
        notifications,
        metrics: metrics_handle(),
        gateway,
        faults: processes.faults.clone(),
        refunds_in_flight: processes.in_flight.clone(),
    }))
}
